"""The administrator's home-page panel on accounts and log-ins (issue 13): users, log-ins of the last seven days,
pairs delayed after failed log-ins — two queries."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.models import AuditEvent
from kam.core.home import Figure, PanelData
from kam.users.models import LoginThrottle, User

LOGIN_DAYS = 7


def accounts_panel(*, user: User, now: dt.datetime) -> PanelData:
    counts = User.objects.aggregate(total=Count("id"), inactive=Count("id", filter=Q(is_active=False)),
                                    must_change=Count("id", filter=Q(is_active=True, must_change_password=True)))
    since = timezone.localdate(now) - dt.timedelta(days=LOGIN_DAYS - 1)
    # the log-in history page filters `at__date__gte` in the current time zone: the same rows
    logins = AuditEvent.objects.filter(at__date__gte=since, action__in=["users.login.succeeded",
                                                                       "users.login.failed"]).aggregate(
        ok=Count("id", filter=Q(action="users.login.succeeded")), failed=Count("id", filter=Q(action="users.login.failed")))
    delayed = LoginThrottle.objects.filter(locked_until__gt=now).count()
    history = reverse("system:logins")

    def logins_url(action: str) -> str:
        return f"{history}?{urlencode({'action': action, 'since': since.isoformat()})}"

    return PanelData(figures=[
        Figure("users_total", _("用户"), counts["total"], reverse("system:users"),
               note=_("已停用 %(n)s · 待改密码 %(m)s") % {"n": counts["inactive"], "m": counts["must_change"]}),
        Figure("logins_ok", _("近 7 天登录"), logins["ok"], logins_url("users.login.succeeded")),
        Figure("logins_failed", _("近 7 天登录失败"), logins["failed"], logins_url("users.login.failed"),
               "warn" if logins["failed"] else ""),
        Figure("logins_delayed", _("登录延迟中"), delayed, reverse("system:throttles"), "bad" if delayed else "ok",
               count=False)])
