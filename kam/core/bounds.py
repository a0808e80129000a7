"""The system's sane windows for what a person or a file can enter, in one place (issue 12 §1).

Dates and instants lie between the first day of the data the company keeps and ten years after today;
money is Decimal yuan with 2 places that fits its column and is not negative where that means nothing.
Three forms of the same checks, for every way input enters:

- plain functions returning a Chinese message or None: `date_error`, `datetime_error`, `money_error`,
  `number_error` (services, import columns, the system check);
- Django form fields and validators: `BoundedDateField`, `BoundedDateTimeField`, `MoneyField`,
  `validate_business_date`, `validate_historic_date`, `validate_business_datetime`, `MoneyValidator`
  (a model field carrying one of these validators is checked against it by `kam.core.W002`);
- pydantic annotated types for django-ninja schemas: `BoundedDate`, `HistoricDate`, `BoundedDateTime`,
  `Money`, `SignedMoney`.

The window is a function of today (`date_window`), never a constant scattered in code. "Historic" dates
(a company's founding day, a cooperation start recorded from before the system) may go back to 1900.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field

#: the company keeps no business data from before this day: an earlier order, invoice or visit is a typo
EARLIEST_BUSINESS_DATE = dt.date(2000, 1, 1)
#: founding days and cooperation starts recorded from before the system
EARLIEST_HISTORIC_DATE = dt.date(1900, 1, 1)
#: plans, contract ends and due dates may lie this many years ahead, not more
YEARS_AHEAD = 10
#: money columns are DecimalField(max_digits=16, decimal_places=2): at most 14 digits before the point
MONEY_MAX_DIGITS = 16
MONEY_PLACES = 2


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_window(today: dt.date | None = None, *, historic: bool = False) -> tuple[dt.date, dt.date]:
    """(earliest, latest) inclusive: from 2000-01-01 (1900-01-01 for historic dates) to ten years after today."""
    if today is None:
        today = timezone.localdate()
    earliest = EARLIEST_HISTORIC_DATE if historic else EARLIEST_BUSINESS_DATE
    return earliest, _add_years(today, YEARS_AHEAD)


def datetime_window(now: dt.datetime | None = None, *, historic: bool = False) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as aware instants: midnight Beijing time of the window's first day, and after its last day."""
    today = timezone.localdate(now) if now is not None else None
    earliest, latest = date_window(today, historic=historic)
    tz = timezone.get_default_timezone()
    return (dt.datetime.combine(earliest, dt.time(), tzinfo=tz),
            dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), tzinfo=tz))


def _labelled(field_label: str, message: str) -> str:
    return f"「{field_label}」{message}" if field_label else message


def date_error(value: Any, *, field_label: str = "", today: dt.date | None = None,
               historic: bool = False) -> str | None:
    """None when `value` (a date; None passes) lies in the window, else a message naming the field."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return _labelled(field_label, _("不是有效日期"))
    earliest, latest = date_window(today, historic=historic)
    if earliest <= value <= latest:
        return None
    return _labelled(field_label, _("须在 %(lo)s 至 %(hi)s 之间（填写的是 %(v)s）") % {
        "lo": earliest.isoformat(), "hi": latest.isoformat(), "v": value.isoformat()})


def datetime_error(value: Any, *, field_label: str = "", now: dt.datetime | None = None,
                   historic: bool = False) -> str | None:
    """None when the instant (naive = Beijing time; None passes) lies in the window, else a message."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return _labelled(field_label, _("不是有效时间"))
    start, end = datetime_window(now, historic=historic)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=start.tzinfo)
    try:
        inside = start <= value < end
    except OverflowError:  # year 1 or 9999 in a far time zone
        inside = False
    if inside:
        return None
    return _labelled(field_label, _("须在 %(lo)s 至 %(hi)s 之间（填写的是 %(v)s）") % {
        "lo": start.date().isoformat(), "hi": (end.date() - dt.timedelta(days=1)).isoformat(),
        "v": value.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")})


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def number_error(value: Any, *, field_label: str = "", max_digits: int, decimal_places: int,
                 min_value: Decimal | int | None = None, max_value: Decimal | int | None = None) -> str | None:
    """None when `value` is a finite number that fits DecimalField(max_digits, decimal_places) and the range."""
    if value is None:
        return None
    number = _as_decimal(value)
    if number is None or not number.is_finite():
        return _labelled(field_label, _("不是有效数字"))
    limit = Decimal(10) ** (max_digits - decimal_places)
    if abs(number) >= limit:
        return _labelled(field_label, _("超出上限（整数部分最多 %(n)d 位）") % {"n": max_digits - decimal_places})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimal_places and number != number.quantize(
            Decimal(1).scaleb(-decimal_places)):
        return _labelled(field_label, _("最多保留 %(n)d 位小数") % {"n": decimal_places})
    if min_value is not None and number < Decimal(min_value):
        if Decimal(min_value) == 0:
            return _labelled(field_label, _("不能为负数"))
        return _labelled(field_label, _("不能小于 %(v)s") % {"v": min_value})
    if max_value is not None and number > Decimal(max_value):
        return _labelled(field_label, _("不能大于 %(v)s") % {"v": max_value})
    return None


def money_error(value: Any, *, field_label: str = "", max_digits: int = MONEY_MAX_DIGITS,
                allow_negative: bool = False) -> str | None:
    """None when `value` is an amount in yuan (2 places) that fits its column and, unless allowed, is ≥ 0."""
    return number_error(value, field_label=field_label, max_digits=max_digits, decimal_places=MONEY_PLACES,
                        min_value=None if allow_negative else 0)


def money_limit(max_digits: int = MONEY_MAX_DIGITS) -> Decimal:
    """The first amount that no longer fits a money column of `max_digits` digits."""
    return Decimal(10) ** (max_digits - MONEY_PLACES)


# --- Django validators (model fields, forms) ----------------------------------------------------------


def validate_business_date(value: dt.date) -> None:
    error = date_error(value)
    if error:
        raise ValidationError(error, code="out_of_window")


def validate_historic_date(value: dt.date) -> None:
    error = date_error(value, historic=True)
    if error:
        raise ValidationError(error, code="out_of_window")


def validate_business_datetime(value: dt.datetime) -> None:
    error = datetime_error(value)
    if error:
        raise ValidationError(error, code="out_of_window")


@deconstructible
class MoneyValidator:
    """An amount of yuan fitting `max_digits` digits; negative only with `allow_negative`."""

    def __init__(self, max_digits: int = MONEY_MAX_DIGITS, allow_negative: bool = False) -> None:
        self.max_digits = max_digits
        self.allow_negative = allow_negative

    def __call__(self, value: Decimal) -> None:
        error = money_error(value, max_digits=self.max_digits, allow_negative=self.allow_negative)
        if error:
            raise ValidationError(error, code="out_of_bounds")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, MoneyValidator) and other.max_digits == self.max_digits
                and other.allow_negative == self.allow_negative)

    def __hash__(self) -> int:
        return hash((self.max_digits, self.allow_negative))


class BoundedDateField(forms.DateField):
    """A date in the window (2000-01-01 … ten years ahead; `historic=True` from 1900-01-01)."""

    def __init__(self, *args: Any, historic: bool = False, **kwargs: Any) -> None:
        self.historic = historic
        super().__init__(*args, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        error = date_error(value, historic=self.historic)
        if error:
            raise ValidationError(error, code="out_of_window")


class BoundedDateTimeField(forms.DateTimeField):
    """An instant in the window (naive input is Beijing time, as Django's DateTimeField makes it)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        error = datetime_error(value)
        if error:
            raise ValidationError(error, code="out_of_window")


class MoneyField(forms.DecimalField):
    """Yuan with 2 places fitting a DecimalField(max_digits=16); not negative unless `allow_negative`."""

    def __init__(self, *args: Any, max_digits: int = MONEY_MAX_DIGITS, allow_negative: bool = False,
                 **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(*args, max_digits=max_digits, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        error = money_error(value, max_digits=self.max_digits or MONEY_MAX_DIGITS,
                            allow_negative=self.allow_negative)
        if error:
            raise ValidationError(error, code="out_of_bounds")


# --- pydantic types (django-ninja schemas) -------------------------------------------------------------


def _check(error: str | None, value: Any) -> Any:
    if error:
        raise ValueError(error)
    return value


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _not_a_timestamp(value: Any) -> Any:
    """The API takes dates and times as ISO 8601 text: a number (which pydantic would read as seconds since
    1970, e.g. `?at=2.5e-200`) is refused, not silently turned into 1970-01-01."""
    if (isinstance(value, int | float | Decimal) and not isinstance(value, bool)) or (
            isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(_("须为 ISO 8601 格式，例如 2026-11-26 或 2026-11-26T09:00:00+08:00（不接受数字时间戳）"))
    return value


def _pyd_date(value: dt.date) -> dt.date:
    return _check(date_error(value), value)


def _pyd_historic_date(value: dt.date) -> dt.date:
    return _check(date_error(value, historic=True), value)


def _pyd_datetime(value: dt.datetime) -> dt.datetime:
    return _check(datetime_error(value), value)


def _pyd_money(value: Decimal) -> Decimal:
    return _check(money_error(value), value)


def _pyd_signed_money(value: Decimal) -> Decimal:
    return _check(money_error(value, allow_negative=True), value)


BoundedDate = Annotated[dt.date, BeforeValidator(_not_a_timestamp), AfterValidator(_pyd_date)]
HistoricDate = Annotated[dt.date, BeforeValidator(_not_a_timestamp), AfterValidator(_pyd_historic_date)]
BoundedDateTime = Annotated[dt.datetime, BeforeValidator(_not_a_timestamp), AfterValidator(_pyd_datetime)]
# NaN and infinities reach our validator (allow_inf_nan) so that the refusal is in Chinese like the others
Money = Annotated[Decimal, Field(allow_inf_nan=True), AfterValidator(_pyd_money)]
SignedMoney = Annotated[Decimal, Field(allow_inf_nan=True), AfterValidator(_pyd_signed_money)]
