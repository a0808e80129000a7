"""`calendar_year` management command: an administrator enters a year the library does not cover
(A13.1 / G.3 keep working in that year); all-or-nothing CSV import."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kam.calendar.models import CalendarDay, CalendarYear
from kam.calendar.signals import official_schedule_entered
from kam.calendar.workdays import add_working_days, is_provisional, is_working_day, working_days_in_year

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
    assert is_provisional(date(YEAR, 1, 2))
    assert not is_working_day(date(YEAR, 1, 22))  # provisional: 除夕 (statute), not in the file below
    out = StringIO()
    call_command("calendar_year", str(_write(tmp_path, GOOD_CSV)), "--note", "test", stdout=out)
    assert f"{YEAR}" in out.getvalue()
    assert CalendarDay.objects.filter(date__year=YEAR).count() == 10
    assert CalendarYear.objects.get(year=YEAR).complete

    assert not is_working_day(date(YEAR, 1, 1))
    assert is_working_day(date(YEAR, 1, 2))
    assert is_working_day(date(YEAR, 1, 26))  # Sunday, make-up workday
    assert is_working_day(date(YEAR, 2, 8))  # Saturday, make-up workday
    assert is_working_day(date(YEAR, 1, 22))  # the official year replaces the provisional estimate
    assert not is_provisional(date(YEAR, 1, 2))
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
    assert is_provisional(date(YEAR, 1, 2))
    assert not is_working_day(date(YEAR, 1, 1))  # still the statute


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


def test_show_provisional_year_says_so() -> None:
    out = StringIO()
    call_command("calendar_year", "--show", str(YEAR), stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0].startswith(f"{YEAR} 年的正式放假安排尚未录入，以下按法定规则推算，暂定")
    assert f"{YEAR}-01-21\t周二" in text and f"{YEAR}-01-22" not in text  # 除夕 off
    assert f"{YEAR}-01-25" not in text  # Saturday: no make-up workdays
    assert "个工作日，暂定" in text


def test_show_and_import_refuse_years_outside_the_window(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="超出工作日历的范围"):
        call_command("calendar_year", "--show", "1999", stdout=StringIO())
    err = StringIO()
    with pytest.raises(CommandError, match="未写入"):
        call_command("calendar_year", str(_write(tmp_path, "2099-01-01,0,元旦\n")), stdout=StringIO(), stderr=err)
    assert "年份 2099 超出工作日历的范围" in err.getvalue()
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_show_library_year() -> None:
    out = StringIO()
    call_command("calendar_year", "--show", "2026", stdout=out)
    assert "2026-02-14\t周六\t调休上班" in out.getvalue()
    assert "2026-02-16" not in out.getvalue()
    assert "暂定" not in out.getvalue()


@pytest.fixture
def entered() -> Iterator[list[tuple[object, int, bool]]]:
    """Records official_schedule_entered: (sender, year, is the year still provisional for the receiver)."""
    calls: list[tuple[object, int, bool]] = []

    def receiver(sender: object, year: int, **kwargs: object) -> None:
        calls.append((sender, year, is_provisional(date(year, 6, 1))))

    official_schedule_entered.connect(receiver, weak=False, dispatch_uid="test-entered")
    yield calls
    official_schedule_entered.disconnect(dispatch_uid="test-entered")


def test_full_import_sends_official_schedule_entered_once_after_commit(
    tmp_path: Path, entered: list, django_capture_on_commit_callbacks
) -> None:
    """The re-evaluation hook: receivers run after commit and already see the official year."""
    assert is_provisional(date(YEAR, 6, 1))  # warm the snapshot: the receiver must not see it stale
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("calendar_year", str(_write(tmp_path, GOOD_CSV)), stdout=StringIO())
        assert entered == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert entered == [(YEAR, YEAR, False)]


def test_partial_import_and_incomplete_year_send_nothing(
    tmp_path: Path, entered: list, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("calendar_year", str(_write(tmp_path, f"{YEAR}-01-06,0,停电\n")), "--partial", stdout=StringIO())
        CalendarYear.objects.create(year=YEAR, complete=False)
    assert entered == []


def test_saving_a_complete_calendar_year_sends_the_signal(entered: list, django_capture_on_commit_callbacks) -> None:
    """An administrator ticking 全年已录入 in the admin saves CalendarYear(complete=True)."""
    row = CalendarYear.objects.create(year=YEAR, complete=False)
    with django_capture_on_commit_callbacks(execute=True):
        row.complete = True
        row.save()
    assert entered == [(YEAR, YEAR, False)]
    assert isinstance(entered[0][0], int)
