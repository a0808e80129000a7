"""After-sales green channel (A11): tickets with response and on-site clocks, pauses, care sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.customers.models import Customer


class TicketStatus(models.TextChoices):
    NEW = "new", _("新建")
    RESPONDED = "responded", _("已响应")
    SCHEDULED = "scheduled", _("已安排上门")
    ON_SITE = "on_site", _("已到现场")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


#: the allowed transitions (anything else is refused)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    TicketStatus.NEW: (TicketStatus.RESPONDED,),
    TicketStatus.RESPONDED: (TicketStatus.SCHEDULED, TicketStatus.RESOLVED),
    TicketStatus.SCHEDULED: (TicketStatus.ON_SITE,),
    TicketStatus.ON_SITE: (TicketStatus.RESOLVED,),
    TicketStatus.RESOLVED: (TicketStatus.CLOSED, TicketStatus.RESPONDED),
    TicketStatus.CLOSED: (TicketStatus.RESPONDED,),
}
REOPEN_DAYS = 30


class ConfirmChannel(models.TextChoices):
    """How the customer confirmed the resolution before a ticket closes."""

    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信/企业微信")
    ON_SITE = "on_site", _("现场签字")
    EMAIL = "email", _("邮件")
    OTHER = "other", _("其他")


class Ticket(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    number = models.CharField(_("工单号"), max_length=40, unique=True)
    reported_at = models.DateTimeField(_("客户报修时间"), db_index=True)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product_ref = models.CharField(_("产品/订单"), max_length=120, blank=True)
    problem = models.TextField(_("问题描述"))
    site_address = models.CharField(_("现场地址"), max_length=200, blank=True)
    site_city = models.CharField(_("现场城市"), max_length=30)
    onsite_needed = models.BooleanField(_("需要上门"), null=True, blank=True)
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="tickets", verbose_name=_("技术员"))
    status = models.CharField(_("状态"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW,
                              db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = models.TextField(_("响应说明"), blank=True)
    scheduled_for = models.DateTimeField(_("预约上门时间"), null=True, blank=True)
    on_site_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_remotely = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    # the customer's confirmation a close records: who confirmed, when, how
    confirmed_by = models.CharField(_("客户确认人"), max_length=60, blank=True)
    confirmed_at = models.DateTimeField(_("客户确认时间"), null=True, blank=True)
    confirmed_via = models.CharField(_("确认方式"), max_length=10, choices=ConfirmChannel.choices, blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["status", "reported_at"])]
        verbose_name = _("售后工单")
        verbose_name_plural = _("售后工单")

    def __str__(self) -> str:
        return self.number


class PauseReason(models.TextChoices):
    CUSTOMER_UNAVAILABLE = "customer_unavailable", _("客户不在/无法联系")
    CUSTOMER_LATER_DATE = "customer_later_date", _("客户要求改期")


class TicketPause(models.Model):
    """A pause of the on-site clock (A11.2): only by after-sales, only for a listed reason; audited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("原因"), max_length=24, choices=PauseReason.choices)
    later_date = models.DateField(_("客户要求的日期"), null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.reason}"


class CareKind(models.TextChoices):
    GUIDANCE = "guidance", _("保养指导")
    TRAINING = "training", _("使用培训")


class CareSession(models.Model):
    """A11.3: maintenance guidance or usage training held for a key account."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="care_sessions")
    kind = models.CharField(_("类型"), max_length=10, choices=CareKind.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("内容"), blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("保养指导/培训")
        verbose_name_plural = _("保养指导/培训")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.at:%Y-%m-%d}"
