"""Rule ids of the policy (rules.md): A<article>.<n> and the general rules G.<n>.

Other apps import these helpers to cite a rule wherever it surfaces (house rule 4):
    article_label("A12.2") -> "第十二条"     article_label("G.3") -> "通则"
    rule_anchor("A12.2")   -> "rule-A12-2"   rule_url("A12.2")    -> "/policy/#rule-A12-2"
The policy page (`policy:in_force`) gives the first setting row of each rule that id.
"""

from __future__ import annotations

import re

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

_RULE_RE = re.compile(r"^\s*(?:A(?P<article>\d+)(?:\.(?P<item>\d+))?|G\.(?P<general>\d+))\s*$")

#: every rule of the catalogue (rules.md), in its order, with a short title
RULES: dict[str, str | Promise] = {
    "G.1": _("版本：期间和计时按其开始时有效的政策版本判定"),
    "G.2": _("期间：北京时间的自然周期；频率是「次数/周期」"),
    "G.3": _("小时计时：自然小时或工作小时"),
    "G.4": _("即将到期：剩余时间不足窗口的一定比例"),
    "G.5": _("通知对象：负责人即时提醒，超期上报"),
    "A2.1": _("大客户认定条件"),
    "A2.2": _("客户类型与集团"),
    "A2.3": _("认定标准每年公布；其他设置经管理层批准"),
    "A3": _("原则：不得采用不正当手段"),
    "A4": _("部门职责与跨部门任务"),
    "A5.1": _("年度评审"),
    "A5.2": _("动态调整（破格纳入与移出）"),
    "A5.3": _("核心大客户分级"),
    "A6.1": _("档案内容"),
    "A6.2": _("档案更新"),
    "A7.1": _("保密分级"),
    "A7.2": _("核心数据访问审计"),
    "A8.1": _("决策层联系"),
    "A8.2": _("重大维护计划审批"),
    "A9.1": _("客户经理负责数量上限"),
    "A9.2": _("唯一客户经理"),
    "A10.1": _("增值服务计划"),
    "A10.2": _("行业趋势报告"),
    "A11.1": _("绿色通道首次响应"),
    "A11.2": _("上门服务时限"),
    "A11.3": _("维护指导与使用培训"),
    "A12.1": _("远程沟通频率"),
    "A12.2": _("拜访频率"),
    "A13.1": _("拜访预约"),
    "A13.2": _("拜访记录"),
    "A14.1": _("重要日子关怀提醒"),
    "A14.2": _("礼品登记与限额"),
    "A15.1": _("客户需求响应"),
    "A15.2": _("需求升级与跨部门处理"),
    "A16.1": _("大客户座谈会与改进措施"),
    "A17.1": _("应收账款复核与预警"),
    "A17.2": _("回款计划"),
    "A17.3": _("风险等级与合作政策调整"),
    "A18.1": _("对客户承诺的审批"),
    "A18.2": _("禁止回扣与泄密；合作条款书面约定"),
}

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (1–99; larger numbers as digits)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, units = divmod(n, 10)
    text = ""
    if tens:
        text = ("" if tens == 1 else _DIGITS[tens]) + "十"
    if units:
        text += _DIGITS[units]
    return text


def article_number(rule_id: str) -> int | None:
    """A12.2 -> 12; A11 -> 11; G.3 (a general rule) and anything else -> None."""
    match = _RULE_RE.match(rule_id or "")
    if not match or match.group("article") is None:
        return None
    return int(match.group("article"))


def article_label(rule_id: str) -> str:
    """A12.2 -> 第十二条; G.x -> 通则 (the general rules for clocks and alerts); unknown -> ""."""
    match = _RULE_RE.match(rule_id or "")
    if not match:
        return ""
    if match.group("general") is not None:
        return gettext("通则")
    number = int(match.group("article"))
    language = get_language() or "zh-hans"
    return gettext("第%(n)s条") % {"n": chinese_number(number) if language.startswith("zh") else number}


def rule_title(rule_id: str) -> str:
    """Short Chinese title of a rule of the catalogue ("" when unknown)."""
    title = RULES.get((rule_id or "").strip())
    return str(title) if title is not None else ""


def rule_anchor(rule_id: str) -> str:
    """The HTML id of a rule on the policy page: A12.2 -> rule-A12-2, G.3 -> rule-G-3."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", (rule_id or "").strip()).strip("-")
    return f"rule-{cleaned}"


_policy_url: str | None = None


def policy_page_url() -> str:
    """The policy page's URL, resolved once per process (pages cite many rules)."""
    global _policy_url
    if _policy_url is None:
        try:
            _policy_url = reverse("policy:in_force")
        except NoReverseMatch:
            return "/policy/"
    return _policy_url


def rule_url(rule_id: str) -> str:
    """Link to the rule on the policy page (公示), e.g. /policy/#rule-A12-2."""
    return f"{policy_page_url()}#{rule_anchor(rule_id)}"


def rule_citation(rule_id: str) -> str:
    """How a rule is cited in text: "A12.2 · 第十二条" ("G.3 · 通则")."""
    label = article_label(rule_id)
    rule_id = (rule_id or "").strip()
    return f"{rule_id} · {label}" if label else rule_id
