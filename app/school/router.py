"""School set-up over HTTP: the school and policy, terms, slots, classes and groups.

Reads are open to the school's staff (terms and slots also to parents with a child there);
every write is the school admin's. Students live in ``student_router``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth.deps import SchoolAdmin, StaffUser
from app.core.body_limit import BODY_LIMIT_EXTENSION
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Page
from app.school import access, binding_codes, classes, examples, groups, service, terms
from app.school.deps import (
    AdminClass,
    AdminGroup,
    AdminSlot,
    AdminTerm,
    CalendarReader,
    ReadableSlot,
    ReadableTerm,
    ReadableTermQuery,
    StaffClass,
    StaffGroup,
)
from app.school.responses import problems
from app.school.schemas import (
    ActivityGroupIn,
    ClassIn,
    ClassOut,
    ClassPatch,
    GroupIn,
    GroupOut,
    GroupPatch,
    SchoolOut,
    SchoolPatch,
    SlotIn,
    SlotOut,
    SlotPatch,
    TermIn,
    TermOut,
    TermPatch,
)
from app.school.student_router import router as student_router

router = APIRouter(tags=["school"])


# ---- the school ----


@router.get("/school", response_model=SchoolOut, responses=problems(401, 403))
async def get_school(session: SessionDep, staff: StaffUser) -> Any:
    """The caller's school: name, time zone and policy."""
    return await service.get_school(session, staff)


@router.patch("/school", response_model=SchoolOut, responses=problems(401, 403))
async def update_school(body: SchoolPatch, session: SessionDep, admin: SchoolAdmin) -> Any:
    """Change the name, time zone or policy; what the body leaves out (inside `policy` too)
    keeps its value. Applies to requests made after it."""
    return await service.update_school(session, admin, body)


# ---- terms ----


# The safety agreement may be 20,000 characters: 120 KB as \uXXXX escapes (ensure_ascii).
_AGREEMENT_BODY = {BODY_LIMIT_EXTENSION: 256 * 1024}


@router.post(
    "/terms",
    status_code=201,
    response_model=TermOut,
    responses=problems(401, 403),
    openapi_extra=_AGREEMENT_BODY,
)
async def create_term(body: TermIn, session: SessionDep, admin: SchoolAdmin) -> Any:
    return await terms.create_term(session, admin, body)


@router.get("/terms", response_model=Page[TermOut], responses=problems(401, 403))
async def list_terms(session: SessionDep, reader: CalendarReader, page: PageDep) -> Any:
    """Terms, newest first: staff see their school's; parents those of their children's schools."""
    school_ids = await access.readable_school_ids(session, reader)
    items, cursor = await terms.list_terms(session, school_ids, page)
    return Page[TermOut](items=[TermOut.model_validate(t) for t in items], next_cursor=cursor)


@router.get("/terms/{term_id}", response_model=TermOut, responses=problems(401, 403, 404))
async def get_term(term: ReadableTerm) -> Any:
    return term


@router.patch(
    "/terms/{term_id}",
    response_model=TermOut,
    responses=problems(401, 403, 404, 409),
    openapi_extra=_AGREEMENT_BODY,
)
async def update_term(
    body: TermPatch, term: AdminTerm, session: SessionDep, admin: SchoolAdmin
) -> Any:
    """A changed `agreement_text` bumps `agreement_version` (families accept the new one)."""
    return await terms.update_term(session, admin, term, body)


@router.delete("/terms/{term_id}", status_code=204, responses=problems(401, 403, 404, 409))
async def delete_term(term: AdminTerm, session: SessionDep, admin: SchoolAdmin) -> None:
    """Only a term without slots and enrollments (409 `term.has_slots`/`term.has_enrollments`)."""
    await terms.delete_term(session, admin, term)


# ---- slots ----


@router.post("/slots", status_code=201, response_model=SlotOut, responses=problems(401, 403, 409))
async def create_slot(body: SlotIn, session: SessionDep, admin: SchoolAdmin) -> Any:
    """A daily time slot of a term; slots of one term may not overlap (409 `slot.overlaps`)."""
    return await terms.create_slot(session, admin, body)


@router.get("/slots", response_model=Page[SlotOut], responses=problems(401, 403))
async def list_slots(session: SessionDep, term: ReadableTermQuery) -> Any:
    """A term's slots in time order, all in one page (a day holds only a few)."""
    items = await terms.list_slots(session, term)
    return Page[SlotOut](items=[SlotOut.model_validate(s) for s in items], next_cursor=None)


@router.get("/slots/{slot_id}", response_model=SlotOut, responses=problems(401, 403, 404))
async def get_slot(slot: ReadableSlot) -> Any:
    return slot


@router.patch("/slots/{slot_id}", response_model=SlotOut, responses=problems(401, 403, 404, 409))
async def update_slot(
    body: SlotPatch, slot: AdminSlot, session: SessionDep, admin: SchoolAdmin
) -> Any:
    return await terms.update_slot(session, admin, slot, body)


@router.delete("/slots/{slot_id}", status_code=204, responses=problems(401, 403, 404, 409))
async def delete_slot(slot: AdminSlot, session: SessionDep, admin: SchoolAdmin) -> None:
    """Only a slot without groups and enrollments (409 `slot.has_groups`/`slot.has_enrollments`)."""
    await terms.delete_slot(session, admin, slot)


# ---- classes ----


@router.post(
    "/classes", status_code=201, response_model=ClassOut, responses=problems(401, 403, 409)
)
async def create_class(body: ClassIn, session: SessionDep, admin: SchoolAdmin) -> Any:
    """`homeroom_teacher_id` must be a teacher of the school; names are unique per school."""
    return await classes.create_class(session, admin, body)


@router.get("/classes", response_model=Page[ClassOut], responses=problems(401, 403))
async def list_classes(
    session: SessionDep,
    staff: StaffUser,
    page: PageDep,
    grade: Annotated[int | None, Query(ge=1, le=9)] = None,
) -> Any:
    """The school's classes by grade and name."""
    items, cursor = await classes.list_classes(session, staff.staff_school(), page, grade=grade)
    return Page[ClassOut](items=[ClassOut.model_validate(c) for c in items], next_cursor=cursor)


@router.get("/classes/{class_id}", response_model=ClassOut, responses=problems(401, 403, 404))
async def get_class(school_class: StaffClass) -> Any:
    return school_class


@router.patch(
    "/classes/{class_id}", response_model=ClassOut, responses=problems(401, 403, 404, 409)
)
async def update_class(
    body: ClassPatch, school_class: AdminClass, session: SessionDep, admin: SchoolAdmin
) -> Any:
    return await classes.update_class(session, admin, school_class, body)


@router.delete("/classes/{class_id}", status_code=204, responses=problems(401, 403, 404, 409))
async def delete_class(school_class: AdminClass, session: SessionDep, admin: SchoolAdmin) -> None:
    """Only a class without students and groups (409 `class.has_students`/`class.in_groups`)."""
    await classes.delete_class(session, admin, school_class)


@router.get(
    "/classes/{class_id}/binding-codes.csv",
    response_class=Response,
    responses={
        200: {"description": "CSV (UTF-8 with BOM, opens in Excel)", "content": {"text/csv": {}}},
        **problems(401, 403, 404),
    },
)
async def export_binding_codes(
    school_class: AdminClass,
    session: SessionDep,
    admin: SchoolAdmin,
    include_archived: Annotated[
        bool, Query(description="Also the children who left the school (archived).")
    ] = False,
) -> Response:
    """Every child of the class with a live binding code, for printing notices to families.
    Children without one, or whose code expires within 7 days, get a new code now."""
    text = await binding_codes.class_notice_csv(
        session, admin, school_class, include_archived=include_archived
    )
    filename = f"{school_class.name}-绑定码.csv"
    disposition = f"attachment; filename=\"binding-codes.csv\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        content=("\ufeff" + text).encode(),  # the BOM makes Excel read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


# ---- groups ----


async def _group_body(
    raw: Annotated[dict[str, Any], Body(title="GroupIn or ActivityGroupIn")],
) -> GroupIn | ActivityGroupIn:
    """The body of ``POST /groups``, by its ``kind`` (``class`` unless given), validated so a
    rejected field is named as the client wrote it (``capacity``, not a union member's)."""
    model = ActivityGroupIn if raw.get("kind") == "activity" else GroupIn
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None


_GROUP_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [GroupIn.model_json_schema(), ActivityGroupIn.model_json_schema()]
                },
                "examples": {
                    "class": {"summary": "A class group", "value": examples.GROUP_IN},
                    "activity": {
                        "summary": "An activity group (社团)",
                        "value": examples.ACTIVITY_IN,
                    },
                },
            }
        }
    }
}


@router.post(
    "/groups",
    status_code=201,
    response_model=GroupOut,
    responses=problems(401, 403, 409, 422),
    openapi_extra=_GROUP_BODY,
)
async def create_group(
    body: Annotated[GroupIn | ActivityGroupIn, Depends(_group_body)],
    session: SessionDep,
    admin: SchoolAdmin,
) -> Any:
    """A group of one slot. Capacity above the policy's `max_group_size`: 422; a class already
    feeding another group of the slot: 409 `group.class_taken`. `"kind": "activity"` makes
    an activity group (课程社团): no classes, chosen by families, on its weekdays only."""
    if isinstance(body, ActivityGroupIn):
        group = await groups.create_activity_group(session, admin, body)
    else:
        group = await groups.create_group(session, admin, body)
    return (await groups.describe(session, [group]))[0]


@router.get("/groups", response_model=Page[GroupOut], responses=problems(401, 403))
async def list_groups(
    session: SessionDep,
    staff: StaffUser,
    page: PageDep,
    term_id: uuid.UUID | None = None,
    slot_id: uuid.UUID | None = None,
    leader_id: uuid.UUID | None = None,
) -> Any:
    """The school's groups by name, optionally of a term, a slot or a leader."""
    items, cursor = await groups.list_groups(
        session,
        staff.staff_school(),
        page,
        term_id=term_id,
        slot_id=slot_id,
        leader_id=leader_id,
    )
    return Page[GroupOut](items=await groups.describe(session, items), next_cursor=cursor)


@router.get("/groups/{group_id}", response_model=GroupOut, responses=problems(401, 403, 404))
async def get_group(group: StaffGroup, session: SessionDep) -> Any:
    return (await groups.describe(session, [group]))[0]


@router.patch("/groups/{group_id}", response_model=GroupOut, responses=problems(401, 403, 404, 409))
async def update_group(
    body: GroupPatch, group: AdminGroup, session: SessionDep, admin: SchoolAdmin
) -> Any:
    """`class_ids` replaces the group's classes."""
    updated = await groups.update_group(session, admin, group, body)
    return (await groups.describe(session, [updated]))[0]


@router.delete("/groups/{group_id}", status_code=204, responses=problems(401, 403, 404, 409))
async def delete_group(group: AdminGroup, session: SessionDep, admin: SchoolAdmin) -> None:
    await groups.delete_group(session, admin, group)


router.include_router(student_router)
