"""The review workspace's reads: filtered, sorted candidate rows and the running totals (a few queries)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, CharField, F, Q, QuerySet, When
from django.db.models.functions import Coalesce

from kam.qualification.models import Candidate, Decision, Review
from kam.qualification.selectors import review_candidates
from kam.users.models import User

SORTS = {
    "amount": ("-amount", "customer__name"),
    "-amount": ("amount", "customer__name"),
    "name": ("customer__name",),
    "city": ("customer__city", "customer__name"),
    "years": ("facts__cooperation_start", "customer__name"),
}


def annotate_final(qs: QuerySet[Candidate]) -> QuerySet[Candidate]:
    return qs.annotate(
        final_decision=Case(When(decision="", then=F("draft")), default=F("decision"), output_field=CharField()),
        load_manager_id=Coalesce(F("proposed_manager_id"), F("customer__account_manager_id")),
    )


def filtered(*, user: User, review: Review, params) -> QuerySet[Candidate]:
    qs = annotate_final(review_candidates(user=user, review=review))
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(customer__name__icontains=q) | Q(customer__credit_code__iexact=q))
    if params.get("type"):
        qs = qs.filter(customer__customer_type=params["type"])
    if params.get("city"):
        qs = qs.filter(customer__city=params["city"])
    if params.get("group"):
        qs = qs.filter(Q(customer__parent_id=params["group"]) | Q(customer_id=params["group"]))
    meets = params.get("meets")
    if meets == "meets":
        qs = qs.filter(qualifies=True)
    elif meets == "fails":
        qs = qs.filter(qualifies=False)
    change = params.get("change")
    if change == "new":
        qs = qs.filter(final_decision=Decision.INCLUDE, currently_key=False)
    elif change == "removed":
        qs = qs.filter(final_decision=Decision.EXCLUDE, currently_key=True)
    elif change == "included":
        qs = qs.filter(final_decision=Decision.INCLUDE)
    elif change == "overridden":
        qs = qs.exclude(decision="").exclude(decision=F("draft"))
    elif change == "facts_changed":
        qs = qs.filter(facts_changed=True)
    elif change == "relevant":  # default view: what a person needs to look at
        qs = qs.filter(Q(qualifies=True) | Q(currently_key=True) | ~Q(decision=""))
    return qs.order_by(*SORTS.get(params.get("sort") or "amount", SORTS["amount"]))


@dataclass
class Totals:
    included: int = 0
    core: int = 0
    ordinary: int = 0
    new: int = 0
    removed: int = 0
    candidates: int = 0
    loads: list[tuple[str, int, bool]] = field(default_factory=list)  # (manager, n, over cap)
    unmanaged: int = 0


def totals(*, user: User, review: Review, cap: int) -> Totals:
    qs = annotate_final(review_candidates(user=user, review=review))
    t = Totals()
    rows = qs.values_list("final_decision", "currently_key", "tier", "load_manager_id")
    loads: Counter = Counter()
    for final, current, tier, manager in rows:
        t.candidates += 1
        if final == Decision.INCLUDE:
            t.included += 1
            t.core += tier == "core"
            t.ordinary += tier == "ordinary"
            t.new += not current
            if manager:
                loads[manager] += 1
            else:
                t.unmanaged += 1
        elif current:
            t.removed += 1
    if loads:
        names = dict(User.objects.filter(pk__in=list(loads)).values_list("id", "display_name"))
        usernames = dict(User.objects.filter(pk__in=list(loads)).values_list("id", "username"))
        t.loads = sorted(((names.get(m) or usernames.get(m) or str(m), n, n > cap) for m, n in loads.items()),
                         key=lambda x: (-x[1], x[0]))
    return t

