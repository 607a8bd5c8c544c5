"""Replicas that start together each run ``kehou serve``'s migration: one applies it, the
others wait for it and find the schema at head."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.migrations import head_revisions
from tests.conftest import ROOT, TEST_SECRET, _admin, _with_database

REPLICAS = 3
SECONDS = 120


async def _migrate(url: str) -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEHOU_")}
    env |= {"KEHOU_DATABASE_URL": url, "KEHOU_JWT_SECRET": TEST_SECRET, "KEHOU_ENV": "production"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "app.cli", "migrate"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return int(process.returncode or 0), out.decode(errors="replace")[-2000:]


async def test_replicas_migrating_at_once_all_start(database_url: str) -> None:
    name = "kehou_replicas_" + database_url.rsplit("/", 1)[1].split("?")[0][-12:]
    url = _with_database(database_url, name)
    await _admin(database_url, f'CREATE DATABASE "{name}"')
    try:
        results = await asyncio.gather(*(_migrate(url) for _ in range(REPLICAS)))
        assert [code for code, _ in results] == [0] * REPLICAS, results

        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            versions = {str(v) for (v,) in rows}
        await engine.dispose()
        assert versions == head_revisions()
    finally:
        await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
