"""The facts occasions are computed from (A14.1), read in a few set-based queries for any number of accounts: the
company's holiday list, decision makers' birthdays (personal data, stored encrypted: decrypted here, in the one
place that computes occasions — never filtered on in the database), and the customs notes (礼仪与忌讳) shown
beside each occasion."""

from __future__ import annotations

from collections.abc import Iterable

from kam.care.occasions import Birthday, Holiday
from kam.customers.birthdays import BirthdayParts
from kam.customers.models import Contact, Customer


def active_holidays() -> list[Holiday]:
    """A14.1: the company's holiday list in force (one query)."""
    from kam.care.models import CompanyHoliday

    return [Holiday(h["id"], h["name"], h["calendar"], h["month"], h["day"])
            for h in CompanyHoliday.objects.filter(active=True).values("id", "name", "calendar", "month", "day")]


def decision_makers_birthdays(contacts) -> dict[int, list[Birthday]]:
    """A14.1: the birthdays of the decision makers among `contacts` (a Contact queryset), by customer — one query;
    the encrypted value is decrypted here and nowhere else."""
    out: dict[int, list[Birthday]] = {}
    for c in (contacts.filter(is_decision_maker=True, anonymised_at__isnull=True).exclude(birthday="")
              .values("id", "customer_id", "name", "birthday")):
        parts = BirthdayParts.decode(c["birthday"])
        if parts.known:
            out.setdefault(c["customer_id"], []).append(
                Birthday(c["id"], c["name"], parts.kind, parts.month, parts.day, parts.leap))  # type: ignore[arg-type]
    return out


def customs_of(*, customer_ids: Iterable[int], contact_ids: Iterable[int] = ()) -> tuple[dict[int, str], dict[int, str]]:
    """A14.1: the 礼仪与忌讳 notes of these accounts and people (two queries at most)."""
    customer_ids, contact_ids = set(customer_ids), {c for c in contact_ids if c}
    accounts = dict(Customer.objects.filter(pk__in=customer_ids).exclude(pref_customs="")
                    .values_list("id", "pref_customs")) if customer_ids else {}
    people = dict(Contact.objects.filter(pk__in=contact_ids, anonymised_at__isnull=True).exclude(customs_note="")
                  .values_list("id", "customs_note")) if contact_ids else {}
    return accounts, people


def customs_line(account: str, person: str = "") -> str:
    """The note as one line: the person's customs first, then the account's."""
    return "；".join(p.strip() for p in (person, account) if p and p.strip())
