"""Activities and clubs: activity groups, choosing (clash, full, waitlist), the lottery,
rosters that differ by weekday, absence notices, timetable, quality check, the walls."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities.service import Request, draw
from app.auth.models import Role
from app.enrollment.models import Enrollment
from app.notifications.models import Notification
from app.school.models import Student
from tests.attendance.factories import QINGMING, TODAY, Campus, build_campus, create_leave
from tests.factories import auth, create_class, create_other_school, create_user

WEDNESDAY = TODAY + timedelta(days=1)
THURSDAY = TODAY + timedelta(days=2)


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


async def make_activity(
    client: httpx.AsyncClient, campus: Campus, name: str = "篮球社", **fields: object
) -> dict:
    body = {
        "kind": "activity",
        "term_id": str(campus.term.id),
        "slot_id": str(campus.activity.id),
        "name": name,
        "leader_id": str(campus.other_teacher.id),
        "weekdays": [2, 4],
        "grades": [3, 4],
        "category": "sports",
        "venue": "操场篮球场",
        "capacity": 20,
        "description": "运球与传球",
        **fields,
    }
    response = await client.post("/groups", json=body, headers=auth(campus.admin))
    assert response.status_code == 201, response.text
    return response.json()


async def enrollment_of(session: AsyncSession, student: Student) -> Enrollment:
    found = await session.scalar(select(Enrollment).where(Enrollment.student_id == student.id))
    assert found is not None
    return found


async def choose(
    client: httpx.AsyncClient,
    session: AsyncSession,
    student: Student,
    *activity_ids: str,
) -> httpx.Response:
    enrollment = await enrollment_of(session, student)
    guardian = await guardian_of(session, student)
    return await client.put(
        f"/enrollments/{enrollment.id}/activities",
        json={"choices": [{"activity_id": a, "rank": i + 1} for i, a in enumerate(activity_ids)]},
        headers=auth(guardian),
    )


async def guardian_of(session: AsyncSession, student: Student):
    from app.auth.models import User
    from app.school.models import Guardian

    user = await session.scalar(
        select(User)
        .join(Guardian, Guardian.user_id == User.id)
        .where(Guardian.student_id == student.id)
        .limit(1)
    )
    assert user is not None
    return user


async def roster_ids(client: httpx.AsyncClient, campus: Campus, group_id: str, day) -> set[str]:
    response = await client.get(
        "/rosters",
        params={"group_id": group_id, "date": day.isoformat()},
        headers=auth(campus.admin),
    )
    assert response.status_code == 200, response.text
    return {item["student_id"] for item in response.json()["items"]}


class TestActivityGroups:
    async def test_an_activity_group_is_made_and_listed_with_seats_left(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        assert made["kind"] == "activity"
        assert made["weekdays"] == [2, 4] and made["category"] == "sports"
        assert made["class_ids"] == []
        listed = await client.get(
            "/activities",
            params={"term_id": str(campus.term.id), "student_id": str(campus.student.id)},
            headers=auth(campus.mother),
        )
        assert listed.status_code == 200, listed.text
        [item] = listed.json()["items"]
        assert item["id"] == made["id"] and item["seats_left"] == 20

    async def test_bad_activity_bodies_are_422(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        for bad in ({"category": "magic"}, {"weekdays": [6]}, {"grades": []}, {"extra": 1}):
            body = {
                "kind": "activity",
                "term_id": str(campus.term.id),
                "slot_id": str(campus.activity.id),
                "name": "篮球社",
                "leader_id": str(campus.other_teacher.id),
                "weekdays": [2, 4],
                "grades": [3],
                "category": "sports",
                "venue": "操场",
                "capacity": 20,
                **bad,
            }
            response = await client.post("/groups", json=body, headers=auth(campus.admin))
            assert response.status_code == 422, (bad, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


class TestChoosing:
    async def test_assigned_child_moves_to_the_activity_on_its_weekdays_only(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        response = await choose(client, session, campus.student, made["id"])
        assert response.status_code == 200, response.text
        assert response.json()["items"][0]["status"] == "assigned"
        me = str(campus.student.id)
        class_group = str(campus.activity_group.id)
        # Tuesday and Thursday: at basketball, not in the class group
        assert me in await roster_ids(client, campus, made["id"], TODAY)
        assert me not in await roster_ids(client, campus, class_group, TODAY)
        assert me in await roster_ids(client, campus, made["id"], THURSDAY)
        # Wednesday: back in the class group; the evening slot is untouched
        assert me not in await roster_ids(client, campus, made["id"], WEDNESDAY)
        assert me in await roster_ids(client, campus, class_group, WEDNESDAY)
        assert me in await roster_ids(client, campus, str(campus.evening_group.id), TODAY)

    async def test_a_clash_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        first = await make_activity(client, campus, "篮球社", weekdays=[2, 4])
        second = await make_activity(client, campus, "书法社", weekdays=[4], category="arts")
        response = await choose(client, session, campus.student, first["id"], second["id"])
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "activity.clash"
        # other slots or other days do not clash
        third = await make_activity(client, campus, "阅读社", weekdays=[1, 3], category="reading")
        response = await choose(client, session, campus.student, first["id"], third["id"])
        assert response.status_code == 200, response.text

    async def test_a_full_activity_waitlists_and_serves_the_queue_in_order(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus, capacity=1)
        late = await campus.add_child(session)
        needy = await campus.add_child(session)
        needy.priority = ["left_behind"]
        await session.commit()
        assert (await choose(client, session, campus.student, made["id"])).json()["items"][0][
            "status"
        ] == "assigned"
        assert (await choose(client, session, late, made["id"])).json()["items"][0][
            "status"
        ] == "waitlisted"
        assert (await choose(client, session, needy, made["id"])).json()["items"][0][
            "status"
        ] == "waitlisted"
        listed = await client.get(
            "/activities", params={"term_id": str(campus.term.id)}, headers=auth(campus.admin)
        )
        assert listed.json()["items"][0]["seats_left"] == 0
        # the first child drops it: the priority child is served before the earlier one
        assert (await choose(client, session, campus.student)).json()["items"] == []
        mine = await client.get(
            f"/enrollments/{(await enrollment_of(session, needy)).id}/activities",
            headers=auth(await guardian_of(session, needy)),
        )
        assert mine.json()["items"][0]["status"] == "assigned"
        theirs = await client.get(
            f"/enrollments/{(await enrollment_of(session, late)).id}/activities",
            headers=auth(await guardian_of(session, late)),
        )
        assert theirs.json()["items"][0]["status"] == "waitlisted"
        kinds = await session.scalar(
            select(func.count()).where(Notification.kind == "activity.assigned")
        )
        assert kinds == 1

    async def test_slot_and_weekday_must_be_the_enrollments(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        evening_only = await campus.add_child(session, slots=[campus.evening])
        tuesdays_off = await campus.add_child(session, weekdays=[1, 3, 5])
        await session.commit()
        response = await choose(client, session, evening_only, made["id"])
        assert response.json()["code"] == "activity.slot_not_chosen"
        response = await choose(client, session, tuesdays_off, made["id"])
        assert response.json()["code"] == "activity.weekday_not_chosen"
        older = await create_class(session, campus.school, grade=6, name="六年级1班")
        sixth = await campus.add_child(session, school_class=older)
        await session.commit()
        response = await choose(client, session, sixth, made["id"])
        assert response.json()["code"] == "activity.grade_not_eligible"
        response = await choose(client, session, campus.student, str(uuid.uuid4()))
        assert response.status_code == 422


class TestLottery:
    def test_the_same_seed_gives_the_same_result_and_priority_comes_first(self) -> None:
        group = uuid.uuid4()
        requests = [Request(uuid.uuid4(), uuid.uuid4(), group, 4, 1) for _ in range(10)]
        flagged = Request(uuid.uuid4(), uuid.uuid4(), group, 0, 2)
        everyone = [*requests, flagged]
        first = draw(everyone, {group: 3}, seed=42)
        assert first == draw(list(reversed(everyone)), {group: 3}, seed=42)
        assert flagged.choice_id in first and len(first) == 3
        seen = {frozenset(draw(everyone, {group: 3}, seed=s)) for s in range(20)}
        assert len(seen) > 1  # the seed decides among equals

    async def test_the_draw_assigns_priority_families_first_and_tells_families(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        patched = await client.patch(
            f"/terms/{campus.term.id}",
            json={"activity_allocation": "lottery"},
            headers=auth(campus.admin),
        )
        assert patched.status_code == 200 and patched.json()["activity_allocation"] == "lottery"
        made = await make_activity(client, campus, capacity=1)
        plain = await campus.add_child(session)
        needy = await campus.add_child(session)
        needy.priority = ["special_needs"]
        await session.commit()
        for child in (campus.student, plain, needy):
            response = await choose(client, session, child, made["id"])
            assert response.json()["items"][0]["status"] == "requested"
        url = f"/terms/{campus.term.id}/allocate-activities"
        assert (
            await client.post(url, json={"seed": 7}, headers=auth(campus.mother))
        ).status_code == 403
        response = await client.post(url, json={"seed": 7}, headers=auth(campus.admin))
        assert response.status_code == 200, response.text
        assert response.json() == {"seed": 7, "assigned": 1, "not_assigned": 2}
        got = await client.get(
            f"/enrollments/{(await enrollment_of(session, needy)).id}/activities",
            headers=auth(await guardian_of(session, needy)),
        )
        assert got.json()["items"][0]["status"] == "assigned"
        told = await session.scalar(
            select(func.count()).where(Notification.kind == "activity.assigned")
        )
        assert told == 4  # the three families (王小明 has two guardians)
        bad = await client.post(url, json={"seed": "7"}, headers=auth(campus.admin))
        assert bad.status_code == 422

    async def test_a_first_come_term_has_no_draw(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        url = f"/terms/{campus.term.id}/allocate-activities"
        response = await client.post(url, json={"seed": 1}, headers=auth(campus.admin))
        assert response.status_code == 409


class TestFollowsTheRoster:
    async def test_a_child_absent_from_an_activity_gets_one_notice(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        await choose(client, session, campus.student, made["id"])
        payload = {
            "group_id": made["id"],
            "slot_id": str(campus.activity.id),
            "date": TODAY.isoformat(),
            "marks": [{"student_id": str(campus.student.id), "status": "absent"}],
        }
        for _ in range(2):
            response = await client.post(
                "/attendance/roll-calls", json=payload, headers=auth(campus.other_teacher)
            )
            assert response.status_code == 200, response.text
        alerts = await session.scalars(
            select(Notification).where(
                Notification.kind == "attendance.absent",
                Notification.user_id == campus.mother.id,
            )
        )
        assert len(list(alerts)) == 1
        # the class group's roll call that day does not list the child
        wrong = {**payload, "group_id": str(campus.activity_group.id)}
        response = await client.post(
            "/attendance/roll-calls", json=wrong, headers=auth(campus.leader)
        )
        assert response.status_code == 422

    async def test_the_timetable_shows_the_week_with_leave_and_closures(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        await choose(client, session, campus.student, made["id"])
        await create_leave(session, campus.student, campus.term, THURSDAY, THURSDAY)
        await session.commit()
        year, week, _ = TODAY.isocalendar()
        response = await client.get(
            f"/students/{campus.student.id}/timetable",
            params={"week": f"{year}-W{week:02d}"},
            headers=auth(campus.mother),
        )
        assert response.status_code == 200, response.text
        days = {d["date"]: d for d in response.json()["items"]}
        assert len(days) == 5
        tuesday = {s["slot_name"]: s for s in days[TODAY.isoformat()]["slots"]}
        assert tuesday["课后活动"]["group_name"] == "篮球社"
        assert tuesday["课后活动"]["venue"] == "操场篮球场"
        assert tuesday["课后活动"]["start_time"] == "15:30"
        wednesday = {s["slot_name"]: s for s in days[WEDNESDAY.isoformat()]["slots"]}
        assert wednesday["课后活动"]["group_id"] == str(campus.activity_group.id)
        assert all(s["on_leave"] for s in days[THURSDAY.isoformat()]["slots"])
        year, week, _ = QINGMING.isocalendar()
        closed = await client.get(
            f"/students/{campus.student.id}/timetable",
            params={"week": f"{year}-W{week:02d}"},
            headers=auth(campus.mother),
        )
        assert closed.json()["items"][0] == {
            "date": QINGMING.isoformat(),
            "closed": True,
            "slots": [],
        }
        bad = await client.get(
            f"/students/{campus.student.id}/timetable",
            params={"week": "2026-13"},
            headers=auth(campus.mother),
        )
        assert bad.status_code == 422

    async def test_quality_check_lists_children_without_a_weekly_activity(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        homework = await make_activity(
            client, campus, "作业辅导", weekdays=[1, 3], category="homework"
        )
        other = await campus.add_child(session)
        await session.commit()
        await choose(client, session, campus.student, made["id"])
        await choose(client, session, other, homework["id"])
        response = await client.get(
            "/stats/quality-activities",
            params={"term_id": str(campus.term.id)},
            headers=auth(campus.admin),
        )
        assert response.status_code == 200, response.text
        assert [i["student_id"] for i in response.json()["items"]] == [str(other.id)]
        assert response.json()["items"][0]["per_week"] == 0
        refused = await client.get(
            "/stats/quality-activities",
            params={"term_id": str(campus.term.id)},
            headers=auth(campus.leader),
        )
        assert refused.status_code == 403


class TestWalls:
    async def test_other_families_and_schools_get_404(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        other = await campus.add_child(session)
        _, stranger_admin = await create_other_school(session)
        await session.commit()
        other_parent = await guardian_of(session, other)
        mine = await enrollment_of(session, campus.student)
        body = {"choices": [{"activity_id": made["id"], "rank": 1}]}
        response = await client.put(
            f"/enrollments/{mine.id}/activities", json=body, headers=auth(other_parent)
        )
        assert response.status_code == 404
        assert made["id"] not in response.text
        response = await client.put(
            f"/enrollments/{mine.id}/activities", json=body, headers=auth(campus.admin)
        )
        assert response.status_code == 403
        response = await client.get(
            "/activities",
            params={"term_id": str(campus.term.id), "student_id": str(campus.student.id)},
            headers=auth(other_parent),
        )
        assert response.status_code == 404
        response = await client.get(
            "/activities", params={"term_id": str(campus.term.id)}, headers=auth(stranger_admin)
        )
        assert response.status_code == 404
        response = await client.get(
            f"/students/{campus.student.id}/timetable",
            params={"week": "2027-W10"},
            headers=auth(stranger_admin),
        )
        assert response.status_code == 404
        response = await client.post(
            f"/terms/{campus.term.id}/allocate-activities",
            json={"seed": 1},
            headers=auth(stranger_admin),
        )
        assert response.status_code == 404
        response = await client.put(
            f"/enrollments/{mine.id}/activities",
            json={"choices": [{"activity_id": made["id"], "rank": "1"}]},
            headers=auth(campus.mother),
        )
        assert response.status_code == 422
        district = await create_user(session, roles=[Role.DISTRICT_ADMIN])
        await session.commit()
        response = await client.get(
            "/activities", params={"term_id": str(campus.term.id)}, headers=auth(district)
        )
        assert response.status_code == 404  # the district reads counts, not a school's lists
        response = await client.get(
            "/activities", params={"term_id": str(campus.term.id)}, headers=auth(campus.mother)
        )
        assert response.status_code == 422  # a family names its child


class TestSeats:
    async def test_two_families_racing_for_the_last_seat_get_one_each_answer(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        import asyncio

        made = await make_activity(client, campus, capacity=1)
        rival = await campus.add_child(session)
        await session.commit()
        answers = await asyncio.gather(
            choose(client, session, campus.student, made["id"]),
            choose(client, session, rival, made["id"]),
        )
        statuses = sorted(a.json()["items"][0]["status"] for a in answers)
        assert statuses == ["assigned", "waitlisted"]

    async def test_a_capacity_raised_serves_the_waitlist(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus, capacity=1)
        rival = await campus.add_child(session)
        await session.commit()
        await choose(client, session, campus.student, made["id"])
        await choose(client, session, rival, made["id"])
        patched = await client.patch(
            f"/groups/{made['id']}", json={"capacity": 2}, headers=auth(campus.admin)
        )
        assert patched.status_code == 200, patched.text
        got = await client.get(
            f"/enrollments/{(await enrollment_of(session, rival)).id}/activities",
            headers=auth(await guardian_of(session, rival)),
        )
        assert got.json()["items"][0]["status"] == "assigned"
        assert str(rival.id) in await roster_ids(client, campus, made["id"], THURSDAY)


class TestLedgerFollows:
    async def test_the_ledger_counts_the_child_where_the_roster_puts_them(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await make_activity(client, campus)
        await choose(client, session, campus.student, made["id"])

        async def lines(day) -> dict[str, dict]:
            response = await client.get(
                "/ledger/daily", params={"date": day.isoformat()}, headers=auth(campus.admin)
            )
            assert response.status_code == 200, response.text
            return {line["group_id"]: line for line in response.json()["items"]}

        tuesday = await lines(TODAY)
        assert tuesday[made["id"]]["kind"] == "activity"
        assert tuesday[made["id"]]["total"] == 1
        assert tuesday[str(campus.activity_group.id)]["total"] == 0
        wednesday = await lines(WEDNESDAY)
        assert made["id"] not in wednesday  # the club does not meet on Wednesdays
        assert wednesday[str(campus.activity_group.id)]["total"] == 1
