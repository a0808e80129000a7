"""Home-page panels of the key-account programme (issue 13): key and core accounts and their share of sales,
the key accounts' purchases this year against last year, the A5.2 monthly flags waiting — aggregate queries
only (a few per panel, whatever the number of accounts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.home import Chart, Figure, PanelData, Series, percent, yuan_short
from kam.customers.selectors import customers_visible
from kam.orders.models import Order, OrderReturn, OrderStatus
from kam.qualification.models import Tier
from kam.qualification.selectors import designations_open_at, flags
from kam.users.models import User

ZERO = Decimal("0.00")


def _money_sum(field: str, **filter_kw) -> Coalesce:
    return Coalesce(Sum(field, **filter_kw), Value(ZERO), output_field=DecimalField(max_digits=18, decimal_places=2))


def programme_panel(*, user: User, now: dt.datetime) -> PanelData:
    """How many key and core accounts, and their share of the last twelve months' sales (orders net of returns,
    cancelled orders excluded) — three queries."""
    url = reverse("qualification:key_accounts")
    visible = customers_visible(user=user).values("pk")
    by_tier = {r["tier"]: r["n"] for r in designations_open_at(now).filter(customer_id__in=visible)
               .values("tier").annotate(n=Count("customer_id", distinct=True)).order_by()}
    keys = designations_open_at(now).values("customer_id")
    today = timezone.localdate(now)
    since = today - dt.timedelta(days=365)
    in_key = Q(customer_id__in=keys)
    orders = (Order.objects.filter(order_date__gt=since, order_date__lte=today, customer_id__in=visible)
              .exclude(status=OrderStatus.CANCELLED)
              .aggregate(all=_money_sum("amount"), key=_money_sum("amount", filter=in_key)))
    returns = (OrderReturn.objects.filter(returned_on__gt=since, returned_on__lte=today, customer_id__in=visible)
               .aggregate(all=_money_sum("amount"), key=_money_sum("amount", filter=in_key)))
    total, key = orders["all"] - returns["all"], orders["key"] - returns["key"]
    share = percent(int(key), int(total)) if total > 0 else None
    count = sum(by_tier.values())
    return PanelData(figures=[
        Figure("key_accounts", _("大客户"), count, url),
        Figure("key_accounts_core", _("其中核心大客户"), by_tier.get(Tier.CORE, 0), f"{url}?tier=core"),
        Figure("key_accounts_ordinary", _("其中普通大客户"), by_tier.get(Tier.ORDINARY, 0), f"{url}?tier=ordinary"),
        Figure("key_accounts_share", _("大客户销售占比"), f"{share}%" if share is not None else "—", url,
               count=False, note=_("近 12 个月 %(key)s / 全部 %(all)s") % {"key": yuan_short(key),
                                                                         "all": yuan_short(total)})],
        note=_("销售额按订单金额计（不含已取消订单，扣除退货）。"))


def purchases_panel(*, user: User, now: dt.datetime) -> PanelData:
    """The current key accounts' purchases by month, this year against last year, with the year to date and
    its change — two queries (orders and returns by month)."""
    today = timezone.localdate(now)
    start = dt.date(today.year - 1, 1, 1)
    keys = designations_open_at(now).filter(customer_id__in=customers_visible(user=user).values("pk")).values(
        "customer_id")
    months: dict[dt.date, Decimal] = {}
    for r in (Order.objects.filter(customer_id__in=keys, order_date__gte=start, order_date__lte=today)
              .exclude(status=OrderStatus.CANCELLED).annotate(m=TruncMonth("order_date")).values("m")
              .annotate(s=Sum("amount")).order_by()):
        months[_month(r["m"])] = months.get(_month(r["m"]), ZERO) + (r["s"] or ZERO)
    for r in (OrderReturn.objects.filter(customer_id__in=keys, returned_on__gte=start, returned_on__lte=today)
              .annotate(m=TruncMonth("returned_on")).values("m").annotate(s=Sum("amount")).order_by()):
        months[_month(r["m"])] = months.get(_month(r["m"]), ZERO) - (r["s"] or ZERO)
    this_year = [months.get(dt.date(today.year, m, 1), ZERO) if m <= today.month else None for m in range(1, 13)]
    last_year = [months.get(dt.date(today.year - 1, m, 1), ZERO) for m in range(1, 13)]
    ytd = sum((v for v in this_year if v is not None), ZERO)
    last_ytd = _net(keys, dt.date(today.year - 1, 1, 1), _same_day_last_year(today))  # the same period last year
    change = percent(int(ytd - last_ytd), int(last_ytd)) if last_ytd > 0 else None
    labels = [_("%(m)s月") % {"m": m} for m in range(1, 13)]
    url = reverse("qualification:key_accounts")
    return PanelData(
        figures=[Figure("purchases_ytd", _("%(y)s 年至今") % {"y": today.year}, yuan_short(ytd), url, count=False),
                 Figure("purchases_last_ytd", _("%(y)s 年同期") % {"y": today.year - 1}, yuan_short(last_ytd), url,
                        count=False),
                 Figure("purchases_change", _("同比"), "—" if change is None else f"{change:+d}%", url,
                        "ok" if change is not None and change >= 0 else ("bad" if change is not None else ""),
                        count=False)],
        charts=[Chart("chart-purchases", _("大客户月度采购额：今年与去年"), labels,
                      [Series(str(today.year - 1), last_year, color="muted"),
                       Series(str(today.year), this_year, color="accent")], unit="yuan")],
        note=_("现有大客户的订单金额（不含已取消订单，扣除退货）。"))


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.replace(day=1)


def _same_day_last_year(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def _net(keys, start: dt.date, end: dt.date) -> Decimal:
    """Orders net of returns of `keys` from `start` to `end` (inclusive) — two queries."""
    orders = (Order.objects.filter(customer_id__in=keys, order_date__gte=start, order_date__lte=end)
              .exclude(status=OrderStatus.CANCELLED).aggregate(s=_money_sum("amount"))["s"])
    returns = OrderReturn.objects.filter(customer_id__in=keys, returned_on__gte=start, returned_on__lte=end).aggregate(
        s=_money_sum("amount"))["s"]
    return orders - returns


def flags_panel(*, user: User, now: dt.datetime) -> PanelData | None:
    """A5.2: the monthly check's findings still waiting for a proposal or an explanation — one query."""
    rows = (flags(user=user).filter(resolved_by__isnull=True).values("kind").annotate(n=Count("id")).order_by())
    counts = {r["kind"]: r["n"] for r in rows}
    total = sum(counts.values())
    url = reverse("qualification:midyear")
    return PanelData(figures=[Figure("flags_open", _("待处理的月度提示"), total, url, "warn" if total else "ok",
                                     note=_("不再符合标准 %(a)s · 符合破格条件 %(b)s") % {
                                         "a": counts.get("no_longer_meets", 0), "b": counts.get("exceptional", 0)})])
