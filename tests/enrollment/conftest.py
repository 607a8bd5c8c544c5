"""A frozen clock ten days before term and one school to enrol in."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.enrollment.factories import BEFORE_TERM, World, build_world


@pytest.fixture
async def world(session: AsyncSession) -> World:
    clock.freeze(BEFORE_TERM)
    return await build_world(session)
