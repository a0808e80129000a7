from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_POST

from kam.audit.services import audit_log
from kam.core.access import login_required
from kam.customers import selectors
from kam.customers.models import AccountAssignment, CustomerType
from kam.orders.selectors import customer_orders
from kam.qualification.selectors import customer_designations, customer_tier_history
from kam.receivables.selectors import customer_invoices

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
    context = {"page": page, "q": q, "type": ctype, "city": city, "tier": tier, "types": CustomerType.choices,
               "cities": selectors.customer_cities(user=request.user), "query": query.urlencode()}
    if request.headers.get("HX-Request"):
        return render(request, "customers/list.html#results", context)
    return render(request, "customers/list.html", context)


@login_required
def customer_detail(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    context = {
        "customer": customer,
        "cooperation_start": selectors.cooperation_start(customer=customer),
        "contacts": selectors.customer_contacts(user=request.user, customer=customer),
        "floor_price_series": selectors.customer_floor_price_series(customer=customer),
        "sees_core": request.user.sees_core_data,
        "contracts": selectors.customer_contracts(user=request.user, customer=customer),
        "orders": customer_orders(user=request.user, customer_id=customer.pk)[:20],
        "invoices": customer_invoices(user=request.user, customer_id=customer.pk)[:20],
        "assignments": AccountAssignment.objects.filter(customer=customer).select_related("manager"),
        "designations": customer_designations(user=request.user, customer=customer),
        "tier_history": customer_tier_history(user=request.user, customer=customer),
        "group": selectors.group_members(user=request.user, customer=customer)
        if customer.parent_id or customer.members.exists() else None,
    }
    return render(request, "customers/detail.html", context)


@login_required
@require_POST
def reveal_core(request, pk: int, what: str):
    """Reveal core data on demand (A7.1); each reveal is audited with the field names, never values (A7.2)."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    if what not in ("floor_prices", "contacts"):
        return render(request, "customers/_reveal_denied.html", status=404)
    if not request.user.sees_core_data:
        audit_log(actor=request.user, action="core.reveal.denied", target=customer, rule="A7.2",
                  changes={"what": what})
        return render(request, "customers/_reveal_denied.html", status=403)
    if what == "floor_prices":
        prices = selectors.customer_floor_prices(user=request.user, customer=customer) or []
        audit_log(actor=request.user, action="core.reveal", target=customer, rule="A7.2",
                  changes={"fields": ["floor_price." + p.product_series for p in prices]})
        return render(request, "customers/_floor_prices.html", {"prices": prices})
    contacts = [c for c in selectors.customer_contacts(user=request.user, customer=customer) if c.is_decision_maker]
    audit_log(actor=request.user, action="core.reveal", target=customer, rule="A7.2",
              changes={"fields": [f"contact.{c.id}.{f}" for c in contacts for f in ("phone", "wechat", "email")]})
    return render(request, "customers/_dm_channels.html", {"contacts": contacts})
