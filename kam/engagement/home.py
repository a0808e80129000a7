"""The account manager's per-account table on the home page (issue 13): the last contact and the last and next
visit of each own account — one GROUP BY each, whatever the number of accounts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.home import Cell
from kam.engagement.models import ContactLog, Visit, VisitStatus
from kam.users.models import User


def _ago(at: dt.datetime, now: dt.datetime) -> str:
    days = (timezone.localdate(now) - timezone.localdate(at)).days
    when = f"{timezone.localtime(at):%m-%d}"
    if days <= 0:
        return _("%(d)s（今天）") % {"d": when}
    return _("%(d)s（%(n)s 天前）") % {"d": when, "n": days}


def last_contact(*, user: User, customer_ids: list[int], now: dt.datetime) -> dict[int, Cell]:
    rows = (ContactLog.objects.filter(customer_id__in=customer_ids, at__lte=now).values("customer_id")
            .annotate(last=Max("at")).order_by())
    return {r["customer_id"]: Cell(_ago(r["last"], now), reverse("customers:detail", args=[r["customer_id"]])
                                   + "#section-communications") for r in rows}


def visits(*, user: User, customer_ids: list[int], now: dt.datetime) -> dict[int, Cell]:
    """The last visit that took place and the next one booked."""
    rows = (Visit.objects.filter(customer_id__in=customer_ids).exclude(status=VisitStatus.CANCELLED)
            .values("customer_id")
            .annotate(last=Max("starts_at", filter=Q(starts_at__lte=now)), next=Min("starts_at", filter=Q(
                starts_at__gt=now))).order_by())
    cells = {}
    for r in rows:
        parts = []
        if r["last"]:
            parts.append(_ago(r["last"], now))
        if r["next"]:
            parts.append(_("下次 %(d)s") % {"d": f"{timezone.localtime(r['next']):%m-%d}"})
        cells[r["customer_id"]] = Cell(" · ".join(parts), reverse("engagement:calendar"))
    return cells
