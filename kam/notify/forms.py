from django import forms
from django.utils.translation import gettext_lazy as _

from kam.notify.models import Audience, RobotKind


def _secret_input():
    # write-only: the stored value is never rendered back into the page
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})


class GroupRobotForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=RobotKind.choices)
    audience = forms.ChoiceField(label=_("接收群"), choices=Audience.choices)
    webhook_url = forms.CharField(label=_("Webhook 地址"), required=False, max_length=500, widget=_secret_input())
    secret = forms.CharField(label=_("签名密钥"), required=False, max_length=200, widget=_secret_input(),
                             help_text=_("钉钉加签、飞书签名校验时填写；企业微信机器人留空。"))
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, robot=None, **kwargs):
        super().__init__(*args, **kwargs)
        if robot is not None:
            self.fields["webhook_url"].help_text = _("已设置；留空则不修改。")
            if robot.secret:
                self.fields["secret"].help_text = _("已设置；留空则不修改。")


class WeComAppForm(forms.Form):
    corp_id = forms.CharField(label=_("企业 ID"), max_length=64)
    agent_id = forms.IntegerField(label=_("应用 AgentId"), min_value=1)
    secret = forms.CharField(label=_("应用 Secret"), required=False, max_length=200, widget=_secret_input())
    base_url = forms.CharField(label=_("接口地址"), max_length=200, initial="https://qyapi.weixin.qq.com")
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, app=None, **kwargs):
        super().__init__(*args, **kwargs)
        if app is not None:
            self.fields["secret"].help_text = _("已设置；留空则不修改。")
