"""`kam screenshots`: each role's home page from the demo data, desktop and phone, as PNG files (see
kam.demo.screenshots). Runs on a throwaway database; needs Playwright and Debian's chromium."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Screenshots of every role's home page (demo data, 1366×900 and 390×844) into docs/screenshots/."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "screenshots"),
                            help="where the PNG files go (default: docs/screenshots/ of the repository)")
        parser.add_argument("--role", action="append", default=[],
                            help="only this demo user or role file name (repeatable), e.g. head or management")
        parser.add_argument("--inner", action="store_true", help="(internal) the child on the throwaway database")

    def handle(self, *args, **options):
        from kam.demo import screenshots

        out = Path(options["out"])
        if options["inner"]:
            screenshots.inner(out_dir=out, stdout=self.stdout, roles=options["role"])
            return
        files = screenshots.run(out_dir=out, stdout=self.stdout, roles=options["role"])
        self.stdout.write(f"{len(files)} screenshots in {out}\n")
