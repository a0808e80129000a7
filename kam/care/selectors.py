"""Reads of the gift register, scoped to the user (A14.2): the giver's chain only — the account manager for
their own accounts, the head of sales and management for all; nobody else (marketing, after-sales, finance,
the administrator) sees a gift. Refused attempts: management and the head of sales (A3)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from kam.care.models import COUNTED_STATES, Gift, GiftRefusal
from kam.customers.models import Contact, Customer
from kam.users.models import Role, User

#: who sees every gift (A14.2)
ALL_GIFTS_ROLES = (Role.HEAD_OF_SALES, Role.MANAGEMENT)
#: who sees the refused attempts (A14.2, A3)
REFUSAL_ROLES = (Role.HEAD_OF_SALES, Role.MANAGEMENT)


def may_see_gifts(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.has_role(*ALL_GIFTS_ROLES) or user.is_account_manager)


def gifts_visible(*, user: User) -> QuerySet[Gift]:
    qs = Gift.objects.select_related("customer", "recipient", "giver")
    if not may_see_gifts(user):
        return qs.none()
    if user.has_role(*ALL_GIFTS_ROLES):
        return qs
    return qs.filter(customer__account_manager=user)


def gift_get(*, user: User, pk: int) -> Gift:
    gift = gifts_visible(user=user).select_related("decided_by", "given_by").filter(pk=pk).first()
    if gift is None:
        raise Http404("gift not found")
    return gift


class GiftRows(list):
    """The customer page's gifts (or commitments), and whether the user may register one for the account."""

    may_register = False


def recipient_year_totals(*, user: User, customer: Customer, year: int, limit: Decimal
                          ) -> list[tuple[Contact, Decimal, Decimal]]:
    """A14.2: each contact of the account with the value registered for them in the year and what is left under
    the yearly `limit` (two queries), shown while a gift is entered."""
    if not may_see_gifts(user):
        return []
    totals = dict(gifts_visible(user=user).filter(customer=customer, year=year, state__in=COUNTED_STATES)
                  .values("recipient_id").annotate(s=Sum("total_value")).order_by().values_list("recipient_id", "s"))
    contacts = Contact.objects.filter(customer=customer, anonymised_at__isnull=True).only(
        "id", "name", "title", "is_decision_maker", "customer_id")
    rows = []
    for c in contacts:
        total = totals.get(c.pk) or Decimal("0")
        rows.append((c, total, max(limit - total, Decimal("0"))))
    return rows


def refusals_visible(*, user: User) -> QuerySet[GiftRefusal]:
    qs = GiftRefusal.objects.select_related("actor", "customer", "recipient")
    if not (getattr(user, "is_authenticated", False) and user.has_role(*REFUSAL_ROLES)):
        return qs.none()
    return qs


# --- A14.1 occasions ----------------------------------------------------------------------------------------

def account_occasions(*, customer: Customer, first, last) -> list:
    """Every occasion of one account with its day in [first, last] (three small queries): festivals, its
    anniversary, its decision makers' birthdays, the occasions its manager added."""
    from kam.care.models import AddedOccasion
    from kam.care.occasion_facts import active_holidays, decision_makers_birthdays
    from kam.care.occasions import CustomOccasion, occasions_between

    people = decision_makers_birthdays(Contact.objects.filter(customer=customer)).get(customer.pk, [])
    custom = [CustomOccasion(o.pk, o.title, o.on, o.yearly, o.contact_id)
              for o in AddedOccasion.objects.filter(customer=customer, ended_at__isnull=True)]
    return occasions_between(first, last, founded_on=customer.founded_on, people=people, custom=custom,
                             holidays=active_holidays())


def may_see_occasions(user: User) -> bool:
    """A14.1: occasions name the account's people and their birthdays (personal data): the giver's chain only."""
    return may_see_gifts(user)


def occasions_listed(*, user: User):
    """The occasions the engine lists (A14.1 stored obligations), scoped: the account manager's own accounts, every
    account for the head of sales and management; the head of sales' own copies are not repeated."""
    from kam.obligations.models import StoredObligation

    qs = StoredObligation.objects.filter(rule="A14.1", live=True).exclude(period_key__endswith=":head")
    if not may_see_occasions(user):
        return qs.none()
    if not user.has_role(*ALL_GIFTS_ROLES):
        qs = qs.filter(customer__account_manager=user)
    return qs.select_related("customer", "owner")


def care_actions_of(*, customer: Customer, keys: list[str]) -> dict:
    from kam.care.models import CareAction

    return {a.key: a for a in CareAction.objects.filter(customer=customer, key__in=keys).select_related("by", "gift")}


# --- A18.1 commitments --------------------------------------------------------------------------------------

#: the department roles and the department whose commitments they see and decide (A18.1, A4)
ROLE_DEPARTMENT = {Role.FINANCE: "finance", Role.AFTER_SALES: "after_sales", Role.MARKETING: "marketing"}


def commitments_visible(*, user: User):
    """A18.1: the account manager sees their accounts' commitments, the head of sales and management all, a
    department the commitments it must keep."""
    from django.db.models import Q

    from kam.care.models import Commitment

    qs = Commitment.objects.select_related("customer", "requested_by", "decided_by")
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return qs.none()
    if user.has_role(*ALL_GIFTS_ROLES):
        return qs
    q = Q(pk__in=[])
    if user.is_account_manager:
        q |= Q(customer__account_manager=user)
    departments = [d for role, d in ROLE_DEPARTMENT.items() if user.has_role(role)]
    if departments:
        q |= Q(department__in=departments)
    return qs.filter(q)


def commitment_get(*, user: User, pk: int):
    c = commitments_visible(user=user).select_related("contract", "request").filter(pk=pk).first()
    if c is None:
        raise Http404("commitment not found")
    return c


# --- A3 the integrity page ----------------------------------------------------------------------------------

def integrity(*, user: User) -> dict:
    """A3 (enforced through A14 and A18): gift refusals and decisions, unapproved commitments, exports of account
    data and reveals of core data by person — a handful of GROUP BY queries, each figure with the list behind it."""
    from django.db.models import Count

    from kam.audit.models import AuditEvent, CoreAccess
    from kam.care.models import Commitment, CommitmentState, GiftState, RefusalReason
    from kam.exchange.export import EXPORT_ACTION

    if not user.has_role(Role.MANAGEMENT):
        return {}
    refusals = dict(GiftRefusal.objects.values("reason").annotate(n=Count("id")).order_by()
                    .values_list("reason", "n"))
    gifts = dict(Gift.objects.filter(needs_approval=True).values("state").annotate(n=Count("id")).order_by()
                 .values_list("state", "n"))
    given_after_approval = Gift.objects.filter(needs_approval=True, state=GiftState.GIVEN).count()
    pending_commitments = Commitment.objects.filter(state=CommitmentState.PENDING).count()
    exports = list(AuditEvent.objects.filter(action=EXPORT_ACTION, actor__isnull=False)
                   .values("actor__username", "actor__display_name").annotate(n=Count("id")).order_by("-n")[:50])
    reveals = list(CoreAccess.objects.filter(user__isnull=False)
                   .values("user_id", "user__username", "user__display_name").annotate(n=Count("id"))
                   .order_by("-n")[:50])
    return {"refusals": [(value, label, refusals.get(value, 0)) for value, label in RefusalReason.choices],
            "refusal_total": sum(refusals.values()),
            "awaiting": gifts.get(GiftState.AWAITING_APPROVAL, 0), "approved": gifts.get(GiftState.APPROVED, 0),
            "rejected": gifts.get(GiftState.REJECTED, 0), "given_after_approval": given_after_approval,
            "pending_commitments": pending_commitments, "exports": exports, "reveals": reveals,
            "export_action": EXPORT_ACTION, **integrity_a18(user=user)}


def commitments_by_clock(qs, value: str):
    """A18.1: the commitments whose approval is overdue ("late") or whose delivery was missed ("missed"), from
    the engine's stored obligations (what alerted the head of sales, the department and the account manager)."""
    from kam.obligations.models import State, StoredObligation

    period = {"late": "approval", "missed": "delivery"}.get(value)
    if period is None:
        return qs
    breached = StoredObligation.objects.filter(rule="A18.1", subject_type="commitment", period_key=period,
                                               live=True, state=State.BREACHED)
    if period == "approval":
        qs = qs.filter(state="pending")
    else:
        qs = qs.filter(state="approved")
    return qs.filter(pk__in=breached.values("subject_id"))


def integrity_a18(*, user: User) -> dict:
    """A3 through A18: commitments not approved in time, approved ones missed, key accounts without a contract in
    force (each figure with the records behind it)."""
    from kam.care.contracts import key_accounts_without_contract
    from kam.care.models import Commitment

    if not user.has_role(Role.MANAGEMENT):
        return {}
    without = key_accounts_without_contract(user=user)
    no_contract = list(without.only("id", "name")[:500])
    return {"late_commitments": commitments_by_clock(Commitment.objects.all(), "late").count(),
            "missed_commitments": commitments_by_clock(Commitment.objects.all(), "missed").count(),
            "no_contract": no_contract, "no_contract_count": without.count()}


# --- the customer page's panels as one query with the dossier's other satellites (issue 11) ---------------------

def customer_gifts_query(*, user: User, customer: Customer):
    """A14.2: `customer_gifts` as a bounded queryset and the fields its panel reads; None outside the chain."""
    if not may_see_gifts(user):
        return None
    return (gifts_visible(user=user).filter(customer=customer).order_by("-planned_on", "-id")[:10],
            ["item", "recipient__name", "total_value", "planned_on", "state"])


def customer_commitments_query(*, user: User, customer: Customer):
    """A18.1: `customer_commitments` as a bounded queryset (unapproved first) and the fields its panel reads."""
    from django.db.models import Case, IntegerField, Value, When

    from kam.care.models import CommitmentState

    if not may_see_gifts(user) and not any(user.has_role(r) for r in ROLE_DEPARTMENT):
        return None
    return (commitments_visible(user=user).filter(customer=customer).annotate(
        flag=Case(When(state=CommitmentState.PENDING, then=Value(0)), default=Value(1),
                  output_field=IntegerField())).order_by("flag", "-requested_at")[:10],
            ["kind", "description", "department", "state", "requested_at"])


def panel_rows_with_links(rows: list, *, user: User, customer: Customer) -> GiftRows:
    """The gifts' and commitments' panel rows with the user's "register" link (no query)."""
    out = GiftRows(rows)
    out.may_register = user.has_role(Role.HEAD_OF_SALES) or customer.account_manager_id == user.pk
    return out
