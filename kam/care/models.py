"""Care and gifts (A14): the gift register with its gates (A14.2) and the refused attempts.

A gift is registered before it is given (who gives what to which contact of the account, its value), passes the
gates of the policy in force (no cash or cash equivalents, per gift and per recipient-year limits), waits for the
head of sales above the approval threshold, and is marked given. Nothing is deleted: a rejected gift stays with
its decision; a refused attempt stays as a `GiftRefusal` row that management sees (A3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.uploads import UploadValidator
from kam.customers.models import Contact, Customer


class GiftCategory(models.TextChoices):
    CUSTOM = "custom", _("定制礼品")
    FOOD = "food", _("食品与地方特产")
    TEA = "tea", _("茶叶")
    CRAFT = "craft", _("工艺品与文创")
    FLOWERS = "flowers", _("鲜花与绿植")
    HOUSEHOLD = "household", _("家居日用品")
    BOOKS = "books", _("书籍与文化用品")
    OTHER = "other", _("其他")
    # A14.2: cash, securities and cash equivalents — listed so that choosing one is refused and recorded
    CASH = "cash", _("现金/礼金")
    SECURITIES = "securities", _("有价证券")
    PREPAID_CARD = "prepaid_card", _("购物卡/礼品卡/储值卡/充值卡")
    RED_PACKET = "red_packet", _("红包")
    VOUCHER = "voucher", _("消费券/代金券/提货券")


#: A14.2: the categories refused outright (cash, securities, cash equivalents)
PROHIBITED_CATEGORIES = frozenset({GiftCategory.CASH, GiftCategory.SECURITIES, GiftCategory.PREPAID_CARD,
                                   GiftCategory.RED_PACKET, GiftCategory.VOUCHER})


class GiftState(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    AWAITING_APPROVAL = "awaiting", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    GIVEN = "given", _("已赠送")


#: states whose value counts towards the recipient's yearly total (a rejected gift is never given)
COUNTED_STATES = (GiftState.REGISTERED, GiftState.AWAITING_APPROVAL, GiftState.APPROVED, GiftState.GIVEN)


def gift_photo_upload_to(instance: Gift, filename: str) -> str:
    """A14.2: a random name under the account (the uploaded file's own name is not kept)."""
    import uuid

    return f"gifts/{instance.customer_id}/{uuid.uuid4().hex}.img"


class Gift(models.Model):
    """One gift to one person of an account (A14.2). `year` is the calendar year whose total it counts in: the
    year of the planned day, or of the day it was given."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="gifts", verbose_name=_("客户"))
    recipient = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="gifts",
                                  verbose_name=_("受礼人"))
    occasion = models.CharField(_("场合"), max_length=100, blank=True)
    item = models.CharField(_("礼品"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=GiftCategory.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    unit_value = models.DecimalField(_("单价（元）"), max_digits=12, decimal_places=2)
    total_value = models.DecimalField(_("总价值（元）"), max_digits=14, decimal_places=2)
    supplier_ref = models.CharField(_("供应商/发票号"), max_length=100, blank=True)
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gifts_given",
                              verbose_name=_("赠送人"))
    planned_on = models.DateField(_("计划赠送日期"))
    year = models.PositiveSmallIntegerField(_("计入年度"))
    state = models.CharField(_("状态"), max_length=10, choices=GiftState.choices, db_index=True)
    needs_approval = models.BooleanField(_("需审批"), default=False)
    policy_number = models.PositiveIntegerField(_("政策版本"), default=0)
    registered_at = models.DateTimeField(_("登记时间"), db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    given_on = models.DateField(_("赠送日期"), null=True, blank=True)
    given_at = models.DateTimeField(null=True, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("确认人"))
    # A14.2 (optional): checked by content and size; stored 0600, served only through the gift's selector
    photo = models.FileField(_("礼品照片"), upload_to=gift_photo_upload_to, blank=True,
                             validators=[UploadValidator("image", "礼品照片")])

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["recipient", "year"], name="gift_recipient_year"),
                   models.Index(fields=["customer", "-planned_on"], name="gift_customer")]
        verbose_name = _("礼品")
        verbose_name_plural = _("礼品")

    def __str__(self) -> str:
        return f"{self.item} → {self.recipient_id}"


class RefusalReason(models.TextChoices):
    PROHIBITED_CATEGORY = "category", _("现金、有价证券或现金等价物（类别）")
    PROHIBITED_WORD = "word", _("现金、有价证券或现金等价物（礼品名称）")
    OVER_PER_GIFT = "per_gift", _("超过单件礼品价值上限")
    OVER_PER_YEAR = "per_year", _("超过每人每年礼品价值上限")


class GiftRefusal(models.Model):
    """A refused attempt to register (or give) a gift (A14.2): who tried what, when, and why it was refused —
    kept for management (A3), never deleted."""

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("登记人"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("客户"))
    recipient = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("受礼人"))
    gift = models.ForeignKey(Gift, null=True, blank=True, on_delete=models.PROTECT, related_name="refusals")
    item = models.CharField(_("礼品"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=GiftCategory.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    unit_value = models.DecimalField(_("单价（元）"), max_digits=12, decimal_places=2)
    total_value = models.DecimalField(_("总价值（元）"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=10, choices=RefusalReason.choices)
    message = models.TextField(_("提示"))
    channel = models.CharField(_("渠道"), max_length=10, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("礼品拒绝记录")
        verbose_name_plural = _("礼品拒绝记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.item}（{self.get_reason_display()}）"


# --- A14.1 occasions ----------------------------------------------------------------------------------------

class AddedOccasion(models.Model):
    """An occasion the account manager adds for an account (A14.1): the opening of a new hotel, a chairman's
    retirement … once, or every year on its day."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="added_occasions",
                                 verbose_name=_("客户"))
    title = models.CharField(_("名称"), max_length=60)
    on = models.DateField(_("日期"))
    yearly = models.BooleanField(_("每年"), default=False)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("相关联系人"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # no longer observed (never deleted)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("重要日子")
        verbose_name_plural = _("重要日子")

    def __str__(self) -> str:
        return f"{self.title} {self.on}"


class CareKind(models.TextChoices):
    GREETING = "greeting", _("祝福问候")
    GIFT = "gift", _("赠送礼品")
    NONE = "none", _("不做安排")


class GreetingChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信/企业微信")
    SMS = "sms", _("短信")
    CARD = "card", _("贺卡")
    VISIT = "visit", _("上门拜访")
    OTHER = "other", _("其他")


class CareAction(models.Model):
    """What was done for an occasion (A14.1): a greeting (channel, text), a gift (through the register, A14.2) or
    no action with a reason. One per occasion of an account; it meets the occasion's reminder."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="care_actions",
                                 verbose_name=_("客户"))
    key = models.CharField(max_length=60)  # the occasion's key (kam.care.occasions)
    occasion_on = models.DateField(_("日期"), db_index=True)
    title = models.CharField(_("重要日子"), max_length=100)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("联系人"))
    kind = models.CharField(_("关怀方式"), max_length=10, choices=CareKind.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=GreetingChannel.choices, blank=True)
    text = models.CharField(_("祝福内容"), max_length=500, blank=True)
    gift = models.ForeignKey(Gift, null=True, blank=True, on_delete=models.PROTECT, related_name="care_actions",
                             verbose_name=_("礼品"))
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("记录人"))
    at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["-occasion_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="care_action_once")]
        verbose_name = _("关怀记录")
        verbose_name_plural = _("关怀记录")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.key} {self.kind}"


# --- A18.1 commitments --------------------------------------------------------------------------------------

class CommitmentKind(models.TextChoices):
    PAYMENT_TERM = "payment_term", _("延长账期")
    DISCOUNT = "discount", _("额外折扣")
    INSTALLATION = "installation", _("免费安装")
    WARRANTY = "warranty", _("延长质保")
    DELIVERY = "delivery", _("提前交货")
    CUSTOMISATION = "customisation", _("定制")
    OTHER = "other", _("其他")


class CommitmentDepartment(models.TextChoices):
    """The department that must keep the commitment and approves it first (A18.1)."""

    FINANCE = "finance", _("财务部")
    AFTER_SALES = "after_sales", _("售后服务部")
    MARKETING = "marketing", _("市场部")


class CommitmentState(models.TextChoices):
    PENDING = "pending", _("待部门审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")
    DONE = "done", _("已兑现")


class Commitment(models.Model):
    """A term promised to a customer beyond the standard terms (A18.1): registered before the customer hears it,
    approved (or refused with a reason) by the department that must keep it, then kept. Unapproved, it is flagged
    on the account's page."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="commitments",
                                 verbose_name=_("客户"))
    kind = models.CharField(_("类型"), max_length=14, choices=CommitmentKind.choices)
    description = models.TextField(_("承诺内容"))
    value = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    department = models.CharField(_("兑现部门"), max_length=12, choices=CommitmentDepartment.choices)
    due_on = models.DateField(_("兑现期限"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("登记时间"), db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=CommitmentState.choices,
                             default=CommitmentState.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("兑现确认人"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.CharField(_("兑现说明"), max_length=500, blank=True)
    #: A18.1: the contract (A18.2) and the customer request (A15) the commitment belongs to, if any — the same
    #: customer's records (the services check it); the request by name, so that this app imports no other chapter
    contract = models.ForeignKey("customers.Contract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="commitments", verbose_name=_("相关合同"))
    request = models.ForeignKey("demands.CustomerRequest", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="commitments", verbose_name=_("相关客户需求"))

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["department", "state"], name="commitment_queue")]
        verbose_name = _("客户承诺")
        verbose_name_plural = _("客户承诺")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id}"


# --- A14.1 the company's holiday list -------------------------------------------------------------------------

class HolidayCalendar(models.TextChoices):
    SOLAR = "solar", _("公历")
    LUNAR = "lunar", _("农历")


class CompanyHoliday(models.Model):
    """A holiday the company lists besides Spring Festival and Mid-Autumn (A14.1): 元旦, 端午 (农历五月初五),
    国庆, 教师节 … on a solar or a lunar month and day. Company data kept by the head of sales or the
    administrator (not a policy setting); each active holiday is an occasion of every key account. Never deleted:
    a holiday no longer observed is made inactive."""

    name = models.CharField(_("节日名称"), max_length=30, unique=True)
    calendar = models.CharField(_("历法"), max_length=5, choices=HolidayCalendar.choices,
                                default=HolidayCalendar.SOLAR)
    month = models.PositiveSmallIntegerField(_("月"))
    day = models.PositiveSmallIntegerField(_("日"))
    active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("最后修改人"))
    updated_at = models.DateTimeField(_("最后修改时间"), null=True, blank=True)

    class Meta:
        ordering = ["calendar", "month", "day", "id"]
        verbose_name = _("公司节日")
        verbose_name_plural = _("公司节日")

    def __str__(self) -> str:
        return self.name
