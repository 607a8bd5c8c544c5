"""The load generator: one process of the gate-peak crowd, driven by the benchmark over stdin.

Each process owns a shard of the schools (``idx % shards == shard``) so no pass is used by
two processes, reads what it needs of them from the database (ids, groups, families; pass
codes are derived, see ``dataset.pass_code``), mints access tokens with the server's secret
(``app.core.security.create_access_token``) and runs phases the benchmark sends as JSON
lines, answering each with one JSON line of raw results:

- ``closed``: ``concurrency`` users each sending the next request when the last answered
  (saturation);
- ``open``: requests at a fixed Poisson ``rate`` whatever the answers, latency counted from
  the moment each was due (so a stalled server cannot hide its queue).

Operations (``mix`` weights): ``verify`` (duty staff check a pass), ``handover`` (duty staff
hand the child over; after a verify when the mix has both), ``inbox`` (a parent opens
``GET /notifications``, preferring parents just notified), ``roster`` (a group leader reads
their roster), ``roll_call`` (a group leader marks the whole group; one child per class is
absent, and the gate never hands those over).
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg

from app.core.security import create_access_token
from bench import dataset

API = "/api/v1"
TOKEN_REFRESH_SECONDS = 600.0  # tokens live 15 minutes
EXPECTED = {"verify": 200, "handover": 201, "inbox": 200, "roster": 200, "roll_call": 200}
OPEN_LOOP_MAX_IN_FLIGHT = 1024

Call = tuple[str, str, dict[str, str], bytes | None]  # method, path with query, headers, body


class Http:
    """A lean HTTP/1.1 client on keep-alive connections to one server.

    httpx spends about 2 ms of CPU per request here, which at saturation would take most of
    a core away from the server under test on a two-core machine; this spends ~0.1 ms.
    It speaks just what the benchmark needs: JSON bodies with Content-Length, no redirects.
    """

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._open: set[asyncio.StreamWriter] = set()

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        reused = bool(self._idle)
        try:
            return await self._exchange(payload)
        except (ConnectionError, asyncio.IncompleteReadError, EOFError):
            if not reused:
                raise
            # the server closed an idle keep-alive connection: it never saw the request
            return await self._exchange(payload, fresh=True)

    async def _exchange(self, payload: bytes, fresh: bool = False) -> tuple[int, bytes]:
        if self._idle and not fresh:
            reader, writer = self._idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self._open.add(writer)
        try:
            writer.write(payload)
            status_line = await reader.readline()
            if not status_line:
                raise EOFError("connection closed")
            status = int(status_line.split(None, 2)[1])
            length, close, chunked = 0, False, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value == b"close":
                    close = True
                elif name == b"transfer-encoding" and value == b"chunked":
                    chunked = True
            if chunked:
                parts = []
                while size := int((await reader.readline()).split(b";")[0], 16):
                    parts.append(await reader.readexactly(size + 2))
                await reader.readline()
                data = b"".join(p[:-2] for p in parts)
            else:
                data = await reader.readexactly(length) if length else b""
        except BaseException:
            self._open.discard(writer)
            writer.close()
            raise
        if close:
            self._open.discard(writer)
            writer.close()
        else:
            self._idle.append((reader, writer))
        return status, data

    async def aclose(self) -> None:
        for writer in self._open:
            writer.close()
        self._open.clear()
        self._idle.clear()


@dataclass
class Group:
    id: str
    slot_id: str
    leader_id: str
    students: list[str] = field(default_factory=list)
    absent: set[str] = field(default_factory=set)


@dataclass
class School:
    id: str
    idx: int
    duty: list[str] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    pool: list[tuple[str, str]] = field(default_factory=list)  # (student, pass code) in care
    parents: list[str] = field(default_factory=list)
    guardians: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class OpStats:
    latencies: list[float] = field(default_factory=list)  # ms, successful requests
    ok: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "lat": [round(x, 2) for x in self.latencies],
            "ok": self.ok,
            "errors": self.errors,
            "samples": self.samples,
        }


class Crowd:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.schools: list[School] = []
        self.today = ""
        self.verified: deque[tuple[School, str, str]] = deque()
        self.notified: deque[str] = deque(maxlen=10_000)
        self._tokens: dict[str, tuple[str, float]] = {}
        self._roles: dict[str, tuple[list[str], str | None]] = {}

    # -- the world ---------------------------------------------------------------------

    async def load(
        self, db: str, shard: int, shards: int, only: list[int] | None, today: str
    ) -> dict[str, Any]:
        self.today = today
        self.schools, self.verified, self._tokens = [], deque(), {}
        conn = await asyncpg.connect(dataset.asyncpg_dsn(db))
        try:
            rows = await conn.fetch(
                "SELECT idx, school_id FROM bench.schools WHERE idx % $1 = $2"
                " AND ($3::int[] IS NULL OR idx = ANY($3::int[])) ORDER BY idx",
                shards,
                shard,
                only,
            )
            by_id = {
                str(r["school_id"]): School(id=str(r["school_id"]), idx=r["idx"]) for r in rows
            }
            ids = [r["school_id"] for r in rows]
            for r in await conn.fetch(
                "SELECT id, school_id FROM users WHERE school_id = ANY($1)"
                " AND roles @> ARRAY['duty']::varchar[]",
                ids,
            ):
                by_id[str(r["school_id"])].duty.append(str(r["id"]))
                self._roles[str(r["id"])] = (["duty"], str(r["school_id"]))
            groups_of_class: dict[str, list[Group]] = {}
            for r in await conn.fetch(
                "SELECT g.id, g.school_id, g.slot_id, g.leader_id, gc.class_id FROM groups g"
                " JOIN group_classes gc ON gc.group_id = g.id WHERE g.school_id = ANY($1)"
                " ORDER BY g.id",
                ids,
            ):
                group = Group(
                    id=str(r["id"]), slot_id=str(r["slot_id"]), leader_id=str(r["leader_id"])
                )
                by_id[str(r["school_id"])].groups.append(group)
                groups_of_class.setdefault(str(r["class_id"]), []).append(group)
                self._roles[group.leader_id] = (["teacher"], str(r["school_id"]))
            done = {
                str(r["student_id"])
                for r in await conn.fetch(
                    "SELECT student_id FROM handovers WHERE school_id = ANY($1) AND date = $2",
                    ids,
                    date.fromisoformat(today),
                )
            }
            for r in await conn.fetch(
                "SELECT st.id, st.school_id, st.class_id, st.student_no FROM students st"
                " JOIN enrollments e ON e.student_id = st.id AND e.status = 'active'"
                " WHERE st.school_id = ANY($1) ORDER BY st.school_id, st.student_no",
                ids,
            ):
                school = by_id[str(r["school_id"])]
                student, child = str(r["id"]), int(r["student_no"]) - 1
                absent = dataset.is_absent(child)
                for group in groups_of_class.get(str(r["class_id"]), []):
                    group.students.append(student)
                    if absent:
                        group.absent.add(student)
                if not absent and student not in done:
                    school.pool.append((student, dataset.pass_code(school.idx, child)))
            for r in await conn.fetch(
                "SELECT g.student_id, g.user_id, e.school_id FROM guardians g"
                " JOIN enrollments e ON e.student_id = g.student_id AND e.status = 'active'"
                " WHERE e.school_id = ANY($1) ORDER BY g.student_id, g.user_id",
                ids,
            ):
                school = by_id[str(r["school_id"])]
                parent = str(r["user_id"])
                school.guardians.setdefault(str(r["student_id"]), []).append(parent)
                school.parents.append(parent)
                self._roles[parent] = (["parent"], None)
        finally:
            await conn.close()
        self.schools = list(by_id.values())
        for school in self.schools:
            self.rng.shuffle(school.pool)
        return {
            "schools": len(self.schools),
            "pool": sum(len(s.pool) for s in self.schools),
            "groups": sum(len(s.groups) for s in self.schools),
            "parents": sum(len(s.parents) for s in self.schools),
        }

    def token(self, user: str) -> str:
        cached = self._tokens.get(user)
        now = time.monotonic()
        if cached is None or now - cached[1] > TOKEN_REFRESH_SECONDS:
            roles, school = self._roles[user]
            token, _ = create_access_token(
                uuid.UUID(user), roles, uuid.UUID(school) if school else None
            )
            cached = (token, now)
            self._tokens[user] = cached
        return cached[0]

    # -- one phase -----------------------------------------------------------------------

    async def phase(self, spec: dict[str, Any]) -> dict[str, Any]:
        mix: dict[str, float] = {k: v for k, v in spec["mix"].items() if v > 0}
        ops, weights = list(mix), list(mix.values())
        paired = "verify" in mix and "handover" in mix
        stats: dict[str, OpStats] = {op: OpStats() for op in EXPECTED}
        handovers: list[tuple[str, float]] = []
        base_url = spec["base_url"]
        handover_path = spec.get("handover_path", f"{API}/pickups")
        loop = asyncio.get_running_loop()
        gate = [s for s in self.schools if s.pool]
        counters = {"issued": 0, "dropped": 0, "exhausted": 0}
        max_requests = int(spec.get("max_requests", 10**9))
        timeline: list[tuple[float, str, float]] | None = [] if spec.get("timeline") else None

        def gate_school() -> School | None:
            while gate:
                school = self.rng.choice(gate)
                if school.pool:
                    return school
                gate.remove(school)
            return None

        def request(op: str) -> tuple[str, Call, Any] | None:
            """(op, the HTTP call, context) or None when nothing is left to do."""
            if op == "handover" and paired:
                if not self.verified:
                    op = "verify"
                else:
                    school, student, code = self.verified.popleft()
                    call = self.handover_call(school, student, code, handover_path)
                    return op, call, (school, student)
            if op in ("verify", "handover"):
                school = gate_school()
                if school is None:
                    return None
                if op == "verify" and not paired:  # any waiting child's pass, left for later
                    student, code = self.rng.choice(school.pool)
                else:
                    student, code = school.pool.pop()
                if op == "verify":
                    return op, self.verify_call(school, code), (school, student, code)
                return (
                    op,
                    self.handover_call(school, student, code, handover_path),
                    (school, student),
                )
            if op == "inbox":
                parent = self.notified.popleft() if self.notified else None
                if parent is None:
                    parent = self.rng.choice(self.rng.choice(self.schools).parents)
                return op, self.inbox_call(parent), None
            group = self.rng.choice(self.rng.choice(self.schools).groups)
            if op == "roster":
                return op, self.roster_call(group), None
            return op, self.roll_call(group), None

        async def run_one(client: Http, due: float | None) -> None:
            op = ops[0] if len(ops) == 1 else self.rng.choices(ops, weights)[0]
            planned = request(op)
            if planned is None:
                counters["exhausted"] += 1
                planned = request("inbox") if "inbox" in mix else None
                if planned is None:
                    await asyncio.sleep(0.01)
                    return
            op, call, context = planned
            counters["issued"] += 1
            started = due if due is not None else loop.time()
            try:
                status, data = await client.request(*call)
                text = data.decode()
            except (OSError, EOFError, asyncio.IncompleteReadError, ValueError) as exc:
                status, text = 0, f"{type(exc).__name__}: {exc}"
            elapsed_ms = (loop.time() - started) * 1000
            if timeline is not None:  # when each request was due and how long it took
                timeline.append((round(started - phase_started, 4), op, round(elapsed_ms, 2)))
            record = stats[op]
            if status == EXPECTED[op]:
                record.ok += 1
                record.latencies.append(elapsed_ms)
                if op == "verify" and paired:
                    self.verified.append(context)
                elif op == "handover":
                    school, student = context
                    handovers.append((json.loads(text)["id"], time.time()))
                    self.notified.extend(school.guardians.get(student, []))
            else:
                record.errors += 1
                if len(record.samples) < 5:
                    record.samples.append(f"{status} {text[:300]}")

        started = phase_started = loop.time()
        duration = float(spec["duration"])
        client = Http(base_url)
        try:
            if spec["mode"] == "closed":
                stop_at = started + duration

                async def user() -> None:
                    while loop.time() < stop_at and counters["issued"] < max_requests:
                        await run_one(client, None)

                await asyncio.gather(*(user() for _ in range(int(spec["concurrency"]))))
            else:
                rate = float(spec["rate"])
                tasks: set[asyncio.Task[None]] = set()
                due = started
                while counters["issued"] < max_requests:
                    due += self.rng.expovariate(rate)
                    if due >= started + duration:
                        break
                    delay = due - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    if len(tasks) >= OPEN_LOOP_MAX_IN_FLIGHT:
                        counters["dropped"] += 1
                        continue
                    task = asyncio.create_task(run_one(client, due))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if tasks:
                    await asyncio.wait(tasks, timeout=60)
        finally:
            await client.aclose()
        return {
            "elapsed": loop.time() - started,
            "ops": {op: s.as_json() for op, s in stats.items() if s.ok or s.errors},
            "handovers": handovers,
            "timeline": timeline or [],
            **counters,
        }

    # -- requests ---------------------------------------------------------------------

    def as_user(
        self,
        user: str,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        *,
        body: Any = None,
        idempotency: bool = False,
    ) -> Call:
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        if idempotency:  # what the gate and teacher apps send with every POST they may retry
            headers["Idempotency-Key"] = uuid.uuid4().hex
        if query:
            path = f"{path}?{urlencode(query)}"
        data = json.dumps(body).encode() if body is not None else None
        return method, path, headers, data

    def verify_call(self, school: School, code: str) -> Call:
        body = {"code": code}
        return self.as_user(
            self.rng.choice(school.duty), "POST", f"{API}/pickups/verify", body=body
        )

    def handover_call(
        self, school: School, student: str, code: str, path: str = f"{API}/pickups"
    ) -> Call:
        body = {"student_id": student, "date": self.today, "pass_code": code}
        return self.as_user(self.rng.choice(school.duty), "POST", path, body=body, idempotency=True)

    def inbox_call(self, parent: str) -> Call:
        return self.as_user(parent, "GET", f"{API}/notifications", {"limit": 20})

    def roster_call(self, group: Group) -> Call:
        return self.as_user(group.leader_id, "GET", f"{API}/rosters", {"group_id": group.id})

    def roll_call(self, group: Group) -> Call:
        """The whole group marked: present, but for the class's absent child."""
        marks = [
            {"student_id": s, "status": "absent" if s in group.absent else "present"}
            for s in group.students
        ]
        body = {"group_id": group.id, "slot_id": group.slot_id, "date": self.today, "marks": marks}
        path = f"{API}/attendance/roll-calls"
        return self.as_user(group.leader_id, "POST", path, body=body, idempotency=True)


async def serve() -> None:
    """Read commands from stdin, one JSON object a line; answer each with one JSON line."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    crowd: Crowd | None = None
    while line := await reader.readline():
        command = json.loads(line)
        try:
            if command["cmd"] == "load":
                crowd = Crowd(seed=int(command.get("seed", 1)))
                answer: dict[str, Any] = await crowd.load(
                    command["db"],
                    int(command["shard"]),
                    int(command["shards"]),
                    command.get("only"),
                    command["today"],
                )
                # The crowd is ~1.2 million objects that live to the end: a full garbage
                # collection of them took 340 ms, and the requests due meanwhile went out
                # late and counted it as latency (the p99 of every operation at once). As
                # the server does after start-up, keep them out of every collection.
                gc.collect()
                gc.freeze()
            elif command["cmd"] == "phase":
                assert crowd is not None, "load first"
                answer = await crowd.phase(command)
            elif command["cmd"] == "quit":
                return
            else:
                answer = {"error": f"unknown command {command['cmd']}"}
        except Exception as exc:  # reported to the benchmark, which stops
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        asyncio.run(serve())
    else:
        uvloop.run(serve())
