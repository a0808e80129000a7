"""Home-page panel of approvals (issue 13): what waits for the person's decision, oldest first — two queries
(the count and the first five)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from kam.approvals.registry import kinds
from kam.approvals.selectors import waiting_for
from kam.core.home import Figure, Item, PanelData
from kam.users.models import Role, User

#: the roles that decide today (A2.3, A5.1, A5.2: management; A15.2: the head of sales): they always see the
#: panel; anyone else sees it only while something waits for them (a later chapter may address them)
APPROVER_ROLES = (Role.HEAD_OF_SALES, Role.MANAGEMENT)


def waiting_panel(*, user: User, now: dt.datetime) -> PanelData | None:
    qs = waiting_for(user=user)
    count = qs.count()
    if not count and not user.has_role(*APPROVER_ROLES):
        return None
    labels = {k: v.label for k, v in kinds().items()}
    url = reverse("approvals:waiting")
    first = list(qs[:5])
    items = [Item(f"{labels.get(a.kind, _('审批'))}：{a.title}", a.url,
                  _("%(who)s 提交于 %(ago)s前") % {"who": a.requested_by or _("系统"),
                                                  "ago": timesince(a.requested_at, now)},
                  "warn" if now - a.requested_at > dt.timedelta(days=3) else "")
             for a in first]
    note = ""
    if first:
        note = _("最早一项提交于 %(t)s") % {"t": f"{timezone.localtime(first[0].requested_at):%Y-%m-%d %H:%M}"}
    return PanelData(figures=[Figure("approvals_waiting", _("待我审批"), count, url, "warn" if count else "ok")],
                     items=items, note=note, more_url=url if count else "", empty=_("没有等待您审批的事项"))
