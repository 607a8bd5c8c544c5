"""The app's operations as requests meet them: included routers walked, nothing copied."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from app.core.routing import allowed_methods, guard_literal_paths, operations
from app.main import app as kehou


def _nested_app() -> FastAPI:
    inner = APIRouter(prefix="/items")

    @inner.get("/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @inner.post("/check")
    async def check() -> dict[str, bool]:
        return {"ok": True}

    outer = APIRouter()
    outer.include_router(inner)
    app = FastAPI()
    app.include_router(outer, prefix="/api")
    guard_literal_paths(app.router)
    return app


def test_operations_walk_included_routers_with_their_prefixes() -> None:
    paths = {(route.path, *sorted(route.methods)) for route in operations(_nested_app().routes)}
    assert ("/api/items/{item_id}", "GET") in paths
    assert ("/api/items/check", "POST") in paths
    assert any(r.path == "/api/v1/students/{student_id}" for r in operations(kehou.routes))
    assert len(operations(kehou.routes)) > 150


async def test_a_literal_path_of_an_included_router_is_its_operations_alone() -> None:
    app = _nested_app()
    assert allowed_methods(app.routes, "/api/items/check") == ["POST"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/items/check")  # not GET /api/items/{item_id}
        assert response.status_code == 405
        assert (await client.get("/api/items/7")).json() == {"id": 7}


def _runs_on_the_loop(call: Any) -> bool:
    # a function, or an instance such as HTTPBearer whose class defines ``async __call__``
    method = call if inspect.isroutine(call) else type(call).__call__
    return inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method)


def test_no_endpoint_or_dependency_is_sent_to_a_worker_thread() -> None:
    """FastAPI runs a plain ``def`` in the thread pool: ~65 µs of CPU per call for the hand-off."""
    threaded = set()
    for route in operations(kehou.routes):
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            if dependant.call is not None and not _runs_on_the_loop(dependant.call):
                threaded.add(f"{route.path}: {dependant.call!r}")
    assert not threaded
