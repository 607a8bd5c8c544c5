"""One probe world per module: built once, its rows kept between the module's tests.

The suite's ``_clean`` empties every table after each test; here it waits for the module's
end, since every test of a probe module stands on the same (expensive) world.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import clock, database
from tests.conftest import empty_tables
from tests.probe import world


@pytest.fixture(autouse=True)
async def _clean() -> AsyncIterator[None]:
    """Overrides the suite's: the module's ``probe_world`` empties the tables at its end."""
    yield


@pytest.fixture(scope="module")
async def probe_world(engine: AsyncEngine) -> AsyncIterator[world.World]:
    from app.main import app

    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client,
            database.sessionmaker()() as session,
        ):
            yield await world.build(session, client)
    finally:
        clock.reset()
        await empty_tables(engine)
