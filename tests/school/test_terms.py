"""Terms (weekdays, closures, agreement version) and their slots (ordered, never overlapping)."""

from __future__ import annotations

import asyncio
from datetime import date, time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.audit import AuditEvent
from app.school.models import Slot, Term
from tests.core.test_problems import assert_problem
from tests.factories import (
    auth,
    create_class,
    create_enrollment,
    create_group,
    create_slot,
    create_student,
    create_term,
    link_guardian,
    random_id,
)
from tests.school.conftest import NOT_ADMINS, Cast

TERM = {
    "name": "2025年秋季学期",
    "start_date": "2025-09-01",
    "end_date": "2026-01-16",
    "weekdays": [1, 2, 3, 4, 5],
    "closures": ["2025-10-01", "2025-10-02"],
    "agreement_text": "课后服务安全责任书（第一版）",
}


class TestCreateTerm:
    async def test_admin_creates_a_term_at_version_1(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        response = await client.post("/terms", json=TERM, headers=cast.headers("admin"))
        assert response.status_code == 201
        body = response.json()
        assert body["agreement_version"] == 1
        assert body["weekdays"] == [1, 2, 3, 4, 5]
        assert body["closures"] == ["2025-10-01", "2025-10-02"]
        term = await session.get(Term, body["id"])
        assert term is not None and term.school_id == cast.school.id
        assert (
            await session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == term.id))
            == "term.created"
        )

    async def test_weekdays_and_closures_are_sets(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        body = {
            **TERM,
            "weekdays": [5, 1, 3, 1],
            "closures": ["2025-10-02", "2025-10-01", "2025-10-02"],
        }
        response = await client.post("/terms", json=body, headers=cast.headers("admin"))
        assert response.json()["weekdays"] == [1, 3, 5]
        assert response.json()["closures"] == ["2025-10-01", "2025-10-02"]

    async def test_a_weekend_service_is_allowed(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.post(
            "/terms", json={**TERM, "weekdays": [6, 7]}, headers=cast.headers("admin")
        )
        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("change", "field", "code"),
        [
            ({"end_date": "2025-08-31"}, "end_date", "term.dates_unordered"),
            ({"end_date": "2027-09-01"}, "end_date", "term.too_long"),
            ({"closures": ["2025-08-31"]}, "closures.0", "term.closure_outside"),
            ({"closures": ["2025-09-01", "2026-01-17"]}, "closures.1", "term.closure_outside"),
            ({"weekdays": []}, "weekdays", "validation.invalid"),
            ({"weekdays": [0, 1]}, "weekdays.0", "validation.invalid"),
            ({"weekdays": [8]}, "weekdays.0", "validation.invalid"),
            ({"weekdays": ["1"]}, "weekdays.0", "validation.invalid"),
            ({"start_date": "2025-13-01"}, "start_date", "validation.invalid"),
            ({"start_date": "01/09/2025"}, "start_date", "validation.invalid"),
            ({"start_date": 1756684800}, "start_date", "validation.invalid"),
            ({"closures": ["someday"]}, "closures.0", "validation.invalid"),
            ({"agreement_text": ""}, "agreement_text", "validation.invalid"),
            ({"agreement_text": "字" * 20_001}, "agreement_text", "validation.invalid"),
            ({"name": "x" * 101}, "name", "validation.invalid"),
            ({"agreement_version": 3}, "agreement_version", "validation.invalid"),
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, cast: Cast, change: dict, field: str, code: str
    ) -> None:
        response = await client.post(
            "/terms", json={**TERM, **change}, headers=cast.headers("admin")
        )
        problem = assert_problem(response, 422, code)
        assert field in {e["field"] for e in problem["errors"]}

    async def test_missing_fields_are_422(self, client: httpx.AsyncClient, cast: Cast) -> None:
        problem = assert_problem(
            await client.post("/terms", json={"name": "x"}, headers=cast.headers("admin")),
            422,
            "validation.invalid",
        )
        assert {"start_date", "end_date", "weekdays", "agreement_text"} <= {
            e["field"] for e in problem["errors"]
        }

    @pytest.mark.parametrize("who", NOT_ADMINS)
    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, cast: Cast, who: str
    ) -> None:
        assert_problem(
            await client.post("/terms", json=TERM, headers=cast.headers(who)), 403, "auth.forbidden"
        )


class TestReadTerms:
    async def test_staff_list_their_schools_terms_newest_first(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        spring = await create_term(
            session, cast.school, start_date=date(2026, 2, 16), end_date=date(2026, 6, 30)
        )
        autumn = await create_term(session, cast.school)
        await create_term(session, cast.other_school)
        await session.commit()
        for who in ("admin", "teacher", "duty"):
            response = await client.get("/terms", headers=cast.headers(who))
            assert [t["id"] for t in response.json()["items"]] == [str(spring.id), str(autumn.id)]

    async def test_pages_follow_the_cursor(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        for year in range(2020, 2025):
            await create_term(
                session, cast.school, start_date=date(year, 9, 1), end_date=date(year + 1, 1, 15)
            )
        await session.commit()
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/terms", params=params, headers=cast.headers("admin"))).json()
            seen += [t["start_date"] for t in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [f"{y}-09-01" for y in range(2024, 2019, -1)]

    async def test_bad_paging_is_422(self, client: httpx.AsyncClient, cast: Cast) -> None:
        headers = cast.headers("admin")
        assert_problem(
            await client.get("/terms?limit=201", headers=headers), 422, "validation.invalid"
        )
        assert_problem(
            await client.get("/terms?cursor=forged.abc", headers=headers),
            422,
            "pagination.cursor_invalid",
        )

    async def test_a_parent_sees_the_terms_of_their_childs_school_only(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        other_term = await create_term(session, cast.other_school)
        await link_guardian(
            session,
            cast.parent,
            await create_student(session, await create_class(session, cast.school)),
        )
        await session.commit()
        headers = cast.headers("parent")
        listed = (await client.get("/terms", headers=headers)).json()["items"]
        assert [t["id"] for t in listed] == [str(term.id)]
        assert (await client.get(f"/terms/{term.id}", headers=headers)).json()[
            "agreement_version"
        ] == 1
        assert_problem(
            await client.get(f"/terms/{other_term.id}", headers=headers), 404, "term.not_found"
        )

    async def test_a_parent_without_children_sees_no_terms(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        assert (await client.get("/terms", headers=cast.headers("parent"))).json() == {
            "items": [],
            "next_cursor": None,
        }
        assert_problem(
            await client.get(f"/terms/{term.id}", headers=cast.headers("parent")),
            404,
            "term.not_found",
        )

    async def test_another_schools_term_is_404(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(
                method,
                f"/terms/{term.id}",
                headers=cast.headers("other_admin"),
                json={} if method == "PATCH" else None,
            )
            problem = assert_problem(response, 404, "term.not_found")
            assert str(term.id) not in response.text and term.name not in problem["detail"]

    async def test_unknown_and_malformed_ids(self, client: httpx.AsyncClient, cast: Cast) -> None:
        headers = cast.headers("admin")
        assert_problem(
            await client.get(f"/terms/{random_id()}", headers=headers), 404, "term.not_found"
        )
        assert_problem(
            await client.get("/terms/not-a-uuid", headers=headers), 422, "validation.invalid"
        )


class TestUpdateTerm:
    async def test_agreement_version_bumps_only_when_the_text_changes(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school, agreement_text="第一版")
        await session.commit()
        url, headers = f"/terms/{term.id}", cast.headers("admin")
        same = await client.patch(
            url, json={"agreement_text": " 第一版 ", "name": "秋季"}, headers=headers
        )
        assert same.json()["agreement_version"] == 1
        assert same.json()["name"] == "秋季"
        bumped = await client.patch(url, json={"agreement_text": "第二版"}, headers=headers)
        assert bumped.status_code == 200
        assert bumped.json()["agreement_version"] == 2
        assert bumped.json()["agreement_text"] == "第二版"
        other = await client.patch(url, json={"closures": ["2025-10-01"]}, headers=headers)
        assert other.json()["agreement_version"] == 2
        events = (
            await session.scalars(
                select(AuditEvent.data)
                .where(AuditEvent.action == "term.updated")
                .order_by(AuditEvent.created_at)
            )
        ).all()
        assert {"agreement_version": [1, 2]} in [e["changes"] for e in events]

    async def test_concurrent_text_changes_bump_twice(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        headers = cast.headers("admin")
        await asyncio.gather(
            client.patch(f"/terms/{term.id}", json={"agreement_text": "版本甲"}, headers=headers),
            client.patch(f"/terms/{term.id}", json={"agreement_text": "版本乙"}, headers=headers),
        )
        assert (await client.get(f"/terms/{term.id}", headers=headers)).json()[
            "agreement_version"
        ] == 3

    @pytest.mark.parametrize(
        ("body", "field", "code"),
        [
            ({"end_date": "2025-08-01"}, "end_date", "term.dates_unordered"),
            ({"start_date": "2025-10-05"}, "closures.0", "term.closure_outside"),  # 10-01 falls out
            ({"weekdays": None}, "weekdays", "validation.invalid"),
            ({"agreement_text": None}, "agreement_text", "validation.invalid"),
            ({"agreement_version": 9}, "agreement_version", "validation.invalid"),
        ],
    )
    async def test_bad_changes_are_422(
        self,
        client: httpx.AsyncClient,
        cast: Cast,
        session: AsyncSession,
        body: dict,
        field: str,
        code: str,
    ) -> None:
        term = await create_term(session, cast.school, closures=[date(2025, 10, 1)])
        await session.commit()
        response = await client.patch(f"/terms/{term.id}", json=body, headers=cast.headers("admin"))
        problem = assert_problem(response, 422, code)
        assert field in {e["field"] for e in problem["errors"]}

    async def test_weekdays_chosen_by_open_enrollments_cannot_be_removed(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        student = await create_student(session, await create_class(session, cast.school))
        await create_enrollment(session, student, term, [], weekdays=[1, 5])
        await session.commit()
        url, headers = f"/terms/{term.id}", cast.headers("admin")
        assert_problem(
            await client.patch(url, json={"weekdays": [1, 2, 3, 4]}, headers=headers),
            409,
            "term.weekdays_in_use",
        )
        assert (
            await client.patch(url, json={"weekdays": [1, 3, 5]}, headers=headers)
        ).status_code == 200

    @pytest.mark.parametrize("who", NOT_ADMINS)
    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession, who: str
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        assert_problem(
            await client.patch(f"/terms/{term.id}", json={"name": "x"}, headers=cast.headers(who)),
            403,
            "auth.forbidden",
        )
        assert_problem(
            await client.delete(f"/terms/{term.id}", headers=cast.headers(who)),
            403,
            "auth.forbidden",
        )


class TestDeleteTerm:
    async def test_an_empty_term_is_deleted(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        assert (
            await client.delete(f"/terms/{term.id}", headers=cast.headers("admin"))
        ).status_code == 204
        assert_problem(
            await client.get(f"/terms/{term.id}", headers=cast.headers("admin")),
            404,
            "term.not_found",
        )

    async def test_a_term_with_slots_is_409(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await create_slot(session, term)
        await session.commit()
        assert_problem(
            await client.delete(f"/terms/{term.id}", headers=cast.headers("admin")),
            409,
            "term.has_slots",
        )

    async def test_a_term_with_enrollments_is_409_even_closed_ones(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        student = await create_student(session, await create_class(session, cast.school))
        await create_enrollment(session, student, term, [], weekdays=[1], status="withdrawn")
        await session.commit()
        assert_problem(
            await client.delete(f"/terms/{term.id}", headers=cast.headers("admin")),
            409,
            "term.has_enrollments",
        )


SLOT = {"name": "课后活动", "start_time": "15:30", "end_time": "16:30", "capacity": 120}


class TestSlots:
    async def test_admin_creates_slots_and_everyone_in_reach_lists_them_in_time_order(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await link_guardian(
            session,
            cast.parent,
            await create_student(session, await create_class(session, cast.school)),
        )
        await session.commit()
        headers = cast.headers("admin")
        late = await client.post(
            "/slots",
            json={
                "term_id": str(term.id),
                "name": "晚托",
                "start_time": "16:30",
                "end_time": "18:00",
                "capacity": None,
            },
            headers=headers,
        )
        assert late.status_code == 201
        assert late.json()["capacity"] is None
        early = await client.post("/slots", json={"term_id": str(term.id), **SLOT}, headers=headers)
        assert early.status_code == 201
        assert early.json() | {"id": None, "created_at": None} == {
            "id": None,
            "created_at": None,
            "term_id": str(term.id),
            "fee_fen": 0,
            **SLOT,
        }
        for who in ("admin", "teacher", "duty", "parent"):
            listed = await client.get(f"/slots?term_id={term.id}", headers=cast.headers(who))
            assert [s["name"] for s in listed.json()["items"]] == ["课后活动", "晚托"], who
            assert listed.json()["next_cursor"] is None
        one = await client.get(f"/slots/{early.json()['id']}", headers=cast.headers("parent"))
        assert one.json()["start_time"] == "15:30"

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            ("15:00", "15:31"),
            ("16:29", "17:00"),
            ("15:45", "16:00"),
            ("15:00", "17:00"),
            ("15:30", "16:30"),
        ],
    )
    async def test_overlapping_slots_of_a_term_are_409(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession, start: str, end: str
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        headers = cast.headers("admin")
        await client.post("/slots", json={"term_id": str(term.id), **SLOT}, headers=headers)
        response = await client.post(
            "/slots",
            json={
                "term_id": str(term.id),
                **SLOT,
                "name": "x",
                "start_time": start,
                "end_time": end,
            },
            headers=headers,
        )
        problem = assert_problem(response, 409, "slot.overlaps")
        assert "课后活动" in problem["detail"] and "15:30–16:30" in problem["detail"]

    async def test_adjacent_slots_and_other_terms_do_not_overlap(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        other_term = await create_term(
            session, cast.school, start_date=date(2026, 2, 16), end_date=date(2026, 6, 30)
        )
        await session.commit()
        headers = cast.headers("admin")
        await client.post("/slots", json={"term_id": str(term.id), **SLOT}, headers=headers)
        adjacent = {
            "term_id": str(term.id),
            "name": "晚托",
            "start_time": "16:30",
            "end_time": "18:00",
        }
        assert (await client.post("/slots", json=adjacent, headers=headers)).status_code == 201
        same_time_other_term = {"term_id": str(other_term.id), **SLOT}
        assert (
            await client.post("/slots", json=same_time_other_term, headers=headers)
        ).status_code == 201

    async def test_two_overlapping_slots_created_at_once_leave_one(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        headers = cast.headers("admin")
        responses = await asyncio.gather(
            client.post("/slots", json={"term_id": str(term.id), **SLOT}, headers=headers),
            client.post(
                "/slots",
                json={"term_id": str(term.id), **SLOT, "start_time": "16:00", "end_time": "17:00"},
                headers=headers,
            ),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        assert await session.scalar(select(func.count()).select_from(Slot)) == 1

    @pytest.mark.parametrize(
        ("change", "field", "code"),
        [
            ({"end_time": "15:30"}, "end_time", "slot.times_unordered"),
            ({"end_time": "15:00"}, "end_time", "slot.times_unordered"),
            ({"start_time": "25:00"}, "start_time", "validation.invalid"),
            ({"start_time": "3:30"}, "start_time", "validation.invalid"),
            ({"start_time": "15:30:00"}, "start_time", "validation.invalid"),
            ({"start_time": 930}, "start_time", "validation.invalid"),
            ({"capacity": 0}, "capacity", "validation.invalid"),
            ({"capacity": -5}, "capacity", "validation.invalid"),
            ({"capacity": 1.5}, "capacity", "validation.invalid"),
            ({"capacity": "10"}, "capacity", "validation.invalid"),
            ({"term_id": "nope"}, "term_id", "validation.invalid"),
            ({"name": ""}, "name", "validation.invalid"),
        ],
    )
    async def test_bad_slots_are_422(
        self,
        client: httpx.AsyncClient,
        cast: Cast,
        session: AsyncSession,
        change: dict,
        field: str,
        code: str,
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        body = {"term_id": str(term.id), **SLOT, **change}
        problem = assert_problem(
            await client.post("/slots", json=body, headers=cast.headers("admin")), 422, code
        )
        assert field in {e["field"] for e in problem["errors"]}

    async def test_an_unknown_or_foreign_term_is_422(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        foreign = await create_term(session, cast.other_school)
        await session.commit()
        for term_id in (random_id(), str(foreign.id)):
            response = await client.post(
                "/slots", json={"term_id": term_id, **SLOT}, headers=cast.headers("admin")
            )
            problem = assert_problem(response, 422, "term.not_found")
            assert problem["errors"][0]["field"] == "term_id"
            listed = await client.get(f"/slots?term_id={term_id}", headers=cast.headers("admin"))
            assert_problem(listed, 422, "term.not_found")
        assert_problem(
            await client.get("/slots", headers=cast.headers("admin")), 422, "validation.invalid"
        )

    async def test_patch_checks_order_and_overlap_but_not_against_itself(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        slot = await create_slot(session, term, start=time(15, 30), end=time(16, 30))
        await create_slot(session, term, start=time(16, 30), end=time(18, 0))
        await session.commit()
        url, headers = f"/slots/{slot.id}", cast.headers("admin")
        moved = await client.patch(
            url, json={"start_time": "15:00", "capacity": None}, headers=headers
        )
        assert moved.status_code == 200
        assert moved.json()["start_time"] == "15:00" and moved.json()["end_time"] == "16:30"
        assert_problem(
            await client.patch(url, json={"end_time": "17:00"}, headers=headers),
            409,
            "slot.overlaps",
        )
        assert_problem(
            await client.patch(url, json={"end_time": "14:00"}, headers=headers),
            422,
            "slot.times_unordered",
        )
        assert_problem(
            await client.patch(url, json={"term_id": str(term.id)}, headers=headers),
            422,
            "validation.invalid",
        )
        assert (await client.patch(url, json={"capacity": 30}, headers=headers)).json()[
            "capacity"
        ] == 30

    async def test_walls(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        slot = await create_slot(session, term)
        await session.commit()
        for who in NOT_ADMINS:
            headers = cast.headers(who)
            assert_problem(
                await client.post(
                    "/slots", json={"term_id": str(term.id), **SLOT}, headers=headers
                ),
                403,
                "auth.forbidden",
            )
            assert_problem(
                await client.patch(f"/slots/{slot.id}", json={"name": "x"}, headers=headers),
                403,
                "auth.forbidden",
            )
            assert_problem(
                await client.delete(f"/slots/{slot.id}", headers=headers), 403, "auth.forbidden"
            )
        # a parent without a child at the school, and another school's staff, find nothing
        assert_problem(
            await client.get(f"/slots/{slot.id}", headers=cast.headers("parent")),
            404,
            "slot.not_found",
        )
        for who in ("other_admin", "other_teacher"):
            headers = cast.headers(who)
            assert_problem(
                await client.get(f"/slots/{slot.id}", headers=headers), 404, "slot.not_found"
            )
            assert_problem(
                await client.get(f"/slots?term_id={term.id}", headers=headers),
                422,
                "term.not_found",
            )
        other = cast.headers("other_admin")
        assert_problem(
            await client.patch(f"/slots/{slot.id}", json={"name": "x"}, headers=other),
            404,
            "slot.not_found",
        )
        assert_problem(
            await client.delete(f"/slots/{slot.id}", headers=other), 404, "slot.not_found"
        )


class TestDeleteRaces:
    async def test_a_slot_created_while_its_term_is_deleted_is_never_lost(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        await session.commit()
        headers = cast.headers("admin")
        created, deleted = await asyncio.gather(
            client.post("/slots", json={"term_id": str(term.id), **SLOT}, headers=headers),
            client.delete(f"/terms/{term.id}", headers=headers),
        )
        outcome = (created.status_code, deleted.status_code)
        assert outcome in {(201, 409), (422, 204)}
        slots = await session.scalar(select(func.count()).select_from(Slot))
        assert slots == (1 if created.status_code == 201 else 0)


class TestDeleteSlot:
    async def test_an_unused_slot_is_deleted(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        slot = await create_slot(session, await create_term(session, cast.school))
        await session.commit()
        assert (
            await client.delete(f"/slots/{slot.id}", headers=cast.headers("admin"))
        ).status_code == 204
        assert await session.scalar(select(Slot.id).where(Slot.id == slot.id)) is None

    async def test_a_slot_with_groups_is_409(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        slot = await create_slot(session, await create_term(session, cast.school))
        await create_group(session, slot)
        await session.commit()
        assert_problem(
            await client.delete(f"/slots/{slot.id}", headers=cast.headers("admin")),
            409,
            "slot.has_groups",
        )

    async def test_a_slot_chosen_by_enrollments_is_409(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        term = await create_term(session, cast.school)
        slot = await create_slot(session, term)
        student = await create_student(session, await create_class(session, cast.school))
        await create_enrollment(session, student, term, [slot], weekdays=[1])
        await session.commit()
        assert_problem(
            await client.delete(f"/slots/{slot.id}", headers=cast.headers("admin")),
            409,
            "slot.has_enrollments",
        )


class TestTermsDoNotOverlap:
    SPRING = {
        **TERM,
        "name": "2026年春季学期",
        "start_date": "2026-02-23",
        "end_date": "2026-07-03",
        "closures": [],
    }

    async def test_a_term_sharing_a_day_with_another_is_409_on_create(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        headers = cast.headers("admin", language="en")
        assert (await client.post("/terms", json=TERM, headers=headers)).status_code == 201
        clash = {**self.SPRING, "start_date": "2026-01-16"}  # the autumn term's last day
        response = await client.post("/terms", json=clash, headers=headers)
        assert_problem(response, 409, "term.overlaps")
        assert "2025年秋季学期" in response.json()["detail"]
        inside = {**TERM, "start_date": "2025-10-08", "end_date": "2025-10-31", "closures": []}
        assert_problem(
            await client.post("/terms", json=inside, headers=headers), 409, "term.overlaps"
        )
        listed = await client.get("/terms", headers=headers)
        assert [t["name"] for t in listed.json()["items"]] == ["2025年秋季学期"]

    async def test_the_next_day_and_another_schools_dates_are_free(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        await client.post("/terms", json=TERM, headers=cast.headers("admin"))
        next_day = {**self.SPRING, "start_date": "2026-01-17"}
        assert (
            await client.post("/terms", json=next_day, headers=cast.headers("admin"))
        ).status_code == 201
        other = await client.post("/terms", json=TERM, headers=auth(cast.other_admin))
        assert other.status_code == 201

    async def test_moving_a_term_onto_another_is_409_and_a_term_never_clashes_with_itself(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        headers = cast.headers("admin")
        await client.post("/terms", json=TERM, headers=headers)
        spring = (await client.post("/terms", json=self.SPRING, headers=headers)).json()
        moved = await client.patch(
            f"/terms/{spring['id']}", json={"start_date": "2026-01-10"}, headers=headers
        )
        assert_problem(moved, 409, "term.overlaps")
        read = await client.get(f"/terms/{spring['id']}", headers=headers)
        assert read.json()["start_date"] == "2026-02-23"
        shorter = await client.patch(
            f"/terms/{spring['id']}", json={"end_date": "2026-06-30"}, headers=headers
        )
        assert shorter.status_code == 200

    async def test_two_overlapping_terms_created_at_once_leave_one(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        headers = cast.headers("admin")
        responses = await asyncio.gather(
            client.post("/terms", json=TERM, headers=headers),
            client.post("/terms", json={**TERM, "name": "重复学期"}, headers=headers),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
