from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kam.core.middleware import client_ip
from kam.users import throttling
from kam.users.models import Role, TokenScope


class ThrottledAuthenticationForm(AuthenticationForm):
    """The log-in form: a (user name, address) pair that failed too often is refused — even with the right
    password — until its delay has passed, and told when to retry; other pairs are not affected."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            delay = throttling.delay_for(username=username, ip=client_ip(self.request))
            if delay is not None:
                throttling.login_throttled_record(username=username, delay=delay)
                raise forms.ValidationError(delay.message(), code="throttled")
            self.request._kam_throttle_checked = True  # the backend need not look again
        return super().clean()

    def get_invalid_login_error(self):
        delay = getattr(self.request, "_kam_login_delay", None)
        if delay is not None:
            return forms.ValidationError(f"{self.error_messages['invalid_login']} {delay.message()}",
                                         code="invalid_login")
        return super().get_invalid_login_error()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=80)
    scope = forms.ChoiceField(label=_("权限"), choices=TokenScope.choices, initial=TokenScope.READ,
                              widget=forms.RadioSelect, required=False,
                              help_text=_("只读令牌只能查询；需要通过 API 修改数据时才选择读写。"))

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or TokenScope.READ  # least privilege when none is chosen


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                    help_text=_("至少 8 位，不能是常见密码。"))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class OtpCodeForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=32, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}))


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label=_("登录密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def role_choices():
    return [(r.value, r.label) for r in Role]


class UserDataForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    email = forms.EmailField(label=_("电子邮件"), required=False)
    phone = forms.CharField(label=_("手机"), max_length=30, required=False)
    wecom_userid = forms.CharField(label=_("企业微信账号"), max_length=64, required=False)
    roles = forms.MultipleChoiceField(label=_("角色"), choices=role_choices, widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": _("请至少选择一个角色。")})


class UserCreateForm(UserDataForm):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               help_text=_("登录用，字母、数字和 @ . + - _；创建后不能修改。"))
    field_order = ["username", "display_name", "email", "phone", "wecom_userid", "roles"]


class LoginHistoryFilterForm(forms.Form):
    username = forms.CharField(label=_("用户名"), required=False)
    action = forms.ChoiceField(label=_("事件"), required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from kam.users.selectors import LOGIN_EVENTS

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("全部"))] + [(k, v) for k, v in LOGIN_EVENTS.items()]
