"""Reading a roster file as schools keep them (CSV or XLSX, Chinese headers) into plain rows.

Only the shape of the file is judged here: its type, size, encoding and columns. Whether
the rows make sense (classes exist, numbers are free) is the import's business.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from app.core.errors import DomainError
from app.core.executors import FILE_PARSING, run_in
from app.school.errors import (
    ImportEmpty,
    ImportMissingColumns,
    ImportNoRows,
    ImportTooLarge,
    ImportTooManyRows,
    ImportUnreadable,
    ImportUnsupportedType,
    ImportXlsUnsupported,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# An XLSX is a zip: its unpacked size is bounded too, or a small file could be a bomb. The
# members' declared sizes are checked before anything is parsed (zipfile never unpacks a
# member past its declared size). Shared strings and styles are read whole into memory, so
# each member but the worksheets (which are streamed) has a tighter bound: a 234 KB file
# whose shared strings unpacked to 94 MB once cost 34 s of CPU and 760 MB.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = 16 * 1024 * 1024
# The work is bounded, not only the file: every row and cell scanned counts, blank ones
# included (a 4.9 KB file declaring 1,048,576 rows once pinned the server).
MAX_SCANNED_ROWS = 50_000
MAX_SCANNED_CELLS = 1_000_000
MAX_COLUMNS = 64  # cells past this in a row are counted, never read
# A parse that has not finished this long after it was asked for is abandoned.
PARSE_SECONDS = 30.0
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


# Control characters in a cell (a CSV's NUL, an Excel line break inside a name) are dropped:
# PostgreSQL refuses NUL, and none belongs in a name, number or class.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def normalise(text: str) -> str:
    """Full-width forms folded (１２３ → 123, （ → (), control characters and outer blanks
    dropped."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", text)).strip()


def _header_key(cell: str) -> str | None:
    label = normalise(cell).lstrip("*").replace(" ", "").lower()
    for key, names in COLUMNS.items():
        if label in names:
            return key
    return None


def _unsupported() -> DomainError:
    return ImportUnsupportedType()


def _too_large(status: int) -> DomainError:
    return ImportTooLarge(status=status, limit_mb=MAX_BYTES // (1024 * 1024))


class Budget:
    """The rows and cells a parse may scan, and when it must have finished."""

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline
        self.rows = 0
        self.cells = 0

    def scan(self, cells: int) -> None:
        """Count one row of ``cells``; 422 ``import.too_large`` once past a bound."""
        self.rows += 1
        self.cells += cells
        if self.rows > MAX_SCANNED_ROWS or self.cells > MAX_SCANNED_CELLS:
            raise _too_large(422)
        if self.deadline is not None and self.rows % 512 == 0:
            self.check_time()

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise _too_large(422)


def read_roster(
    data: bytes, filename: str | None, *, deadline: float | None = None
) -> list[RosterRow]:
    """The data rows of a CSV or XLSX roster; refuses files that are not one (415), broken
    (422), too big (413), or too much work to read (422), by ``deadline`` (monotonic) too."""
    budget = Budget(deadline)
    budget.check_time()  # waited for a free parser past the deadline: do not start
    if not data.strip():
        raise ImportEmpty(field="file")
    if len(data) > MAX_BYTES:
        raise _too_large(413)
    if data.startswith(_XLSX_MAGIC):
        return _rows(_xlsx_cells(data, budget))
    if data.startswith(_OLE_MAGIC):
        raise ImportXlsUnsupported()
    if data.startswith(_OTHER_BINARY):
        raise _unsupported()
    if (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise ImportUnreadable(field="file")  # says XLSX, is not a zip: broken
    return _rows(_csv_cells(data, budget))


async def parse_roster(data: bytes, filename: str | None) -> list[RosterRow]:
    """``read_roster`` on the file-parsing pool (never the one logins hash on), with a
    deadline counted from now, so a queue of heavy files cannot hold a request forever."""
    deadline = time.monotonic() + PARSE_SECONDS
    return await run_in(FILE_PARSING, read_roster, data, filename, deadline=deadline)


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


def _csv_cells(data: bytes, budget: Budget) -> Iterator[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            budget.scan(len(values))
            yield values[:MAX_COLUMNS]
    except csv.Error as exc:
        raise ImportUnreadable(field="file") from exc


def _check_members(archive: zipfile.ZipFile) -> None:
    """413 when the declared unpacked sizes pass the bounds, before any member is read."""
    members = archive.infolist()
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
        raise _too_large(413)
    for info in members:
        if info.file_size > MAX_MEMBER_BYTES and not info.filename.startswith("xl/worksheets/"):
            raise _too_large(413)


def _xlsx_cells(data: bytes, budget: Budget) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise _unsupported()  # a .docx, .pptx or plain zip
            _check_members(archive)
    except zipfile.BadZipFile as exc:
        raise ImportUnreadable(field="file") from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        budget.check_time()  # shared strings and styles are read by now
        sheet = workbook.worksheets[0]
        # The declared dimension is not believed: it would pad every row to its width and
        # add rows up to its height (A1:XFD1048576 is a few bytes).
        if isinstance(sheet, ReadOnlyWorksheet):
            sheet.reset_dimensions()
        for values in sheet.iter_rows(values_only=True):
            budget.scan(len(values))
            yield [_xlsx_text(v) for v in values[:MAX_COLUMNS]]
        workbook.close()
    except DomainError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; all mean "broken"
        raise ImportUnreadable(field="file") from exc


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
            raise ImportTooManyRows(field="file", max=MAX_ROWS)
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
            raise ImportEmpty(field="file")
        raise ImportMissingColumns(field="file", columns="、".join(first_missing))
    if not rows:
        raise ImportNoRows(field="file")
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
