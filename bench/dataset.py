"""The benchmark's district: schools, families, enrollments and passes, written by COPY.

Rows go straight into the tables the migrations create (``alembic upgrade head`` first),
shaped the way the app writes them: parents without a school, staff with one, one active
enrollment in two slots per enrolled child, one FCM device per parent, and one pickup pass
per enrolled child issued by their first guardian. Pass codes are derived from the school
and the child (``pass_code``), so the load generator knows them without reading them back;
only their keyed digest is stored, exactly as ``app.pickup.passes`` stores it, with the
signing secret the server will run with (the caller installs it in the settings).

A data set is cached: ``bench.dataset`` records its shape and ``bench.schools`` each school
written (one transaction per school), so a rerun with the same shape writes nothing, a
larger ``--schools`` only adds the missing schools, and anything else starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import asyncpg

from app.core.security import token_digest
from app.pickup.identity import CODE_ALPHABET, CODE_LENGTH, code_digest
from app.school.models import DEFAULT_POLICY

# Bump when the generator writes different rows: cached data sets are then rebuilt.
GENERATOR_VERSION = 1

CHILDREN_PER_CLASS = 50
ENROLLED_PER_TEN = 7  # children 0-6 of every ten are enrolled: 70%
GUARDIANS = (("母亲", "F"), ("父亲", "M"))
DUTY_STAFF = 4
SLOTS = (("课后活动", dtime(15, 30), dtime(16, 30)), ("晚托", dtime(16, 30), dtime(18, 0)))
# Where each run puts the slots around its own now (see ``prepare_run``).
ACTIVITY_ENDED_FOR = timedelta(minutes=20)
EVENING_RUNS_FOR = timedelta(minutes=70)
TERM_DAYS_BEFORE, TERM_DAYS_AFTER = 60, 120

# Tables the load writes into; emptied before every run so each run starts alike. Roll-call
# marks and handovers keep the report month's history (``bench.history``): only this
# month's rows, the runs', go.
RUN_DAILY = (("roll_call_marks", "day"), ("handovers", "date"))
RUN_TABLES = (
    "notification_outbox",
    "notifications",
    "idempotency_keys",
    "audit_events",
    "pickup_verification_failures",
    "late_pickups",
    "roll_call_alerts",
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHILD = "子涵梓萱一诺浩然欣怡宇轩思远雨桐俊熙诗琪博文语嫣皓轩梦瑶子墨若曦天佑佳怡明哲可馨"
GIVEN_F = "丽娟芳敏静秀英华玲红燕霞艳萍"
GIVEN_M = "伟强军磊勇杰涛斌超明刚平辉鹏"


def is_enrolled(child: int) -> bool:
    return child % 10 < ENROLLED_PER_TEN


def is_absent(child: int) -> bool:
    """The enrolled child of each class whom roll calls mark absent (the gate skips them)."""
    return child % CHILDREN_PER_CLASS == 1


def classes_for(children: int) -> int:
    return max(1, math.ceil(children / CHILDREN_PER_CLASS))


def class_of(child: int) -> int:
    return child // CHILDREN_PER_CLASS


def student_no(child: int) -> str:
    return f"{child + 1:05d}"


_CODE_SPACE = len(CODE_ALPHABET) ** CODE_LENGTH
_CODE_MULTIPLIER = 7_919_000_003  # coprime with 31: n -> n*m+c is a bijection of the space


def pass_code(school: int, child: int) -> str:
    """The pass code of a child, unique across the district (and not guessable-looking)."""
    n = (school * 100_000 + child) * _CODE_MULTIPLIER + 104_729
    n %= _CODE_SPACE
    digits = []
    for _ in range(CODE_LENGTH):
        n, d = divmod(n, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[d])
    return "".join(digits)


def parent_phone(school: int, parent: int) -> str:
    return f"13{school:04d}{parent:05d}"


def child_name(surname: str, n: int) -> str:
    pairs = len(GIVEN_CHILD) // 2
    return surname + GIVEN_CHILD[2 * (n % pairs) : 2 * (n % pairs) + 2]


def adult_name(surname: str, given: str, n: int) -> str:
    return surname + given[n % len(given)] + given[(n // len(given)) % len(given)]


@dataclass(frozen=True)
class Shape:
    """What a data set holds; the cache key together with the secret and generator version."""

    schools: int
    children: int = 3000

    def rows_per_school(self) -> int:
        enrolled = sum(1 for c in range(self.children) if is_enrolled(c))
        return (
            self.children * (1 + 2 + 2 + 1)  # students, parents, guardian links, devices
            + enrolled * (1 + 2 + 2)  # enrollments, two slots, pass and its child
            + classes_for(self.children) * 5  # classes, teachers, groups, links
        )


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def secret_fingerprint() -> str:
    """Stored with the data set: pass digests are only good for the secret they were made with."""
    return token_digest("kehou-bench-dataset")[:16]


async def _ensure_marker_tables(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """
        CREATE SCHEMA IF NOT EXISTS bench;
        CREATE TABLE IF NOT EXISTS bench.dataset (
            id int PRIMARY KEY CHECK (id = 1),
            version int NOT NULL,
            children int NOT NULL,
            secret text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS bench.schools (
            idx int PRIMARY KEY,
            school_id uuid NOT NULL UNIQUE
        );
        """
    )


async def app_tables(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'alembic_version'"
    )
    return sorted(r["tablename"] for r in rows)


async def _wipe(conn: asyncpg.Connection) -> None:
    tables = ", ".join(f'public."{t}"' for t in await app_tables(conn))
    await conn.execute(f"TRUNCATE {tables}, bench.schools, bench.dataset CASCADE")


@dataclass(frozen=True)
class Prepared:
    generated: list[int]  # school indexes written by this call (empty: all cached)
    seconds: float


async def ensure_dataset(
    conn: asyncpg.Connection,
    shape: Shape,
    *,
    fresh: bool = False,
    log: Callable[[str], None] = print,
) -> Prepared:
    """Make the database hold exactly ``shape``, reusing what a previous run wrote."""
    started = time.perf_counter()
    await _ensure_marker_tables(conn)
    marker = await conn.fetchrow("SELECT version, children, secret FROM bench.dataset")
    have = {r["idx"] for r in await conn.fetch("SELECT idx FROM bench.schools")}
    same_kind = marker is not None and (
        marker["version"] == GENERATOR_VERSION
        and marker["children"] == shape.children
        and marker["secret"] == secret_fingerprint()
    )
    if fresh or not same_kind or not have <= set(range(shape.schools)):
        if marker is not None or have or fresh:
            log("dataset: rebuilding from scratch")
        await _wipe(conn)
        have = set()
        await conn.execute(
            "INSERT INTO bench.dataset (id, version, children, secret) VALUES (1, $1, $2, $3)",
            GENERATOR_VERSION,
            shape.children,
            secret_fingerprint(),
        )
    missing = [i for i in range(shape.schools) if i not in have]
    if not missing:
        log(f"dataset: {shape.schools} schools of {shape.children} children already in place")
        return Prepared(generated=[], seconds=time.perf_counter() - started)
    today = datetime.now(UTC).date()
    log(
        f"dataset: writing {len(missing)} schools of {shape.children} children"
        f" (~{shape.rows_per_school() * len(missing):,} rows)"
    )
    for n, idx in enumerate(missing, 1):
        async with conn.transaction():
            await write_school(conn, idx, shape.children, today)
        if n % 10 == 0 or n == len(missing):
            elapsed = time.perf_counter() - started
            log(f"dataset: {n}/{len(missing)} schools, {elapsed:.0f} s")
    # As autovacuum would leave a database in service: statistics for the planner, and a
    # visibility map so index-only scans need not visit the heap.
    log("dataset: vacuum and analyze")
    await conn.execute("VACUUM (ANALYZE)")
    return Prepared(generated=missing, seconds=time.perf_counter() - started)


async def write_school(conn: asyncpg.Connection, idx: int, children: int, today: date) -> None:
    """One school with its staff, families, term, groups, enrollments, devices and passes."""
    now = datetime.now(UTC)
    school_id = uuid.uuid4()
    term_id = uuid.uuid4()
    term_start = today - timedelta(days=TERM_DAYS_BEFORE)
    n_classes = classes_for(children)
    prefix = f"b{idx:04d}"

    users: list[tuple[object, ...]] = []

    def staff(kind: str, n: int, roles: list[str], name: str) -> uuid.UUID:
        user_id = uuid.uuid4()
        users.append((user_id, school_id, f"{prefix}-{kind}{n}", None, name, roles, True, now))
        return user_id

    staff("admin", 0, ["school_admin"], f"管理员{idx}")
    for d in range(DUTY_STAFF):
        staff("duty", d, ["duty"], f"值班{SURNAMES[d % len(SURNAMES)]}老师")
    teachers = [
        staff("teacher", c, ["teacher"], f"{SURNAMES[(c * 7) % len(SURNAMES)]}老师")
        for c in range(n_classes)
    ]

    classes = []
    for c in range(n_classes):
        grade = 1 + c * 6 // n_classes
        classes.append(
            (uuid.uuid4(), school_id, f"{grade}年级({c + 1})班", grade, teachers[c], now)
        )

    slots = [
        (uuid.uuid4(), school_id, term_id, name, start, end, None, now)
        for name, start, end in SLOTS
    ]
    groups, links = [], []
    for slot in slots:
        for c, klass in enumerate(classes):
            group_id = uuid.uuid4()
            groups.append(
                (
                    group_id,
                    school_id,
                    term_id,
                    slot[0],
                    f"{klass[2]}{slot[3]}",
                    teachers[c],
                    45,
                    now,
                )
            )
            links.append((group_id, klass[0], slot[0]))

    last_slot_id = max(slots, key=lambda slot: slot[5])[0]  # as app.enrollment.slots keeps it
    students, guardians, devices = [], [], []
    enrollments, enrollment_slots, passes, pass_students = [], [], [], []
    for child in range(children):
        surname = SURNAMES[(idx * 31 + child) % len(SURNAMES)]
        student_id = uuid.uuid4()
        students.append(
            (
                student_id,
                school_id,
                classes[class_of(child)][0],
                child_name(surname, child),
                student_no(child),
                [],
                now,
            )
        )
        family = []
        for g, (relationship, sex) in enumerate(GUARDIANS):
            user_id = uuid.uuid4()
            phone = parent_phone(idx, child * 2 + g)
            name = adult_name(surname, GIVEN_F if sex == "F" else GIVEN_M, child)
            users.append((user_id, None, phone, phone, name, ["parent"], True, now))
            guardians.append((user_id, student_id, relationship, now))
            devices.append((uuid.uuid4(), user_id, "fcm", f"bench-fcm-{user_id.hex}", True, now))
            family.append((user_id, name, phone, relationship))
        if not is_enrolled(child):
            continue
        enrollment_id = uuid.uuid4()
        first = family[0]
        enrollments.append(
            (
                enrollment_id,
                school_id,
                student_id,
                term_id,
                "active",
                [1, 2, 3, 4, 5, 6, 7],
                last_slot_id,
                term_start,
                1,
                now,
                first[0],
                now,
                now,
            )
        )
        enrollment_slots.extend((enrollment_id, slot[0]) for slot in slots)
        pass_id = uuid.uuid4()
        passes.append(
            (
                pass_id,
                school_id,
                code_digest(pass_code(idx, child)),
                first[0],
                "guardian",
                first[1],
                first[2],
                first[3],
                today,
                now + timedelta(hours=12),
                now,
            )
        )
        pass_students.append((pass_id, student_id, None))

    await conn.execute(
        "INSERT INTO schools (id, name, timezone, policy, created_at) VALUES ($1, $2, $3, $4, $5)",
        school_id,
        f"基准实验学校{idx:04d}",
        "Asia/Shanghai",
        json.dumps({**DEFAULT_POLICY, "enrollment_review": "none"}),
        now,
    )
    await conn.execute(
        "INSERT INTO terms (id, school_id, name, start_date, end_date, weekdays, closures,"
        " agreement_text, agreement_version, created_at)"
        " VALUES ($1, $2, '本学期', $3, $4, $5, '{}', $6, 1, $7)",
        term_id,
        school_id,
        term_start,
        today + timedelta(days=TERM_DAYS_AFTER),
        [1, 2, 3, 4, 5, 6, 7],
        "课后服务安全责任书：家长按时接孩子。",
        now,
    )
    copy = conn.copy_records_to_table
    await copy(
        "users",
        records=users,
        columns=[
            "id",
            "school_id",
            "username",
            "phone",
            "name",
            "roles",
            "is_active",
            "created_at",
        ],
    )
    await copy(
        "classes",
        records=classes,
        columns=["id", "school_id", "name", "grade", "homeroom_teacher_id", "created_at"],
    )
    await copy(
        "slots",
        records=slots,
        columns=[
            "id",
            "school_id",
            "term_id",
            "name",
            "start_time",
            "end_time",
            "capacity",
            "created_at",
        ],
    )
    await copy(
        "groups",
        records=groups,
        columns=[
            "id",
            "school_id",
            "term_id",
            "slot_id",
            "name",
            "leader_id",
            "capacity",
            "created_at",
        ],
    )
    await copy("group_classes", records=links, columns=["group_id", "class_id", "slot_id"])
    await copy(
        "students",
        records=students,
        columns=["id", "school_id", "class_id", "name", "student_no", "priority", "created_at"],
    )
    await copy(
        "guardians",
        records=guardians,
        columns=["user_id", "student_id", "relationship", "created_at"],
    )
    await copy(
        "devices",
        records=[(*d, d[-1]) for d in devices],
        columns=["id", "user_id", "platform", "token", "active", "created_at", "registered_at"],
    )
    await copy(
        "enrollments",
        records=enrollments,
        columns=[
            "id",
            "school_id",
            "student_id",
            "term_id",
            "status",
            "weekdays",
            "last_slot_id",
            "start_date",
            "agreement_version",
            "agreement_accepted_at",
            "applied_by",
            "applied_at",
            "updated_at",
        ],
    )
    await copy("enrollment_slots", records=enrollment_slots, columns=["enrollment_id", "slot_id"])
    await copy(
        "pickup_passes",
        records=passes,
        columns=[
            "id",
            "school_id",
            "code_digest",
            "issued_by",
            "adult_kind",
            "adult_name",
            "adult_phone",
            "adult_relationship",
            "date",
            "expires_at",
            "created_at",
        ],
    )
    await copy(
        "pickup_pass_students",
        records=pass_students,
        columns=["pass_id", "student_id", "pickup_person_id"],
    )
    await conn.execute("INSERT INTO bench.schools (idx, school_id) VALUES ($1, $2)", idx, school_id)


def peak_zone(now: datetime) -> str:
    """A fixed-offset zone in which ``now`` is closest to 16:30: the dismissal peak.

    Every school is put in it for the run, so the run is at the gate's busiest hour and
    never crosses a local midnight (the app reads any IANA zone the same way).
    """
    target = 16 * 60 + 30

    def distance(offset: int) -> int:
        local = now + timedelta(hours=offset)
        minutes = local.hour * 60 + local.minute
        d = abs(minutes - target)
        return min(d, 24 * 60 - d)

    offset = min(range(-12, 15), key=distance)
    # POSIX sign: Etc/GMT-8 is eight hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


@dataclass(frozen=True)
class RunDay:
    zone: str
    today: date  # the schools' local date during the run


async def prepare_run(conn: asyncpg.Connection, now: datetime | None = None) -> RunDay:
    """Reset what a run writes and put every school at the dismissal peak of its today."""
    now = now or datetime.now(UTC)
    zone = peak_zone(now)
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    midnight = datetime.combine(today + timedelta(days=1), dtime(0), tzinfo=tz)
    tables = ", ".join(RUN_TABLES)
    async with conn.transaction():
        await conn.execute(f"TRUNCATE {tables}")
        for table, column in RUN_DAILY:
            await conn.execute(f"DELETE FROM {table} WHERE {column} >= $1", today.replace(day=1))
        await conn.execute("UPDATE schools SET timezone = $1 WHERE timezone <> $1", zone)
        # The term must cover today; a data set kept across months moves with it.
        term_start = today - timedelta(days=TERM_DAYS_BEFORE)
        moved = await conn.fetchval(
            "WITH t AS (UPDATE terms SET start_date = $1, end_date = $2"
            " WHERE NOT (start_date <= $3 AND end_date >= $3) RETURNING id)"
            " SELECT count(*) FROM t",
            term_start,
            today + timedelta(days=TERM_DAYS_AFTER),
            today,
        )
        if moved:
            await conn.execute(
                "UPDATE enrollments SET start_date = t.start_date FROM terms t"
                " WHERE t.id = enrollments.term_id AND enrollments.start_date <> t.start_date"
            )
        # Passes are today's and live past the run (they are never revoked by the load).
        await conn.execute(
            "UPDATE pickup_passes SET date = $1, expires_at = $2, revoked_at = NULL"
            " WHERE date <> $1 OR expires_at < $3 OR revoked_at IS NOT NULL",
            today,
            midnight,
            now + timedelta(hours=2),
        )
        await conn.execute(
            "UPDATE devices SET active = true, deactivated_at = NULL, deactivated_reason = NULL"
            " WHERE NOT active"
        )
        # The same moment of the afternoon whenever the benchmark runs: the activity slot
        # ended 20 minutes ago (past the 15-minute late grace: the worker's late-pickup
        # sweep is at work over the whole district) and the evening slot runs for another
        # 70 minutes (nobody is late yet, no alert storm).
        local = now.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None)
        activity_end = (local - ACTIVITY_ENDED_FOR).time()
        await conn.execute(
            "UPDATE slots SET start_time = CASE WHEN name = $1 THEN $2::time ELSE $3::time END,"
            " end_time = CASE WHEN name = $1 THEN $3::time ELSE $4::time END",
            SLOTS[0][0],
            (local - ACTIVITY_ENDED_FOR - timedelta(hours=1)).time(),
            activity_end,
            (local + EVENING_RUNS_FOR).time(),
        )
    return RunDay(zone=zone, today=today)


def dataset_id(shape: Shape) -> str:
    """A short name of a data set (for the results file)."""
    raw = f"{GENERATOR_VERSION}:{shape.schools}:{shape.children}:{secret_fingerprint()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]
