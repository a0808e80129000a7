from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    UPCOMING = "upcoming", _("未到期")
    DUE_SOON = "due_soon", _("即将到期")
    MET = "met", _("已完成")
    MET_LATE = "met_late", _("逾期完成")
    BREACHED = "breached", _("已逾期")
    OBSOLETE = "obsolete", _("已失效")  # the account left the list, the visit was cancelled, the policy changed
    ERROR = "error", _("无法判定")  # the subject's facts could not be judged (reported to the administrator)


OPEN_STATES = (State.UPCOMING, State.DUE_SOON, State.BREACHED)


class StoredObligation(models.Model):
    """An obligation as the engine last judged it (architecture house rule 5: timers are data).

    The sweep reconciles these rows with the engine set-based, and every service that changes a fact
    re-evaluates the subjects it touched in the same transaction (`kam.obligations.store.reflect`); pages and
    the API read them — nothing recomputes the world per request (healthchecks: deadlines as indexed columns)."""

    rule = models.CharField(_("规则"), max_length=12)
    subject_type = models.CharField(max_length=20)
    subject_id = models.BigIntegerField()
    period_key = models.CharField(max_length=80)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("客户"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("负责人"))
    owner_role = models.CharField(max_length=20, blank=True)
    watcher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    escalation_role = models.CharField(max_length=20, blank=True)
    queue = models.CharField(max_length=20, blank=True)
    window_start = models.DateTimeField()
    due_at = models.DateTimeField(_("到期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    required = models.PositiveIntegerField(default=1)
    done = models.PositiveIntegerField(default=0)
    met_at = models.DateTimeField(null=True, blank=True)
    label = models.CharField(_("内容"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    provisional = models.BooleanField(default=False)  # due time computed on a provisional calendar year
    #: the engine's current answer includes it (pages show live rows); older rows the engine no longer judges
    #: stay as history (the compliance trend, the alert history)
    live = models.BooleanField(default=True)
    evaluated_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledgement = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        db_table = "obligations_obligation"
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_type", "subject_id", "period_key"],
                                               name="uniq_obligation")]
        indexes = [
            models.Index(fields=["owner", "live", "due_at"], name="obl_owner"),
            models.Index(fields=["watcher", "live", "due_at"], name="obl_watcher"),
            models.Index(fields=["owner_role", "live", "due_at"], name="obl_role"),
            models.Index(fields=["queue", "live", "state", "due_at"], name="obl_queue"),
            models.Index(fields=["customer", "live", "due_at"], name="obl_customer"),
            models.Index(fields=["subject_type", "subject_id"], name="obl_subject"),
            models.Index(fields=["due_at", "rule"], name="obl_due"),
            # the compliance overview's GROUP BY and the weekly trend read only this index (covering)
            models.Index(fields=["due_at", "state", "window_start", "owner", "owner_role", "rule"],
                         name="obl_compliance"),
        ]
        verbose_name = _("义务")
        verbose_name_plural = _("义务")

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_type}:{self.subject_id} {self.period_key} {self.state}"

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.rule, self.subject_type, self.subject_id, self.period_key)


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    BREACHED = "breached", _("已逾期")
    ERROR = "error", _("无法判定")


class Resolution(models.TextChoices):
    MET = "met", _("已完成")
    MET_LATE = "met_late", _("逾期完成")
    OBSOLETE = "obsolete", _("已失效")
    SUPERSEDED = "superseded", _("已逾期（另有逾期提醒）")  # a due-soon alert once the clock is breached
    ACKNOWLEDGED = "acknowledged", _("已说明")


class Alert(models.Model):
    """A due-soon or breach of an obligation, recorded once: the unique key (rule, subject, period, kind)
    makes the sweep idempotent even when two sweeps run at once (house rule 5). Open until the sweep (or the
    write that changed the facts) resolves it: met, met late, obsolete, superseded, or acknowledged."""

    rule = models.CharField(_("规则"), max_length=12)
    subject_type = models.CharField(max_length=20)
    subject_id = models.BigIntegerField()
    period_key = models.CharField(max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=AlertKind.choices)
    obligation = models.ForeignKey(StoredObligation, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="alerts")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("负责人"))
    owner_role = models.CharField(max_length=20, blank=True)
    escalation_role = models.CharField(max_length=20, blank=True)
    due_at = models.DateTimeField(_("到期"))
    label = models.CharField(_("内容"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution = models.CharField(_("结果"), max_length=12, choices=Resolution.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_type", "subject_id", "period_key", "kind"],
                                               name="uniq_alert")]
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")

    def __str__(self) -> str:
        return f"{self.rule} {self.kind} {self.label}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class SweepRun(models.Model):
    """One run of the sweep: when it started and finished, what it did, what could not be evaluated (health)."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    evaluated = models.PositiveIntegerField(default=0)
    alerts = models.PositiveIntegerField(default=0)
    failed = models.JSONField(default=dict, blank=True)  # rule id or job -> error

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("巡检")
        verbose_name_plural = _("巡检")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'ok' if self.finished_at else '…'}"
