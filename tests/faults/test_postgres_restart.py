"""PostgreSQL stopped and started under a bounded load, with the API and the worker as real
processes: the outage answers 503, nothing acknowledged is lost, and every notice is pushed
exactly once after the restart.

The load is parents adding an adult who may collect their child
(``POST /students/{id}/pickup-persons``): each write notifies the other parent, whose phone
gets one push. Everything listens on 127.0.0.1: a private PostgreSQL on a free port, the API
(``kehou serve``), the worker (``kehou worker --metrics-port``) and a fake FCM.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.auth.models import User
from app.school.models import Student
from tests.conftest import ROOT, TEST_SECRET
from tests.factories import auth, create_class, create_parent, create_school, create_student
from tests.faults.postgres import PrivatePostgres, binaries, free_port
from tests.notifications.factories import create_device
from tests.notifications.fakes import FakeFcm

pytestmark = pytest.mark.skipif(binaries() is None, reason="no PostgreSQL binaries here")

FAMILIES = 12  # each may name 20 adults; the most writes at one child here is 10
# Writes in each phase; while the server stops, writes go on until one is refused (at most
# DURING_STOP): some are in flight when it goes.
BEFORE, DURING_STOP, WHILE_DOWN, AFTER = 12, 80, 6, 12
ACKS_BEFORE_STOP = 4
CONCURRENCY = 4
REQUEST_TIMEOUT = 20.0
STARTUP_SECONDS = 60.0
RETRIES_AFTER_RESTART = 8  # a client honouring Retry-After: 1 s


@dataclass
class Family:
    student: Student
    mother: User
    father: User


@dataclass
class Write:
    family: Family
    phone: str
    statuses: list[int]
    person_id: str | None = None


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    bin_dir = binaries()
    assert bin_dir is not None
    server = PrivatePostgres(bin_dir).init()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
async def kehou_db(postgres: PrivatePostgres) -> AsyncIterator[str]:
    admin = create_async_engine(
        f"{postgres.server_url}/postgres", poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as connection:
        await connection.execute(text("CREATE DATABASE kehou"))
    await admin.dispose()
    yield f"{postgres.server_url}/kehou"


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcm]:
    server = FakeFcm().start()
    yield server
    server.stop()


class Process:
    """A ``kehou`` command in its own process, its output in a file; stopped by its pid."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Process:
        log = self.log_path.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            *self.args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def _until_status(client: httpx.AsyncClient, url: str, status: int, process: Process) -> None:
    async with asyncio.timeout(STARTUP_SECONDS):
        while True:
            assert process.process and process.process.returncode is None, process.output()
            try:
                if (await client.get(url)).status_code == status:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)


async def _families(url: str) -> list[Family]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            school = await create_school(session)
            klass = await create_class(session, school)
            families = []
            for i in range(FAMILIES):
                student = await create_student(session, klass, name=f"学生{i}")
                mother = await create_parent(session, student, phone=f"1380000{i:04d}")
                father = await create_parent(
                    session, student, phone=f"1390000{i:04d}", relationship="爸爸"
                )
                await create_device(session, father, token=f"father-{i}")
                families.append(Family(student, mother, father))
            await session.commit()
    finally:
        await engine.dispose()
    return families


async def _add_person(api: httpx.AsyncClient, write: Write) -> None:
    try:
        response = await api.post(
            f"/api/v1/students/{write.family.student.id}/pickup-persons",
            json={"name": "外婆", "phone": write.phone, "relationship": "外婆"},
            headers=auth(write.family.mother),
        )
    except httpx.TransportError:
        write.statuses.append(0)  # no answer at all: never acceptable
        return
    write.statuses.append(response.status_code)
    if response.status_code == 201:
        write.person_id = response.json()["id"]
    elif response.status_code == 503:
        assert response.headers["retry-after"] == "1"
        assert response.json()["code"] == "service.unavailable"


async def _stop_under_load(
    api: httpx.AsyncClient, postgres: PrivatePostgres, writes: list[Write]
) -> list[Write]:
    """Writes ``CONCURRENCY`` at a time until one is refused; the server stops meanwhile,
    once ``ACKS_BEFORE_STOP`` were acknowledged. Returns the writes sent."""
    queue = iter(writes)
    sent: list[Write] = []
    enough = asyncio.Event()

    def refused() -> bool:
        return any(w.statuses == [503] for w in sent)

    async def client() -> None:
        for write in queue:
            if refused():
                return
            sent.append(write)
            await _add_person(api, write)
            if sum(w.statuses == [201] for w in sent) >= ACKS_BEFORE_STOP:
                enough.set()

    async def stop() -> None:
        await asyncio.wait_for(enough.wait(), REQUEST_TIMEOUT)
        await asyncio.to_thread(postgres.stop)

    await asyncio.gather(stop(), *(client() for _ in range(CONCURRENCY)))
    return sent


async def _in_batches(api: httpx.AsyncClient, writes: list[Write]) -> None:
    for start in range(0, len(writes), CONCURRENCY):
        await asyncio.gather(*(_add_person(api, w) for w in writes[start : start + CONCURRENCY]))


def _metric(body: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def test_a_postgres_restart_under_load_loses_nothing_and_pushes_each_notice_once(
    database_url: str,  # the test settings: tokens are signed with TEST_SECRET
    postgres: PrivatePostgres,
    kehou_db: str,
    fake_fcm: FakeFcm,
    tmp_path: Path,
) -> None:
    api_port, metrics_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEHOU_")}
    env |= {
        "KEHOU_ENV": "production",
        "KEHOU_DATABASE_URL": kehou_db,
        "KEHOU_JWT_SECRET": TEST_SECRET,
        "KEHOU_DATA_DIR": str(tmp_path / "data"),
        "KEHOU_FCM_CREDENTIALS": str(fake_fcm.write_service_account(tmp_path / "account.json")),
        "KEHOU_FCM_ENDPOINT": fake_fcm.endpoint,
    }
    server = Process("api", ["serve", "--port", str(api_port)], env, tmp_path)
    worker = Process("worker", ["worker", "--metrics-port", str(metrics_port)], env, tmp_path)
    base = f"http://127.0.0.1:{api_port}"
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT) as api:
        try:
            await server.start()  # migrates the empty database first
            await _until_status(api, "/healthz", 200, server)
            assert (await api.get("/readyz")).json()["worker"] == "stale"  # none yet
            await worker.start()
            await _until_status(api, "/readyz", 200, worker)
            families = await _families(kehou_db)
            phones = iter(range(10**6))
            writes = [
                Write(families[k % FAMILIES], f"1370000{next(phones):04d}", [])
                for k in range(BEFORE + DURING_STOP + WHILE_DOWN + AFTER)
            ]
            before = writes[:BEFORE]
            during = writes[BEFORE : BEFORE + DURING_STOP]
            down = writes[BEFORE + DURING_STOP : BEFORE + DURING_STOP + WHILE_DOWN]
            after = writes[BEFORE + DURING_STOP + WHILE_DOWN :]

            await _in_batches(api, before)
            assert [w.statuses for w in before] == [[201]] * BEFORE

            # The server goes away with requests in flight.
            during = await _stop_under_load(api, postgres, during)
            statuses = Counter(w.statuses[0] for w in during)
            assert set(statuses) == {201, 503}, statuses
            assert statuses[201] >= ACKS_BEFORE_STOP

            await _in_batches(api, down)
            writes = before + during + down + after  # the writes sent
            assert [w.statuses for w in down] == [[503]] * WHILE_DOWN
            ready = await api.get("/readyz")
            assert (ready.status_code, ready.json()["database"]) == (503, "unreachable")
            scrape = (await api.get("/metrics")).text
            assert _metric(scrape, "kehou_database_up") == 0

            await asyncio.to_thread(postgres.start)

            # Clients retry what got a 503; new writes arrive too.
            async def until_answered(write: Write) -> None:
                for _ in range(RETRIES_AFTER_RESTART):
                    await _add_person(api, write)
                    if write.statuses[-1] != 503:
                        return
                    await asyncio.sleep(1)

            unanswered = [w for w in during + down if w.statuses[-1] == 503]
            for start in range(0, len(unanswered + after), CONCURRENCY):
                batch = (unanswered + after)[start : start + CONCURRENCY]
                await asyncio.gather(*(until_answered(w) for w in batch))

            for write in writes:
                assert 0 not in write.statuses, "a request went unanswered"
                assert set(write.statuses) <= {201, 409, 503}, write.statuses
                # 409: a retry of a write whose 503 came after its commit (the phone is taken)
                assert write.statuses[-1] in (201, 409), write.statuses
                if write.statuses[-1] == 409:
                    assert write in during
            acknowledged = {w.person_id for w in writes if w.person_id}
            assert len(acknowledged) >= len(before) + len(after)

            # Every acknowledged write is stored, and each stored one notified the father.
            engine = create_async_engine(kehou_db, poolclass=NullPool)
            try:
                stored = await _stored(engine)
                assert acknowledged <= set(stored.persons)
                assert set(stored.persons) <= {w.person_id for w in writes} | _late_acks(
                    writes, stored
                )
                assert len(stored.notices) == len(stored.persons)
                await _until_delivered(engine, worker)
            finally:
                await engine.dispose()

            pushed = Counter(
                r["body"]["message"]["data"]["notification_id"] for r in fake_fcm.requests
            )
            assert pushed == Counter(stored.notices), "each notice pushed exactly once"

            async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as scraper:
                worker_metrics = (
                    await scraper.get(f"http://127.0.0.1:{metrics_port}/metrics")
                ).text
            assert _metric(worker_metrics, "kehou_pushes_sent_total", channel="fcm") == len(
                stored.notices
            )
            api_metrics = (await api.get("/metrics")).text
            route = "/api/v1/students/{student_id}/pickup-persons"
            assert (
                _metric(api_metrics, "kehou_http_requests_total", route=route, status="503")
                >= WHILE_DOWN
            )
            assert _metric(api_metrics, "kehou_database_up") == 1
            assert _metric(api_metrics, "kehou_outbox_pending") == 0
            assert _metric(api_metrics, "kehou_workers_alive") == 1
        finally:
            await worker.stop()
            await server.stop()
    assert "Traceback" not in server.log_path.read_text(errors="replace"), server.output()
    # the worker met the outage too, and waited it out
    assert "notify.database_unavailable" in worker.log_path.read_text(errors="replace")


@dataclass
class Stored:
    persons: dict[str, str]  # pickup person id → phone
    notices: list[str]  # notification ids of kind pickup.person_added


async def _stored(engine: AsyncEngine) -> Stored:
    async with engine.connect() as connection:
        persons = dict(
            (str(pid), phone)
            for pid, phone in await connection.execute(text("SELECT id, phone FROM pickup_persons"))
        )
        notices = [
            str(nid)
            for (nid,) in await connection.execute(
                text("SELECT id FROM notifications WHERE kind = 'pickup.person_added'")
            )
        ]
    return Stored(persons, notices)


def _late_acks(writes: list[Write], stored: Stored) -> set[str]:
    """Persons stored by a write whose answer was a 503 (the commit went through first)."""
    answered_409 = {w.phone for w in writes if w.statuses[-1] == 409}
    return {pid for pid, phone in stored.persons.items() if phone in answered_409}


async def _until_delivered(engine: AsyncEngine, worker: Process) -> None:
    async with asyncio.timeout(STARTUP_SECONDS):
        while True:
            assert worker.process and worker.process.returncode is None, worker.output()
            async with engine.connect() as connection:
                pending = await connection.scalar(
                    text("SELECT count(*) FROM notification_outbox WHERE status <> 'sent'")
                )
            if pending == 0:
                return
            await asyncio.sleep(0.25)
