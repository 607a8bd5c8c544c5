"""``kehou create-school``: a school and its first admin, or a clear refusal and exit code 1."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.bootstrap import create_school
from app.core.errors import Conflict, Invalid
from app.school.models import School
from tests.conftest import ROOT, TEST_SECRET


async def _kehou(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "KEHOU_ENV": "test",
        "KEHOU_DATABASE_URL": database_url,
        "KEHOU_JWT_SECRET": TEST_SECRET,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _create(name: str, username: str, password: str) -> list[str]:
    return [
        "create-school",
        "--name",
        name,
        "--admin-username",
        username,
        "--admin-password",
        password,
    ]


async def test_creates_a_school_whose_admin_can_log_in(
    database_url: str, session: AsyncSession, client: httpx.AsyncClient
) -> None:
    code, out, err = await _kehou(
        database_url, *_create("第一实验小学", "Principal.Wu", "open-sesame-42")
    )

    assert code == 0, err
    printed = json.loads(out.strip().splitlines()[-1])
    assert printed.keys() == {"school_id", "admin_user_id"}
    admin = await session.get(User, printed["admin_user_id"])
    assert admin is not None
    assert str(admin.school_id) == printed["school_id"]
    assert admin.roles == ["school_admin"]
    response = await client.post(
        "/auth/login", json={"username": "principal.wu", "password": "open-sesame-42"}
    )
    assert response.status_code == 200


async def test_a_weak_password_is_refused_and_nothing_is_created(
    database_url: str, session: AsyncSession
) -> None:
    code, out, err = await _kehou(database_url, *_create("第二实验小学", "admin", "12345678"))

    assert code == 1
    assert out == ""
    assert "auth.password_weak" in err
    assert "at least 8 characters" in err
    assert await session.scalar(select(func.count(School.id))) == 0


async def test_a_taken_username_is_refused_and_nothing_is_created(
    database_url: str, session: AsyncSession
) -> None:
    first = await _kehou(database_url, *_create("第三实验小学", "admin.zhang", "open-sesame-42"))
    assert first[0] == 0
    code, out, err = await _kehou(
        database_url, *_create("第四实验小学", "ADMIN.ZHANG", "open-sesame-42")
    )

    assert code == 1
    assert out == ""
    assert "auth.username_taken" in err
    assert "already taken" in err
    assert await session.scalar(select(func.count(School.id))) == 1


async def test_an_empty_school_name_is_a_usage_error(
    database_url: str, session: AsyncSession
) -> None:
    code, _, err = await _kehou(database_url, *_create("  ", "admin.li", "open-sesame-42"))
    assert code == 2
    assert "school name" in err


class TestBootstrap:
    async def test_refuses_a_malformed_username(self, session: AsyncSession) -> None:
        with pytest.raises(Invalid) as refused:
            await create_school(
                name="学校", admin_username="has space", admin_password="open-sesame-42"
            )
        assert refused.value.code == "auth.username_invalid"

    async def test_refuses_a_password_equal_to_the_username(self, session: AsyncSession) -> None:
        with pytest.raises(Invalid) as refused:
            await create_school(name="学校", admin_username="admin2026", admin_password="Admin2026")
        assert refused.value.code == "auth.password_weak"

    async def test_refuses_a_taken_username(self, session: AsyncSession) -> None:
        await create_school(name="甲校", admin_username="head", admin_password="open-sesame-42")
        with pytest.raises(Conflict):
            await create_school(name="乙校", admin_username="head", admin_password="open-sesame-42")
        assert await session.scalar(select(func.count(School.id))) == 1
