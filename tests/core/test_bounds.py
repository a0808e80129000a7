"""kam.core.bounds: the sane windows for dates, instants and money (issue 12 §1), in its three forms."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from kam.core import bounds

SH = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 12, 1)


def test_window_runs_from_2000_to_ten_years_after_today():
    assert bounds.date_window(TODAY) == (dt.date(2000, 1, 1), dt.date(2036, 12, 1))
    assert bounds.date_window(TODAY, historic=True) == (dt.date(1900, 1, 1), dt.date(2036, 12, 1))
    # a function of today, not a constant: next year the window moves
    assert bounds.date_window(dt.date(2028, 2, 29))[1] == dt.date(2038, 2, 28)


@pytest.mark.parametrize("value", [dt.date(1, 1, 1), dt.date(1999, 12, 31), dt.date(2036, 12, 2),
                                   dt.date(9999, 12, 31)])
def test_dates_outside_the_window_are_refused_naming_the_field(value):
    message = bounds.date_error(value, field_label="下单日期", today=TODAY)
    assert message is not None and message.startswith("「下单日期」") and "2000-01-01" in message
    assert value.isoformat() in message


@pytest.mark.parametrize("value", [None, dt.date(2000, 1, 1), dt.date(2026, 12, 1), dt.date(2036, 12, 1)])
def test_dates_inside_the_window_pass(value):
    assert bounds.date_error(value, field_label="下单日期", today=TODAY) is None


def test_historic_dates_reach_back_to_1900():
    assert bounds.date_error(dt.date(1995, 6, 1), today=TODAY, historic=True) is None
    assert bounds.date_error(dt.date(1995, 6, 1), today=TODAY) is not None
    assert bounds.date_error(dt.date(1899, 12, 31), today=TODAY, historic=True) is not None


@pytest.mark.parametrize("value", [
    dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(525, 12, 24, 9, tzinfo=SH),
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-8))),  # beyond year 9999 in UTC
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), dt.datetime(1999, 12, 31, 23, 59, tzinfo=SH),
])
def test_instants_outside_the_window_are_refused_without_overflow(value):
    now = dt.datetime(2026, 12, 1, 10, tzinfo=SH)
    assert bounds.datetime_error(value, field_label="收到时间", now=now) is not None


def test_instants_inside_the_window_pass_and_naive_is_beijing_time():
    now = dt.datetime(2026, 12, 1, 10, tzinfo=SH)
    assert bounds.datetime_error(dt.datetime(2000, 1, 1, 0, 0, tzinfo=SH), now=now) is None
    assert bounds.datetime_error(dt.datetime(1999, 12, 31, 16, 30, tzinfo=dt.UTC), now=now) is None  # 00:30 SH
    assert bounds.datetime_error(dt.datetime(2000, 1, 1, 0, 0), now=now) is None
    assert bounds.datetime_error(dt.datetime(2036, 12, 2, 0, 0, tzinfo=SH), now=now) is not None


@pytest.mark.parametrize("value,fragment", [
    (Decimal("NaN"), "不是有效数字"), (Decimal("Infinity"), "不是有效数字"), ("-Infinity", "不是有效数字"),
    ("1e309", "超出上限"), (10**20, "超出上限"), (Decimal("100000000000000"), "超出上限"),
    (Decimal("-0.01"), "不能为负数"), ("1.234", "最多保留 2 位小数"), ("abc", "不是有效数字"), (True, "不是有效数字"),
])
def test_money_refusals(value, fragment):
    message = bounds.money_error(value, field_label="金额")
    assert message is not None and message.startswith("「金额」") and fragment in message


@pytest.mark.parametrize("value", [None, 0, Decimal("0.00"), Decimal("99999999999999.99"), "393600.00", 12.5,
                                   Decimal("1.230")])
def test_money_that_fits_its_column(value):
    assert bounds.money_error(value, field_label="金额") is None


def test_money_sized_to_a_smaller_column_and_signed_money():
    assert bounds.money_error(Decimal("1000000000000"), max_digits=14) is not None  # 10^12 ≥ 10^(14-2)
    assert bounds.money_error(Decimal("999999999999.99"), max_digits=14) is None
    assert bounds.money_error(Decimal("-5"), allow_negative=True) is None
    assert bounds.money_limit() == Decimal(10) ** 14


def test_validators_raise_validation_errors():
    bounds.validate_business_date(dt.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        bounds.validate_business_date(dt.date(1, 1, 1))
    bounds.validate_historic_date(dt.date(1990, 1, 1))
    with pytest.raises(ValidationError):
        bounds.validate_business_datetime(dt.datetime(9999, 12, 31, tzinfo=dt.UTC))
    validator = bounds.MoneyValidator(max_digits=14)
    with pytest.raises(ValidationError):
        validator(Decimal("-1"))
    # deconstructible: usable on model fields (migrations compare validators by value)
    assert validator == bounds.MoneyValidator(max_digits=14)
    assert validator.deconstruct()[0] == "kam.core.bounds.MoneyValidator"


class _Form(forms.Form):
    day = bounds.BoundedDateField(label="日期")
    founded = bounds.BoundedDateField(label="成立日", historic=True, required=False)
    at = bounds.BoundedDateTimeField(label="时间", required=False)
    amount = bounds.MoneyField(label="金额", required=False)
    balance = bounds.MoneyField(label="余额", required=False, allow_negative=True)


@pytest.mark.parametrize("data,field", [
    ({"day": "0001-01-01"}, "day"), ({"day": "9999-12-31"}, "day"), ({"day": "2026-01-01", "founded": "1899-01-01"},
                                                                     "founded"),
    ({"day": "2026-01-01", "at": "0525-12-24 09:00"}, "at"), ({"day": "2026-01-01", "amount": "-1"}, "amount"),
    ({"day": "2026-01-01", "amount": "1e20"}, "amount"), ({"day": "2026-01-01", "amount": "NaN"}, "amount"),
    ({"day": "2026-01-01", "amount": "1e309"}, "amount"),
])
def test_form_fields_refuse_with_the_field_named(data, field):
    form = _Form(data)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_form_fields_accept_sane_values():
    form = _Form({"day": "2026-12-01", "founded": "1995-03-01", "at": "2026-12-01 09:30", "amount": "393600.00",
                  "balance": "-20.50"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("393600.00") and form.cleaned_data["balance"] == Decimal("-20.50")


@pytest.mark.parametrize("annotation,value", [
    (bounds.BoundedDate, "0001-01-01"), (bounds.BoundedDate, "9999-12-31"), (bounds.HistoricDate, "1899-12-31"),
    (bounds.BoundedDateTime, "0525-12-24T09:00:00+08:00"), (bounds.BoundedDateTime, "9999-12-31T23:59:59-08:00"),
    (bounds.Money, "NaN"), (bounds.Money, "Infinity"), (bounds.Money, "1e309"), (bounds.Money, 10**20),
    (bounds.Money, -1), (bounds.SignedMoney, "1e20"),
])
def test_pydantic_types_refuse(annotation, value):
    with pytest.raises(PydanticError) as exc:
        TypeAdapter(annotation).validate_python(value)
    assert "须在" in str(exc.value) or "数字" in str(exc.value) or "上限" in str(exc.value) or "负数" in str(exc.value)


def test_pydantic_types_accept():
    assert TypeAdapter(bounds.BoundedDate).validate_python("2026-03-01") == dt.date(2026, 3, 1)
    assert TypeAdapter(bounds.HistoricDate).validate_python("1995-03-01") == dt.date(1995, 3, 1)
    assert TypeAdapter(bounds.Money).validate_python("393600.00") == Decimal("393600.00")
    assert TypeAdapter(bounds.SignedMoney).validate_python("-5") == Decimal("-5")
