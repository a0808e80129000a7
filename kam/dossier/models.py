"""The key-account dossier (A6): licences and section stamps (who updated or confirmed what, when)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.uploads import UploadValidator
from kam.customers.models import Customer


def license_upload_to(instance: License, filename: str) -> str:
    return f"licenses/{instance.customer_id}/{filename}"


class License(models.Model):
    """A6.1 basic info: the customer's qualifications and licences, with expiry."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="licenses")
    name = models.CharField(_("资质/证照"), max_length=100)
    number = models.CharField(_("编号"), max_length=80, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: the licence's scan or PDF (issue 12 §3: checked by content and size wherever a form fills it)
    file = models.FileField(_("证照文件"), upload_to=license_upload_to, blank=True,
                            validators=[UploadValidator("document", "证照文件")])

    class Meta:
        ordering = ["expires_on", "name"]
        verbose_name = _("资质证照")
        verbose_name_plural = _("资质证照")

    def __str__(self) -> str:
        return self.name


class Section(models.TextChoices):
    """A6.2: the sections the account manager keeps accurate (update, or confirm unchanged)."""

    BASIC = "basic", _("基本信息")
    DECISION = "decision", _("采购决策流程")
    PREFERENCES = "preferences", _("偏好")
    CONTACTS = "contacts", _("联系人")
    FLOOR_PRICES = "floor_prices", _("底价")


#: the sections A6.2's freshness rule asks the account manager to keep accurate
FRESHNESS_SECTIONS = (Section.BASIC, Section.DECISION, Section.PREFERENCES)


class SectionStamp(models.Model):
    """Each update or 'confirm unchanged' of a dossier section (A6.2) — the freshness rule reads these."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="section_stamps")
    section = models.CharField(max_length=12, choices=Section.choices)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed = models.BooleanField(default=False)  # True: "确认无变化"; False: an edit

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["customer", "section", "at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.section} {self.at:%Y-%m-%d}"
