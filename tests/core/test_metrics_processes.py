"""``kehou serve --workers 2``: a scrape reaches one server process, and sees them all."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT, TEST_SECRET
from tests.faults.postgres import free_port

STARTUP_SECONDS = 60
REQUESTS = 40


def _healthz_count(body: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "kehou_http_requests_total" and sample.labels["route"] == "/healthz"
    )


async def test_two_server_processes_are_counted_together(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEHOU_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env |= {
        "KEHOU_ENV": "production",
        "KEHOU_DATABASE_URL": database_url,
        "KEHOU_JWT_SECRET": TEST_SECRET,
        "KEHOU_DATA_DIR": str(tmp_path),
        "KEHOU_ACCESS_LOG": "false",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "app.cli", "serve", "--port", str(port), "--workers", "2"),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            async with asyncio.timeout(STARTUP_SECONDS):
                while True:
                    assert process.returncode is None, (tmp_path / "serve.log").read_text()
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.25)
            # new connections each time: the kernel spreads them over both processes
            for _ in range(REQUESTS):
                async with httpx.AsyncClient(base_url=base, timeout=10) as fresh:
                    assert (await fresh.get("/healthz")).status_code == 200
            scrapes = []
            for _ in range(4):
                async with httpx.AsyncClient(base_url=base, timeout=10) as fresh:
                    scrapes.append(_healthz_count((await fresh.get("/metrics")).text))
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)

    # every scrape, whichever process answered it, counts every request so far
    assert all(count >= REQUESTS + 1 for count in scrapes), scrapes
    assert scrapes == sorted(scrapes)
