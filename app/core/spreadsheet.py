"""Office exports: one sheet as ``.xlsx`` (XlsxWriter, streamed) or its ``.csv`` twin.

What a school office expects when it opens an export in Excel or WPS: a title row naming
the school, the period and when the file was made; Chinese headers in a frozen row; widths
that fit; dates, numbers and money as real cell types; a totals row where sums make sense.
The ``.csv`` twin has the same header and rows (no title), UTF-8 with a BOM so Excel opens
it as Chinese text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import quote

import xlsxwriter
from starlette.responses import Response

Kind = Literal["text", "int", "yuan", "percent", "date", "datetime"]
Format = Literal["xlsx", "csv"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

_NUMBER_FORMATS: dict[Kind, str] = {
    "int": "0",
    "yuan": "#,##0.00",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, how its cells are typed, and whether it is totalled.

    ``yuan`` cells take integer fen and show yuan with two decimals; ``percent`` takes a
    fraction (0.93 shows as 93.0%).
    """

    header: str
    kind: Kind = "text"
    width: int | None = None
    total: bool = False


@dataclass
class Sheet:
    """A titled table. ``rows`` may be a generator: it is read once, in order."""

    title: str
    school_name: str
    period: str
    made_at: datetime
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    totals_label: str | None = "合计"
    sheet_name: str = "Sheet1"
    _totals: list[int | float] = field(default_factory=list, repr=False)

    @property
    def title_line(self) -> str:
        made = self.made_at.strftime("%Y-%m-%d %H:%M")
        return f"{self.school_name} {self.title}（{self.period}） 制表时间：{made}"

    def has_totals(self) -> bool:
        return self.totals_label is not None and any(c.total for c in self.columns)


def _width(column: Column) -> int:
    if column.width is not None:
        return column.width
    # a CJK character is about two Latin ones wide
    header = sum(2 if ord(ch) > 0x2E80 else 1 for ch in column.header) + 2
    floor = {"date": 12, "datetime": 17, "yuan": 12, "percent": 9}.get(column.kind, 8)
    return max(header, floor)


def _cell_to_text(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "yuan":
        return f"{int(value) / 100:.2f}"
    if kind == "percent":
        return f"{float(value) * 100:.1f}%"
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _accumulate(totals: list[int | float], columns: Sequence[Column], row: Sequence[Any]) -> None:
    for i, column in enumerate(columns):
        if column.total and row[i] is not None:
            totals[i] += row[i]


def to_xlsx(sheet: Sheet) -> bytes:
    """The sheet as an ``.xlsx`` file. Rows are streamed (``constant_memory``)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "remove_timezone": True})
    ws = book.add_worksheet(sheet.sheet_name)
    title = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    bold = book.add_format({"bold": True, "top": 1})
    formats = {kind: book.add_format({"num_format": f}) for kind, f in _NUMBER_FORMATS.items()}
    bold_formats = {
        kind: book.add_format({"num_format": f, "bold": True, "top": 1})
        for kind, f in _NUMBER_FORMATS.items()
    }
    columns = sheet.columns
    for i, column in enumerate(columns):
        ws.set_column(i, i, _width(column))
    ws.write_string(0, 0, sheet.title_line, title)
    for i, column in enumerate(columns):
        ws.write_string(1, i, column.header, header)
    ws.freeze_panes(2, 0)
    totals: list[int | float] = [0] * len(columns)
    r = 2
    for row in sheet.rows:
        _accumulate(totals, columns, row)
        for i, column in enumerate(columns):
            _write(ws, r, i, row[i], column.kind, formats)
        r += 1
    if sheet.has_totals():
        ws.write_string(r, 0, sheet.totals_label or "", bold)
        for i, column in enumerate(columns[1:], start=1):
            value = totals[i] if column.total else None
            _write(ws, r, i, value, column.kind, bold_formats, blank=bold)
    if r > 2:
        ws.autofilter(1, 0, r - 1, len(columns) - 1)
    book.close()
    return out.getvalue()


def _write(
    ws: Any,
    r: int,
    c: int,
    value: Any,
    kind: Kind,
    formats: dict[Kind, Any],
    blank: Any = None,
) -> None:
    if value is None:
        ws.write_blank(r, c, None, blank)
    elif kind == "text":
        ws.write_string(r, c, str(value), blank)
    elif kind == "yuan":
        ws.write_number(r, c, int(value) / 100, formats["yuan"])
    elif kind in ("date", "datetime"):
        ws.write_datetime(r, c, value, formats[kind])
    else:
        ws.write_number(r, c, value, formats[kind])


def to_csv(sheet: Sheet) -> bytes:
    """The ``.csv`` twin: header, rows and totals, UTF-8 with a BOM."""
    text = io.StringIO()
    writer = csv.writer(text)
    columns = sheet.columns
    writer.writerow([c.header for c in columns])
    totals: list[int | float] = [0] * len(columns)
    for row in sheet.rows:
        _accumulate(totals, columns, row)
        writer.writerow([_cell_to_text(row[i], c.kind) for i, c in enumerate(columns)])
    if sheet.has_totals():
        writer.writerow(
            [sheet.totals_label]
            + [
                _cell_to_text(totals[i], c.kind) if c.total else ""
                for i, c in enumerate(columns[1:], start=1)
            ]
        )
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def attachment(content: bytes, filename: str, fmt: Format) -> Response:
    """A download: ``filename`` may be Chinese (RFC 6266 ``filename*``, ASCII fallback)."""
    fallback = filename.encode("ascii", "ignore").decode() or f"export.{fmt}"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    media_type = XLSX_MEDIA_TYPE if fmt == "xlsx" else CSV_MEDIA_TYPE
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def render(sheet: Sheet, fmt: Format) -> bytes:
    return to_xlsx(sheet) if fmt == "xlsx" else to_csv(sheet)


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, as an attachment",
        "content": {XLSX_MEDIA_TYPE: {}, "text/csv": {}},
    }
}
"""``responses=`` for an export route, so the spec names both media types."""
