"""The inbox page: a person's own notifications (alerts, workflow steps, digests), newest first."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kam.core.access import login_required
from kam.notify import services


@login_required
def inbox(request):
    return render(request, "notify/inbox.html", {"notes": services.inbox(user=request.user)[:100]})


@login_required
@require_POST
def inbox_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_read(user=request.user, ids=ids)
    return redirect("inbox")
