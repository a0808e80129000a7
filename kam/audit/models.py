from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Append-only: the database refuses UPDATE and DELETE (triggers, see migration 0002).

    `changes` holds old/new values of basic fields only; core values (A7.1) are never written here,
    only the names of the fields that changed.
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("操作人"))
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=40, blank=True, db_index=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    rule = models.CharField(_("规则"), max_length=12, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class CoreAccess(models.Model):
    """A7.2: every reveal of core data (and every denied attempt): who, which fields, which account, when,
    from where, through which channel — never the value. Append-only (migration 0005's triggers)."""

    at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("用户"))
    customer = models.ForeignKey("customers.Customer", null=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("客户"))
    fields = models.JSONField(_("字段"), default=list)
    channel = models.CharField(_("渠道"), max_length=10)  # page / api / export / print
    granted = models.BooleanField(_("允许"), default=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("核心数据访问记录")
        verbose_name_plural = _("核心数据访问记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.customer_id} {self.channel}"
