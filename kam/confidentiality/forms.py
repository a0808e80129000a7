from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.inputs import FilterForm
from kam.core.search import MAX_LENGTH
from kam.users.models import User

#: the channels a core-data read goes through (CoreAccess.channel), in the reader's words
CHANNELS = [("page", _("页面")), ("api", _("接口")), ("export", _("导出")), ("print", _("打印")),
            ("search", _("搜索")), ("cli", _("命令行"))]


class AccessFilter(FilterForm):
    user = forms.ModelChoiceField(label=_("用户"), queryset=User.objects.order_by("username"), required=False)
    # issue 13: the customer by name (or short name, credit code, pinyin), not an internal number
    customer = forms.CharField(label=_("客户"), required=False, max_length=MAX_LENGTH,
                               widget=forms.TextInput(attrs={"placeholder": _("客户名称、简称或拼音首字母"),
                                                             "list": "access-log-customers", "autocomplete": "off"}))
    field = forms.CharField(label=_("字段"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", "—"), *CHANNELS])
    since = forms.DateField(label=_("起始"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the customers matching what is typed, offered as the user types (htmx fills the datalist)
        self.fields["customer"].widget.attrs.update({
            "hx-get": reverse("confidentiality:access_log_customers"), "hx-trigger": "input changed delay:300ms",
            "hx-target": "#access-log-customers", "hx-sync": "this:replace"})


class ClassifyForm(forms.Form):
    field = forms.CharField(max_length=80)
    core = forms.TypedChoiceField(choices=(("0", _("基本")), ("1", _("核心"))), coerce=lambda v: v == "1")
