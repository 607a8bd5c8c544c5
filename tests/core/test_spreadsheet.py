"""The office export format: title, frozen Chinese header, typed cells, totals, CSV twin."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl

from app.core.spreadsheet import Column, Sheet, attachment, to_csv, to_xlsx


def _sheet() -> Sheet:
    return Sheet(
        title="课后服务台账",
        school_name="示范小学",
        period="2026年11月",
        made_at=datetime(2026, 12, 1, 9, 30),
        columns=[
            Column("日期", "date"),
            Column("班级"),
            Column("应到", "int", total=True),
            Column("收费（元）", "yuan", total=True),
            Column("出勤率", "percent"),
        ],
        rows=iter(
            [
                (date(2026, 11, 2), "一(1)班", 40, 12345, 0.95),
                (date(2026, 11, 3), "一(2)班", 38, 5, None),
            ]
        ),
    )


def test_xlsx_reads_back_with_title_header_types_and_totals() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(_sheet())))
    ws = book.active
    assert ws["A1"].value == "示范小学 课后服务台账（2026年11月） 制表时间：2026-12-01 09:30"
    assert [c.value for c in ws[2]] == ["日期", "班级", "应到", "收费（元）", "出勤率"]
    assert ws.freeze_panes == "A3"
    assert ws["A3"].value == datetime(2026, 11, 2) and ws["A3"].is_date
    assert ws["C3"].value == 40 and ws["D3"].value == 123.45
    assert ws["E4"].value is None
    assert [c.value for c in ws[5]] == ["合计", None, 78, 123.5, None]
    assert ws.column_dimensions["D"].width >= 12


def test_csv_twin_has_bom_same_header_and_totals() -> None:
    text = to_csv(_sheet()).decode("utf-8")
    assert text.startswith("\ufeff日期,班级,应到,收费（元）,出勤率\r\n")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[1] == "2026-11-02,一(1)班,40,123.45,95.0%"
    assert lines[-1] == "合计,,78,123.50,"


def test_attachment_names_a_chinese_file_for_every_browser() -> None:
    response = attachment(b"x", "台账-2026-11.xlsx", "xlsx")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="-2026-11.xlsx"')
    assert "filename*=UTF-8''%E5%8F%B0%E8%B4%A6-2026-11.xlsx" in disposition
