"""Orders on a customer's page: the header's purchase figures (this year, last year, change; open orders) and
the orders of the activity timeline (kam.customers.panels) — aggregate queries, scoped to the user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.customers.panels import Entry, Figure, day_entry_at, days_within
from kam.orders.models import OrderReturn, OrderStatus
from kam.orders.selectors import orders_visible

ZERO = Decimal("0")


def yuan(amount: Decimal) -> str:
    """¥1,234,568 (whole yuan; the figure is a glance, the lists carry the cents)."""
    return f"¥{amount.quantize(Decimal('1')):,}"


def _same_day(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def purchase_figures(*, user, customer, now: dt.datetime) -> list[Figure]:
    """A2.1 purchases by order date, cancelled orders excluded, net of returns: this year to date, last year in
    full, and the change against last year to the same day; open orders — two aggregate queries."""
    today = timezone.localdate(now)
    this_start, last_start = dt.date(today.year, 1, 1), dt.date(today.year - 1, 1, 1)
    last_same, last_end = _same_day(today, today.year - 1), dt.date(today.year - 1, 12, 31)
    orders = orders_visible(user=user).filter(customer=customer)
    live = ~Q(status=OrderStatus.CANCELLED)
    o = orders.aggregate(
        ytd=Sum("amount", filter=live & Q(order_date__gte=this_start, order_date__lte=today)),
        last=Sum("amount", filter=live & Q(order_date__gte=last_start, order_date__lte=last_end)),
        last_same=Sum("amount", filter=live & Q(order_date__gte=last_start, order_date__lte=last_same)),
        open_n=Count("id", filter=Q(status=OrderStatus.OPEN)), open_amount=Sum("amount", filter=Q(status=OrderStatus.OPEN)))
    r = OrderReturn.objects.filter(customer=customer, order__in=orders).aggregate(
        ytd=Sum("amount", filter=Q(returned_on__gte=this_start, returned_on__lte=today)),
        last=Sum("amount", filter=Q(returned_on__gte=last_start, returned_on__lte=last_end)),
        last_same=Sum("amount", filter=Q(returned_on__gte=last_start, returned_on__lte=last_same)))
    ytd, last, same = ((o[k] or ZERO) - (r[k] or ZERO) for k in ("ytd", "last", "last_same"))
    change, tone = "", ""
    if same > 0:
        pct = (ytd - same) * 100 / same
        change = _("较去年同期 %(p)s%%") % {"p": f"{pct:+.1f}"}
        tone = "ok" if pct >= 0 else "warn"
    url = f"/customers/{customer.pk}/#section-history"
    return [
        Figure("purchases", _("今年采购额"), yuan(ytd), note=change or _("去年同期无采购"), url=url, tone=tone, order=10),
        Figure("purchases_last", _("去年采购额"), yuan(last), note=str(today.year - 1), url=url, order=11),
        Figure("open_orders", _("执行中订单"), o["open_n"], note=yuan(o["open_amount"] or ZERO) if o["open_n"] else "",
               url=url, order=20),
    ]


def order_activity(*, user, customer, since=None, until=None, person=None, limit: int = 50) -> list[Entry]:
    """Orders by order date (a date, not a time: shown at the start of the day)."""
    if person is not None:
        return []  # orders come from the ERP: no staff member did them
    qs = orders_visible(user=user).filter(customer=customer)
    first, last = days_within(since, until)
    if first is not None:
        qs = qs.filter(order_date__gte=first)
    if last is not None:
        qs = qs.filter(order_date__lte=last)
    entries = []
    for o in qs.order_by("-order_date", "-id")[:limit]:
        title = _("订单 %(n)s · %(a)s · %(s)s") % {"n": o.number, "a": yuan(o.amount), "s": o.get_status_display()}
        note = _("交付周期 %(d)d 天") % {"d": o.delivery_cycle_days} if o.delivery_cycle_days is not None else o.note
        entries.append(Entry("orders", day_entry_at(o.order_date), title, note,
                             day_only=True, tone="muted" if o.status == OrderStatus.CANCELLED else ""))
    return entries
