"""Enter a year's official holiday schedule from a CSV file, or print a year's working days.

    python manage.py calendar_year schedule-2027.csv [--note "国办发明电〔2026〕X号"] [--partial] [--dry-run]
    python manage.py calendar_year --show 2027

CSV rows: `date,is_working_day,name` (an optional header row `date,is_working_day,name` is skipped;
UTF-8, a BOM from Excel is fine). `date` is YYYY-MM-DD; `is_working_day` is one of 1/0, true/false,
yes/no, y/n, 是/否, 班/休. List every exception of the year — each public-holiday day off
(including weekend days inside the holiday) and each make-up workday (调休上班); days not listed
follow Monday–Friday. Listing all 365 days is fine too.

All-or-nothing: every row is validated first and nothing is written if any row is wrong; errors
are reported by line number. By default the import replaces all `CalendarDay` rows of that year
and marks the `CalendarYear` complete — which replaces the year's provisional calendar and sends
`kam.calendar.signals.official_schedule_entered` after commit; `--partial` only upserts the listed
days (single-day overrides) and leaves the year's completeness unchanged. `--show` lists a year's
working days (a year without an official schedule is shown as provisional).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kam.calendar.models import CalendarDay, CalendarYear
from kam.calendar.workdays import CalendarDataMissing, clear_cache, work_calendar

TRUE_VALUES = frozenset({"1", "true", "t", "yes", "y", "是", "班", "上班", "工作日"})
FALSE_VALUES = frozenset({"0", "false", "f", "no", "n", "否", "休", "休息", "休息日", "假"})
WEEKDAYS = "一二三四五六日"
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 60


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    date: date
    is_working_day: bool
    name: str


def parse_rows(lines: list[str]) -> tuple[list[Row], list[str]]:
    """Parse and validate CSV lines; returns (rows, errors). Errors name the 1-based line number."""
    rows: list[Row] = []
    errors: list[str] = []
    seen: dict[date, int] = {}
    for line_no, fields in enumerate(csv.reader(lines), start=1):
        cells = [c.strip() for c in fields]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if line_no == 1 and cells[0].lower() == "date":
            continue
        if len(cells) not in (2, 3):
            errors.append(f"第 {line_no} 行：应为 2 或 3 列（line {line_no}: expected date,is_working_day[,name]）")
            continue
        raw_date, raw_flag = cells[0], cells[1]
        name = cells[2] if len(cells) == 3 else ""
        try:
            day = date.fromisoformat(raw_date)
            if len(raw_date) != 10:
                raise ValueError(raw_date)
        except ValueError:
            errors.append(f"第 {line_no} 行：日期无效 {raw_date!r}，应为 YYYY-MM-DD（line {line_no}: invalid date）")
            continue
        flag = raw_flag.lower()
        if flag in TRUE_VALUES:
            working = True
        elif flag in FALSE_VALUES:
            working = False
        else:
            errors.append(f"第 {line_no} 行：是否工作日无效 {raw_flag!r}（line {line_no}: invalid is_working_day）")
            continue
        if len(name) > NAME_MAX:
            errors.append(f"第 {line_no} 行：名称超过 {NAME_MAX} 字（line {line_no}: name too long）")
            continue
        if day in seen:
            errors.append(
                f"第 {line_no} 行：日期 {day} 与第 {seen[day]} 行重复（line {line_no}: duplicate date）"
            )
            continue
        seen[day] = line_no
        rows.append(Row(line_no, day, working, name))

    years = sorted({r.date.year for r in rows})
    if len(years) > 1:
        first = {y: next(r.line for r in rows if r.date.year == y) for y in years}
        detail = "、".join(f"{y}（第 {first[y]} 行起）" for y in years)
        errors.append(f"文件包含多个年份：{detail}（the file must hold exactly one year）")
    if not rows and not errors:
        errors.append("文件没有数据行（the file has no data rows）")
    return rows, errors


class Command(BaseCommand):
    help = "录入一年的法定节假日安排（CSV：date,is_working_day,name），或用 --show 列出某年的工作日。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_path", nargs="?", help="CSV file of date,is_working_day,name rows")
        parser.add_argument("--show", type=int, metavar="YEAR", help="print the working days of YEAR")
        parser.add_argument("--year", type=int, help="expected year of the file (refuse a file of another year)")
        parser.add_argument("--note", default="", help="note stored on the CalendarYear (e.g. the notice number)")
        parser.add_argument(
            "--partial", action="store_true",
            help="only upsert the listed days; do not replace the year nor mark it complete",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["show"] is not None:
            if options["csv_path"]:
                raise CommandError("--show 与 CSV 文件不能同时使用（use either --show or a CSV file）")
            self._show(options["show"])
            return
        if not options["csv_path"]:
            raise CommandError("请指定 CSV 文件或 --show YEAR（give a CSV file or --show YEAR）")
        self._import(Path(options["csv_path"]), options)

    def _show(self, year: int) -> None:
        calendar = work_calendar()
        try:
            days = calendar.working_days_in_year(year)
        except CalendarDataMissing as exc:
            raise CommandError(str(exc))
        provisional = not calendar.has_official_schedule(year)
        if provisional:
            self.stdout.write(
                f"{year} 年的正式放假安排尚未录入，以下按法定规则推算，暂定（provisional: statutory rules, "
                f"weekend compensation, no make-up workdays）"
            )
        for d in days:
            note = ""
            if d.weekday() >= 5:
                note = "\t调休上班"
            self.stdout.write(f"{d.isoformat()}\t周{WEEKDAYS[d.weekday()]}{note}")
        suffix = "，暂定" if provisional else ""
        self.stdout.write(f"{year} 年共 {len(days)} 个工作日{suffix}（{len(days)} working days）")

    def _import(self, path: Path, options: dict[str, Any]) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"文件不存在：{path}（file not found）")
        except UnicodeDecodeError:
            raise CommandError(f"文件不是 UTF-8 编码：{path}（the file must be UTF-8）")

        rows, errors = parse_rows(text.splitlines())
        if not errors and options["year"] is not None and rows[0].date.year != options["year"]:
            errors.append(
                f"文件年份 {rows[0].date.year} 与 --year {options['year']} 不符（the file is for another year）"
            )
        if not errors:
            calendar = work_calendar()
            year = rows[0].date.year
            if not calendar.first_year <= year <= calendar.last_year:
                errors.append(
                    f"年份 {year} 超出工作日历的范围（{calendar.first_year}—{calendar.last_year} 年）"
                    f"（year outside the calendar's range）"
                )
        if errors:
            for message in errors:
                self.stderr.write(message)
            raise CommandError(f"共 {len(errors)} 处错误，未写入任何数据（{len(errors)} error(s); nothing written）")

        year = rows[0].date.year
        if options["dry_run"]:
            self.stdout.write(f"{year}：{len(rows)} 行校验通过，未写入（dry run: {len(rows)} rows valid）")
            return

        with transaction.atomic():
            if options["partial"]:
                for r in rows:
                    CalendarDay.objects.update_or_create(
                        date=r.date,
                        defaults={"is_working_day": r.is_working_day, "name": r.name,
                                  "source": CalendarDay.SOURCE_IMPORT},
                    )
            else:
                CalendarDay.objects.filter(date__year=year).delete()
                CalendarDay.objects.bulk_create(
                    CalendarDay(date=r.date, is_working_day=r.is_working_day, name=r.name,
                                source=CalendarDay.SOURCE_IMPORT)
                    for r in rows
                )
                calendar_year, _created = CalendarYear.objects.get_or_create(year=year)
                calendar_year.complete = True
                if options["note"]:
                    calendar_year.note = options["note"]
                calendar_year.save()
            transaction.on_commit(clear_cache)
        clear_cache()  # bulk_create sends no signals

        holidays = sum(1 for r in rows if not r.is_working_day and r.date.weekday() < 5)
        makeups = sum(1 for r in rows if r.is_working_day and r.date.weekday() >= 5)
        mode = "部分录入" if options["partial"] else "全年录入"
        self.stdout.write(self.style.SUCCESS(
            f"{year} {mode}：{len(rows)} 行，其中工作日放假 {holidays} 天、周末调休上班 {makeups} 天"
            f"（{len(rows)} rows imported）"
        ))
