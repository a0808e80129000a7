"""Log-in throttling by (user name, client address) with growing delays — never a lock-out (issue 12 §4).

Why pairs: counting failures per user name let anyone lock a colleague out with five wrong passwords, and
counting per address let twenty typos behind one proxy lock out the company. Here a pair that failed
LOGIN_FAILURE_LIMIT times waits LOGIN_DELAY_SECONDS, and each further failure of that pair doubles the wait
(1, 2, 4 … minutes, at most LOGIN_DELAY_MAX_SECONDS). The same user from another address logs in as usual.
One address failing against many user names is slowed per pair, and past LOGIN_ADDRESS_FAILURE_LIMIT
failures that address alone (the row with an empty user name) is delayed the same way.

Every failure, delay and refusal is an audit event (kam.audit); the password is never recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.users.models import LoginThrottle, Role, User

ADDRESS = ""  # the user name of an address-wide row


@dataclass(frozen=True)
class Delay:
    until: dt.datetime
    scope: str  # "pair" or "address"

    def message(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        minutes = max(1, int(-(-(self.until - now).total_seconds() // 60)))  # rounded up
        local = timezone.localtime(self.until)
        return _("登录失败次数过多，请于 %(time)s 之后再试（约 %(minutes)s 分钟后）。") % {
            "time": local.strftime("%H:%M:%S"), "minutes": minutes}


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _ip(ip: str | None) -> str:
    return (ip or "")[:45]


def delay_for(*, username: str, ip: str | None, now: dt.datetime | None = None) -> Delay | None:
    """The delay the (user name, address) pair — or the whole address — must still wait, if any."""
    now = now or timezone.now()
    rows = LoginThrottle.objects.filter(ip=_ip(ip), locked_until__gt=now).filter(
        Q(username=_key(username)) | Q(username=ADDRESS)).order_by("-locked_until")
    row = rows.first()
    if row is None:
        return None
    return Delay(until=row.locked_until, scope="address" if row.username == ADDRESS else "pair")


def _delay_seconds(delays: int) -> int:
    base = max(1, settings.LOGIN_DELAY_SECONDS)
    return min(base * (2 ** min(delays, 30)), max(base, settings.LOGIN_DELAY_MAX_SECONDS))


def _count(*, username: str, ip: str, limit: int, now: dt.datetime) -> LoginThrottle:
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(
        username=username, ip=ip, defaults={"last_failure_at": now, "first_failure_at": now})
    window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    if row.failures and row.last_failure_at < now - window:
        row.failures, row.delays, row.first_failure_at = 0, 0, now  # forgotten: a fresh start
    row.failures += 1
    row.last_failure_at = now
    if limit > 0 and row.failures >= limit:
        row.locked_until = now + dt.timedelta(seconds=_delay_seconds(row.delays))
        row.delays += 1
    row.save()
    return row


def _target(username: str) -> User | None:
    return User.objects.filter(username__iexact=username).first() if username else None


@transaction.atomic
def login_failure_record(*, username: str, ip: str | None, now: dt.datetime | None = None) -> Delay | None:
    """A wrong password (or an unknown or inactive user): count it for the pair and the address, audit it,
    and return the delay it earned, if any."""
    now = now or timezone.now()
    key, address = _key(username), _ip(ip)
    pair = _count(username=key, ip=address, limit=settings.LOGIN_FAILURE_LIMIT, now=now)
    whole = _count(username=ADDRESS, ip=address, limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT, now=now)
    # forget pairs nobody has failed for a whole window (sprayed user names do not pile up)
    LoginThrottle.objects.filter(
        last_failure_at__lt=now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)).delete()
    delay = None
    for row, scope in ((pair, "pair"), (whole, "address")):
        if row.locked_until and row.locked_until > now and (delay is None or row.locked_until > delay.until):
            delay = Delay(until=row.locked_until, scope=scope)
    changes: dict = {"username": key, "failures": pair.failures}
    if delay is not None:
        changes.update({"delayed_until": timezone.localtime(delay.until).isoformat(), "scope": delay.scope})
    audit_log(actor=None, action="users.login.failed", target=_target(key), target_repr=key, changes=changes)
    return delay


@transaction.atomic
def login_throttled_record(*, username: str, delay: Delay) -> None:
    """An attempt refused without checking the password because its pair (or address) is delayed."""
    key = _key(username)
    audit_log(actor=None, action="users.login.throttled", target=_target(key), target_repr=key,
              changes={"username": key, "delayed_until": timezone.localtime(delay.until).isoformat(),
                       "scope": delay.scope})


def login_success_reset(*, username: str, ip: str | None) -> None:
    """The right password from this pair: its failures are forgotten (the address-wide count is not)."""
    LoginThrottle.objects.filter(username=_key(username), ip=_ip(ip)).delete()


@transaction.atomic
def login_throttle_lift(*, actor: User, throttle: LoginThrottle) -> None:
    """An administrator lifts a delay: the pair (or address) starts afresh."""
    require_role(actor, Role.ADMINISTRATOR, message=_("只有系统管理员可以解除登录限制。"))
    audit_log(actor=actor, action="users.login.throttle_lifted", target=_target(throttle.username),
              target_repr=throttle.username or _("（整个地址）"),
              changes={"username": throttle.username, "ip": throttle.ip, "failures": throttle.failures,
                       "delayed_until": timezone.localtime(throttle.locked_until).isoformat()
                       if throttle.locked_until else None})
    LoginThrottle.objects.filter(pk=throttle.pk).delete()
