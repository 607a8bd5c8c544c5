"""The privacy notice: public text and version, accepted by registering (as in the contract)."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.privacy.models import NoticeAcceptance
from app.privacy.notice import NOTICE_VERSION
from tests.auth.factories import create_binding_code
from tests.auth.test_wechat import FakeWeChat, configured, fake  # noqa: F401  (fixtures)
from tests.factories import create_class, create_school, create_student


async def _code(session: AsyncSession) -> str:
    school = await create_school(session)
    child = await create_student(session, await create_class(session, school))
    issued = await create_binding_code(session, child)
    await session.commit()
    return issued.code


def _registration(code: str, **extra: object) -> dict[str, object]:
    return {
        "phone": "13812345678",
        "password": "xiaoming-2026",
        "name": "李娟",
        "binding_code": code,
        "relationship": "母亲",
        **extra,
    }


async def _accepted(session: AsyncSession) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(User.name, NoticeAcceptance.version).join(
            NoticeAcceptance, NoticeAcceptance.user_id == User.id
        )
    )
    return [(n, v) for n, v in rows]


async def test_the_notice_is_public(client: httpx.AsyncClient) -> None:
    response = await client.get("/privacy-notice")

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == NOTICE_VERSION
    assert "隐私政策" in body["text"] and "注销" in body["text"]


async def test_registering_accepts_the_current_notice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    code = await _code(session)

    response = await client.post("/auth/register", json=_registration(code))

    assert response.status_code == 201, response.text
    assert await _accepted(session) == [("李娟", NOTICE_VERSION)]
    mine = await client.get(
        "/me/data", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    [consent] = mine.json()["sections"]["privacy"]["consents"]
    assert consent["version"] == NOTICE_VERSION and consent["accepted_at"]


async def test_naming_the_version_shown_is_accepted_and_a_stale_one_is_422(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    code = await _code(session)

    stale = await client.post(
        "/auth/register", json=_registration(code, privacy_notice_version=NOTICE_VERSION - 1)
    )
    assert stale.status_code == 422
    assert stale.json()["code"] == "privacy.notice_outdated"
    assert await session.scalar(select(func.count()).select_from(User)) == 0

    current = await client.post(
        "/auth/register", json=_registration(code, privacy_notice_version=NOTICE_VERSION)
    )
    assert current.status_code == 201
    assert await _accepted(session) == [("李娟", NOTICE_VERSION)]


async def test_a_wechat_first_login_accepts_it_once(
    client: httpx.AsyncClient,
    session: AsyncSession,
    fake: FakeWeChat,  # noqa: F811
) -> None:
    for _ in range(2):
        response = await client.post("/auth/wechat", json={"code": "code-for-alice"})
        assert response.status_code == 200

    assert await _accepted(session) == [("微信用户", NOTICE_VERSION)]


async def test_a_malformed_version_is_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    code = await _code(session)

    response = await client.post(
        "/auth/register", json=_registration(code, privacy_notice_version="latest")
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
