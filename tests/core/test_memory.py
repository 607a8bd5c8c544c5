"""The serving process freezes its start-up heap, so full collections stop pausing requests."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app.core.settings import get_settings, use_settings
from app.main import create_app


@pytest.fixture
def served_settings(database_url: str) -> Iterator[None]:
    """Settings as a server runs with (not ``test``), on the suite's own database."""
    previous = get_settings()
    use_settings(previous.model_copy(update={"env": "production"}))
    yield
    use_settings(previous)
    gc.unfreeze()  # give the suite its heap back


async def test_the_server_freezes_its_start_up_heap(served_settings: None) -> None:
    gc.unfreeze()
    app = create_app()
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 10_000  # modules, routes, schemas, statements
        assert gc.get_count()[2] == 0  # and a full collection just ran


async def test_a_test_app_leaves_the_heap_alone(database_url: str) -> None:
    gc.unfreeze()
    app = create_app()
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
