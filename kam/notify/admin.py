from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.notify.models import Delivery, GroupRobot, Notification, WeComApp

SECRET_FIELDS = ("webhook_url", "secret")


class SecretsForm(forms.ModelForm):
    """URLs and secrets are write-only here: never shown back; left empty on edit, they stay as they are."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            if name in self.fields:
                self.fields[name].widget = forms.PasswordInput(render_value=False)
                self.fields[name].required = not (self.instance and self.instance.pk) and name != "secret"
                if self.instance and self.instance.pk:
                    self.fields[name].help_text = _("已设置；留空则不修改。")

    def clean(self):
        data = super().clean()
        if self.instance and self.instance.pk:
            for name in self.secret_fields:
                if name in data and not data[name]:
                    data[name] = getattr(self.instance, name)
        return data


class GroupRobotForm(SecretsForm):
    secret_fields = SECRET_FIELDS

    class Meta:
        model = GroupRobot
        fields = ("name", "kind", "audience", "webhook_url", "secret", "enabled")


class WeComAppForm(SecretsForm):
    secret_fields = ("secret",)

    class Meta:
        model = WeComApp
        fields = ("corp_id", "agent_id", "secret", "base_url", "enabled")


@admin.register(GroupRobot)
class GroupRobotAdmin(admin.ModelAdmin):
    form = GroupRobotForm
    list_display = ("name", "kind", "audience", "enabled")


@admin.register(WeComApp)
class WeComAppAdmin(admin.ModelAdmin):
    form = WeComAppForm
    list_display = ("corp_id", "agent_id", "enabled")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbox: failed deliveries are visible here (status, attempts, last error — never a secret)."""

    list_display = ("notification", "channel", "target", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "channel")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "recipient", "robot", "created_at", "read_at")
