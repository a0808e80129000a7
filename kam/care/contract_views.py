"""Contract pages (A18.2): the company list (shared list component: expiring within N days, without a document),
one contract with its commercial terms (hidden when core until an explicit, recorded reveal, A7), recording and
editing (with the document: PDF or scan, checked by content and size), ending, and the document's download —
every read through the contracts selector, every write through its service."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST, require_safe

from kam.care import contracts as svc
from kam.care.forms import CustomerChoiceForm
from kam.core.access import role_required
from kam.core.errors import AccessDenied
from kam.core.inputs import ActionForm, submit
from kam.core.lists import list_context
from kam.customers.models import ContractKind
from kam.customers.selectors import customers_visible
from kam.users.models import Role

READERS = (Role.ACCOUNT_MANAGER, *svc.ALL_CONTRACTS_ROLES)
DATE = {"type": "date"}


class ContractForm(ActionForm):
    number = forms.CharField(label=_l("合同编号"), max_length=60)
    kind = forms.ChoiceField(label=_l("合同类型"), choices=ContractKind.choices)
    signed_on = forms.DateField(label=_l("签订日期"), required=False,
                                widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    start_on = forms.DateField(label=_l("开始日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    end_on = forms.DateField(label=_l("结束日期"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    amount_ceiling = forms.DecimalField(label=_l("金额上限（元）"), required=False, min_value=0, max_digits=16,
                                        decimal_places=2)
    payment_terms = forms.CharField(label=_l("付款条件"), required=False, max_length=4000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    terms_summary = forms.CharField(label=_l("条款摘要"), required=False, max_length=4000,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    document = forms.FileField(label=_l("合同文件（PDF 或扫描件）"), required=False)
    draft = forms.BooleanField(label=_l("草稿（尚未签订）"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class EndForm(ActionForm):
    ended_on = forms.DateField(label=_l("终止日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    reason = forms.CharField(label=_l("终止原因"), max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "end-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@role_required(*READERS)
@require_safe
def contract_list(request):
    """A18.2: every contract the user may see; filters: expiring within N days, without a document."""
    context = list_context(request, svc.contract_list_spec(), svc.contracts_visible(user=request.user))
    context["may_add"] = request.user.has_role(*svc.EDITORS)
    return render(request, "care/contract_list.html", context)


def _page(request, c, *, form: ActionForm | None = None, terms=None, status: int = 200):
    user = request.user
    commitments = list(c.commitments.only("id", "kind", "state", "description", "customer_id").order_by("-id")[:20]) \
        if user.has_role(Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT) else []
    return render(request, "care/contract_detail.html", {
        "c": c, "terms": terms or svc.terms_of(user=user, contract=c), "may_edit": svc.may_edit(user, c.customer)
        and c.state != "terminated", "end_form": form or EndForm(), "refused": form, "commitments": commitments},
        status=status)


@role_required(*READERS)
@require_safe
def contract_detail(request, pk: int):
    return _page(request, svc.contract_get(user=request.user, pk=pk))


def _customers(request):
    customers = customers_visible(user=request.user).order_by("name")
    if not request.user.has_role(Role.HEAD_OF_SALES):
        customers = customers.filter(account_manager=request.user)
    return customers


@role_required(*svc.EDITORS)
def contract_new(request):
    """A18.2: record a contract for one of the user's accounts (choose the account first)."""
    chooser = CustomerChoiceForm(request.GET or None, customers=_customers(request))
    if not chooser.is_bound or not chooser.is_valid():
        return render(request, "care/gift_choose.html", {"chooser": chooser, "title": _("登记合同")},
                      status=400 if chooser.is_bound else 200)
    customer = chooser.cleaned_data["customer"]
    form = ContractForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if submit(form, lambda d: svc.contract_save(actor=request.user, customer=customer, **d)):
            c = form.result
            messages.success(request, _("合同 %(n)s 已登记（%(s)s）。") % {"n": c.number, "s": c.status_label})
            return redirect("care:contract", pk=c.pk)
    return render(request, "care/contract_form.html", {"form": form, "customer": customer},
                  status=form.status_code if form.errors else 200)


@role_required(*svc.EDITORS)
def contract_edit(request, pk: int):
    """A18.2: correct a contract (a terminated one is history). Core terms are never put in the form: left
    empty, they are kept."""
    c = svc.contract_get(user=request.user, pk=pk)
    if not svc.may_edit(request.user, c.customer):
        raise Http404("contract not editable")
    core = svc.core_terms()
    initial = {f: getattr(c, f) for f in ("number", "kind", "signed_on", "start_on", "end_on", "amount_ceiling")}
    initial.update({name: getattr(c, name) for name in ("payment_terms", "terms_summary") if name not in core})
    initial["draft"] = c.state == "draft"
    form = ContractForm(request.POST or None, request.FILES or None, initial=initial)
    for name in core:
        form.fields[name].help_text = _("核心数据：留空则保持原值。")

    def save(d):
        for name in core:
            if not d.get(name):
                d[name] = getattr(c, name)
        return svc.contract_save(actor=request.user, customer=c.customer, contract=c, **d)

    if request.method == "POST" and submit(form, save):
        messages.success(request, _("合同 %(n)s 已修改。") % {"n": form.result.number})
        return redirect("care:contract", pk=c.pk)
    return render(request, "care/contract_form.html", {"form": form, "customer": c.customer, "c": c},
                  status=form.status_code if form.errors else 200)


@role_required(*svc.EDITORS)
@require_POST
def contract_end(request, pk: int):
    """A18.2: end a contract early, with the day and why."""
    c = svc.contract_get(user=request.user, pk=pk)
    form = EndForm(request.POST)
    if submit(form, lambda d: svc.contract_end(actor=request.user, contract=c, **d)):
        messages.success(request, _("合同 %(n)s 已于 %(d)s 终止。") % {"n": c.number, "d": form.result.end_on})
        return redirect("care:contract", pk=c.pk)
    return _page(request, c, form=form, status=form.status_code)


@role_required(*READERS)
@require_POST
def contract_reveal(request, pk: int):
    """A7.1: show a contract's core terms (head of sales, management); each reveal is recorded (A7.2)."""
    c = svc.contract_get(user=request.user, pk=pk)
    try:
        terms = svc.contract_reveal(user=request.user, contract=c)
    except AccessDenied as exc:
        messages.error(request, str(exc.message))
        return _page(request, c, status=getattr(exc, "retry_after", None) and 429 or 403)
    return _page(request, c, terms=terms)


@role_required(*READERS)
@require_safe
def contract_document(request, pk: int):
    """A18.2: the signed document, for who sees the contract; when its terms are core, it is core too: only the
    roles that see core data download it, and each download is recorded (A7.2)."""
    c = svc.contract_get(user=request.user, pk=pk)
    if not c.document:
        raise Http404("no document")
    if svc.core_terms():
        try:
            svc.contract_reveal(user=request.user, contract=c)
        except AccessDenied:
            raise Http404("document is core") from None
    name = c.document.name.rsplit("/", 1)[-1]
    return FileResponse(c.document.open("rb"), as_attachment=True, filename=name)
