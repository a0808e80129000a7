from django.core.paginator import Paginator
from django.shortcuts import render

from kam.approvals import registry, selectors
from kam.core.access import login_required


@login_required
def waiting(request):
    """待我审批: every kind of approval waiting for me, oldest first, each one click from its decision."""
    page = Paginator(selectors.waiting_for(user=request.user), 50).get_page(request.GET.get("page"))
    kinds = registry.kinds()
    for a in page:
        a.kind_label = kinds[a.kind].label if a.kind in kinds else a.kind
    return render(request, "approvals/waiting.html", {"page": page})
