"""Forms of the customer pages (A6, A7): in-place section edits, contacts, licences, floor prices.
Each is validated before its one service is called; a service's refusal lands on the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.inputs import ActionForm
from kam.customers.models import PriceSensitivity

EDITABLE = {
    "basic": ("short_name", "province", "city", "address", "founded_on"),
    "decision": ("decision_process",),
    "preferences": ("pref_style", "pref_customisation", "pref_price_sensitivity", "pref_customs"),
}


class BasicForm(ActionForm):
    short_name = forms.CharField(label=_("客户简称"), required=False, max_length=60)
    province = forms.CharField(label=_("省份"), required=False, max_length=30)
    city = forms.CharField(label=_("城市"), required=False, max_length=30)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    founded_on = forms.DateField(label=_("公司成立日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DecisionForm(ActionForm):
    decision_process = forms.CharField(label=_("采购决策流程"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class PreferencesForm(ActionForm):
    pref_style = forms.CharField(label=_("风格偏好"), required=False, max_length=200)
    pref_customisation = forms.CharField(label=_("定制需求"), required=False, max_length=300)
    pref_price_sensitivity = forms.ChoiceField(label=_("价格敏感度"), required=False,
                                               choices=[("", "—"), *PriceSensitivity.choices])
    # A14.1: shown beside each occasion and on the gift form
    pref_customs = forms.CharField(label=_("礼仪与忌讳"), required=False, max_length=500,
                                   widget=forms.Textarea(attrs={"rows": 3, "placeholder": _(
                                       "如：忌送钟表、梨；清真饮食；习惯称呼“王总”")}))


SECTION_FORMS: dict[str, type[ActionForm]] = {"basic": BasicForm, "decision": DecisionForm,
                                              "preferences": PreferencesForm}


class ContactForm(ActionForm):
    name = forms.CharField(label=_("姓名"), max_length=60)
    title = forms.CharField(label=_("职务"), required=False, max_length=60)
    phone = forms.CharField(label=_("电话"), required=False, max_length=40)
    wechat = forms.CharField(label=_("微信/企业微信"), required=False, max_length=60)
    email = forms.EmailField(label=_("邮箱"), required=False)
    is_decision_maker = forms.BooleanField(label=_("决策层"), required=False)
    customs_note = forms.CharField(label=_("礼仪与忌讳"), required=False, max_length=200)  # A14.1


class AnonymiseForm(ActionForm):
    """Anonymising a contact keeps the history; the basis (e.g. the person's request) is recorded."""

    reason = forms.CharField(label=_("匿名化依据"), required=False, max_length=300)


class LicenseForm(ActionForm):
    """A6.1: a licence or qualification of the customer, with its expiry."""

    name = forms.CharField(label=_("证照名称"), required=False, max_length=100)
    number = forms.CharField(label=_("编号"), required=False, max_length=60)
    expires_on = forms.DateField(label=_("有效期至"), required=False)
    file = forms.FileField(label=_("证照文件（图片或 PDF）"), required=False)


class FloorPriceForm(ActionForm):
    """A7.1: a floor price per product series (core data); the amount is checked by the service, which accepts
    "5,000.50". A refused price is never sent back to the browser."""

    series = forms.CharField(label=_("产品系列"), required=False, max_length=100)
    price = forms.CharField(label=_("底价（元）"), required=False, max_length=40)
    service_fields = {"product_series": "series", "amount": "price"}
