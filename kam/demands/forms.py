"""Forms of the customer-request pages (A15): one per action, each validated before its one service is called."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.inputs import ActionForm
from kam.demands.models import CustomerRequest, Department, RequestChannel, RequestKind
from kam.users.models import Role, User

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _now_local() -> str:
    return timezone.localtime().strftime(LOCAL_FORMAT)


def department_people() -> QuerySet[User]:
    """Who a request can be assigned to (A15.2/A4): active staff of after-sales, marketing or finance."""
    return User.objects.filter(is_active=True, role_grants__role__in=[Role.AFTER_SALES, Role.MARKETING,
                                                                      Role.FINANCE]).distinct()


class RequestForm(ActionForm):
    """A15.1: a request of a customer the user can see; the clocks start at receipt."""

    customer = forms.ModelChoiceField(label=_("客户"), queryset=None, empty_label=_("— 请选择客户 —"))
    kind = forms.ChoiceField(label=_("类型"), choices=RequestKind.choices)
    channel = forms.ChoiceField(label=_("渠道"), choices=RequestChannel.choices)
    received_at = forms.DateTimeField(label=_("收到时间"), required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format=LOCAL_FORMAT))
    summary = forms.CharField(label=_("需求内容"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "required": True}))

    def __init__(self, *args, customers: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope("customer", customers)
        if not self.is_bound:
            self.initial.setdefault("received_at", _now_local())


class TextForm(ActionForm):
    """Respond, propose a solution, escalate, record the outcome: one text (the service says what it needs)."""

    text = forms.CharField(label=_("内容"), required=False, max_length=5000)
    service_fields = {"response": "text", "solution": "text", "note": "text", "outcome": "text"}

    def __init__(self, *args, request: CustomerRequest, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class RespondForm(TextForm):
    text = forms.CharField(label=_("首次响应"), required=False, max_length=5000)


class SolutionForm(TextForm):
    text = forms.CharField(label=_("初步方案"), required=False, max_length=5000)


class EscalateForm(TextForm):
    text = forms.CharField(label=_("升级说明"), required=False, max_length=5000)


class OutcomeForm(TextForm):
    text = forms.CharField(label=_("处理结果"), required=False, max_length=5000)


class AssignForm(ActionForm):
    """A15.2/A4: the head of sales names one department and one person of it."""

    department = forms.ChoiceField(label=_("部门"), choices=Department.choices,
                                   widget=forms.Select(attrs={"aria-label": _("部门")}))
    assignee = forms.ModelChoiceField(label=_("负责人"), queryset=None, empty_label=None,
                                      widget=forms.Select(attrs={"aria-label": _("负责人")}))

    def __init__(self, *args, request: CustomerRequest, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)
        self.scope("assignee", department_people())


class FeedbackForm(ActionForm):
    """A15.2: the outcome told to the customer — whom, how, when."""

    to_person = forms.CharField(label=_("告知对象"), required=False, max_length=60, widget=forms.TextInput(
        attrs={"placeholder": _("告知的客户方人员"), "aria-label": _("告知对象"), "required": True}))
    how = forms.ChoiceField(label=_("方式"), choices=RequestChannel.choices,
                            widget=forms.Select(attrs={"aria-label": _("方式")}))
    at = forms.DateTimeField(label=_("时间"), required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local", "aria-label": _("时间")}, format=LOCAL_FORMAT))
    text = forms.CharField(label=_("说明"), required=False, max_length=5000, widget=forms.TextInput(
        attrs={"placeholder": _("说明"), "aria-label": _("说明")}))
    service_fields = {"note": "text"}

    def __init__(self, *args, request: CustomerRequest, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("at", _now_local())


class NoInputForm(ActionForm):
    """An action without input (close): the form only carries the service's refusal."""

    def __init__(self, *args, request: CustomerRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
