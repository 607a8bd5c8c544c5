"""Outside staff: employment and vetting (资格审查), school assistants for their groups,
expired vetting stopping roll calls and check-ins, and the 30-day warning to admins."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.notifications.models import Notification
from app.staff import service as staff
from app.staff.models import StaffVetting
from tests.attendance.factories import TODAY, Campus, build_campus
from tests.core.test_problems import assert_problem
from tests.factories import auth, create_other_school, create_user
from tests.staff.factories import create_outside_staff

VETTING = {
    "organisation": "阳光体育培训中心",
    "checked_at": "2026-08-20",
    "certificate_no": "SY-2026-0815",
    "valid_until": "2027-08-19",
}


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


def _member(**overrides: object) -> dict:
    return {
        "username": "coach_zhao",
        "password": "Kehou-2026-coach",
        "name": "赵教练",
        "roles": ["teacher"],
        **overrides,
    }


class TestStaffWithVetting:
    async def test_external_staff_are_created_with_their_vetting(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await client.post(
            "/staff",
            json=_member(employment="external", vetting=VETTING),
            headers=auth(campus.admin),
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["employment"] == "external"
        assert body["vetting"] == VETTING
        read = await client.get(f"/staff/{body['id']}", headers=auth(campus.admin))
        assert read.json()["vetting"] == VETTING
        # School staff by default, without a vetting record.
        plain = await client.post(
            "/staff", json=_member(username="teacher_li"), headers=auth(campus.admin)
        )
        assert (plain.json()["employment"], plain.json()["vetting"]) == ("school", None)

    @pytest.mark.parametrize(
        ("extra", "code"),
        [
            ({"employment": "volunteer"}, "staff.vetting_required"),
            ({"employment": "school", "vetting": VETTING}, "staff.vetting_not_outside"),
        ],
    )
    async def test_vetting_goes_with_outside_staff_only(
        self, client: httpx.AsyncClient, campus: Campus, extra: dict, code: str
    ) -> None:
        response = await client.post("/staff", json=_member(**extra), headers=auth(campus.admin))
        assert_problem(response, 422, code)

    @pytest.mark.parametrize(
        "vetting",
        [
            {**VETTING, "valid_until": "2026-01-01"},  # before checked_at
            {**VETTING, "checked_at": "2026-13-01"},
            {k: v for k, v in VETTING.items() if k != "certificate_no"},
            {**VETTING, "extra": 1},
        ],
    )
    async def test_a_bad_vetting_is_422(
        self, client: httpx.AsyncClient, campus: Campus, vetting: dict
    ) -> None:
        response = await client.post(
            "/staff",
            json=_member(employment="external", vetting=vetting),
            headers=auth(campus.admin),
        )
        assert_problem(response, 422, "validation.invalid")

    async def test_patch_renews_the_vetting(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        coach = await create_outside_staff(
            session, campus.school, valid_until=TODAY - timedelta(days=1)
        )
        await session.commit()
        renewed = {**VETTING, "valid_until": (TODAY + timedelta(days=365)).isoformat()}
        response = await client.patch(
            f"/staff/{coach.id}", json={"vetting": renewed}, headers=auth(campus.admin)
        )
        assert response.status_code == 200, response.text
        assert response.json()["vetting"] == renewed
        # School staff have nothing to renew.
        refused = await client.patch(
            f"/staff/{campus.leader.id}", json={"vetting": renewed}, headers=auth(campus.admin)
        )
        assert_problem(refused, 422, "staff.vetting_not_outside")


class TestGroupsLedByOutsideStaff:
    def _group(self, campus: Campus, leader_id: object, **extra: object) -> dict:
        return {
            "term_id": str(campus.term.id),
            "slot_id": str(campus.evening.id),
            "name": "篮球队",
            "leader_id": str(leader_id),
            "class_ids": [],
            **extra,
        }

    async def test_an_outside_leader_needs_a_school_assistant(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        coach = await create_outside_staff(
            session, campus.school, valid_until=TODAY + timedelta(days=200)
        )
        volunteer = await create_outside_staff(
            session, campus.school, valid_until=TODAY + timedelta(days=200), employment="volunteer"
        )
        await session.commit()
        alone = await client.post(
            "/groups", json=self._group(campus, coach.id), headers=auth(campus.admin)
        )
        assert_problem(alone, 422, "group.assistant_required")
        outside_assistant = await client.post(
            "/groups",
            json=self._group(campus, coach.id, assistant_id=str(volunteer.id)),
            headers=auth(campus.admin),
        )
        assert_problem(outside_assistant, 422, "group.assistant_not_school_staff")
        made = await client.post(
            "/groups",
            json=self._group(campus, coach.id, assistant_id=str(campus.other_teacher.id)),
            headers=auth(campus.admin),
        )
        assert made.status_code == 201, made.text
        assert made.json()["assistant_id"] == str(campus.other_teacher.id)
        # The assistant cannot be taken away while an outside coach leads.
        cleared = await client.patch(
            f"/groups/{made.json()['id']}", json={"assistant_id": None}, headers=auth(campus.admin)
        )
        assert_problem(cleared, 422, "group.assistant_required")

    async def test_an_assistant_of_another_school_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        other_school, _ = await create_other_school(session)
        stranger = await create_user(session, roles=[Role.TEACHER], school=other_school)
        await session.commit()
        response = await client.post(
            "/groups",
            json=self._group(campus, campus.leader.id, assistant_id=str(stranger.id)),
            headers=auth(campus.admin),
        )
        assert_problem(response, 422, "staff.not_teacher")


class TestExpiredVetting:
    async def test_expired_vetting_stops_roll_call_and_check_in(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        coach = await create_outside_staff(
            session, campus.school, valid_until=TODAY - timedelta(days=1)
        )
        campus.evening_group.leader_id = coach.id
        campus.evening_group.assistant_id = campus.other_teacher.id
        await session.commit()
        roll = {
            "group_id": str(campus.evening_group.id),
            "slot_id": str(campus.evening.id),
            "date": TODAY.isoformat(),
            "marks": [{"student_id": str(campus.student.id), "status": "present"}],
        }
        refused = await client.post("/attendance/roll-calls", json=roll, headers=auth(coach))
        assert_problem(refused, 403, "staff.vetting_expired")
        check_in = {k: roll[k] for k in ("group_id", "slot_id", "date")}
        refused = await client.post("/staff-check-ins", json=check_in, headers=auth(coach))
        assert_problem(refused, 403, "staff.vetting_expired")
        # The school assistant takes the roll instead.
        taken = await client.post(
            "/attendance/roll-calls", json=roll, headers=auth(campus.other_teacher)
        )
        assert taken.status_code == 200, taken.text

    async def test_vetting_holds_through_its_last_day(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        coach = await create_outside_staff(session, campus.school, valid_until=TODAY)
        campus.evening_group.leader_id = coach.id
        campus.evening_group.assistant_id = campus.other_teacher.id
        await session.commit()
        response = await client.post(
            "/staff-check-ins",
            json={
                "group_id": str(campus.evening_group.id),
                "slot_id": str(campus.evening.id),
                "date": TODAY.isoformat(),
            },
            headers=auth(coach),
        )
        assert response.status_code == 201, response.text


class TestExpiryWarning:
    async def test_admins_are_warned_30_days_ahead_once(
        self, session: AsyncSession, campus: Campus
    ) -> None:
        soon = await create_outside_staff(
            session, campus.school, valid_until=TODAY + timedelta(days=30)
        )
        await create_outside_staff(
            session, campus.school, valid_until=TODAY + timedelta(days=31), name="钱志愿"
        )
        _, other_admin = await create_other_school(session)
        await session.commit()
        now = datetime.combine(TODAY, time(1, 0), tzinfo=UTC)  # 09:00 in Shanghai

        assert await staff.warn_expiring(session, now) == 1
        assert await staff.warn_expiring(session, now + timedelta(hours=1)) == 0
        notices = (
            await session.scalars(
                select(Notification).where(Notification.kind == "staff.vetting_expiring")
            )
        ).all()
        assert [(n.user_id, n.data["staff_id"]) for n in notices] == [
            (campus.admin.id, str(soon.id))
        ]
        assert "赵教练" in notices[0].title
        assert (TODAY + timedelta(days=30)).isoformat() in notices[0].body
        assert other_admin.id not in {n.user_id for n in notices}

        # A renewal to a new date is warned about again when that one comes near.
        later = TODAY + timedelta(days=90)
        vetting = await session.get(StaffVetting, soon.id)
        assert vetting is not None
        vetting.valid_until = later
        await session.commit()
        assert await staff.warn_expiring(session, now + timedelta(days=60)) == 1
