"""Forms of the occasions' company data (A14.1): a holiday of the company's list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.care.models import HolidayCalendar
from kam.core.inputs import ActionForm


class HolidayForm(ActionForm):
    name = forms.CharField(label=_("节日名称"), max_length=30,
                           widget=forms.TextInput(attrs={"placeholder": _("如：教师节")}))
    calendar = forms.ChoiceField(label=_("历法"), choices=HolidayCalendar.choices)
    month = forms.IntegerField(label=_("月"), min_value=1, max_value=12)
    day = forms.IntegerField(label=_("日"), min_value=1, max_value=31)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
