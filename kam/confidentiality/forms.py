from django import forms
from django.utils.translation import gettext_lazy as _

from kam.users.models import User


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("动作"), required=False)
    actor = forms.ModelChoiceField(label=_("操作人"), queryset=User.objects.order_by("username"), required=False)
    target_type = forms.CharField(label=_("对象类型"), required=False)
    target_id = forms.CharField(label=_("对象编号"), required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AccessFilter(forms.Form):
    user = forms.ModelChoiceField(label=_("用户"), queryset=User.objects.order_by("username"), required=False)
    customer = forms.IntegerField(label=_("客户编号"), required=False)
    field = forms.CharField(label=_("字段"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", "—"), ("page", "page"),
                                                                        ("api", "api"), ("export", "export"),
                                                                        ("print", "print")])
    since = forms.DateField(label=_("起始"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ClassifyForm(forms.Form):
    field = forms.CharField(max_length=80)
    core = forms.TypedChoiceField(choices=(("0", _("基本")), ("1", _("核心"))), coerce=lambda v: v == "1")
