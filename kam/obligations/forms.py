from django import forms
from django.utils.translation import gettext_lazy as _


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=300)
