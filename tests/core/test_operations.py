"""Probes, production settings, migrations and the committed OpenAPI spec."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core import database
from app.core.migrations import downgrade, upgrade
from app.core.settings import Settings, get_settings, use_settings
from app.models_registry import metadata
from tests.conftest import ROOT, _admin, _with_database


async def test_healthz_answers_without_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_database_is_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "at_head",
        "worker": "not_expected",
    }


async def test_probes_also_answer_at_the_root(client: httpx.AsyncClient) -> None:
    assert (await client.get("http://test/readyz")).status_code == 200
    assert (await client.get("http://test/healthz")).status_code == 200


async def test_readyz_when_database_is_unreachable(client: httpx.AsyncClient, engine) -> None:
    dead = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none", poolclass=NullPool)
    database.use_engine(dead)
    try:
        response = await client.get("/readyz")
    finally:
        database.use_engine(engine)
        await dead.dispose()
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_readyz_when_migrations_are_behind(client: httpx.AsyncClient, engine) -> None:
    async with engine.begin() as connection:
        (version,) = (
            await connection.execute(text("SELECT version_num FROM alembic_version"))
        ).one()
        await connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = await client.get("/readyz")
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": version}
            )
    assert response.status_code == 503
    assert response.json()["migrations"] == "behind"


class TestProductionSettings:
    def test_refuses_to_start_without_a_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KEHOU_ENV", "production")
        monkeypatch.setenv("KEHOU_DATABASE_URL", "postgresql+asyncpg://db/kehou")
        monkeypatch.delenv("KEHOU_JWT_SECRET", raising=False)
        with pytest.raises(ValueError, match="KEHOU_JWT_SECRET"):
            Settings()

    def test_refuses_a_short_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KEHOU_ENV", "production")
        monkeypatch.setenv("KEHOU_DATABASE_URL", "postgresql+asyncpg://db/kehou")
        monkeypatch.setenv("KEHOU_JWT_SECRET", "short")
        with pytest.raises(ValueError, match="KEHOU_JWT_SECRET"):
            Settings()

    def test_refuses_to_start_without_a_database_url(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KEHOU_ENV", "production")
        monkeypatch.setenv("KEHOU_JWT_SECRET", "s" * 40)
        monkeypatch.delenv("KEHOU_DATABASE_URL", raising=False)
        with pytest.raises(ValueError, match="KEHOU_DATABASE_URL"):
            Settings()

    def test_the_command_line_reports_it_and_exits_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from app.cli import main

        previous = get_settings()
        monkeypatch.setenv("KEHOU_ENV", "production")
        monkeypatch.delenv("KEHOU_JWT_SECRET", raising=False)
        use_settings(None)
        try:
            assert main(["migrate"]) == 2
        finally:
            use_settings(previous)
        assert "KEHOU_JWT_SECRET" in capsys.readouterr().err

    def test_production_accepts_a_full_configuration(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KEHOU_ENV", "production")
        monkeypatch.setenv("KEHOU_JWT_SECRET", "s" * 40)
        monkeypatch.setenv("KEHOU_DATABASE_URL", "postgresql://db/kehou")
        settings = Settings()
        assert settings.database_url == "postgresql+asyncpg://db/kehou"

    def test_dev_secret_is_generated_once_and_kept(self, tmp_path: Path) -> None:
        first = Settings(env="development", data_dir=tmp_path).signing_secret()
        second = Settings(env="development", data_dir=tmp_path).signing_secret()
        assert first == second
        assert len(first) >= 32
        assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0

    def test_wechat_templates_parse_from_json(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KEHOU_WECHAT_TEMPLATES", '{"pickup.handed_over": "tmpl-1"}')
        assert Settings().wechat_templates == {"pickup.handed_over": "tmpl-1"}


def test_migrations_match_the_models_and_downgrade(database_url: str) -> None:
    """Upgrade an empty database to head, find no autogenerate diff, downgrade to base."""
    name = "kehou_migrate_" + database_url.rsplit("/", 1)[1].split("?")[0][-12:]
    url = _with_database(database_url, name)
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)

        async def diff() -> list[object]:
            engine = create_async_engine(url, poolclass=NullPool)
            async with engine.connect() as connection:
                result = await connection.run_sync(
                    lambda c: compare_metadata(
                        MigrationContext.configure(c, opts={"compare_type": True}), metadata
                    )
                )
            await engine.dispose()
            return list(result)

        assert asyncio.run(diff()) == []
        downgrade(url, "base")

        async def tables() -> set[str]:
            engine = create_async_engine(url, poolclass=NullPool)
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            await engine.dispose()
            return {r[0] for r in rows}

        assert asyncio.run(tables()) <= {"alembic_version"}
        upgrade(url)  # and back up again: the downgrade left a usable database
    finally:
        asyncio.run(_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# One school, a term with two slots and a child enrolled in both, as 0008 kept them.
_ENROLLED_BEFORE_0009 = """
INSERT INTO schools (id, name, timezone, policy, created_at)
  VALUES ('00000000-0000-0000-0000-000000000001', '一小', 'Asia/Shanghai', '{}', now());
INSERT INTO terms (id, school_id, name, start_date, end_date, weekdays, closures,
    agreement_text, agreement_version, created_at)
  VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001',
    '秋季', '2026-09-01', '2027-01-20', '{1,2,3,4,5}', '{}', '安全责任书', 1, now());
INSERT INTO slots (id, school_id, term_id, name, start_time, end_time, created_at) VALUES
  ('00000000-0000-0000-0000-00000000000e', '00000000-0000-0000-0000-000000000001',
    '00000000-0000-0000-0000-000000000002', '晚托', '16:30', '18:00', now()),
  ('00000000-0000-0000-0000-00000000000f', '00000000-0000-0000-0000-000000000001',
    '00000000-0000-0000-0000-000000000002', '课后活动', '15:30', '16:30', now());
INSERT INTO classes (id, school_id, name, grade, created_at)
  VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001',
    '一年级1班', 1, now());
INSERT INTO students (id, school_id, class_id, name, student_no, priority, created_at)
  VALUES ('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-000000000001',
    '00000000-0000-0000-0000-000000000003', '小明', '001', '{}', now());
INSERT INTO enrollments (id, school_id, student_id, term_id, status, weekdays, start_date,
    agreement_version, agreement_accepted_at, applied_at, updated_at)
  VALUES ('00000000-0000-0000-0000-000000000005', '00000000-0000-0000-0000-000000000001',
    '00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-000000000002',
    'active', '{1,2,3,4,5}', '2026-09-01', 1, now(), now(), now());
INSERT INTO enrollment_slots (enrollment_id, slot_id) VALUES
  ('00000000-0000-0000-0000-000000000005', '00000000-0000-0000-0000-00000000000e'),
  ('00000000-0000-0000-0000-000000000005', '00000000-0000-0000-0000-00000000000f');
"""


def test_migration_0009_gives_each_enrollment_the_slot_that_ends_last(database_url: str) -> None:
    name = "kehou_backfill_" + database_url.rsplit("/", 1)[1].split("?")[0][-12:]
    url = _with_database(database_url, name)
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))

    async def run(sql: str) -> object:
        """The statements of ``sql`` in one transaction; the first value the last one returns."""
        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.begin() as connection:
            for statement in filter(str.strip, sql.split(";")):
                rows = await connection.exec_driver_sql(statement)
            value = rows.scalar() if rows.returns_rows else None
        await engine.dispose()
        return value

    try:
        upgrade(url, "0008_pickup")
        asyncio.run(run(_ENROLLED_BEFORE_0009))
        upgrade(url)
        last = asyncio.run(run("SELECT last_slot_id::text FROM enrollments"))
        assert last == "00000000-0000-0000-0000-00000000000e"  # 晚托, ending at 18:00
    finally:
        asyncio.run(_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_openapi_json_is_up_to_date() -> None:
    from app.main import app

    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(app.openapi())), (
        "openapi/openapi.json is stale: run `kehou openapi` and commit it"
    )


def test_operation_ids_are_tag_then_name() -> None:
    from app.main import app

    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            tag = operation["tags"][0]
            assert operation["operationId"].startswith(f"{tag}-"), (method, path)
