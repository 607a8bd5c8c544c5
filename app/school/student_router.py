"""Students over HTTP: the roster, its import, guardians and binding codes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.audit import service as audit_trail
from app.auth.deps import CurrentUser, SchoolAdmin, StaffUser
from app.core.body_limit import BODY_LIMIT_EXTENSION
from app.core.database import SessionDep
from app.core.errors import problem
from app.core.i18n import negotiate, translate
from app.core.pagination import PageDep
from app.core.schemas import Page
from app.school import binding_codes, roster_file, roster_import, students
from app.school.deps import AdminStudent, StaffStudent, VisibleStudent
from app.school.responses import PROBLEM_CONTENT, problems
from app.school.schemas import (
    BindingCodeOut,
    GuardianOut,
    ImportReport,
    StudentIn,
    StudentOut,
    StudentPatch,
)
from app.school.uploads import RAW_TYPES, read_upload, stream_limit

# Included by the school router, which gives these routes their tag.
router = APIRouter()


@router.get("/students", response_model=Page[StudentOut], responses=problems(401, 403))
async def list_students(
    session: SessionDep,
    staff: StaffUser,
    page: PageDep,
    class_id: Annotated[uuid.UUID | None, Query(description="Only this class.")] = None,
    include_archived: Annotated[
        bool, Query(description="Also the children who left the school (archived).")
    ] = False,
) -> Any:
    """The school's students by student number (staff of the school); those who left
    (archived) only with `include_archived=true`."""
    items, cursor = await students.list_students(
        session, staff.staff_school(), page, class_id=class_id, include_archived=include_archived
    )
    await audit_trail.record_read(session, staff, "GET /students", [s.id for s in items])
    return Page[StudentOut](items=await students.describe(session, items), next_cursor=cursor)


@router.post(
    "/students", status_code=201, response_model=StudentOut, responses=problems(401, 403, 409)
)
async def create_student(body: StudentIn, session: SessionDep, admin: SchoolAdmin) -> Any:
    """A student; the number is unique in the school (409 `student.no_taken`)."""
    student = await students.create_student(session, admin, body)
    return (await students.describe(session, [student]))[0]


_IMPORT_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        **{
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in RAW_TYPES
        },
    },
}


@router.post(
    "/students/import",
    response_model=ImportReport,
    responses={
        422: {
            "description": "A broken file, or rows with problems (`import.rows_invalid`: each "
            "problem in `errors` as `rows.<row>.<column>`); nothing was imported.",
            "content": PROBLEM_CONTENT,
        },
        **problems(401, 403, 409, 413, 415),
    },
    openapi_extra={
        "requestBody": _IMPORT_BODY,
        BODY_LIMIT_EXTENSION: stream_limit(roster_file.MAX_BYTES),
    },
)
async def import_students(
    request: Request,
    session: SessionDep,
    admin: SchoolAdmin,
    update_existing: Annotated[
        bool, Query(description="Rows whose 学号 exists update that student instead of failing.")
    ] = False,
) -> Any:
    """Import a roster: CSV (UTF-8 with or without BOM, or GBK) or XLSX, at most 5 MB, with
    the headers 姓名, 学号, 班级 and optionally 优先类别 (特殊需要、留守、随迁、低收入,
    separated by 、 or a comma). Every row is checked first; either all are imported, or
    none and the answer lists each row's problems."""
    upload = await read_upload(request, roster_file.MAX_BYTES)
    rows = await roster_file.parse_roster(upload.data, upload.filename)
    outcome = await roster_import.import_roster(
        session, admin, rows, update_existing=update_existing, filename=upload.filename
    )
    if outcome.report is not None:
        return outcome.report
    language = negotiate(request.headers.get("accept-language"))
    errors = [
        {
            "field": f"rows.{p.row}.{p.column}",
            "message": translate(p.code, language, {"row": p.row, **p.params}),
            "code": p.code,
        }
        for p in outcome.problems
    ]
    params = {"problem_rows": outcome.problem_rows}
    return problem(request, 422, "import.rows_invalid", params, errors=errors)


@router.get("/students/{student_id}", response_model=StudentOut, responses=problems(401, 404))
async def get_student(student: VisibleStudent, session: SessionDep, user: CurrentUser) -> Any:
    """Staff of the school, or the child's own guardians."""
    await audit_trail.record_read(session, user, "GET /students/{id}", [student.id])
    return (await students.describe(session, [student]))[0]


@router.patch(
    "/students/{student_id}", response_model=StudentOut, responses=problems(401, 403, 404, 409)
)
async def update_student(
    body: StudentPatch, student: AdminStudent, session: SessionDep, admin: SchoolAdmin
) -> Any:
    updated = await students.update_student(session, admin, student, body)
    return (await students.describe(session, [updated]))[0]


@router.delete("/students/{student_id}", status_code=204, responses=problems(401, 403, 404, 409))
async def delete_student(student: AdminStudent, session: SessionDep, admin: SchoolAdmin) -> None:
    """Only a student without enrollments and linked guardians (409 `student.has_enrollments`,
    `student.has_guardians`)."""
    await students.delete_student(session, admin, student)


@router.get(
    "/students/{student_id}/guardians",
    response_model=Page[GuardianOut],
    responses=problems(401, 403, 404),
)
async def list_guardians(
    student: StaffStudent, session: SessionDep, page: PageDep, staff: StaffUser
) -> Any:
    """The family accounts linked to the child (staff of the school)."""
    items, cursor = await students.list_guardians(session, student, page)
    await audit_trail.record_read(session, staff, "GET /students/{id}/guardians", [student.id])
    return Page[GuardianOut](items=items, next_cursor=cursor)


@router.delete(
    "/students/{student_id}/guardians/{user_id}",
    status_code=204,
    responses=problems(401, 403, 404),
)
async def unlink_guardian(
    user_id: uuid.UUID, student: AdminStudent, session: SessionDep, admin: SchoolAdmin
) -> None:
    """Unlink a family account from the child (say, a parent who bound the wrong child)."""
    await students.unlink_guardian(session, admin, student, user_id)


@router.post(
    "/students/{student_id}/archive", response_model=StudentOut, responses=problems(401, 403, 404)
)
async def archive_student(student: AdminStudent, session: SessionDep, admin: SchoolAdmin) -> Any:
    """The child left the school (毕业、转学): kept for the records (`GET /students/{id}`, the
    enrollments, handovers and audit), but off student lists, rosters and binding-code exports
    unless `include_archived=true`. Enrollments still running end today (their seats go to the
    waitlist) and the binding code dies. Archiving again changes nothing."""
    archived = await students.archive_student(session, admin, student)
    return (await students.describe(session, [archived]))[0]


@router.post(
    "/students/{student_id}/unarchive", response_model=StudentOut, responses=problems(401, 403, 404)
)
async def unarchive_student(student: AdminStudent, session: SessionDep, admin: SchoolAdmin) -> Any:
    """Back on the lists. Enrollments the archiving ended stay ended: the family applies again."""
    restored = await students.unarchive_student(session, admin, student)
    return (await students.describe(session, [restored]))[0]


@router.post(
    "/students/{student_id}/binding-code",
    status_code=201,
    response_model=BindingCodeOut,
    responses=problems(401, 403, 404),
)
async def issue_binding_code(student: AdminStudent, session: SessionDep, admin: SchoolAdmin) -> Any:
    """A new binding code for the child (valid 30 days); the previous code stops working."""
    return await binding_codes.issue(session, admin, student)
