"""Forms of the gift pages (A14.2): one per action, validated before its one service is called; a refusal is
shown next to its field with what was typed kept."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.care.models import (
    PROHIBITED_CATEGORIES,
    CareKind,
    CommitmentDepartment,
    CommitmentKind,
    GiftCategory,
    GreetingChannel,
)
from kam.core.inputs import ActionForm


def category_choices() -> list:
    """The categories, the cash equivalents apart under the article that forbids them (choosing one is refused
    and recorded, A14.2)."""
    allowed = [(v, label) for v, label in GiftCategory.choices if v not in PROHIBITED_CATEGORIES]
    prohibited = [(v, label) for v, label in GiftCategory.choices if v in PROHIBITED_CATEGORIES]
    return [("", _("— 请选择类别 —")), (_("礼品"), allowed), (_("禁止赠送（第十四条）"), prohibited)]


class CustomerChoiceForm(forms.Form):
    """The first step of a registration: whose people the gift is for."""

    customer = forms.ModelChoiceField(label=_("客户"), queryset=None, empty_label=_("— 请选择客户 —"))

    def __init__(self, *args, customers: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]


class GiftForm(ActionForm):
    """A14.2: a gift for a contact of the account, registered before it is given."""

    recipient = forms.ModelChoiceField(label=_("受礼人"), queryset=None, empty_label=_("— 请选择联系人 —"))
    occasion = forms.CharField(label=_("场合"), required=False, max_length=100,
                               widget=forms.TextInput(attrs={"placeholder": _("如：中秋节、公司周年庆")}))
    item = forms.CharField(label=_("礼品"), max_length=100)
    category = forms.ChoiceField(label=_("类别"), choices=category_choices)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=10_000, initial=1)
    unit_value = forms.DecimalField(label=_("单价（元）"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    supplier_ref = forms.CharField(label=_("供应商/发票号"), required=False, max_length=100)
    planned_on = forms.DateField(label=_("计划赠送日期"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                format="%Y-%m-%d"))
    photo = forms.FileField(label=_("礼品照片（可选）"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    service_fields = {"total_value": "unit_value"}

    def __init__(self, *args, recipients: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope("recipient", recipients)
        if not self.is_bound:
            self.initial.setdefault("planned_on", timezone.localdate().isoformat())


class DecideForm(ActionForm):
    """A14.2: the head of sales approves or rejects (a rejection says why)."""

    decision = forms.ChoiceField(label=_("决定"), choices=[("approve", _("批准")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("意见"), required=False, max_length=500,
                           widget=forms.TextInput(attrs={"placeholder": _("意见（驳回时必填）"), "aria-label": _("意见")}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class GivenForm(ActionForm):
    """A14.2: the day the gift was given."""

    given_on = forms.DateField(label=_("赠送日期"), required=False, widget=forms.DateInput(
        attrs={"type": "date", "aria-label": _("赠送日期")}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("given_on", timezone.localdate().isoformat())


class CareActionForm(ActionForm):
    """A14.1: what was done for an occasion — a greeting, a gift of the register, or no action with a reason."""

    kind = forms.ChoiceField(label=_("关怀方式"), choices=CareKind.choices, widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("渠道"), required=False,
                                choices=[("", _("— 祝福渠道 —")), *GreetingChannel.choices])
    text = forms.CharField(label=_("祝福内容"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))
    gift = forms.ModelChoiceField(label=_("礼品"), required=False, queryset=None,
                                  empty_label=_("— 选择已登记的礼品 —"))
    reason = forms.CharField(label=_("不做安排的原因"), required=False, max_length=300)

    def __init__(self, *args, gifts: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope("gift", gifts)


class OccasionForm(ActionForm):
    """A14.1: an occasion the account manager adds (once, or every year on its day)."""

    title = forms.CharField(label=_("名称"), max_length=60,
                            widget=forms.TextInput(attrs={"placeholder": _("如：新酒店开业、董事长就任纪念")}))
    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    yearly = forms.BooleanField(label=_("每年"), required=False)
    contact = forms.ModelChoiceField(label=_("相关联系人"), required=False, queryset=None,
                                     empty_label=_("— 无 —"))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, contacts: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope("contact", contacts)


class CommitmentForm(ActionForm):
    """A18.1: a term beyond the standard terms, for the department that must keep it."""

    kind = forms.ChoiceField(label=_("类型"), choices=CommitmentKind.choices)
    description = forms.CharField(label=_("承诺内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    value = forms.DecimalField(label=_("涉及金额（元）"), required=False, min_value=Decimal("0"), max_digits=14,
                               decimal_places=2)
    department = forms.ChoiceField(label=_("兑现部门"), choices=CommitmentDepartment.choices)
    due_on = forms.DateField(label=_("兑现期限"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    contract = forms.ModelChoiceField(label=_("相关合同"), queryset=None, required=False,
                                      empty_label=_("— 不关联合同 —"))
    request = forms.ModelChoiceField(label=_("相关客户需求"), queryset=None, required=False,
                                     empty_label=_("— 不关联客户需求 —"))

    def __init__(self, *args, customer=None, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # A18.1: a contract (A18.2) and a request (A15) of the same customer only
        from django.apps import apps

        from kam.customers.models import Contract

        requests = apps.get_model("demands", "CustomerRequest").objects
        self.scope("contract", Contract.objects.filter(customer=customer).order_by("-start_on")
                   if customer is not None else Contract.objects.none())
        self.scope("request", requests.filter(customer=customer).order_by("-received_at")
                   if customer is not None else requests.none())


class NoteForm(ActionForm):
    """Done: an optional note."""

    note = forms.CharField(label=_("说明"), required=False, max_length=500,
                           widget=forms.TextInput(attrs={"aria-label": _("说明")}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class GiftPhotoForm(ActionForm):
    """A14.2: the photo of a gift (an image, checked by content and size by the service)."""

    photo = forms.FileField(label=_("礼品照片"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
