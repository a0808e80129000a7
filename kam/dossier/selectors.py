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
    gaps: list[str] = field(default_factory=list)
    masked_fields: list[str] = field(default_factory=list)  # marked-core customer fields hidden on this page

    def show(self, key: str) -> bool:
        return self.masker.visible(key) and key not in self.masked_fields


CONTACT_CHANNELS = ("phone", "wechat", "email")


def contact_key(channel: str, decision_maker: bool) -> str:
    return f"customers.Contact.{channel}[decision_maker]" if decision_maker else f"customers.Contact.{channel}"


def contact_rows(*, masker: Masker, customer: Customer, reveal: bool = False, user: User | None = None
                 ) -> list[ContactRow]:
    """Contacts with channels masked where they are core; for users allowed to see core data the core values
    come only with `reveal=True` (an audited reveal, A7.2). Birthdays (personal data, A14.1) only for the account's
    own manager, the head of sales and management (`user`; none without one)."""
    sees_birthdays = user is not None and (customer.account_manager_id == user.pk
                                           or user.has_role(Role.HEAD_OF_SALES, Role.MANAGEMENT))
    rows = []
    for c in Contact.objects.filter(customer=customer):
        channels, core = {}, []
        for ch in CONTACT_CHANNELS:
            key = contact_key(ch, c.is_decision_maker)
            if masker.is_core(key):
                core.append(ch)
                channels[ch] = getattr(c, ch) if (reveal and masker.sees_core) else None
            else:
                channels[ch] = getattr(c, ch)
        birthday = BirthdayParts.decode(c.birthday).words() if sees_birthdays else ""
        rows.append(ContactRow(c.pk, c.name, c.title, c.is_decision_maker, c.anonymised_at is not None, birthday,
                               channels, tuple(core), c.customs_note))
    rows.sort(key=lambda r: (not r.is_decision_maker, r.name))
    return rows


def dossier(*, user: User, customer: Customer, now: dt.datetime | None = None) -> Dossier:
    now = now or timezone.now()
    masker = masker_for(user)
    latest = {}
    for s in SectionStamp.objects.filter(customer=customer).select_related("by").order_by("section", "-at"):
        latest.setdefault(s.section, s)
    contacts = contact_rows(masker=masker, customer=customer, user=user)
    licenses = list(License.objects.filter(customer=customer))
    orders = list(Order.objects.filter(customer=customer).prefetch_related("lines").order_by("-order_date")[:15])
    yearly = [(r["y"], r["s"] or Decimal("0")) for r in Order.objects.filter(customer=customer).exclude(
        status="cancelled").annotate(y=ExtractYear("order_date")).values("y").annotate(s=Sum("amount")).order_by("y")]
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
        floor_series=list(FloorPrice.objects.filter(customer=customer).order_by("product_series").values_list(
            "product_series", flat=True)),
        orders=orders, yearly=yearly,
        panels=[(p, rows) for p in customer_panels() if (rows := p.load(user=user, customer=customer)) is not None],
        designations=list(Designation.objects.filter(customer=customer).select_related("approved_by").order_by(
            "-started_at")),
        tier_history=list(TierChange.objects.filter(customer=customer).order_by("-effective_at")),
        assignments=list(AccountAssignment.objects.filter(customer=customer).select_related("manager")),
        group=group, group_total=sum((t for _m, t in group), Decimal("0")),
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

