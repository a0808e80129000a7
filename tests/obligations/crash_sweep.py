"""Subprocess side of the crash test (tests/obligations/test_sweep_crash.py, issue 12 §2).

Run with DJANGO_SETTINGS_MODULE=kam.settings and DATABASE_URL pointing at a throwaway database:

    python -m tests.obligations.crash_sweep setup --accounts 70
    python -m tests.obligations.crash_sweep sweep --now 2026-11-26T08:00 --delay 0.03
    python -m tests.obligations.crash_sweep verify --now 2026-11-26T08:00

`sweep` slows the notify path down (test-only monkeypatch in this process: a sleep before every
`notify_user`) and prints one line per call, so that the parent can SIGKILL it at chosen points while alerts
are being recorded. Every command prints one JSON line (prefixed "result ") at the end; `sweep` first prints
what is committed before it starts ("committed ..."), i.e. what the previous, killed, sweep left behind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
MANAGERS = 4


def _setup_django() -> None:
    import django

    django.setup()


def _emit(kind: str, payload: object = None) -> None:
    sys.stdout.write(f"{kind} {json.dumps(payload)}\n")
    sys.stdout.flush()


def setup(accounts: int, since: dt.datetime) -> dict:
    """Account managers and the head of sales with e-mail addresses; `accounts` core key accounts designated
    since 2026-10-01 and never contacted (so the A12.1 periods since then are breached)."""
    from django.db import transaction

    from kam.customers.services import customer_assign_manager, customer_create
    from kam.customers.validators import make_credit_code
    from kam.qualification.models import Designation, TierChange
    from kam.users.models import Role, RoleGrant, User

    with transaction.atomic():
        head = User.objects.create_user(username="head", password="pw-kam-2026", display_name="head",
                                        email="head@example.com")
        RoleGrant.objects.create(user=head, role=Role.HEAD_OF_SALES)
        managers = []
        for i in range(1, MANAGERS + 1):
            am = User.objects.create_user(username=f"am{i}", password="pw-kam-2026", display_name=f"am{i}",
                                          email=f"am{i}@example.com")
            RoleGrant.objects.create(user=am, role=Role.ACCOUNT_MANAGER)
            managers.append(am)
        for n in range(1, accounts + 1):
            c = customer_create(actor=None, name=f"崩溃测试客户{n:03d}", credit_code=make_credit_code(f"91440600{n:09d}"),
                                customer_type="hotel", city="佛山")
            customer_assign_manager(actor=None, customer=c, manager=managers[n % MANAGERS], reason="crash test",
                                    on=since.date())
            d = Designation.objects.create(customer=c, source="initial_list", tier="core", started_at=since)
            TierChange.objects.create(customer=c, designation=d, tier="core", effective_at=since)
    return {"accounts": accounts, "managers": MANAGERS}


def slow_sweep(now: dt.datetime, delay: float) -> dict:
    """The real sweep with every `notify_user` preceded by a sleep and announced on stdout. Before it starts,
    it reports what the previous (killed) sweep left committed (`committed` line: see `snapshot`)."""
    _emit("committed", snapshot())
    from kam.notify import services
    from kam.obligations import sweep as sweep_module

    real = services.notify_user
    calls = {"n": 0}

    def slow_notify_user(**kwargs):
        calls["n"] += 1
        _emit("notify", calls["n"])
        time.sleep(delay)
        return real(**kwargs)

    # notify_role looks the name up in kam.notify.services; the sweep imported it by name
    services.notify_user = slow_notify_user  # type: ignore[assignment]
    sweep_module.notify_user = slow_notify_user  # type: ignore[assignment]
    _emit("ready")
    return sweep_module.sweep(now=now, deliver=False)


def snapshot() -> dict:
    """Every alert with its notifications (dedupe keys) and their e-mail deliveries, as committed now."""
    from kam.notify.models import Delivery, Notification
    from kam.obligations.models import Alert

    alerts = {str(pk): [] for pk in Alert.objects.values_list("pk", flat=True)}
    for alert_id, key in Notification.objects.filter(alert__isnull=False).values_list("alert_id", "dedupe_key"):
        alerts.setdefault(str(alert_id), []).append(key)
    deliveries: dict[str, int] = {}
    for key in Delivery.objects.filter(channel="email").values_list("notification__dedupe_key", flat=True):
        deliveries[key] = deliveries.get(key, 0) + 1
    return {"alerts": alerts, "email_deliveries": deliveries,
            "notifications": Notification.objects.filter(alert__isnull=False).count(),
            "deliveries": Delivery.objects.filter(notification__alert__isnull=False).count()}


def verify(now: dt.datetime) -> dict:
    """What is stored (`stored`, as `snapshot`) and what the finished state should be, computed independently:

    * `missing_alerts`: obligations still due soon / breached without their alert (alerting_rows);
    * `duplicate_alerts`: alert keys stored more than once;
    * `expected`: per alert, the dedupe keys `notify_alert` would create from scratch — computed inside a
      transaction that deletes every alert notification first and is rolled back;
    * `breached`: live breached obligations in the engine's window, each with the number of its alerts.
    """
    from django.db import transaction
    from django.db.models import Count, Q

    from kam.notify.models import Notification
    from kam.obligations import engine
    from kam.obligations.models import Alert, AlertKind, State, StoredObligation
    from kam.obligations.sweep import alerting_rows, notify_alert

    missing = alerting_rows(now=now).count()
    duplicates = (Alert.objects.values("rule", "subject_type", "subject_id", "period_key", "kind")
                  .annotate(n=Count("id")).filter(n__gt=1).count())
    breached = list(StoredObligation.objects.filter(live=True, state=State.BREACHED,
                                                    due_at__gt=engine.default_since(now))
                    .annotate(n=Count("alerts", filter=Q(alerts__kind=AlertKind.BREACHED))).values_list("id", "n"))

    class Rollback(Exception):
        pass

    expected: dict[str, list[str]] = {}
    try:
        with transaction.atomic():
            Notification.objects.filter(alert__isnull=False).delete()
            for alert in Alert.objects.select_related("obligation"):
                notify_alert(alert, alert.obligation, now=now)
            for alert_id, key in Notification.objects.filter(alert__isnull=False).values_list("alert_id",
                                                                                              "dedupe_key"):
                expected.setdefault(str(alert_id), []).append(key)
            raise Rollback
    except Rollback:
        pass
    return {"stored": snapshot(), "missing_alerts": missing, "duplicate_alerts": duplicates, "expected": expected,
            "breached": breached, "kinds": dict(Alert.objects.values_list("kind").annotate(n=Count("id")))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["setup", "sweep", "verify"])
    parser.add_argument("--accounts", type=int, default=70)
    parser.add_argument("--now", default="2026-11-26T08:00")
    parser.add_argument("--since", default="2026-11-16T00:00")
    parser.add_argument("--delay", type=float, default=0.03)
    args = parser.parse_args(argv)
    _setup_django()
    now = dt.datetime.fromisoformat(args.now).replace(tzinfo=SH)
    if args.command == "setup":
        result = setup(args.accounts, dt.datetime.fromisoformat(args.since).replace(tzinfo=SH))
    elif args.command == "sweep":
        result = slow_sweep(now, args.delay)
    else:
        result = verify(now)
    _emit("result", result)


if __name__ == "__main__":
    main()
