from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")
    REFUSED = "refused", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class Approval(models.Model):
    """One request for a decision: what (a registered kind and its subject), who asked, who decides (a role or
    a person), and how it ended. The subject itself (a review, a plan, a gift …) keeps its own state; this row is
    what the approvers' page, its count and the notifications read."""

    kind = models.CharField(_("类型"), max_length=40)
    subject_type = models.CharField(max_length=60)  # app_label.model
    subject_id = models.BigIntegerField()
    title = models.CharField(_("事项"), max_length=200)  # basic data only (never core data)
    url = models.CharField(max_length=200)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("客户"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("提交人"))
    requested_at = models.DateTimeField(_("提交时间"), db_index=True)
    approver_role = models.CharField(_("审批角色"), max_length=20, blank=True)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("审批人"))
    state = models.CharField(_("状态"), max_length=10, choices=ApprovalState.choices,
                             default=ApprovalState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    rule = models.CharField(_("规则"), max_length=12, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["state", "approver_role", "requested_at"], name="appr_role"),
                   models.Index(fields=["state", "approver", "requested_at"], name="appr_person"),
                   models.Index(fields=["subject_type", "subject_id"], name="appr_subject")]
        verbose_name = _("审批")
        verbose_name_plural = _("审批")

    def __str__(self) -> str:
        from kam.approvals.registry import kinds

        registered = kinds().get(self.kind)
        return f"{registered.label if registered else self.kind}：{self.title}（{self.get_state_display()}）"
