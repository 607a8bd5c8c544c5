"""The processes a benchmark run starts (server, worker, fakes, load), and what they cost.

Every process is started in a session of its own and stopped by its id: SIGTERM, then
SIGKILL to its process group if it lingers. ``Meter`` samples CPU time and memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process whose output goes to a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, *, stdin: bool = False) -> Proc:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if stdin else log,
            stderr=log,
            start_new_session=True,
            limit=1 << 30,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def pause(self) -> None:
        """Stop the process tree where it stands (SIGSTOP); ``resume`` lets it go on."""
        for p in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                p.suspend()

    def resume(self) -> None:
        for p in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                p.resume()

    async def stop(self, grace: float = 20.0) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)  # the group this run started
            await self.process.wait()

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        """One JSON command to a load process, its one JSON line of answer."""
        assert self.process is not None and self.process.stdin and self.process.stdout
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} exited; see {self.log_path}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.name}: {answer['error']}")
        return answer


async def wait_ready(url: str, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.25)
    raise RuntimeError(f"{url} did not answer 200 within {within:.0f} s")


def postgres_processes(databases: set[str]) -> list[psutil.Process]:
    """The server's own processes and the backends of ``databases`` (not other users')."""
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        if p.info["name"] not in ("postgres", "postmaster"):
            continue
        # a backend's title names its database and its peer: "... kehou_bench 127.0.0.1(5123) idle"
        words = " ".join(p.info["cmdline"] or []).split()
        backend = any(w == "[local]" or (w.endswith(")") and "(" in w) for w in words)
        if not backend or databases & set(words):
            found.append(p)
    return found


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot."""
    t = psutil.cpu_times()
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))


def _cpu(procs: list[psutil.Process]) -> dict[int, float]:
    seen: dict[int, float] = {}
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            seen[p.pid] = t.user + t.system
    return seen


class Meter:
    """CPU seconds per component over a phase, and the peak RSS of server processes."""

    def __init__(self) -> None:
        self.components: dict[str, list[Proc]] = {}
        self.databases: set[str] = set()
        self.peak_rss: dict[int, int] = {}
        self.rss_of: list[Proc] = []
        self._task: asyncio.Task[None] | None = None

    def snapshot(self) -> dict[str, dict[int, float]]:
        snap = {
            name: _cpu([p for proc in procs for p in proc.tree()])
            for name, procs in self.components.items()
        }
        snap["postgres"] = _cpu(postgres_processes(self.databases))
        snap["machine"] = {0: busy_seconds()}
        return snap

    @staticmethod
    def cpu_between(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
    ) -> dict[str, float]:
        used = {}
        for name, pids in after.items():
            prior = before.get(name, {})
            used[name] = round(sum(max(0.0, t - prior.get(pid, 0.0)) for pid, t in pids.items()), 2)
        # everything else the machine did meanwhile (other users' work shares the cores too)
        machine = used.pop("machine", 0.0)
        used["other"] = round(max(0.0, machine - sum(used.values())), 2)
        return used

    async def _sample(self) -> None:
        while True:
            for proc in self.rss_of:
                for p in proc.tree()[1:] or proc.tree():  # the workers, not the supervisor
                    with contextlib.suppress(psutil.Error):
                        rss = p.memory_info().rss
                        self.peak_rss[p.pid] = max(self.peak_rss.get(p.pid, 0), rss)
            await asyncio.sleep(0.5)

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
