"""Green-channel pages (A11): the ticket list and page render; each action is its own small view that validates
one form and calls one service (the API calls the same services). A refused action renders the ticket again
with status 400, the error next to its field; a done action says what it did and how the clocks stand now."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.core.access import login_required, role_required
from kam.core.inputs import ActionForm, submit
from kam.core.lists import list_context
from kam.obligations.feedback import clock_of, outcome_words
from kam.obligations.selectors import subject_clocks
from kam.service import forms, selectors, services
from kam.service.lists import DONE, countdown, local_time, ticket_spec
from kam.service.models import ConfirmChannel, PauseReason, Ticket, TicketStatus
from kam.users.models import Role


@login_required
def ticket_list(request):
    context = list_context(request, ticket_spec(), selectors.ticket_list(user=request.user))
    now = timezone.now()
    for t in context["page"]:
        countdown(t, now)
        t.pause_label = PauseReason(t.pause_reason).label if t.pause_reason in PauseReason.values else ""
    context["now"] = now
    context["can_open"] = request.user.has_role(*OPENERS)  # no button that only leads to a refusal (issue 13)
    return render(request, "service/tickets.html", context)


OPENERS = (Role.AFTER_SALES, Role.HEAD_OF_SALES, Role.ACCOUNT_MANAGER)


@role_required(*OPENERS)
def ticket_new(request):
    """A11.1: a key account's ticket — the list offers the key accounts the user may serve, none preselected."""
    from kam.qualification.selectors import key_accounts

    customers = key_accounts(user=request.user).order_by("name")
    initial = {"customer": request.GET["customer"]} if request.GET.get("customer") else {}
    form = forms.TicketForm(request.POST if request.method == "POST" else None, customers=customers, initial=initial)
    if request.method == "POST":
        if submit(form, lambda d: services.ticket_open(actor=request.user, **d)):
            ticket = form.result
            response = clock_of(subject_type="ticket", subject_id=ticket.pk, rule="A11.1")
            messages.success(request, _("工单 %(n)s 已登记。%(clock)s（A11.1）。") % {
                "n": ticket.number, "clock": outcome_words(response, title=_("首次响应时限"))})
            return redirect("service:ticket", pk=ticket.pk)
        return render(request, "service/ticket_new.html", {"form": form}, status=form.status_code)
    return render(request, "service/ticket_new.html", {"form": form})


ACTION_FORMS: dict[str, Any] = {"respond": forms.RespondForm, "schedule": forms.ScheduleForm, "resolve": forms.ResolveForm,
                "pause": forms.PauseForm, "on_site": forms.OnSiteForm, "close": forms.CloseForm}


def next_step(ticket: Ticket, *, paused: bool) -> str:
    """The likely next action on the ticket — its button is the primary one."""
    if ticket.status == TicketStatus.NEW:
        return "respond"
    if ticket.status == TicketStatus.RESPONDED:
        return ("resume" if paused else "schedule") if ticket.onsite_needed else "resolve"
    if ticket.status == TicketStatus.SCHEDULED:
        return "resume" if paused else "on_site"
    if ticket.status == TicketStatus.ON_SITE:
        return "resolve"
    if ticket.status == TicketStatus.RESOLVED:
        return "close"
    return ""


def _ticket_page(request, ticket, *, action: str = "", form: ActionForm | None = None):
    """The ticket with its clocks and the forms of the actions; `form` is a refused action's, shown with its
    errors and what was typed (status 400, or 403 when the service refused the user)."""
    action_forms = {name: cls(ticket=ticket) for name, cls in ACTION_FORMS.items()}
    if form is not None:
        action_forms[action] = form
    clocks = subject_clocks(subject_type="ticket", subject_id=ticket.pk, rules=["A11.1", "A11.2"])
    pauses = list(ticket.pauses.select_related("by"))
    paused = any(p.ended_at is None for p in pauses)
    return render(request, "service/ticket.html", {
        "ticket": ticket, "clocks": clocks, "pauses": pauses, "pause_open": paused, "forms": action_forms,
        "refused": form, "can_work": request.user.has_role(Role.AFTER_SALES, Role.HEAD_OF_SALES),
        "can_close": request.user.has_role(*services.CLOSERS), "next": next_step(ticket, paused=paused),
        "is_service": request.user.has_role(Role.AFTER_SALES), "requests": ticket.requests.all()},
        status=form.status_code if form is not None else 200)


@login_required
@require_safe
def ticket_detail(request, pk: int):
    return _ticket_page(request, selectors.ticket_get(user=request.user, pk=pk))


def _act(request, pk: int, action: str, form_class, call, done):
    """One ticket action: the form validates, `call(ticket, data)` is the one service; done → back to the ticket
    with `done(ticket, status before)`: what was recorded and how the clocks stand now."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    before = ticket.status
    form = form_class(request.POST, ticket=ticket)
    if submit(form, lambda d: call(ticket, d)):
        ticket.refresh_from_db()
        messages.success(request, done(ticket, before))
        return redirect("service:ticket", pk=ticket.pk)
    return _ticket_page(request, ticket, action=action, form=form)


def _response_clock(t: Ticket) -> str:
    return outcome_words(clock_of(subject_type="ticket", subject_id=t.pk, rule="A11.1"), title=_("首次响应时限"))


def _onsite_clock(t: Ticket) -> str:
    return outcome_words(clock_of(subject_type="ticket", subject_id=t.pk, rule="A11.2"), title=_("上门时限"))


def _responded(t: Ticket, before: str) -> str:
    if before in DONE:
        return _("工单已重新打开（第 %(n)d 次），请重新处理。") % {"n": t.reopened}
    text = _("已记录响应，%(clock)s（A11.1）。") % {"clock": _response_clock(t)}
    if t.onsite_needed:
        text += " " + _("需要上门：%(clock)s（A11.2），下一步：安排上门。") % {"clock": _onsite_clock(t)}
    else:
        text += " " + _("远程处理：解决后记录处理结果。")
    return text


@login_required
@require_POST
def ticket_respond(request, pk: int):
    """A11.1 first response (A11.2: on-site or not decided now), or reopening a resolved/closed ticket."""
    return _act(request, pk, "respond", forms.RespondForm, lambda t, d: services.ticket_respond(
        actor=request.user, ticket=t, note=d["note"], onsite_needed=bool(d["onsite_needed"]),
        technician=d["technician"]), _responded)


@login_required
@require_POST
def ticket_schedule(request, pk: int):
    return _act(request, pk, "schedule", forms.ScheduleForm, lambda t, d: services.ticket_schedule(
        actor=request.user, ticket=t, **d), lambda t, _before: _("已安排 %(who)s 于 %(at)s 上门；%(clock)s（A11.2）。") % {
            "who": t.technician or _("技术员"), "at": local_time(t.scheduled_for), "clock": _onsite_clock(t)})


@login_required
@require_POST
def ticket_on_site(request, pk: int):
    """A11.2: the actual arrival time, typed (default now)."""
    return _act(request, pk, "on_site", forms.OnSiteForm,
                lambda t, d: services.ticket_on_site(actor=request.user, ticket=t, at=d["at"]),
                lambda t, _before: _("已记录 %(at)s 到达现场，%(clock)s（A11.2）。") % {
                    "at": local_time(t.on_site_at), "clock": _onsite_clock(t)})


@login_required
@require_POST
def ticket_resolve(request, pk: int):
    return _act(request, pk, "resolve", forms.ResolveForm,
                lambda t, d: services.ticket_resolve(actor=request.user, ticket=t, **d),
                lambda t, _before: _("已记录处理结果。下一步：请客户确认后关闭工单。"))


@login_required
@require_POST
def ticket_close(request, pk: int):
    """Closed with the customer's confirmation: who, when, how."""
    return _act(request, pk, "close", forms.CloseForm,
                lambda t, d: services.ticket_close(actor=request.user, ticket=t, **d),
                lambda t, _before: _("工单已关闭：客户方 %(who)s 于 %(at)s 通过%(how)s确认。") % {
                    "who": t.confirmed_by, "at": local_time(t.confirmed_at),
                    "how": ConfirmChannel(t.confirmed_via).label if t.confirmed_via else ""})


@login_required
@require_POST
def ticket_pause(request, pk: int):
    """A11.2: after-sales pauses the on-site clock for a listed reason."""
    return _act(request, pk, "pause", forms.PauseForm,
                lambda t, d: services.ticket_pause(actor=request.user, ticket=t, **d),
                lambda t, _before: _("上门计时已暂停（%(why)s），恢复后继续计时（A11.2）。") % {
                    "why": PauseReason(t.pauses.order_by("-started_at").first().reason).label})


@login_required
@require_POST
def ticket_resume(request, pk: int):
    return _act(request, pk, "resume", forms.NoInputForm,
                lambda t, d: services.ticket_resume(actor=request.user, ticket=t),
                lambda t, _before: _("上门计时已恢复，%(clock)s（A11.2）。") % {"clock": _onsite_clock(t)})


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
            session = form.result
            messages.success(request, _("已记录为「%(c)s」的%(k)s（A11.3）。") % {
                "c": session.customer.name, "k": session.get_kind_display()})
            return redirect("queue", department="after_sales")
        return render(request, "service/care_new.html", {"form": form}, status=form.status_code)
    return render(request, "service/care_new.html", {"form": form})
