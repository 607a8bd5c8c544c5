"""``kehou serve --demo`` as a newcomer runs it: seeds, prints the logins, serves, logs."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.models import Role
from app.demo import cast
from tests.conftest import ROOT, TEST_SECRET
from tests.factories import create_school, create_user

# A hang guard, not a speed test: the demo seeds before the server answers, and a busy CI
# machine has taken 50 s.
STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_until_serving(base: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(STARTUP_SECONDS * 4):
            assert process.returncode is None, "the server stopped"
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise AssertionError("the server did not answer")


async def test_serve_demo_seeds_prints_the_logins_and_serves_the_docs(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KEHOU_ENV": "test",
        "KEHOU_DATABASE_URL": database_url,
        "KEHOU_JWT_SECRET": TEST_SECRET,
        "KEHOU_DATA_DIR": str(tmp_path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--demo",
        "--port",
        str(port),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_until_serving(base, process)
        async with httpx.AsyncClient(base_url=base) as client:
            docs = await client.get("/docs")
            login = await client.post(
                "/api/v1/auth/login",
                json={"username": cast.ADMIN.username, "password": cast.PASSWORD},
            )
            me = await client.get(
                "/api/v1/me",
                headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            )
    finally:
        process.terminate()
        out, err = await asyncio.wait_for(process.communicate(), STARTUP_SECONDS)

    printed, logged = out.decode(), err.decode()
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert me.status_code == 200 and me.json()["roles"] == ["school_admin"]
    assert f"API docs: {base}/docs" in printed
    assert f"Demo school {cast.SCHOOL_NAME} (seeded just now)" in printed
    for login_row in cast.LOGINS:
        assert login_row.username in printed
    # The app's own INFO lines get through (after Alembic's logging set-up and uvicorn's),
    # in one format, uvicorn's included: one JSON object a line.
    lines = [json.loads(line) for line in logged.splitlines()]
    said = {(line["level"], line["logger"], line["message"].split(" ")[0]) for line in lines}
    assert ("INFO", "app.demo.seed", "demo.seeded") in said
    assert ("INFO", "uvicorn.error", "Application") in said
    [access] = [line for line in lines if line.get("route") == "/api/v1/me"]
    assert (access["logger"], access["status"]) == ("kehou.access", 200)
    assert access["request_id"] == me.headers["x-request-id"]


async def test_a_demo_that_cannot_be_seeded_stops_the_start_with_the_reason(
    database_url: str, session: AsyncSession, tmp_path: Path
) -> None:
    school = await create_school(session)
    await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, username="admin")
    await session.commit()
    env = {
        **os.environ,
        "KEHOU_ENV": "test",
        "KEHOU_DATABASE_URL": database_url,
        "KEHOU_JWT_SECRET": TEST_SECRET,
        "KEHOU_DATA_DIR": str(tmp_path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--demo",
        "--port",
        str(_free_port()),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), STARTUP_SECONDS)

    assert process.returncode == 1
    assert "the demo school cannot be seeded" in err.decode()
    assert "(auth.username_taken)" in err.decode()


async def test_production_refuses_the_demo(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KEHOU_ENV": "production",
        "KEHOU_DATABASE_URL": database_url,
        "KEHOU_JWT_SECRET": TEST_SECRET,
        "KEHOU_DATA_DIR": str(tmp_path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--demo",
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), STARTUP_SECONDS)

    assert process.returncode == 1
    assert "--demo is refused when KEHOU_ENV=production" in err.decode()


async def test_the_command_logs_httpx_only_from_warning() -> None:
    # httpx logs full URLs at INFO, and WeChat's carry secrets: checked in a fresh process,
    # with the configuration ``kehou`` applies.
    program = (
        "import logging, logging.config, app.cli as cli;"
        "logging.config.dictConfig(cli.log_config('json'));"
        "print(logging.getLogger('httpx').getEffectiveLevel(),"
        " logging.getLogger('app.anything').getEffectiveLevel())"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", program, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()

    assert out.decode().split() == ["30", "20"]  # WARNING, INFO
