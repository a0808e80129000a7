"""Administrator-entered calendar data for years the `chinesecalendar` library does not cover.

`CalendarDay` rows override single days (they win over the library). A `CalendarYear` with
`complete=True` states that an administrator has entered the whole official schedule of that year:
its `CalendarDay` rows list every exception (public holidays and make-up workdays, 调休) and every
other day follows the ordinary pattern (Monday–Friday work, Saturday–Sunday rest).
See `kam.calendar.workdays`.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day's status as entered by an administrator (or imported by `calendar_year`)."""

    SOURCE_ADMIN = "admin"
    SOURCE_IMPORT = "import"

    date = models.DateField(_("日期"), primary_key=True)
    is_working_day = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("例如：春节、国庆节、调休上班"))
    source = models.CharField(_("来源"), max_length=20, default=SOURCE_ADMIN)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")

    def __str__(self) -> str:
        status = _("工作日") if self.is_working_day else _("休息日")
        label = f"{self.date:%Y-%m-%d} {status}"
        return f"{label} {self.name}" if self.name else label


class CalendarYear(models.Model):
    """Marks that an administrator has entered a whole year's official holiday schedule."""

    year = models.PositiveSmallIntegerField(
        _("年份"), unique=True, validators=[MinValueValidator(1901), MaxValueValidator(2099)]
    )
    complete = models.BooleanField(
        _("全年已录入"), default=False,
        help_text=_("勾选表示该年全部法定节假日与调休上班日均已录入；未录入的日期按周一至周五上班处理。"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")

    def __str__(self) -> str:
        return f"{self.year}"
