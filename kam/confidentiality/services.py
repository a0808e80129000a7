"""Writes of the confidentiality chapter (A7): the append-only record of every reveal of core data, and
management's field classification."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.models import AuditEvent, CoreAccess
from kam.audit.services import audit_log
from kam.confidentiality.classification import CLASSIFIABLE, FIXED_CORE
from kam.confidentiality.models import FieldClassification
from kam.core import context
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError
from kam.core.ratelimit import rate_hit
from kam.notify.services import notify_role
from kam.users.models import Role

log = logging.getLogger("kam.confidentiality")
DENIED_ALERT_ACTION = "confidentiality.reveal.denied_alert"
THROTTLED_ACTION = "confidentiality.reveal.throttled"


class RevealThrottled(AccessDenied):
    """A reveal past the per-user limit (issue 12 §5): refused and recorded as a denied attempt; `retry_after`
    is the seconds until the limit's minute ends."""

    def __init__(self, message, *, retry_after: int) -> None:
        super().__init__(message, rule="A7.2")
        self.retry_after = retry_after


def record_access(*, user, customer, fields: list[str], channel: str | None = None, granted: bool = True):
    """A7.2: log a reveal (or a denied attempt) of core data — who, which fields, which account, when,
    from where, channel — never the value."""
    ctx = context.current()
    return CoreAccess.objects.create(
        at=timezone.now(), user=user if getattr(user, "pk", None) else None, customer=customer,
        fields=sorted(set(fields)), channel=channel or ctx.channel or "page", granted=granted, ip=ctx.ip,
        request_id=ctx.request_id)


def reveal_check(*, user, customer, fields: list[str], channel: str | None = None) -> None:
    """Before a reveal of core data by a user allowed to see it: the per-user limit
    (settings.REVEAL_RATE_LIMIT_PER_MINUTE, pages and API together). Past it the reveal is refused with
    RevealThrottled, recorded as a denied attempt (A7.2) and audited — and counts towards the alert."""
    verdict = rate_hit("reveal", str(user.pk), limit=int(settings.REVEAL_RATE_LIMIT_PER_MINUTE))
    if verdict.allowed:
        return
    reveal_denied(user=user, customer=customer, fields=fields, channel=channel, throttled=True)
    raise RevealThrottled(_("显示核心数据过于频繁（每分钟最多 %(n)d 次），请 %(s)d 秒后再试；此次尝试已记录。")
                          % {"n": verdict.limit, "s": verdict.retry_after}, retry_after=verdict.retry_after)


@transaction.atomic
def reveal_denied(*, user, customer, fields: list[str], channel: str | None = None,
                  throttled: bool = False) -> CoreAccess:
    """A7.2: a refused reveal (a role without core access, or past the per-user limit) is recorded like a
    reveal, granted=False. When one user collects REVEAL_DENIED_ALERT_COUNT refusals within
    REVEAL_DENIED_WINDOW_SECONDS, management is alerted (inbox and its channels) and the alert is audited —
    once per user and window."""
    access = record_access(user=user, customer=customer, fields=fields, channel=channel, granted=False)
    if throttled:
        audit_log(actor=user, action=THROTTLED_ACTION, target=customer, rule="A7.2",
                  changes={"fields": sorted(set(fields)), "channel": access.channel,
                           "limit_per_minute": int(settings.REVEAL_RATE_LIMIT_PER_MINUTE)})
    _alert_on_denied_burst(user=user, access=access)
    return access


def _alert_on_denied_burst(*, user, access: CoreAccess) -> None:
    threshold = int(settings.REVEAL_DENIED_ALERT_COUNT)
    window = int(settings.REVEAL_DENIED_WINDOW_SECONDS)
    if threshold <= 0 or getattr(user, "pk", None) is None:
        return
    since = access.at - dt.timedelta(seconds=window)
    denied = CoreAccess.objects.filter(user=user, granted=False, at__gt=since, at__lte=access.at).count()
    if denied < threshold:
        return
    # once per user and window, across processes: the audit row (and the shared cache for a race)
    if AuditEvent.objects.filter(action=DENIED_ALERT_ACTION, target_type=user._meta.label_lower,
                                 target_id=str(user.pk), at__gt=since).exists():
        return
    if not cache.add(f"kam:reveal-denied-alert:{user.pk}", 1, timeout=window):
        return
    who = user.get_full_name() or user.username
    event = audit_log(actor=None, action=DENIED_ALERT_ACTION, target=user, target_repr=who, rule="A7.2",
                      changes={"denied": denied, "window_seconds": window, "threshold": threshold,
                               "channel": access.channel, "ip": access.ip})
    local = timezone.localtime(access.at)
    channel = {"page": _("页面"), "api": "API", "print": _("打印"), "export": _("导出")}.get(access.channel,
                                                                                       access.channel)
    notify_role(
        role=Role.MANAGEMENT, rule="A7.2", dedupe_key=f"reveal-denied:{event.pk}",
        title=_("【安全提醒】%(who)s 在 %(s)d 秒内 %(n)d 次显示核心数据被拒") % {"who": who, "s": window, "n": denied},
        body=_("%(who)s（%(user)s）在 %(time)s 前 %(s)d 秒内 %(n)d 次尝试显示核心数据被拒绝（最近一次：渠道 %(channel)s，"
               "地址 %(ip)s）。请在核心数据访问记录中核查。") % {
            "who": who, "user": user.username, "time": local.strftime("%Y-%m-%d %H:%M:%S"), "s": window,
            "n": denied, "channel": channel, "ip": access.ip or "—"},
        url=f"{reverse('confidentiality:access_log')}?user={user.pk}")
    log.warning("denied reveals: user %s had %d refusals within %d s; management alerted", user.pk, denied, window)


def record_accesses(*, user, reads: list[tuple[object, list[str]]], channel: str) -> None:
    """A7.2: several reads of core data at once (a search that matched core values of several customers): one
    row per customer — who, which fields, when, from where, channel — never the values; one INSERT."""
    if not reads:
        return
    ctx = context.current()
    at = timezone.now()
    CoreAccess.objects.bulk_create([
        CoreAccess(at=at, user=user if getattr(user, "pk", None) else None, customer=customer,
                   fields=sorted(set(fields)), channel=channel, granted=True, ip=ctx.ip, request_id=ctx.request_id)
        for customer, fields in reads])


@transaction.atomic
def field_classify(*, actor, field: str, core: bool) -> None:
    """Management (only) marks a further field core or basic again; the fixed core fields cannot change."""
    require_role(actor, Role.MANAGEMENT, message=_("只有管理层可以调整字段密级（A7.1）。"))
    if field in FIXED_CORE:
        raise ApplicationError(_("底价和决策层联系方式始终是核心数据，不能降级（A7.1）。"), field="field", rule="A7.1")
    if field not in CLASSIFIABLE:
        raise ApplicationError(_("未知字段：%(f)s") % {"f": field}, field="field", rule="A7.1")
    old = FieldClassification.objects.filter(field=field, core=True).exists()
    FieldClassification.objects.update_or_create(field=field, defaults={"core": core, "changed_by": actor})
    audit_log(actor=actor, action="confidentiality.field.classified", rule="A7.1", target_repr=field,
              changes={"field": field, "core": {"old": old, "new": core}})
