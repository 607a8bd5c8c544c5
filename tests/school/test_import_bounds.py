"""Import work is bounded, not only the file: crafted XLSX files cost a bounded parse, and
password hashing never waits behind a parse."""

from __future__ import annotations

import asyncio
import io
import re
import threading
import time
import zipfile

import httpx
import pytest

from app.core import executors
from app.school import roster_file
from tests.core.test_problems import assert_problem
from tests.factories import PASSWORD
from tests.school.conftest import Cast
from tests.school.test_import import classes, upload, xlsx_bytes

__all__ = ["classes"]  # the fixture, used by name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"
HUGE = "A1:XFD1048576"  # every cell of a sheet
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def rewritten(data: bytes, member: str, change: callable) -> bytes:  # type: ignore[valid-type]
    """``data`` (an XLSX) with ``member`` replaced by ``change(its text)`` (or added)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item)
            if item.filename == member:
                content = change(content.decode()).encode()
            target.writestr(item.filename, content)
        if member not in source.namelist():
            target.writestr(member, change("").encode())
    return out.getvalue()


def roster() -> bytes:
    return xlsx_bytes([["姓名", "学号", "班级"], ["王小明", 2023001, "三年级2班"]])


def with_rows(extra: str) -> callable:  # type: ignore[valid-type]
    return lambda sheet: sheet.replace("</sheetData>", extra + "</sheetData>")


async def _xlsx(client: httpx.AsyncClient, cast: Cast, content: bytes) -> httpx.Response:
    return await upload(client, cast, content, filename="r.xlsx", content_type=XLSX)


@pytest.mark.usefixtures("classes")
class TestCraftedWorkbooks:
    async def test_a_declared_dimension_of_a_million_rows_is_not_believed(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        content = rewritten(
            roster(),
            SHEET,
            lambda sheet: re.sub(
                r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', sheet
            ),
        )
        assert len(content) < 10_000
        response = await _xlsx(client, cast, content)
        assert response.status_code == 200, response.text
        assert response.json()["created"] == 1

    async def test_a_row_a_million_rows_down_is_too_much_work(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        last = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        content = rewritten(roster(), SHEET, with_rows(last))
        assert len(content) < 10_000
        problem = assert_problem(await _xlsx(client, cast, content), 422, "import.too_large")
        assert "5 MB" in problem["detail"]

    async def test_rows_as_wide_as_the_sheet_are_too_much_work(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        # one cell per row, in column XFD: each row is 16,384 cells wide
        wide = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(3, 200))
        content = rewritten(roster(), SHEET, with_rows(wide))
        assert_problem(await _xlsx(client, cast, content), 422, "import.too_large")

    async def test_shared_strings_that_unpack_past_the_bound_are_refused_unread(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        strings = "<si><t>王小明</t></si>" * (roster_file.MAX_MEMBER_BYTES // 20)
        content = rewritten(
            xlsx_bytes([["姓名", "学号", "班级"], ["王小明", "2023001", "三年级2班"]]),
            "xl/sharedStrings.xml",
            lambda _: f'<sst xmlns="{MAIN_NS}">{strings}</sst>',
        )
        assert len(content) < 1024 * 1024  # small on the wire, 16 MB+ unpacked
        assert_problem(await _xlsx(client, cast, content), 413, "import.too_large")

    async def test_a_csv_of_blank_lines_is_too_much_work(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        content = "姓名,学号,班级\r\n".encode() + b",\r\n" * (roster_file.MAX_SCANNED_ROWS + 1)
        assert_problem(await upload(client, cast, content), 422, "import.too_large")


def test_a_parse_past_its_deadline_stops() -> None:
    rows = [["姓名", "学号", "班级"]] + [["王", str(n), "一班"] for n in range(2000)]
    data = xlsx_bytes(rows)
    assert len(roster_file.read_roster(data, "r.xlsx", deadline=time.monotonic() + 60)) == 2000
    with pytest.raises(roster_file.DomainError) as refused:
        roster_file.read_roster(data, "r.xlsx", deadline=time.monotonic() - 1)
    assert (refused.value.code, refused.value.status) == ("import.too_large", 422)


async def test_logins_do_not_wait_behind_parses(client: httpx.AsyncClient, cast: Cast) -> None:
    """Every parsing thread and every default-pool thread busy: a login still succeeds."""
    release = threading.Event()
    loop = asyncio.get_running_loop()
    blockers = [loop.run_in_executor(executors.FILE_PARSING, release.wait, 30) for _ in range(4)]
    blockers += [loop.run_in_executor(None, release.wait, 30) for _ in range(40)]
    try:
        response = await asyncio.wait_for(
            client.post(
                "/auth/login", json={"username": cast.admin.username, "password": PASSWORD}
            ),
            timeout=20,
        )
        assert response.status_code == 200, response.text
        assert not any(b.done() for b in blockers)  # they really were all still busy
    finally:
        release.set()
        await asyncio.gather(*blockers)


@pytest.mark.usefixtures("classes")
async def test_control_characters_in_cells_and_the_filename_never_reach_the_database(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    content = "姓名,学号,班级\r\n王\x7f小明,2023\x1b001,三年级2班\r\n".encode()
    # written by hand: httpx would percent-encode the NUL in the file name
    body = (
        b"--b\r\n"
        b'Content-Disposition: form-data; name="file"; filename="'
        + "名单\x00\x1b.csv".encode()
        + b'"\r\nContent-Type: text/csv\r\n\r\n'
        + content
        + b"\r\n--b--\r\n"
    )
    response = await client.post(
        "/students/import",
        content=body,
        headers={**cast.headers("admin"), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 200, response.text
    student = (await client.get("/students", headers=cast.headers("admin"))).json()["items"][0]
    assert (student["name"], student["student_no"]) == ("王小明", "2023001")
    events = await client.get(
        "/audit-events", params={"action": "student.imported"}, headers=cast.headers("admin")
    )
    assert events.json()["items"][0]["data"]["file"] == "名单.csv"
