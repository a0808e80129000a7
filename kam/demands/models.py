"""Customer requests (A15): response and preliminary-solution clocks, escalation across departments,
and feedback to the customer recorded before a request can close."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.customers.models import Customer


class RequestKind(models.TextChoices):
    CUSTOMISATION = "customisation", _("定制")
    DELIVERY_CHANGE = "delivery_change", _("交付变更")
    REPAIR = "repair", _("维修")
    OTHER = "other", _("其他")


class RequestChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信/企业微信")
    EMAIL = "email", _("邮件")
    VISIT = "visit", _("拜访")
    OTHER = "other", _("其他")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待响应")
    RESPONDED = "responded", _("已响应")
    ESCALATED = "escalated", _("已升级待分派")
    ASSIGNED = "assigned", _("部门处理中")
    SOLVED = "solved", _("已有结果")
    CLOSED = "closed", _("已关闭")


class Department(models.TextChoices):
    AFTER_SALES = "after_sales", _("售后服务部")
    MARKETING = "marketing", _("市场部")
    FINANCE = "finance", _("财务部")


class CustomerRequest(models.Model):
    # XQ<date>-<n>, like the tickets' SH<date>-<n> (kam.demands.services.next_number): what people quote and search
    number = models.CharField(_("需求编号"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("类型"), max_length=16, choices=RequestKind.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=RequestChannel.choices)
    received_at = models.DateTimeField(_("收到时间"), db_index=True)
    summary = models.TextField(_("需求内容"))
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN,
                              db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(_("首次响应"), blank=True)
    solution_at = models.DateTimeField(null=True, blank=True)
    solution = models.TextField(_("初步方案"), blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_note = models.TextField(_("升级说明"), blank=True)
    department = models.CharField(_("负责部门"), max_length=12, choices=Department.choices, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assigned_requests", verbose_name=_("负责人"))
    assigned_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("处理结果"), blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey("service.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="requests", verbose_name=_("维修工单"))

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("客户需求")
        verbose_name_plural = _("客户需求")

    def __str__(self) -> str:
        return f"{self.number} · {self.get_kind_display()}"


class Feedback(models.Model):
    """A15.2: the outcome told to the customer — who told whom, when, how."""

    request = models.ForeignKey(CustomerRequest, on_delete=models.CASCADE, related_name="feedback")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_person = models.CharField(_("告知对象"), max_length=60)
    at = models.DateTimeField(_("时间"))
    how = models.CharField(_("方式"), max_length=10, choices=RequestChannel.choices)
    note = models.TextField(_("内容"), blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.to_person}"
