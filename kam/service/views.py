"""Green-channel pages (A11): the ticket list and page render; each action is its own small view that validates
one form and calls one service (the API calls the same services). A refused action renders the ticket again
with status 400, the error next to its field."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.core.access import login_required, role_required
from kam.core.inputs import ActionForm, submit
from kam.customers.selectors import customers_visible
from kam.obligations.selectors import subject_clocks
from kam.service import forms, selectors, services
from kam.service.models import TicketStatus
from kam.users.models import Role


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
    initial = {"customer": request.GET["customer"]} if request.GET.get("customer") else {}
    form = forms.TicketForm(request.POST if request.method == "POST" else None, customers=customers, initial=initial)
    if request.method == "POST":
        if submit(form, lambda d: services.ticket_open(actor=request.user, **d)):
            ticket = form.result
            messages.success(request, _("工单 %(n)s 已登记。") % {"n": ticket.number})
            return redirect("service:ticket", pk=ticket.pk)
        return render(request, "service/ticket_new.html", {"form": form}, status=form.status_code)
    return render(request, "service/ticket_new.html", {"form": form})


ACTION_FORMS = {"respond": forms.RespondForm, "schedule": forms.ScheduleForm, "resolve": forms.ResolveForm,
                "pause": forms.PauseForm}


def _ticket_page(request, ticket, *, action: str = "", form: ActionForm | None = None):
    """The ticket with its clocks and the forms of the actions; `form` is a refused action's, shown with its
    errors and what was typed (status 400, or 403 when the service refused the user)."""
    action_forms = {name: cls(ticket=ticket) for name, cls in ACTION_FORMS.items()}
    if form is not None:
        action_forms[action] = form
    clocks = subject_clocks(subject_type="ticket", subject_id=ticket.pk, rules=["A11.1", "A11.2"])
    return render(request, "service/ticket.html", {
        "ticket": ticket, "clocks": clocks, "pauses": ticket.pauses.select_related("by"),
        "pause_open": ticket.pauses.filter(ended_at__isnull=True).exists(), "forms": action_forms,
        "refused": form, "can_work": request.user.has_role(Role.AFTER_SALES, Role.HEAD_OF_SALES),
        "is_service": request.user.has_role(Role.AFTER_SALES), "requests": ticket.requests.all()},
        status=form.status_code if form is not None else 200)


@login_required
@require_safe
def ticket_detail(request, pk: int):
    return _ticket_page(request, selectors.ticket_get(user=request.user, pk=pk))


def _act(request, pk: int, action: str, form_class, call):
    """One ticket action: the form validates, `call(ticket, data)` is the one service; done → back to the ticket."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    form = form_class(request.POST, ticket=ticket)
    if submit(form, lambda d: call(ticket, d)):
        messages.success(request, _("已更新。"))
        return redirect("service:ticket", pk=ticket.pk)
    return _ticket_page(request, ticket, action=action, form=form)


@login_required
@require_POST
def ticket_respond(request, pk: int):
    """A11.1 first response (A11.2: on-site or not decided now), or reopening a resolved/closed ticket."""
    return _act(request, pk, "respond", forms.RespondForm, lambda t, d: services.ticket_respond(
        actor=request.user, ticket=t, note=d["note"], onsite_needed=bool(d["onsite_needed"]),
        technician=d["technician"]))


@login_required
@require_POST
def ticket_schedule(request, pk: int):
    return _act(request, pk, "schedule", forms.ScheduleForm, lambda t, d: services.ticket_schedule(
        actor=request.user, ticket=t, **d))


@login_required
@require_POST
def ticket_on_site(request, pk: int):
    return _act(request, pk, "on_site", forms.NoInputForm,
                lambda t, d: services.ticket_on_site(actor=request.user, ticket=t))


@login_required
@require_POST
def ticket_resolve(request, pk: int):
    return _act(request, pk, "resolve", forms.ResolveForm,
                lambda t, d: services.ticket_resolve(actor=request.user, ticket=t, **d))


@login_required
@require_POST
def ticket_close(request, pk: int):
    return _act(request, pk, "close", forms.NoInputForm,
                lambda t, d: services.ticket_close(actor=request.user, ticket=t))


@login_required
@require_POST
def ticket_pause(request, pk: int):
    """A11.2: after-sales pauses the on-site clock for a listed reason."""
    return _act(request, pk, "pause", forms.PauseForm,
                lambda t, d: services.ticket_pause(actor=request.user, ticket=t, **d))


@login_required
@require_POST
def ticket_resume(request, pk: int):
    return _act(request, pk, "resume", forms.NoInputForm,
                lambda t, d: services.ticket_resume(actor=request.user, ticket=t))


@role_required(Role.AFTER_SALES, Role.HEAD_OF_SALES)
def care_new(request):
    from kam.qualification.selectors import key_accounts

    customers = key_accounts(user=request.user).order_by("name")
    initial = {"customer": request.GET["customer"]} if request.GET.get("customer") else {}
    form = forms.CareForm(request.POST if request.method == "POST" else None, customers=customers, initial=initial)
    if request.method == "POST":
        if submit(form, lambda d: services.care_session_record(actor=request.user, customer=d["customer"],
                                                              kind=d["kind"], at=d["at"] or timezone.now(),
                                                              notes=d["notes"])):
            messages.success(request, _("已记录（A11.3）。"))
            return redirect("queue", department="after_sales")
        return render(request, "service/care_new.html", {"form": form}, status=form.status_code)
    return render(request, "service/care_new.html", {"form": form})
