"""The settings registry (rules.md "Settings index"): complete, typed, validated (house rule 4)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from kam.core.errors import ApplicationError
from kam.policy import schema
from kam.policy.schema import SETTINGS, Cadence, MonthDay, TimeRange, default_values, validate_values

# The settings index of rules.md, copied as the spec (the closed list; split rows split here too).
INDEX = {
    "qualification.min_annual_purchase": "A2.1",
    "qualification.min_cooperation_years": "A2.1",
    "qualification.amount_basis": "A2.1",
    "qualification.min_on_time_payment_ratio": "A5.2",
    "review.month": "A5.1",
    "review.period_months": "A5.1",
    "review.effective": "A5.1",
    "review.approve_by": "A5.1",
    "tiers.core_share": "A5.3",
    "tiers.min_core": "A5.3",
    "dossier.update_period": "A6.2",
    "cadence.decision_maker.count": "A8.1",
    "cadence.decision_maker.period": "A8.1",
    "plans.major_threshold": "A8.2",
    "portfolio.max_accounts_per_manager": "A9.1",
    "marketing.trend_report_period": "A10.2",
    "service.response_hours": "A11.1",
    "service.onsite_hours_same_city": "A11.2",
    "service.onsite_hours_other_city": "A11.2",
    "company.city": "A11.2",
    "service.care.count": "A11.3",
    "service.care.period": "A11.3",
    "service.clock_mode": "A11",  # index: "A11, G.3"
    "cadence.core.remote": "A12.1",
    "cadence.ordinary.remote": "A12.1",
    "cadence.core.visit": "A12.2",
    "cadence.ordinary.visit": "A12.2",
    "visits.min_lead_working_days": "A13.1",
    "visits.confirm_working_days_before": "A13.1",
    "visits.record_hours": "A13.2",
    "care.remind_days_before": "A14.1",
    "gifts.max_value_per_gift": "A14.2",
    "gifts.max_value_per_recipient_year": "A14.2",
    "gifts.approval_over": "A14.2",
    "requests.response_hours": "A15.1",
    "requests.solution_hours": "A15.1",
    "requests.clock_mode": "A15",  # index: "A15, G.3"
    "symposium.period": "A16.1",
    "receivables.review_period": "A17.1",
    "receivables.warn_days_before_due": "A17.1",
    "receivables.aging_buckets": "A17.1",
    "clock.working_hours": "G.3",
    "alerts.due_soon_fraction": "G.4",
    "alerts.digest_time": "G.5",
}


def test_schema_is_exactly_the_settings_index():
    """Every setting of the index exists, with its rule id, and nothing else (closed list)."""
    assert list(SETTINGS) == list(INDEX)
    assert {name: spec.rule for name, spec in SETTINGS.items()} == INDEX
    assert SETTINGS["service.clock_mode"].related_rules == ("G.3",)
    assert SETTINGS["requests.clock_mode"].related_rules == ("G.3",)


def test_every_spec_has_labels_article_and_a_valid_default():
    for name, spec in SETTINGS.items():
        assert str(spec.label) and spec.label_en, name
        assert spec.article == (None if spec.rule.startswith("G.") else int(spec.rule[1:].split(".")[0]))
        assert spec.clean(spec.default) is not None


def test_defaults_are_the_numbers_of_the_index():
    """The source's numbers (A2.1 ¥3,000,000 and 2 years, A5.3 20%, A9.1 15, A11.1 2 h …)."""
    d = default_values()
    json.dumps(d)  # JSON-serialisable
    assert d["qualification.min_annual_purchase"] == "3000000.00"
    assert d["qualification.min_cooperation_years"] == 2
    assert d["qualification.amount_basis"] == "ordered"
    assert d["qualification.min_on_time_payment_ratio"] == "0.90"
    assert d["review.month"] == 12 and d["review.period_months"] == 12
    assert d["review.effective"] == "on_approval" and d["review.approve_by"] == "12-31"
    assert d["tiers.core_share"] == "0.20" and d["tiers.min_core"] == 1
    assert d["dossier.update_period"] == {"count": 1, "period": "month"}
    assert d["cadence.decision_maker.count"] == 1 and d["cadence.decision_maker.period"] == "quarter"
    assert d["plans.major_threshold"] == "50000.00"
    assert d["portfolio.max_accounts_per_manager"] == 15
    assert d["marketing.trend_report_period"] == "half_year"
    assert d["service.response_hours"] == 2
    assert d["service.onsite_hours_same_city"] == 24 and d["service.onsite_hours_other_city"] == 48
    assert d["company.city"] == "佛山"
    assert d["service.care.count"] == 1 and d["service.care.period"] == "year"
    assert d["service.clock_mode"] == "calendar" and d["requests.clock_mode"] == "working"
    assert d["cadence.core.remote"] == {"count": 1, "period": "week"}
    assert d["cadence.ordinary.remote"] == {"count": 1, "period": "fortnight"}
    assert d["cadence.core.visit"] == {"count": 1, "period": "month"}
    assert d["cadence.ordinary.visit"] == {"count": 1, "period": "quarter"}
    assert d["visits.min_lead_working_days"] == 1 and d["visits.confirm_working_days_before"] == 2
    assert d["visits.record_hours"] == 24 and d["care.remind_days_before"] == 7
    assert (d["gifts.max_value_per_gift"], d["gifts.max_value_per_recipient_year"], d["gifts.approval_over"]) == (
        "500.00", "2000.00", "200.00")
    assert d["requests.response_hours"] == 1 and d["requests.solution_hours"] == 24
    assert d["symposium.period"] == "half_year" and d["receivables.review_period"] == "month"
    assert d["receivables.warn_days_before_due"] == 7 and d["receivables.aging_buckets"] == [30, 60, 90]
    assert d["clock.working_hours"] == {"start": "09:00", "end": "18:00"}
    assert d["alerts.due_soon_fraction"] == "0.25" and d["alerts.digest_time"] == "09:00"


def test_typed_values():
    typed = schema.typed_values(default_values())
    assert typed["qualification.min_annual_purchase"] == Decimal("3000000.00")
    assert typed["tiers.core_share"] == Decimal("0.20")
    assert typed["service.response_hours"] == Decimal(2)
    assert typed["cadence.core.remote"] == Cadence(1, "week")
    assert typed["review.approve_by"] == MonthDay(12, 31)
    assert typed["alerts.digest_time"] == dt.time(9, 0)
    assert typed["clock.working_hours"] == TimeRange(dt.time(9), dt.time(18))
    assert typed["receivables.aging_buckets"] == (30, 60, 90)
    assert typed["portfolio.max_accounts_per_manager"] == 15


@pytest.mark.parametrize(("name", "raw", "requirement"), [
    ("tiers.core_share", 1.5, "必须大于 0 且不超过 1"),  # A5.3
    ("tiers.core_share", "150%", "必须大于 0 且不超过 1"),
    ("tiers.core_share", 0, "必须大于 0 且不超过 1"),
    ("qualification.min_on_time_payment_ratio", "1.01", "必须在 0 到 1 之间"),  # A5.2
    ("alerts.due_soon_fraction", -0.1, "必须大于 0"),  # G.4
    ("service.response_hours", -2, "大于 0 的小时数"),  # A11.1
    ("service.response_hours", 0, "大于 0 的小时数"),
    ("requests.solution_hours", "abc", "大于 0 的小时数"),  # A15.1
    ("portfolio.max_accounts_per_manager", 0, "1 到 1000 之间的整数"),  # A9.1
    ("portfolio.max_accounts_per_manager", 2.5, "整数"),
    ("portfolio.max_accounts_per_manager", True, "整数"),
    ("tiers.min_core", -1, "整数"),  # A5.3
    ("qualification.min_annual_purchase", "-1", "不小于 0 的金额"),  # A2.1
    ("qualification.min_annual_purchase", "12.345", "最多两位小数"),
    ("gifts.approval_over", "NaN", "金额"),  # A14.2
    ("marketing.trend_report_period", "decade", "周期之一"),  # A10.2
    ("cadence.core.remote", {"count": 0, "period": "week"}, "次数"),  # A12.1
    ("cadence.ordinary.visit", {"count": 1, "period": "day"}, "周期"),  # A12.2
    ("cadence.core.visit", 7, "次数"),
    ("qualification.amount_basis", "shipped", "取值之一"),  # A2.1
    ("review.effective", "", "取值之一"),  # A5.1
    ("review.month", 13, "1 到 12"),  # A5.1
    ("review.approve_by", "02-30", "MM-DD"),
    ("alerts.digest_time", "25:00", "HH:MM"),  # G.5
    ("clock.working_hours", {"start": "18:00", "end": "09:00"}, "开始早于结束"),  # G.3
    ("receivables.aging_buckets", [30, 30, 90], "严格递增"),  # A17.1
    ("receivables.aging_buckets", [0, 30], "正整数"),
    ("company.city", "  ", "不能为空"),  # A11.2
])
def test_nonsense_is_refused_naming_setting_and_rule(name, raw, requirement):
    spec = SETTINGS[name]
    with pytest.raises(ApplicationError) as info:
        spec.clean(raw)
    exc = info.value
    assert exc.field == name and exc.rule == spec.rule
    message = str(exc.message)
    assert f"「{name}」({spec.rule})" in message
    assert requirement in message
    assert "收到" in message


def test_core_share_message_exactly_as_specified():
    """A5.3: 「tiers.core_share」(A5.3) 必须大于 0 且不超过 1 …，收到 1.5."""
    with pytest.raises(ApplicationError) as info:
        validate_values({**default_values(), "tiers.core_share": 1.5})
    message = str(info.value.message)
    assert message.startswith("「tiers.core_share」(A5.3) 必须大于 0 且不超过 1")
    assert message.endswith("收到 1.5")
    assert info.value.field == "tiers.core_share" and info.value.rule == "A5.3"


@pytest.mark.parametrize(("name", "raw", "stored"), [
    ("tiers.core_share", "20%", "0.20"),
    ("tiers.core_share", 1, "1.00"),
    ("qualification.min_on_time_payment_ratio", 0, "0.00"),
    ("qualification.min_annual_purchase", "¥3,000,000", "3000000.00"),
    ("qualification.min_annual_purchase", Decimal("2500000.5"), "2500000.50"),
    ("service.response_hours", "1.5", "1.5"),
    ("service.response_hours", "4", 4),
    ("cadence.core.remote", {"count": "2", "period": "fortnight"}, {"count": 2, "period": "fortnight"}),
    ("marketing.trend_report_period", "半年", "half_year"),
    ("review.approve_by", "1-5", "01-05"),
    ("alerts.digest_time", dt.time(8, 30), "08:30"),
    ("clock.working_hours", "08:30-17:30", {"start": "08:30", "end": "17:30"}),
    ("receivables.aging_buckets", "30, 60，90 180", [30, 60, 90, 180]),
    ("company.city", " 广州 ", "广州"),
])
def test_accepted_inputs_are_normalised(name, raw, stored):
    assert SETTINGS[name].clean(raw) == stored


def test_validate_values_refuses_unknown_and_missing_keys():
    with pytest.raises(ApplicationError) as info:
        validate_values({**default_values(), "service.magic": 1})
    assert info.value.field == "service.magic"
    incomplete = default_values()
    del incomplete["visits.record_hours"]
    with pytest.raises(ApplicationError) as info:
        validate_values(incomplete)
    assert info.value.field == "visits.record_hours" and info.value.rule == "A13.2"
    assert "缺少" in str(info.value.message)


def test_validate_values_lists_every_error():
    with pytest.raises(ApplicationError) as info:
        validate_values({**default_values(), "tiers.core_share": 2, "service.response_hours": -1})
    assert set(info.value.extra["errors"]) == {"tiers.core_share", "service.response_hours"}


def test_cross_setting_checks_name_the_rule():
    """A14.2: a single gift cannot exceed the yearly per-recipient limit; A11.2 same city ≤ other city."""
    with pytest.raises(ApplicationError) as info:
        validate_values({**default_values(), "gifts.max_value_per_gift": "3000"})
    assert info.value.field == "gifts.max_value_per_recipient_year" and info.value.rule == "A14.2"
    with pytest.raises(ApplicationError) as info:
        validate_values({**default_values(), "service.onsite_hours_same_city": 72})
    assert info.value.rule == "A11.2"


def test_formatting_for_people():
    d = default_values()
    fmt = {name: SETTINGS[name].format(d[name]) for name in SETTINGS}
    assert fmt["qualification.min_annual_purchase"] == "¥3,000,000.00"
    assert fmt["cadence.core.remote"] == "每周 1 次"
    assert fmt["cadence.ordinary.remote"] == "每两周 1 次"
    assert fmt["clock.working_hours"] == "09:00–18:00"
    assert fmt["tiers.core_share"] == "20%"
    assert fmt["qualification.min_on_time_payment_ratio"] == "90%"
    assert fmt["marketing.trend_report_period"] == "每半年"
    assert fmt["review.approve_by"] == "12 月 31 日"
