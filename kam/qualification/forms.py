"""Forms of the designation pages (A5, A9): one per action, each validated before its one service is called.
Records named by id come from querysets scoped to the user (a customer the user cannot see is a form error)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.core.inputs import ActionForm, IdField
from kam.qualification.models import Decision, ProposalKind
from kam.users.selectors import account_managers

KEEP = "keep"  # the decide form's "decision unchanged"


class IdListField(forms.Field):
    """Several ids posted under one name (checked rows): each a whole number in the database's range."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        one = IdField()
        return [one.clean(v) for v in value]


class ReviewOpenForm(ActionForm):
    """A5.1: the head of sales opens the annual review of a year (this year when left empty)."""

    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)


class DecideForm(ActionForm):
    """A5.1: include or exclude the checked rows (a reason when against the draft) and/or propose a manager."""

    candidate = IdListField(label=_("选中的行"), required=False)
    decision = forms.ChoiceField(label=_("决定"), required=False, choices=[
        (KEEP, _("（决定不变）")), (Decision.INCLUDE, _("纳入")), (Decision.EXCLUDE, _("不纳入")),
        ("", _("恢复系统建议"))])
    reason = forms.CharField(label=_("理由"), required=False, max_length=500)
    manager = forms.ModelChoiceField(label=_("客户经理"), queryset=None, required=False)
    query = forms.CharField(required=False, max_length=2000)
    service_fields = {"candidates": "candidate"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope("manager", account_managers())

    def clean_decision(self):
        value = self.cleaned_data.get("decision")
        if self.is_bound and "decision" not in self.data:
            return KEEP  # a post without the field leaves the decision as it is
        return value


class CandidateAddForm(ActionForm):
    """A5.1: a customer the draft did not list, by full name or unified social credit code."""

    customer = forms.CharField(label=_("客户"), max_length=200)

    def __init__(self, *args, customers: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.customers = customers

    def clean_customer(self):
        ref = self.cleaned_data["customer"].strip()
        customer = self.customers.filter(Q(credit_code__iexact=ref) | Q(name=ref)).first() if ref else None
        if customer is None:
            raise ValidationError(_("找不到客户「%(c)s」（请输入客户全称或统一社会信用代码）。") % {"c": ref})
        return customer


class ReturnForm(ActionForm):
    comment = forms.CharField(label=_("退回意见"), required=False, max_length=2000)


class NoInputForm(ActionForm):
    """An action without input (redraft, submit, approve): the form only carries the service's refusal."""


class HandoverForm(ActionForm):
    """A9.2 handover of a customer the user can see to an account manager (A9.1 cap checked by the service)."""

    customer = forms.ModelChoiceField(label=_("客户"), queryset=None)
    manager = forms.ModelChoiceField(label=_("交给"), queryset=None)
    reason = forms.CharField(label=_("原因"), required=False, max_length=300)

    def __init__(self, *args, customers: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope("customer", customers)
        self.scope("manager", account_managers())


class ProposalForm(ActionForm):
    """A5.2: an exceptional inclusion, a removal, or why a flagged account stays."""

    customer = forms.ModelChoiceField(label=_("客户"), queryset=None)
    kind = forms.ChoiceField(label=_("类型"), choices=ProposalKind.choices)
    manager = forms.ModelChoiceField(label=_("客户经理"), queryset=None, required=False)
    reason = forms.CharField(label=_("理由"), required=False, max_length=1000)

    def __init__(self, *args, customers: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope("customer", customers)
        self.scope("manager", account_managers())


class ProposalDecideForm(ActionForm):
    """A5.2: management approves or rejects a pending proposal."""

    approve = forms.TypedChoiceField(label=_("批准或驳回"), choices=[("1", _("批准")), ("0", _("驳回"))],
                                     coerce=lambda v: v == "1")
    comment = forms.CharField(label=_("批示"), required=False, max_length=1000)
