"""The request transaction, Idempotency-Key, audit writes and pagination, through HTTP."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import CurrentUser, Idempotent
from app.auth.models import Role
from app.core import audit, clock
from app.core.audit import AuditEvent
from app.core.database import SessionDep
from app.core.errors import Conflict
from app.core.pagination import PageDep, paginate
from app.core.schemas import Page
from app.main import create_app
from tests.factories import auth, create_school, create_user

router = APIRouter()


class ThingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    delay: float = 0
    fail: bool = False  # the work is refused after it wrote (a domain rule said no)


class ThingOut(BaseModel):
    id: uuid.UUID
    name: str


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    action: str


async def _create(session: SessionDep, user: CurrentUser, body: ThingIn) -> ThingOut:
    event_id = await audit.record(
        session,
        action="thing.created",
        object_type="thing",
        object_id=uuid.uuid4(),
        actor_id=user.id,
        school_id=user.school_id,
        data={"name": body.name},
    )
    await asyncio.sleep(body.delay)
    if body.fail:
        raise Conflict("idempotency.in_flight")
    return ThingOut(id=event_id, name=body.name)


@router.post("/things", status_code=201, response_model=ThingOut)
async def create_thing(
    body: ThingIn, session: SessionDep, user: CurrentUser, idem: Idempotent
) -> object:
    return await idem.run(201, lambda: _create(session, user, body))


@router.post("/failing-things")
async def create_failing_thing(body: ThingIn, session: SessionDep, user: CurrentUser) -> None:
    await _create(session, user, body)
    raise Conflict("idempotency.in_flight")


@router.get("/events", response_model=Page[EventOut])
async def list_events(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[EventOut]:
    stmt = select(AuditEvent).where(AuditEvent.actor_id == user.id)
    items, cursor = await paginate(
        session, stmt, page, (AuditEvent.created_at, AuditEvent.id), descending=True
    )
    return Page[EventOut](items=[EventOut.model_validate(e) for e in items], next_cursor=cursor)


@pytest.fixture
def app() -> FastAPI:
    app = create_app()
    app.include_router(router, prefix="/test")
    return app


@pytest.fixture
async def api(app: FastAPI, engine):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/test") as client:
        yield client


@pytest.fixture
async def headers(session: AsyncSession) -> dict[str, str]:
    school = await create_school(session)
    user = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    await session.commit()
    return auth(user)


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


class TestIdempotency:
    async def test_same_key_and_body_replays_the_first_response(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        h = {**headers, "Idempotency-Key": "k-1"}
        first = await api.post("/things", json={"name": "a"}, headers=h)
        second = await api.post("/things", json={"name": "a"}, headers=h)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert await _count(session) == 1

    async def test_key_order_in_the_body_does_not_matter(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        h = {**headers, "Idempotency-Key": "k-order", "Content-Type": "application/json"}
        first = await api.post("/things", content=b'{"name": "a", "delay": 0}', headers=h)
        second = await api.post("/things", content=b'{"delay": 0, "name": "a"}', headers=h)
        assert first.json() == second.json()
        assert await _count(session) == 1

    async def test_same_key_with_another_body_is_refused(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        h = {**headers, "Idempotency-Key": "k-2"}
        await api.post("/things", json={"name": "a"}, headers=h)
        response = await api.post("/things", json={"name": "b"}, headers=h)
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency.key_reused"
        assert await _count(session) == 1

    async def test_keys_belong_to_their_caller(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        school = await create_school(session)
        other = auth(await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school))
        await session.commit()
        await api.post("/things", json={"name": "a"}, headers={**headers, "Idempotency-Key": "k"})
        response = await api.post(
            "/things", json={"name": "a"}, headers={**other, "Idempotency-Key": "k"}
        )
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers
        assert await _count(session) == 2

    async def test_without_a_key_each_request_acts(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        await api.post("/things", json={"name": "a"}, headers=headers)
        await api.post("/things", json={"name": "a"}, headers=headers)
        assert await _count(session) == 2

    async def test_a_repeat_while_the_first_runs_is_409_in_flight(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        h = {**headers, "Idempotency-Key": "k-3"}
        slow = asyncio.create_task(api.post("/things", json={"name": "a", "delay": 0.5}, headers=h))
        await asyncio.sleep(0.2)
        repeat = await api.post("/things", json={"name": "a", "delay": 0.5}, headers=h)
        first = await slow
        assert first.status_code == 201
        assert repeat.status_code == 409
        assert repeat.json()["code"] == "idempotency.in_flight"
        after = await api.post("/things", json={"name": "a", "delay": 0.5}, headers=h)
        assert after.json() == first.json()
        assert await _count(session) == 1

    async def test_a_failed_first_attempt_stores_nothing_and_may_be_retried(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        h = {**headers, "Idempotency-Key": "k-4"}
        bad = await api.post("/things", json={"name": 1}, headers=h)
        assert bad.status_code == 422
        good = await api.post("/things", json={"name": "a"}, headers=h)
        assert good.status_code == 201

    async def test_a_refused_keyed_request_keeps_no_key_and_no_work(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        h = {**headers, "Idempotency-Key": "k-refused"}
        refused = await api.post("/things", json={"name": "a", "fail": True}, headers=h)
        assert refused.status_code == 409
        again = await api.post("/things", json={"name": "a", "fail": True}, headers=h)
        assert again.status_code == 409
        assert "idempotent-replayed" not in again.headers
        # the key is free: another body under it acts instead of being 422 key_reused
        done = await api.post("/things", json={"name": "a"}, headers=h)
        assert done.status_code == 201
        assert await _count(session) == 1

    async def test_keys_expire_after_24_hours(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        h = {**headers, "Idempotency-Key": "k-5"}
        first = await api.post("/things", json={"name": "a"}, headers=h)
        clock.advance(timedelta(hours=24, seconds=1))
        h = {**h, **{k: v for k, v in auth_refresh(headers).items()}}
        again = await api.post("/things", json={"name": "b"}, headers=h)
        assert again.status_code == 201
        assert again.json()["id"] != first.json()["id"]
        replayed = await api.post("/things", json={"name": "b"}, headers=h)
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json() == again.json()

    async def test_an_oversized_key_is_refused(
        self, api: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await api.post(
            "/things", json={"name": "a"}, headers={**headers, "Idempotency-Key": "k" * 256}
        )
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency.key_invalid"


def auth_refresh(headers: dict[str, str]) -> dict[str, str]:
    """A new token after the clock moved (the old one expired)."""
    from app.core.security import create_access_token, decode_access_token

    claims = decode_access_token(headers["Authorization"].split()[1], verify_expiry=False)
    assert claims is not None
    token, _ = create_access_token(claims.sub, list(claims.roles), claims.school_id)
    return {"Authorization": f"Bearer {token}"}


class TestAudit:
    async def test_audit_event_records_actor_and_origin(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        await api.post(
            "/things",
            json={"name": "a"},
            headers={**headers, "User-Agent": "kehou-test", "X-Forwarded-For": "203.0.113.9"},
        )
        event = (await session.scalars(select(AuditEvent))).one()
        assert event.action == "thing.created"
        assert event.actor_id is not None
        assert event.ip == "127.0.0.1"  # the peer, not the forgeable header
        assert event.user_agent == "kehou-test"
        assert event.request_id

    async def test_audit_rolls_back_with_its_change(
        self, api: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        response = await api.post("/failing-things", json={"name": "a"}, headers=headers)
        assert response.status_code == 409
        assert await _count(session) == 0


class TestPagination:
    async def test_pages_cover_every_row_once_newest_first(
        self, api: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        for i in range(5):
            await api.post("/things", json={"name": str(i)}, headers=headers)
        seen: list[str] = []
        cursor = None
        for _ in range(5):
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await api.get("/events", params=params, headers=headers)).json()
            seen += [e["id"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 5

    async def test_limit_defaults_to_50_and_caps_at_200(
        self, api: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        assert (await api.get("/events", headers=headers)).json()["next_cursor"] is None
        response = await api.get("/events", params={"limit": 201}, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"
        assert (await api.get("/events", params={"limit": 0}, headers=headers)).status_code == 422

    @pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ.0000000000000000", "W10.abc"])
    async def test_a_forged_cursor_is_422(
        self, api: httpx.AsyncClient, headers: dict[str, str], cursor: str
    ) -> None:
        response = await api.get("/events", params={"cursor": cursor}, headers=headers)
        assert response.status_code == 422
        assert response.json()["code"] == "pagination.cursor_invalid"


async def test_requests_without_a_token_are_401(api: httpx.AsyncClient) -> None:
    response = await api.post("/things", json={"name": "a"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_tokens_follow_the_service_clock_not_the_wall_clock(
    api: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    from datetime import UTC, datetime

    clock.freeze(datetime(2020, 3, 2, 8, 0, tzinfo=UTC))
    fresh = auth_refresh(headers)
    assert (await api.post("/things", json={"name": "a"}, headers=fresh)).status_code == 201
    clock.advance(timedelta(minutes=16))
    assert (await api.post("/things", json={"name": "a"}, headers=fresh)).status_code == 401
