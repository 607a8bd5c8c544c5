"""The workload scene for every test here."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.workload.factories import Scene, build_scene


@pytest.fixture
async def scene(client: httpx.AsyncClient, session: AsyncSession) -> Scene:
    return await build_scene(client, session)
