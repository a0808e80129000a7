from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.core.errors import ApplicationError
from kam.core.timeparse import parse_local_datetime
from kam.customers.selectors import customer_get, customers_visible
from kam.demands import selectors, services
from kam.demands.models import Department, RequestChannel, RequestKind, RequestStatus
from kam.obligations.selectors import subject_clocks
from kam.users.models import Role, User


@login_required
def request_list(request):
    qs = selectors.requests_visible(user=request.user).order_by("-received_at")
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.exclude(status=RequestStatus.CLOSED)
    elif status in RequestStatus.values:
        qs = qs.filter(status=status)
    return render(request, "demands/list.html", {"rows": qs[:200], "status": status,
                                                 "statuses": RequestStatus.choices})


@login_required
def request_new(request):
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            customer = customer_get(user=request.user, pk=int(p.get("customer") or 0))
            req = services.request_log(actor=request.user, customer=customer, kind=p.get("kind", ""),
                                       channel=p.get("channel", ""), summary=p.get("summary", ""),
                                       received_at=parse_local_datetime(p.get("received_at", "")))
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("需求已登记。"))
            return redirect("demands:detail", pk=req.pk)
    return render(request, "demands/new.html", {
        "customers": customers_visible(user=request.user).order_by("name"), "kinds": RequestKind.choices,
        "channels": RequestChannel.choices, "error": error,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "selected": request.POST.get("customer") or request.GET.get("customer", "")})


@login_required
def request_detail(request, pk: int):
    req = selectors.request_get(user=request.user, pk=pk)
    if request.method == "POST":
        p = request.POST
        action = p.get("action")
        try:
            if action == "respond":
                services.request_respond(actor=request.user, request=req, response=p.get("text", ""))
            elif action == "solution":
                services.request_propose_solution(actor=request.user, request=req, solution=p.get("text", ""))
            elif action == "escalate":
                services.request_escalate(actor=request.user, request=req, note=p.get("text", ""))
            elif action == "assign":
                assignee = User.objects.filter(pk=p.get("assignee") or 0).first()
                if assignee is None:
                    raise ApplicationError(_("请选择负责人。"), field="assignee")
                services.request_assign(actor=request.user, request=req, department=p.get("department", ""),
                                        assignee=assignee)
            elif action == "outcome":
                services.request_record_outcome(actor=request.user, request=req, outcome=p.get("text", ""))
            elif action == "feedback":
                services.request_feedback(actor=request.user, request=req, to_person=p.get("to_person", ""),
                                          how=p.get("how", ""), at=parse_local_datetime(p.get("at", "")) or timezone.now(),
                                          note=p.get("text", ""))
            elif action == "close":
                services.request_close(actor=request.user, request=req)
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已更新。"))
        return redirect("demands:detail", pk=req.pk)
    clocks = subject_clocks(subject_type="request", subject_id=req.pk)
    people = User.objects.filter(is_active=True, role_grants__role__in=[Role.AFTER_SALES, Role.MARKETING,
                                                                       Role.FINANCE]).distinct()
    return render(request, "demands/detail.html", {
        "req": req, "clocks": clocks, "feedback": req.feedback.select_related("by"), "departments": Department.choices,
        "people": people, "channels": RequestChannel.choices, "is_head": request.user.has_role(Role.HEAD_OF_SALES),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
