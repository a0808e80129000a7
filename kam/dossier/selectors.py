"""The dossier of one account as the acting user may see it (A6.1, A7.1): a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils import timezone

from kam.confidentiality.classification import Masker, masker_for
from kam.core import search
from kam.customers.birthdays import BirthdayParts
from kam.customers.models import AccountAssignment, Contact, Customer, FloorPrice
from kam.customers.panels import customer_panels
from kam.customers.selectors import customers_visible, group_members
from kam.dossier.models import License, Section, SectionStamp
from kam.orders.models import Order
from kam.qualification.models import Designation, TierChange
from kam.qualification.selectors import with_tier
from kam.users.models import Role, User

EXPIRY_WARNING_DAYS = 30  # licences expiring within 30 days show as a gap (issue 7)


def customer_list(*, user: User, q: str = "", customer_type: str = "", city: str = "",
                  tier: str = "", annotate_tier: bool = True) -> QuerySet[Customer]:
    """The customer list (scoped by customers_visible), with each customer's tier now (A5.3)."""
    qs = customers_visible(user=user).select_related("account_manager", "parent")
    if annotate_tier or tier:
        qs = with_tier(qs)
    if tier == "key":
        qs = qs.filter(tier__isnull=False)
    elif tier in ("core", "ordinary"):
        qs = qs.filter(tier=tier)
    if q:
        # name, short name, credit code and pinyin as the global search matches them (issue 13), or the city
        query = search.parse(q)
        cond = search.match("customers", query) or Q(name__icontains=query.text)
        qs = qs.filter(cond | Q(credit_code__iexact=query.text) | Q(city__icontains=query.text))
    if customer_type:
        qs = qs.filter(customer_type=customer_type)
    if city:
        qs = qs.filter(city=city)
    return qs.order_by("name", "id")


def customer_page_get(*, user: User, pk: int) -> Customer:
    """The customer with its tier now (and whether it heads a group), if the user may see it; Http404 otherwise
    (no existence leak)."""
    customer = with_tier(customers_visible(user=user)).select_related("account_manager", "parent").annotate(
        has_members=Exists(Customer.objects.filter(parent=OuterRef("pk")))).filter(pk=pk).first()
    if customer is None:
        raise Http404("customer not found")
    return customer


@dataclass
class ContactRow:
    id: int
    name: str
    title: str
    is_decision_maker: bool
    anonymised: bool
    birthday: str
    channels: dict[str, str | None]  # phone/wechat/email → value, or None when masked
    core: tuple[str, ...]  # channels that are core for this contact (revealed on demand)
    customs: str = ""  # A14.1: this person's 礼仪与忌讳


@dataclass
class Dossier:
    customer: Customer
    masker: Masker
    stamps: dict[str, SectionStamp | None]
    contacts: list[ContactRow]
    licenses: list[License]
    floor_series: list[str]
    orders: list
    yearly: list[tuple[int, Decimal]]
    panels: list  # (CustomerPanel, rows) contributed by other chapters
    designations: list
    tier_history: list
    assignments: list
    group: list[tuple[Customer, Decimal]]
    group_total: Decimal
    obligations: list = field(default_factory=list)  # the account's open stored obligations, soonest due first
    alerts: list = field(default_factory=list)  # its latest alerts
    people: list[tuple[int, str]] = field(default_factory=list)  # whom the timeline can be filtered by
    gaps: list[str] = field(default_factory=list)
    masked_fields: list[str] = field(default_factory=list)  # marked-core customer fields hidden on this page

    def show(self, key: str) -> bool:
        return self.masker.visible(key) and key not in self.masked_fields


CONTACT_CHANNELS = ("phone", "wechat", "email")


def contact_key(channel: str, decision_maker: bool) -> str:
    return f"customers.Contact.{channel}[decision_maker]" if decision_maker else f"customers.Contact.{channel}"


def _contact_row(c: Contact, masker: Masker, reveal: bool, sees_birthdays: bool = False) -> ContactRow:
    channels, core = {}, []
    for ch in CONTACT_CHANNELS:
        key = contact_key(ch, c.is_decision_maker)
        if masker.is_core(key):
            core.append(ch)
            channels[ch] = getattr(c, ch) if (reveal and masker.sees_core) else None
        else:
            channels[ch] = getattr(c, ch)
    birthday = BirthdayParts.decode(c.birthday).words() if sees_birthdays else ""
    return ContactRow(c.pk, c.name, c.title, c.is_decision_maker, c.anonymised_at is not None, birthday,
                      channels, tuple(core), c.customs_note)


def _sees_birthdays(user: User | None, customer: Customer) -> bool:
    """A14.1: birthdays (personal data) only for the account's own manager, the head of sales and management."""
    return user is not None and (customer.account_manager_id == user.pk
                                 or user.has_role(Role.HEAD_OF_SALES, Role.MANAGEMENT))


def _sorted_rows(rows: list[ContactRow]) -> list[ContactRow]:
    return sorted(rows, key=lambda r: (not r.is_decision_maker, r.name, r.id))


def contact_rows(*, masker: Masker, customer: Customer, reveal: bool = False, user: User | None = None
                 ) -> list[ContactRow]:
    """Contacts with channels masked where they are core; for users allowed to see core data the core values
    come only with `reveal=True` (an audited reveal, A7.2). Birthdays (personal data, A14.1) only for the account's
    own manager, the head of sales and management (`user`; none without one)."""
    sees = _sees_birthdays(user, customer)
    return _sorted_rows([_contact_row(c, masker, reveal, sees) for c in Contact.objects.filter(customer=customer)])


ORDERS_SHOWN = 15  # the newest orders of the history section

#: the columns each satellite of the page needs (`a__b`: through a relation, for its label)
_CONTACT_FIELDS = ["name", "title", "phone", "wechat", "email", "is_decision_maker", "birthday", "customs_note",
                   "anonymised_at"]
_STAMP_FIELDS = ["section", "at", "by", "confirmed", "by__username", "by__display_name"]
_LICENSE_FIELDS = ["name", "number", "expires_on", "file", "updated_at"]
_ORDER_FIELDS = ["number", "status", "order_date", "promised_delivery_date", "actual_delivery_date", "amount"]
_LINE_FIELDS = ["order", "product_series", "product_model", "quantity", "unit_price", "amount"]
_DESIGNATION_FIELDS = ["source", "tier", "started_at", "ended_at", "approved_by", "approved_by__username",
                       "approved_by__display_name"]
_TIER_FIELDS = ["tier", "effective_at"]
_ASSIGNMENT_FIELDS = ["manager", "started_on", "ended_on", "manager__username", "manager__display_name"]


def _satellites(customer: Customer, panels: dict | None = None) -> dict:
    """Everything of the customer's own that the page shows, as JSON columns of one query (issue 11): sections'
    stamps, contacts, licences, the newest orders and their lines, the yearly purchases (one aggregate), the
    floor prices' series, designations, tier changes and managers, the open stored obligations and
    the latest alerts, and the people the timeline can be filtered by."""
    from kam.core import rowsets
    from kam.dossier.activity import people_queryset
    from kam.obligations.selectors import customer_alerts, customer_open_rows
    from kam.orders.models import OrderLine

    pk = customer.pk
    newest = Order.objects.filter(customer_id=pk).order_by("-order_date", "-id")[:ORDERS_SHOWN]
    yearly = Order.objects.filter(customer_id=pk).exclude(status="cancelled").annotate(
        y=ExtractYear("order_date")).order_by().values("y").annotate(s=Sum("amount"))
    columns = {
        "stamps": rowsets.rows(SectionStamp.objects.filter(customer_id=pk), _STAMP_FIELDS),
        "contacts": rowsets.rows(Contact.objects.filter(customer_id=pk), _CONTACT_FIELDS),
        "licenses": rowsets.rows(License.objects.filter(customer_id=pk), _LICENSE_FIELDS),
        "orders": rowsets.rows(newest, _ORDER_FIELDS),
        "lines": rowsets.rows(OrderLine.objects.filter(order__in=newest.values("pk")), _LINE_FIELDS),
        "yearly": rowsets.grouped_rows(yearly, decimals=("s",)),
        "floor": rowsets.rows(FloorPrice.objects.filter(customer_id=pk), ["product_series"]),
        "designations": rowsets.rows(Designation.objects.filter(customer_id=pk), _DESIGNATION_FIELDS),
        "tiers": rowsets.rows(TierChange.objects.filter(customer_id=pk), _TIER_FIELDS),
        "assignments": rowsets.rows(AccountAssignment.objects.filter(customer_id=pk), _ASSIGNMENT_FIELDS),
        "obligations": rowsets.rows(customer_open_rows(customer_id=pk)),
        "alerts": rowsets.rows(customer_alerts(customer_id=pk)),
        "people": rowsets.rows(people_queryset(customer=customer), ["display_name", "username"]),
    }
    for key, rowset in (panels or {}).items():
        columns[f"panel_{key}"] = rowset.expression
    row = Customer.objects.filter(pk=pk).annotate(**{f"_{k}": v for k, v in columns.items()}).values(
        *[f"_{k}" for k in columns]).first() or {}
    return {k: row.get(f"_{k}") for k in columns}


def _assignment_order(a: AccountAssignment) -> tuple:
    return (-a.started_on.toordinal() if a.started_on else 0, -a.pk)


def _attach_lines(orders: list[Order], lines: list) -> None:
    """The orders' lines as if prefetched (`o.lines.all` reads them, no query)."""
    by_order: dict[int, list] = {}
    for line in sorted(lines, key=lambda x: x.pk):
        by_order.setdefault(line.order_id, []).append(line)
    for o in orders:
        qs = o.lines.get_queryset()
        qs._result_cache = by_order.get(o.pk, [])
        qs._prefetch_done = True  # type: ignore[attr-defined]
        o._prefetched_objects_cache = {"lines": qs}  # type: ignore[attr-defined]


def dossier(*, user: User, customer: Customer, now: dt.datetime | None = None) -> Dossier:
    """The dossier: the customer's own satellites in one query (`_satellites`), the panels of other chapters,
    the group's members when the customer belongs to one."""
    from kam.core.rowsets import RowSet, decode, instances
    from kam.obligations.models import Alert, StoredObligation
    from kam.obligations.selectors import order_open
    from kam.orders.models import OrderLine

    now = now or timezone.now()
    masker = masker_for(user)
    # the panels of other chapters that give their rows as a queryset join the one query; the others load
    panel_sets: dict[str, RowSet | None] = {}
    for p in customer_panels():
        if p.query is not None:
            q = p.query(user=user, customer=customer)
            panel_sets[p.key] = RowSet(*q) if q is not None else None
    raw = _satellites(customer, {k: v for k, v in panel_sets.items() if v is not None})
    panels = []
    for p in customer_panels():
        if p.key in panel_sets:
            rowset = panel_sets[p.key]
            rows = rowset.load(raw[f"panel_{p.key}"]) if rowset is not None else None
            if rows is not None and p.finish is not None:
                rows = p.finish(rows, user=user, customer=customer)
        else:
            rows = p.load(user=user, customer=customer)
        if rows is not None:
            panels.append((p, rows))
    latest: dict[str, SectionStamp] = {}
    for s in sorted(instances(SectionStamp, raw["stamps"], _STAMP_FIELDS), key=lambda s: (s.at, s.pk), reverse=True):
        latest.setdefault(s.section, s)
    sees = _sees_birthdays(user, customer)
    contacts = _sorted_rows([_contact_row(c, masker, False, sees) for c in instances(Contact, raw["contacts"],
                                                                                _CONTACT_FIELDS)])
    licenses = sorted(instances(License, raw["licenses"], _LICENSE_FIELDS),
                      key=lambda x: (x.expires_on is not None, x.expires_on or dt.date.min, x.name, x.pk))
    orders = sorted(instances(Order, raw["orders"], _ORDER_FIELDS), key=lambda o: (o.order_date, o.pk),
                    reverse=True)
    _attach_lines(orders, instances(OrderLine, raw["lines"], _LINE_FIELDS))
    yearly = sorted((int(r["y"]), Decimal(r["s"]) if r["s"] is not None else Decimal("0"))
                    for r in decode(raw["yearly"]) if r["y"] is not None)
    heads_group = getattr(customer, "has_members", None)
    if heads_group is None:
        heads_group = Customer.objects.filter(parent=customer).exists()
    members = list(group_members(user=user, customer=customer)) if (customer.parent_id or heads_group) else []
    group_totals = {}
    if members:
        since = timezone.localdate(now) - dt.timedelta(days=365)
        group_totals = dict(Order.objects.filter(customer__in=members, order_date__gte=since).exclude(
            status="cancelled").values("customer_id").annotate(s=Sum("amount")).values_list("customer_id", "s"))
    group = [(m, group_totals.get(m.pk) or Decimal("0")) for m in members]
    d = Dossier(
        customer=customer, masker=masker, stamps={s: latest.get(s) for s in Section.values}, contacts=contacts,
        licenses=licenses,
        floor_series=sorted(r["product_series"] for r in decode(raw["floor"])),
        orders=orders, yearly=yearly,
        panels=panels,
        designations=sorted(instances(Designation, raw["designations"], _DESIGNATION_FIELDS),
                            key=lambda x: (x.started_at, x.pk), reverse=True),
        tier_history=sorted(instances(TierChange, raw["tiers"], _TIER_FIELDS),
                            key=lambda t: (t.effective_at, t.pk), reverse=True),
        assignments=sorted(instances(AccountAssignment, raw["assignments"], _ASSIGNMENT_FIELDS),
                           key=_assignment_order),
        group=group, group_total=sum((t for _m, t in group), Decimal("0")),
        obligations=order_open(instances(StoredObligation, raw["obligations"])),
        alerts=sorted(instances(Alert, raw["alerts"]), key=lambda a: (a.created_at, a.pk), reverse=True),
        people=[(r["pk"], r["display_name"] or r["username"]) for r in sorted(
            decode(raw["people"]), key=lambda r: (r["display_name"], r["username"]))],
    )
    d.masked_fields = [k.rsplit(".", 1)[1] for k in masker.core if k.startswith("customers.Customer.")]
    d.gaps = completeness(d, today=timezone.localdate(now))
    return d


def completeness(d: Dossier, *, today: dt.date) -> list[str]:
    """A6.1: what the dossier lacks — no decision maker, no decision process, licences expired or expiring
    within 30 days, no preferences."""
    c = d.customer
    gaps = []
    if not any(r.is_decision_maker and not r.anonymised for r in d.contacts):
        gaps.append("没有记录决策层联系人")
    if not c.decision_process.strip():
        gaps.append("没有采购决策流程")
    for lic in d.licenses:
        if lic.expires_on and lic.expires_on < today:
            gaps.append(f"证照「{lic.name}」已于 {lic.expires_on} 过期")
        elif lic.expires_on and lic.expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS):
            gaps.append(f"证照「{lic.name}」将于 {lic.expires_on} 到期")
    if not (c.pref_style or c.pref_customisation or c.pref_price_sensitivity):
        gaps.append("没有记录偏好（风格、定制需求、价格敏感度）")
    return gaps

