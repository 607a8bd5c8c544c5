"""Students (number unique per school, class, priority flags) and their linked guardians."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import audit, clock
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.school import changes, events
from app.school.errors import (
    ClassNotFound,
    GuardianNotFound,
    StudentHasGuardians,
    StudentNoTaken,
    StudentNotFound,
)
from app.school.integrity import CLASS_OF_STUDENT, delete_unless_referenced, flush_checked
from app.school.lookup import in_school, referenced
from app.school.models import BindingCode, Guardian, SchoolClass, Student
from app.school.schemas import GuardianOut, StudentIn, StudentOut, StudentPatch

NUMBER_UNIQUE = "uq_students_school_id_student_no"


async def describe(session: AsyncSession, students: Sequence[Student]) -> list[StudentOut]:
    """Students with their class names (one query for the lot)."""
    names: dict[uuid.UUID, str] = {}
    if students:
        rows = await session.execute(
            select(SchoolClass.id, SchoolClass.name).where(
                SchoolClass.id.in_({s.class_id for s in students})
            )
        )
        names = {class_id: name for class_id, name in rows}
    return [
        StudentOut(
            id=s.id,
            name=s.name,
            student_no=s.student_no,
            class_id=s.class_id,
            class_name=names.get(s.class_id, ""),
            priority=s.priority,
            created_at=s.created_at,
            archived_at=s.archived_at,
        )
        for s in students
    ]


async def list_students(
    session: AsyncSession,
    school_id: uuid.UUID,
    page: PageParams,
    *,
    class_id: uuid.UUID | None,
    include_archived: bool = False,
) -> tuple[list[Student], str | None]:
    stmt = select(Student).where(Student.school_id == school_id)
    if not include_archived:
        stmt = stmt.where(Student.archived_at.is_(None))
    if class_id is not None:
        await referenced(
            session, SchoolClass, class_id, school_id, "class.not_found", field="class_id"
        )
        stmt = stmt.where(Student.class_id == class_id)
    return await paginate(session, stmt, page, (Student.student_no, Student.id))


async def _check_number_free(session: AsyncSession, school_id: uuid.UUID, student_no: str) -> None:
    taken = await session.scalar(
        select(exists().where(Student.school_id == school_id, Student.student_no == student_no))
    )
    if taken:
        raise StudentNoTaken(student_no=student_no)


async def create_student(session: AsyncSession, admin: Principal, body: StudentIn) -> Student:
    school_id = admin.staff_school()
    await referenced(
        session, SchoolClass, body.class_id, school_id, "class.not_found", field="class_id"
    )
    await _check_number_free(session, school_id, body.student_no)
    student = Student(school_id=school_id, **body.model_dump())
    session.add(student)
    await flush_checked(
        session,
        {
            NUMBER_UNIQUE: StudentNoTaken(student_no=body.student_no),
            CLASS_OF_STUDENT: ClassNotFound(field="class_id"),
        },
    )
    await changes.record(
        session,
        admin,
        "student.created",
        student,
        {"name": student.name, "student_no": student.student_no, "class_id": student.class_id},
    )
    return student


async def update_student(
    session: AsyncSession, admin: Principal, student: Student, body: StudentPatch
) -> Student:
    values = body.model_dump(exclude_unset=True)
    if "class_id" in values:
        await referenced(
            session,
            SchoolClass,
            values["class_id"],
            student.school_id,
            "class.not_found",
            field="class_id",
        )
    if values.get("student_no", student.student_no) != student.student_no:
        await _check_number_free(session, student.school_id, values["student_no"])
    changed = changes.apply(student, values)
    if changed:
        await flush_checked(
            session,
            {
                NUMBER_UNIQUE: StudentNoTaken(student_no=student.student_no),
                CLASS_OF_STUDENT: ClassNotFound(field="class_id"),
            },
        )
        await changes.record(session, admin, "student.updated", student, {"changes": changed})
    return student


async def delete_student(session: AsyncSession, admin: Principal, student: Student) -> None:
    await in_school(session, Student, student.id, student.school_id, "student.not_found", lock=True)
    # Enrollments are the child's history, and guardians are families relying on the link:
    # neither disappears as a side effect of removing a record (enrollment refuses with 409
    # ``student.has_enrollments``).
    await events.student_deleting.emit(session, events.StudentDeleting(student))
    if await session.scalar(select(exists().where(Guardian.student_id == student.id))):
        raise StudentHasGuardians()
    await changes.record(
        session, admin, "student.deleted", student, {"student_no": student.student_no}
    )
    await delete_unless_referenced(session, student, "student.in_use")


async def _lock(session: AsyncSession, student: Student) -> Student:
    """The student re-read under ``FOR NO KEY UPDATE``: two archivings decide one after the
    other, while rows that merely reference the child (an application) are not held up."""
    locked = await session.scalar(
        select(Student)
        .where(Student.id == student.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise StudentNotFound()
    return locked


async def archive_student(session: AsyncSession, admin: Principal, student: Student) -> Student:
    """The child left the school: kept for the records, off lists, rosters and code exports.

    Their enrollments still running end today (seats go to the waitlist) and their binding
    code dies, so no family can link a child who is gone. Archiving again changes nothing.
    """
    student = await _lock(session, student)
    if student.archived_at is not None:
        return student
    student.archived_at = clock.now()
    await events.student_archived.emit(session, events.StudentArchived(student, admin))
    await session.execute(delete(BindingCode).where(BindingCode.student_id == student.id))
    await session.flush()
    await changes.record(session, admin, "student.archived", student, {"name": student.name})
    return student


async def unarchive_student(session: AsyncSession, admin: Principal, student: Student) -> Student:
    """Back on the lists (archived by mistake, or the child returned); enrollments ended by the
    archiving stay ended: the family applies again."""
    student = await _lock(session, student)
    if student.archived_at is None:
        return student
    student.archived_at = None
    await session.flush()
    await changes.record(session, admin, "student.unarchived", student, {"name": student.name})
    return student


async def list_guardians(
    session: AsyncSession, student: Student, page: PageParams
) -> tuple[list[GuardianOut], str | None]:
    stmt = select(Guardian).where(Guardian.student_id == student.id)
    links, cursor = await paginate(session, stmt, page, (Guardian.created_at, Guardian.user_id))
    users: dict[uuid.UUID, User] = {}
    if links:
        found = await session.scalars(select(User).where(User.id.in_([g.user_id for g in links])))
        users = {u.id: u for u in found}
    items = [
        GuardianOut(
            user_id=link.user_id,
            name=users[link.user_id].name,
            phone=users[link.user_id].phone,
            relationship=link.relationship,
            linked_at=link.created_at,
        )
        for link in links
    ]
    return items, cursor


async def unlink_guardian(
    session: AsyncSession, admin: Principal, student: Student, user_id: uuid.UUID
) -> None:
    """Remove a family's link to the child (a parent who bound the wrong child, say)."""
    link = await session.get(Guardian, (user_id, student.id))
    if link is None:
        raise GuardianNotFound()
    await session.delete(link)
    await session.flush()
    await audit.record(
        session,
        action="guardian.unlinked",
        object_type="student",
        object_id=student.id,
        actor_id=admin.id,
        school_id=student.school_id,
        data={"user_id": str(user_id), "relationship": link.relationship},
    )
