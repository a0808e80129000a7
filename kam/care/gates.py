"""The gift gates of A14.2 as pure functions of (the policy's limits, the gift, the recipient's running total):
no database, no clock, so each threshold is tested at its edge without fixtures.

Article 14 (第十四条) asks for gifts within the company's gift rules and forbids cash, securities and the like;
rules.md reads "the like" as cash equivalents (prepaid and shopping cards, red packets, vouchers). The limits are
the policy settings `gifts.max_value_per_gift`, `gifts.max_value_per_recipient_year` and `gifts.approval_over`
(company settings, never constants here)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from kam.care.models import PROHIBITED_CATEGORIES, GiftCategory, RefusalReason

#: the article quoted in every refusal of a cash equivalent (policy-2026.zh.md, 第十四条)
ARTICLE_14 = "第十四条：礼品价值需符合公司礼品管理规定，严禁赠送现金、有价证券等违规物品"

#: A14.2: words that make an item a cash equivalent whatever category was chosen (matched after NFKC
#: normalisation and with spaces removed, so "购 物 卡" and full-width variants are caught too)
PROHIBITED_WORDS = ("现金", "礼金", "红包", "有价证券", "股票", "债券", "购物卡", "礼品卡", "储值卡", "充值卡",
                    "预付卡", "消费卡", "加油卡", "购物券", "消费券", "代金券", "提货券", "礼券")

TWO = Decimal("0.01")


@dataclass(frozen=True)
class Limits:
    """The A14.2 settings of the policy in force."""

    per_gift: Decimal
    per_recipient_year: Decimal
    approval_over: Decimal

    @classmethod
    def of(cls, policy) -> Limits:
        return cls(per_gift=Decimal(policy["gifts.max_value_per_gift"]),
                   per_recipient_year=Decimal(policy["gifts.max_value_per_recipient_year"]),
                   approval_over=Decimal(policy["gifts.approval_over"]))


@dataclass(frozen=True)
class Refusal:
    reason: str  # a RefusalReason value
    field: str  # the input at fault
    message: str


def yuan(value: Decimal) -> str:
    return f"¥{value.quantize(TWO):,}"


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def prohibited_word(item: str) -> str | None:
    """The first cash-equivalent word in the item's text, or None."""
    text = _normal(item)
    return next((w for w in PROHIBITED_WORDS if w in text), None)


def total_of(quantity: int, unit_value: Decimal) -> Decimal:
    return (Decimal(quantity) * unit_value).quantize(TWO)


def check(*, limits: Limits, item: str, category: str, total: Decimal, year: int, recipient: str,
          year_total_before: Decimal) -> Refusal | None:
    """A14.2, in order: cash and cash equivalents by category, then by the item's words; the value of the gift;
    the recipient's total for the calendar year with this gift. None when the gift may be registered."""
    if category in PROHIBITED_CATEGORIES:  # A14.2 cash, securities, cash equivalents: refused outright
        return Refusal(RefusalReason.PROHIBITED_CATEGORY, "category", _(
            "「%(cat)s」属于现金、有价证券或现金等价物，不能作为礼品登记或赠送（%(article)s；A14.2）。") % {
            "cat": GiftCategory(category).label, "article": ARTICLE_14})
    word = prohibited_word(item)
    if word is not None:  # A14.2: the item's text names a cash equivalent whatever the category says
        return Refusal(RefusalReason.PROHIBITED_WORD, "item", _(
            "「%(item)s」含有「%(word)s」，属于现金、有价证券或现金等价物，不能作为礼品登记或赠送"
            "（%(article)s；A14.2）。") % {"item": item.strip(), "word": word, "article": ARTICLE_14})
    if total > limits.per_gift:  # A14.2 gifts.max_value_per_gift
        return Refusal(RefusalReason.OVER_PER_GIFT, "total_value", _(
            "礼品总价值 %(total)s 超过单件礼品价值上限 %(max)s（第十四条：礼品价值需符合公司礼品管理规定；"
            "A14.2）。") % {"total": yuan(total), "max": yuan(limits.per_gift)})
    after = year_total_before + total
    if after > limits.per_recipient_year:  # A14.2 gifts.max_value_per_recipient_year, the running total shown
        return Refusal(RefusalReason.OVER_PER_YEAR, "total_value", _(
            "%(who)s %(year)s 年已登记礼品累计 %(before)s，加上本次 %(total)s 为 %(after)s，超过每人每年上限 "
            "%(max)s（第十四条：礼品价值需符合公司礼品管理规定；A14.2）。本年度还可登记 %(left)s。") % {
            "who": recipient, "year": year, "before": yuan(year_total_before), "total": yuan(total),
            "after": yuan(after), "max": yuan(limits.per_recipient_year),
            "left": yuan(max(limits.per_recipient_year - year_total_before, Decimal("0")))})
    return None


def needs_approval(*, limits: Limits, total: Decimal) -> bool:
    """A14.2: above `gifts.approval_over` the head of sales approves before the gift is given."""
    return total > limits.approval_over
