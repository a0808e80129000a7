"""Customers and contacts in the global search (issue 13; kam.core.search), and the search keys they are found by.

Customers: by name, short name, unified social credit code, and by pinyin or pinyin initials of the name and
short name (美居 by "meiju" or "mj", 佛山美居 by "fsmj" or "佛山mj") through the denormalised keys
`search_pinyin` / `search_initials` (kam.core.pinyin), which every write of the names refreshes
(`set_customer_keys`: the customer services, the import, the generator; the data migration filled old rows).

Contacts: by name, and by the last digits of the phone (at least PHONE_TAIL) — only where the user may see that
phone (A7.1, the same masker as the customer page): a decision maker's phone is core data, so only the head of
sales and management match on it, and each customer whose core phone matched is logged in the core-access log
(A7.2, channel "search"); a phone management marked core is treated alike. The phone is stored encrypted: a keyed
digest of its last PHONE_TAIL digits (`phone_tail_key`) finds the candidates, the decrypted phone confirms them.
No phone is ever shown in the results, only the digits the user typed.

Both are scoped by `customers_visible`: an account manager finds only their own customers and their contacts.
"""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from kam.core import pinyin
from kam.core.crypto import blind_index, blind_index_candidates
from kam.core.pinyin import name_keys
from kam.core.search import PHONE_TAIL, Found, Hit, Query
from kam.customers.models import Contact, Customer
from kam.customers.selectors import contacts_visible, customers_visible
from kam.users.models import User

PHONE_PURPOSE = "contact.phone_tail"
#: contacts sharing the typed last digits examined at most (decrypted to confirm the whole typed suffix)
PHONE_CANDIDATES = 200
#: the shortest credit-code fragment matched (shorter digit strings match nearly every code)
CREDIT_CODE_MIN = 4
#: the shortest Latin query matched against contacts' names (David, Lee)
LATIN_NAME_MIN = 3


def set_customer_keys(customer: Customer) -> tuple[str, ...]:
    """Refresh the customer's search keys from its name and short name (not saved); the fields set."""
    customer.search_pinyin, customer.search_initials = name_keys(customer.name, customer.short_name)
    return ("search_pinyin", "search_initials")


def phone_tail_key(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return blind_index(PHONE_PURPOSE, digits[-PHONE_TAIL:]) if len(digits) >= PHONE_TAIL else ""


def set_contact_keys(contact: Contact) -> tuple[str, ...]:
    """Refresh the contact's phone digest from its phone (not saved); the fields set."""
    contact.phone_tail_key = phone_tail_key(contact.phone)
    return ("phone_tail_key",)


def customer_match(query: Query, prefix: str = "") -> Q | None:
    """Customers whose name or short name holds the query's Chinese, whose pinyin keys hold its pinyin form (the
    keys keep the Latin letters and digits of the names, lower-case: "abc" finds "ABC家居"), or whose credit code
    holds it. Plain LIKE, no UPPER(): Chinese has no case, and the keys are lower-case already (issue 13 speed)."""
    p = prefix
    parts = []
    if query.han:
        parts += [Q(**{f"{p}name__contains": query.text}), Q(**{f"{p}short_name__contains": query.text})]
    if query.pinyin:
        parts += [Q(**{f"{p}search_initials__contains": query.initials}),
                  Q(**{f"{p}search_pinyin__contains": query.full})]
    if len(query.number) >= CREDIT_CODE_MIN:
        parts.append(Q(**{f"{p}credit_code__contains": query.number}))
    if not parts:
        return None
    cond = parts[0]
    for part in parts[1:]:
        cond |= part
    return cond


def _customer_rank(query: Query) -> Case:
    """0: the name, short name or credit code itself; 1: the start of a name or of a reading; 2: elsewhere."""
    exact = Q(name=query.text) | Q(short_name=query.text)
    if query.number:
        exact |= Q(credit_code=query.number)
    start = Q(name__startswith=query.text) | Q(short_name__startswith=query.text)
    if query.pinyin:
        start |= (Q(search_initials__startswith=query.initials) | Q(search_pinyin__startswith=query.full)
                  | Q(search_initials__contains=" " + query.initials) | Q(search_pinyin__contains=" " + query.full))
    return Case(When(exact, then=Value(0)), When(start, then=Value(1)), default=Value(2), output_field=IntegerField())


def customer_hits(*, user: User, query: Query, limit: int, offset: int = 0) -> Found:
    """One query: the visible customers that match, best first, then by name."""
    cond = customer_match(query)
    if cond is None:
        return Found([])
    rows = list(customers_visible(user=user).filter(cond).annotate(rank=_customer_rank(query))
                .order_by("rank", "name", "id")
                .values("pk", "name", "short_name", "city", "credit_code", "account_manager__display_name",
                        "account_manager__username")[offset:offset + limit + 1])
    hits = []
    for r in rows[:limit]:
        manager = r["account_manager__display_name"] or r["account_manager__username"] or ""
        parts = [r["short_name"], r["city"], _("客户经理 %(m)s") % {"m": manager} if manager else "", r["credit_code"]]
        hits.append(Hit(title=r["name"], url=reverse("customers:detail", args=[r["pk"]]),
                        detail=" · ".join(p for p in parts if p)))
    return Found(hits, more=len(rows) > limit)


def _phone_matches(user: User, contacts, query: Query) -> list[Contact]:
    """Contacts whose phone ends with the typed digits and that the user may see the phone of (A7.1); a core
    phone that matched is a read of core data: logged per customer (A7.2), never its value."""
    from kam.confidentiality.classification import contact_channel_key, masker_for
    from kam.confidentiality.services import record_accesses

    tail = query.phone_tail
    if not tail:
        return []
    masker = masker_for(user)
    visible = [dm for dm in (True, False) if masker.visible(contact_channel_key("phone", dm))]
    if not visible:
        return []  # every phone is core for this user: nothing to match on (and no query)
    # A7.1: the phones the user may not see (a decision maker's, for an account manager) are not even read
    candidates = (contacts.filter(phone_tail_key__in=blind_index_candidates(PHONE_PURPOSE, tail),
                                  is_decision_maker__in=visible)
                  .select_related("customer").only("name", "title", "is_decision_maker", "phone", "customer__name")
                  .order_by("-is_decision_maker", "name", "id")[:PHONE_CANDIDATES])
    found: list[Contact] = []
    core_reads: dict[int, tuple[Customer, set[str]]] = {}
    for contact in candidates:
        key = contact_channel_key("phone", contact.is_decision_maker)
        if not re.sub(r"\D", "", contact.phone or "").endswith(query.digits):
            continue
        found.append(contact)
        if masker.is_core(key):
            core_reads.setdefault(contact.customer_id, (contact.customer, set()))[1].add(key)
    record_accesses(user=user, reads=[(customer, sorted(keys)) for customer, keys in core_reads.values()],
                    channel="search")  # A7.2
    return found


def _contact_hit(*, pk: int, name: str, title: str, decision_maker: bool, customer_id: int, customer_name: str,
                 phone_digits: str = "") -> Hit:
    parts = [customer_name, title]
    if phone_digits:
        parts.append(_("电话尾号 %(d)s") % {"d": phone_digits})
    return Hit(title=name, url=reverse("customers:detail", args=[customer_id]) + "#section-contacts",
               detail=" · ".join(p for p in parts if p), badge=_("决策层") if decision_maker else "")


def contact_hits(*, user: User, query: Query, limit: int, offset: int = 0) -> Found:
    """Contacts of visible customers: phone matches first (the typed digits end the phone), then by name."""
    if not query:
        return Found([])
    contacts = contacts_visible(user=user).filter(anonymised_at__isnull=True)
    by_phone = _phone_matches(user, contacts, query)
    hits = [_contact_hit(pk=c.pk, name=c.name, title=c.title, decision_maker=c.is_decision_maker,
                         customer_id=c.customer_id, customer_name=c.customer.name, phone_digits=query.digits)
            for c in by_phone[offset:offset + limit]]
    more = offset + limit < len(by_phone)
    room = limit - len(hits)
    if query.han:  # Chinese names as typed (no UPPER(): Chinese has no case)
        by_name = Q(name__contains=query.text)
    elif pinyin.has_latin(query.text) and len(query.text) >= LATIN_NAME_MIN:  # a name in Latin letters, any case
        by_name = Q(name__icontains=query.text)
    else:  # digits are a phone, not a name
        return Found(hits, more=more)
    if room <= 0:
        return Found(hits, more=more or contacts.filter(by_name).exclude(pk__in=[c.pk for c in by_phone]).exists())
    skip = max(0, offset - len(by_phone))
    rows = list(contacts.filter(by_name).exclude(pk__in=[c.pk for c in by_phone])
                .annotate(rank=Case(When(name=query.text, then=Value(0)),
                                    When(name__startswith=query.text, then=Value(1)), default=Value(2),
                                    output_field=IntegerField()))
                .order_by("rank", "-is_decision_maker", "name", "id")
                .values("pk", "name", "title", "is_decision_maker", "customer_id")[skip:skip + room + 1])
    # the customers' names in a second query: joined, SQLite would read every contact row through the customers
    names = dict(Customer.objects.filter(pk__in={r["customer_id"] for r in rows[:room]}).values_list("pk", "name"))
    hits += [_contact_hit(pk=r["pk"], name=r["name"], title=r["title"], decision_maker=r["is_decision_maker"],
                          customer_id=r["customer_id"], customer_name=names.get(r["customer_id"], ""))
             for r in rows[:room]]
    return Found(hits, more=more or len(rows) > room)

