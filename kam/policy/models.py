"""Versioned policy configuration (A2.3, G.1).

A `PolicyVersion` is a complete, validated snapshot of every setting (schema.SETTINGS).

Lifecycle (services.py holds the transitions and who may make them):

    draft ──submit──> submitted ──publish (management)──> published
      ^  \\                │
      │   └─publish (head of sales, qualification.* changes only)──> published
      │                   │
      └──── returned <─return (management, with comment)
            (edited and resubmitted like a draft)

* `number` is given at publication: published versions are numbered 1, 2, 3 … in publication
  order; drafts have none (they are shown as 草案 #<id>).
* `effective_from` is set at publication and is never earlier than the previous published
  version's; the latest published version with `effective_from <= t` is the policy in force at t.
* A published version is immutable: services refuse edits and `save()` / `delete()` raise.
"""

from __future__ import annotations

import copy

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kam.core.errors import InvalidTransition


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草案")
        SUBMITTED = "submitted", _("待管理层审批")
        RETURNED = "returned", _("已退回")
        PUBLISHED = "published", _("已发布")

    number = models.PositiveIntegerField(_("版本号"), null=True, blank=True, unique=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    effective_from = models.DateTimeField(_("生效时间"), null=True, blank=True, db_index=True)
    values = models.JSONField(_("设置取值"))
    note = models.TextField(_("说明"), blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("基于版本"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("起草人"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("提交人"))
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("退回人"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("发布人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["-effective_from", "-number", "-id"]
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published")
                | (models.Q(number__isnull=False) & models.Q(effective_from__isnull=False)
                   & models.Q(published_at__isnull=False)),
                name="policy_published_has_number_and_dates",
            ),
        ]

    # Fields that never change once a version is published.
    FROZEN_FIELDS = ("number", "status", "effective_from", "values", "based_on_id", "published_at",
                     "published_by_id")

    def __str__(self) -> str:
        if self.number is not None:
            return gettext("政策第 %(n)s 版") % {"n": self.number}
        return gettext("政策草案 #%(pk)s") % {"pk": self.pk or "—"}

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_loaded", None)
        if self.pk and loaded and loaded.get("status") == self.Status.PUBLISHED:
            changed = [name for name, old in loaded.items() if getattr(self, name) != old]
            if changed:
                raise InvalidTransition(
                    gettext("已发布的政策版本不可修改（A2.3）：%(fields)s") % {"fields": ", ".join(changed)},
                    rule="A2.3")
        super().save(*args, **kwargs)
        self._loaded = self._frozen_state()

    def delete(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED or (getattr(self, "_loaded", {}) or {}).get(
                "status") == self.Status.PUBLISHED:
            raise InvalidTransition(gettext("已发布的政策版本不可删除（A2.3）。"), rule="A2.3")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    # --- defensive immutability -------------------------------------------------------------

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = instance._frozen_state(field_names)
        return instance

    def _frozen_state(self, field_names=None) -> dict:
        # deep copies: an in-place change of `values` must not change the remembered state
        return {name: copy.deepcopy(getattr(self, name)) for name in self.FROZEN_FIELDS
                if field_names is None or name in field_names}


class OperatingSetting(models.Model):
    """The stored value of an operating setting (kam.policy.operating): a number an issue calls a setting that
    the policy's closed settings index does not list. One row per changed key; a key without a row has its
    registered default. Every change is audited (who, old, new, when)."""

    key = models.CharField(_("设置"), max_length=80, unique=True)
    value = models.JSONField(_("取值"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("修改人"))
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        ordering = ["key"]
        verbose_name = _("运营设置")
        verbose_name_plural = _("运营设置")

    def __str__(self) -> str:
        from kam.policy.operating import _specs

        spec = _specs.get(self.key)
        return str(spec.label) if spec is not None else self.key
