"""``make bench``: the dismissal-peak benchmark, end to end, in one command.

1. Databases: the district (``--schools`` × ``--children``) and a one-school twin for the
   scale comparison, migrated to head and filled by ``bench.dataset`` and the report
   month's history by ``bench.history`` (both cached).
2. Processes: a fake FCM, ``kehou serve --workers N``, ``kehou worker`` pushing to the fake,
   and ``--load-procs`` load generators (``bench.load``), all on 127.0.0.1.
3. Phases: warm-up; each operation alone at saturation; the gate-peak mix at saturation;
   the mix at half that rate (open loop) for latency and notification lag; the outbox
   drained; the office's and the district's reports alone, then the half-saturation mix
   again while they are pulled (``bench.reports``, with server-side timings from
   ``bench.pgstats``); Kehou's handover alone at saturation, then the raw asyncpg baseline's
   (``bench.baseline``) under the same worker count; roster and pickup latency for one
   school with the whole district in the database and with that school alone.
4. The table on stdout and ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from app.core.migrations import upgrade
from app.core.settings import Settings, use_settings
from bench import dataset, history, pgstats, report, reports
from bench.fakefcm import endpoint as fcm_endpoint
from bench.fakefcm import write_service_account
from bench.procs import PYTHON, ROOT, Meter, Proc, free_port, wait_ready

# The secret the server runs with and the pass digests are made with. A benchmark secret,
# never a deployment's: the data set is throwaway.
BENCH_SECRET = "kehou-bench-secret-not-for-production-0123456789"
LOCAL_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"

# The gate peak, per child handed over: the pass checked and the handover confirmed, both
# guardians opening the notice, and teachers reading rosters and taking roll meanwhile.
MIX = {"verify": 1.0, "handover": 1.0, "inbox": 2.0, "roster": 0.75, "roll_call": 0.25}
PROBE_MIX = {"roster": 1.0, "verify": 1.0, "handover": 1.0}
# A phase in which processes outside the run used more than this share of the machine's
# CPU is flagged: its figures say as much about the neighbours as about Kehou.
DISTURBED_SHARE = 0.10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    p.add_argument("--schools", type=int, default=200, help="schools in the district (200)")
    p.add_argument("--children", type=int, default=3000, help="children per school (3000)")
    p.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    p.add_argument("--load-procs", type=int, default=2, help="load generator processes (2)")
    p.add_argument("--concurrency", type=int, default=32, help="closed-loop users (32)")
    p.add_argument("--duration", type=float, default=20, help="seconds of the mixed phases")
    p.add_argument("--solo-seconds", type=float, default=8, help="seconds per solo phase")
    p.add_argument("--probe-rate", type=float, default=30, help="req/s of the scale probe")
    p.add_argument("--probe-seconds", type=float, default=20, help="seconds of each probe")
    p.add_argument(
        "--database-url",
        help=f"the district's database (default {LOCAL_SERVER}/kehou_bench_<schools>x<children>)",
    )
    p.add_argument("--fresh", action="store_true", help="regenerate the data set")
    p.add_argument("--data-only", action="store_true", help="prepare the data sets and stop")
    p.add_argument("--skip-scale", action="store_true", help="no one-school comparison")
    p.add_argument("--skip-baseline", action="store_true", help="no raw asyncpg baseline")
    p.add_argument("--skip-reports", action="store_true", help="no office or district reports")
    p.add_argument(
        "--no-history",
        action="store_true",
        help="no month of history (and no reports): the gate peak as before issue 26",
    )
    p.add_argument("--report-seconds", type=float, default=8, help="seconds per report figure (8)")
    p.add_argument(
        "--profile",
        action="store_true",
        help="sample every server worker with py-spy during each phase (bench/results/profiles)",
    )
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    return p.parse_args(argv)


def say(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def _local_server_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def database_name(schools: int, children: int) -> str:
    """One database per shape, so switching ``--schools`` never throws a data set away."""
    return f"kehou_bench_{schools}x{children}"


def database_urls(args: argparse.Namespace) -> tuple[str, str]:
    """The district's database and its one-school twin on the same server."""
    url = args.database_url
    name = database_name(args.schools, args.children)
    if url is None:
        if _local_server_up():
            url = f"{LOCAL_SERVER}/{name}"
        else:  # no server here: the embedded one the app itself would use
            from app.core.embedded import embedded_database_url

            say("no PostgreSQL on 127.0.0.1:5432: using the embedded one in .kehou/bench")
            url = embedded_database_url(ROOT / ".kehou" / "bench", database=name)
    url = Settings(database_url=url).database_url or url
    base, _, query = url.partition("?")
    twin = f"{base.rsplit('/', 1)[0]}/{database_name(1, args.children)}"
    return url, twin + (f"?{query}" if query else "")


async def ensure_database(url: str) -> None:
    base, _, query = url.partition("?")
    prefix, name = base.rsplit("/", 1)
    admin = await asyncpg.connect(
        dataset.asyncpg_dsn(f"{prefix}/postgres" + (f"?{query}" if query else ""))
    )
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def prepare_database(
    url: str, shape: dataset.Shape, fresh: bool, with_history: bool = True
) -> dataset.RunDay:
    await ensure_database(url)
    await asyncio.to_thread(upgrade, url)
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        await dataset.ensure_dataset(conn, shape, fresh=fresh, log=say)
        day = await dataset.prepare_run(conn)
        if with_history:
            await history.ensure_history(conn, url, day.today, log=say)
        return day
    finally:
        await conn.close()


async def server_settings(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        return await pgstats.prepare(conn)
    finally:
        await conn.close()


async def report_users(url: str, today: Any) -> reports.Reports:
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        return await reports.load(conn, history.report_month(today)[0])
    finally:
        await conn.close()


class Bench:
    def __init__(self, args: argparse.Namespace, log_dir: Path) -> None:
        self.args = args
        self.log_dir = log_dir
        self.meter = Meter()
        self.loaders: list[Proc] = []
        self.results: dict[str, Any] = {}
        self.kehou = ""
        self.procs: list[Proc] = []
        self.server: Proc | None = None
        self.worker: Proc | None = None

    def env(self, url: str) -> dict[str, str]:
        return {
            "KEHOU_DATABASE_URL": url,
            "KEHOU_JWT_SECRET": BENCH_SECRET,
            "KEHOU_ENV": "production",
            # The server is awaited on /readyz before its worker starts (and the one-school
            # twin has none): readiness must not wait for a worker's heartbeat.
            "KEHOU_EXPECT_WORKER": "false",
        }

    async def start(self, name: str, argv: list[str], env: dict[str, str], **kw: Any) -> Proc:
        proc = await Proc(name, argv, env, self.log_dir).start(**kw)
        self.procs.append(proc)
        return proc

    async def serve(self, url: str, name: str = "server") -> tuple[Proc, str]:
        port = free_port()
        kehou = Path(PYTHON).with_name("kehou")
        cmd = [str(kehou)] if kehou.exists() else [PYTHON, "-m", "app.cli"]
        argv = [
            *cmd,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(self.args.workers),
        ]
        proc = await self.start(name, argv, self.env(url))
        await wait_ready(f"http://127.0.0.1:{port}/readyz")
        return proc, f"http://127.0.0.1:{port}"

    async def raw_phase(
        self, name: str, spec: dict[str, Any], loaders: list[Proc] | None = None
    ) -> dict[str, Any]:
        """One phase on every load process, merged, with the CPU each component spent."""
        loaders = loaders or self.loaders
        n = len(loaders)
        load = spec.get("concurrency") or spec.get("rate")
        say(f"phase {name}: {spec['mode']} {load} for {spec['duration']:.0f} s")
        per = dict(spec)
        if "concurrency" in spec:
            per["concurrency"] = max(1, round(spec["concurrency"] / n))
        if "rate" in spec:
            per["rate"] = spec["rate"] / n
        spies = await self.spy(name, spec["duration"])
        before, started = self.meter.snapshot(), time.monotonic()
        answers = await asyncio.gather(*(p.ask({"cmd": "phase", **per}) for p in loaders))
        for spy in spies:
            await spy.wait()
        merged = report.merge(answers)
        merged["cpu"] = Meter.cpu_between(before, self.meter.snapshot())
        merged["wall"] = time.monotonic() - started
        return merged

    def summarise(self, merged: dict[str, Any], server: str = "server") -> dict[str, Any]:
        result = report.summary(merged)
        used, wall = merged["cpu"], merged["wall"]
        result["cpu_share"] = {k: round(v / wall / psutil.cpu_count(), 3) for k, v in used.items()}
        requests = sum(s["requests"] for s in result["ops"].values())
        # CPU the server processes spent per request: the cost, whatever else shares the cores
        result["server_cpu_ms"] = (
            round(used.get(server, 0.0) / requests * 1000, 2) if requests else None
        )
        result["handovers"] = merged["handovers"]
        return result

    async def phase(
        self,
        name: str,
        spec: dict[str, Any],
        loaders: list[Proc] | None = None,
        server: str = "server",
    ) -> dict[str, Any]:
        result = self.summarise(await self.raw_phase(name, spec, loaders), server)
        say(f"phase {name}: {result['rps']} req/s, {result['errors']} errors")
        for op, s in result["ops"].items():
            for sample in s["error_samples"]:
                say(f"  {op} error: {sample}")
        return result

    async def spy(self, phase: str, seconds: float) -> list[asyncio.subprocess.Process]:
        """py-spy on each server worker and the notification worker for the phase
        (``--profile``): collapsed stacks, one file per process."""
        if not self.args.profile or self.server is None:
            return []
        out = ROOT / "bench" / "results" / "profiles"
        out.mkdir(parents=True, exist_ok=True)
        slug = phase.replace(" ", "-").replace("(", "").replace(")", "")
        spies = []
        targets = [("server", p) for p in self.server.tree()[1:]]
        targets += [
            ("worker", p) for w in self.meter.components.get("worker", []) for p in w.tree()
        ]
        for kind, p in targets:
            spies.append(
                await asyncio.create_subprocess_exec(
                    str(Path(PYTHON).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(p.pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--output",
                    str(out / f"{slug}-{kind}-{p.pid}.txt"),
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
            )
        return spies

    async def outbox_drained(self, url: str, within: float = 300) -> float | None:
        """Seconds until no push is pending (None: still pending after ``within``)."""
        conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
        started = time.monotonic()
        try:
            while time.monotonic() - started < within:
                pending = await conn.fetchval(
                    "SELECT count(*) FROM notification_outbox WHERE status = 'pending'"
                )
                if pending == 0:
                    return round(time.monotonic() - started, 2)
                await asyncio.sleep(0.25)
            return None
        finally:
            await conn.close()

    async def drop_pending_pushes(self, url: str) -> int:
        """Delete the pushes the paused phases queued: nothing measures their delivery, which
        took the worker over three minutes (rows a paused worker holds are left to it)."""
        conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
        try:
            dropped: int = await conn.fetchval(
                "WITH gone AS (DELETE FROM notification_outbox WHERE id IN ("
                " SELECT id FROM notification_outbox WHERE status = 'pending'"
                " FOR UPDATE SKIP LOCKED) RETURNING 1) SELECT count(*) FROM gone"
            )
            return dropped
        finally:
            await conn.close()

    async def run(self) -> dict[str, Any]:
        args = self.args
        url, twin = database_urls(args)
        self.meter.databases = {u.split("?")[0].rsplit("/", 1)[1] for u in (url, twin)}
        use_settings(Settings(database_url=url, jwt_secret=BENCH_SECRET))
        shape = dataset.Shape(schools=args.schools, children=args.children)
        say(f"database {url.split('@')[-1]}")
        started = time.monotonic()
        history_too = not args.no_history
        day = await prepare_database(url, shape, args.fresh, history_too)
        if not args.skip_scale:
            await prepare_database(
                twin, dataset.Shape(schools=1, children=args.children), args.fresh, history_too
            )
        data_seconds = time.monotonic() - started
        say(
            f"data ready in {data_seconds:.0f} s; schools at 16:30 in {day.zone}, today {day.today}"
        )
        if args.data_only:
            return {}
        server_side = await server_settings(url)
        say(f"PostgreSQL: {server_side}")

        fcm_port = free_port()
        account = self.log_dir / "fcm-service-account.json"
        write_service_account(account, fcm_port)
        fcm = await self.start(
            "fakefcm", [PYTHON, "-m", "bench.fakefcm", "--port", str(fcm_port)], {}
        )
        fcm_url = f"http://127.0.0.1:{fcm_port}"
        server, self.kehou = await self.serve(url)
        self.server = server
        worker = self.worker = await self.start(
            "worker",
            [PYTHON, "-m", "app.cli", "worker"],
            {
                **self.env(url),
                "KEHOU_FCM_CREDENTIALS": str(account),
                "KEHOU_FCM_ENDPOINT": fcm_endpoint(fcm_port),
            },
        )
        for i in range(args.load_procs):
            loader = await self.start(
                f"load{i}",
                [PYTHON, "-m", "bench.load"],
                {"KEHOU_JWT_SECRET": BENCH_SECRET},
                stdin=True,
            )
            self.loaders.append(loader)
        await self.load_crowd(url, day)
        self.meter.components = {
            "server": [server],
            "worker": [worker],
            "load": self.loaders,
            "fakefcm": [fcm],
        }
        self.meter.rss_of = [server]
        self.meter.start()

        common = {"base_url": self.kehou, "mode": "closed", "concurrency": args.concurrency}
        phases: dict[str, Any] = {}
        phases["warmup"] = await self.phase("warm-up", {**common, "mix": MIX, "duration": 5})
        solo: dict[str, Any] = {}
        for op in ("verify", "inbox", "roster", "roll_call"):
            result = await self.phase(
                f"{op} alone", {**common, "mix": {op: 1}, "duration": args.solo_seconds}
            )
            phases[f"solo_{op}"] = result
            solo[op] = {**result["ops"].get(op, {}), "server_cpu_ms": result["server_cpu_ms"]}
        drained_before = await self.outbox_drained(url)
        mixed = await self.phase(
            "mix at saturation", {**common, "mix": MIX, "duration": args.duration}
        )
        phases["mixed_saturation"] = mixed
        say("waiting for the outbox to drain")
        drain_after_saturation = await self.outbox_drained(url)
        async with httpx.AsyncClient(base_url=fcm_url) as client:
            saturation_receipts = (await client.get("/receipts")).json()["receipts"]
            await client.post("/reset")
        rate = round(mixed["rps"] / 2, 1)
        window = pgstats.Window(url)
        await window.start()
        half = await self.phase(
            "mix at half saturation",
            {
                "base_url": self.kehou,
                "mode": "open",
                "rate": rate,
                "mix": MIX,
                "duration": args.duration,
                "timeline": True,
            },
        )
        half["rate_target"] = rate
        half["server_side"] = await window.stop()
        phases["half_saturation"] = half
        drain_seconds = await self.outbox_drained(url)
        async with httpx.AsyncClient(base_url=fcm_url) as client:
            receipts = (await client.get("/receipts")).json()["receipts"]
            await client.post("/reset")

        office: dict[str, Any] | None = None
        if not (args.skip_reports or args.no_history):
            office = await self.reports(url, day, rate)
            phases["half_saturation_with_reports"] = office.pop("phase")

        # The two handover endpoints are compared with the notification worker paused in
        # both, so each costs only its own work. Left running, the worker delivered Kehou's
        # pushes as they came (3.5 ms of its CPU per handover, on the cores the server
        # needed) but fell behind on the baseline's (their outbox took 107 s to drain), so
        # only Kehou paid for delivery. The mixes above run with it, as in service.
        assert self.worker is not None
        self.worker.pause()
        handover = await self.phase(
            "handover alone", {**common, "mix": {"handover": 1}, "duration": args.solo_seconds}
        )
        phases["solo_handover"] = handover
        solo["handover"] = {
            **handover["ops"].get("handover", {}),
            "server_cpu_ms": handover["server_cpu_ms"],
        }
        await self.meter.stop()
        peak_rss = max(self.meter.peak_rss.values(), default=0)

        baseline: dict[str, Any] | None = None
        if not args.skip_baseline:
            raw = await self.baseline(url, day, common)
            phases["baseline_handover"] = raw
            kehou_rps = handover["ops"].get("handover", {}).get("rps", 0.0)
            raw_rps = raw["ops"].get("handover", {}).get("rps", 0.0)
            baseline = {
                "kehou_rps": kehou_rps,
                "baseline_rps": raw_rps,
                "kehou_server_cpu_ms": handover["server_cpu_ms"],
                "baseline_server_cpu_ms": raw["server_cpu_ms"],
                "ratio": round(kehou_rps / raw_rps, 2) if raw_rps else None,
            }
        dropped = await self.drop_pending_pushes(url)
        self.worker.resume()
        say(f"dropped {dropped} pushes queued while the worker was paused; draining the rest")
        await self.outbox_drained(url)

        scale: dict[str, Any] | None = None
        if not args.skip_scale:
            many_probe, one_probe = await self.scale(url, twin, day)
            phases["probe_district"], phases["probe_one_school"] = many_probe, one_probe
            scale = {"rate": args.probe_rate, "ops": {}}
            for op in PROBE_MIX:
                one = one_probe["ops"].get(op, {}).get("p50_ms")
                many = many_probe["ops"].get(op, {}).get("p50_ms")
                scale["ops"][op] = {
                    "one_p50_ms": one,
                    "many_p50_ms": many,
                    "one_p95_ms": one_probe["ops"].get(op, {}).get("p95_ms"),
                    "many_p95_ms": many_probe["ops"].get(op, {}).get("p95_ms"),
                    "ratio": round(many / one, 2) if one and many else None,
                }

        await self.stop_all()

        return self.assemble(
            day=day,
            url=url,
            data_seconds=data_seconds,
            phases=phases,
            solo=solo,
            mixed=mixed,
            half=half,
            receipts=receipts,
            saturation_receipts=saturation_receipts,
            drain_seconds=drain_seconds,
            drain_after_saturation=drain_after_saturation,
            drained_before=drained_before,
            peak_rss=peak_rss,
            baseline=baseline,
            scale=scale,
            office=office,
            server_side=server_side,
        )

    async def reports(self, url: str, day: dataset.RunDay, rate: float) -> dict[str, Any]:
        """The reports alone (closed loop, one user each), with the server workers' peak RSS
        during the exports; then the half-saturation mix again while admins pull monthly
        ledgers and the district its month."""
        cfg = await report_users(url, day.today)
        say(f"reports of {cfg.month}: each alone for {self.args.report_seconds:.0f} s")
        kept = dict(self.meter.peak_rss)
        self.meter.peak_rss.clear()
        window = pgstats.Window(url)
        await window.start()
        before, started = self.meter.snapshot(), time.monotonic()
        figures = await reports.figures(self.kehou, cfg, self.args.report_seconds)
        cpu = Meter.cpu_between(before, self.meter.snapshot())
        wall = time.monotonic() - started
        figures_server = await window.stop()
        rss = max(self.meter.peak_rss.values(), default=0)
        for pid, value in kept.items():
            self.meter.peak_rss[pid] = max(value, self.meter.peak_rss.get(pid, 0))
        for name, f in figures.items():
            say(f"  {name}: p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms ({f['requests']} requests,"
                f" {f['errors']} errors, {f['bytes']:,} bytes)")  # fmt: skip
        say(f"  server worker peak RSS during the reports and exports: {rss / 2**20:.0f} MB")
        stop = asyncio.Event()
        pulling = asyncio.create_task(reports.pullers(self.kehou, cfg, stop))
        window = pgstats.Window(url)
        await window.start()
        try:
            phase = await self.phase(
                "mix at half saturation with reports",
                {
                    "base_url": self.kehou,
                    "mode": "open",
                    "rate": rate,
                    "mix": MIX,
                    "duration": self.args.duration,
                    "timeline": True,
                },
            )
        finally:
            stop.set()
            pulled = await pulling
        phase["rate_target"] = rate
        phase["server_side"] = await window.stop()
        phase["reports"] = pulled
        phase.pop("handovers", None)
        for name, f in pulled.items():
            say(f"  pulled meanwhile: {name}: p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms,"
                f" {f['requests']} requests, {f['errors']} errors")  # fmt: skip
        await self.outbox_drained(url)
        return {
            "month": cfg.month,
            "figures": figures,
            "figures_cpu_share": {
                k: round(v / wall / psutil.cpu_count(), 3) for k, v in cpu.items()
            },
            "figures_server_side": figures_server,
            "export_peak_rss_mb": round(rss / 2**20, 1),
            "phase": phase,
        }

    async def load_crowd(self, url: str, day: dataset.RunDay) -> None:
        n = len(self.loaders)
        loaded = await asyncio.gather(
            *(
                p.ask(
                    {
                        "cmd": "load",
                        "db": url,
                        "shard": i,
                        "shards": n,
                        "today": day.today.isoformat(),
                        "seed": i + 1,
                    }
                )
                for i, p in enumerate(self.loaders)
            )
        )
        passes = sum(x["pool"] for x in loaded)
        schools = sum(x["schools"] for x in loaded)
        say(
            f"load generators hold {passes:,} passes of children still in care in {schools} schools"
        )

    async def baseline(
        self, url: str, day: dataset.RunDay, common: dict[str, Any]
    ) -> dict[str, Any]:
        """The raw asyncpg handover at saturation, under the same number of workers."""
        port = free_port()
        argv = [PYTHON, "-m", "uvicorn", "bench.baseline:app", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--workers", str(self.args.workers), "--log-level", "info"]
        base = await self.start("baseline", argv, self.env(url))
        await wait_ready(f"http://127.0.0.1:{port}/healthz")
        self.meter.components["baseline"] = [base]
        spec = {
            **common,
            "base_url": f"http://127.0.0.1:{port}",
            "handover_path": "/baseline/pickups",
            "mix": {"handover": 1},
            "duration": self.args.solo_seconds,
        }
        try:
            return await self.phase("baseline handover alone", spec, server="baseline")
        finally:
            await base.stop()

    async def scale(
        self, url: str, twin: str, day: dataset.RunDay
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """School 0's roster and pickup at a low fixed rate, with the district and alone.

        Both servers run side by side and the probes take turns (district, alone, alone,
        district, ...) so a neighbour's load on the machine falls on both alike.
        """
        one_server, one_url = await self.serve(twin, "server-1school")
        self.meter.components["server"].append(one_server)
        probes = []
        for name, db, base_url in (("probe", url, self.kehou), ("probe-1school", twin, one_url)):
            loader = await self.start(
                name, [PYTHON, "-m", "bench.load"], {"KEHOU_JWT_SECRET": BENCH_SECRET}, stdin=True
            )
            self.meter.components["load"].append(loader)
            load = {"cmd": "load", "db": db, "shard": 0, "shards": 1, "only": [0], "seed": 99}
            await loader.ask({**load, "today": day.today.isoformat()})
            probes.append((loader, base_url))
        rounds: list[list[dict[str, Any]]] = [[], []]
        order = [0, 1, 1, 0, 0, 1, 1, 0]
        seconds = self.args.probe_seconds * 2 / len(order)
        for i, which in enumerate([0, 1, *order]):
            loader, base_url = probes[which]
            spec = {
                "base_url": base_url,
                "mode": "open",
                "rate": self.args.probe_rate,
                "mix": PROBE_MIX,
                "duration": 3 if i < 2 else seconds,  # the first two warm up
            }
            label = ("district", "one school")[which]
            raw = await self.raw_phase(f"probe ({label})", spec, [loader])
            if i >= 2:
                rounds[which].append(raw)
        await one_server.stop()
        district, alone = (self.summarise(report.merge(r, sequential=True)) for r in rounds)
        return district, alone

    async def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.resume()  # a paused process would not see SIGTERM
            await proc.stop()

    def assemble(self, **f: Any) -> dict[str, Any]:
        args = self.args
        half, mixed, solo = f["half"], f["mixed"], f["solo"]
        lag = report.lag(half["handovers"], f["receipts"])
        lag_saturation = report.lag(mixed["handovers"], f["saturation_receipts"])
        for phase in f["phases"].values():
            phase.pop("handovers", None)
            if not phase.get("timeline"):
                phase.pop("timeline", None)
        errors = sum(p["errors"] for p in f["phases"].values())
        p99s = {op: s.get("p99_ms") for op, s in half["ops"].items()}
        worst_p99 = max((v for v in p99s.values() if v is not None), default=None)
        targets = []
        if f["baseline"]:
            ratio = f["baseline"]["ratio"]
            targets.append(
                report.target(
                    "handover throughput / raw baseline",
                    ratio,
                    ">= 0.3",
                    ratio is not None and ratio >= 0.3,
                )
            )
        targets.append(
            report.target(
                "p99 at half saturation, worst operation (ms)",
                worst_p99,
                "< 100",
                worst_p99 is not None and worst_p99 < 100,
            )
        )
        targets.append(
            report.target(
                "notification lag p95 (s)",
                lag["p95_s"],
                "< 2",
                lag["p95_s"] is not None and lag["p95_s"] < 2 and f["drain_seconds"] is not None,
            )
        )
        if f["scale"]:
            worst = max(
                (r["ratio"] for r in f["scale"]["ops"].values() if r["ratio"]), default=None
            )
            targets.append(
                report.target(
                    f"{args.schools} schools vs 1, worst p50 ratio",
                    worst,
                    "<= 1.5",
                    worst is not None and worst <= 1.5,
                )
            )
        office = f["office"]
        if office:
            figs = office["figures"]
            loaded = f["phases"]["half_saturation_with_reports"]

            def p95(name: str) -> float | None:
                value: float | None = figs.get(name, {}).get("p95_ms")
                return value

            for name, limit in (
                ("ledger monthly", 300),
                ("workload month", 300),
                ("district month", 2000),
                ("ledger monthly.xlsx", 2000),
            ):
                value = p95(name)
                targets.append(
                    report.target(
                        f"{name}, p95 alone (ms)",
                        value,
                        f"< {limit}",
                        value is not None and value < limit,
                    )
                )
            rss = office["export_peak_rss_mb"]
            targets.append(
                report.target("server worker RSS during exports (MB)", rss, "< 250", rss < 250)
            )
            handover_p99 = loaded["ops"].get("handover", {}).get("p99_ms")
            targets.append(
                report.target(
                    "handover p99 at half saturation while reports run (ms)",
                    handover_p99,
                    "< 100",
                    handover_p99 is not None and handover_p99 < 100,
                )
            )
            errors += sum(x["errors"] for x in figs.values())
            errors += sum(x["errors"] for x in loaded["reports"].values())
        targets.append(report.target("errors (non-2xx, all phases)", errors, "0", errors == 0))
        # Other tenants of the machine take CPU from the run; say where they did.
        disturbed = {
            name: phase["cpu_share"]["other"]
            for name, phase in f["phases"].items()
            if phase.get("cpu_share", {}).get("other", 0.0) > DISTURBED_SHARE
        }
        meta = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "schools": args.schools,
            "children": args.children,
            "workers": args.workers,
            "load_procs": args.load_procs,
            "concurrency": args.concurrency,
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(),
            "database": f["url"].split("@")[-1],
            "dataset": dataset.dataset_id(dataset.Shape(args.schools, args.children)),
            "data_seconds": round(f["data_seconds"], 1),
            "zone": f["day"].zone,
            "today": f["day"].today.isoformat(),
            "mix": MIX,
            "git": _git_head(),
        }
        return {
            "meta": meta,
            "solo": solo,
            "mixed_saturation": mixed,
            "half_saturation": half,
            "notification_lag": lag,
            "notification_lag_at_saturation": lag_saturation,
            "drain_seconds": f["drain_seconds"],
            "drain_after_saturation_seconds": f["drain_after_saturation"],
            "peak_rss_mb": round(f["peak_rss"] / 2**20, 1),
            "baseline": f["baseline"],
            "scale": f["scale"],
            "reports": office,
            "postgres": f["server_side"],
            "phases": f["phases"],
            "disturbed_phases": disturbed,
            "targets": targets,
        }


def _git_head() -> str | None:
    """The commit measured, ``+changes`` when app/ differs from it (e.g. an old app/ checked
    out to measure "before")."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "app"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return None
    return f"{head}+changes" if head and changed else head or None


LOG_DIR = ROOT / "bench" / "results" / "logs"


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench(args, LOG_DIR)
    try:
        return await bench.run()
    finally:
        await bench.stop_all()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(measure(args))
    if not results:
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print()
    print(report.table(results))
    print(f"\nwrote {out}; process logs in {LOG_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
