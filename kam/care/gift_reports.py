"""Reports of the gift register (A14.2) and the half-yearly compliance summary for management (A3, A14.2).

Every report starts from `selectors.gifts_visible(user=…)` — the giver's chain only: an account manager's own
accounts, everything for the head of sales and management — and aggregates in SQL (one GROUP BY query per
page, whatever the number of gifts). The list declarations use the shared list component (sorting, filters in the
URL, pagination, saved views); each figure links to the gift register filtered to the records it counts.

Totals count the gifts that count towards the yearly limit (`COUNTED_STATES`: everything but rejected gifts), the
same rule as the gate; the limit is the policy setting `gifts.max_value_per_recipient_year` in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.care.gates import Limits, yuan
from kam.care.models import COUNTED_STATES, GiftState, RefusalReason
from kam.care.selectors import ALL_GIFTS_ROLES, gifts_visible, may_see_gifts, refusals_visible
from kam.core.lists import Column, Filter, ListSpec, text_filter
from kam.customers.models import Customer
from kam.users.models import User

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
COUNTED = Q(state__in=COUNTED_STATES)


# --- scoping -------------------------------------------------------------------------------------------------

def account_in_scope(*, user: User, raw: str | None) -> int | None:
    """A14.2: a report (or the register) narrowed to one account: the account's id when the user may see its
    gifts; 404 for an account outside the user's chain (another manager's account), as its pages answer."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("account not found")
    pk = int(raw)
    qs = Customer.objects.filter(pk=pk)
    if not may_see_gifts(user):
        raise Http404("account not found")
    if not user.has_role(*ALL_GIFTS_ROLES):
        qs = qs.filter(account_manager=user)
    if not qs.exists():
        raise Http404("account not found")
    return pk


# --- half-years ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Half:
    """H1 (January–June) or H2 (July–December) of a year, e.g. "2026H2"."""

    year: int
    part: int  # 1 or 2

    @property
    def key(self) -> str:
        return f"{self.year}H{self.part}"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 1 if self.part == 1 else 7, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.part == 1 else dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return _("%(year)d 年上半年") % {"year": self.year} if self.part == 1 else _("%(year)d 年下半年") % {
            "year": self.year}

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes in the business time zone."""
        tz = timezone.get_default_timezone()
        nxt = dt.date(self.year, 7, 1) if self.part == 1 else dt.date(self.year + 1, 1, 1)
        return (dt.datetime.combine(self.first, dt.time(), tzinfo=tz), dt.datetime.combine(nxt, dt.time(), tzinfo=tz))

    @classmethod
    def of(cls, day: dt.date) -> Half:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, raw: str | None) -> Half | None:
        raw = (raw or "").strip().upper()
        if len(raw) != 6 or raw[4] != "H" or not raw[:4].isdigit() or raw[5] not in "12":
            return None
        year = int(raw[:4])
        return cls(year, int(raw[5])) if 2000 <= year <= 2100 else None

    def previous(self) -> Half:
        return Half(self.year, 1) if self.part == 2 else Half(self.year - 1, 2)


def half_choices(count: int = 6) -> list[tuple[str, str]]:
    """The current half-year and the ones before it, latest first."""
    half = Half.of(timezone.localdate())
    out = []
    for _i in range(count):
        out.append((half.key, half.label))
        half = half.previous()
    return out


def gift_day(qs: QuerySet) -> QuerySet:
    """A gift's day for the half-year: the day it was given, else the day it is planned for."""
    return qs.annotate(gift_day=Coalesce("given_on", "planned_on"))


def in_half(qs: QuerySet, raw: str) -> QuerySet:
    half = Half.parse(raw)
    if half is None:
        return qs.none()
    return gift_day(qs).filter(gift_day__gte=half.first, gift_day__lte=half.last)


def refusals_in_half(qs: QuerySet, raw: str) -> QuerySet:
    half = Half.parse(raw)
    if half is None:
        return qs.none()
    start, end = half.bounds()
    return qs.filter(at__gte=start, at__lt=end)


# --- value bands, derived from the policy settings ------------------------------------------------------------

@dataclass(frozen=True)
class Band:
    key: str  # "lo-hi" in yuan ("200.00-500.00"); hi "" for open-ended
    label: str
    low: Decimal | None  # exclusive
    high: Decimal | None  # inclusive


def value_bands(limits: Limits) -> list[Band]:
    """A14.2: the bands of the summary from the settings in force — up to the approval threshold, from there to
    the per-gift maximum, and above it (only gifts registered under an earlier, higher limit can fall there)."""
    edges = sorted({limits.approval_over, limits.per_gift})
    bands = []
    low: Decimal | None = None
    for edge in edges:
        label = (_("不超过 %(hi)s") % {"hi": yuan(edge)} if low is None
                 else _("%(lo)s 以上至 %(hi)s") % {"lo": yuan(low), "hi": yuan(edge)})
        bands.append(Band(f"{low or ''}-{edge}", label, low, edge))
        low = edge
    bands.append(Band(f"{low}-", _("超过 %(lo)s") % {"lo": yuan(low or Decimal('0'))}, low, None))
    return bands


def in_band(qs: QuerySet, raw: str) -> QuerySet:
    lo, sep, hi = raw.partition("-")
    try:
        low = Decimal(lo) if lo else None
        high = Decimal(hi) if hi else None
    except ArithmeticError:
        return qs.none()
    if not sep or (low is None and high is None):
        return qs.none()
    if low is not None:
        qs = qs.filter(total_value__gt=low)
    if high is not None:
        qs = qs.filter(total_value__lte=high)
    return qs.filter(COUNTED)  # the summary's bands count the gifts that count towards the limits


def _band_q(band: Band) -> Q:
    q = Q()
    if band.low is not None:
        q &= Q(total_value__gt=band.low)
    if band.high is not None:
        q &= Q(total_value__lte=band.high)
    return q


# --- filters the register and the reports share ------------------------------------------------------------

def _id_filter(key: str, label, field: str) -> Filter:
    """An exact filter on an id the reports link with (hidden on the page: it shows as a removable tag)."""
    return Filter(key, label, lambda qs, v: qs.filter(**{field: int(v)}) if v.isdigit() else qs.none(),
                  input_type="hidden")


def approval_filter(qs: QuerySet, value: str) -> QuerySet:
    if value == "approved":  # approved by the head of sales (given since, or not yet)
        return qs.filter(needs_approval=True, state__in=[GiftState.APPROVED, GiftState.GIVEN])
    if value == "returned":
        return qs.filter(state=GiftState.REJECTED)
    if value == "awaiting":
        return qs.filter(state=GiftState.AWAITING_APPROVAL)
    return qs.none()


def register_filters() -> list[Filter]:
    """The filters the reports and the summary link the register with (A14.2)."""
    return [_id_filter("account", _l("指定客户"), "customer_id"),
            _id_filter("person", _l("指定受礼人"), "recipient_id"),
            _id_filter("giver_id", _l("指定赠送人"), "giver_id"),
            Filter("half", _l("半年度"), in_half, input_type="hidden"),
            Filter("band", _l("价值区间"), in_band, input_type="hidden"),
            Filter("counted", _l("不含已驳回"), lambda qs, v: qs.filter(COUNTED), input_type="hidden",
                   choices=[("1", _l("不含已驳回"))]),
            Filter("approval", _l("审批"), approval_filter, input_type="hidden",
                   choices=[("approved", _l("已批准")), ("returned", _l("已驳回")), ("awaiting", _l("待审批"))])]


def _years() -> list[tuple[str, str]]:
    this = timezone.localdate().year
    return [(str(y), str(y)) for y in range(this + 1, this - 5, -1)]


def _year_filter() -> Filter:
    return Filter("year", _l("年度"), lambda qs, v: qs.filter(year=int(v)), choices=_years())


def gifts_link(**params) -> str:
    """The register filtered to the records a figure counts."""
    from django.urls import reverse

    return reverse("care:gifts") + "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


# --- the three reports ---------------------------------------------------------------------------------------

def _sums(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        n=Count("id", filter=COUNTED),
        total=Coalesce(Sum("total_value", filter=COUNTED), ZERO, output_field=MONEY),
        given=Coalesce(Sum("total_value", filter=Q(state=GiftState.GIVEN)), ZERO, output_field=MONEY),
        awaiting=Count("id", filter=Q(state=GiftState.AWAITING_APPROVAL)),
        rejected=Count("id", filter=Q(state=GiftState.REJECTED)))


def by_recipient(*, user: User, limit: Decimal) -> QuerySet:
    """A14.2: per recipient and calendar year — the registered total against the yearly limit, and what is left."""
    qs = gifts_visible(user=user).order_by().values(
        "recipient_id", "recipient__name", "recipient__title", "customer_id", "customer__name", "year")
    return _sums(qs).annotate(
        limit=Value(limit, output_field=MONEY),
        left=ExpressionWrapper(Value(limit, output_field=MONEY) - F("total"), output_field=MONEY))


def by_account(*, user: User) -> QuerySet:
    """A14.2: per account — gifts, value, recipients, what waits for approval and what was rejected."""
    qs = gifts_visible(user=user).order_by().values(
        "customer_id", "customer__name", "customer__account_manager__display_name",
        "customer__account_manager__username")
    return _sums(qs).annotate(recipients=Count("recipient_id", filter=COUNTED, distinct=True))


def by_giver(*, user: User) -> QuerySet:
    """A14.2: per giver — gifts, value, accounts, what waits for approval and what was rejected."""
    qs = gifts_visible(user=user).order_by().values("giver_id", "giver__display_name", "giver__username")
    return _sums(qs).annotate(accounts=Count("customer_id", filter=COUNTED, distinct=True))


def _name(row: dict, prefix: str) -> str:
    return row.get(f"{prefix}__display_name") or row.get(f"{prefix}__username") or "—"


def _report_filters(*, giver: bool = True) -> list[Filter]:
    filters = [_year_filter(),
               text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称")),
               _id_filter("account", _l("指定客户"), "customer_id")]
    if giver:
        filters.append(text_filter("giver", _l("赠送人"), "giver__display_name", "giver__username",
                                   placeholder=_l("姓名")))
    return filters


def recipient_spec() -> ListSpec:
    return ListSpec(
        name="care.gift_report.recipients",
        columns=[Column("year", _l("年度"), order_by="year"),
                 Column("recipient", _l("受礼人"), order_by="recipient__name", template="care/_report_recipient.html"),
                 Column("customer", _l("客户"), order_by="customer__name", value=lambda r: r["customer__name"]),
                 Column("n", _l("礼品数"), order_by="n", template="care/_report_count.html", css="num"),
                 Column("total", _l("已登记总价值"), order_by="total", value=lambda r: yuan(r["total"]), css="num"),
                 Column("limit", _l("每人每年上限"), value=lambda r: yuan(r["limit"]), css="num"),
                 Column("left", _l("还可登记"), order_by="left", template="care/_report_left.html", css="num"),
                 Column("given", _l("已赠送价值"), order_by="given", value=lambda r: yuan(r["given"]), css="num",
                        default=False),
                 Column("awaiting", _l("待审批"), order_by="awaiting", css="num", value=lambda r: r["awaiting"],
                        default=False)],
        filters=[*_report_filters(),
                 text_filter("recipient", _l("受礼人"), "recipient__name", placeholder=_l("受礼人"))],
        default_sort="-total", tiebreak="recipient_id")


def account_spec() -> ListSpec:
    return ListSpec(
        name="care.gift_report.accounts",
        columns=[Column("customer", _l("客户"), order_by="customer__name", template="care/_report_account.html"),
                 Column("manager", _l("客户经理"), value=lambda r: _name(r, "customer__account_manager")),
                 Column("n", _l("礼品数"), order_by="n", template="care/_report_count.html", css="num"),
                 Column("recipients", _l("受礼人数"), order_by="recipients", value=lambda r: r["recipients"],
                        css="num"),
                 Column("total", _l("已登记总价值"), order_by="total", value=lambda r: yuan(r["total"]), css="num"),
                 Column("given", _l("已赠送价值"), order_by="given", value=lambda r: yuan(r["given"]), css="num"),
                 Column("awaiting", _l("待审批"), order_by="awaiting", template="care/_report_awaiting.html",
                        css="num"),
                 Column("rejected", _l("已驳回"), order_by="rejected", template="care/_report_rejected.html",
                        css="num")],
        filters=_report_filters(), default_sort="-total", tiebreak="customer_id")


def giver_spec() -> ListSpec:
    return ListSpec(
        name="care.gift_report.givers",
        columns=[Column("giver", _l("赠送人"), order_by="giver__display_name", template="care/_report_giver.html"),
                 Column("n", _l("礼品数"), order_by="n", template="care/_report_count.html", css="num"),
                 Column("accounts", _l("客户数"), order_by="accounts", value=lambda r: r["accounts"], css="num"),
                 Column("total", _l("已登记总价值"), order_by="total", value=lambda r: yuan(r["total"]), css="num"),
                 Column("given", _l("已赠送价值"), order_by="given", value=lambda r: yuan(r["given"]), css="num"),
                 Column("awaiting", _l("待审批"), order_by="awaiting", template="care/_report_awaiting.html",
                        css="num"),
                 Column("rejected", _l("已驳回"), order_by="rejected", template="care/_report_rejected.html",
                        css="num")],
        filters=_report_filters(giver=False), default_sort="-total", tiebreak="giver_id")


def row_link(row: dict, year: str | None, **extra) -> str:
    """The register filtered to one report row's gifts (the same filters as the report's row)."""
    params = {"year": year or ""}
    if "recipient_id" in row:
        params["person"] = row["recipient_id"]
        params["year"] = row["year"]
    elif "giver_id" in row:
        params["giver_id"] = row["giver_id"]
    else:
        params["account"] = row["customer_id"]
    params.update(extra or {"counted": "1"})  # the row's count: the gifts that count (not rejected ones)
    return gifts_link(**params)


REPORTS = {"recipients": (recipient_spec, _l("按受礼人和年度")), "accounts": (account_spec, _l("按客户")),
           "givers": (giver_spec, _l("按赠送人"))}


# --- the half-yearly compliance summary (A3, A14.2) ---------------------------------------------------------

TOP = 10


def compliance_summary(*, user: User, half: Half, limits: Limits) -> dict:
    """A3, A14.2: for one half-year — gifts by value band, refusals by reason, approvals (approved, returned,
    waiting), the accounts with most gifts and the top givers. Five queries; each figure with the link to the
    records it counts. Management and the head of sales only (the caller checks the role)."""
    gifts = gift_day(gifts_visible(user=user).order_by()).filter(gift_day__gte=half.first, gift_day__lte=half.last)
    bands = value_bands(limits)
    agg = {}
    for i, band in enumerate(bands):
        q = COUNTED & _band_q(band)
        agg[f"n{i}"] = Count("id", filter=q)
        agg[f"s{i}"] = Coalesce(Sum("total_value", filter=q), ZERO, output_field=MONEY)
    agg["approved"] = Count("id", filter=Q(needs_approval=True, state__in=[GiftState.APPROVED, GiftState.GIVEN]))
    agg["returned"] = Count("id", filter=Q(state=GiftState.REJECTED))
    agg["awaiting"] = Count("id", filter=Q(state=GiftState.AWAITING_APPROVAL))
    agg["n"] = Count("id", filter=COUNTED)
    agg["total"] = Coalesce(Sum("total_value", filter=COUNTED), ZERO, output_field=MONEY)
    figures = gifts.aggregate(**agg)
    key = half.key
    band_rows = [{"band": b, "n": figures[f"n{i}"], "total": figures[f"s{i}"],
                  "link": gifts_link(half=key, band=b.key)} for i, b in enumerate(bands)]
    start, end = half.bounds()
    reasons = dict(refusals_visible(user=user).filter(at__gte=start, at__lt=end).order_by()
                   .values("reason").annotate(n=Count("id")).values_list("reason", "n"))
    refusal_rows = [{"reason": value, "label": label, "n": reasons.get(value, 0),
                     "link": _refusals_link(half=key, reason=value)} for value, label in RefusalReason.choices]
    accounts = list(gifts.filter(COUNTED).values("customer_id", "customer__name")
                    .annotate(n=Count("id"), total=Sum("total_value")).order_by("-n", "-total", "customer_id")[:TOP])
    for a in accounts:
        a["link"] = gifts_link(half=key, account=a["customer_id"], counted="1")
    givers = list(gifts.filter(COUNTED).values("giver_id", "giver__display_name", "giver__username")
                  .annotate(n=Count("id"), total=Sum("total_value")).order_by("-n", "-total", "giver_id")[:TOP])
    for g in givers:
        g["name"] = _name(g, "giver")
        g["link"] = gifts_link(half=key, giver_id=g["giver_id"], counted="1")
    return {
        "half": half, "bands": band_rows, "n": figures["n"], "total": figures["total"],
        "all_link": gifts_link(half=key, counted="1"),
        "refusals": refusal_rows, "refusal_total": sum(reasons.values()),
        "refusals_link": _refusals_link(half=key),
        "approvals": [("approved", _("已批准"), figures["approved"], gifts_link(half=key, approval="approved")),
                      ("returned", _("已驳回"), figures["returned"], gifts_link(half=key, approval="returned")),
                      ("awaiting", _("待审批"), figures["awaiting"], gifts_link(half=key, approval="awaiting"))],
        "accounts": accounts, "givers": givers}


def _refusals_link(**params) -> str:
    from django.urls import reverse

    return reverse("care:refusals") + "?" + urlencode({k: v for k, v in params.items() if v})
