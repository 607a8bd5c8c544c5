"""The benchmark still fits the app: its generated school works through the API.

``make bench`` is never run by CI; this keeps ``bench/`` from rotting silently. No timing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.notifications.models import Notification, OutboxMessage
from app.school.models import Slot
from bench import dataset, history, reports
from bench.load import API, Call, Crowd


async def send(client: httpx.AsyncClient, call: Call) -> httpx.Response:
    method, path, headers, body = call
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    return await client.request(method, path.removeprefix(API), headers=headers, content=body)


async def test_a_generated_school_works_at_the_gate_and_in_class(
    engine: AsyncEngine, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        shape = dataset.Shape(schools=1, children=6)
        first = await dataset.ensure_dataset(conn, shape, log=lambda _: None)
        again = await dataset.ensure_dataset(conn, shape, log=lambda _: None)
        day = await dataset.prepare_run(conn)
        crowd = Crowd(seed=1)
        world = await crowd.load(url, 0, 1, None, day.today.isoformat())
    finally:
        await conn.execute("DROP SCHEMA IF EXISTS bench CASCADE")
        await conn.close()
    assert (first.generated, again.generated) == ([0], [])
    # six children, all enrolled, one of them the class's absent child; two slots
    assert world == {"schools": 1, "pool": 5, "groups": 2, "parents": 12}
    # the run is at the same moment of the afternoon, whenever it starts: the activity slot
    # past its late grace (the worker's sweep at work), the evening slot still running
    local = datetime.now(ZoneInfo(day.zone)).replace(tzinfo=None)
    slots = dict((await session.execute(select(Slot.name, Slot.end_time))).all())
    activity_end = datetime.combine(local.date(), slots[dataset.SLOTS[0][0]])
    evening_end = datetime.combine(local.date(), slots[dataset.SLOTS[1][0]])
    assert timedelta(minutes=15) < local - activity_end <= timedelta(minutes=21)
    assert evening_end - local >= timedelta(minutes=60)

    school = crowd.schools[0]
    student, code = school.pool[-1]
    verified = await send(client, crowd.verify_call(school, code))
    assert verified.status_code == 200, verified.text
    assert [s["id"] for s in verified.json()["students"]] == [student]

    handed = await send(client, crowd.handover_call(school, student, code))
    assert handed.status_code == 201, handed.text
    pushes = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .join(Notification, Notification.id == OutboxMessage.notification_id)
        .where(Notification.kind == "pickup.handed_over")
    )
    assert pushes == 2  # one device for each of the two guardians

    parent = school.guardians[student][0]
    inbox = await send(client, crowd.inbox_call(parent))
    assert [n["kind"] for n in inbox.json()["items"]] == ["pickup.handed_over"]

    group = school.groups[0]
    roster = await send(client, crowd.roster_call(group))
    assert roster.status_code == 200, roster.text
    assert {r["student_id"] for r in roster.json()["items"]} == set(group.students)
    roll_call = await send(client, crowd.roll_call(group))
    assert roll_call.status_code == 200, roll_call.text
    statuses = {r["student_id"]: r["status"] for r in roll_call.json()["items"]}
    assert statuses[student] == "picked_up"
    assert sorted(statuses.values()).count("absent") == len(group.absent) == 1


async def test_a_generated_month_of_history_reads_back_through_the_reports(
    engine: AsyncEngine, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        await dataset.ensure_dataset(conn, dataset.Shape(schools=1, children=6), log=print)
        day = await dataset.prepare_run(conn)
        first, last = await history.ensure_history(conn, url, day.today, log=print)
        again = await history.ensure_history(conn, url, day.today, log=print)
        who = await reports.load(conn, first, admins=1)
        term_start = await conn.fetchval("SELECT start_date FROM terms")
        children = await conn.fetch("SELECT id, student_no FROM students")
    finally:
        await conn.execute("DROP SCHEMA IF EXISTS bench CASCADE")
        await conn.close()
    assert again == (first, last)
    month = f"{first:%Y-%m}"
    ledger = await client.get(f"/ledger/monthly?month={month}", headers=who.admins[0].headers())
    assert ledger.status_code == 200, ledger.text
    # what the history wrote, through the roster's rules: two slots a child, leave first,
    # then the handover, then the roll-call mark; weekends were left untouched
    expected = {"expected": 0, "on_leave": 0, "absent": 0, "picked_up": 0, "present": 0}
    on = first
    while on <= last:
        if on >= term_start:
            for c in children:
                child = int(c["student_no"]) - 1
                if on.isoweekday() > 5:
                    expected["expected"] += 2
                elif (child + on.toordinal()) % history.LEAVE_EVERY == 0:
                    expected["on_leave"] += 2
                elif dataset.is_absent(child):
                    expected["absent"] += 2
                else:
                    expected["picked_up"] += 2
        on += timedelta(days=1)
    totals = ledger.json()["totals"]
    assert {k: totals[k] for k in expected} == expected
    assert expected["picked_up"] and expected["absent"]

    district = await client.get(
        f"/district/stats?month={month}&limit=200", headers=who.district.headers()
    )
    assert district.status_code == 200, district.text
    [school] = district.json()["items"]
    served = [d for d in history.school_days(first, last) if d >= term_start]
    assert school["sessions"] == 2 * len(served)  # one group a slot, a roll call each day
