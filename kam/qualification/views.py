from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.confidentiality.classification import core_fields
from kam.core.access import login_required, role_required
from kam.core.errors import ApplicationError
from kam.customers.models import CustomerType
from kam.customers.selectors import customer_get, customers_visible
from kam.policy.schema import SETTINGS
from kam.policy.selectors import policy_in_force, policy_versions
from kam.qualification import selectors, services, workspace
from kam.qualification.models import Candidate, ProposalKind, ProposalStatus, ReviewStatus
from kam.users.models import Role
from kam.users.selectors import account_managers

PAGE = 100


@login_required
def criteria(request):
    """A2.3: the criteria in force, their effective date and earlier versions — for everyone."""
    policy = policy_in_force(at=timezone.now())
    names = [n for n in SETTINGS if n.startswith("qualification.")]
    rows = [(SETTINGS[n], policy.display(n)) for n in names]
    history = []
    previous = None
    for v in sorted((v for v in policy_versions(user=request.user) if v.status == "published"),
                    key=lambda v: v.number or 0):
        crit = {n: v.values.get(n) for n in names}
        if crit != previous:
            history.append((v, [(SETTINGS[n], SETTINGS[n].format(crit[n])) for n in names]))
        previous = crit
    return render(request, "qualification/criteria.html", {"policy": policy, "rows": rows,
                                                           "history": list(reversed(history))})


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
def review_list(request):
    if request.method == "POST":
        try:
            review = services.review_open(actor=request.user, year=int(request.POST.get("year") or 0) or None)
        except (ApplicationError, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
        else:
            return redirect("qualification:review", pk=review.pk)
    return render(request, "qualification/reviews.html", {
        "reviews": selectors.reviews(user=request.user), "this_year": timezone.localdate().year})


def _review_context(request, review):
    policy = policy_in_force(at=review.opened_at)
    cap = int(policy["portfolio.max_accounts_per_manager"])
    params = request.GET.copy()
    if "change" not in params:
        params["change"] = "relevant"
    rows = workspace.filtered(user=request.user, review=review, params=params)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    query = params.copy()
    query.pop("page", None)
    visible = customers_visible(user=request.user)
    return {
        "review": review, "page": page, "params": params, "query": query.urlencode(), "cap": cap,
        "totals": workspace.totals(user=request.user, review=review, cap=cap),
        "can_edit": review.editable and request.user.has_role(Role.HEAD_OF_SALES),
        "can_approve": review.status == ReviewStatus.SUBMITTED and request.user.has_role(Role.MANAGEMENT),
        "blockers": services.review_blockers(review) if review.status == ReviewStatus.SUBMITTED else [],
        "types": CustomerType.choices,
        "cities": visible.exclude(city="").order_by("city").values_list("city", flat=True).distinct(),
        "groups": visible.filter(members__isnull=False).distinct().order_by("name").values_list("id", "name"),
        "managers": account_managers(),
        "policy": policy,
        # notes management marked core (A7.1) are not shown in the workspace
        "masked_fields": [k.rsplit(".", 1)[1] for k in core_fields() if k.startswith("customers.Customer.")],
    }


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
def review_detail(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    context = _review_context(request, review)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "workspace":
        return render(request, "qualification/review.html#workspace", context)
    return render(request, "qualification/review.html", context)


@role_required(Role.HEAD_OF_SALES)
@require_POST
def review_decide(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    ids = [int(i) for i in request.POST.getlist("candidate") if i.isdigit()]
    decision = request.POST.get("decision", "keep")
    manager = None
    if request.POST.get("manager"):
        manager = get_object_or_404(account_managers(), pk=request.POST["manager"])
    try:
        n = services.candidates_decide(actor=request.user, review=review, candidate_ids=ids,
                                       decision=None if decision == "keep" else decision,
                                       reason=request.POST.get("reason", ""), manager=manager)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        if request.headers.get("HX-Request"):
            return render(request, "qualification/review.html#workspace", _review_context(request, review),
                          status=422)
    else:
        messages.success(request, _("已更新 %(n)d 行。") % {"n": n})
    if request.headers.get("HX-Request"):
        return render(request, "qualification/review.html#workspace", _review_context(request, review))
    return redirect(f"{request.path.rsplit('decide/', 1)[0]}?{request.POST.get('query', '')}")


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_POST
def review_action(request, pk: int, action: str):
    review = selectors.review_get(user=request.user, pk=pk)
    try:
        if action == "redraft":
            counts = services.review_draft(actor=request.user, review=review)
            messages.success(request, _("草稿已按最新数据更新：新增 %(n)d 行，%(r)d 行依据有变化。")
                             % {"n": counts.get("new", 0), "r": counts.get("refreshed", 0)})
        elif action == "add":
            ref = request.POST.get("customer", "").strip()
            customer = customers_visible(user=request.user).filter(
                Q(credit_code__iexact=ref) | Q(name=ref)).first() if ref else None
            if customer is None:
                raise ApplicationError(_("找不到客户「%(c)s」（请输入客户全称或统一社会信用代码）。") % {"c": ref},
                                       field="customer")
            services.candidate_add(actor=request.user, review=review, customer=customer)
            messages.success(request, _("已添加「%(c)s」。") % {"c": customer})
        elif action == "submit":
            services.review_submit(actor=request.user, review=review)
            messages.success(request, _("已提交管理层审批。"))
        elif action == "approve":
            services.review_approve(actor=request.user, review=review)
            messages.success(request, _("已批准，认定结果已生效。"))
        elif action == "return":
            services.review_return(actor=request.user, review=review, comment=request.POST.get("comment", ""))
            messages.success(request, _("已退回销售部。"))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("qualification:review", pk=review.pk)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
def review_export(request, pk: int):
    from kam.exchange.export import ExportColumn, export_response_name, export_xlsx

    review = selectors.review_get(user=request.user, pk=pk)
    rows = workspace.filtered(user=request.user, review=review, params=request.GET)
    yes = _("是")
    no = _("否")
    columns = [
        ExportColumn("customer.name", _("客户名称"), width=28),
        ExportColumn("customer.credit_code", _("统一社会信用代码"), width=22),
        ExportColumn("customer.city", _("城市")),
        ExportColumn("amount", _("采购额（元）"), number_format="#,##0.00", width=18),
        ExportColumn("meets_amount", _("采购额达标"), value=lambda c: yes if c.meets_amount else no),
        ExportColumn("cooperation_start", _("合作起始"), value=lambda c: c.facts.get("cooperation_start") or ""),
        ExportColumn("meets_years", _("合作年限达标"), value=lambda c: yes if c.meets_years else no),
        ExportColumn("meets_assessed", _("潜力/影响力"), value=lambda c: yes if c.meets_assessed else no),
        ExportColumn("on_time_payment_ratio", _("按时回款率"), value=lambda c: c.facts.get("on_time_payment_ratio")),
        ExportColumn("on_time_delivery_ratio", _("按时交付率"), value=lambda c: c.facts.get("on_time_delivery_ratio")),
        ExportColumn("currently_key", _("现为大客户"), value=lambda c: yes if c.currently_key else no),
        ExportColumn("draft", _("系统建议"), value=lambda c: c.get_draft_display()),
        ExportColumn("final_decision", _("决定"), value=lambda c: Candidate(draft=c.final).get_draft_display()),
        ExportColumn("reason", _("理由"), width=30),
        ExportColumn("proposed_manager", _("客户经理"), value=lambda c: str(c.proposed_manager or "")),
        ExportColumn("tier", _("层级"), value=lambda c: c.get_tier_display()),
    ]
    return export_xlsx(user=request.user, list_name="qualification.review", list_label=str(review),
                       columns=columns, rows=rows.iterator(chunk_size=2000),
                       filters={k: v for k, v in request.GET.items() if k != "page"},
                       filename=export_response_name(str(review), request.user))


@login_required
def key_account_list(request):
    rows = selectors.key_accounts(user=request.user).order_by("-tier", "name")
    tier = request.GET.get("tier", "")
    if tier in ("core", "ordinary"):
        rows = rows.filter(tier=tier)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "qualification/key_accounts.html", {"page": page, "tier": tier})


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
def portfolios(request):
    """A9.1/A9.2: every manager's load (n of the cap) and handovers."""
    if request.method == "POST":
        if not request.user.has_role(Role.HEAD_OF_SALES):
            raise Http404
        customer = customer_get(user=request.user, pk=int(request.POST.get("customer") or 0))
        manager = get_object_or_404(account_managers(), pk=request.POST.get("manager"))
        try:
            services.portfolio_assign(actor=request.user, customer=customer, manager=manager,
                                      reason=request.POST.get("reason", ""))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已将「%(c)s」交接给 %(m)s。") % {"c": customer, "m": manager})
        return redirect("qualification:portfolios")
    cap = int(policy_in_force(at=timezone.now())["portfolio.max_accounts_per_manager"])
    loads = selectors.manager_loads()
    managers = [(m, loads.get(m.pk, 0)) for m in account_managers()]
    keys = selectors.key_accounts(user=request.user).order_by("account_manager__username", "name")
    return render(request, "qualification/portfolios.html", {"managers": managers, "cap": cap, "keys": keys,
                                                             "all_managers": account_managers()})


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
def midyear(request):
    """A5.2: the monthly flags and the proposals with their facts."""
    if request.method == "POST":
        try:
            if "decide" in request.POST:
                proposal = get_object_or_404(selectors.proposals(user=request.user), pk=request.POST["decide"])
                services.proposal_decide(actor=request.user, proposal=proposal,
                                         approve=request.POST.get("approve") == "1",
                                         comment=request.POST.get("comment", ""))
            else:
                customer = customer_get(user=request.user, pk=int(request.POST.get("customer") or 0))
                manager = None
                if request.POST.get("manager"):
                    manager = get_object_or_404(account_managers(), pk=request.POST["manager"])
                services.proposal_create(actor=request.user, customer=customer, kind=request.POST.get("kind", ""),
                                         reason=request.POST.get("reason", ""), manager=manager)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已保存。"))
        return redirect("qualification:midyear")
    return render(request, "qualification/midyear.html", {
        "flags": selectors.flags(user=request.user).filter(resolved_by__isnull=True)[:200],
        "proposals": selectors.proposals(user=request.user)[:100],
        "kinds": ProposalKind.choices, "pending": ProposalStatus.PENDING,
        "managers": account_managers()})


@role_required(Role.HEAD_OF_SALES)
@require_POST
def tiers_recompute(request):
    result = services.tiers_recompute(actor=request.user)
    messages.success(request, _("已重新计算层级：%(n)d 个大客户，%(c)d 个层级变化（A5.3）。")
                     % {"n": result["accounts"], "c": result["changed"]})
    return redirect("qualification:key_accounts")

