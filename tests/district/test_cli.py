"""``kehou create-district`` and ``kehou create-school --district-id``; the district token."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core.errors import Conflict
from app.core.security import decode_access_token
from app.district.models import District
from app.district.service import create_district
from app.school.models import School
from tests.auth.test_cli import _kehou

PASSWORD = "open-sesame-42"


def _district(name: str, username: str, password: str = PASSWORD) -> list[str]:
    return ["create-district", "--name", name, "--admin-username", username,
            "--admin-password", password]  # fmt: skip


def _school(name: str, username: str, district_id: str) -> list[str]:
    return ["create-school", "--name", name, "--admin-username", username,
            "--admin-password", PASSWORD, "--district-id", district_id]  # fmt: skip


async def test_creates_a_district_whose_admin_token_carries_it(
    database_url: str, session: AsyncSession, client: httpx.AsyncClient
) -> None:
    code, out, err = await _kehou(database_url, *_district("示范区教育局", "Bureau.Chen"))
    assert code == 0, err
    printed = json.loads(out.strip().splitlines()[-1])
    assert printed.keys() == {"district_id", "admin_user_id"}
    admin = await session.get_one(User, uuid.UUID(printed["admin_user_id"]))
    assert str(admin.district_id) == printed["district_id"]
    assert admin.roles == ["district_admin"] and admin.school_id is None

    code, out, err = await _kehou(
        database_url, *_school("城关小学", "head.li", printed["district_id"])
    )
    assert code == 0, err
    school = await session.get_one(School, uuid.UUID(json.loads(out)["school_id"]))
    assert str(school.district_id) == printed["district_id"]

    login = await client.post("/auth/login", json={"username": "bureau.chen", "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["access_token"]
    claims = decode_access_token(token)
    assert claims is not None
    assert str(claims.district_id) == printed["district_id"] and claims.school_id is None
    r = await client.get("/district", headers={"Authorization": f"Bearer {token}"})
    assert r.json()["name"] == "示范区教育局" and r.json()["schools"] == 1
    # a refresh keeps the claim
    refreshed = await client.post(
        "/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    again = decode_access_token(refreshed.json()["access_token"])
    assert again is not None and str(again.district_id) == printed["district_id"]


async def test_an_unknown_district_creates_no_school(
    database_url: str, session: AsyncSession
) -> None:
    code, out, err = await _kehou(database_url, *_school("城关小学", "head.li", str(uuid.uuid4())))
    assert code == 1 and out == ""
    assert "district.not_found" in err
    assert await session.scalar(select(func.count(School.id))) == 0
    assert await session.scalar(select(func.count(User.id))) == 0


async def test_a_malformed_district_id_is_a_usage_error(database_url: str) -> None:
    code, _, err = await _kehou(database_url, *_school("城关小学", "head.li", "district-7"))
    assert code == 2 and "district-id" in err


async def test_a_weak_password_creates_no_district(
    database_url: str, session: AsyncSession
) -> None:
    code, out, err = await _kehou(database_url, *_district("示范区教育局", "bureau", "12345678"))
    assert code == 1 and out == ""
    assert "auth.password_weak" in err
    assert await session.scalar(select(func.count(District.id))) == 0


async def test_a_taken_username_creates_no_district(session: AsyncSession) -> None:
    await create_district(name="甲区", admin_username="bureau", admin_password=PASSWORD)
    with pytest.raises(Conflict):
        await create_district(name="乙区", admin_username="BUREAU", admin_password=PASSWORD)
    assert await session.scalar(select(func.count(District.id))) == 1
