from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kam.core.access import login_required, role_required
from kam.obligations import selectors
from kam.users.models import Role


@login_required
def my_day(request):
    day = selectors.my_day(user=request.user)
    from kam.customers.models import Customer

    names = dict(Customer.objects.filter(pk__in=list(day.accounts)).values_list("id", "name"))
    accounts = sorted(((names.get(cid, ""), cid, obs) for cid, obs in day.accounts.items()), key=lambda x: x[0])
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
def inbox(request):
    from kam.notify.services import inbox as inbox_rows

    return render(request, "obligations/inbox.html", {"notes": inbox_rows(user=request.user)[:100]})


@login_required
@require_POST
def inbox_read(request):
    from kam.notify.services import mark_read

    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    mark_read(user=request.user, ids=ids)
    return redirect("inbox")
