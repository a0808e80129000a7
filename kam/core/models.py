from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A user's named list view: the filters, sort and columns of one list, kept as its query string."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list_name = models.CharField(max_length=60)
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "list_name", "name"], name="uniq_saved_view")]
        verbose_name = _("保存的视图")
        verbose_name_plural = _("保存的视图")

    def __str__(self) -> str:
        return self.name
