from __future__ import annotations

import html

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.confidentiality.classification import core_fields
from kam.core.access import login_required, role_required
from kam.core.inputs import ActionForm, submit
from kam.core.lists import filter_and_sort, list_context
from kam.customers.models import CustomerType
from kam.customers.selectors import customers_visible
from kam.policy.schema import SETTINGS
from kam.policy.selectors import policy_in_force, policy_versions
from kam.qualification import forms, selectors, services, workspace
from kam.qualification.models import Candidate, Decision, ProposalStatus, ReviewStatus, Tier
from kam.users.models import Role
from kam.users.selectors import account_managers


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


def _reviews_page(request, form: ActionForm | None = None):
    return render(request, "qualification/reviews.html", {
        "reviews": selectors.reviews(user=request.user), "this_year": timezone.localdate().year,
        "form": form or forms.ReviewOpenForm()}, status=form.status_code if form is not None else 200)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
@require_safe
def review_list(request):
    return _reviews_page(request)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
@require_POST
def review_open(request):
    """A5.1: the head of sales opens the year's review; the draft is generated at once."""
    form = forms.ReviewOpenForm(request.POST)
    if submit(form, lambda d: services.review_open(actor=request.user, year=d["year"])):
        return redirect("qualification:review", pk=form.result.pk)
    return _reviews_page(request, form)


def _candidate_spec(request):
    """The candidate list's spec, with its filters' choices: the cities and groups the user sees (two queries)."""
    visible = customers_visible(user=request.user)
    cities = visible.exclude(city="").order_by("city").values_list("city", flat=True).distinct()
    groups = visible.filter(members__isnull=False).distinct().order_by("name").values_list("id", "name")
    return workspace.candidate_spec(cities=list(cities), groups=list(groups))


def _chosen(form, name: str) -> str:
    """What a refused form had in a field (as text), for re-selecting it; "" otherwise."""
    if form is None or not form.is_bound:
        return ""
    value = form.data.get(name, "")
    return str(getattr(value, "pk", value) or "")


def _manager_options(chosen: str):
    """The bulk bar's <option>s, one per account manager (1,300 at scale): escaped and joined in one pass — not a
    format_html call per manager (a sixth of the page's time)."""
    parts = []
    for pk, display, username in account_managers().values_list("id", "display_name", "username"):
        selected = " selected" if str(pk) == chosen else ""
        parts.append(f'<option value="{int(pk)}"{selected}>{html.escape(display or username, quote=True)}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above (the key is an integer)


def _row_labels() -> dict:
    """The candidate table's column titles and words, translated once per page (not once per row)."""
    return {
        "labels": {c.key: str(c.label) for c in workspace.candidate_spec(cities=[], groups=[]).columns},
        "words": {"potential": _("潜力"), "influence": _("影响力"), "payment": _("回款"), "delivery": _("交付"),
                  "returns": _("退货"), "disputes": _("争议"), "open": _("未结"), "current": _("现为大客户"),
                  "facts_changed": _("依据已变化，请复核")},
        "type_labels": {v: str(label) for v, label in CustomerType.choices},
        "decision_labels": {v: str(label) for v, label in Decision.choices},
        "tier_labels": {v: str(label) for v, label in Tier.choices},
    }


def _review_context(request, review, *, refused: ActionForm | None = None,
                    decide_form: forms.DecideForm | None = None):
    policy = policy_in_force(at=review.opened_at)
    cap = int(policy["portfolio.max_accounts_per_manager"])
    context = list_context(request, _candidate_spec(request), workspace.candidates(user=request.user, review=review),
                           defaults=workspace.DEFAULTS)
    lst = context["lst"]
    masked = core_fields()  # notes management marked core (A7.1) are not shown in the workspace
    return {
        **context,
        "review": review, "query": lst.query_without(), "cap": cap,
        # the totals and the managers' loads are over every candidate, not the page (A9.1)
        "totals": workspace.totals(user=request.user, review=review, cap=cap),
        "can_edit": review.editable and request.user.has_role(Role.HEAD_OF_SALES),
        "can_approve": review.status == ReviewStatus.SUBMITTED and request.user.has_role(Role.MANAGEMENT),
        "blockers": services.review_blockers(review) if review.status == ReviewStatus.SUBMITTED else [],
        # the bulk bar's choice of manager, rendered once (1,300 managers at scale: no template loop)
        "manager_options": _manager_options(_chosen(decide_form, "manager")),
        "shown": {c.key: True for c in lst.columns},
        **_row_labels(),
        "potential_masked": "customers.Customer.purchase_potential_note" in masked,
        "influence_masked": "customers.Customer.industry_influence_note" in masked,
        "policy": policy,
        "refused": refused,
        "decide_form": decide_form or forms.DecideForm(),
        "checked": set(decide_form.cleaned_data.get("candidate") or []) if decide_form is not None
        and hasattr(decide_form, "cleaned_data") else set(),
    }


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
@require_safe
def review_detail(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    context = _review_context(request, review)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "workspace":
        return render(request, "qualification/review.html#workspace", context)
    return render(request, "qualification/review.html", context)


@role_required(Role.HEAD_OF_SALES)
@require_POST
def review_decide(request, pk: int):
    """A5.1: the checked rows included or excluded (with a reason against the draft), a manager proposed.
    htmx gets the workspace back (with the errors, status 400, when refused)."""
    review = selectors.review_get(user=request.user, pk=pk)
    form = forms.DecideForm(request.POST)
    done = submit(form, lambda d: services.candidates_decide(
        actor=request.user, review=review, candidate_ids=d["candidate"],
        decision=None if d["decision"] == forms.KEEP else d["decision"], reason=d["reason"], manager=d["manager"]))
    if done:
        messages.success(request, _("已更新 %(n)d 行。") % {"n": form.result})
        if not request.headers.get("HX-Request"):
            return redirect(f"{request.path.rsplit('decide/', 1)[0]}?{form.cleaned_data['query']}")
    context = _review_context(request, review, decide_form=None if done else form)
    status = 200 if done else form.status_code
    if request.headers.get("HX-Request"):
        return render(request, "qualification/review.html#workspace", context, status=status)
    return render(request, "qualification/review.html", context, status=status)


def _review_act(request, pk: int, form_class, call, done_message, **form_kwargs):
    """One review action: the form validates, `call(review, data)` is the one service; a refusal renders the
    review again with the error (status 400, or 403 when the service refused the user)."""
    review = selectors.review_get(user=request.user, pk=pk)
    form = form_class(request.POST, **form_kwargs)
    if submit(form, lambda d: call(review, d)):
        messages.success(request, done_message(form.result) if callable(done_message) else done_message)
        return redirect("qualification:review", pk=review.pk)
    return render(request, "qualification/review.html", _review_context(request, review, refused=form),
                  status=form.status_code)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_POST
def review_redraft(request, pk: int):
    """A5.1: the draft regenerated from the latest data (decisions kept)."""
    return _review_act(request, pk, forms.NoInputForm,
                       lambda r, d: services.review_draft(actor=request.user, review=r),
                       lambda counts: _("草稿已按最新数据更新：新增 %(n)d 行，%(r)d 行依据有变化。")
                       % {"n": counts.get("new", 0), "r": counts.get("refreshed", 0)})


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_POST
def review_add(request, pk: int):
    """A5.1: a customer the draft did not list, found among the customers the user can see."""
    return _review_act(request, pk, forms.CandidateAddForm,
                       lambda r, d: services.candidate_add(actor=request.user, review=r, customer=d["customer"]),
                       lambda cand: _("已添加「%(c)s」。") % {"c": cand.customer},
                       customers=customers_visible(user=request.user))


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_POST
def review_submit(request, pk: int):
    return _review_act(request, pk, forms.NoInputForm,
                       lambda r, d: services.review_submit(actor=request.user, review=r), _("已提交管理层审批。"))


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_POST
def review_approve(request, pk: int):
    """A5.1 approval by management (refused while A9.1 blockers remain)."""
    return _review_act(request, pk, forms.NoInputForm,
                       lambda r, d: services.review_approve(actor=request.user, review=r),
                       _("已批准，认定结果已生效。"))


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_POST
def review_return(request, pk: int):
    return _review_act(request, pk, forms.ReturnForm,
                       lambda r, d: services.review_return(actor=request.user, review=r, comment=d["comment"]),
                       _("已退回销售部。"))


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
def review_export(request, pk: int):
    from kam.exchange.export import ExportColumn, export_response_name, export_xlsx

    review = selectors.review_get(user=request.user, pk=pk)
    # what the page shows (its filters and sort, every page of it)
    rows, _applied, _sort = filter_and_sort(_candidate_spec(request), request.GET.copy(),
                                            workspace.candidates(user=request.user, review=review))
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


def _portfolios_page(request, form: ActionForm | None = None):
    cap = int(policy_in_force(at=timezone.now())["portfolio.max_accounts_per_manager"])
    loads = selectors.manager_loads()
    managers = [(m, loads.get(m.pk, 0)) for m in account_managers()]
    keys = selectors.key_accounts(user=request.user).order_by("account_manager__username", "name")
    return render(request, "qualification/portfolios.html", {
        "managers": managers, "cap": cap, "keys": keys, "all_managers": account_managers(), "form": form},
        status=form.status_code if form is not None else 200)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_safe
def portfolios(request):
    """A9.1/A9.2: every manager's load (n of the cap) and handovers."""
    return _portfolios_page(request)


@role_required(Role.HEAD_OF_SALES)
@require_POST
def portfolio_handover(request):
    """A9.2 handover to another account manager; the A9.1 cap refuses a manager who is full."""
    form = forms.HandoverForm(request.POST, customers=customers_visible(user=request.user))
    if submit(form, lambda d: services.portfolio_assign(actor=request.user, **d)):
        messages.success(request, _("已将「%(c)s」交接给 %(m)s。") % {
            "c": form.cleaned_data["customer"], "m": form.cleaned_data["manager"]})
        return redirect("qualification:portfolios")
    return _portfolios_page(request, form)


def _midyear_page(request, form: ActionForm | None = None):
    return render(request, "qualification/midyear.html", {
        "flags": selectors.flags(user=request.user).filter(resolved_by__isnull=True)[:200],
        "proposals": selectors.proposals(user=request.user)[:100],
        "form": form if isinstance(form, forms.ProposalForm)
        else forms.ProposalForm(customers=customers_visible(user=request.user)),
        "refused": form, "pending": ProposalStatus.PENDING, "managers": account_managers()},
        status=form.status_code if form is not None else 200)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
@require_safe
def midyear(request):
    """A5.2: the monthly flags and the proposals with their facts."""
    return _midyear_page(request)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
@require_POST
def proposal_create(request):
    """A5.2: sales proposes an exceptional inclusion or a removal, or records why a flagged account stays."""
    form = forms.ProposalForm(request.POST, customers=customers_visible(user=request.user))
    if submit(form, lambda d: services.proposal_create(actor=request.user, **d)):
        messages.success(request, _("已保存。"))
        return redirect("qualification:midyear")
    return _midyear_page(request, form)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)
@require_POST
def proposal_decide(request, proposal_id: int):
    """A5.2: management approves or rejects a pending proposal."""
    proposal = get_object_or_404(selectors.proposals(user=request.user), pk=proposal_id)
    form = forms.ProposalDecideForm(request.POST)
    if submit(form, lambda d: services.proposal_decide(actor=request.user, proposal=proposal, **d)):
        messages.success(request, _("已保存。"))
        return redirect("qualification:midyear")
    return _midyear_page(request, form)


@role_required(Role.HEAD_OF_SALES)
@require_POST
def tiers_recompute(request):
    result = services.tiers_recompute(actor=request.user)
    messages.success(request, _("已重新计算层级：%(n)d 个大客户，%(c)d 个层级变化（A5.3）。")
                     % {"n": result["accounts"], "c": result["changed"]})
    return redirect("qualification:key_accounts")

