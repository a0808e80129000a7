from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.access import login_required, role_required
from kam.core.errors import ApplicationError
from kam.core.timeparse import parse_local_datetime
from kam.customers.selectors import customer_get, customers_visible
from kam.obligations.selectors import subject_clocks
from kam.service import selectors, services
from kam.service.models import CareKind, PauseReason, TicketStatus
from kam.users.models import Role, User


@login_required
def ticket_list(request):
    qs = selectors.tickets(user=request.user).order_by("-reported_at")
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.exclude(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED])
    elif status in TicketStatus.values:
        qs = qs.filter(status=status)
    return render(request, "service/tickets.html", {"tickets": qs[:200], "status": status,
                                                    "statuses": TicketStatus.choices})


@role_required(Role.AFTER_SALES, Role.HEAD_OF_SALES, Role.ACCOUNT_MANAGER)
def ticket_new(request):
    customers = customers_visible(user=request.user).order_by("name")
    error = None
    if request.method == "POST":
        try:
            customer = customer_get(user=request.user, pk=int(request.POST.get("customer") or 0))
            ticket = services.ticket_open(actor=request.user, customer=customer,
                                          problem=request.POST.get("problem", ""),
                                          reported_at=parse_local_datetime(request.POST.get("reported_at", "")),
                                          site_city=request.POST.get("site_city", ""),
                                          site_address=request.POST.get("site_address", ""),
                                          product_ref=request.POST.get("product_ref", ""))
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("工单 %(n)s 已登记。") % {"n": ticket.number})
            return redirect("service:ticket", pk=ticket.pk)
    return render(request, "service/ticket_new.html", {
        "customers": customers, "error": error, "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "selected": request.POST.get("customer") or request.GET.get("customer", "")})


@login_required
def ticket_detail(request, pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        p = request.POST
        try:
            if action == "respond":
                tech = User.objects.filter(pk=p.get("technician") or 0, role_grants__role=Role.AFTER_SALES).first()
                services.ticket_respond(actor=request.user, ticket=ticket, note=p.get("note", ""),
                                        onsite_needed=p.get("onsite_needed") == "1", technician=tech)
            elif action == "schedule":
                tech = User.objects.filter(pk=p.get("technician") or 0, role_grants__role=Role.AFTER_SALES).first()
                when = parse_local_datetime(p.get("scheduled_for", ""))
                if when is None:
                    raise ApplicationError(_("请填写上门时间。"), field="scheduled_for")
                services.ticket_schedule(actor=request.user, ticket=ticket, scheduled_for=when, technician=tech)
            elif action == "on_site":
                services.ticket_on_site(actor=request.user, ticket=ticket)
            elif action == "resolve":
                services.ticket_resolve(actor=request.user, ticket=ticket, resolution=p.get("resolution", ""))
            elif action == "close":
                services.ticket_close(actor=request.user, ticket=ticket)
            elif action == "pause":
                later = dt.date.fromisoformat(p["later_date"]) if p.get("later_date") else None
                services.ticket_pause(actor=request.user, ticket=ticket, reason=p.get("reason", ""), later_date=later)
            elif action == "resume":
                services.ticket_resume(actor=request.user, ticket=ticket)
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已更新。"))
        return redirect("service:ticket", pk=ticket.pk)
    clocks = subject_clocks(subject_type="ticket", subject_id=ticket.pk, rules=["A11.1", "A11.2"])
    return render(request, "service/ticket.html", {
        "ticket": ticket, "clocks": clocks, "pauses": ticket.pauses.select_related("by"),
        "pause_open": ticket.pauses.filter(ended_at__isnull=True).exists(), "reasons": PauseReason.choices,
        "technicians": User.objects.filter(role_grants__role=Role.AFTER_SALES, is_active=True).distinct(),
        "can_work": request.user.has_role(Role.AFTER_SALES, Role.HEAD_OF_SALES),
        "is_service": request.user.has_role(Role.AFTER_SALES), "requests": ticket.requests.all()})


@role_required(Role.AFTER_SALES, Role.HEAD_OF_SALES)
def care_new(request):
    if request.method == "POST":
        try:
            customer = customer_get(user=request.user, pk=int(request.POST.get("customer") or 0))
            services.care_session_record(actor=request.user, customer=customer, kind=request.POST.get("kind", ""),
                                         at=parse_local_datetime(request.POST.get("at", "")) or timezone.now(),
                                         notes=request.POST.get("notes", ""))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已记录（A11.3）。"))
            return redirect("queue", department="after_sales")
    from kam.qualification.selectors import key_accounts

    return render(request, "service/care_new.html", {"customers": key_accounts(user=request.user).order_by("name"),
                                                     "kinds": CareKind.choices,
                                                     "selected": request.GET.get("customer", ""),
                                                     "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
