"""`kam serve [--demo]`: migrate, collect static files, (load the demo data,) and serve with gunicorn.

Production-grade: gunicorn workers with whitenoise for static files, never the development server.
"""

from __future__ import annotations

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def gunicorn_argv(gunicorn: str, *, host: str, port: int, workers: int, app: str = "kam.wsgi:application") -> list[str]:
    """gunicorn's command line; its access and error logs redact the secrets of URLs (the calendar feed's
    token, issue 12 §5) through kam.core.logging's logger class."""
    return [gunicorn, app, "--bind", f"{host}:{port}", "--workers", str(workers), "--access-logfile", "-",
            "--logger-class", "kam.core.logging.RedactingGunicornLogger", "--timeout", "60"]


class Command(BaseCommand):
    help = "Migrate, collect static files and serve with gunicorn on 127.0.0.1:$PORT (default 8000)."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="load the demo data first (once)")
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KAM_WEB_WORKERS", "3")))
        parser.add_argument("--with-worker", action="store_true",
                            help="also start `kam worker` (tasks + the sweep every minute); implied by --demo")

    def handle(self, *args, host, port, workers, demo, with_worker, **options):
        if demo:  # the demo stays easy to log in to: two-factor authentication optional for every role
            os.environ.setdefault("KAM_OTP_REQUIRED_ROLES", "")
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if demo:
            call_command("demo")
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            self.stderr.write("gunicorn is not installed")
            sys.exit(1)
        if demo or with_worker:
            import subprocess

            # the background worker runs beside the web server (same process group: Ctrl-C stops both)
            subprocess.Popen([sys.executable, "-m", "kam.cli", "worker"])  # noqa: S603
            self.stdout.write("started the worker (tasks + sweep every minute)")
        self.stdout.write(f"serving on http://{host}:{port}/ (Ctrl-C stops)")
        sys.stdout.flush()
        os.execv(gunicorn, gunicorn_argv(gunicorn, host=host, port=port, workers=workers))
