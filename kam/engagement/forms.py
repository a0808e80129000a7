from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core import uploads
from kam.core.inputs import ActionForm, IdField
from kam.customers.models import Contact
from kam.engagement.models import ContactKind, Material, Topic


class ContactLogForm(ActionForm):
    customer = forms.ModelChoiceField(label=_("客户"), queryset=None)
    at = forms.DateTimeField(label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    kind = forms.ChoiceField(label=_("方式"), choices=ContactKind.choices, widget=forms.RadioSelect,
                             initial=ContactKind.PHONE)
    contact = IdField(label=_("客户方人员"), required=False, widget=forms.Select)
    topic = forms.ChoiceField(label=_("主题"), choices=Topic.choices, initial=Topic.NEEDS)
    summary = forms.CharField(label=_("摘要"), widget=forms.Textarea(attrs={"rows": 4}))
    next_step = forms.CharField(label=_("下一步"), required=False, max_length=300)

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        if not self.is_bound:
            self.initial.setdefault("at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def clean(self):
        data = super().clean()
        contact_id, customer = data.get("contact"), data.get("customer")
        data["contact"] = None
        if contact_id and customer is not None:
            data["contact"] = Contact.objects.filter(pk=contact_id, customer=customer).first()
            if data["contact"] is None:
                self.add_error("contact", _("所选人员不属于该客户。"))
        return data


class VisitBookForm(ActionForm):
    customer = forms.ModelChoiceField(label=_("客户"), queryset=None)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("开始"), widget=forms.TimeInput(attrs={"type": "time"}), initial="10:00")
    end = forms.TimeField(label=_("结束"), widget=forms.TimeInput(attrs={"type": "time"}), initial="11:30")
    purpose = forms.CharField(label=_("拜访目的"), max_length=300)
    materials = forms.MultipleChoiceField(label=_("携带资料"), choices=Material.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    override_reason = forms.CharField(label=_("提前不足一个工作日的原因（如需）"), required=False, max_length=300)
    service_fields = {"starts_at": "day", "ends_at": "end"}

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class VisitRecordForm(ActionForm):
    ended_at = forms.DateTimeField(label=_("实际结束时间"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                   input_formats=["%Y-%m-%dT%H:%M"])
    purchase_plans = forms.CharField(label=_("客户近期采购计划"), widget=forms.Textarea(attrs={"rows": 3}))
    usage_problems = forms.CharField(label=_("产品使用问题"), widget=forms.Textarea(attrs={"rows": 3}))
    suggestions = forms.CharField(label=_("改进建议"), widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("照片"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    lat = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6)
    lng = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6)
    accuracy = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_photo(self):
        """Issue 12 §3: checked by content and size (settings.UPLOAD_MAX_BYTES) before the record is saved; a
        refused photo is an error on this field and the visit stays unrecorded."""
        photo = self.cleaned_data.get("photo")
        if photo:
            message = uploads.upload_error(photo, kind="image", label=str(self.fields["photo"].label))
            if message:
                raise forms.ValidationError(message)
        return photo


class VisitCancelForm(ActionForm):
    reason = forms.CharField(label=_("取消原因"), required=False, max_length=300)


class NoInputForm(ActionForm):
    """An action without input (confirm a visit): the form only carries the service's refusal."""


class CustomerPickForm(forms.Form):
    """The customer chosen on the contact form (htmx), by id."""

    customer = IdField(label=_("客户"))
