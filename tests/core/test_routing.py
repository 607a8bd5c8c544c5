"""Operations copied into the app behave as FastAPI's own ``include_router`` makes them."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from starlette.routing import Route

from app.core.routing import include_operations
from app.main import app as kehou


async def _app_level(x_app: str | None = Header(default=None)) -> None:
    return None


async def _router_level(x_router: str | None = Header(default=None)) -> None:
    return None


class Item(BaseModel):
    name: str


def _source() -> APIRouter:
    """A router using the route options an inclusion must carry over."""
    source = APIRouter(
        prefix="/items",
        tags=["items"],
        dependencies=[Depends(_router_level)],
        responses={404: {"description": "Missing"}},
        strict_content_type=False,
    )

    @source.get("", response_model=list[Item], summary="All items")
    async def list_items() -> Any:
        """Every item."""
        return [{"name": "a"}]

    @source.post("/{item_id}", status_code=201, max_body_size=64)
    async def put_item(item_id: int, body: Item) -> Item:
        return body

    @source.get("/old", deprecated=True, include_in_schema=False, openapi_extra={"x-a": 1})
    async def old_item() -> dict[str, str]:
        return {"old": "yes"}

    @source.get("/text", response_class=PlainTextResponse, responses={418: {"description": "T"}})
    async def text_item() -> str:
        return "plain"

    nested = APIRouter(tags=["nested"])

    @nested.get("/nested/{n}")
    async def nested_item(n: str) -> dict[str, str]:
        return {"n": n}

    include_operations(source, nested)
    return source


def _app(join: str) -> FastAPI:
    app = FastAPI(
        responses={422: {"description": "Invalid"}},
        dependencies=[Depends(_app_level)],
        generate_unique_id_function=lambda route: f"{route.tags[0]}-{route.name}",
    )
    if join == "copied":
        include_operations(app.router, _source(), prefix="/api")
    else:
        app.include_router(_source(), prefix="/api")
    return app


_COMPARED = (
    "path",
    "name",
    "methods",
    "tags",
    "responses",
    "status_code",
    "summary",
    "description",
    "deprecated",
    "include_in_schema",
    "openapi_extra",
    "unique_id",
    "max_body_size",
    "response_model",
)


def _effective(app: FastAPI) -> list[dict[str, Any]]:
    described = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        facts = {name: getattr(context, name) for name in _COMPARED}
        for name in ("response_class", "strict_content_type"):
            value = getattr(context, name)
            facts[name] = getattr(value, "value", value)  # a DefaultPlaceholder's
        facts["dependencies"] = [d.dependency for d in context.dependencies]
        described.append(facts)
    return described


def test_copied_operations_equal_included_ones() -> None:
    copied, included = _app("copied"), _app("included")
    assert _effective(copied) == _effective(included)
    assert copied.openapi() == included.openapi()
    assert len(_effective(copied)) == 5
    assert all(isinstance(r, Route) for r in copied.routes)  # no included router left


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/api/items", {}),
        ("POST", "/api/items/7", {"json": {"name": "b"}}),
        ("POST", "/api/items/7", {"content": b'{"name": "' + b"x" * 80 + b'"}'}),
        ("POST", "/api/items/x", {"json": {"name": "b"}}),
        (
            "POST",
            "/api/items/7",
            {"content": b'{"name": "c"}', "headers": {"content-type": "text/plain"}},
        ),
        ("GET", "/api/items/old", {}),
        ("GET", "/api/items/text", {}),
        ("GET", "/api/items/nested/q", {}),
        ("DELETE", "/api/items/text", {}),
        ("GET", "/api/items/", {}),
        ("GET", "/api/nowhere", {}),
    ],
)
async def test_copied_operations_answer_as_included_ones(
    method: str, path: str, kwargs: dict[str, Any]
) -> None:
    answers = []
    for join in ("copied", "included"):
        transport = httpx.ASGITransport(app=_app(join))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.request(method, path, **kwargs)
        answers.append((response.status_code, response.headers.get("content-type"), response.text))
    assert answers[0] == answers[1]


def test_the_app_matches_requests_against_one_flat_list() -> None:
    assert all(isinstance(r, Route) for r in kehou.routes)
    assert any(getattr(r, "path", "") == "/api/v1/students/{student_id}" for r in kehou.routes)


def _runs_on_the_loop(call: Any) -> bool:
    # a function, or an instance such as HTTPBearer whose class defines ``async __call__``
    method = call if inspect.isroutine(call) else type(call).__call__
    return inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method)


def test_no_endpoint_or_dependency_is_sent_to_a_worker_thread() -> None:
    """FastAPI runs a plain ``def`` in the thread pool: ~65 µs of CPU per call for the hand-off."""
    threaded = set()
    for route in kehou.routes:
        if not isinstance(route, APIRoute):
            continue
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            if dependant.call is not None and not _runs_on_the_loop(dependant.call):
                threaded.add(f"{route.path}: {dependant.call!r}")
    assert not threaded


def test_a_router_with_more_than_operations_must_be_included() -> None:
    source = APIRouter()
    source.add_route("/raw", PlainTextResponse)
    with pytest.raises(TypeError):
        include_operations(APIRouter(), source)
