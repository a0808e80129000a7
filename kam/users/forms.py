from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kam.users.backends import is_throttled


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
        "throttled": _("登录失败次数过多，请 15 分钟后再试。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        ip = self.request.META.get("REMOTE_ADDR") if self.request else None
        if username and is_throttled(username, ip):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        return super().clean()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=80)
