"""Orders on a customer's page: the header's purchase figures (this year, last year, change; open orders) and
the orders of the activity timeline (kam.customers.panels) — subqueries of the page's one figures query and one
query, scoped to the user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.customers.panels import Entry, Figure, day_entry_at, days_within, entries_loader, subtotal
from kam.orders.models import Order, OrderReturn, OrderStatus
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


def _periods(now: dt.datetime) -> tuple[dt.date, dt.date, dt.date, dt.date, dt.date]:
    today = timezone.localdate(now)
    return (today, dt.date(today.year, 1, 1), dt.date(today.year - 1, 1, 1), _same_day(today, today.year - 1),
            dt.date(today.year - 1, 12, 31))


def purchase_values(*, user, customer, now: dt.datetime) -> dict:
    """A2.1 purchases by order date, cancelled orders excluded, net of returns: this year to date, last year in
    full, last year to the same day; open orders — subqueries of the customer's row."""
    today, this_start, last_start, last_same, last_end = _periods(now)
    orders = Order.objects.filter(customer=customer)  # the row they are computed on is scoped (load_figures)
    live = orders.exclude(status=OrderStatus.CANCELLED)
    returns = OrderReturn.objects.filter(customer=customer)
    spans = {"ytd": (this_start, today), "last": (last_start, last_end), "last_same": (last_start, last_same)}
    values = {}
    for key, (first, last) in spans.items():
        values[key] = subtotal(live.filter(order_date__gte=first, order_date__lte=last), Sum("amount"))
        values[f"r_{key}"] = subtotal(returns.filter(returned_on__gte=first, returned_on__lte=last), Sum("amount"))
    open_orders = orders.filter(status=OrderStatus.OPEN)
    values["open_n"] = subtotal(open_orders, Count("id"))
    values["open_amount"] = subtotal(open_orders, Sum("amount"))
    return values


def purchase_figures(v: dict, *, user, customer, now: dt.datetime) -> list[Figure]:
    today = timezone.localdate(now)
    ytd, last, same = ((v[k] or ZERO) - (v[f"r_{k}"] or ZERO) for k in ("ytd", "last", "last_same"))
    change, tone = "", ""
    if same > 0:
        pct = (ytd - same) * 100 / same
        change = _("较去年同期 %(p)s%%") % {"p": f"{pct:+.1f}"}
        tone = "ok" if pct >= 0 else "warn"
    url = f"/customers/{customer.pk}/#section-history"
    open_n = v["open_n"] or 0
    return [
        Figure("purchases", _("今年采购额"), yuan(ytd), note=change or _("去年同期无采购"), url=url, tone=tone, order=10),
        Figure("purchases_last", _("去年采购额"), yuan(last), note=str(today.year - 1), url=url, order=11),
        Figure("open_orders", _("执行中订单"), open_n, note=yuan(v["open_amount"] or ZERO) if open_n else "",
               url=url, order=20),
    ]


ORDER_FIELDS = ["number", "amount", "status", "order_date", "actual_delivery_date", "note"]


def order_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    """Orders by order date (a date, not a time: shown at the start of the day)."""
    if person is not None:
        return None  # orders come from the ERP: no staff member did them
    qs = orders_visible(user=user).filter(customer=customer)
    first, last = days_within(since, until)
    if first is not None:
        qs = qs.filter(order_date__gte=first)
    if last is not None:
        qs = qs.filter(order_date__lte=last)
    return qs.order_by("-order_date", "-id")[:limit], ORDER_FIELDS


def order_entry(o: Order) -> Entry:
    title = _("订单 %(n)s · %(a)s · %(s)s") % {"n": o.number, "a": yuan(o.amount), "s": o.get_status_display()}
    note = _("交付周期 %(d)d 天") % {"d": o.delivery_cycle_days} if o.delivery_cycle_days is not None else o.note
    return Entry("orders", day_entry_at(o.order_date), title, note, day_only=True,
                 tone="muted" if o.status == OrderStatus.CANCELLED else "")


order_activity = entries_loader(order_query, order_entry)
