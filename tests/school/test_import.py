"""POST /students/import: CSV or XLSX rosters with Chinese headers, all rows or none."""

from __future__ import annotations

import asyncio
import io
import zipfile

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.audit import AuditEvent
from app.school.models import Student
from tests.core.test_problems import assert_problem
from tests.factories import create_class, create_student
from tests.school.conftest import NOT_ADMINS, Cast

HEADER = ["姓名", "学号", "班级", "优先类别"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient,
    cast: Cast,
    content: bytes,
    *,
    filename: str = "roster.csv",
    content_type: str = "text/csv",
    who: str = "admin",
    params: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        "/students/import",
        files={"file": (filename, content, content_type)},
        headers=cast.headers(who),
        params=params,
    )


async def count_students(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Student)) or 0


@pytest.fixture
async def classes(cast: Cast, session: AsyncSession) -> None:
    await create_class(session, cast.school, name="三年级（1）班", grade=3)
    await create_class(session, cast.school, name="三年级2班", grade=3)
    await session.commit()


@pytest.mark.usefixtures("classes")
class TestImportSucceeds:
    @pytest.mark.parametrize(
        "content",
        [
            csv_bytes(
                [
                    HEADER,
                    ["王小明", "2023001", "三年级(1)班", "留守、低收入"],
                    ["李雷", "2023002", "三年级2班", ""],
                ]
            ),
            csv_bytes(
                [
                    HEADER,
                    ["王小明", "2023001", "三年级（1）班", '"留守,低收入"'],
                    ["李雷", "2023002", "三年级2班", "无"],
                ],
                bom=True,
            ),
            csv_bytes(
                [
                    HEADER,
                    ["王小明", "2023001", "三年级（1）班", "left_behind，low_income"],
                    ["李雷", "2023002", "三年级2班", ""],
                ],
                encoding="gbk",
            ),
        ],
        ids=["utf-8", "utf-8-bom", "gbk"],
    )
    async def test_a_csv_roster_is_imported(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession, content: bytes
    ) -> None:
        response = await upload(client, cast, content)
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["total_rows"], report["created"], report["updated"]) == (2, 2, 0)
        assert [(r["row"], r["student_no"], r["outcome"]) for r in report["rows"]] == [
            (2, "2023001", "created"),
            (3, "2023002", "created"),
        ]
        students = {s.student_no: s for s in await session.scalars(select(Student))}
        assert students["2023001"].name == "王小明"
        assert students["2023001"].priority == ["left_behind", "low_income"]
        assert students["2023002"].priority == []
        assert str(students["2023001"].id) == report["rows"][0]["student_id"]
        listed = (await client.get("/students", headers=cast.headers("admin"))).json()["items"]
        assert [s["class_name"] for s in listed] == ["三年级（1）班", "三年级2班"]

    async def test_an_xlsx_roster_with_a_title_row_and_numeric_numbers(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        content = xlsx_bytes(
            [
                ["三年级学生名单"],
                [],
                ["序号", "姓名", "性别", "学号", "班级", "优先类别"],
                [1, "王小明", "男", 2023001, "三年级2班", "特殊需要、随迁"],
                [2, "韩梅梅", "女", 2023002.0, "三年级2班", None],
            ]
        )
        response = await upload(client, cast, content, filename="名单.xlsx", content_type=XLSX_TYPE)
        assert response.status_code == 200, response.text
        assert [(r["row"], r["student_no"]) for r in response.json()["rows"]] == [
            (4, "2023001"),
            (5, "2023002"),
        ]
        flags = dict((await session.execute(select(Student.student_no, Student.priority))).all())
        assert flags == {"2023001": ["migrant", "special_needs"], "2023002": []}

    async def test_a_raw_csv_body_is_accepted_too(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        response = await client.post(
            "/students/import",
            content=csv_bytes([["姓名", "学号", "班级"], ["王小明", "1", "三年级2班"]]),
            headers={**cast.headers("admin"), "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        assert await count_students(session) == 1

    async def test_update_existing_moves_known_students_and_keeps_their_flags(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        old_class = await create_class(session, cast.school, name="二年级1班", grade=2)
        known = await create_student(session, old_class, student_no="2023001", priority=["migrant"])
        await session.commit()
        content = csv_bytes(
            [
                ["姓名", "学号", "班级"],
                ["王小明", "2023001", "三年级2班"],
                ["李雷", "2023002", "三年级2班"],
            ]
        )
        refused = await upload(client, cast, content)
        problem = assert_problem(refused, 422, "import.rows_invalid")
        assert problem["errors"] == [
            {
                "field": "rows.2.student_no",
                "code": "import.student_no_taken",
                "message": "第 2 行：学号 2023001 在本校已存在。",
            }
        ]
        response = await upload(client, cast, content, params={"update_existing": "true"})
        assert response.status_code == 200
        assert [r["outcome"] for r in response.json()["rows"]] == ["updated", "created"]
        assert response.json()["rows"][0]["student_id"] == str(known.id)
        await session.refresh(known)
        assert known.name == "王小明" and known.priority == ["migrant"]
        assert (await client.get(f"/students/{known.id}", headers=cast.headers("admin"))).json()[
            "class_name"
        ] == "三年级2班"

    async def test_the_import_is_one_audit_event(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        await upload(
            client,
            cast,
            csv_bytes([HEADER, ["王小明", "1", "三年级2班", ""]]),
            filename="三年级.csv",
        )
        events = (await session.scalars(select(AuditEvent))).all()
        assert [(e.action, e.data) for e in events] == [
            ("student.imported", {"file": "三年级.csv", "created": 1, "updated": 0})
        ]

    async def test_two_imports_of_the_same_numbers_at_once_import_one(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        content = csv_bytes(
            [HEADER, ["王小明", "1", "三年级2班", ""], ["李雷", "2", "三年级2班", ""]]
        )
        first, second = await asyncio.gather(
            upload(client, cast, content), upload(client, cast, content)
        )
        assert sorted([first.status_code, second.status_code]) in ([200, 409], [200, 422])
        assert await count_students(session) == 2

    async def test_ten_thousand_rows(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        rows = [HEADER] + [
            [
                f"学生{i}",
                f"{i:06d}",
                "三年级2班" if i % 2 else "三年级（1）班",
                "留守" if i % 7 == 0 else "",
            ]
            for i in range(10_000)
        ]
        response = await upload(client, cast, csv_bytes(rows, bom=True))
        assert response.status_code == 200, response.text[:500]
        assert response.json()["created"] == 10_000
        assert len(response.json()["rows"]) == 10_000
        assert await count_students(session) == 10_000
        flagged = await session.scalar(
            select(func.count())
            .select_from(Student)
            .where(Student.priority.contains(["left_behind"]))
        )
        assert flagged == len(range(0, 10_000, 7))


@pytest.mark.usefixtures("classes")
class TestRowsAreCheckedFirst:
    async def test_every_bad_row_is_reported_and_nothing_is_imported(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        await create_student(session, await create_class(session, cast.school), student_no="9999")
        await session.commit()
        content = csv_bytes(
            [
                HEADER,
                ["王小明", "2023001", "三年级2班", "留守"],  # fine
                ["", "2023002", "三年级2班", ""],
                ["李雷", "2023001", "三年级2班", ""],
                ["韩梅梅", "2023 004", "五年级9班", "贫困"],
                ["张三", "9999", "", ""],
                ["名" * 65, "2023006", "三年级2班", ""],
            ]
        )
        response = await upload(client, cast, content)
        problem = assert_problem(response, 422, "import.rows_invalid")
        assert "5" in problem["detail"]
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [
            ("rows.3.name", "import.name_missing"),
            ("rows.4.student_no", "import.student_no_repeated"),
            ("rows.5.student_no", "import.student_no_invalid"),
            ("rows.5.class", "import.class_unknown"),
            ("rows.5.priority", "import.priority_unknown"),
            ("rows.6.student_no", "import.student_no_taken"),
            ("rows.6.class", "import.class_missing"),
            ("rows.7.name", "import.name_too_long"),
        ]
        assert problem["errors"][1]["message"] == "第 4 行：学号 2023001 与第 2 行重复。"
        assert "五年级9班" in problem["errors"][3]["message"]
        assert await count_students(session) == 1  # only the one made before

    async def test_row_problems_speak_english_when_asked(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        content = csv_bytes([HEADER, ["王小明", "1", "九年级1班", ""]])
        response = await client.post(
            "/students/import",
            files={"file": ("r.csv", content, "text/csv")},
            headers=cast.headers("admin", language="en"),
        )
        problem = assert_problem(response, 422, "import.rows_invalid")
        assert problem["detail"].startswith("1 rows have problems")
        assert (
            problem["errors"][0]["message"]
            == "Row 2: there is no class “九年级1班”; create it first."
        )

    async def test_another_schools_classes_are_unknown(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        response = await upload(
            client, cast, csv_bytes([HEADER, ["王小明", "1", "三年级2班", ""]]), who="other_admin"
        )
        assert_problem(response, 422, "import.rows_invalid")
        assert await count_students(session) == 0


class TestBadFiles:
    @pytest.mark.parametrize(
        ("content", "filename", "status", "code"),
        [
            (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.png", 415, "import.unsupported_type"),
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "roster.pdf", 415, "import.unsupported_type"),
            (
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
                "roster.xls",
                415,
                "import.xls_unsupported",
            ),
            (b"\x00\x01\x02binary\x00", "roster.csv", 415, "import.unsupported_type"),
            (b"PK\x03\x04broken zip", "roster.xlsx", 422, "import.unreadable"),
            (b"name,no\nx,1\n", "roster.xlsx", 422, "import.unreadable"),
            (b"", "roster.csv", 422, "import.empty"),
            (b" \r\n\r\n", "roster.csv", 422, "import.empty"),
            ("姓名,学号,班级\r\n".encode(), "roster.csv", 422, "import.no_rows"),
            (
                "名字,编号,班\r\n王小明,1,三年级2班\r\n".encode(),
                "roster.csv",
                422,
                "import.missing_columns",
            ),
            (
                "姓名,班级\r\n王小明,三年级2班\r\n".encode(),
                "roster.csv",
                422,
                "import.missing_columns",
            ),
            (b'"unterminated,\x00', "roster.csv", 415, "import.unsupported_type"),
        ],
    )
    async def test_is_a_clear_problem(
        self,
        client: httpx.AsyncClient,
        cast: Cast,
        content: bytes,
        filename: str,
        status: int,
        code: str,
    ) -> None:
        response = await upload(
            client, cast, content, filename=filename, content_type="application/octet-stream"
        )
        assert_problem(response, status, code)

    async def test_missing_columns_are_named(self, client: httpx.AsyncClient, cast: Cast) -> None:
        content = "姓名,班级\r\n王小明,三年级2班\r\n".encode()
        problem = assert_problem(await upload(client, cast, content), 422, "import.missing_columns")
        assert "学号" in problem["detail"] and "姓名" not in problem["detail"].split("。")[0]

    async def test_a_word_document_is_not_a_roster(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
        assert_problem(
            await upload(client, cast, out.getvalue(), filename="a.docx"),
            415,
            "import.unsupported_type",
        )

    async def test_a_damaged_xlsx_is_unreadable(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        good = xlsx_bytes([["姓名", "学号", "班级"], ["王小明", 1, "三年级2班"]])
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as damaged:
            for item in source.infolist():
                data = source.read(item)
                damaged.writestr(
                    item, b"<not xml" if item.filename.startswith("xl/worksheets") else data
                )
        assert_problem(
            await upload(client, cast, out.getvalue(), filename="r.xlsx"), 422, "import.unreadable"
        )

    async def test_a_file_over_5_mb_is_413(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        content = csv_bytes([HEADER]) + b"x" * (5 * 1024 * 1024 + 1)
        problem = assert_problem(await upload(client, cast, content), 413, "import.too_large")
        assert "5 MB" in problem["detail"]
        raw = await client.post(
            "/students/import",
            content=content,
            headers={**cast.headers("admin"), "Content-Type": "text/csv"},
        )
        assert_problem(raw, 413, "import.too_large")

    async def test_a_huge_upload_is_refused_before_it_is_read(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        received = 0

        async def endless():  # 1 GB announced, a few chunks sent: refused on the header alone
            nonlocal received
            for _ in range(1024):
                received += 1
                yield b"x" * (1024 * 1024)

        response = await client.post(
            "/students/import",
            content=endless(),
            headers={
                **cast.headers("admin"),
                "Content-Type": "text/csv",
                "Content-Length": str(1024**3),
            },
        )
        assert_problem(response, 413, "import.too_large")
        assert received < 16

    async def test_an_xlsx_that_unpacks_to_a_bomb_is_413(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            with archive.open("xl/sharedStrings.xml", "w") as big:
                for _ in range(101):
                    big.write(b"\x00" * (1024 * 1024))
        assert len(out.getvalue()) < 5 * 1024 * 1024
        assert_problem(
            await upload(client, cast, out.getvalue(), filename="bomb.xlsx"),
            413,
            "import.too_large",
        )

    async def test_too_many_rows_is_422(self, client: httpx.AsyncClient, cast: Cast) -> None:
        rows = [["姓名", "学号", "班级"]] + [["a", str(i), "c"] for i in range(20_001)]
        assert_problem(await upload(client, cast, csv_bytes(rows)), 422, "import.too_many_rows")

    async def test_a_form_without_a_file_is_422(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.post(
            "/students/import", files={"note": (None, "x")}, headers=cast.headers("admin")
        )
        assert_problem(response, 422, "import.file_missing")
        urlencoded = await client.post(
            "/students/import", data={"a": "b"}, headers=cast.headers("admin")
        )
        assert_problem(urlencoded, 415, "import.unsupported_type")
        # any single file field will do, whatever its name
        other_name = await client.post(
            "/students/import",
            files={"upload": ("r.csv", b"", "text/csv")},
            headers=cast.headers("admin"),
        )
        assert_problem(other_name, 422, "import.empty")

    async def test_a_json_body_is_415(self, client: httpx.AsyncClient, cast: Cast) -> None:
        response = await client.post(
            "/students/import", json=[{"姓名": "王小明"}], headers=cast.headers("admin")
        )
        assert_problem(response, 415, "import.unsupported_type")


class TestWalls:
    @pytest.mark.parametrize("who", NOT_ADMINS)
    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, cast: Cast, who: str
    ) -> None:
        content = csv_bytes([HEADER, ["王小明", "1", "三年级2班", ""]])
        assert_problem(await upload(client, cast, content, who=who), 403, "auth.forbidden")

    async def test_without_a_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/students/import", files={"file": ("r.csv", b"a", "text/csv")}
        )
        assert response.status_code == 401
