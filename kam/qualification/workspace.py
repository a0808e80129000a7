"""The review workspace's reads: the candidate rows on the shared list component (filtered, sorted, paged) and
the running totals over all of them (a few queries whatever the number of candidates)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _l

from kam.core.lists import Column, Filter, ListSpec, choice_filter
from kam.customers.models import CustomerType
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


def _search(qs, value: str):
    return qs.filter(Q(customer__name__icontains=value) | Q(customer__credit_code__iexact=value.strip()))


def _group(qs, value):
    return qs.filter(Q(customer__parent_id=value) | Q(customer_id=value))


def _meets(qs, value: str):
    return qs.filter(qualifies=True) if value == "meets" else qs.filter(qualifies=False) if value == "fails" else qs


def _change(qs, change: str):
    if change == "new":
        return qs.filter(final_decision=Decision.INCLUDE, currently_key=False)
    if change == "removed":
        return qs.filter(final_decision=Decision.EXCLUDE, currently_key=True)
    if change == "included":
        return qs.filter(final_decision=Decision.INCLUDE)
    if change == "overridden":
        return qs.exclude(decision="").exclude(decision=F("draft"))
    if change == "facts_changed":
        return qs.filter(facts_changed=True)
    if change == "relevant":  # default view: what a person needs to look at
        return qs.filter(Q(qualifies=True) | Q(currently_key=True) | ~Q(decision=""))
    return qs


def filtered(*, user: User, review: Review, params) -> QuerySet[Candidate]:
    """The candidates as the API's parameters say (q, type, city, group, meets, change; sort: amount = largest
    first, -amount, name, city, years)."""
    qs = annotate_final(review_candidates(user=user, review=review))
    q = (params.get("q") or "").strip()
    if q:
        qs = _search(qs, q)
    if params.get("type"):
        qs = qs.filter(customer__customer_type=params["type"])
    if params.get("city"):
        qs = qs.filter(customer__city=params["city"])
    if params.get("group"):
        qs = _group(qs, params["group"])
    qs = _meets(qs, params.get("meets"))
    qs = _change(qs, params.get("change") or "")
    return qs.order_by(*SORTS.get(params.get("sort") or "amount", SORTS["amount"]))


#: the workspace's default view: what a person needs to look at
DEFAULTS = {"change": "relevant"}
CHANGES = [("relevant", _l("需关注（符合、现为大客户或已决定）")), ("included", _l("纳入名单")), ("new", _l("较去年新增")),
           ("removed", _l("较去年移出")), ("overridden", _l("与系统建议不同")), ("facts_changed", _l("依据已变化"))]


def candidate_spec(*, cities, groups) -> ListSpec:
    """The candidate list on the shared list component (issue 11: paged; sortable headers, filters in the URL,
    columns, saved views). `cities` and `groups` are the filters' choices."""
    return ListSpec(
        name="qualification.review",
        columns=[
            Column("customer", _l("客户"), order_by="customer__name"),
            Column("amount", _l("采购额"), order_by="amount", css="num"),
            Column("years", _l("合作年限"), order_by="facts__cooperation_start"),
            Column("assessed", _l("潜力/影响力")),
            Column("performance", _l("履约"), css="small"),
            Column("current", _l("现状"), order_by="currently_key"),
            Column("draft", _l("建议"), order_by="draft"),
            Column("decision", _l("决定"), order_by="final_decision"),
            Column("manager", _l("客户经理")),
            Column("tier", _l("层级"), order_by="tier"),
            Column("city", _l("城市"), order_by="customer__city", default=False),
        ],
        filters=[
            Filter("q", _l("搜索"), _search, placeholder=_l("客户名称或信用代码")),
            choice_filter("type", _l("客户类型"), CustomerType.choices, "customer__customer_type"),
            choice_filter("city", _l("城市"), [(c, c) for c in cities], "customer__city"),
            Filter("meets", _l("是否符合"), _meets, choices=[("meets", _l("符合标准")), ("fails", _l("不符合"))]),
            Filter("change", _l("变化"), _change, choices=CHANGES),
        ] + ([  # a group is one of those offered (never a free value sent to the database)
            Filter("group", _l("集团"), _group, choices=[(str(pk), name) for pk, name in groups])] if groups else []),
        default_sort="-amount", tiebreak="customer__name", page_size=50)


def candidates(*, user: User, review: Review) -> QuerySet[Candidate]:
    """Every candidate row the user may see, with its final decision and the manager it would load (before the
    list's filters, sort and page)."""
    return annotate_final(review_candidates(user=user, review=review))


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
    """Over all candidates, whatever the page shows: one aggregate, the managers' loads in one GROUP BY and their
    names (issue 11: SQL, never every row in Python)."""
    qs = annotate_final(review_candidates(user=user, review=review)).order_by()
    included = Q(final_decision=Decision.INCLUDE)
    counts = qs.aggregate(
        candidates=Count("id"), included=Count("id", filter=included),
        core=Count("id", filter=included & Q(tier="core")), ordinary=Count("id", filter=included & Q(tier="ordinary")),
        new=Count("id", filter=included & Q(currently_key=False)),
        removed=Count("id", filter=~included & Q(currently_key=True)),
        unmanaged=Count("id", filter=included & Q(load_manager_id__isnull=True)))
    t = Totals(**{k: v or 0 for k, v in counts.items()})
    loads = dict(qs.filter(included, load_manager_id__isnull=False).values("load_manager_id").annotate(
        n=Count("id")).values_list("load_manager_id", "n"))
    if loads:
        names = {pk: display or username for pk, display, username in User.objects.filter(
            pk__in=list(loads)).values_list("id", "display_name", "username")}
        t.loads = sorted(((names.get(m) or str(m), n, n > cap) for m, n in loads.items()),
                         key=lambda x: (-x[1], x[0]))
    return t
