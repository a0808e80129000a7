from django.core.paginator import Paginator
from django.shortcuts import render

from kam.core.access import login_required
from kam.customers import selectors
from kam.customers.models import CustomerType

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
