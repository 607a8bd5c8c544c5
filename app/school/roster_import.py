"""Importing a roster: every row checked first, then all written in bulk, or nothing at all."""

from __future__ import annotations

import re
import uuid
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.principal import Principal
from app.school.errors import ImportConflict
from app.school.integrity import CLASS_OF_STUDENT, violations_as
from app.school.models import Priority, SchoolClass, Student
from app.school.roster_file import RosterRow, normalise
from app.school.schemas import ImportedRow, ImportReport
from app.school.students import NUMBER_UNIQUE

NAME_MAX = 64
STUDENT_NO = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
# Flags as schools write them, in Chinese or English; 无 means none.
PRIORITY_NAMES: dict[str, Priority] = {
    "特殊需要": "special_needs",
    "特殊需求": "special_needs",
    "special_needs": "special_needs",
    "留守": "left_behind",
    "留守儿童": "left_behind",
    "left_behind": "left_behind",
    "随迁": "migrant",
    "随迁子女": "migrant",
    "migrant": "migrant",
    "低收入": "low_income",
    "低收入家庭": "low_income",
    "low_income": "low_income",
}
NO_PRIORITY = {"", "无", "-", "none"}
_FLAG_SEPARATORS = re.compile(r"[、,，;；/|\s]+")
# Only this many problems are listed; a file with more is wrong in the same few ways.
MAX_LISTED_PROBLEMS = 1000


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # name, student_no, class or priority
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportOutcome:
    """Either a report of what was written, or the problems that stopped it."""

    report: ImportReport | None = None
    problems: list[RowProblem] = field(default_factory=list)
    problem_rows: int = 0


def _class_key(name: str) -> str:
    # "三年级（2）班" and "三年级(2) 班" are the same class to a person.
    return normalise(name).replace(" ", "")


def _priority(text: str) -> tuple[list[Priority], list[str]]:
    flags: set[Priority] = set()
    unknown: list[str] = []
    for token in _FLAG_SEPARATORS.split(text.strip()):
        token = token.lower().replace("-", "_")
        if token in NO_PRIORITY:
            continue
        if token in PRIORITY_NAMES:
            flags.add(PRIORITY_NAMES[token])
        else:
            unknown.append(token)
    return sorted(flags), unknown


def _check_row(
    row: RosterRow,
    classes: dict[str, uuid.UUID],
    first_seen: dict[str, int],
    taken: Container[str],
) -> list[RowProblem]:
    """The row's problems, in column order; ``first_seen`` collects the numbers met so far."""
    problems = []
    if not row.name:
        problems.append(RowProblem(row.number, "name", "import.name_missing"))
    elif len(row.name) > NAME_MAX:
        problems.append(RowProblem(row.number, "name", "import.name_too_long", {"max": NAME_MAX}))
    if not row.student_no:
        problems.append(RowProblem(row.number, "student_no", "import.student_no_missing"))
    elif not STUDENT_NO.match(row.student_no):
        problems.append(
            RowProblem(
                row.number, "student_no", "import.student_no_invalid", {"value": row.student_no}
            )
        )
    elif row.student_no in first_seen:
        problems.append(
            RowProblem(
                row.number,
                "student_no",
                "import.student_no_repeated",
                {"value": row.student_no, "first_row": first_seen[row.student_no]},
            )
        )
    elif row.student_no in taken:
        problems.append(
            RowProblem(
                row.number, "student_no", "import.student_no_taken", {"value": row.student_no}
            )
        )
    else:
        first_seen[row.student_no] = row.number
    if not row.class_name:
        problems.append(RowProblem(row.number, "class", "import.class_missing"))
    elif _class_key(row.class_name) not in classes:
        problems.append(
            RowProblem(row.number, "class", "import.class_unknown", {"value": row.class_name})
        )
    if row.priority:
        _, unknown = _priority(row.priority)
        if unknown:
            problems.append(
                RowProblem(
                    row.number, "priority", "import.priority_unknown", {"value": "、".join(unknown)}
                )
            )
    return problems


async def import_roster(
    session: AsyncSession,
    admin: Principal,
    rows: list[RosterRow],
    *,
    update_existing: bool,
    filename: str | None,
) -> ImportOutcome:
    """Create the students of ``rows``; with ``update_existing``, rows whose number is already
    taken update that student (name, class, and flags when the file has them)."""
    school_id = admin.staff_school()
    class_rows = await session.execute(
        select(SchoolClass.name, SchoolClass.id).where(SchoolClass.school_id == school_id)
    )
    classes = {_class_key(name): class_id for name, class_id in class_rows}
    existing_rows = await session.execute(
        select(Student.student_no, Student.id).where(
            Student.school_id == school_id,
            Student.student_no.in_([r.student_no for r in rows if r.student_no]),
        )
    )
    existing = dict(existing_rows.all())

    problems: list[RowProblem] = []
    problem_rows = 0
    first_seen: dict[str, int] = {}
    taken: Container[str] = () if update_existing else existing.keys()
    for row in rows:
        found = _check_row(row, classes, first_seen, taken)
        if found:
            problem_rows += 1
            problems.extend(found)
    if problems:
        return ImportOutcome(problems=problems[:MAX_LISTED_PROBLEMS], problem_rows=problem_rows)

    now = clock.now()
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    report_rows: list[ImportedRow] = []
    for row in rows:
        values: dict[str, Any] = {
            "name": row.name,
            "class_id": classes[_class_key(row.class_name)],
        }
        if row.priority is not None:
            values["priority"] = _priority(row.priority)[0]
        if row.student_no in existing:
            student_id = existing[row.student_no]
            updated.append({"id": student_id, **values})
            outcome: Literal["created", "updated"] = "updated"
        else:
            student_id = uuid.uuid4()
            created.append(
                {
                    "priority": [],
                    **values,
                    "id": student_id,
                    "school_id": school_id,
                    "student_no": row.student_no,
                    "created_at": now,
                }
            )
            outcome = "created"
        report_rows.append(
            ImportedRow(
                row=row.number, student_no=row.student_no, student_id=student_id, outcome=outcome
            )
        )
    # Bulk statements (batched multi-row INSERTs, executemany UPDATE by key), never a
    # flush of thousands of ORM objects: 10,000 rows take well under a second.
    # A number taken or a class deleted meanwhile: the whole import is refused, as promised.
    changed_meanwhile = ImportConflict()
    with violations_as({NUMBER_UNIQUE: changed_meanwhile, CLASS_OF_STUDENT: changed_meanwhile}):
        if created:
            await session.execute(insert(Student), created)
        if updated:
            await session.execute(update(Student), updated)
    await audit.record(
        session,
        action="student.imported",
        object_type="school",
        object_id=school_id,
        actor_id=admin.id,
        school_id=school_id,
        data={"file": filename, "created": len(created), "updated": len(updated)},
    )
    return ImportOutcome(
        report=ImportReport(
            total_rows=len(rows), created=len(created), updated=len(updated), rows=report_rows
        )
    )
