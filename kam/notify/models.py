"""The notification outbox: in-app inbox rows and deliveries to email, WeCom, DingTalk and Feishu,
with attempts, backoff and a visible failed state. Robot URLs and secrets are encrypted (A7.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.crypto import EncryptedTextField


class Notification(models.Model):
    """One message to one person (recipient) or one group robot; the inbox shows the personal ones."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="notifications")
    robot = models.ForeignKey("GroupRobot", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey("obligations.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dedupe_key = models.CharField(max_length=120, unique=True)
    rule = models.CharField(max_length=12, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    WECOM_APP = "wecom_app", _("企业微信应用消息")
    WECOM_ROBOT = "wecom_robot", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    FEISHU = "feishu", _("飞书群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    target = models.CharField(max_length=200)  # email address / WeCom user id / robot id — never a secret
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING,
                              db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-next_attempt_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel", "target"], name="uniq_delivery")]
        verbose_name = _("投递")
        verbose_name_plural = _("投递")

    def __str__(self) -> str:
        return f"{self.channel}→{self.target} {self.status}"


class Audience(models.TextChoices):
    """Who a group robot's group is: the head of sales' group, or a department's queue (G.5)."""

    HEAD_OF_SALES = "head_of_sales", _("销售部负责人群")
    AFTER_SALES = "after_sales", _("售后服务部")
    MARKETING = "marketing", _("市场部")
    FINANCE = "finance", _("财务部")


class RobotKind(models.TextChoices):
    WECOM = "wecom_robot", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉（加签）")
    FEISHU = "feishu", _("飞书（签名校验）")


class GroupRobot(models.Model):
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=12, choices=RobotKind.choices)
    audience = models.CharField(_("接收群"), max_length=20, choices=Audience.choices)
    webhook_url = EncryptedTextField(_("Webhook 地址"))
    secret = EncryptedTextField(_("签名密钥"), blank=True)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()} · {self.get_audience_display()}）"


class WeComApp(models.Model):
    """企业微信自建应用 settings for personal application messages (one row)."""

    corp_id = models.CharField(_("企业 ID"), max_length=64)
    agent_id = models.PositiveIntegerField(_("应用 AgentId"))
    secret = EncryptedTextField(_("应用 Secret"))
    base_url = models.CharField(_("接口地址"), max_length=200, default="https://qyapi.weixin.qq.com")
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("企业微信应用")
        verbose_name_plural = _("企业微信应用")

    def __str__(self) -> str:
        return f"{self.corp_id}/{self.agent_id}"


class DigestRun(models.Model):
    """One daily digest per person and day (G.5), recorded so it is sent once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="uniq_digest")]
