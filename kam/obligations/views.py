from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kam.core.access import login_required, role_required
from kam.core.errors import ApplicationError
from kam.core.redirects import safe_next
from kam.obligations import selectors, store
from kam.obligations.forms import AcknowledgeForm
from kam.obligations.models import StoredObligation
from kam.users.models import Role

#: A4: the departments that work from a queue, the role that works it, and the queue's name
QUEUES = {"after_sales": (Role.AFTER_SALES, gettext_lazy("售后服务部")),
          "marketing": (Role.MARKETING, gettext_lazy("市场部")), "finance": (Role.FINANCE, gettext_lazy("财务部"))}


@login_required
def my_day(request):
    day = selectors.my_day(user=request.user)
    accounts = sorted(((obs[0].customer_name, cid, obs) for cid, obs in day.accounts.items()), key=lambda x: x[0])
    return render(request, "obligations/my_day.html", {"day": day, "accounts": accounts,
                                                         "rule_counts": sorted(day.per_rule.items())})


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
def compliance(request):
    overview = selectors.compliance(user=request.user)
    owner, rule = request.GET.get("owner", "")[:40], request.GET.get("rule", "")[:12]
    state = request.GET.get("state", "")
    state = state if state in selectors.CELL_STATES else ""
    detail = None
    if owner or rule or state:
        detail = Paginator(selectors.drill_down(user=request.user, owner_key=owner, rule=rule, state=state),
                           50).get_page(request.GET.get("page"))
    owners = {row.owner_key: row.owner for row in overview.rows}
    order = request.GET.get("order", "")
    rows = sorted(overview.rows, key=lambda r: (-r.breached, r.owner)) if order == "breached" else overview.rows
    # the rows page (a company with hundreds of account managers); the totals row covers every owner
    rows_page = Paginator(rows, 50).get_page(request.GET.get("rows"))
    return render(request, "obligations/compliance.html", {"rows": rows_page, "rules": overview.rules,
                                                           "totals": overview.totals, "order": order,
                                                           "trend": overview.trend, "detail": detail,
                                                           "owner": owner, "owner_label": owners.get(owner, ""),
                                                           "rule": rule, "state": state})


@login_required
def queue(request, department: str):
    """A4: a department's queue — what is assigned to it, by due time, with countdown and rule id."""
    if department not in QUEUES:
        raise Http404
    role, label = QUEUES[department]
    if not request.user.has_role(role, Role.HEAD_OF_SALES, Role.MANAGEMENT):
        raise Http404
    mine = request.GET.get("mine") == "1"
    state = request.GET.get("state", "")
    state = state if state in selectors.QUEUE_STATES else ""
    items = selectors.queue(department=department, owner=request.user if mine else None, state=state)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "obligations/queue.html", {"items": page, "page": page, "department": department,
                                                      "mine": mine, "label": label, "state": state})


@login_required
@require_POST
def acknowledge(request, pk: int):
    """A past breach explained by its owner or the head of sales: it stops showing red on my day."""
    row = get_object_or_404(StoredObligation.objects.filter(selectors.concerning(request.user)
                                                            | selectors.head_scope(request.user)), pk=pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写说明。"))
    else:
        try:
            store.obligation_acknowledge(actor=request.user, obligation=row, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已记录说明：%(label)s 不再显示为逾期。") % {"label": row.label})
    return redirect(safe_next(request, "my_day"))  # the home page or my day, wherever it was explained
