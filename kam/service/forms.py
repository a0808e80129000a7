"""Forms of the green-channel pages (A11): one per action, each validated before its one service is called."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.bounds import BoundedDateTimeField
from kam.core.inputs import ActionForm
from kam.service.models import CareKind, ConfirmChannel, PauseReason, Ticket, TicketStatus
from kam.users.models import Role, User

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ONSITE_UNDECIDED = _("首次响应时须确定是否需要上门（A11.2）。")


def technicians() -> QuerySet[User]:
    """Who may be named technician of a ticket: active after-sales staff."""
    return User.objects.filter(role_grants__role=Role.AFTER_SALES, is_active=True).distinct()


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class TicketForm(ActionForm):
    """A11.1: a key account's ticket; the customer is a key account the user can see (none preselected)."""

    customer = forms.ModelChoiceField(label=_("客户（大客户）"), queryset=None, empty_label=_("— 请选择大客户 —"))
    reported_at = forms.DateTimeField(label=_("客户报修时间"), required=False, widget=LOCAL_INPUT)
    problem = forms.CharField(label=_("问题描述"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    product_ref = forms.CharField(label=_("产品/订单"), required=False, max_length=60)
    site_city = forms.CharField(label=_("现场城市（默认客户所在城市）"), required=False, max_length=30)
    site_address = forms.CharField(label=_("现场地址"), required=False, max_length=200)

    def __init__(self, *args, customers: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope("customer", customers)
        self.fields["problem"].widget.attrs["required"] = True
        if not self.is_bound:
            self.initial.setdefault("reported_at", _now_local())


class RespondForm(ActionForm):
    """First response (A11.1) — whether on-site service is needed is decided now (A11.2) — or a reopening."""

    note = forms.CharField(label=_("响应说明"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "id": "note"}))
    onsite_needed = forms.TypedChoiceField(
        label=_("需要上门"), required=False, coerce=lambda v: v == "1", empty_value=None,
        choices=[("1", _("是")), ("0", _("否（远程处理）"))], widget=forms.Select(attrs={"aria-label": _("需要上门")}))
    technician = forms.ModelChoiceField(label=_("技术员"), queryset=None, required=False, empty_label="—",
                                        widget=forms.Select(attrs={"aria-label": _("技术员")}))

    def __init__(self, *args, ticket: Ticket, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.scope("technician", technicians())

    def clean(self):
        data = super().clean()
        if self.ticket.status == TicketStatus.NEW and data.get("onsite_needed") is None \
                and "onsite_needed" not in self.errors:
            self.add_error("onsite_needed", ONSITE_UNDECIDED)
        return data


class ScheduleForm(ActionForm):
    scheduled_for = forms.DateTimeField(label=_("上门时间"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local", "aria-label": _("上门时间")}, format="%Y-%m-%dT%H:%M"))
    technician = forms.ModelChoiceField(label=_("技术员"), queryset=None, required=False, empty_label=None,
                                        widget=forms.Select(attrs={"aria-label": _("技术员")}))

    def __init__(self, *args, ticket: Ticket, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)
        self.scope("technician", technicians())


class ResolveForm(ActionForm):
    resolution = forms.CharField(label=_("处理结果"), required=False, max_length=2000, widget=forms.TextInput(
        attrs={"placeholder": _("处理结果"), "aria-label": _("处理结果"), "required": True}))

    def __init__(self, *args, ticket: Ticket, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class PauseForm(ActionForm):
    """A11.2: the on-site clock pauses only for a listed reason; a later date asked by the customer is given."""

    reason = forms.ChoiceField(label=_("暂停原因"), choices=PauseReason.choices,
                               widget=forms.Select(attrs={"aria-label": _("暂停原因")}))
    later_date = forms.DateField(label=_("客户要求的日期"), required=False, widget=forms.DateInput(
        attrs={"type": "date", "aria-label": _("客户要求的日期")}, format="%Y-%m-%d"))

    def __init__(self, *args, ticket: Ticket, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class OnSiteForm(ActionForm):
    """A11.2: the technician's actual arrival time (default now), within the ticket's bounds (the service)."""

    at = BoundedDateTimeField(label=_("到达现场时间"), required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local", "aria-label": _("到达现场时间")}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("at", _now_local())
        if ticket is not None:
            self.fields["at"].widget.attrs["min"] = timezone.localtime(ticket.reported_at).strftime("%Y-%m-%dT%H:%M")


class CloseForm(ActionForm):
    """The customer's confirmation a close records: who on the customer's side, when, how."""

    # not required here: the service checks the ticket's state first, then each of these (naming the field)
    confirmed_by = forms.CharField(label=_("客户确认人"), max_length=60, required=False, widget=forms.TextInput(
        attrs={"aria-label": _("客户确认人"), "placeholder": _("如：前台经理 王女士"), "required": True}))
    confirmed_via = forms.ChoiceField(label=_("确认方式"), choices=ConfirmChannel.choices, required=False,
                                      widget=forms.Select(attrs={"aria-label": _("确认方式")}))
    confirmed_at = BoundedDateTimeField(label=_("确认时间"), required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local", "aria-label": _("确认时间")}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("confirmed_at", _now_local())


class NoInputForm(ActionForm):
    """An action without input (on site, close, resume): the form only carries the service's refusal."""

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs):
        super().__init__(*args, **kwargs)


class CareForm(ActionForm):
    """A11.3: maintenance guidance or usage training for a key account."""

    customer = forms.ModelChoiceField(label=_("大客户"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("类型"), choices=CareKind.choices)
    at = forms.DateTimeField(label=_("时间"), required=False, widget=LOCAL_INPUT)
    notes = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, customers: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope("customer", customers)
        if not self.is_bound:
            self.initial.setdefault("at", _now_local())
