"""Gift register pages (A14.2): the list (shared list component), registration (a customer first, then the gift
for one of its people with each person's total for the year beside the form), the gift page with the approval
and "given" actions, and the refused attempts for management and the head of sales (A3). A refused gift renders
the form again with status 400, the refusal next to its field and what was typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.care import forms, selectors, services
from kam.care.gates import Limits, yuan
from kam.care.lists import commitment_spec, gift_spec, occasion_spec, refusal_spec
from kam.care.models import Gift, GiftState
from kam.care.occasion_selectors import customs_for
from kam.core.access import role_required
from kam.core.inputs import ActionForm, submit
from kam.core.lists import list_context
from kam.customers.models import Contact
from kam.customers.selectors import customer_get, customers_visible
from kam.obligations.contributions import annotate
from kam.policy.selectors import policy_in_force
from kam.users.models import Role

CHAIN = (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT)


def _limits() -> Limits:
    return Limits.of(policy_in_force(at=timezone.now()))


@role_required(*CHAIN)
@require_safe
def gift_list(request):
    context = list_context(request, gift_spec(), selectors.gifts_visible(user=request.user))
    context.update(limits=_limits(), may_register=request.user.has_role(*services.GIVERS),
                   sees_refusals=request.user.has_role(*selectors.REFUSAL_ROLES))
    return render(request, "care/gift_list.html", context)


@role_required(*services.GIVERS)
def gift_new(request):
    """Step one without `?customer=`: choose the account; step two: the gift for one of its people."""
    customers = customers_visible(user=request.user).order_by("name")
    if request.user.has_role(Role.ACCOUNT_MANAGER) and not request.user.has_role(Role.HEAD_OF_SALES):
        customers = customers.filter(account_manager=request.user)
    chooser = forms.CustomerChoiceForm(request.GET or None, customers=customers)
    if not chooser.is_bound:
        return render(request, "care/gift_choose.html", {"chooser": chooser})
    if not chooser.is_valid():
        return render(request, "care/gift_choose.html", {"chooser": chooser}, status=400)
    customer = chooser.cleaned_data["customer"]
    recipients = Contact.objects.filter(customer=customer, anonymised_at__isnull=True).order_by(
        "-is_decision_maker", "name", "id")
    initial = {"occasion": request.GET["occasion"][:100]} if request.GET.get("occasion") else {}
    form = forms.GiftForm(request.POST if request.method == "POST" else None,
                          request.FILES if request.method == "POST" else None, recipients=recipients, initial=initial)
    if request.method == "POST":
        if submit(form, lambda d: services.gift_register(actor=request.user, customer=customer, **d)):
            gift = form.result
            if gift.state == GiftState.AWAITING_APPROVAL:
                text = _("礼品已登记：%(item)s %(total)s，超过审批门槛 %(over)s，已提交%(role)s审批；批准后才能赠送"
                         "（A14.2）。") % {"item": gift.item, "total": yuan(gift.total_value),
                                           "over": yuan(_limits().approval_over),
                                           "role": Role(services.approver_role(gift)).label}
            else:
                text = _("礼品已登记：%(item)s %(total)s，无需审批；赠送后请点「已赠送」（A14.2）。") % {
                    "item": gift.item, "total": yuan(gift.total_value)}
            messages.success(request, text)
            return redirect("care:gift", pk=gift.pk)
    year = timezone.localdate().year
    if form.is_bound and getattr(form, "cleaned_data", {}).get("planned_on"):
        year = form.cleaned_data["planned_on"].year
    limits = _limits()
    context = {"form": form, "customer": customer, "limits": limits, "year": year,
               "totals": selectors.recipient_year_totals(user=request.user, customer=customer, year=year,
                                                         limit=limits.per_recipient_year)}
    context["customs"] = customs_for(customer=customer)  # A14.1: the customs beside the gift form
    return render(request, "care/gift_new.html", context, status=form.status_code if form.errors else 200)


def _gift_page(request, gift: Gift, *, action: str = "", form: ActionForm | None = None):
    user = request.user
    action_forms: dict[str, ActionForm] = {"decide": forms.DecideForm(), "given": forms.GivenForm(),
                                           "photo": forms.GiftPhotoForm()}
    if form is not None:
        action_forms[action] = form
    may_decide = (gift.state == GiftState.AWAITING_APPROVAL and user.has_role(services.approver_role(gift))
                  and user.pk != gift.giver_id)
    may_give = (gift.state in (GiftState.REGISTERED, GiftState.APPROVED)
                and (user.has_role(Role.HEAD_OF_SALES) or user.pk in (gift.giver_id, gift.customer.account_manager_id)))
    return render(request, "care/gift_detail.html", {
        "gift": gift, "forms": action_forms, "refused": form, "may_decide": may_decide, "may_give": may_give,
        "approver": Role(services.approver_role(gift)).label,
        "year_total": services.year_total(recipient=gift.recipient, year=gift.year), "limits": _limits(),
        "refusals": list(gift.refusals.select_related("actor")) if user.has_role(*selectors.REFUSAL_ROLES) else [],
        "may_photo": gift.state != GiftState.REJECTED and (
            user.has_role(Role.HEAD_OF_SALES) or user.pk in (gift.giver_id, gift.customer.account_manager_id))},
        status=form.status_code if form is not None else 200)


@role_required(*CHAIN)
@require_safe
def gift_detail(request, pk: int):
    return _gift_page(request, selectors.gift_get(user=request.user, pk=pk))


def _act_on(request, pk: int, *, get, page, url_name: str, action: str, form_class, call, done):
    """One action on a record's page: read it through its selector, validate the form, call the service, confirm
    what changed; a refused form re-renders the page with what was typed."""
    obj = get(user=request.user, pk=pk)
    form = form_class(request.POST)
    if submit(form, lambda d: call(obj, d)):
        obj = get(user=request.user, pk=pk)
        messages.success(request, done(obj))
        return redirect(url_name, pk=obj.pk)
    return page(request, obj, action=action, form=form)


def _act(request, pk: int, action: str, form_class, call, done):
    return _act_on(request, pk, get=selectors.gift_get, page=_gift_page, url_name="care:gift", action=action,
                   form_class=form_class, call=call, done=done)


@role_required(*CHAIN)
@require_POST
def gift_decide(request, pk: int):
    """A14.2: approve or reject a gift above the approval threshold."""
    return _act(request, pk, "decide", forms.DecideForm, lambda g, d: services.gift_decide(
        actor=request.user, gift=g, approve=d["decision"] == "approve", note=d["note"]),
        lambda g: (_("已批准：%(who)s 现在可以赠送并点「已赠送」（A14.2）。") if g.state == GiftState.APPROVED
                   else _("已驳回：该礼品不能赠送，登记人已收到通知（A14.2）。")) % {"who": g.giver})


@role_required(*CHAIN)
@require_POST
def gift_given(request, pk: int):
    """A14.2: the gift was given."""
    return _act(request, pk, "given", forms.GivenForm, lambda g, d: services.gift_mark_given(
        actor=request.user, gift=g, given_on=d["given_on"]),
        lambda g: _("已记录：%(date)s 赠送给 %(who)s。%(year)s 年该受礼人礼品累计 %(total)s（上限 %(max)s）。") % {
            "date": g.given_on, "who": g.recipient.name, "year": g.year,
            "total": yuan(services.year_total(recipient=g.recipient, year=g.year)),
            "max": yuan(_limits().per_recipient_year)})


@role_required(*selectors.REFUSAL_ROLES)
@require_safe
def refusal_list(request):
    """A14.2, A3: every refused attempt — who tried what, when, and why."""
    context = list_context(request, refusal_spec(), selectors.refusals_visible(user=request.user))
    return render(request, "care/refusal_list.html", context)




# --- A14.1 occasions ----------------------------------------------------------------------------------------

@role_required(*CHAIN)
@require_safe
def occasion_list(request):
    """A14.1: the occasions listed now and recently past, with what was done (the giver's chain only)."""
    context = list_context(request, occasion_spec(), selectors.occasions_listed(user=request.user))
    annotate(list(context["page"]))  # A14.1: the customs beside each occasion (two queries)
    context["lead"] = int(policy_in_force(at=timezone.now())["care.remind_days_before"])
    return render(request, "care/occasion_list.html", context)


def _occasion_page(request, customer, occasion, *, form=None):
    from kam.care.models import GiftState

    action = selectors.care_actions_of(customer=customer, keys=[occasion.key]).get(occasion.key)
    gifts = selectors.gifts_visible(user=request.user).filter(customer=customer).exclude(state=GiftState.REJECTED)
    may_act = request.user.has_role(Role.HEAD_OF_SALES) or customer.account_manager_id == request.user.pk
    bound = form is not None
    form = form or forms.CareActionForm(gifts=gifts)
    days = (occasion.on - timezone.localdate()).days
    contact = Contact.objects.filter(pk=occasion.contact_id).only("name", "title").first() if occasion.contact_id else None
    customs = customs_for(customer=customer, contact_ids=[occasion.contact_id])  # A14.1
    return render(request, "care/occasion_detail.html", {
        "customs": customs,
        "customer": customer, "occasion": occasion, "action": action, "form": form, "may_act": may_act,
        "refused": form if bound else None, "days_left": days, "days_ago": -days, "contact": contact},
        status=form.status_code if bound else 200)


@role_required(*CHAIN)
def occasion_detail(request, pk: int, key: str):
    """A14.1: one occasion of an account and its care action (recorded here)."""
    from kam.care.models import GiftState

    customer = customer_get(user=request.user, pk=pk)
    occasion = services.occasion_find(customer=customer, key=key)
    if occasion is None:
        raise Http404("occasion not found")
    if request.method != "POST":
        return _occasion_page(request, customer, occasion)
    gifts = selectors.gifts_visible(user=request.user).filter(customer=customer).exclude(state=GiftState.REJECTED)
    form = forms.CareActionForm(request.POST, gifts=gifts)
    if submit(form, lambda d: services.care_action_record(actor=request.user, customer=customer, key=key, **d)):
        action = form.result
        messages.success(request, _("已记录「%(title)s」的关怀：%(kind)s（A14.1）。") % {
            "title": occasion.title, "kind": action.get_kind_display()})
        return redirect("care:occasion", pk=customer.pk, key=key)
    return _occasion_page(request, customer, occasion, form=form)


@role_required(*services.GIVERS)
def occasion_new(request):
    """A14.1: an occasion the account manager adds for one of their accounts."""
    customers = customers_visible(user=request.user).order_by("name")
    if not request.user.has_role(Role.HEAD_OF_SALES):
        customers = customers.filter(account_manager=request.user)
    chooser = forms.CustomerChoiceForm(request.GET or None, customers=customers)
    if not chooser.is_bound:
        return render(request, "care/gift_choose.html", {"chooser": chooser, "title": _("添加重要日子")})
    if not chooser.is_valid():
        return render(request, "care/gift_choose.html", {"chooser": chooser, "title": _("添加重要日子")}, status=400)
    customer = chooser.cleaned_data["customer"]
    contacts = Contact.objects.filter(customer=customer, anonymised_at__isnull=True).order_by("-is_decision_maker",
                                                                                             "name")
    form = forms.OccasionForm(request.POST if request.method == "POST" else None, contacts=contacts)
    if request.method == "POST":
        if submit(form, lambda d: services.occasion_add(actor=request.user, customer=customer, **d)):
            messages.success(request, _("已添加「%(title)s」（%(on)s），到时将提前列在「我的一天」（A14.1）。") % {
                "title": form.result.title, "on": form.result.on})
            return redirect("care:occasions")
    return render(request, "care/occasion_new.html", {"form": form, "customer": customer},
                  status=form.status_code if form.errors else 200)


# --- A18.1 commitments --------------------------------------------------------------------------------------

COMMITMENT_ROLES = (*CHAIN, Role.FINANCE, Role.AFTER_SALES, Role.MARKETING)


@role_required(*COMMITMENT_ROLES)
@require_safe
def commitment_list(request):
    context = list_context(request, commitment_spec(), selectors.commitments_visible(user=request.user))
    context["may_register"] = request.user.has_role(*services.GIVERS)
    return render(request, "care/commitment_list.html", context)


@role_required(*services.GIVERS)
def commitment_new(request):
    """A18.1: register a commitment for one of the user's accounts; its department approves it first."""
    customers = customers_visible(user=request.user).order_by("name")
    if not request.user.has_role(Role.HEAD_OF_SALES):
        customers = customers.filter(account_manager=request.user)
    chooser = forms.CustomerChoiceForm(request.GET or None, customers=customers)
    if not chooser.is_bound or not chooser.is_valid():
        return render(request, "care/gift_choose.html", {"chooser": chooser, "title": _("登记客户承诺")},
                      status=400 if chooser.is_bound else 200)
    customer = chooser.cleaned_data["customer"]
    form = forms.CommitmentForm(request.POST if request.method == "POST" else None, customer=customer)
    if request.method == "POST":
        if submit(form, lambda d: services.commitment_register(actor=request.user, customer=customer, **d)):
            c = form.result
            messages.success(request, _("承诺已登记并提交%(d)s审批；批准前请勿告知客户（A18.1）。") % {
                "d": c.get_department_display()})
            return redirect("care:commitment", pk=c.pk)
    return render(request, "care/commitment_new.html", {"form": form, "customer": customer},
                  status=form.status_code if form.errors else 200)


def _commitment_page(request, c, *, action: str = "", form: ActionForm | None = None):
    from kam.care.models import CommitmentState

    action_forms: dict[str, ActionForm] = {"decide": forms.DecideForm(), "done": forms.NoteForm()}
    if form is not None:
        action_forms[action] = form
    role = services.DEPARTMENT_ROLE[c.department]
    return render(request, "care/commitment_detail.html", {
        "c": c, "forms": action_forms, "refused": form,
        "may_decide": c.state == CommitmentState.PENDING and request.user.has_role(role),
        "may_done": c.state == CommitmentState.APPROVED and request.user.has_role(role, Role.HEAD_OF_SALES)},
        status=form.status_code if form is not None else 200)


@role_required(*COMMITMENT_ROLES)
@require_safe
def commitment_detail(request, pk: int):
    return _commitment_page(request, selectors.commitment_get(user=request.user, pk=pk))


def _commitment_act(request, pk: int, action: str, form_class, call, done):
    return _act_on(request, pk, get=selectors.commitment_get, page=_commitment_page, url_name="care:commitment",
                   action=action, form_class=form_class, call=call, done=done)


@role_required(*COMMITMENT_ROLES)
@require_POST
def commitment_decide(request, pk: int):
    """A18.1: the department that must keep it approves or refuses (with a reason)."""
    return _commitment_act(request, pk, "decide", forms.DecideForm, lambda c, d: services.commitment_decide(
        actor=request.user, commitment=c, approve=d["decision"] == "approve", note=d["note"]),
        lambda c: _("已%(state)s，申请人已收到通知（A18.1）。") % {"state": c.get_state_display()})


@role_required(*COMMITMENT_ROLES)
@require_POST
def commitment_done(request, pk: int):
    """A18.1: the approved commitment was kept."""
    return _commitment_act(request, pk, "done", forms.NoteForm, lambda c, d: services.commitment_done(
        actor=request.user, commitment=c, note=d["note"]), lambda c: _("已确认兑现（A18.1）。"))


@role_required(Role.MANAGEMENT)
@require_safe
def integrity(request):
    """A3: the integrity side of the programme in one place for management; each figure links to its records."""
    return render(request, "care/integrity.html", selectors.integrity(user=request.user))
