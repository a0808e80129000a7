from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.crypto import EncryptedTextField
from kam.core.pinyin import INITIALS_MAX, PINYIN_MAX
from kam.core.uploads import UploadValidator
from kam.customers.birthdays import BirthdayParts
from kam.customers.validators import validate_credit_code


class CustomerType(models.TextChoices):
    """A2.2 customer types."""

    REAL_ESTATE = "real_estate", _("房地产开发商")
    HOTEL = "hotel", _("大型酒店运营商")
    DEALER = "dealer", _("家具经销商")
    INSTITUTION = "institution", _("企事业单位采购")
    OTHER = "other", _("其他")


class PriceSensitivity(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class Customer(models.Model):
    name = models.CharField(_("客户名称"), max_length=200)
    short_name = models.CharField(_("客户简称"), max_length=60, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="members",
                               verbose_name=_("所属集团"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True,
                                   validators=[validate_credit_code])
    customer_type = models.CharField(_("客户类型"), max_length=20, choices=CustomerType.choices,
                                     default=CustomerType.OTHER, db_index=True)
    province = models.CharField(_("省份"), max_length=30, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # A2.1 cooperation start: derived from the first order / first contract; sales may record an earlier start.
    cooperation_start_override = models.DateField(_("记录的合作起始日"), null=True, blank=True)
    cooperation_start_reason = models.CharField(_("合作起始日说明"), max_length=200, blank=True)
    # A2.1 assessed criteria
    purchase_potential = models.BooleanField(_("持续采购潜力"), default=False)
    purchase_potential_note = models.CharField(_("采购潜力说明"), max_length=300, blank=True)
    industry_influence = models.BooleanField(_("行业影响力"), default=False)
    industry_influence_note = models.CharField(_("行业影响力说明"), max_length=300, blank=True)
    founded_on = models.DateField(_("公司成立日（周年）"), null=True, blank=True)
    # A6.1 dossier: decision process and preferences
    decision_process = models.TextField(_("采购决策流程"), blank=True)
    pref_style = models.CharField(_("风格偏好"), max_length=200, blank=True)
    pref_customisation = models.CharField(_("定制需求"), max_length=300, blank=True)
    pref_price_sensitivity = models.CharField(_("价格敏感度"), max_length=10, choices=PriceSensitivity.choices,
                                              blank=True)
    # A14.1: 礼仪与忌讳 — what not to give, dietary customs, how they like to be greeted (shown beside occasions)
    pref_customs = models.TextField(_("礼仪与忌讳"), max_length=500, blank=True)
    # A9.2: the current account manager (history in AccountAssignment); scopes what a manager sees.
    account_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="managed_customers", verbose_name=_("客户经理"))
    # search keys (issue 13), denormalised from name and short name by kam.customers.search.set_customer_keys:
    # full pinyin and pinyin initials (kam.core.pinyin), kept current by every write of the names
    search_pinyin = models.CharField(max_length=PINYIN_MAX, blank=True, editable=False)
    search_initials = models.CharField(max_length=INITIALS_MAX, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        # the search keys, names and short names have trigram indexes on PostgreSQL (migration 0006: pg_trgm)
        indexes = [models.Index(fields=["account_manager", "name", "id"]), models.Index(fields=["name", "id"])]

    def __str__(self) -> str:
        return self.name


class FloorPrice(models.Model):
    """底价: the lowest price the company accepts for a product series. Core data (A7.1), encrypted."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="floor_prices")
    product_series = models.CharField(_("产品系列"), max_length=60)
    price = EncryptedTextField(_("底价"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "product_series"], name="uniq_floor_price")]
        verbose_name = _("底价")
        verbose_name_plural = _("底价")

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.product_series}"


class BirthdayKind(models.TextChoices):
    NONE = "", _("未记录")
    SOLAR = "solar", _("公历")
    LUNAR = "lunar", _("农历")


class Contact(models.Model):
    """A customer's person. Phone, WeChat and email are personal data, encrypted at rest;
    for decision makers they are core data (A7.1)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=60)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = EncryptedTextField(_("电话"), blank=True)
    wechat = EncryptedTextField(_("微信/企业微信"), blank=True)
    email = EncryptedTextField(_("邮箱"), blank=True)
    is_decision_maker = models.BooleanField(_("决策层"), default=False)
    # search by the last digits of the phone (issue 13) without storing them: a keyed digest of the last
    # PHONE_TAIL digits (kam.core.crypto.blind_index); the match is confirmed on the decrypted phone
    phone_tail_key = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    # A14.1: the birthday is personal data, encrypted at rest as "<kind>:<month>:<day>:<leap>" (kam.customers.
    # birthdays); read and written through the birthday_kind / _month / _day / _leap_month properties below,
    # never filtered on (an empty value is empty: `.exclude(birthday="")` finds the people who have one)
    birthday = EncryptedTextField(_("生日"), blank=True)
    # A14.1: this person's customs (礼仪与忌讳), beside the account's
    customs_note = models.CharField(_("礼仪与忌讳"), max_length=200, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_decision_maker", "name", "id"]
        # the search by name (issue 13) reads this narrow index instead of the rows and their encrypted channels
        indexes = [models.Index(fields=["name", "anonymised_at", "is_decision_maker", "customer", "title"],
                                name="contact_search_cover")]
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return self.name

    # the birthday's parts (decrypted on read; setting one re-encodes the encrypted value)
    def _birthday_parts(self) -> BirthdayParts:
        return BirthdayParts.decode(self.birthday)

    def _set_birthday_part(self, name: str, value) -> None:
        self.birthday = self._birthday_parts().replace(**{name: value}).encode()

    birthday_kind = property(lambda self: self._birthday_parts().kind,
                             lambda self, v: self._set_birthday_part("kind", v or ""))
    birthday_month = property(lambda self: self._birthday_parts().month,
                              lambda self, v: self._set_birthday_part("month", v or None))
    birthday_day = property(lambda self: self._birthday_parts().day,
                            lambda self, v: self._set_birthday_part("day", v or None))
    birthday_leap_month = property(lambda self: self._birthday_parts().leap,
                                   lambda self, v: self._set_birthday_part("leap", bool(v)))


def contract_upload_to(instance: Contract, filename: str) -> str:
    return f"contracts/{instance.customer_id}/{filename}"


class ContractKind(models.TextChoices):
    """A18.2 contract types."""

    FRAMEWORK = "framework", _("框架合同")
    PURCHASE = "purchase", _("采购合同")
    SERVICE = "service", _("服务合同")


class ContractState(models.TextChoices):
    """What is stored (A18.2); the status shown is derived from it and the dates (`Contract.status`)."""

    DRAFT = "draft", _("草稿")
    SIGNED = "signed", _("已签订")
    TERMINATED = "terminated", _("已终止")


class ContractStatus(models.TextChoices):
    """The status shown (A18.2): a draft; signed and not started yet; in force; ended (past its end date);
    terminated early."""

    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待生效")
    IN_FORCE = "in_force", _("履行中")
    ENDED = "ended", _("已到期")
    TERMINATED = "terminated", _("已终止")


class Contract(models.Model):
    """A18.2: all cooperation terms are set in written contracts — one per agreement with the account."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("合同编号"), max_length=60, unique=True)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    terms_summary = models.TextField(_("条款摘要"), blank=True)
    #: a signed contract's scan or PDF; checked by content and size wherever a form fills it (issue 12 §3)
    document = models.FileField(_("合同文件"), upload_to=contract_upload_to, blank=True,
                                validators=[UploadValidator("document", "合同文件")])
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(_("合同类型"), max_length=10, choices=ContractKind.choices, default=ContractKind.PURCHASE)
    amount_ceiling = models.DecimalField(_("金额上限（元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    #: commercial terms: core when management marks them so (A7.1 classification, like floor prices)
    payment_terms = models.TextField(_("付款条件"), blank=True)
    state = models.CharField(_("合同状态"), max_length=10, choices=ContractState.choices, default=ContractState.SIGNED,
                             db_index=True)
    ended_reason = models.CharField(_("终止原因"), max_length=300, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("终止人"))
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登记人"))

    class Meta:
        ordering = ["-start_on", "id"]
        indexes = [models.Index(fields=["customer", "state", "end_on"], name="contract_customer_state")]
        verbose_name = _("合同")
        verbose_name_plural = _("合同")

    def __str__(self) -> str:
        return self.number

    def status_on(self, day) -> str:
        """A18.2: the status shown on a day (derived from the stored state and the dates)."""
        if self.state == ContractState.DRAFT:
            return ContractStatus.DRAFT
        if self.state == ContractState.TERMINATED:
            return ContractStatus.TERMINATED
        if self.start_on > day:
            return ContractStatus.PENDING
        if self.end_on is not None and self.end_on < day:
            return ContractStatus.ENDED
        return ContractStatus.IN_FORCE

    @property
    def status(self) -> str:
        from django.utils import timezone

        return self.status_on(timezone.localdate())

    @property
    def status_label(self) -> str:
        return str(ContractStatus(self.status).label)


def in_force_q(day, prefix: str = ""):
    """A18.2: the contracts in force on `day` (signed, started, not past their end) as a Q on Contract (or on a
    relation to it with `prefix`, e.g. "contracts__")."""
    return (models.Q(**{f"{prefix}state": ContractState.SIGNED, f"{prefix}start_on__lte": day})
            & (models.Q(**{f"{prefix}end_on__isnull": True}) | models.Q(**{f"{prefix}end_on__gte": day})))


class AccountAssignment(models.Model):
    """A9.2: who managed the customer when. Exactly one open assignment per customer."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="assignments")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
                                verbose_name=_("客户经理"))
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(ended_on__isnull=True),
                                    name="one_open_assignment_per_customer"),
        ]
        verbose_name = _("客户经理分配")
        verbose_name_plural = _("客户经理分配")

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.manager_id} ({self.started_on}–{self.ended_on or ''})"
