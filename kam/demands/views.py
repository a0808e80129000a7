"""Customer-request pages (A15): the list and the request page render; each action is its own small view that
validates one form and calls one service (the API calls the same services). A refused action renders the
request again with status 400, the error next to its field."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.core.access import login_required
from kam.core.inputs import ActionForm, submit
from kam.customers.selectors import customers_visible
from kam.demands import forms, selectors, services
from kam.demands.models import RequestStatus
from kam.obligations.selectors import subject_clocks
from kam.users.models import Role


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
    customers = customers_visible(user=request.user).order_by("name")
    initial = {"customer": request.GET["customer"]} if request.GET.get("customer") else {}
    form = forms.RequestForm(request.POST if request.method == "POST" else None, customers=customers,
                             initial=initial)
    if request.method == "POST":
        if submit(form, lambda d: services.request_log(actor=request.user, **d)):
            messages.success(request, _("需求已登记。"))
            return redirect("demands:detail", pk=form.result.pk)
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
    return render(request, "demands/detail.html", {
        "req": req, "clocks": clocks, "feedback": req.feedback.select_related("by"), "forms": action_forms,
        "refused": form, "is_head": request.user.has_role(Role.HEAD_OF_SALES)},
        status=form.status_code if form is not None else 200)


@login_required
@require_safe
def request_detail(request, pk: int):
    return _request_page(request, selectors.request_get(user=request.user, pk=pk))


def _act(request, pk: int, action: str, form_class, call):
    """One request action: the form validates, `call(req, data)` is the one service; done → back to the page."""
    req = selectors.request_get(user=request.user, pk=pk)
    form = form_class(request.POST, request=req)
    if submit(form, lambda d: call(req, d)):
        messages.success(request, _("已更新。"))
        return redirect("demands:detail", pk=req.pk)
    return _request_page(request, req, action=action, form=form)


@login_required
@require_POST
def request_respond(request, pk: int):
    """A15.1 first response."""
    return _act(request, pk, "respond", forms.RespondForm, lambda r, d: services.request_respond(
        actor=request.user, request=r, response=d["text"]))


@login_required
@require_POST
def request_solution(request, pk: int):
    """A15.1 preliminary solution."""
    return _act(request, pk, "solution", forms.SolutionForm, lambda r, d: services.request_propose_solution(
        actor=request.user, request=r, solution=d["text"]))


@login_required
@require_POST
def request_escalate(request, pk: int):
    """A15.2: to the head of sales when another department is needed."""
    return _act(request, pk, "escalate", forms.EscalateForm, lambda r, d: services.request_escalate(
        actor=request.user, request=r, note=d["text"]))


@login_required
@require_POST
def request_assign(request, pk: int):
    """A15.2/A4: one owning department and one person."""
    return _act(request, pk, "assign", forms.AssignForm, lambda r, d: services.request_assign(
        actor=request.user, request=r, **d))


@login_required
@require_POST
def request_outcome(request, pk: int):
    return _act(request, pk, "outcome", forms.OutcomeForm, lambda r, d: services.request_record_outcome(
        actor=request.user, request=r, outcome=d["text"]))


@login_required
@require_POST
def request_feedback(request, pk: int):
    """A15.2: who told whom, when, how."""
    return _act(request, pk, "feedback", forms.FeedbackForm, lambda r, d: services.request_feedback(
        actor=request.user, request=r, to_person=d["to_person"], how=d["how"], at=d["at"] or timezone.now(),
        note=d["text"]))


@login_required
@require_POST
def request_close(request, pk: int):
    """A15.2: closes only after the feedback to the customer was recorded."""
    return _act(request, pk, "close", forms.NoInputForm,
                lambda r, d: services.request_close(actor=request.user, request=r))
