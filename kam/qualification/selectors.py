"""Reads of designations, reviews and portfolios, scoped to the user (house rule 2)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from kam.customers.models import Customer
from kam.customers.selectors import customers_visible
from kam.qualification.models import Candidate, Designation, Flag, Proposal, Review
from kam.users.models import Role, User


def designations_open_at(at: datetime | None = None) -> QuerySet[Designation]:
    at = at or timezone.now()
    return Designation.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at), started_at__lte=at)


def key_account_ids(at: datetime | None = None) -> set[int]:
    return set(designations_open_at(at).values_list("customer_id", flat=True))


def is_key_account(customer_id: int, at: datetime | None = None) -> bool:
    return designations_open_at(at).filter(customer_id=customer_id).exists()


def tier_subquery(at: datetime | None = None):
    """Annotate customers with their tier now (None when not a key account) in the same query."""
    return Subquery(designations_open_at(at).filter(customer_id=OuterRef("pk")).values("tier")[:1])


def with_tier(qs: QuerySet[Customer], at: datetime | None = None) -> QuerySet[Customer]:
    return qs.annotate(tier=tier_subquery(at))


def tiers_for(customer_ids: list[int], at: datetime | None = None) -> dict[int, str]:
    """The tier of each given customer now (absent: not a key account) — one small query for a page of rows."""
    if not customer_ids:
        return {}
    at = at or timezone.now()
    # hand-written: on the list API's hot path building the ORM query cost more than running it
    marks = ", ".join(["%s"] * len(customer_ids))
    table = Designation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT customer_id, tier FROM {table} WHERE customer_id IN ({marks}) "  # noqa: S608
                       "AND started_at <= %s AND (ended_at IS NULL OR ended_at > %s)", [*customer_ids, at, at])
        return dict(cursor.fetchall())


def key_accounts(*, user: User, at: datetime | None = None) -> QuerySet[Customer]:
    ids = designations_open_at(at).values("customer_id")
    return with_tier(customers_visible(user=user).filter(pk__in=ids), at).select_related("account_manager")


def manager_loads(at: datetime | None = None) -> dict[int, int]:
    """A9.1: key accounts per account manager now, one query."""
    rows = (Customer.objects.filter(pk__in=designations_open_at(at).values("customer_id"),
                                    account_manager__isnull=False)
            .values("account_manager_id").annotate(n=Count("id")))
    return {r["account_manager_id"]: r["n"] for r in rows}


def reviews(*, user: User) -> QuerySet[Review]:
    if user.has_role(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER):
        return Review.objects.select_related("opened_by", "approved_by").order_by("-year", "-id")
    return Review.objects.none()


def review_get(*, user: User, pk: int) -> Review:
    review = reviews(user=user).filter(pk=pk).first()
    if review is None:
        raise Http404("review not found")
    return review


def review_candidates(*, user: User, review: Review) -> QuerySet[Candidate]:
    """Head of sales and management: every row; an account manager: the rows of their own accounts."""
    qs = Candidate.objects.filter(review=review).select_related(
        "customer", "customer__parent", "customer__account_manager", "proposed_manager", "decided_by")
    if user.has_role(Role.HEAD_OF_SALES, Role.MANAGEMENT):
        return qs
    if user.has_role(Role.ACCOUNT_MANAGER):
        return qs.filter(customer__account_manager=user)
    return qs.none()


def proposals(*, user: User) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related("customer", "proposed_by", "decided_by", "proposed_manager")
    if user.has_role(Role.HEAD_OF_SALES, Role.MANAGEMENT):
        return qs
    return qs.filter(customer__in=customers_visible(user=user)) if user.is_account_manager else qs.none()


def flags(*, user: User) -> QuerySet[Flag]:
    qs = Flag.objects.select_related("customer", "customer__account_manager")
    if user.has_role(Role.HEAD_OF_SALES, Role.MANAGEMENT):
        return qs
    return qs.filter(customer__in=customers_visible(user=user)) if user.is_account_manager else qs.none()
