"""POST /devices, GET /devices and DELETE /devices/{id}: one row per token, moved not copied."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.audit import AuditEvent
from app.notifications.devices import MAX_ACTIVE_DEVICES_PER_USER
from app.notifications.models import Device
from tests.factories import auth, create_parent, random_id
from tests.notifications.factories import create_device

TOKEN = "dGVzdC1mY20tdG9rZW4:APA91bH-example_token"


async def _devices(session: AsyncSession) -> list[Device]:
    stmt = select(Device).order_by(Device.created_at).execution_options(populate_existing=True)
    return list((await session.scalars(stmt)).all())


class TestRegisterDevice:
    async def test_registers_and_lists_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await session.commit()

        response = await client.post(
            "/devices", json={"platform": "fcm", "token": TOKEN}, headers=auth(parent)
        )
        listed = await client.get("/devices", headers=auth(parent))

        assert response.status_code == 201
        body = response.json()
        assert body["platform"] == "fcm"
        assert body["token"] == TOKEN
        assert body["active"] is True
        assert listed.json() == {"items": [body], "next_cursor": None}

    async def test_registering_again_keeps_one_row(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await session.commit()
        body = {"platform": "fcm", "token": TOKEN}

        first = await client.post("/devices", json=body, headers=auth(parent))
        clock.advance(timedelta(days=1))
        second = await client.post("/devices", json=body, headers=auth(parent))

        assert first.status_code == second.status_code == 201
        assert first.json()["id"] == second.json()["id"]
        assert second.json()["registered_at"] > first.json()["registered_at"]
        assert len(await _devices(session)) == 1
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "device.registered")
            )
        ).all()
        assert len(events) == 1  # the app re-registers on every start: no audit noise

    async def test_a_token_registered_by_someone_else_moves_to_the_caller(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        mother, father = await create_parent(session), await create_parent(session)
        await session.commit()
        body = {"platform": "fcm", "token": TOKEN}

        first = await client.post("/devices", json=body, headers=auth(mother))
        moved = await client.post("/devices", json=body, headers=auth(father))

        assert moved.status_code == 201
        assert moved.json()["id"] == first.json()["id"]
        [device] = await _devices(session)
        assert device.user_id == father.id
        assert (await client.get("/devices", headers=auth(mother))).json()["items"] == []
        assert len((await client.get("/devices", headers=auth(father))).json()["items"]) == 1
        event = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "device.registered", AuditEvent.actor_id == father.id
            )
        )
        assert event is not None and event.data["moved"] is True

    async def test_concurrent_registrations_of_one_token_leave_one_row(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parents = [await create_parent(session) for _ in range(4)]
        await session.commit()
        body = {"platform": "fcm", "token": TOKEN}

        responses = await asyncio.gather(
            *(client.post("/devices", json=body, headers=auth(p)) for p in parents)
        )

        assert [r.status_code for r in responses] == [201] * 4
        assert len({r.json()["id"] for r in responses}) == 1
        devices = await _devices(session)
        assert len(devices) == 1
        assert devices[0].user_id in {p.id for p in parents}

    async def test_registering_a_deactivated_token_reactivates_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        device = await create_device(session, parent, token=TOKEN, active=False)
        await session.commit()

        response = await client.post(
            "/devices", json={"platform": "fcm", "token": TOKEN}, headers=auth(parent)
        )

        assert response.status_code == 201
        assert response.json()["id"] == str(device.id)
        assert response.json()["active"] is True

    async def test_only_the_newest_devices_stay_active(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await session.commit()
        for n in range(MAX_ACTIVE_DEVICES_PER_USER + 1):
            clock.advance(timedelta(minutes=1))
            response = await client.post(
                "/devices", json={"platform": "fcm", "token": f"token-{n}"}, headers=auth(parent)
            )
            assert response.status_code == 201

        listed = (await client.get("/devices?limit=50", headers=auth(parent))).json()["items"]

        assert len(listed) == MAX_ACTIVE_DEVICES_PER_USER
        assert "token-0" not in {d["token"] for d in listed}

    async def test_wechat_address_is_the_callers_own_openid(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session, wechat_openid="oPENID-mother_1")
        other = await create_parent(session, wechat_openid="oPENID-father_2")
        phone_only = await create_parent(session)
        await session.commit()

        own = await client.post(
            "/devices",
            json={"platform": "wechat", "token": "oPENID-mother_1"},
            headers=auth(parent),
        )
        someone_elses = await client.post(
            "/devices", json={"platform": "wechat", "token": "oPENID-mother_1"}, headers=auth(other)
        )
        unlinked = await client.post(
            "/devices",
            json={"platform": "wechat", "token": "oPENID-mother_1"},
            headers=auth(phone_only),
        )

        assert own.status_code == 201
        assert someone_elses.status_code == unlinked.status_code == 422
        assert someone_elses.json()["code"] == "device.wechat_openid_mismatch"
        assert someone_elses.json()["errors"][0]["field"] == "token"
        [device] = await _devices(session)
        assert device.user_id == parent.id  # not taken over

    @pytest.mark.parametrize(
        "body",
        [
            {"platform": "apns", "token": TOKEN},
            {"platform": "fcm", "token": ""},
            {"platform": "fcm", "token": "x" * 4097},
            {"platform": "fcm", "token": "has spaces inside"},
            {"platform": "fcm"},
            {"token": TOKEN},
            {"platform": "fcm", "token": TOKEN, "user_id": random_id()},
            {"platform": "fcm", "token": 12345},
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, body: dict[str, object]
    ) -> None:
        parent = await create_parent(session)
        await session.commit()

        response = await client.post("/devices", json=body, headers=auth(parent))

        assert response.status_code == 422
        assert response.json()["code"] == "validation.invalid"
        assert await _devices(session) == []

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/devices", json={"platform": "fcm", "token": TOKEN})
        assert response.status_code == 401


class TestDeleteDevice:
    async def test_removes_it_from_the_callers_devices(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        device = await create_device(session, parent)
        await session.commit()

        response = await client.delete(f"/devices/{device.id}", headers=auth(parent))
        again = await client.delete(f"/devices/{device.id}", headers=auth(parent))

        assert response.status_code == 204
        assert response.content == b""
        assert again.status_code == 404
        assert (await client.get("/devices", headers=auth(parent))).json()["items"] == []
        [row] = await _devices(session)
        assert row.active is False
        assert row.deactivated_reason == "removed by user"

    async def test_another_users_device_is_404_and_untouched(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent, other = await create_parent(session), await create_parent(session)
        theirs = await create_device(session, other)
        await session.commit()

        response = await client.delete(f"/devices/{theirs.id}", headers=auth(parent))

        assert response.status_code == 404
        assert response.json()["code"] == "device.not_found"
        [row] = await _devices(session)
        assert row.active is True

    async def test_unknown_is_404_and_malformed_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await session.commit()

        assert (
            await client.delete(f"/devices/{random_id()}", headers=auth(parent))
        ).status_code == 404
        assert (await client.delete("/devices/123", headers=auth(parent))).status_code == 422
        assert (await client.delete(f"/devices/{random_id()}")).status_code == 401


class TestListDevices:
    async def test_shows_only_the_callers_active_devices(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent, other = await create_parent(session), await create_parent(session)
        mine = await create_device(session, parent)
        await create_device(session, parent, active=False)
        await create_device(session, other)
        await session.commit()

        body = (await client.get("/devices", headers=auth(parent))).json()

        assert [d["id"] for d in body["items"]] == [str(mine.id)]
