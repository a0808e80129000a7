from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from kam.exchange import services


def csv_upload(name: str, rows: list[list], encoding: str = "utf-8") -> SimpleUploadedFile:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return SimpleUploadedFile(name, buf.getvalue().encode(encoding))


def xlsx_upload(name: str, rows: list[list]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def fill_template(template: bytes, rows: list[list]) -> SimpleUploadedFile:
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    ws.delete_rows(2)  # the example row
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("filled.xlsx", buf.getvalue())


def run(actor, kind: str, upload, *, dry_run: bool = False, mapping=None):
    r = services.import_upload(actor=actor, kind_name=kind, uploaded=upload, mapping=mapping)
    return r, services.import_execute(actor=actor, run=r, dry_run=dry_run)
