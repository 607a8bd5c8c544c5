"""Reading a roster file as schools keep them (CSV or XLSX, Chinese headers) into plain rows.

Only the shape of the file is judged here: its type, size, encoding and columns. Whether
the rows make sense (classes exist, numbers are free) is the import's business.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from app.core.errors import DomainError, Invalid
from app.school import errors as _errors  # noqa: F401  (registers the messages)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# An XLSX is a zip: its unpacked size is bounded too, or a small file could be a bomb.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# A title line ("三年级学生名单") may sit above the header; it is looked for this far down.
HEADER_SEARCH_ROWS = 10

# Canonical column -> the headers schools use for it (compared after normalising).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "学生姓名", "name"),
    "student_no": ("学号", "student_no"),
    "class": ("班级", "class", "class_name"),
    "priority": ("优先类别", "优先", "priority"),
}
REQUIRED = ("name", "student_no", "class")
HEADER_LABELS = {"name": "姓名", "student_no": "学号", "class": "班级", "priority": "优先类别"}

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and .doc)
_OTHER_BINARY = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


@dataclass(frozen=True)
class RosterRow:
    number: int  # the row's number in the file, as a spreadsheet shows it
    name: str
    student_no: str
    class_name: str
    priority: str | None  # None when the file has no priority column


def normalise(text: str) -> str:
    """Full-width forms folded (１２３ → 123, （ → (), outer blanks dropped."""
    return unicodedata.normalize("NFKC", text).strip()


def _header_key(cell: str) -> str | None:
    label = normalise(cell).lstrip("*").replace(" ", "").lower()
    for key, names in COLUMNS.items():
        if label in names:
            return key
    return None


def _unsupported() -> DomainError:
    return DomainError("import.unsupported_type", status=415)


def read_roster(data: bytes, filename: str | None) -> list[RosterRow]:
    """The data rows of a CSV or XLSX roster; refuses files that are not one (415), broken
    (422), or too big (413)."""
    if not data.strip():
        raise Invalid("import.empty", field="file")
    if len(data) > MAX_BYTES:
        raise DomainError("import.too_large", status=413, limit_mb=MAX_BYTES // (1024 * 1024))
    if data.startswith(_XLSX_MAGIC):
        return _rows(_xlsx_cells(data))
    if data.startswith(_OLE_MAGIC):
        raise DomainError("import.xls_unsupported", status=415)
    if data.startswith(_OTHER_BINARY):
        raise _unsupported()
    if (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise Invalid("import.unreadable", field="file")  # says XLSX, is not a zip: broken
    return _rows(_csv_cells(data))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Excel's "Unicode text"
    if b"\x00" in data[:8192]:
        raise _unsupported()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Chinese Windows saves "CSV (逗号分隔)" in GBK; GB18030 is its superset.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _unsupported() from None


def _csv_cells(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise Invalid("import.unreadable", field="file") from exc


def _xlsx_cells(data: bytes) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise Invalid("import.unreadable", field="file") from exc
    if "xl/workbook.xml" not in names:
        raise _unsupported()  # a .docx, .pptx or plain zip
    if unpacked > MAX_UNPACKED_BYTES:
        raise DomainError("import.too_large", status=413, limit_mb=MAX_BYTES // (1024 * 1024))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_xlsx_text(v) for v in values]
        workbook.close()
    except DomainError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; all mean "broken"
        raise Invalid("import.unreadable", field="file") from exc


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 学号 typed as a number: 2023001.0 → 2023001
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def _rows(cells: Iterable[list[str]]) -> list[RosterRow]:
    columns: dict[str, int] | None = None
    first_missing: list[str] = []  # what the first candidate header lacked, for the error
    candidates = 0
    rows: list[RosterRow] = []
    for number, values in enumerate(cells, start=1):
        if not any(v.strip() for v in values):
            continue
        if columns is None:
            found, missing = _header(values)
            if not missing:
                columns = found
                continue
            first_missing = first_missing or missing
            candidates += 1
            if candidates == HEADER_SEARCH_ROWS:
                break
            continue
        if len(rows) == MAX_ROWS:
            raise Invalid("import.too_many_rows", field="file", max=MAX_ROWS)
        rows.append(
            RosterRow(
                number=number,
                name=_cell(values, columns, "name"),
                student_no=_cell(values, columns, "student_no"),
                class_name=_cell(values, columns, "class"),
                priority=_cell(values, columns, "priority") if "priority" in columns else None,
            )
        )
    if columns is None:
        if not first_missing:
            raise Invalid("import.empty", field="file")
        raise Invalid("import.missing_columns", field="file", columns="、".join(first_missing))
    if not rows:
        raise Invalid("import.no_rows", field="file")
    return rows


def _header(values: list[str]) -> tuple[dict[str, int], list[str]]:
    """The columns a header row names, and the labels of the required ones it lacks."""
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        key = _header_key(value)
        if key is not None and key not in found:
            found[key] = index
    return found, [HEADER_LABELS[k] for k in REQUIRED if k not in found]


def _cell(values: list[str], columns: dict[str, int], key: str) -> str:
    index = columns[key]
    return normalise(values[index]) if index < len(values) else ""
