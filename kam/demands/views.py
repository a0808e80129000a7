"""Customer-request pages (A15): the list and the request page render; each action is its own small view that
validates one form and calls one service (the API calls the same services). A refused action renders the
request again with status 400, the error next to its field; a done action says what it did and how the clocks
stand now, and the page's primary button is the likely next step."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.core.access import login_required
from kam.core.inputs import ActionForm, submit
from kam.core.lists import list_context
from kam.customers.selectors import customers_visible
from kam.demands import forms, selectors, services
from kam.demands.lists import countdown, local_time, request_spec
from kam.demands.models import CustomerRequest, RequestChannel, RequestStatus
from kam.obligations.feedback import clock_of, outcome_words
from kam.obligations.selectors import subject_clocks
from kam.users.models import Role


@login_required
def request_list(request):
    context = list_context(request, request_spec(), selectors.request_list(user=request.user))
    now = timezone.now()
    for r in context["page"]:
        countdown(r, now)
    return render(request, "demands/list.html", context)


def _clock(req: CustomerRequest, part: str) -> str:
    title = _("首次响应时限") if part == "response" else _("初步方案时限")
    return outcome_words(clock_of(subject_type="request", subject_id=req.pk, rule="A15.1", period_suffix=f":{part}"),
                         title=title)


@login_required
def request_new(request):
    customers = customers_visible(user=request.user).order_by("name")
    initial = {"customer": request.GET["customer"]} if request.GET.get("customer") else {}
    form = forms.RequestForm(request.POST if request.method == "POST" else None, customers=customers,
                             initial=initial)
    if request.method == "POST":
        if submit(form, lambda d: services.request_log(actor=request.user, **d)):
            req = form.result
            text = _("需求已登记，%(clock)s（A15.1）。") % {"clock": _clock(req, "response")}
            if req.ticket_id:
                text += " " + _("维修需求已同时建立售后工单 %(n)s（A15.2）。") % {"n": req.ticket.number}
            messages.success(request, text)
            return redirect("demands:detail", pk=req.pk)
        return render(request, "demands/new.html", {"form": form}, status=form.status_code)
    return render(request, "demands/new.html", {"form": form})


ACTION_FORMS = {"respond": forms.RespondForm, "solution": forms.SolutionForm, "escalate": forms.EscalateForm,
                "assign": forms.AssignForm, "outcome": forms.OutcomeForm, "feedback": forms.FeedbackForm}


def _request_page(request, req, *, action: str = "", form: ActionForm | None = None):
    """The request with its clocks and the forms of the actions; `form` is a refused action's, shown with its
    errors and what was typed (status 400, or 403 when the service refused the user)."""
    action_forms = {name: cls(request=req) for name, cls in ACTION_FORMS.items()}
    if form is not None:
        action_forms[action] = form
    clocks = subject_clocks(subject_type="request", subject_id=req.pk)
    feedback = list(req.feedback.select_related("by"))
    return render(request, "demands/detail.html", {
        "req": req, "clocks": clocks, "feedback": feedback, "forms": action_forms, "refused": form,
        "is_head": request.user.has_role(Role.HEAD_OF_SALES),
        "next": next_step(req, has_feedback=bool(feedback), is_head=request.user.has_role(Role.HEAD_OF_SALES))},
        status=form.status_code if form is not None else 200)


def next_step(req: CustomerRequest, *, has_feedback: bool, is_head: bool = False) -> str:
    """The likely next action on the request for this user (A15.1, A15.2) — its button is the primary one."""
    if req.status == RequestStatus.CLOSED:
        return ""
    if req.status == RequestStatus.ESCALATED and is_head:
        return "assign"
    if req.responded_at is None:
        return "respond"
    if req.status == RequestStatus.ESCALATED:
        return ""  # waiting for the head of sales to assign (A15.2)
    if req.solution_at is None:
        return "solution"
    if not req.outcome:
        return "outcome"
    return "close" if has_feedback else "feedback"


@login_required
@require_safe
def request_detail(request, pk: int):
    return _request_page(request, selectors.request_get(user=request.user, pk=pk))


def _act(request, pk: int, action: str, form_class, call, done):
    """One request action: the form validates, `call(req, data)` is the one service; done → back to the page
    with `done(req)`: what was recorded and how the clocks stand now."""
    req = selectors.request_get(user=request.user, pk=pk)
    form = form_class(request.POST, request=req)
    if submit(form, lambda d: call(req, d)):
        req = selectors.request_get(user=request.user, pk=pk)
        messages.success(request, done(req))
        return redirect("demands:detail", pk=req.pk)
    return _request_page(request, req, action=action, form=form)


@login_required
@require_POST
def request_respond(request, pk: int):
    """A15.1 first response."""
    return _act(request, pk, "respond", forms.RespondForm, lambda r, d: services.request_respond(
        actor=request.user, request=r, response=d["text"]),
        lambda r: _("已记录首次响应，%(clock)s（A15.1）。下一步：%(next)s") % {
            "clock": _clock(r, "response"), "next": _("提出初步方案，%(c)s。") % {"c": _clock(r, "solution")}})


@login_required
@require_POST
def request_solution(request, pk: int):
    """A15.1 preliminary solution."""
    return _act(request, pk, "solution", forms.SolutionForm, lambda r, d: services.request_propose_solution(
        actor=request.user, request=r, solution=d["text"]),
        lambda r: _("已记录初步方案，%(clock)s（A15.1）。下一步：落实后记录处理结果。") % {"clock": _clock(r, "solution")})


@login_required
@require_POST
def request_escalate(request, pk: int):
    """A15.2: to the head of sales when another department is needed."""
    return _act(request, pk, "escalate", forms.EscalateForm, lambda r, d: services.request_escalate(
        actor=request.user, request=r, note=d["text"]),
        lambda r: _("已升级给销售部负责人，等待指派部门和负责人（A15.2）；销售部负责人已在「待我审批」中收到。"))


@login_required
@require_POST
def request_assign(request, pk: int):
    """A15.2/A4: one owning department and one person."""
    return _act(request, pk, "assign", forms.AssignForm, lambda r, d: services.request_assign(
        actor=request.user, request=r, **d),
        lambda r: _("已指派给%(d)s %(u)s，对方已收到通知（A15.2）。") % {"d": r.get_department_display(), "u": r.assignee})


@login_required
@require_POST
def request_outcome(request, pk: int):
    return _act(request, pk, "outcome", forms.OutcomeForm, lambda r, d: services.request_record_outcome(
        actor=request.user, request=r, outcome=d["text"]),
        lambda r: _("已记录处理结果。下一步：告知客户并记录反馈（谁、告知谁、何时、何种方式），然后关闭（A15.2）。"))


@login_required
@require_POST
def request_feedback(request, pk: int):
    """A15.2: who told whom, when, how."""
    return _act(request, pk, "feedback", forms.FeedbackForm, lambda r, d: services.request_feedback(
        actor=request.user, request=r, to_person=d["to_person"], how=d["how"], at=d["at"] or timezone.now(),
        note=d["text"]), _fed_back)


def _fed_back(req: CustomerRequest) -> str:
    fb = req.feedback.order_by("-at", "-id").first()
    if fb is None:
        return _("已记录反馈。")
    return _("已记录 %(at)s 通过%(how)s告知 %(to)s。现在可以关闭需求（A15.2）。") % {
        "at": local_time(fb.at), "how": RequestChannel(fb.how).label, "to": fb.to_person}


@login_required
@require_POST
def request_close(request, pk: int):
    """A15.2: closes only after the feedback to the customer was recorded."""
    return _act(request, pk, "close", forms.NoInputForm,
                lambda r, d: services.request_close(actor=request.user, request=r),
                lambda r: _("需求已关闭（%(at)s）：处理结果已反馈客户并记录（A15.2）。") % {"at": local_time(r.closed_at)})
