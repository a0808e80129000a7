from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportMapping(models.Model):
    """How one source's file (an ERP export) maps to a kind's fields; saved once, reused by name."""

    kind = models.CharField(_("导入类型"), max_length=40)
    name = models.CharField(_("映射名称"), max_length=80)
    #: normalized source header -> field name ("" = ignore the column)
    column_map = models.JSONField(default=dict)
    #: field name -> {source value: our value} (e.g. an ERP's customer-type codes)
    value_map = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="uniq_mapping_name")]
        ordering = ["kind", "name"]
        verbose_name = _("导入映射")
        verbose_name_plural = _("导入映射")

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    NEEDS_MAPPING = "needs_mapping", _("需要映射列")
    CHECKING = "checking", _("校验中")
    INVALID = "invalid", _("有错误")
    VALID = "valid", _("校验通过")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("失败")


def import_upload_to(instance: ImportRun, filename: str) -> str:
    from django.utils import timezone

    return f"imports/{timezone.localdate():%Y/%m}/{instance.sha256[:16]}_{filename}"


def import_error_upload_to(instance: ImportRun, filename: str) -> str:
    from django.utils import timezone

    return f"imports/errors/{timezone.localdate():%Y/%m}/{instance.sha256[:16]}_{instance.pk}_{filename}"


class ImportRun(models.Model):
    """One file's import: who, when, file name and hash, counts, outcome; the original file kept."""

    kind = models.CharField(_("导入类型"), max_length=40)
    file = models.FileField(_("文件"), upload_to=import_upload_to, max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    #: what the parser reads: a CSV's bytes, an .xlsx's unpacked bytes (decides request vs background)
    work_bytes = models.PositiveBigIntegerField(default=0)
    mapping = models.ForeignKey(ImportMapping, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    source_headers = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # created / updated / unchanged / rows
    errors = models.JSONField(default=list, blank=True)  # [{line, column, message}], the first 1,000
    error_count = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    #: rows read so far by a check or import in progress (the progress bar; written every few seconds)
    processed_rows = models.PositiveIntegerField(default=0)
    #: the original rows with an added "错误" column (issue 13), made when a check finds errors
    error_file = models.FileField(_("错误文件"), upload_to=import_error_upload_to, max_length=300, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("导入人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: the last sign of life of a check or import in progress (a stale one is failed by the sweep)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"


class WriteState(models.TextChoices):
    WRITING = "writing", _("写入中")
    COMMITTED = "committed", _("已提交")


class ImportWrite(models.Model):
    """One import's write phase on SQLite, written in short transactions (kam.exchange.journal): while WRITING,
    every row it inserted, updated or deleted has an ImportUndo entry, so a failure — or a crash found by the
    sweep — is undone; the final short transaction flips it to COMMITTED (the import's all-or-nothing point)."""

    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=20, choices=WriteState.choices, default=WriteState.WRITING)
    started_at = models.DateTimeField(auto_now_add=True)
    #: the last chunk committed (a write without a sign of life for IMPORT_STALE_MINUTES is undone by the sweep)
    heartbeat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("导入写入")
        verbose_name_plural = _("导入写入")

    def __str__(self) -> str:
        return f"{self.kind} write {self.pk} ({self.state})"


class ImportUndo(models.Model):
    """One row changed by an ImportWrite, recorded by a trigger in the same transaction as the change:
    op I (inserted: delete it), U (updated: restore `old`), D (deleted: insert `old` again). `old` is the
    row's columns as a JSON object (SQLite's json_object)."""

    write_id = models.BigIntegerField()  # ImportWrite; no foreign key: removed in batches, never by a cascade
    table = models.CharField(max_length=100)
    op = models.CharField(max_length=1)
    row_id = models.BigIntegerField()
    old = models.TextField(null=True)

    class Meta:
        indexes = [models.Index(fields=["write_id", "id"], name="exchange_undo_write_id")]
