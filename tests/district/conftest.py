"""The service clock frozen on a Monday in term, and the district world."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.district.factories import NOW, DistrictWorld, build_district_world


@pytest.fixture
async def world(session: AsyncSession) -> DistrictWorld:
    clock.freeze(NOW)
    return await build_district_world(session)
