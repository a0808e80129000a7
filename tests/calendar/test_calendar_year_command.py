"""`calendar_year` management command: an administrator enters a year the library does not cover
(A13.1 / G.3 keep working in that year); all-or-nothing CSV import."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kam.calendar.models import CalendarDay, CalendarYear
from kam.calendar.workdays import CalendarDataMissing, add_working_days, is_working_day, working_days_in_year

pytestmark = pytest.mark.django_db

YEAR = 2031  # not covered by any chinesecalendar release

GOOD_CSV = f"""\ufeffdate,is_working_day,name
{YEAR}-01-01,0,元旦
{YEAR}-01-26,1,调休上班
{YEAR}-01-23,休,春节
{YEAR}-01-24,否,春节
{YEAR}-01-25,false,春节
{YEAR}-01-27,0,春节
{YEAR}-01-28,0,春节
{YEAR}-01-29,0,春节
{YEAR}-01-30,0,春节
{YEAR}-02-08,是,调休上班
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedule.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_round_trip(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataMissing):
        is_working_day(date(YEAR, 1, 2))
    out = StringIO()
    call_command("calendar_year", str(_write(tmp_path, GOOD_CSV)), "--note", "test", stdout=out)
    assert f"{YEAR}" in out.getvalue()
    assert CalendarDay.objects.filter(date__year=YEAR).count() == 10
    assert CalendarYear.objects.get(year=YEAR).complete

    assert not is_working_day(date(YEAR, 1, 1))
    assert is_working_day(date(YEAR, 1, 2))
    assert is_working_day(date(YEAR, 1, 26))  # Sunday, make-up workday
    assert is_working_day(date(YEAR, 2, 8))  # Saturday, make-up workday
    assert add_working_days(date(YEAR, 1, 22), 1) == date(YEAR, 1, 26)

    shown = StringIO()
    call_command("calendar_year", "--show", str(YEAR), stdout=shown)
    listed = [line.split("\t")[0] for line in shown.getvalue().splitlines() if line[:4] == str(YEAR) and "\t" in line]
    assert listed == [d.isoformat() for d in working_days_in_year(YEAR)]
    assert f"{YEAR}-01-26" in listed and f"{YEAR}-01-01" not in listed
    assert f"共 {len(listed)} 个工作日" in shown.getvalue()

    # re-import replaces the year's rows
    call_command("calendar_year", str(_write(tmp_path, f"{YEAR}-01-01,0,元旦\n")), stdout=StringIO())
    assert CalendarDay.objects.filter(date__year=YEAR).count() == 1
    assert is_working_day(date(YEAR, 1, 23))  # back to an ordinary Thursday


def test_invalid_row_refuses_the_whole_file(tmp_path: Path) -> None:
    text = GOOD_CSV + f"{YEAR}-02-30,0,bad date\n{YEAR}-03-02,maybe,\n{YEAR}-01-01,1,dup\n"
    err = StringIO()
    with pytest.raises(CommandError, match="未写入"):
        call_command("calendar_year", str(_write(tmp_path, text)), stdout=StringIO(), stderr=err)
    messages = err.getvalue()
    assert "第 12 行" in messages and "日期无效" in messages
    assert "第 13 行" in messages
    assert "第 14 行" in messages and "重复" in messages
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()
    with pytest.raises(CalendarDataMissing):
        is_working_day(date(YEAR, 1, 2))


def test_mixed_years_and_wrong_year_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("calendar_year", str(_write(tmp_path, f"{YEAR}-01-01,0,\n{YEAR + 1}-01-01,0,\n")),
                     stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("calendar_year", str(_write(tmp_path, f"{YEAR}-01-01,0,\n")), "--year", str(YEAR + 1),
                     stderr=StringIO())
    assert not CalendarDay.objects.exists()


def test_partial_and_dry_run(tmp_path: Path) -> None:
    path = _write(tmp_path, "2026-03-09,0,公司停电\n")
    call_command("calendar_year", str(path), "--dry-run", stdout=StringIO())
    assert not CalendarDay.objects.exists()
    call_command("calendar_year", str(path), "--partial", stdout=StringIO())
    assert not is_working_day(date(2026, 3, 9))
    assert not CalendarYear.objects.exists()


def test_show_uncovered_year_fails() -> None:
    with pytest.raises(CommandError, match=str(YEAR)):
        call_command("calendar_year", "--show", str(YEAR), stdout=StringIO())


def test_show_library_year() -> None:
    out = StringIO()
    call_command("calendar_year", "--show", "2026", stdout=out)
    assert "2026-02-14\t周六\t调休上班" in out.getvalue()
    assert "2026-02-16" not in out.getvalue()
