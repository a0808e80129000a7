"""A14.1: lunar dates for Spring Festival, Mid-Autumn and lunar birthdays."""

from __future__ import annotations

from datetime import date

import pytest

from kam.calendar.lunar import (
    lunar_month_days,
    lunar_to_solar,
    mid_autumn,
    next_lunar_anniversary,
    next_solar_anniversary,
    solar_to_lunar,
    spring_festival,
)

TODAY = date(2026, 11, 26)


def test_lunar_to_solar_facts() -> None:
    """A14.1: Mid-Autumn 2026 and Spring Festival 2027."""
    assert lunar_to_solar(2026, 8, 15) == date(2026, 9, 25)
    assert lunar_to_solar(2027, 1, 1) == date(2027, 2, 6)
    assert mid_autumn(2026) == date(2026, 9, 25)
    assert spring_festival(2027) == date(2027, 2, 6)
    assert spring_festival(2026) == date(2026, 2, 17)
    assert lunar_to_solar(2025, 6, 10, leap=True) == date(2025, 8, 3)  # 2025 has a leap sixth month


def test_lunar_to_solar_is_strict() -> None:
    assert lunar_month_days(2026, 12) == 29
    with pytest.raises(ValueError):
        lunar_to_solar(2026, 12, 30)  # 29-day month
    with pytest.raises(ValueError):
        lunar_to_solar(2026, 6, 10, leap=True)  # 2026 has no leap month
    with pytest.raises(ValueError):
        lunar_to_solar(2026, 13, 1)


def test_solar_to_lunar() -> None:
    assert solar_to_lunar(date(2026, 9, 25)) == (2026, 8, 15, False)
    assert solar_to_lunar(date(2025, 8, 3)) == (2025, 6, 10, True)


def test_next_lunar_anniversary_day_30_clamps_to_29() -> None:
    """A14.1: a lunar 12/30 birthday in a year whose twelfth month has 29 days → 12/29 (除夕)."""
    assert next_lunar_anniversary(12, 30, after=TODAY) == date(2027, 2, 5)


def test_next_lunar_anniversary_regular() -> None:
    """A14.1: lunar 8/15 after 2026-11-26 is next year's Mid-Autumn."""
    assert next_lunar_anniversary(8, 15, after=TODAY) == date(2027, 9, 15)
    assert next_lunar_anniversary(8, 15, after=date(2026, 9, 25)) == date(2026, 9, 25)  # on or after
    assert next_lunar_anniversary(8, 15, after=date(2026, 9, 26)) == date(2027, 9, 15)
    assert next_lunar_anniversary(1, 1, after=date(2027, 1, 10)) == date(2027, 2, 6)


def test_next_lunar_anniversary_leap_month_uses_regular_month() -> None:
    """A14.1: a leap-sixth-month birthday is celebrated in the regular sixth month."""
    assert next_lunar_anniversary(6, 10, leap=True, after=TODAY) == date(2027, 7, 13)
    # 2025 has a leap sixth month: the regular sixth month is still used (once per lunar year)
    assert next_lunar_anniversary(6, 10, leap=True, after=date(2025, 1, 1)) == lunar_to_solar(2025, 6, 10)
    assert next_lunar_anniversary(6, 10, leap=True, after=lunar_to_solar(2025, 6, 11)) == lunar_to_solar(2026, 6, 10)


def test_next_solar_anniversary() -> None:
    assert next_solar_anniversary(3, 1, TODAY) == date(2027, 3, 1)
    assert next_solar_anniversary(11, 26, TODAY) == date(2026, 11, 26)
    assert next_solar_anniversary(2, 29, TODAY) == date(2027, 2, 28)
    assert next_solar_anniversary(2, 29, date(2027, 12, 1)) == date(2028, 2, 29)
    with pytest.raises(ValueError):
        next_solar_anniversary(2, 30, TODAY)
