"""kam import KIND FILE [--dry-run] [--mapping NAME] [--user USERNAME]: same validation and report as the page."""

from __future__ import annotations

import os

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from kam.core.errors import ApplicationError
from kam.exchange import services
from kam.exchange.models import ImportMapping
from kam.exchange.registry import all_kinds, get_kind


class Command(BaseCommand):
    help = "Import an ERP export (.xlsx or .csv, UTF-8 or GBK): all-or-nothing, with a row-by-row error report."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="one of: " + ", ".join(k.name for k in all_kinds()))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument("--mapping", help="a saved column mapping for files whose headers differ")
        parser.add_argument("--user", default=os.environ.get("KAM_IMPORT_USER", "head"),
                            help="who imports (their role decides what they may import); default head")

    def handle(self, *args, kind, file, dry_run, mapping, user, **options):
        from kam.users.models import User

        try:
            kind_obj = get_kind(kind)
            actor = User.objects.get(username=user, is_active=True)
        except (ApplicationError, User.DoesNotExist) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from None
        mapping_obj = None
        if mapping:
            mapping_obj = ImportMapping.objects.filter(kind=kind_obj.name, name=mapping).first()
            if mapping_obj is None:
                raise CommandError(f"没有名为「{mapping}」的 {kind_obj.name} 映射")
        if not os.path.exists(file):
            raise CommandError(f"文件不存在：{file}")
        try:
            with open(file, "rb") as fh:  # streamed, never read into memory
                uploaded = File(fh, name=os.path.basename(file))
                run = services.import_upload(actor=actor, kind_name=kind_obj.name, uploaded=uploaded,
                                             mapping=mapping_obj)
            result = services.import_execute(actor=actor, run=run, dry_run=dry_run)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        counts = result.counts
        self.stdout.write(f"{kind_obj.name}: {counts.get('rows', 0)} rows — created {counts.get('created', 0)}, "
                          f"updated {counts.get('updated', 0)}, unchanged {counts.get('unchanged', 0)}")
        if not result.ok:
            for issue in result.errors:
                self.stderr.write(str(issue))
            if result.error_count > len(result.errors):
                self.stderr.write(f"… {result.error_count - len(result.errors)} more errors")
            raise CommandError(f"{result.error_count} errors: nothing was imported")
        self.stdout.write("dry run: nothing written" if dry_run else "imported")
