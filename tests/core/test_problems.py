"""Every error kind answers as an RFC 9457 problem with a stable code, in zh-CN or en."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict

from app.core.errors import Conflict, Invalid
from app.main import create_app

router = APIRouter()


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    count: int


@router.post("/echo")
async def echo(body: Body) -> Body:
    return body


@router.get("/conflict")
async def conflict() -> None:
    raise Conflict("idempotency.in_flight")


@router.get("/invalid")
async def invalid() -> None:
    raise Invalid("pagination.cursor_invalid", field="cursor")


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals: password=hunter2")


@pytest.fixture
def app() -> FastAPI:
    app = create_app()
    app.include_router(router, prefix="/test")
    return app


@pytest.fixture
async def api(app: FastAPI):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    return body


async def test_unknown_path_is_a_404_problem(api: httpx.AsyncClient) -> None:
    body = assert_problem(await api.get("/api/v1/no-such-thing"), 404, "http.not_found")
    assert body["detail"] == "请求的资源不存在。"


async def test_wrong_method_is_a_405_problem(api: httpx.AsyncClient) -> None:
    assert_problem(await api.delete("/test/echo"), 405, "http.method_not_allowed")


async def test_validation_errors_list_each_field(api: httpx.AsyncClient) -> None:
    response = await api.post("/test/echo", json={"name": "x", "count": "many", "extra": 1})
    body = assert_problem(response, 422, "validation.invalid")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"count", "extra"}
    assert all(e["message"] for e in body["errors"])


async def test_malformed_json_is_a_422_problem(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/test/echo", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422, "validation.invalid")


async def test_domain_error_keeps_its_code_and_status(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/test/conflict"), 409, "idempotency.in_flight")


async def test_invalid_with_field_lists_it(api: httpx.AsyncClient) -> None:
    body = assert_problem(await api.get("/test/invalid"), 422, "pagination.cursor_invalid")
    assert body["errors"][0]["field"] == "cursor"


async def test_unexpected_error_is_a_500_problem_without_internals(api: httpx.AsyncClient) -> None:
    response = await api.get("/test/boom")
    body = assert_problem(response, 500, "internal.error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["detail"] == "服务器内部错误，请稍后重试。"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en", "The requested resource does not exist."),
        ("en-US,en;q=0.9", "The requested resource does not exist."),
        ("zh-CN,zh;q=0.9,en;q=0.8", "请求的资源不存在。"),
        ("fr-FR, en;q=0.5", "The requested resource does not exist."),
        ("de", "请求的资源不存在。"),
    ],
)
async def test_detail_follows_accept_language(
    api: httpx.AsyncClient, header: str, expected: str
) -> None:
    response = await api.get("/api/v1/nothing", headers={"Accept-Language": header})
    assert response.json()["detail"] == expected


async def test_every_response_carries_a_request_id(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    assert (await api.get("/api/v1/healthz")).headers["x-request-id"]
