"""The demo school's clubs (课程社团): four activity groups in 课后活动, families' ranked
choices, the opening lottery drawn, then choosing left open first come, first served."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.activities import service as activities
from app.activities.schemas import ChoiceIn, ChoicesIn
from app.demo import cast
from app.demo.world import DemoWorld
from app.school import groups, terms
from app.school.models import Group
from app.school.schemas import ActivityCategory, ActivityGroupIn, TermPatch

# The seed the office drew the opening lottery with (公开摇号), kept in the audit trail.
LOTTERY_SEED = 20260901


@dataclass(frozen=True)
class ClubPlan:
    name: str
    category: ActivityCategory
    weekdays: tuple[int, ...]
    grades: tuple[int, ...]
    venue: str
    capacity: int
    leader: str
    description: str


CLUBS = (
    ClubPlan(
        "篮球社",
        "sports",
        (2, 4),
        (3, 4),
        "操场东侧篮球场",
        12,
        "teacher.zhao",
        "运球、传球与半场对抗，请穿运动鞋、自带水壶。",
    ),
    ClubPlan(
        "书法社",
        "arts",
        (1, 3),
        (3, 4),
        "三楼书法教室",
        10,
        "teacher.zhou",
        "硬笔与毛笔楷书入门，学校提供笔墨纸砚。",
    ),
    ClubPlan(
        "科学实验社",
        "science",
        (5,),
        (4,),
        "科学实验室",
        8,
        "teacher.wang",
        "动手做简单的物理和化学小实验，每次课后写实验记录。",
    ),
    ClubPlan(
        "阅读社",
        "reading",
        (5,),
        (3,),
        "图书馆阅览室",
        15,
        "teacher.sun",
        "共读绘本与桥梁书，每月分享一本好书。",
    ),
)


async def play(session: AsyncSession, world: DemoWorld) -> None:
    term = world.current_term
    for club in CLUBS:
        await groups.create_activity_group(
            session,
            world.admin,
            ActivityGroupIn(
                kind="activity",
                term_id=term.id,
                slot_id=world.slots[cast.AFTERNOON].id,
                name=club.name,
                leader_id=world.staff[club.leader].id,
                weekdays=list(club.weekdays),
                grades=list(club.grades),
                category=club.category,
                venue=club.venue,
                capacity=club.capacity,
                description=club.description,
            ),
        )
    # The opening round is a lottery: families rank, the office draws once.
    await terms.update_term(session, world.admin, term, TermPatch(activity_allocation="lottery"))
    for n, (child, enrollment) in enumerate(world.enrollments.items()):
        if n % 4 == 3 or enrollment.status not in activities.CHOOSING:
            continue  # some families choose nothing (the quality check lists them)
        if child.class_index == 0 or any(g.login for g in child.guardians):
            continue  # the walkthrough's roll call and families: they choose in the README
        ranked = _ranked(await activities.open_to(session, enrollment), n)
        if ranked:
            await activities.set_choices(
                session,
                world.family(child),
                enrollment,
                ChoicesIn(
                    choices=[ChoiceIn(activity_id=g.id, rank=i + 1) for i, g in enumerate(ranked)]
                ),
            )
    await activities.allocate(session, world.admin, term, LOTTERY_SEED)
    # Late choices (补选) are served first come, first served.
    await terms.update_term(session, world.admin, term, TermPatch(activity_allocation="first_come"))


def _ranked(open_clubs: list[Group], n: int) -> list[Group]:
    """Up to two clubs that do not meet at the same time, in an order that varies by family."""
    if not open_clubs:
        return []
    turned = open_clubs[n % len(open_clubs) :] + open_clubs[: n % len(open_clubs)]
    chosen: list[Group] = []
    for club in turned:
        if len(chosen) == 2:
            break
        if all(not set(club.weekdays or ()) & set(c.weekdays or ()) for c in chosen):
            chosen.append(club)
    return chosen
