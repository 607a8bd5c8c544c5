"""What operators watch: /metrics, the request id in X-Request-ID and the logs, and /readyz's
worker check."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.core import clock, database, heartbeat
from app.core.settings import get_settings, use_settings
from app.pickup.models import LateCase
from tests.conftest import ROOT
from tests.factories import auth, create_class, create_parent, create_school, create_student
from tests.notifications.factories import create_device, pickup_notice

DEAD_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/none"


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(body: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


async def _scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("http://test/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return _samples(response.text)


def _requests(samples: Samples, method: str, route: str, status: str) -> float:
    key = ("kehou_http_requests_total", (("method", method), ("route", route), ("status", status)))
    return samples.get(key, 0.0)


@pytest.fixture
def worker_expected() -> Iterator[None]:
    settings = get_settings()
    use_settings(settings.model_copy(update={"expect_worker": True}))
    yield
    use_settings(settings)


class TestMetrics:
    async def test_requests_are_counted_by_route_template_not_raw_path(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await session.commit()
        before = await _scrape(client)

        await client.get("/me", headers=auth(parent))
        await client.get("/me")
        await client.post(f"/notifications/{parent.id}/read", headers=auth(parent))
        await client.get(f"/no-such-thing/{parent.id}")
        await client.request("BREW", "/me")
        after = await _scrape(client)

        def grew(method: str, route: str, status: str) -> float:
            return _requests(after, method, route, status) - _requests(
                before, method, route, status
            )

        assert grew("GET", "/api/v1/me", "200") == 1
        assert grew("GET", "/api/v1/me", "401") == 1
        assert grew("POST", "/api/v1/notifications/{notification_id}/read", "404") == 1
        assert grew("GET", "unmatched", "404") == 1
        assert grew("OTHER", "/api/v1/me", "405") == 1
        assert not any(str(parent.id) in str(key) for key in after)  # ids never become labels
        latency = (
            "kehou_http_request_duration_seconds_count",
            (("method", "GET"), ("route", "/api/v1/me")),
        )
        assert after[latency] - before.get(latency, 0.0) == 2

    async def test_database_figures_are_read_at_scrape_time(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_parent(session)
        await create_device(session, parent)
        await create_device(session, parent)
        await pickup_notice(session, parent)
        school = await create_school(session)
        student = await create_student(session, await create_class(session, school))
        now = clock.now()
        session.add(
            LateCase(school_id=school.id, student_id=student.id, date=date.today(), slot_end_at=now)
        )
        await heartbeat.beat(session, "test-worker")
        await session.commit()

        samples = await _scrape(client)

        assert samples[("kehou_outbox_pending", ())] == 2
        assert samples[("kehou_outbox_oldest_pending_age_seconds", ())] >= 0
        assert samples[("kehou_late_pickups_open", ())] == 1
        assert 0 <= samples[("kehou_worker_heartbeat_age_seconds", ())] < 5
        assert samples[("kehou_workers_alive", ())] == 1
        assert samples[("kehou_database_up", ())] == 1

        await session.execute(text("UPDATE late_pickups SET acknowledged_at = now()"))
        await session.execute(text("UPDATE notification_outbox SET status = 'sent'"))
        await session.commit()
        samples = await _scrape(client)
        assert samples[("kehou_late_pickups_open", ())] == 0
        assert samples[("kehou_outbox_pending", ())] == 0
        assert samples[("kehou_outbox_oldest_pending_age_seconds", ())] == 0

    async def test_without_a_database_the_process_metrics_still_answer(
        self, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        dead = create_async_engine(DEAD_DATABASE, poolclass=NullPool)
        database.use_engine(dead)
        try:
            samples = await _scrape(client)
        finally:
            database.use_engine(engine)
            await dead.dispose()
        assert samples[("kehou_database_up", ())] == 0
        assert ("kehou_outbox_pending", ()) not in samples
        assert any(key[0] == "kehou_http_requests_total" for key in samples)


class TestRequestId:
    async def test_a_sane_incoming_id_is_kept(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": "edge-1f3a:42.b_c"})
        assert response.headers["x-request-id"] == "edge-1f3a:42.b_c"

    @pytest.mark.parametrize(
        "incoming", ["", "has space", 'quote"', "x" * 65, "line\\nforged", "-leading-dash"]
    )
    async def test_anything_else_is_replaced_by_our_own(
        self, client: httpx.AsyncClient, incoming: str
    ) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": incoming})
        request_id = response.headers["x-request-id"]
        assert request_id != incoming
        assert len(request_id) == 32
        int(request_id, 16)

    async def test_the_longest_kept_id_reaches_the_audit_trail(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        student = await create_student(
            session, await create_class(session, await create_school(session))
        )
        mother = await create_parent(session, student)
        await session.commit()
        request_id = "a" * 64

        response = await client.post(
            f"/students/{student.id}/pickup-persons",
            json={"name": "外婆", "phone": "13711112222", "relationship": "外婆"},
            headers={**auth(mother), "X-Request-ID": request_id},
        )

        assert response.status_code == 201, response.text
        assert response.headers["x-request-id"] == request_id
        stored = await session.scalar(
            text("SELECT request_id FROM audit_events WHERE action = 'pickup_person.added'")
        )
        assert stored == request_id

    async def test_errors_carry_it_too(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/me", headers={"X-Request-ID": "abc123"})
        assert response.status_code == 401
        assert response.headers["x-request-id"] == "abc123"


async def test_a_log_line_is_one_json_object_with_the_request_id() -> None:
    # In a fresh process with the configuration ``kehou serve`` applies: a request's own
    # log line and the access line both carry its id.
    program = """
import asyncio, logging, logging.config, httpx
from fastapi import FastAPI
from app.core.context import RequestContextMiddleware
from app.core.logs import log_config
logging.config.dictConfig(log_config("json"))
app = FastAPI()
app.add_middleware(RequestContextMiddleware)
@app.get("/things/{thing_id}")
async def thing(thing_id: int) -> dict:
    logging.getLogger("app.things").warning("looking at %d", thing_id)
    return {}
async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        await c.get("/things/7", headers={"X-Request-ID": "req-77"})
    logging.getLogger("app.outside").info("no request here")
    try:
        1 / 0
    except ZeroDivisionError:
        logging.getLogger("app.outside").exception("broke")
asyncio.run(main())
"""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", program, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    lines = [json.loads(line) for line in err.decode().splitlines()]

    mine, access, outside, broke = lines
    assert mine["message"] == "looking at 7"
    assert (mine["level"], mine["logger"], mine["request_id"]) == (
        "WARNING",
        "app.things",
        "req-77",
    )
    assert "time" in mine
    assert access["logger"] == "kehou.access"
    assert access["request_id"] == "req-77"
    assert (access["route"], access["path"], access["status"]) == (
        "/things/{thing_id}",
        "/things/7",
        200,
    )
    assert access["duration_ms"] >= 0
    assert outside["request_id"] is None
    assert outside["time"].endswith("+00:00")
    assert "ZeroDivisionError" in broke["exc_info"]


class TestReadinessWaitsForAWorker:
    async def test_not_expected_under_tests(self, client: httpx.AsyncClient) -> None:
        response = await client.get("http://test/readyz")
        assert response.status_code == 200
        assert response.json()["worker"] == "not_expected"

    @pytest.mark.usefixtures("worker_expected")
    async def test_no_worker_ever_seen_is_not_ready(self, client: httpx.AsyncClient) -> None:
        response = await client.get("http://test/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "not_ready",
            "database": "ok",
            "migrations": "at_head",
            "worker": "stale",
        }

    @pytest.mark.usefixtures("worker_expected")
    async def test_a_recent_beat_is_ready_and_an_old_one_is_not(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await heartbeat.beat(session, "w1")
        await session.commit()
        response = await client.get("http://test/readyz")
        assert (response.status_code, response.json()["worker"]) == (200, "ok")

        stale = get_settings().worker_stale_seconds + 1
        await session.execute(
            text("UPDATE worker_heartbeats SET seen_at = now() - make_interval(secs => :s)"),
            {"s": stale},
        )
        await session.commit()
        response = await client.get("http://test/readyz")
        assert (response.status_code, response.json()["worker"]) == (503, "stale")

    async def test_workers_gone_a_day_are_forgotten_by_the_next_beat(
        self, session: AsyncSession
    ) -> None:
        await heartbeat.beat(session, "gone")
        await session.execute(
            text("UPDATE worker_heartbeats SET seen_at = now() - interval '25 hours'")
        )
        await heartbeat.beat(session, "alive")
        await session.commit()
        rows = (await session.execute(text("SELECT worker FROM worker_heartbeats"))).scalars().all()
        assert rows == ["alive"]
