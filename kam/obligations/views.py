from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from kam.core.access import login_required, role_required
from kam.obligations import engine, selectors
from kam.users.models import Role

#: A4: the departments that work from a queue, the role that works it, and the queue's name
QUEUES = {"after_sales": (Role.AFTER_SALES, "售后服务部"), "marketing": (Role.MARKETING, "市场部"),
          "finance": (Role.FINANCE, "财务部")}


@login_required
def my_day(request):
    day = selectors.my_day(user=request.user)
    accounts = sorted(((obs[0].customer_name, cid, obs) for cid, obs in day.accounts.items()), key=lambda x: x[0])
    return render(request, "obligations/my_day.html", {"day": day, "accounts": accounts,
                                                         "rule_counts": sorted(day.per_rule.items())})


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
def compliance(request):
    rows, rules, trend, obligations = selectors.compliance(user=request.user)
    owner, rule = request.GET.get("owner"), request.GET.get("rule")
    detail = []
    if owner or rule:
        for o in obligations:
            key = f"u{o.owner_id}" if o.owner_id else f"r{o.owner_role}"
            if (not owner or key == owner) and (not rule or o.rule == rule):
                detail.append(o)
        detail.sort(key=lambda o: (o.state != "breached", o.due_at))
    return render(request, "obligations/compliance.html", {"rows": rows, "rules": rules, "trend": trend,
                                                           "detail": detail[:300], "owner": owner, "rule": rule})


@login_required
def queue(request, department: str):
    """A4: a department's queue — what is assigned to it, by due time, with countdown and rule id."""
    if department not in QUEUES:
        raise Http404
    role, label = QUEUES[department]
    if not request.user.has_role(role, Role.HEAD_OF_SALES, Role.MANAGEMENT):
        raise Http404
    mine = request.GET.get("mine") == "1"
    items = [o for o in engine.evaluate() if o.queue == department and o.open]
    if mine:
        items = [o for o in items if o.owner_id == request.user.pk]
    items.sort(key=lambda o: o.due_at)
    return render(request, "obligations/queue.html", {"items": items, "department": department, "mine": mine,
                                                      "label": label})
