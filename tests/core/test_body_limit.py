"""Bodies are limited per route class on the stream, before parsing: 413 ``request.too_large``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.body_limit import JSON_BODY_LIMIT, BodyLimitMiddleware
from app.main import create_app
from app.school.roster_file import MAX_BYTES
from tests.core.test_problems import assert_problem


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    # No database needed: every request here is refused before one is touched.
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client


class Sent:
    """A body sent in 16 KB chunks, counting how many the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.chunks = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b'{"name": "' + b"x" * (16 * 1024 - 10)
        for _ in range(self.total // len(chunk)):
            self.chunks += 1
            yield chunk


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    api: httpx.AsyncClient,
) -> None:
    body = Sent(200 * 1024 * 1024)  # the 200 MB registration of the probe
    response = await api.post(
        "/auth/register",
        content=body,
        headers={
            "Content-Type": "application/json",
            "Content-Length": str(body.total),
            "Accept-Language": "en",
        },
    )
    problem = assert_problem(response, 413, "request.too_large")
    assert problem["detail"] == "The request body is too large (limit 64 KB)."
    assert body.chunks == 0


async def test_a_body_without_length_is_cut_off_at_the_limit(api: httpx.AsyncClient) -> None:
    body = Sent(200 * 1024 * 1024)  # chunked: no Content-Length at all
    response = await api.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 413, "request.too_large")
    assert "64 KB" in problem["detail"]
    assert body.chunks <= JSON_BODY_LIMIT // (16 * 1024) + 2


async def test_a_lying_content_length_is_cut_off_too(api: httpx.AsyncClient) -> None:
    body = Sent(1024 * 1024)
    response = await api.post(
        "/auth/login",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": "100"},
    )
    assert_problem(response, 413, "request.too_large")


async def test_a_route_that_reads_no_body_refuses_a_large_one(api: httpx.AsyncClient) -> None:
    response = await api.request(
        "GET", "/healthz", content=b"x" * (JSON_BODY_LIMIT + 1), headers={"Accept-Language": "zh"}
    )
    problem = assert_problem(response, 413, "request.too_large")
    assert problem["detail"] == "请求内容过大（上限 64 KB）。"


async def test_a_body_under_the_limit_reaches_validation(api: httpx.AsyncClient) -> None:
    filler = "x" * (JSON_BODY_LIMIT - 1024)
    response = await api.post("/auth/login", json={"username": filler, "password": "p"})
    assert_problem(response, 422, "validation.invalid")


def test_uploads_take_their_own_larger_limit() -> None:
    app = create_app()
    limits = BodyLimitMiddleware(app, routes=app.routes, default=JSON_BODY_LIMIT)
    assert MAX_BYTES < limits.limit_for("/api/v1/students/import") < MAX_BYTES + 256 * 1024
    assert limits.limit_for("/api/v1/auth/register") == JSON_BODY_LIMIT
    assert limits.limit_for("/api/v1/students/import/extra") == JSON_BODY_LIMIT
    # a 20,000-character safety agreement, escaped as \uXXXX, still fits
    term = f"/api/v1/terms/{uuid.uuid4()}"
    assert limits.limit_for(term) == limits.limit_for("/api/v1/terms") >= 6 * 20_000 + 4096
