from __future__ import annotations

from django_tasks import task


@task()
def run_import_task(*, run_id: int, user_id: int, dry_run: bool) -> dict:
    """Background import (large files): takes ids, calls the service (house rule). A run that is no longer in
    progress (failed as stale meanwhile) is left alone."""
    from kam.exchange.models import ImportRun
    from kam.exchange.services import IN_PROGRESS, import_execute
    from kam.users.models import User

    run = ImportRun.objects.get(pk=run_id)
    if run.status not in IN_PROGRESS:
        return {"skipped": run.status}
    from django.conf import settings

    user = User.objects.get(pk=user_id)
    # in the worker process: the read phase yields the CPU (not when the task runs in the caller, as in tests)
    background = not settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")
    result = import_execute(actor=user, run=run, dry_run=dry_run, background=background)
    return {"ok": result.ok, "counts": result.counts, "errors": result.error_count}
