"""A month of history for the benchmark's district, written by COPY: the reports' data.

For every school of the data set and every weekday of the *report month* (the calendar
month before the run's; ``report_month``): each group's roll call (present, the one absent
child per class, nobody on leave marked), its leader checked in by it, every present child
handed over to the first guardian at the gate, about one enrolled child in sixty on a
full-day approved leave (asked by the first guardian), and the month's bill of every
enrollment (both slots, paid). The district (``基准区``) with its admin holds every school.

Rows go in with ``session_replication_role = replica`` (no foreign-key triggers: every id
comes from the data set just read back), one transaction per school; ``bench.history``
records the month and the schools written, so a rerun writes nothing and a new month (a
run in a later month) rewrites it. Then the district's day counts of the month are counted
once, as the worker's first count after an upgrade would (``app.district.service``), and
the tables are analysed.

Per school and weekday: 4,200 marks, ~2,000 handovers, 120 check-ins; at 200 schools and
21 weekdays about 27 million rows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.district import repository as district
from bench.dataset import is_absent

DISTRICT_NAME = "基准区"
DISTRICT_ADMIN = "bench-district"
LEAVE_EVERY = 60  # one enrolled child in sixty is on leave on a given day
MONTH_FEE_FEN = 30_000  # per slot and month
HISTORY_VERSION = 1


def report_month(today: date) -> tuple[date, date]:
    """The month the reports read: the calendar month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def school_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.isoweekday() <= 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class District:
    id: uuid.UUID
    admin_id: uuid.UUID


async def ensure_district(conn: asyncpg.Connection) -> District:
    """The district every school of the data set is in, and its admin."""
    row = await conn.fetchrow(
        "SELECT d.id, u.id AS admin FROM districts d JOIN users u ON u.district_id = d.id"
        " WHERE d.name = $1 AND u.username = $2",
        DISTRICT_NAME,
        DISTRICT_ADMIN,
    )
    if row is None:
        district_id, admin_id = uuid.uuid4(), uuid.uuid4()
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO districts (id, name, require_plan_approval, created_at)"
                " VALUES ($1, $2, false, now())",
                district_id,
                DISTRICT_NAME,
            )
            await conn.execute(
                "INSERT INTO users (id, district_id, username, name, roles, is_active,"
                " created_at) VALUES ($1, $2, $3, $4, '{district_admin}', true, now())",
                admin_id,
                district_id,
                DISTRICT_ADMIN,
                DISTRICT_NAME,
            )
    else:
        district_id, admin_id = row["id"], row["admin"]
    await conn.execute(
        "UPDATE schools SET district_id = $1 WHERE district_id IS DISTINCT FROM $1", district_id
    )
    return District(district_id, admin_id)


async def _marker(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """
        CREATE TABLE IF NOT EXISTS bench.history (
            school_id uuid PRIMARY KEY,
            month date NOT NULL,
            version int NOT NULL
        )
        """
    )


async def _forget(conn: asyncpg.Connection, first: date, last: date) -> None:
    """Another month's history (or an older generator's) goes before the new one is written."""
    async with conn.transaction():
        await conn.execute("DELETE FROM roll_call_marks WHERE day <= $1", last)
        await conn.execute("DELETE FROM handovers WHERE date <= $1", last)
        await conn.execute("DELETE FROM staff_check_ins WHERE date <= $1", last)
        await conn.execute("DELETE FROM leave_requests WHERE end_date <= $1", last)
        await conn.execute(
            "DELETE FROM bill_lines USING bills WHERE bills.id = bill_lines.bill_id"
            " AND bills.period_end <= $1",
            last,
        )
        await conn.execute("DELETE FROM bills WHERE period_end <= $1", last)
        await conn.execute("DELETE FROM district_school_days WHERE day <= $1", last)
        await conn.execute("TRUNCATE bench.history")


async def ensure_history(
    conn: asyncpg.Connection, url: str, today: date, log: Callable[[str], None] = print
) -> tuple[date, date]:
    """Make every school hold the report month's history (cached); returns the month."""
    started = time.perf_counter()
    await _marker(conn)
    await ensure_district(conn)
    first, last = report_month(today)
    stale = await conn.fetchval(
        "SELECT count(*) FROM bench.history WHERE month <> $1 OR version <> $2",
        first,
        HISTORY_VERSION,
    )
    if stale:
        log("history: another month's history in place: rewriting")
        await _forget(conn, first, last)
    todo = await conn.fetch(
        "SELECT s.idx, s.school_id FROM bench.schools s"
        " WHERE NOT EXISTS (SELECT 1 FROM bench.history h WHERE h.school_id = s.school_id)"
        " ORDER BY s.idx"
    )
    if not todo:
        log(f"history: {first:%Y-%m} already in place")
        return first, last
    days = school_days(first, last)
    log(f"history: {first:%Y-%m} ({len(days)} school days) for {len(todo)} schools")
    rows = 0
    for n, school in enumerate(todo, 1):
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            rows += await write_school_history(conn, school["school_id"], days, first, last)
            await conn.execute(
                "INSERT INTO bench.history (school_id, month, version) VALUES ($1, $2, $3)",
                school["school_id"],
                first,
                HISTORY_VERSION,
            )
        if n % 10 == 0 or n == len(todo):
            took = time.perf_counter() - started
            log(f"history: {n}/{len(todo)} schools, {rows:,} rows, {took:.0f} s")
    log("history: the district's day counts of the month, then analyze")
    await count_district_days(url, first, last)
    await conn.execute(
        "ANALYZE roll_call_marks, handovers, staff_check_ins, leave_requests, bills, bill_lines,"
        " district_school_days"
    )
    log(f"history: done in {time.perf_counter() - started:.0f} s")
    return first, last


async def count_district_days(url: str, first: date, last: date) -> None:
    """The worker's day counts of the month, as its first count after an upgrade makes them."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session, session.begin():
            await district.count_days(session, first, last, datetime.now(UTC))
    finally:
        await engine.dispose()


def _at(day: date, clock: dtime, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


async def write_school_history(
    conn: asyncpg.Connection, school_id: uuid.UUID, days: list[date], first: date, last: date
) -> int:
    """One school's month: marks, check-ins, handovers, leave and bills."""
    zone = ZoneInfo("Asia/Shanghai")
    term_id = await conn.fetchval("SELECT id FROM terms WHERE school_id = $1", school_id)
    slots = await conn.fetch(
        "SELECT id FROM slots WHERE school_id = $1 ORDER BY name DESC", school_id
    )  # 课后活动 before 晚托
    slot_ids = [s["id"] for s in slots]
    groups = {
        (r["class_id"], r["slot_id"]): (r["group_id"], r["leader_id"])
        for r in await conn.fetch(
            "SELECT gc.class_id, g.slot_id, g.id AS group_id, g.leader_id FROM groups g"
            " JOIN group_classes gc ON gc.group_id = g.id WHERE g.school_id = $1",
            school_id,
        )
    }
    duty = await conn.fetchrow(
        "SELECT id, name FROM users WHERE school_id = $1 AND 'duty' = ANY(roles)"
        " ORDER BY username LIMIT 1",
        school_id,
    )
    children = await conn.fetch(
        "SELECT s.id, s.class_id, s.student_no, e.id AS enrollment_id,"
        " (SELECT g.user_id FROM guardians g JOIN users u ON u.id = g.user_id"
        "  WHERE g.student_id = s.id ORDER BY g.relationship LIMIT 1) AS guardian_id,"
        " (SELECT u.name FROM guardians g JOIN users u ON u.id = g.user_id"
        "  WHERE g.student_id = s.id ORDER BY g.relationship LIMIT 1) AS guardian_name"
        " FROM students s JOIN enrollments e ON e.student_id = s.id AND e.term_id = $2"
        " WHERE s.school_id = $1 ORDER BY s.student_no",
        school_id,
        term_id,
    )
    marks, check_ins, handovers, leaves = [], [], [], []
    for day in days:
        ordinal = day.toordinal()
        for slot_no, slot_id in enumerate(slot_ids):
            marked_at = _at(day, dtime(15 + slot_no, 40), zone)
            for (_, g_slot), (group_id, leader_id) in groups.items():
                if g_slot == slot_id:
                    check_ins.append(
                        (uuid.uuid4(), school_id, group_id, slot_id, leader_id, marked_at,
                         "roll_call", day)
                    )  # fmt: skip
        for c in children:
            child = int(c["student_no"]) - 1
            if (child + ordinal) % LEAVE_EVERY == 0:
                leaves.append(
                    (uuid.uuid4(), school_id, c["id"], term_id, day, day, None, "sick", "发烧",
                     "approved", c["guardian_id"], _at(day, dtime(7, 30), zone), None,
                     _at(day, dtime(8, 0), zone), "app")
                )  # fmt: skip
                continue
            absent = is_absent(child)
            for slot_no, slot_id in enumerate(slot_ids):
                group_id, leader_id = groups[(c["class_id"], slot_id)]
                marks.append(
                    (c["id"], slot_id, day, school_id, group_id,
                     "absent" if absent else "present", leader_id,
                     _at(day, dtime(15 + slot_no, 40), zone))
                )  # fmt: skip
            if not absent:
                handovers.append(
                    (uuid.uuid4(), school_id, c["id"], day, "picked_up",
                     _at(day, dtime(17, 0) if child % 2 else dtime(17, 45), zone),
                     "guardian", c["guardian_id"], c["guardian_name"], duty["id"], duty["name"])
                )  # fmt: skip
    bills, lines = [], []
    service_days = len(days)
    amount = MONTH_FEE_FEN * len(slot_ids)
    for c in children:
        bill_id = uuid.uuid4()
        created = _at(first, dtime(0, 5), zone)
        bills.append(
            (bill_id, school_id, c["id"], c["enrollment_id"], term_id, f"{first:%Y-%m}", first,
             last, service_days, 0, 0, amount, 0, amount, 0, amount, 0,
             first + timedelta(days=14), "paid", created, created)
        )  # fmt: skip
        lines.extend((bill_id, slot_id, MONTH_FEE_FEN) for slot_id in slot_ids)
    copy = conn.copy_records_to_table
    await copy(
        "roll_call_marks",
        records=marks,
        columns=["student_id", "slot_id", "day", "school_id", "group_id", "status",
                 "marked_by", "marked_at"],
    )  # fmt: skip
    await copy(
        "staff_check_ins",
        records=check_ins,
        columns=["id", "school_id", "group_id", "slot_id", "user_id", "checked_in_at",
                 "source", "date"],
    )  # fmt: skip
    await copy(
        "handovers",
        records=handovers,
        columns=["id", "school_id", "student_id", "date", "kind", "picked_up_at",
                 "adult_kind", "adult_user_id", "adult_name", "confirmed_by",
                 "confirmed_by_name"],
    )  # fmt: skip
    await copy(
        "leave_requests",
        records=leaves,
        columns=["id", "school_id", "student_id", "term_id", "start_date", "end_date",
                 "slot_ids", "kind", "reason", "status", "requested_by", "created_at",
                 "decided_by", "decided_at", "channel"],
    )  # fmt: skip
    await copy(
        "bills",
        records=bills,
        columns=["id", "school_id", "student_id", "enrollment_id", "term_id", "period",
                 "period_start", "period_end", "service_days", "days_off", "waiver_bp",
                 "base_amount_fen", "base_waived_fen", "amount_fen", "waived_fen",
                 "paid_fen", "refunded_fen", "due_date", "status", "created_at",
                 "updated_at"],
    )  # fmt: skip
    await copy("bill_lines", records=lines, columns=["bill_id", "slot_id", "fee_fen"])
    return len(marks) + len(check_ins) + len(handovers) + len(leaves) + len(bills) + len(lines)
