from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    BREACHED = "breached", _("已逾期")


class Alert(models.Model):
    """A due-soon or breach of an obligation, recorded once: the unique key (rule, subject, period, kind)
    makes the sweep idempotent even when two sweeps run at once (house rule 5)."""

    rule = models.CharField(_("规则"), max_length=12)
    subject_type = models.CharField(max_length=20)
    subject_id = models.BigIntegerField()
    period_key = models.CharField(max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=AlertKind.choices)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("负责人"))
    owner_role = models.CharField(max_length=20, blank=True)
    escalation_role = models.CharField(max_length=20, blank=True)
    due_at = models.DateTimeField(_("到期"))
    label = models.CharField(_("内容"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_type", "subject_id", "period_key", "kind"],
                                               name="uniq_alert")]
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")

    def __str__(self) -> str:
        return f"{self.rule} {self.kind} {self.label}"
