"""`kam sweep`: evaluate every rule, record new alerts once, notify who G.5 names, deliver, send digests.

Idempotent: an alert's unique key (rule, subject, period, kind) means running the sweep twice — or on two
machines at once — records and notifies each due-soon or breach once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from kam.obligations import engine
from kam.obligations.jobs import run_jobs
from kam.obligations.models import Alert, AlertKind
from kam.policy.rules import rule_citation

log = logging.getLogger("kam.sweep")


def _text(o: engine.Obligation, kind: str) -> tuple[str, str]:
    due = timezone.localtime(o.due_at).strftime("%m-%d %H:%M")
    what = "即将到期" if kind == AlertKind.DUE_SOON else "已逾期"
    title = f"【{what}】{o.label}"
    body = f"{rule_citation(o.rule)}：{o.label}，截止 {due}（已完成 {o.done}/{o.required}）。"
    return title, body


def record_alerts(obligations: list[engine.Obligation]) -> list[tuple[Alert, engine.Obligation]]:
    """Insert the alerts not yet recorded; return only those this call created."""
    wanted = {(o.rule, o.subject_type, o.subject_id, o.period_key, AlertKind.DUE_SOON if o.state == engine.DUE_SOON
               else AlertKind.BREACHED): o for o in obligations if o.state in (engine.DUE_SOON, engine.BREACHED)}
    if not wanted:
        return []
    keys = {(k[0], k[3]) for k in wanted}
    q = Q()
    for rule, period in keys:
        q |= Q(rule=rule, period_key=period)
    existing = set(Alert.objects.filter(q).values_list("rule", "subject_type", "subject_id", "period_key", "kind"))
    created = []
    for key, o in wanted.items():
        if key in existing:
            continue
        title, _body = _text(o, key[4])
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    rule=o.rule, subject_type=o.subject_type, subject_id=o.subject_id, period_key=o.period_key,
                    kind=key[4], customer_id=o.customer_id, owner_id=o.owner_id, owner_role=o.owner_role,
                    escalation_role=o.escalation_role, due_at=o.due_at, label=o.label[:300], url=o.url)
        except IntegrityError:
            continue  # another sweep recorded it first
        created.append((alert, o))
    return created


def notify_alert(alert: Alert, o: engine.Obligation, *, now: dt.datetime | None = None) -> None:
    """G.5: due-soon and breach to the owner at once; a breach of an hour clock also to the escalation
    target at once (and its group); period-clock breaches reach the escalation target in the digest."""
    from kam.notify.services import notify_group, notify_role, notify_user
    from kam.users.models import User

    title, body = _text(o, alert.kind)
    common = {"title": title, "body": body, "url": o.url, "rule": o.rule, "alert": alert,
              "dedupe_key": f"alert:{alert.pk}", "now": now}
    if o.owner_id:
        owner = User.objects.filter(pk=o.owner_id).first()
        if owner is not None:
            notify_user(user=owner, **common)
    elif o.owner_role:
        notify_role(role=o.owner_role, **common)
    for watcher in User.objects.filter(pk__in=[w for w in o.watchers if w != o.owner_id]):
        notify_user(user=watcher, **common)
    if o.queue:  # the department's queue group (never an account manager's group)
        notify_group(audience=o.queue, **{**common, "dedupe_key": f"alert:{alert.pk}:queue"})
    rule = engine.REGISTRY.get(o.rule)
    if alert.kind == AlertKind.BREACHED and o.escalation_role and rule is not None and rule.escalation == "immediate":
        notify_role(role=o.escalation_role, **{**common, "dedupe_key": f"alert:{alert.pk}:esc"})
        if o.escalation_role == "head_of_sales":
            notify_group(audience="head_of_sales", **{**common, "dedupe_key": f"alert:{alert.pk}:grp"})


def send_digests(*, now: dt.datetime) -> int:
    """G.5 daily digest at `alerts.digest_time` on working days (official calendar): each person's open
    alerts, plus — for escalation targets — the period-clock breaches of the last day."""
    from kam.calendar.workdays import CalendarDataMissing, is_working_day
    from kam.notify.models import DigestRun
    from kam.notify.services import notify_user
    from kam.policy.selectors import policy_in_force
    from kam.users.models import User

    local = timezone.localtime(now)
    policy = policy_in_force(at=now)
    if local.time() < policy["alerts.digest_time"]:
        return 0
    try:
        if not is_working_day(local.date()):
            return 0
    except CalendarDataMissing:
        log.warning("no holiday schedule for %s: digest skipped", local.year)
        return 0
    first_digest = now - dt.timedelta(days=7)  # someone's very first digest looks back one week
    sent = 0
    users = User.objects.filter(is_active=True).exclude(role_grants=None).prefetch_related("role_grants")
    done = set(DigestRun.objects.filter(day=local.date()).values_list("user_id", flat=True))
    # each digest covers what happened since that person's previous digest (holidays and weekends included)
    previous = dict(DigestRun.objects.values("user_id").annotate(last=Max("created_at")).values_list("user_id", "last"))
    for user in users:
        if user.pk in done:
            continue
        since = previous.get(user.pk, first_digest)
        roles = {g.role for g in user.role_grants.all()}
        own = Alert.objects.filter(Q(owner=user) | Q(owner__isnull=True, owner_role__in=roles), created_at__gte=since)
        escalated = Alert.objects.filter(kind=AlertKind.BREACHED, escalation_role__in=roles, created_at__gte=since)
        lines = [f"· {a.rule} {a.get_kind_display()}：{a.label}" for a in own.order_by("due_at")[:30]]
        lines += [f"· [{a.rule} 逾期] {a.label}" for a in escalated.order_by("due_at")[:30]]
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
    from kam.notify.models import Notification

    last_group = Notification.objects.filter(robot__isnull=False, dedupe_key__contains=":hos:r").aggregate(
        m=Max("created_at"))["m"]
    escalated = Alert.objects.filter(kind=AlertKind.BREACHED, escalation_role="head_of_sales",
                                     created_at__gte=last_group or first_digest)
    if escalated.exists():
        from kam.notify.services import notify_group

        lines = [f"· [{a.rule} 逾期] {a.label}" for a in escalated.order_by("due_at")[:50]]
        notify_group(audience="head_of_sales", title=f"逾期汇总 {local:%m-%d}（{len(lines)} 项）",
                     body="\n".join(lines), url="/compliance/", dedupe_key=f"digest:{local.date()}:hos", rule="G.5",
                     now=now)
    return sent


def sweep(*, now: dt.datetime | None = None, deliver: bool = True) -> dict[str, int]:
    from kam.notify.services import deliver_due

    now = now or timezone.now()
    obligations = engine.evaluate(now=now)
    created = record_alerts(obligations)
    for alert, o in created:
        notify_alert(alert, o, now=now)
    digests = send_digests(now=now)
    run_jobs(now=now)
    delivered = deliver_due(now=now) if deliver else {}
    return {"obligations": len(obligations), "alerts": len(created), "digests": digests, **delivered}
