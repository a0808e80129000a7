"""The customer pages: the list, the dossier (A6.1) with in-place edits (htmx), freshness confirmations (A6.2),
reveals of core data (A7.1, A7.2) and the print view."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST, require_safe

from kam.confidentiality import classification as confidentiality
from kam.confidentiality.services import RevealThrottled, record_access, reveal_check, reveal_denied
from kam.core.access import login_required
from kam.core.inputs import ActionForm, submit
from kam.customers.models import Contact, CustomerType
from kam.customers.selectors import customer_cities, customer_floor_prices
from kam.dossier import selectors, services
from kam.dossier.activity import header_figures, timeline_view
from kam.dossier.forms import (
    EDITABLE,
    SECTION_FORMS,
    AnonymiseForm,
    ContactForm,
    FloorPriceForm,
    LicenseForm,
)
from kam.dossier.models import FRESHNESS_SECTIONS, Section
from kam.dossier.selectors import customer_page_get as customer_get
from kam.users.models import Role


def _context(request, customer, *, page: bool = True):
    """The dossier's context; `page`: with the header figures and the activity timeline (not for printing)."""
    now = timezone.now()
    d = selectors.dossier(user=request.user, customer=customer, now=now)
    obligations, alerts = d.obligations, d.alerts
    chart = {"name": _("年度采购额"), "labels": [str(y) for y, _s in d.yearly], "values": [float(s) for _y, s in d.yearly]}
    figures = header_figures(user=request.user, customer=customer, now=now, obligations=obligations,
                             designations=d.designations, tier_history=d.tier_history) if page else []
    return {"d": d, "customer": customer, "obligations": obligations, "alerts": alerts, "chart": chart,
            "figures": figures,
            "tl": timeline_view(user=request.user, customer=customer, params=request.GET, people=d.people)
            if page else None,
            "can_edit": services.may_edit_dossier(request.user, customer), "sees_core": request.user.sees_core_data,
            "is_head": request.user.has_role(Role.HEAD_OF_SALES), "freshness": FRESHNESS_SECTIONS,
            "types": CustomerType, "channel_labels": CHANNEL_LABELS}


#: the contact channels' column labels (the phone layout shows them before each value)
CHANNEL_LABELS = {"phone": _l("电话"), "wechat": _l("微信"), "email": _l("邮箱")}


@login_required
def activity(request, pk: int):
    """The customer's activity timeline, a page at a time (newest first, "更多" for older): as a fragment for
    htmx (the entries and the next "更多" link), or as a page of its own."""
    customer = customer_get(user=request.user, pk=pk)
    tl = timeline_view(user=request.user, customer=customer, params=request.GET)
    context = {"customer": customer, "tl": tl}
    if request.headers.get("HX-Request"):
        return render(request, "dossier/_timeline_entries.html", context)
    return render(request, "dossier/activity.html", context)


@login_required
def dossier(request, pk: int):
    customer = customer_get(user=request.user, pk=pk)
    return render(request, "dossier/dossier.html", _context(request, customer))


def _refused(request, customer, form: ActionForm, name: str):
    """The dossier again with a refused form's errors (status 400, or 403 when the service refused the user);
    `name` is the form's slot on the page, so what was typed stays (never a floor price, A7.1)."""
    context = _context(request, customer)
    context.update({"refused": form, name: form})
    return render(request, "dossier/dossier.html", context, status=form.status_code)


@login_required
def section_edit(request, pk: int, section: str):
    customer = customer_get(user=request.user, pk=pk)
    if section not in SECTION_FORMS:
        raise Http404
    if not services.may_edit_dossier(request.user, customer):
        raise Http404
    names = EDITABLE[section]
    hidden = {n for n in names if f"customers.Customer.{n}" in confidentiality.core_fields()}
    status = 200
    if request.method == "POST":
        form = SECTION_FORMS[section](request.POST)
        # core fields are never sent to the browser (A7.1): left empty, they keep their value
        if submit(form, lambda d: services.dossier_update(actor=request.user, customer=customer, **{
                n: d[n] for n in names if not (n in hidden and not d[n])})):
            customer.refresh_from_db()
            context = _context(request, customer, page=False)
            return render(request, f"dossier/dossier.html#{section}", context)
        status = form.status_code
    else:
        form = SECTION_FORMS[section](initial={n: getattr(customer, n) for n in names if n not in hidden})
    for n in hidden:
        form.fields[n].help_text = _("核心数据，不在此显示；留空则保持不变。")
    return render(request, "dossier/_section_form.html", {"form": form, "customer": customer, "section": section},
                  status=status)


@login_required
@require_POST
def section_confirm(request, pk: int, section: str):
    customer = customer_get(user=request.user, pk=pk)
    if section not in FRESHNESS_SECTIONS:
        raise Http404
    form = ActionForm(request.POST)
    if submit(form, lambda d: services.section_confirm(actor=request.user, customer=customer, section=section)):
        messages.success(request, _("已确认「%(s)s」无变化（A6.2）。") % {"s": Section(section).label})
    else:
        messages.error(request, " ".join(m for _label, m in form.labelled_errors()))
    if request.headers.get("HX-Request"):
        return render(request, f"dossier/dossier.html#{section}", _context(request, customer, page=False))
    return redirect("customers:detail", pk=customer.pk)


@login_required
def contact_form(request, pk: int, contact_id: int | None = None):
    """Add or edit a contact (account manager of the account, head of sales). Existing core channels are never
    sent back to the browser: leave a channel empty to keep it."""
    customer = customer_get(user=request.user, pk=pk)
    if not services.may_edit_dossier(request.user, customer):
        raise Http404
    contact = get_object_or_404(Contact, pk=contact_id, customer=customer) if contact_id else None
    initial = {"name": contact.name, "title": contact.title, "is_decision_maker": contact.is_decision_maker,
               "customs_note": contact.customs_note} if contact else {}
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if contact is not None and not request.user.has_role(Role.HEAD_OF_SALES):
        form.fields["is_decision_maker"].disabled = True  # A7.1: only the head of sales changes it
    if request.method == "POST":
        if submit(form, lambda d: _contact_save(request, customer, contact, d)):
            messages.success(request, (_("已添加联系人「%(n)s」。") if contact is None else _("已保存联系人「%(n)s」。")) % {
                "n": form.cleaned_data["name"]})
            return redirect("customers:detail", pk=customer.pk)
        return render(request, "dossier/contact_form.html", {"form": form, "customer": customer,
                                                             "contact": contact}, status=form.status_code)
    return render(request, "dossier/contact_form.html", {"form": form, "customer": customer, "contact": contact})


def _contact_save(request, customer, contact, data: dict) -> None:
    if contact is None:
        from kam.customers.services import contact_create

        contact_create(actor=request.user, customer=customer, **data)
        services.stamp(actor=request.user, customer=customer, sections=[Section.CONTACTS], confirmed=False)
    else:
        values = {k: v for k, v in data.items() if k not in ("phone", "wechat", "email") or v}
        services.contact_update(actor=request.user, contact=contact, **values)


@login_required
@require_POST
def contact_anonymise(request, pk: int, contact_id: int):
    customer = customer_get(user=request.user, pk=pk)  # 404 first: no hint that another manager's account exists
    if not request.user.has_role(Role.HEAD_OF_SALES):
        raise PermissionDenied
    contact = get_object_or_404(Contact, pk=contact_id, customer=customer)
    form = AnonymiseForm(request.POST)
    if submit(form, lambda d: services.contact_anonymise(actor=request.user, contact=contact, **d)):
        messages.success(request, _("联系人已匿名化为「%(n)s」：姓名与联系方式已清除，沟通历史保留。") % {
            "n": form.result.name})
        return redirect("customers:detail", pk=customer.pk)
    return _refused(request, customer, form, "anonymise_form")


@login_required
@require_POST
def license_add(request, pk: int):
    customer = customer_get(user=request.user, pk=pk)
    if not services.may_edit_dossier(request.user, customer):
        raise Http404
    form = LicenseForm(request.POST, request.FILES)
    if submit(form, lambda d: services.license_save(actor=request.user, customer=customer, **d)):
        lic = form.result
        messages.success(request, _("已添加证照「%(n)s」（有效期至 %(d)s），「基本信息」已记为本期更新（A6.2）。") % {
            "n": lic.name, "d": lic.expires_on.isoformat() if lic.expires_on else _("未填写")})
        return redirect("customers:detail", pk=customer.pk)
    return _refused(request, customer, form, "license_form")


@login_required
@require_POST
def floor_price_save(request, pk: int):
    """The head of sales sets a floor price (core data, A7.1); the audit names the series, never the price."""
    customer = customer_get(user=request.user, pk=pk)
    if not request.user.has_role(Role.HEAD_OF_SALES):
        raise PermissionDenied
    form = FloorPriceForm(request.POST)
    if submit(form, lambda d: _floor_price_save(request, customer, d)):
        messages.success(request, _("已保存「%(s)s」的底价（核心数据，仅销售部负责人与管理层可见，A7.1）。") % {
            "s": form.cleaned_data["series"]})
        return redirect("customers:detail", pk=customer.pk)
    return _refused(request, customer, form, "floor_price_form")


def _floor_price_save(request, customer, data: dict) -> None:
    from kam.customers.services import floor_price_set

    floor_price_set(actor=request.user, customer=customer, product_series=data["series"], price=data["price"])
    services.stamp(actor=request.user, customer=customer, sections=[Section.FLOOR_PRICES], confirmed=False)


@login_required
@require_POST
def reveal(request, pk: int, what: str):
    """A7.1 show action: core values on demand for the head of sales and management; each reveal (and each
    denied attempt) writes one access record without the value (A7.2)."""
    customer = customer_get(user=request.user, pk=pk)
    if what not in ("floor_prices", "contacts", "fields"):
        raise Http404
    masker = confidentiality.masker_for(request.user)
    if not masker.sees_core:
        reveal_denied(user=request.user, customer=customer, fields=[what])  # A7.2; alerts management on a burst
        return render(request, "dossier/_reveal_denied.html", status=403)
    try:
        reveal_check(user=request.user, customer=customer, fields=[what])  # the per-user limit (issue 12 §5)
    except RevealThrottled as exc:
        response = render(request, "dossier/_reveal_denied.html", {"message": exc.message}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if what == "floor_prices":
        prices = customer_floor_prices(user=request.user, customer=customer) or []
        record_access(user=request.user, customer=customer,
                                      fields=[f"floor_price:{p.product_series}" for p in prices])
        return render(request, "dossier/_floor_prices.html", {"prices": prices})
    if what == "contacts":
        rows = [r for r in selectors.contact_rows(masker=masker, customer=customer, reveal=True) if r.core]
        record_access(user=request.user, customer=customer,
                                      fields=[f"contact:{r.id}.{ch}" for r in rows for ch in r.core])
        return render(request, "dossier/_contact_channels.html", {"rows": rows})
    fields = [k.rsplit(".", 1)[1] for k in masker.core if k.startswith("customers.Customer.")]
    contracts = "customers.Contract.terms_summary" in masker.core
    record_access(user=request.user, customer=customer,
                                  fields=[f"customer.{f}" for f in fields] + (["contract.terms_summary"] if contracts else []))
    return render(request, "dossier/_fields.html", {
        "values": [(f, getattr(customer, f"get_{f}_display", lambda f=f: getattr(customer, f))()) for f in fields],
        "contracts": customer.contracts.all() if contracts else []})


@login_required
def print_view(request, pk: int):
    """A print view of the dossier; core values are printed only for the head of sales and management, and
    only when asked for (logged with channel print)."""
    customer = customer_get(user=request.user, pk=pk)
    context = _context(request, customer, page=False)
    include_core = request.GET.get("core") == "1" and request.user.sees_core_data
    if include_core:
        try:  # a print with core data is a reveal: the same per-user limit (issue 12 §5)
            reveal_check(user=request.user, customer=customer, fields=["floor_prices", "decision_makers"],
                         channel="print")
        except RevealThrottled as exc:
            include_core = False
            context["core_refused"] = exc.message
    if include_core:
        masker = context["d"].masker
        context["core_contacts"] = [r for r in selectors.contact_rows(masker=masker, customer=customer, reveal=True)
                                    if r.core]
        context["core_prices"] = customer_floor_prices(user=request.user, customer=customer) or []
        record_access(user=request.user, customer=customer, channel="print",
                                      fields=["floor_prices", "decision_makers"])
    context["include_core"] = include_core
    return render(request, "dossier/print.html", context)


PAGE_SIZE = 50


@login_required
def customer_list(request):
    q = request.GET.get("q", "").strip()
    ctype = request.GET.get("type", "")
    city = request.GET.get("city", "")
    tier = request.GET.get("tier", "")
    qs = selectors.customer_list(user=request.user, q=q, customer_type=ctype, city=city, tier=tier)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # enumeration labels and column titles translated once per page, not per row
    type_labels = {value: str(label) for value, label in CustomerType.choices}
    context = {"page": page, "q": q, "type": ctype, "city": city, "tier": tier, "types": list(type_labels.items()),
               "cities": customer_cities(user=request.user), "query": query.urlencode(),
               "type_labels": type_labels, "tier_labels": {"core": _("核心大客户"), "ordinary": _("普通大客户")},
               "labels": {"name": _("客户名称"), "type": _("类型"), "city": _("城市"), "group": _("所属集团"),
                          "manager": _("客户经理")}}
    if request.headers.get("HX-Request"):
        return render(request, "dossier/customer_list.html#results", context)
    return render(request, "dossier/customer_list.html", context)


@login_required
@require_safe
def license_file(request, pk: int, license_id: int):
    """A6.1: a licence's scan, for who sees the customer (scoped by the customer's selector)."""
    from django.http import FileResponse

    from kam.dossier.models import License

    customer = customer_get(user=request.user, pk=pk)
    lic = License.objects.filter(pk=license_id, customer=customer).exclude(file="").first()
    if lic is None:
        raise Http404("licence file not found")
    return FileResponse(lic.file.open("rb"), as_attachment=True, filename=lic.file.name.rsplit("/", 1)[-1])
