"""After-school groups: one slot, a leader, the classes that feed it, a capacity the policy caps."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.enrollment import service as enrollment
from app.school import changes, policy
from app.school.capacity import check_not_below_seats
from app.school.classes import require_teacher
from app.school.errors import (
    ClassNotFound,
    GroupActivityHasNoClasses,
    GroupAssistantIsLeader,
    GroupAssistantNotSchoolStaff,
    GroupAssistantRequired,
    GroupCapacityAboveMax,
    GroupClassTaken,
    GroupSlotNotInTerm,
    GroupWeekdaysOutsideTerm,
)
from app.school.integrity import CLASS_OF_GROUP, delete_unless_referenced, flush_checked
from app.school.lookup import in_school, referenced
from app.school.models import Group, GroupClass, GroupKind, SchoolClass, Slot, Term
from app.school.schemas import ActivityGroupIn, GroupIn, GroupOut, GroupPatch

ONE_GROUP_PER_CLASS_AND_SLOT = "uq_group_classes_slot_id_class_id"


async def describe(session: AsyncSession, groups: Sequence[Group]) -> list[GroupOut]:
    """Groups with their class ids (one query for the lot)."""
    class_ids: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if groups:
        rows = await session.execute(
            select(GroupClass.group_id, GroupClass.class_id)
            .where(GroupClass.group_id.in_([g.id for g in groups]))
            .order_by(GroupClass.class_id)
        )
        for group_id, class_id in rows:
            class_ids[group_id].append(class_id)
    return [
        GroupOut(
            id=g.id,
            term_id=g.term_id,
            slot_id=g.slot_id,
            name=g.name,
            leader_id=g.leader_id,
            assistant_id=g.assistant_id,
            class_ids=class_ids[g.id],
            capacity=g.capacity,
            kind=g.kind,
            weekdays=g.weekdays,
            grades=g.grades,
            category=g.category,
            venue=g.venue,
            description=g.description,
            created_at=g.created_at,
        )
        for g in groups
    ]


async def list_groups(
    session: AsyncSession,
    school_id: uuid.UUID,
    page: PageParams,
    *,
    term_id: uuid.UUID | None,
    slot_id: uuid.UUID | None,
    leader_id: uuid.UUID | None,
) -> tuple[list[Group], str | None]:
    stmt = select(Group).where(Group.school_id == school_id)
    if term_id is not None:
        stmt = stmt.where(Group.term_id == term_id)
    if slot_id is not None:
        stmt = stmt.where(Group.slot_id == slot_id)
    if leader_id is not None:
        stmt = stmt.where(Group.leader_id == leader_id)
    return await paginate(session, stmt, page, (Group.name, Group.id))


async def _check_staffing(
    session: AsyncSession,
    school_id: uuid.UUID,
    leader_id: uuid.UUID | None,
    assistant_id: uuid.UUID | None,
) -> None:
    """The assistant is another teacher of the school's own staff; a group led by outside
    staff (external or volunteer) must have one (seed 002: 校内助教配合校外教师)."""
    leader_employment = "school"
    if leader_id is not None:
        leader_employment = await require_teacher(session, school_id, leader_id, field="leader_id")
    if assistant_id is None:
        if leader_employment != "school":
            raise GroupAssistantRequired(field="assistant_id")
        return
    if assistant_id == leader_id:
        raise GroupAssistantIsLeader(field="assistant_id")
    if await require_teacher(session, school_id, assistant_id, field="assistant_id") != "school":
        raise GroupAssistantNotSchoolStaff(field="assistant_id")


async def _capacity(session: AsyncSession, school_id: uuid.UUID, requested: int | None) -> int:
    """The capacity asked for, capped by the policy in force now; its maximum if none asked."""
    largest = (await policy.in_force(session, school_id)).max_group_size
    if requested is not None and requested > largest:
        raise GroupCapacityAboveMax(field="capacity", max=largest)
    return requested or largest


async def _set_classes(
    session: AsyncSession, group: Group, class_ids: list[uuid.UUID], *, replace: bool
) -> None:
    """Make ``class_ids`` the classes feeding ``group``.

    The caller holds the term's seat lock, so the check below is the truth for that slot;
    the unique constraint (slot, class) stays as the last word.
    """
    known = set(
        await session.scalars(
            select(SchoolClass.id).where(
                SchoolClass.id.in_(class_ids), SchoolClass.school_id == group.school_id
            )
        )
    )
    for i, class_id in enumerate(class_ids):
        if class_id not in known:
            raise ClassNotFound(field=f"class_ids.{i}")
    taken = (
        await session.execute(
            select(SchoolClass.name, Group.name)
            .select_from(GroupClass)
            .join(SchoolClass, SchoolClass.id == GroupClass.class_id)
            .join(Group, Group.id == GroupClass.group_id)
            .where(
                GroupClass.slot_id == group.slot_id,
                GroupClass.class_id.in_(class_ids),
                GroupClass.group_id != group.id,
            )
            .order_by(SchoolClass.name)
        )
    ).all()
    if taken:
        raise GroupClassTaken(classes="、".join(f"{c}（{g}）" for c, g in taken))
    if replace:
        await session.execute(delete(GroupClass).where(GroupClass.group_id == group.id))
    session.add_all(
        GroupClass(group_id=group.id, class_id=class_id, slot_id=group.slot_id)
        for class_id in class_ids
    )
    racing = GroupClassTaken(classes="、".join(str(c) for c in class_ids))
    gone = ClassNotFound(field="class_ids")
    await flush_checked(session, {ONE_GROUP_PER_CLASS_AND_SLOT: racing, CLASS_OF_GROUP: gone})


async def _term_and_slot(
    session: AsyncSession, school_id: uuid.UUID, body: GroupIn | ActivityGroupIn
) -> tuple[Term, Slot]:
    term = await referenced(
        session, Term, body.term_id, school_id, "term.not_found", field="term_id"
    )
    slot = await referenced(
        session, Slot, body.slot_id, school_id, "slot.not_found", field="slot_id"
    )
    if slot.term_id != term.id:
        raise GroupSlotNotInTerm(field="slot_id")
    return term, slot


async def create_activity_group(
    session: AsyncSession, admin: Principal, body: ActivityGroupIn
) -> Group:
    """An activity group (课程社团): no classes feed it; families choose it for their child
    (``app.activities``), who is then on its roster on its weekdays instead of their class
    group's."""
    school_id = admin.staff_school()
    term, slot = await _term_and_slot(session, school_id, body)
    outside = sorted(set(body.weekdays) - set(term.weekdays))
    if outside:
        raise GroupWeekdaysOutsideTerm(field="weekdays")
    await enrollment.lock_seats(session, term.id)
    await _check_staffing(session, school_id, body.leader_id, body.assistant_id)
    capacity = await _capacity(session, school_id, body.capacity)
    group = Group(
        school_id=school_id,
        term_id=term.id,
        slot_id=slot.id,
        name=body.name,
        leader_id=body.leader_id,
        assistant_id=body.assistant_id,
        capacity=capacity,
        kind=GroupKind.ACTIVITY,
        weekdays=body.weekdays,
        grades=body.grades,
        category=body.category,
        venue=body.venue,
        description=body.description,
    )
    session.add(group)
    await session.flush()
    await changes.record(
        session,
        admin,
        "group.created",
        group,
        {"name": group.name, "slot_id": slot.id, "kind": group.kind, "weekdays": body.weekdays},
    )
    return group


async def create_group(session: AsyncSession, admin: Principal, body: GroupIn) -> Group:
    school_id = admin.staff_school()
    term, slot = await _term_and_slot(session, school_id, body)
    # The term's seat lock (its slots and groups) serialises group changes in the slot too
    # (one group per class and slot) and every seat decision meanwhile.
    await enrollment.lock_seats(session, term.id)
    await _check_staffing(session, school_id, body.leader_id, body.assistant_id)
    capacity = await _capacity(session, school_id, body.capacity)
    group = Group(
        school_id=school_id,
        term_id=term.id,
        slot_id=slot.id,
        name=body.name,
        leader_id=body.leader_id,
        assistant_id=body.assistant_id,
        capacity=capacity,
    )
    session.add(group)
    await session.flush()
    await _set_classes(session, group, body.class_ids, replace=False)
    await _check_seats(session, group, None)
    await changes.record(
        session,
        admin,
        "group.created",
        group,
        {"name": group.name, "slot_id": slot.id, "class_ids": body.class_ids},
    )
    await enrollment.promote_waitlist(session, term.id)
    return group


async def _check_seats(session: AsyncSession, group: Group, old_capacity: int | None) -> None:
    """The children of the group's classes already holding seats in its slot fit its capacity.

    ``old_capacity`` None: the group is new or fed by new classes, so any excess is refused.
    """
    held = (await enrollment.lock_seats(session, group.term_id)).group_held[group.id]
    check_not_below_seats(group.name, old_capacity, group.capacity, held)


async def update_group(
    session: AsyncSession, admin: Principal, group: Group, body: GroupPatch
) -> Group:
    values = body.model_dump(exclude_unset=True)
    class_ids: list[uuid.UUID] | None = values.pop("class_ids", None)
    if class_ids is not None and group.kind == GroupKind.ACTIVITY:
        raise GroupActivityHasNoClasses(field="class_ids")
    await enrollment.lock_seats(session, group.term_id)  # re-reads the group, locked
    old_capacity = group.capacity
    if values.keys() & {"leader_id", "assistant_id"}:
        await _check_staffing(
            session,
            group.school_id,
            values.get("leader_id", group.leader_id),
            values.get("assistant_id", group.assistant_id),
        )
    if "capacity" in values:
        await _capacity(session, group.school_id, values["capacity"])
    changed = changes.apply(group, values)
    if class_ids is not None:
        before = await _class_ids(session, group)
        if before != class_ids:
            await _set_classes(session, group, class_ids, replace=True)
            changed["class_ids"] = [before, class_ids]
    if changed:
        await session.flush()
        if "capacity" in changed or "class_ids" in changed:
            await _check_seats(session, group, None if "class_ids" in changed else old_capacity)
        await changes.record(session, admin, "group.updated", group, {"changes": changed})
        if "capacity" in changed or "class_ids" in changed:
            await enrollment.promote_waitlist(session, group.term_id)
    return group


async def _class_ids(session: AsyncSession, group: Group) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(GroupClass.class_id)
        .where(GroupClass.group_id == group.id)
        .order_by(GroupClass.class_id)
    )
    return list(rows)


async def delete_group(session: AsyncSession, admin: Principal, group: Group) -> None:
    await enrollment.lock_seats(session, group.term_id)
    await in_school(session, Group, group.id, group.school_id, "group.not_found", lock=True)
    # Rosters are computed from the groups, so nothing of ours depends on a group; other
    # domains' rows (roll calls) that do are protected by their foreign keys.
    await changes.record(session, admin, "group.deleted", group, {"name": group.name})
    await delete_unless_referenced(session, group, "group.in_use")
    # Its classes' children are bound by no group's capacity in that slot any more.
    await enrollment.promote_waitlist(session, group.term_id)
