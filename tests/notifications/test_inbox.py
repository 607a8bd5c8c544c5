"""GET /notifications, POST /notifications/{id}/read and /notifications/read-all."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.factories import auth, create_parent, random_id
from tests.notifications.factories import pickup_notice


async def _three_notices(session: AsyncSession, parent: object) -> list[str]:
    ids = []
    for name in ("小明", "小红", "小刚"):
        ids += await pickup_notice(session, parent, student=name)  # type: ignore[arg-type]
        clock.advance(timedelta(minutes=1))
    await session.commit()
    return [str(i) for i in ids]


class TestListNotifications:
    async def test_newest_first_with_the_unread_count(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        ids = await _three_notices(session, parent)

        response = await client.get("/notifications", headers=auth(parent))

        assert response.status_code == 200
        body = response.json()
        assert [n["id"] for n in body["items"]] == ids[::-1]
        assert body["unread_count"] == 3
        assert body["next_cursor"] is None
        newest = body["items"][0]
        assert set(newest) == {"id", "kind", "title", "body", "data", "created_at", "read_at"}
        assert newest["kind"] == "pickup.handed_over"
        assert newest["title"] == "小刚已被接走"
        assert "王芳" in newest["body"]
        assert newest["read_at"] is None
        assert "student_id" in newest["data"]

    async def test_pages_follow_the_cursor_and_the_count_covers_the_whole_inbox(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        ids = await _three_notices(session, parent)

        first = (await client.get("/notifications?limit=2", headers=auth(parent))).json()
        second = (
            await client.get(
                "/notifications",
                params={"limit": 2, "cursor": first["next_cursor"]},
                headers=auth(parent),
            )
        ).json()

        assert [n["id"] for n in first["items"]] == [ids[2], ids[1]]
        assert [n["id"] for n in second["items"]] == [ids[0]]
        assert second["next_cursor"] is None
        assert first["unread_count"] == second["unread_count"] == 3

    async def test_unread_only(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        parent = await create_parent(session)
        ids = await _three_notices(session, parent)
        await client.post(f"/notifications/{ids[1]}/read", headers=auth(parent))

        body = (await client.get("/notifications?unread_only=true", headers=auth(parent))).json()

        assert [n["id"] for n in body["items"]] == [ids[2], ids[0]]
        assert body["unread_count"] == 2

    async def test_shows_only_the_callers_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent, other = await create_parent(session), await create_parent(session)
        await _three_notices(session, other)

        body = (await client.get("/notifications", headers=auth(parent))).json()

        assert body == {"items": [], "next_cursor": None, "unread_count": 0}

    async def test_staff_have_an_inbox_too(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        from app.auth.models import Role
        from tests.factories import create_school, create_user

        teacher = await create_user(
            session, roles=[Role.TEACHER], school=await create_school(session)
        )
        await session.commit()
        assert (await client.get("/notifications", headers=auth(teacher))).status_code == 200

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/notifications")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_bad_paging_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await session.commit()

        too_many = await client.get("/notifications?limit=201", headers=auth(parent))
        forged = await client.get("/notifications?cursor=bm9wZQ.0000", headers=auth(parent))
        not_bool = await client.get("/notifications?unread_only=maybe", headers=auth(parent))

        assert too_many.status_code == forged.status_code == not_bool.status_code == 422
        assert forged.json()["code"] == "pagination.cursor_invalid"


class TestReadNotification:
    async def test_marks_read_once_and_keeps_the_first_read_time(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        ids = await _three_notices(session, parent)

        first = await client.post(f"/notifications/{ids[0]}/read", headers=auth(parent))
        clock.advance(timedelta(hours=1))
        again = await client.post(f"/notifications/{ids[0]}/read", headers=auth(parent))
        listed = (await client.get("/notifications", headers=auth(parent))).json()

        assert first.status_code == again.status_code == 200
        assert first.json()["id"] == ids[0]
        assert first.json()["read_at"] is not None
        assert again.json()["read_at"] == first.json()["read_at"]
        assert listed["unread_count"] == 2

    async def test_another_users_notification_is_404_and_stays_unread(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent, other = await create_parent(session), await create_parent(session)
        theirs = await _three_notices(session, other)

        response = await client.post(
            f"/notifications/{theirs[0]}/read", headers=auth(parent, language="en")
        )

        assert response.status_code == 404
        assert response.json()["code"] == "notification.not_found"
        assert response.json()["detail"] == "Notification not found."
        assert theirs[0] not in response.text
        assert (await client.get("/notifications", headers=auth(other))).json()["unread_count"] == 3

    async def test_unknown_id_is_404_and_a_malformed_one_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await session.commit()

        unknown = await client.post(f"/notifications/{random_id()}/read", headers=auth(parent))
        malformed = await client.post("/notifications/not-a-uuid/read", headers=auth(parent))

        assert unknown.status_code == 404
        assert malformed.status_code == 422
        assert malformed.json()["errors"][0]["field"] == "notification_id"

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        assert (await client.post(f"/notifications/{random_id()}/read")).status_code == 401


class TestReadAll:
    async def test_marks_every_unread_notification_of_the_caller_only(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent, other = await create_parent(session), await create_parent(session)
        ids = await _three_notices(session, parent)
        await _three_notices(session, other)
        await client.post(f"/notifications/{ids[0]}/read", headers=auth(parent))

        response = await client.post("/notifications/read-all", headers=auth(parent))

        assert response.status_code == 200
        assert response.json() == {"marked_read": 2}
        assert (await client.get("/notifications", headers=auth(parent))).json()[
            "unread_count"
        ] == 0
        assert (await client.get("/notifications", headers=auth(other))).json()["unread_count"] == 3
