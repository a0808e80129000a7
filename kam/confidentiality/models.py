"""A7.1 field classification: the fields management marked core beyond the fixed ones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldClassification(models.Model):
    """A7.1: management marks a further field core (or back to basic); the fixed core fields are not here."""

    field = models.CharField(_("字段"), max_length=80, unique=True)
    core = models.BooleanField(_("核心数据"), default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("字段密级")
        verbose_name_plural = _("字段密级")

    def __str__(self) -> str:
        return f"{self.field}: {'core' if self.core else 'basic'}"
