"""`kam worker`: the background worker — django-tasks' database worker plus the sweep every
KAM_SWEEP_SECONDS (default 60). One process; several can run against PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kam.obligations.sweep import sweep


class Command(BaseCommand):
    help = "Run the task worker and the sweep every minute."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=settings.SWEEP_SECONDS)
        parser.add_argument("--once", action="store_true", help="one sweep, no task worker (for cron)")

    def handle(self, *args, interval, once, **options):
        if once:
            self.stdout.write(str(sweep()))
            return
        worker = subprocess.Popen([sys.executable, "-m", "kam.cli", "db_worker", "--interval", "2"])
        stopping = {"flag": False}

        def stop(*_args):
            stopping["flag"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping["flag"]:
                started = time.monotonic()
                try:
                    result = sweep()
                    self.stdout.write(f"sweep: {result}")
                except Exception as exc:  # noqa: BLE001 - the worker keeps running; the error is logged
                    self.stderr.write(f"sweep failed: {exc}")
                finally:
                    close_old_connections()
                while not stopping["flag"] and time.monotonic() - started < interval:
                    time.sleep(0.5)
                    if worker.poll() is not None:
                        worker = subprocess.Popen([sys.executable, "-m", "kam.cli", "db_worker", "--interval", "2"])
        finally:
            worker.terminate()
            worker.wait(timeout=10)
