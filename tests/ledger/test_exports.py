"""The ledgers' .xlsx and .csv, read back: title, Chinese headers, frozen header, typed
cells, totals, and the same figures as the JSON."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from urllib.parse import quote

import httpx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.exports import DAILY_COLUMNS, MONTHLY_COLUMNS
from tests.attendance.factories import TODAY, Campus, build_campus
from tests.factories import auth
from tests.ledger.factories import every_status

MONTH = TODAY.strftime("%Y-%m")
COUNT_HEADERS = ["应到人数", "待点名", "出勤", "缺勤", "请假", "已接走", "自行离校"]
COUNT_FIELDS = ["total", "expected", "present", "absent", "on_leave", "picked_up", "released"]


@pytest.fixture
async def campus(session: AsyncSession, client: httpx.AsyncClient) -> Campus:
    campus = await build_campus(session)
    await every_status(session, client, campus)
    return campus


async def download(
    client: httpx.AsyncClient, campus: Campus, path: str, params: dict
) -> httpx.Response:
    response = await client.get(path, params=params, headers=auth(campus.admin))
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    return response


def workbook(response: httpx.Response) -> openpyxl.worksheet.worksheet.Worksheet:
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


async def test_the_daily_xlsx(client: httpx.AsyncClient, campus: Campus) -> None:
    response = await download(client, campus, "/ledger/daily.xlsx", {"date": TODAY.isoformat()})
    assert (
        quote(f"课后服务台账-{TODAY.isoformat()}.xlsx") in response.headers["content-disposition"]
    )
    ws = workbook(response)
    title = ws["A1"].value
    assert title.startswith(f"{campus.school.name} 课后服务台账（日）（{TODAY.isoformat()}）")
    assert "制表时间" in title
    headers = [c.value for c in ws[2]]
    assert headers == [c.header for c in DAILY_COLUMNS]
    assert headers[5:12] == COUNT_HEADERS
    assert ws.freeze_panes == "A3"

    lines = (
        await client.get(
            "/ledger/daily", params={"date": TODAY.isoformat()}, headers=auth(campus.admin)
        )
    ).json()["items"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=2 + len(lines))]
    for row, line in zip(rows, lines, strict=True):
        assert row[0] == datetime.combine(TODAY, datetime.min.time())
        assert row[1] == line["group_name"]
        assert row[5:12] == [line[f] for f in COUNT_FIELDS]
    date_cell = ws.cell(row=3, column=1)
    assert date_cell.is_date
    evening = next(r for r in ws.iter_rows(min_row=3) if r[1].value == campus.evening_group.name)
    assert evening[4].value == campus.leader.name  # checked in by taking the roll
    assert evening[12].is_date and isinstance(evening[12].value, datetime)  # roll call time
    totals = [c.value for c in ws[3 + len(lines)]]
    assert totals[0] == "合计"
    assert totals[5:12] == [sum(line[f] for line in lines) for f in COUNT_FIELDS]
    assert totals[5] == 12


async def test_the_daily_csv_is_the_same_table(client: httpx.AsyncClient, campus: Campus) -> None:
    response = await download(client, campus, "/ledger/daily.csv", {"date": TODAY.isoformat()})
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [c.header for c in DAILY_COLUMNS]
    assert rows[1][0] == TODAY.isoformat()
    assert rows[-1][0] == "合计"
    assert rows[-1][5] == "12"
    assert len(rows) == 4  # header, two groups, totals


async def test_the_monthly_xlsx_and_csv(client: httpx.AsyncClient, campus: Campus) -> None:
    ledger = (
        await client.get("/ledger/monthly", params={"month": MONTH}, headers=auth(campus.admin))
    ).json()
    ws = workbook(await download(client, campus, "/ledger/monthly.xlsx", {"month": MONTH}))
    assert ws["A1"].value.startswith(f"{campus.school.name} 课后服务台账（月）（{MONTH}）")
    assert [c.value for c in ws[2]] == [c.header for c in MONTHLY_COLUMNS]
    assert ws.freeze_panes == "A3"
    items = ledger["items"]
    body = list(ws.iter_rows(min_row=3, max_row=2 + len(items)))
    assert all(row[0].is_date for row in body)
    assert [row[0].value.date().isoformat() for row in body] == [i["date"] for i in items]
    assert [[c.value for c in row[3:10]] for row in body] == [
        [i[f] for f in COUNT_FIELDS] for i in items
    ]
    totals = [c.value for c in ws[3 + len(items)]]
    assert totals[0] == "合计"
    assert totals[3:10] == [ledger["totals"][f] for f in COUNT_FIELDS]

    response = await download(client, campus, "/ledger/monthly.csv", {"month": MONTH})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == [c.header for c in MONTHLY_COLUMNS]
    assert len(rows) == len(items) + 2
    assert rows[-1][3:10] == [str(ledger["totals"][f]) for f in COUNT_FIELDS]


async def test_a_teachers_daily_export_holds_only_their_groups(
    client: httpx.AsyncClient, campus: Campus
) -> None:
    response = await client.get(
        "/ledger/daily.xlsx",
        params={"date": TODAY.isoformat()},
        headers=auth(campus.other_teacher),
    )
    assert response.status_code == 200
    ws = workbook(response)
    assert ws.max_row == 3  # the header, and the totals of nothing
    assert [c.value for c in ws[3]][:7] == ["合计", None, None, None, None, 0, 0]
    cells = {c.value for row in ws.iter_rows() for c in row}
    assert campus.evening_group.name not in cells
