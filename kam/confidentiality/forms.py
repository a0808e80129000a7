from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.inputs import IdField
from kam.users.models import User


class AccessFilter(forms.Form):
    user = forms.ModelChoiceField(label=_("用户"), queryset=User.objects.order_by("username"), required=False)
    customer = IdField(label=_("客户编号"), required=False)
    field = forms.CharField(label=_("字段"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", "—"), ("page", "page"),
                                                                        ("api", "api"), ("export", "export"),
                                                                        ("print", "print")])
    since = forms.DateField(label=_("起始"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ClassifyForm(forms.Form):
    field = forms.CharField(max_length=80)
    core = forms.TypedChoiceField(choices=(("0", _("基本")), ("1", _("核心"))), coerce=lambda v: v == "1")
