"""The policy settings: a typed registry of every number of the policy (rules.md "Settings index").

Each setting has a name (exactly as in the index), the rule that asks for it, a kind that decides
how it is validated, stored (JSON) and read back (typed Python values), and a default (the source's
number, or ours where the source leaves it to the company). Nothing else in the system holds a
policy number: callers read them from `kam.policy.selectors.policy_in_force` (house rule 4).

Stored form (JSON, in `PolicyVersion.values`) by kind:
  money        "3000000.00"                 -> Decimal (yuan, 2 places)
  int / month  15                           -> int
  ratio        "0.20"                       -> Decimal
  hours        2 (or "1.5")                 -> Decimal
  cadence      {"count": 1, "period": "week"} -> Cadence(count, period)
  period/enum  "quarter"                    -> str
  month_day    "12-31"                      -> MonthDay(month, day)
  time         "09:00"                      -> datetime.time
  time_range   {"start": "09:00", "end": "18:00"} -> TimeRange(start, end)
  int_list     [30, 60, 90]                 -> tuple[int, ...]
  text         "佛山"                        -> str
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kam.core.errors import ApplicationError
from kam.policy.rules import article_number

#: A2.3: the qualification criteria are the settings under this prefix.
CRITERIA_PREFIX = "qualification."


class Kind(enum.StrEnum):
    MONEY = "money"
    INT = "int"
    RATIO = "ratio"
    HOURS = "hours"
    CADENCE = "cadence"
    PERIOD = "period"
    ENUM = "enum"
    MONTH = "month"
    MONTH_DAY = "month_day"
    TIME = "time"
    TIME_RANGE = "time_range"
    INT_LIST = "int_list"
    TEXT = "text"


class Period(models.TextChoices):
    """G.2 calendar periods (Asia/Shanghai)."""

    WEEK = "week", _("周")
    FORTNIGHT = "fortnight", _("两周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    HALF_YEAR = "half_year", _("半年")
    YEAR = "year", _("年")


class AmountBasis(models.TextChoices):
    """A2.1 which amount counts as the purchase amount."""

    ORDERED = "ordered", _("下单金额（按订单日期）")
    INVOICED = "invoiced", _("开票金额")
    PAID = "paid", _("回款金额")


class ReviewEffective(models.TextChoices):
    """A5.1 when the designations of an approved review take effect."""

    ON_APPROVAL = "on_approval", _("批准即生效")
    NEXT_YEAR = "next_year", _("次年 1 月 1 日生效")


class ClockMode(models.TextChoices):
    """G.3 how an hour clock counts hours."""

    CALENDAR = "calendar", _("自然小时（全天候）")
    WORKING = "working", _("工作小时（法定工作日的工作时间）")


class Cadence(NamedTuple):
    """G.2: a cadence is `count` per calendar `period`, never a number of days."""

    count: int
    period: str

    def __str__(self) -> str:
        return format_cadence(self)


class MonthDay(NamedTuple):
    month: int
    day: int

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


class TimeRange(NamedTuple):
    start: dt.time
    end: dt.time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


# ---------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class SettingSpec:
    name: str
    rule: str
    label: str | Promise
    label_en: str
    kind: Kind
    default: Any
    unit: str = ""  # machine unit (English), e.g. "hours", "CNY"
    unit_label: str | Promise = ""  # shown unit (Chinese)
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    choices: type[models.TextChoices] | None = None
    #: further rules this setting serves (e.g. G.3 for the clock modes)
    related_rules: tuple[str, ...] = ()
    help_text: str | Promise = ""

    @property
    def article(self) -> int | None:
        """Article number of the rule (A11.1 -> 11); None for the general rules (G.x)."""
        return article_number(self.rule)

    @property
    def is_criterion(self) -> bool:
        """A2.3: a qualification criterion (the head of sales publishes these alone)."""
        return self.name.startswith(CRITERIA_PREFIX)

    @property
    def rules_display(self) -> str:
        return ", ".join((self.rule, *self.related_rules))

    # --- validation -------------------------------------------------------------------------

    def error(self, requirement: str, raw: Any = None, *, with_value: bool = True) -> ApplicationError:
        """A refusal naming the setting and its rule (house rule 9)."""
        if with_value:
            message = gettext("「%(name)s」(%(rule)s) %(requirement)s，收到 %(value)s") % {
                "name": self.name, "rule": self.rule, "requirement": requirement, "value": _show(raw)}
        else:
            message = gettext("「%(name)s」(%(rule)s) %(requirement)s") % {
                "name": self.name, "rule": self.rule, "requirement": requirement}
        return ApplicationError(message, field=self.name, rule=self.rule)

    def clean(self, raw: Any) -> Any:
        """Validate one raw value (form input, JSON, Python) and return its stored (JSON) form."""
        cleaner = _CLEANERS[self.kind]
        return cleaner(self, raw)

    def to_python(self, stored: Any) -> Any:
        """The typed value of a stored (already clean) value."""
        return _TO_PYTHON[self.kind](self, stored)

    def format(self, stored: Any) -> str:
        """The value as shown to people (Chinese), e.g. ¥3,000,000.00, 每周 1 次, 09:00–18:00, 20%."""
        return _FORMATTERS[self.kind](self, self.to_python(stored))

    def choice_label(self, value: str) -> str:
        if self.choices is None:
            return str(value)
        try:
            return str(self.choices(value).label)
        except ValueError:
            return str(value)


def _show(raw: Any) -> str:
    if isinstance(raw, Mapping | list | tuple):
        try:
            text = json.dumps(raw, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(raw)
    elif raw is None:
        text = gettext("（空）")
    else:
        text = str(raw)
        if text.strip() == "":
            text = gettext("（空）")
    return text if len(text) <= 60 else text[:57] + "…"


# --- cleaners --------------------------------------------------------------------------------

_INT_RE = re.compile(r"^[+-]?\d+$")


def _parse_decimal(raw: Any) -> Decimal | None:
    """Decimal from int/Decimal/float/str (¥ signs, thousands separators and spaces allowed)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace(",", "").replace("，", "").replace(" ", "")
        text = text.removeprefix("¥").removeprefix("￥").removeprefix("CNY")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return value if value.is_finite() else None


def _parse_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _INT_RE.match(raw.strip()):
        return int(raw.strip())
    if isinstance(raw, Decimal | float):
        value = _parse_decimal(raw)
        if value is not None and value == value.to_integral_value():
            return int(value)
    return None


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _bounds_text(spec: SettingSpec) -> str:
    if spec.min_value is not None and spec.max_value is not None:
        return gettext("必须是 %(min)s 到 %(max)s 之间的整数") % {"min": spec.min_value, "max": spec.max_value}
    if spec.min_value is not None:
        return gettext("必须是不小于 %(min)s 的整数") % {"min": spec.min_value}
    return gettext("必须是整数")


def _clean_int(spec: SettingSpec, raw: Any) -> int:
    value = _parse_int(raw)
    if value is None:
        raise spec.error(_bounds_text(spec), raw)
    if (spec.min_value is not None and value < spec.min_value) or (
            spec.max_value is not None and value > spec.max_value):
        raise spec.error(_bounds_text(spec), raw)
    return value


def _clean_month(spec: SettingSpec, raw: Any) -> int:
    value = _parse_int(raw)
    if value is None or not 1 <= value <= 12:
        raise spec.error(gettext("必须是 1 到 12 之间的月份"), raw)
    return value


MONEY_MAX = Decimal("1000000000000")  # one trillion yuan: anything above is a typo


def _clean_money(spec: SettingSpec, raw: Any) -> str:
    value = _parse_decimal(raw)
    if value is None or value < 0 or value >= MONEY_MAX or _places(value) > 2:
        raise spec.error(gettext("必须是不小于 0 的金额（元，最多两位小数）"), raw)
    return str(value.quantize(Decimal("0.01")))


def _canonical_decimal(value: Decimal, *, min_places: int) -> str:
    value = value.normalize()
    if _places(value) < min_places:
        value = value.quantize(Decimal(1).scaleb(-min_places))
    return format(value, "f")


def _clean_ratio(spec: SettingSpec, raw: Any) -> str:
    """A fraction: (0, 1] by default; [0, 1] when min_value is 0. "20%" is read as 0.20."""
    inclusive_zero = spec.min_value is not None and Decimal(spec.min_value) == 0
    requirement = (gettext("必须在 0 到 1 之间（可写作百分比，如 90%）") if inclusive_zero
                   else gettext("必须大于 0 且不超过 1（可写作百分比，如 20%）"))
    value: Decimal | None
    if isinstance(raw, str) and raw.strip().endswith(("%", "％")):
        value = _parse_decimal(raw.strip()[:-1])
        value = value / 100 if value is not None else None
    else:
        value = _parse_decimal(raw)
    if value is None or value > 1 or value < 0 or (value == 0 and not inclusive_zero) or _places(value) > 4:
        raise spec.error(requirement, raw)
    return _canonical_decimal(value, min_places=2)


HOURS_MAX = Decimal(8760)  # a year


def _clean_hours(spec: SettingSpec, raw: Any) -> int | str:
    value = _parse_decimal(raw)
    if value is None or value <= 0 or value > HOURS_MAX or _places(value) > 2:
        raise spec.error(gettext("必须是大于 0 的小时数（最多两位小数，不超过 8760）"), raw)
    if value == value.to_integral_value():
        return int(value)
    return _canonical_decimal(value, min_places=0)


def _period_requirement() -> str:
    return gettext("必须是以下周期之一：%(choices)s") % {
        "choices": "、".join(f"{label}（{value}）" for value, label in Period.choices)}


def _clean_period_value(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    for value, label in Period.choices:
        if text in (value, str(label), "每" + str(label), value.replace("_", "-")):
            return value
    return None


def _clean_period(spec: SettingSpec, raw: Any) -> str:
    value = _clean_period_value(raw)
    if value is None:
        raise spec.error(_period_requirement(), raw)
    return value


CADENCE_MAX_COUNT = 100


def _clean_cadence(spec: SettingSpec, raw: Any) -> dict:
    requirement = gettext("必须是「次数 + 周期」：次数为 1 到 %(max)s 之间的整数，周期为 %(periods)s 之一") % {
        "max": CADENCE_MAX_COUNT, "periods": "、".join(str(label) for _v, label in Period.choices)}
    if isinstance(raw, Cadence):
        raw_count, raw_period = raw.count, raw.period
    elif isinstance(raw, Mapping) and set(raw) == {"count", "period"}:
        raw_count, raw_period = raw["count"], raw["period"]
    else:
        raise spec.error(requirement, raw)
    count = _parse_int(raw_count)
    period = _clean_period_value(raw_period)
    if count is None or not 1 <= count <= CADENCE_MAX_COUNT or period is None:
        raise spec.error(requirement, raw)
    return {"count": count, "period": period}


def _clean_enum(spec: SettingSpec, raw: Any) -> str:
    assert spec.choices is not None
    if isinstance(raw, str) and raw.strip() in spec.choices.values:
        return raw.strip()
    raise spec.error(gettext("必须是以下取值之一：%(choices)s") % {
        "choices": "、".join(f"{value}（{label}）" for value, label in spec.choices.choices)}, raw)


_MONTH_DAY_RE = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _clean_month_day(spec: SettingSpec, raw: Any) -> str:
    if isinstance(raw, MonthDay):
        raw = str(raw)
    match = _MONTH_DAY_RE.match(raw.strip()) if isinstance(raw, str) else None
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]:
            return f"{month:02d}-{day:02d}"
    raise spec.error(gettext("必须是有效的月-日（MM-DD，如 12-31）"), raw)


_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")


def _parse_time(raw: Any) -> dt.time | None:
    if isinstance(raw, dt.time):
        return raw if raw.second == 0 and raw.microsecond == 0 and raw.tzinfo is None else None
    if not isinstance(raw, str):
        return None
    match = _TIME_RE.match(raw.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _clean_time(spec: SettingSpec, raw: Any) -> str:
    value = _parse_time(raw)
    if value is None:
        raise spec.error(gettext("必须是有效的时刻（HH:MM，如 09:00）"), raw)
    return f"{value:%H:%M}"


def _clean_time_range(spec: SettingSpec, raw: Any) -> dict:
    requirement = gettext("必须是开始早于结束的同日时间段（HH:MM–HH:MM，如 09:00–18:00）")
    if isinstance(raw, TimeRange):
        start, end = _parse_time(raw.start), _parse_time(raw.end)
    elif isinstance(raw, Mapping) and set(raw) == {"start", "end"}:
        start, end = _parse_time(raw["start"]), _parse_time(raw["end"])
    elif isinstance(raw, str) and re.match(r"^\s*[\d:]+\s*[-–~]\s*[\d:]+\s*$", raw):
        parts = re.split(r"[-–~]", raw)
        start, end = _parse_time(parts[0]), _parse_time(parts[1])
    else:
        start = end = None
    if start is None or end is None or start >= end:
        raise spec.error(requirement, raw)
    return {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def _clean_int_list(spec: SettingSpec, raw: Any) -> list[int]:
    requirement = gettext("必须是严格递增的正整数列表（如 30, 60, 90），最多 10 项，每项不超过 %(max)s") % {
        "max": spec.max_value}
    items: list[Any]
    if isinstance(raw, str):
        items = [p for p in re.split(r"[,，、\s]+", raw.strip()) if p]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise spec.error(requirement, raw)
    values = [_parse_int(item) for item in items]
    if (not values or len(values) > 10 or any(v is None or v < 1 for v in values)
            or (spec.max_value is not None and any(v > spec.max_value for v in values if v is not None))
            or any(b <= a for a, b in zip(values, values[1:], strict=False))):  # type: ignore[operator]
        raise spec.error(requirement, raw)
    return [int(v) for v in values if v is not None]


def _clean_text(spec: SettingSpec, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > 60:
        raise spec.error(gettext("不能为空，且不超过 60 个字符"), raw)
    return raw.strip()


_CLEANERS: dict[Kind, Callable[[SettingSpec, Any], Any]] = {
    Kind.MONEY: _clean_money,
    Kind.INT: _clean_int,
    Kind.RATIO: _clean_ratio,
    Kind.HOURS: _clean_hours,
    Kind.CADENCE: _clean_cadence,
    Kind.PERIOD: _clean_period,
    Kind.ENUM: _clean_enum,
    Kind.MONTH: _clean_month,
    Kind.MONTH_DAY: _clean_month_day,
    Kind.TIME: _clean_time,
    Kind.TIME_RANGE: _clean_time_range,
    Kind.INT_LIST: _clean_int_list,
    Kind.TEXT: _clean_text,
}


# --- typed values ----------------------------------------------------------------------------


def _md(_spec: SettingSpec, stored: str) -> MonthDay:
    month, day = stored.split("-")
    return MonthDay(int(month), int(day))


def _tm(_spec: SettingSpec, stored: str) -> dt.time:
    hour, minute = stored.split(":")
    return dt.time(int(hour), int(minute))


_TO_PYTHON: dict[Kind, Callable[[SettingSpec, Any], Any]] = {
    Kind.MONEY: lambda _s, v: Decimal(v),
    Kind.INT: lambda _s, v: int(v),
    Kind.RATIO: lambda _s, v: Decimal(v),
    Kind.HOURS: lambda _s, v: Decimal(v),
    Kind.CADENCE: lambda _s, v: Cadence(int(v["count"]), str(v["period"])),
    Kind.PERIOD: lambda _s, v: str(v),
    Kind.ENUM: lambda _s, v: str(v),
    Kind.MONTH: lambda _s, v: int(v),
    Kind.MONTH_DAY: _md,
    Kind.TIME: _tm,
    Kind.TIME_RANGE: lambda s, v: TimeRange(_tm(s, v["start"]), _tm(s, v["end"])),
    Kind.INT_LIST: lambda _s, v: tuple(int(x) for x in v),
    Kind.TEXT: lambda _s, v: str(v),
}


# --- formatting ------------------------------------------------------------------------------


def period_label(period: str) -> str:
    try:
        return str(Period(period).label)
    except ValueError:
        return period


def format_cadence(cadence: Cadence) -> str:
    return gettext("每%(period)s %(count)s 次") % {"period": period_label(cadence.period), "count": cadence.count}


def format_money(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def format_ratio(value: Decimal) -> str:
    percent = (value * 100).normalize()
    return f"{format(percent, 'f')}%"


def _format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


_FORMATTERS: dict[Kind, Callable[[SettingSpec, Any], str]] = {
    Kind.MONEY: lambda _s, v: format_money(v),
    Kind.INT: lambda _s, v: str(v),
    Kind.RATIO: lambda _s, v: format_ratio(v),
    Kind.HOURS: lambda _s, v: _format_decimal(v),
    Kind.CADENCE: lambda _s, v: format_cadence(v),
    Kind.PERIOD: lambda _s, v: gettext("每%(period)s") % {"period": period_label(v)},
    Kind.ENUM: lambda s, v: s.choice_label(v),
    Kind.MONTH: lambda _s, v: gettext("%(month)s 月") % {"month": v},
    Kind.MONTH_DAY: lambda _s, v: gettext("%(month)s 月 %(day)s 日") % {"month": v.month, "day": v.day},
    Kind.TIME: lambda _s, v: f"{v:%H:%M}",
    Kind.TIME_RANGE: lambda _s, v: str(v),
    Kind.INT_LIST: lambda _s, v: ", ".join(str(x) for x in v),
    Kind.TEXT: lambda _s, v: v,
}


# --- the registry (order = the settings index of rules.md) ------------------------------------

_YUAN = ("CNY", _("元"))
_HOURS = ("hours", _("小时"))
_DAYS = ("days", _("天"))
_WORKING_DAYS = ("working_days", _("个工作日"))
_ACCOUNTS = ("accounts", _("个"))
_TIMES = ("times", _("次"))


def _s(name: str, rule: str, label: str | Promise, label_en: str, kind: Kind, default: Any,
       unit: tuple[str, str | Promise] = ("", ""), **kwargs: Any) -> SettingSpec:
    return SettingSpec(name=name, rule=rule, label=label, label_en=label_en, kind=kind, default=default,
                       unit=unit[0], unit_label=unit[1], **kwargs)


_SPECS: list[SettingSpec] = [
    # A2.1 / A5.2: qualification criteria (A2.3: published yearly by the head of sales)
    _s("qualification.min_annual_purchase", "A2.1", _("年采购额门槛"), "Minimum annual purchase amount",
       Kind.MONEY, "3000000.00", _YUAN),
    _s("qualification.min_cooperation_years", "A2.1", _("最低合作年限"), "Minimum cooperation length",
       Kind.INT, 2, ("years", _("年")), min_value=0, max_value=50),
    _s("qualification.amount_basis", "A2.1", _("采购额口径"), "Purchase amount basis",
       Kind.ENUM, AmountBasis.ORDERED.value, choices=AmountBasis),
    _s("qualification.min_on_time_payment_ratio", "A5.2", _("破格纳入的最低按时回款率"),
       "Minimum on-time payment ratio (exceptional inclusion)", Kind.RATIO, "0.90", ("ratio", ""),
       min_value=0),
    # A5.1 annual review
    _s("review.month", "A5.1", _("年度评审月份"), "Annual review month", Kind.MONTH, 12, ("month", "")),
    _s("review.period_months", "A5.1", _("评审期长度"), "Review period length", Kind.INT, 12,
       ("months", _("个月")), min_value=1, max_value=36),
    _s("review.effective", "A5.1", _("认定生效方式"), "When designations take effect", Kind.ENUM,
       ReviewEffective.ON_APPROVAL.value, choices=ReviewEffective),
    _s("review.approve_by", "A5.1", _("评审批准截止日"), "Review approval deadline", Kind.MONTH_DAY, "12-31"),
    # A5.3 tiers
    _s("tiers.core_share", "A5.3", _("核心大客户占比"), "Core account share", Kind.RATIO, "0.20", ("ratio", "")),
    _s("tiers.min_core", "A5.3", _("核心大客户最少数量"), "Minimum number of core accounts", Kind.INT, 1,
       _ACCOUNTS, min_value=0, max_value=1000),
    # A6.2 dossier freshness
    _s("dossier.update_period", "A6.2", _("档案更新频率"), "Dossier update cadence", Kind.CADENCE,
       {"count": 1, "period": Period.MONTH.value}),
    # A8.1 decision-maker contact
    _s("cadence.decision_maker.count", "A8.1", _("决策层联系次数"), "Decision-maker contacts per period",
       Kind.INT, 1, _TIMES, min_value=1, max_value=CADENCE_MAX_COUNT),
    _s("cadence.decision_maker.period", "A8.1", _("决策层联系周期"), "Decision-maker contact period",
       Kind.PERIOD, Period.QUARTER.value),
    # A8.2 major plans
    _s("plans.major_threshold", "A8.2", _("重大维护计划预算门槛"), "Major plan budget threshold",
       Kind.MONEY, "50000.00", _YUAN),
    # A9.1 portfolio cap
    _s("portfolio.max_accounts_per_manager", "A9.1", _("每位客户经理最多负责大客户数"),
       "Maximum key accounts per account manager", Kind.INT, 15, _ACCOUNTS, min_value=1, max_value=1000),
    # A10.2 trend report
    _s("marketing.trend_report_period", "A10.2", _("行业趋势报告周期"), "Trend report period", Kind.PERIOD,
       Period.HALF_YEAR.value),
    # A11 green channel
    _s("service.response_hours", "A11.1", _("绿色通道首次响应时限"), "Green channel first response",
       Kind.HOURS, 2, _HOURS),
    _s("service.onsite_hours_same_city", "A11.2", _("同城上门时限"), "On-site time, same city",
       Kind.HOURS, 24, _HOURS),
    _s("service.onsite_hours_other_city", "A11.2", _("异地上门时限"), "On-site time, other city",
       Kind.HOURS, 48, _HOURS),
    _s("company.city", "A11.2", _("公司所在城市"), "Company city", Kind.TEXT, "佛山"),
    _s("service.care.count", "A11.3", _("维护指导/使用培训次数"), "Care services per period", Kind.INT, 1,
       _TIMES, min_value=1, max_value=CADENCE_MAX_COUNT),
    _s("service.care.period", "A11.3", _("维护指导/使用培训周期"), "Care service period", Kind.PERIOD,
       Period.YEAR.value),
    _s("service.clock_mode", "A11", _("绿色通道计时方式"), "Green channel clock mode", Kind.ENUM,
       ClockMode.CALENDAR.value, choices=ClockMode, related_rules=("G.3",)),
    # A12 contact and visit cadence
    _s("cadence.core.remote", "A12.1", _("核心大客户远程沟通频率"), "Core account remote contact cadence",
       Kind.CADENCE, {"count": 1, "period": Period.WEEK.value}),
    _s("cadence.ordinary.remote", "A12.1", _("普通大客户远程沟通频率"), "Ordinary account remote contact cadence",
       Kind.CADENCE, {"count": 1, "period": Period.FORTNIGHT.value}),
    _s("cadence.core.visit", "A12.2", _("核心大客户拜访频率"), "Core account visit cadence", Kind.CADENCE,
       {"count": 1, "period": Period.MONTH.value}),
    _s("cadence.ordinary.visit", "A12.2", _("普通大客户拜访频率"), "Ordinary account visit cadence",
       Kind.CADENCE, {"count": 1, "period": Period.QUARTER.value}),
    # A13 visits
    _s("visits.min_lead_working_days", "A13.1", _("拜访最少提前预约"), "Minimum visit booking lead",
       Kind.INT, 1, _WORKING_DAYS, min_value=0, max_value=60),
    _s("visits.confirm_working_days_before", "A13.1", _("拜访前确认提醒"), "Visit confirmation reminder",
       Kind.INT, 2, _WORKING_DAYS, min_value=0, max_value=60),
    _s("visits.record_hours", "A13.2", _("拜访记录录入时限"), "Visit record deadline", Kind.HOURS, 24, _HOURS),
    # A14 care and gifts
    _s("care.remind_days_before", "A14.1", _("重要日子提前提醒"), "Occasion reminder lead", Kind.INT, 7,
       _DAYS, min_value=0, max_value=366),
    _s("gifts.max_value_per_gift", "A14.2", _("单件礼品价值上限"), "Maximum value per gift", Kind.MONEY,
       "500.00", _YUAN),
    _s("gifts.max_value_per_recipient_year", "A14.2", _("每人每年礼品价值上限"),
       "Maximum gift value per recipient per year", Kind.MONEY, "2000.00", _YUAN),
    _s("gifts.approval_over", "A14.2", _("礼品审批门槛"), "Gift approval threshold", Kind.MONEY, "200.00",
       _YUAN),
    # A15 requests
    _s("requests.response_hours", "A15.1", _("需求首次响应时限"), "Request first response", Kind.HOURS, 1,
       _HOURS),
    _s("requests.solution_hours", "A15.1", _("需求初步方案时限"), "Request preliminary solution", Kind.HOURS,
       24, _HOURS),
    _s("requests.clock_mode", "A15", _("客户需求计时方式"), "Request clock mode", Kind.ENUM,
       ClockMode.WORKING.value, choices=ClockMode, related_rules=("G.3",)),
    # A16 symposium
    _s("symposium.period", "A16.1", _("大客户座谈会周期"), "Symposium period", Kind.PERIOD,
       Period.HALF_YEAR.value),
    # A17 receivables
    _s("receivables.review_period", "A17.1", _("应收账款复核周期"), "Receivables review period", Kind.PERIOD,
       Period.MONTH.value),
    _s("receivables.warn_days_before_due", "A17.1", _("到期前预警天数"), "Early warning before due",
       Kind.INT, 7, _DAYS, min_value=0, max_value=366),
    _s("receivables.aging_buckets", "A17.1", _("账龄分段"), "Aging buckets", Kind.INT_LIST, [30, 60, 90],
       _DAYS, max_value=3650),
    # G.3 – G.5 general rules for clocks and alerts
    _s("clock.working_hours", "G.3", _("工作时间"), "Working hours", Kind.TIME_RANGE,
       {"start": "09:00", "end": "18:00"}),
    _s("alerts.due_soon_fraction", "G.4", _("即将到期阈值（剩余时间占比）"), "Due-soon fraction", Kind.RATIO,
       "0.25", ("ratio", "")),
    _s("alerts.digest_time", "G.5", _("每日汇总发送时间"), "Daily digest time", Kind.TIME, "09:00"),
]

#: every setting, in the order of the settings index
SETTINGS: dict[str, SettingSpec] = {spec.name: spec for spec in _SPECS}
assert len(SETTINGS) == len(_SPECS), "duplicate setting name"


def get_spec(name: str) -> SettingSpec:
    try:
        return SETTINGS[name]
    except KeyError:
        raise ApplicationError(gettext("未知的政策设置「%(name)s」") % {"name": name}, field=name) from None


# --- cross-setting checks ---------------------------------------------------------------------

# (lower setting, higher setting): lower must not exceed higher
_ORDERED_PAIRS = [
    ("gifts.max_value_per_gift", "gifts.max_value_per_recipient_year"),
    ("service.onsite_hours_same_city", "service.onsite_hours_other_city"),
    ("requests.response_hours", "requests.solution_hours"),
]


def _cross_errors(clean: dict) -> dict[str, ApplicationError]:
    errors: dict[str, ApplicationError] = {}
    for lower, higher in _ORDERED_PAIRS:
        if lower not in clean or higher not in clean:
            continue
        low_spec, high_spec = SETTINGS[lower], SETTINGS[higher]
        if low_spec.to_python(clean[lower]) > high_spec.to_python(clean[higher]):
            errors[higher] = high_spec.error(
                gettext("不得小于「%(lower)s」(%(lower_value)s)") % {
                    "lower": lower, "lower_value": low_spec.format(clean[lower])},
                high_spec.format(clean[higher]))
    return errors


# --- whole snapshots --------------------------------------------------------------------------


def clean_values(raw: Mapping[str, Any], *, partial: bool = False) -> tuple[dict, dict[str, ApplicationError]]:
    """Validate a snapshot; returns (clean values, errors by setting name). Nothing is raised.

    Unknown names are errors; missing names are errors unless `partial`.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, ApplicationError] = {}
    if not isinstance(raw, Mapping):
        errors["__all__"] = ApplicationError(gettext("政策设置必须是「名称 → 取值」的映射"), rule="A2.3")
        return clean, errors
    for name in raw:
        if name not in SETTINGS:
            errors[str(name)] = ApplicationError(
                gettext("未知的政策设置「%(name)s」，设置清单是封闭的") % {"name": name}, field=str(name), rule="A2.3")
    for name, spec in SETTINGS.items():
        if name not in raw:
            if not partial:
                errors[name] = spec.error(gettext("缺少取值"), with_value=False)
            continue
        try:
            clean[name] = spec.clean(raw[name])
        except ApplicationError as exc:
            errors[name] = exc
    errors.update({k: v for k, v in _cross_errors(clean).items() if k not in errors})
    return clean, errors


def validate_values(raw: Mapping[str, Any]) -> dict:
    """Full validation of a complete snapshot: returns the JSON-serialisable clean values.

    Raises ApplicationError (Chinese message naming the setting and its rule; `field` = setting
    name, `rule` = rule id) for the first bad setting; `extra["errors"]` lists them all.
    """
    clean, errors = clean_values(raw)
    if errors:
        first = next(iter(errors.values()))
        raise ApplicationError(first.message, field=first.field, rule=first.rule,
                               extra={"errors": {name: str(exc.message) for name, exc in errors.items()}})
    return clean


def with_new_settings(raw: Any) -> Any:
    """A stored snapshot with the settings a later release introduced filled with their defaults: a version
    published before a setting existed behaved as its default says (the closed index grows with the chapters)."""
    if not isinstance(raw, Mapping):
        return raw  # not a mapping: validation names the error
    return {**{name: spec.default for name, spec in SETTINGS.items() if name not in raw}, **raw}


def default_values() -> dict:
    """The index defaults, validated, in stored (JSON) form."""
    return validate_values({name: spec.default for name, spec in SETTINGS.items()})


def typed_values(clean: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of a clean snapshot."""
    return {name: SETTINGS[name].to_python(clean[name]) for name in SETTINGS}
