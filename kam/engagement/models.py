"""Contact log (A12.1, A8.1) and visits (A12.2, A13.1, A13.2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.uploads import UploadValidator
from kam.customers.models import Contact, Customer


class ContactKind(models.TextChoices):
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信/企业微信")
    VISIT = "visit", _("拜访")
    MEETING = "meeting", _("会议")
    EMAIL = "email", _("邮件")


#: kinds that count as a remote contact for A12.1 (a visit counts too)
A121_KINDS = (ContactKind.PHONE, ContactKind.WECHAT, ContactKind.VISIT)


class Topic(models.TextChoices):
    NEEDS = "needs", _("客户需求")
    PRODUCT = "product", _("产品使用体验")
    COOPERATION = "cooperation", _("合作改进")
    OTHER = "other", _("其他")


class ContactLog(models.Model):
    """One contact with a customer. Everyone's entries are the dossier's communication records."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contact_logs")
    at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("方式"), max_length=10, choices=ContactKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_logs",
                               verbose_name=_("记录人"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("客户方人员"))
    with_decision_maker = models.BooleanField(_("与决策层"), default=False)
    topic = models.CharField(_("主题"), max_length=12, choices=Topic.choices, default=Topic.NEEDS)
    summary = models.TextField(_("摘要"))
    next_step = models.CharField(_("下一步"), max_length=300, blank=True)
    visit = models.OneToOneField("Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="contact_log")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "at"]), models.Index(fields=["author", "at"])]
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.at:%Y-%m-%d}"

    @property
    def own_summary(self) -> str:
        """The summary as the records show it: a visit's log does not repeat the summary its record wrote
        ("purpose：purchase plans…", or the visit's purpose) — the visit's record is shown once (A13.2)."""
        visit = self.visit
        if visit is None:
            return self.summary
        text = self.summary.strip()
        if text in (visit.purpose, visit_summary(visit)) or text.startswith(f"{visit.purpose}："):
            return ""
        return self.summary


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CONFIRMED = "confirmed", _("已确认")
    DONE = "done", _("已记录")
    CANCELLED = "cancelled", _("已取消")


class Material(models.TextChoices):
    SAMPLES = "samples", _("样品")
    QUOTATION = "quotation", _("报价单")
    SERVICE_HISTORY = "service_history", _("售后记录")
    CATALOGUE = "catalogue", _("产品资料")


class Visit(models.Model):
    """A13: booked ≥ N working days ahead (gate, overridable with a reason), confirmed, recorded within 24 h."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="visits")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits",
                              verbose_name=_("拜访人"))
    starts_at = models.DateTimeField(_("开始"), db_index=True)
    ends_at = models.DateTimeField(_("结束"))
    purpose = models.CharField(_("目的"), max_length=300)
    materials = models.JSONField(_("携带资料"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.BOOKED)
    booked_at = models.DateTimeField(_("预约时间"))
    lead_override_reason = models.CharField(_("提前不足的原因"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    # A13.2 record
    purchase_plans = models.TextField(_("近期采购计划"), blank=True)
    usage_problems = models.TextField(_("产品使用问题"), blank=True)
    suggestions = models.TextField(_("改进建议"), blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True, db_index=True)
    checkin_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    checkin_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["customer", "starts_at"]), models.Index(fields=["owner", "starts_at"])]
        verbose_name = _("拜访")
        verbose_name_plural = _("拜访")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.starts_at:%Y-%m-%d %H:%M}"

    def get_materials_display(self) -> list[str]:
        """The materials taken along, in the reader's language (unknown values kept as they are)."""
        labels = dict(Material.choices)
        return [str(labels.get(m, m)) for m in (self.materials or [])]


def visit_summary(visit: Visit) -> str:
    """What a visit's contact log says when the record gives no summary of its own: the visit's purpose (the
    record's purchase plans, usage problems and suggestions stay on the visit, shown once)."""
    return f"拜访：{visit.purpose}"[:300]


def visit_photo_upload_to(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=visit_photo_upload_to, validators=[UploadValidator("image", "照片")])
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("拜访照片")
        verbose_name_plural = _("拜访照片")

    def __str__(self) -> str:
        return self.image.name


class CalendarFeedToken(models.Model):
    """A secret, revocable ICS feed URL per user (Outlook / WeCom calendars). Stored hashed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self) -> str:
        return f"{self.user_id} feed"
