"""Rows the auth tests stand on beyond the shared ones: binding codes, token pairs."""

from __future__ import annotations

import secrets
from datetime import timedelta

import httpx
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import clock
from app.school.models import BindingCode, Student
from tests.factories import PASSWORD

CODE_TTL = timedelta(days=30)


async def create_binding_code(
    session: AsyncSession, student: Student, *, ttl: timedelta = CODE_TTL
) -> BindingCode:
    """The student's live code (replacing any), as the school issues them."""
    code = "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
    await session.execute(delete(BindingCode).where(BindingCode.student_id == student.id))
    row = BindingCode(student_id=student.id, code=code, expires_at=clock.now() + ttl)
    session.add(row)
    await session.flush()
    return row


async def login(
    client: httpx.AsyncClient, user: User, password: str = PASSWORD
) -> dict[str, object]:
    response = await client.post(
        "/auth/login", json={"username": user.username, "password": password}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(pair: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}
