"""Key-account designation (A2, A5, A9): annual reviews, candidates, designations, tiers, mid-year proposals.

Nothing here is deleted: a designation ends (with who, when, why); tiers change by new rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.customers.models import Customer


class Tier(models.TextChoices):
    CORE = "core", _("核心大客户")
    ORDINARY = "ordinary", _("普通大客户")


class DesignationSource(models.TextChoices):
    ANNUAL_REVIEW = "annual_review", _("年度评审")
    EXCEPTIONAL = "exceptional_inclusion", _("破格纳入")
    INITIAL_LIST = "initial_list", _("初始名单")


class ReviewKind(models.TextChoices):
    ANNUAL = "annual", _("年度评审")
    INITIAL = "initial", _("初始名单")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交待批准")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已批准")


class Review(models.Model):
    """A5.1: the yearly review (or the initial list when going live), drafted from data, approved by management."""

    kind = models.CharField(_("类型"), max_length=10, choices=ReviewKind.choices, default=ReviewKind.ANNUAL)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    period_start = models.DateField(_("评审期开始"))
    period_end = models.DateField(_("评审期截止（含）"))
    policy_version = models.ForeignKey("policy.PolicyVersion", null=True, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("所用政策版本"))
    policy_number = models.PositiveIntegerField(_("政策版本号"), default=0)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    drafted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)

    class Meta:
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "year"], condition=models.Q(kind="annual"),
                                               name="one_annual_review_per_year")]
        verbose_name = _("大客户评审")
        verbose_name_plural = _("大客户评审")

    def __str__(self) -> str:
        if self.kind == ReviewKind.INITIAL:
            return f"{self.year} 初始大客户名单"
        return f"{self.year} 年度大客户评审"

    @property
    def editable(self) -> bool:
        return self.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class Decision(models.TextChoices):
    INCLUDE = "include", _("纳入")
    EXCLUDE = "exclude", _("不纳入")


class Candidate(models.Model):
    """One customer's row of a review: the facts, each criterion met or not, the draft, sales' decision."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="candidates")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(default=dict)
    facts_hash = models.CharField(max_length=40, blank=True)
    meets_amount = models.BooleanField(default=False)
    meets_years = models.BooleanField(default=False)
    meets_assessed = models.BooleanField(default=False)
    qualifies = models.BooleanField(_("符合标准"), default=False, db_index=True)
    currently_key = models.BooleanField(_("现为大客户"), default=False)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0, db_index=True)
    draft = models.CharField(_("系统建议"), max_length=10, choices=Decision.choices)
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices, blank=True)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    facts_changed = models.BooleanField(_("依据已变化"), default=False)
    proposed_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("拟任客户经理"))
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "customer"], name="uniq_candidate")]
        indexes = [models.Index(fields=["review", "qualifies"])]
        verbose_name = _("评审候选")
        verbose_name_plural = _("评审候选")

    def __str__(self) -> str:
        return f"{self.review_id}:{self.customer_id}"

    @property
    def final(self) -> str:
        return self.decision or self.draft

    @property
    def included(self) -> bool:
        return self.final == Decision.INCLUDE


class Designation(models.Model):
    """A period during which a customer is a key account (A2, A5). Ends, never deleted."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="designations")
    source = models.CharField(_("来源"), max_length=24, choices=DesignationSource.choices)
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="designations")
    proposal = models.ForeignKey("Proposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices, default=Tier.ORDINARY)
    started_at = models.DateTimeField(_("开始"))
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("批准人"))
    policy_number = models.PositiveIntegerField(_("政策版本号"), default=0)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=300, blank=True)
    ended_by_review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["customer_id", "-started_at"]
        constraints = [models.UniqueConstraint(fields=["customer"], condition=models.Q(ended_at__isnull=True),
                                               name="one_open_designation_per_customer")]
        indexes = [models.Index(fields=["ended_at", "tier"])]
        verbose_name = _("大客户认定")
        verbose_name_plural = _("大客户认定")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_tier_display()} {self.started_at:%Y-%m-%d}"


class TierChange(models.Model):
    """A5.3 tier history: from `effective_at` the customer's tier is `tier` (A12.2 reads it by period)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tier_changes")
    designation = models.ForeignKey(Designation, on_delete=models.PROTECT, related_name="tier_changes")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    effective_at = models.DateTimeField(db_index=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    reason = models.CharField(max_length=200, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    policy_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["customer_id", "effective_at", "id"]
        verbose_name = _("层级变更")
        verbose_name_plural = _("层级变更")

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.tier} @ {self.effective_at:%Y-%m-%d}"


class ProposalKind(models.TextChoices):
    INCLUSION = "inclusion", _("破格纳入")
    REMOVAL = "removal", _("移出")
    KEEP = "keep", _("保留（说明原因）")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("待批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    RECORDED = "recorded", _("已记录")


class FlagKind(models.TextChoices):
    NO_LONGER_MEETS = "no_longer_meets", _("不再符合标准")
    EXCEPTIONAL = "exceptional", _("符合破格条件")


class Flag(models.Model):
    """A5.2: the monthly check's finding for one customer (one per customer, month and kind)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # first day of the month checked
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    facts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey("Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-month", "kind", "customer_id"]
        constraints = [models.UniqueConstraint(fields=["customer", "month", "kind"], name="uniq_flag")]
        verbose_name = _("月度提示")
        verbose_name_plural = _("月度提示")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.customer_id}"


class Proposal(models.Model):
    """A5.2 mid-year change: sales proposes, management approves or rejects; a 'keep' is recorded."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="designation_proposals")
    kind = models.CharField(_("类型"), max_length=10, choices=ProposalKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    facts = models.JSONField(default=dict)
    reason = models.TextField(_("理由"))
    proposed_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("拟任客户经理"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("批示"), blank=True)
    policy_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("年中调整提议")
        verbose_name_plural = _("年中调整提议")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id}"


class FlagRun(models.Model):
    """The monthly A5.2 check ran for `month` (so the sweep runs it once a month)."""

    month = models.DateField(unique=True)
    ran_at = models.DateTimeField(auto_now_add=True)
    flags = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
