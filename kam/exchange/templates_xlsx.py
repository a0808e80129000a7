"""Downloadable import templates: Chinese headers, an example row, and a notes sheet per column."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from kam.exchange.registry import ImportKind

TYPE_LABELS = {"text": "文本", "date": "日期", "datetime": "日期时间", "decimal": "数字/金额", "int": "整数", "bool": "是/否", "choice": "选项"}


def template_bytes(kind: ImportKind) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("数据")
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(kind.columns, start=1):
        cell = ws.cell(row=1, column=i, value=str(col.header))
        cell.font = Font(bold=True)
        if col.required:
            cell.fill = required_fill
        ws.cell(row=2, column=i, value=col.example or None).number_format = "@"
        ws.column_dimensions[cell.column_letter].width = max(12, len(str(col.header)) * 2 + 4)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(_("说明"))
    notes.append([_("列"), _("英文列名"), _("必填"), _("类型"), _("说明"), _("可选值"), _("常见 ERP 列名")])
    for c in notes[1]:
        c.font = Font(bold=True)
    for col in kind.columns:
        notes.append([str(col.header), col.header_en, _("是") if col.required else "",
                      TYPE_LABELS.get(col.type, col.type), str(col.note),
                      "、".join(dict.fromkeys(str(label) for label, _v in col.choices)), "、".join(col.aliases)])
    notes.append([])
    notes.append([_("日期可写作 2026-03-01、2026/3/1、2026年3月1日或 Excel 日期；金额可带千分位和 ¥。"
                    "整个文件全部校验通过才会导入；同一文件重复导入不会重复创建。")])
    for letter, width in zip("ABCDEFG", (18, 18, 6, 10, 50, 40, 40), strict=True):
        notes.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
