"""Homeroom classes (班级): name, grade and homeroom teacher."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.school import changes
from app.school.errors import ClassHasStudents, ClassInGroups, ClassNameTaken, StaffNotTeacher
from app.school.integrity import delete_unless_referenced, flush_checked
from app.school.lookup import in_school
from app.school.models import GroupClass, SchoolClass, Student
from app.school.schemas import ClassIn, ClassPatch

NAME_UNIQUE = "uq_classes_school_id_name"


async def require_teacher(
    session: AsyncSession, school_id: uuid.UUID, user_id: uuid.UUID, *, field: str
) -> str:
    """``user_id`` is an active teacher of ``school_id``, else 422 on ``field``; returns
    their employment (school, external, volunteer)."""
    found = await session.scalar(
        select(User.employment).where(
            User.id == user_id,
            User.school_id == school_id,
            User.roles.contains([Role.TEACHER.value]),
            User.is_active,
        )
    )
    if found is None:
        raise StaffNotTeacher(field=field)
    return found


async def list_classes(
    session: AsyncSession, school_id: uuid.UUID, page: PageParams, *, grade: int | None
) -> tuple[list[SchoolClass], str | None]:
    stmt = select(SchoolClass).where(SchoolClass.school_id == school_id)
    if grade is not None:
        stmt = stmt.where(SchoolClass.grade == grade)
    order = (SchoolClass.grade, SchoolClass.name, SchoolClass.id)
    return await paginate(session, stmt, page, order)


async def create_class(session: AsyncSession, admin: Principal, body: ClassIn) -> SchoolClass:
    school_id = admin.staff_school()
    if body.homeroom_teacher_id is not None:
        await require_teacher(
            session, school_id, body.homeroom_teacher_id, field="homeroom_teacher_id"
        )
    school_class = SchoolClass(school_id=school_id, **body.model_dump())
    session.add(school_class)
    await flush_checked(session, {NAME_UNIQUE: ClassNameTaken(name=body.name)})
    await changes.record(session, admin, "class.created", school_class, {"name": body.name})
    return school_class


async def update_class(
    session: AsyncSession, admin: Principal, school_class: SchoolClass, body: ClassPatch
) -> SchoolClass:
    values = body.model_dump(exclude_unset=True)
    if values.get("homeroom_teacher_id") is not None:
        await require_teacher(
            session,
            school_class.school_id,
            values["homeroom_teacher_id"],
            field="homeroom_teacher_id",
        )
    changed = changes.apply(school_class, values)
    if changed:
        name_taken = ClassNameTaken(name=school_class.name)
        await flush_checked(session, {NAME_UNIQUE: name_taken})
        await changes.record(session, admin, "class.updated", school_class, {"changes": changed})
    return school_class


async def delete_class(session: AsyncSession, admin: Principal, school_class: SchoolClass) -> None:
    await in_school(
        session, SchoolClass, school_class.id, school_class.school_id, "class.not_found", lock=True
    )
    if await session.scalar(select(exists().where(Student.class_id == school_class.id))):
        raise ClassHasStudents()
    if await session.scalar(select(exists().where(GroupClass.class_id == school_class.id))):
        raise ClassInGroups()
    await changes.record(session, admin, "class.deleted", school_class, {"name": school_class.name})
    await delete_unless_referenced(session, school_class, "class.in_use")
