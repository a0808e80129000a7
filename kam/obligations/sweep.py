"""`kam sweep`: reconcile the stored obligations, record new alerts once and notify who G.5 names, resolve the
alerts whose obligation was met, run the periodic jobs, send digests, deliver.

1. Reconcile every rule with the engine (set-based; a rule that fails is reported, the others go on).
2. For each stored obligation that is due soon or breached and has no alert of that kind yet: the alert and
   its notifications are written in one transaction (a transactional outbox: a crash between the two can
   neither lose the notifications nor send them twice). The unique alert key (rule, subject, period, kind)
   keeps two sweeps at once from recording it twice.
3. Alerts whose obligation left that state are resolved (met, met late, obsolete, superseded, acknowledged).
4. Periodic jobs, the daily digests (only what is still open), delivery of the outbox.
Each run is recorded (`SweepRun`) so that health checks can tell how old the last complete sweep is.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from kam.calendar.workdays import CalendarDataMissing, is_working_day
from kam.notify.models import DigestRun, Notification
from kam.notify.services import deliver_due, notify_group, notify_role, notify_user
from kam.obligations import engine, store
from kam.obligations.contributions import section_lines
from kam.obligations.jobs import run_jobs
from kam.obligations.models import Alert, AlertKind, State, StoredObligation, SweepRun
from kam.policy.rules import rule_citation
from kam.policy.selectors import policy_in_force
from kam.users.models import Role, User

log = logging.getLogger("kam.sweep")


def _text(o: StoredObligation, kind: str) -> tuple[str, str]:
    due = timezone.localtime(o.due_at).strftime("%m-%d %H:%M")
    if kind == AlertKind.ERROR:
        return (f"【无法判定】{o.label}", f"{rule_citation(o.rule)}：{o.label}。该对象的数据无法计算时限（例如日期超出范围），"
                                         f"其他对象不受影响；请检查并更正数据。")
    what = "即将到期" if kind == AlertKind.DUE_SOON else "已逾期"
    title = f"【{what}】{o.label}"
    body = f"{rule_citation(o.rule)}：{o.label}，截止 {due}（已完成 {o.done}/{o.required}）。"
    return title, body


def alerting_rows(*, now: dt.datetime):
    """Live obligations due soon, breached or that cannot be judged (in the engine's window), not explained,
    without their alert."""
    has_alert = Alert.objects.filter(rule=OuterRef("rule"), subject_type=OuterRef("subject_type"),
                                     subject_id=OuterRef("subject_id"), period_key=OuterRef("period_key"),
                                     kind=OuterRef("state"))
    return (StoredObligation.objects.filter(live=True, state__in=[State.DUE_SOON, State.BREACHED, State.ERROR],
                                            acknowledged_at__isnull=True, due_at__gt=engine.default_since(now))
            .filter(~Exists(has_alert)).order_by("due_at", "id"))


def record_alerts(*, now: dt.datetime) -> list[Alert]:
    """Step 2: one alert per (obligation, kind), with its notifications in the same transaction."""
    created = []
    for o in alerting_rows(now=now):
        kind = {State.DUE_SOON: AlertKind.DUE_SOON, State.ERROR: AlertKind.ERROR}.get(o.state, AlertKind.BREACHED)
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    rule=o.rule, subject_type=o.subject_type, subject_id=o.subject_id, period_key=o.period_key,
                    kind=kind, obligation=o, customer_id=o.customer_id, owner_id=o.owner_id,
                    owner_role=o.owner_role, escalation_role=o.escalation_role, due_at=o.due_at,
                    label=o.label[:300], url=o.url)
                notify_alert(alert, o, now=now)
        except IntegrityError:
            continue  # another sweep recorded (and notified) it first
        created.append(alert)
    return created


def notify_alert(alert: Alert, o: StoredObligation, *, now: dt.datetime | None = None) -> None:
    """G.5: due-soon and breach to the owner at once (and the account manager watching); a breach of an hour
    clock also to the escalation target at once (and its group); period-clock breaches reach the escalation
    target in the digest."""
    title, body = _text(o, alert.kind)
    common = {"title": title, "body": body, "url": o.url, "rule": o.rule, "alert": alert,
              "dedupe_key": f"alert:{alert.pk}", "now": now}
    if o.owner_id:
        owner = User.objects.filter(pk=o.owner_id).first()
        if owner is not None:
            notify_user(user=owner, **common)
    elif o.owner_role:
        notify_role(role=o.owner_role, **common)
    if o.watcher_id and o.watcher_id != o.owner_id:
        watcher = User.objects.filter(pk=o.watcher_id).first()
        if watcher is not None:
            notify_user(user=watcher, **common)
    if o.queue:  # the department's queue group (never an account manager's group)
        notify_group(audience=o.queue, **{**common, "dedupe_key": f"alert:{alert.pk}:queue"})
    rule = engine.REGISTRY.get(o.rule)
    if alert.kind == AlertKind.BREACHED and o.escalation_role and rule is not None and rule.escalation == "immediate":
        notify_role(role=o.escalation_role, **{**common, "dedupe_key": f"alert:{alert.pk}:esc"})
        if o.escalation_role == Role.HEAD_OF_SALES:
            notify_group(audience="head_of_sales", **{**common, "dedupe_key": f"alert:{alert.pk}:grp"})


def send_digests(*, now: dt.datetime) -> int:
    """G.5 daily digest at `alerts.digest_time` on working days (official calendar): each person's alerts still
    open, plus — for escalation targets — the period-clock breaches still open, since their previous digest."""
    local = timezone.localtime(now)
    policy = policy_in_force(at=now)
    if local.time() < policy["alerts.digest_time"]:
        return 0
    try:
        if not is_working_day(local.date()):
            return 0
    except CalendarDataMissing:
        log.warning("%s is outside the working calendar's range: digest skipped", local.date())
        return 0
    first_digest = now - dt.timedelta(days=7)  # someone's very first digest looks back one week
    sent = 0
    users = User.objects.filter(is_active=True).exclude(role_grants=None).prefetch_related("role_grants")
    done = set(DigestRun.objects.filter(day=local.date()).values_list("user_id", flat=True))
    # each digest covers what happened since that person's previous digest (holidays and weekends included)
    previous = dict(DigestRun.objects.values("user_id").annotate(last=Max("created_at")).values_list("user_id", "last"))
    still_open = Alert.objects.filter(resolved_at__isnull=True)
    for user in users:
        if user.pk in done:
            continue
        since = previous.get(user.pk, first_digest)
        roles = {g.role for g in user.role_grants.all()}
        own = still_open.filter(Q(owner=user) | Q(owner__isnull=True, owner_role__in=roles), created_at__gte=since)
        escalated = still_open.filter(kind=AlertKind.BREACHED, escalation_role__in=roles, created_at__gte=since)
        # the blocks other chapters add (the occasions coming up, A14.1), standing in for their rules' alert lines
        extra, replaced = section_lines(user=user, roles=roles, now=now)
        if replaced:
            own = own.exclude(rule__in=replaced)
        lines = [f"· {a.rule} {a.get_kind_display()}：{a.label}" for a in own.order_by("due_at")[:30]]
        lines += [f"· [{a.rule} 逾期] {a.label}" for a in escalated.order_by("due_at")[:30]]
        lines += extra
        try:
            with transaction.atomic():
                DigestRun.objects.create(user=user, day=local.date())
        except IntegrityError:
            continue
        if lines:
            notify_user(user=user, title=f"每日摘要 {local:%m-%d}（{len(lines)} 项）", body="\n".join(lines),
                        url="/my-day/", dedupe_key=f"digest:{local.date()}", rule="G.5", now=now)
            sent += 1
    # the head of sales' group hears the day's escalated breaches (never anyone's personal list)
    last_group = Notification.objects.filter(robot__isnull=False, dedupe_key__contains=":hos:r").aggregate(
        m=Max("created_at"))["m"]
    escalated = still_open.filter(kind=AlertKind.BREACHED, escalation_role=Role.HEAD_OF_SALES,
                                  created_at__gte=last_group or first_digest)
    if escalated.exists():
        lines = [f"· [{a.rule} 逾期] {a.label}" for a in escalated.order_by("due_at")[:50]]
        notify_group(audience="head_of_sales", title=f"逾期汇总 {local:%m-%d}（{len(lines)} 项）",
                     body="\n".join(lines), url="/compliance/", dedupe_key=f"digest:{local.date()}:hos", rule="G.5",
                     now=now)
    return sent


def sweep(*, now: dt.datetime | None = None, deliver: bool = True) -> dict[str, object]:
    now = now or timezone.now()
    # the first sweep of an installation also judges the weeks the compliance trend shows (history rows)
    backfill = not SweepRun.objects.filter(finished_at__isnull=False).exists()
    run = SweepRun.objects.create(started_at=timezone.now())
    result = store.reconcile_all(now=now, backfill=backfill)
    created = record_alerts(now=now)
    resolved = store.resolve_alerts(now=now)
    digests = send_digests(now=now)
    jobs = run_jobs(now=now)
    delivered = deliver_due(now=now) if deliver else {}
    failed = {**result.failed, **{name: "failed" for name, state in jobs.items() if state != "ok"}}
    SweepRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), evaluated=result.evaluated, alerts=len(created), failed=failed)
    return {"obligations": result.evaluated, "created": result.created, "updated": result.updated,
            "obsolete": result.obsolete, "alerts": len(created), "resolved": result.resolved + resolved,
            "digests": digests, "failed": len(failed), **delivered}


def sweep_health() -> tuple[bool, dict]:
    """Health (issue 12): the age of the last complete sweep; unhealthy after 5 intervals without one."""
    from django.conf import settings

    last = SweepRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").values(
        "finished_at", "failed").first()
    if last is None or last["finished_at"] is None:
        return True, {"last_complete": None}
    age = (timezone.now() - last["finished_at"]).total_seconds()
    limit = 5 * int(getattr(settings, "SWEEP_SECONDS", 60))
    return age <= limit, {"last_complete": last["finished_at"].isoformat(), "age_seconds": int(age),
                          "limit_seconds": limit, "rules_failing": sorted(last["failed"] or {})}
