"""The ``kehou`` command: serve, worker, migrate, create-school, create-district, openapi."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import logging.config
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.core.logs import log_config
from app.core.metrics import MULTIPROCESS_DIR_ENV
from app.core.settings import SettingsError, get_settings

log = logging.getLogger("kehou")

EXIT_REFUSED = 1  # the command understood the request and said no (weak password, taken name)


def _migrate() -> None:
    from app.core.database import database_url
    from app.core.migrations import upgrade

    upgrade(database_url())


def cmd_migrate(_: argparse.Namespace) -> int:
    _migrate()
    print("database at head")
    return 0


def _seed_demo(args: argparse.Namespace) -> str:
    """Seed the demo school (once per database) and say what it is and how to log in."""
    from app.core.database import dispose_engine, uses_embedded_database
    from app.demo import DemoSchool, banner, seed_demo

    async def seed() -> DemoSchool:
        try:
            return await seed_demo()
        finally:
            # The server runs in another event loop: no pooled connection may outlive this one.
            await dispose_engine()

    demo = asyncio.run(seed())
    if uses_embedded_database():
        data_dir = get_settings().data_dir
        reset = f"stop the server, delete {data_dir} (rm -rf {data_dir}) and start it again"
    else:
        reset = "drop and re-create the database, then start the server again"
    return banner(demo, f"http://{args.host}:{args.port}/docs", reset_hint=reset)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.core.errors import DomainError
    from app.core.i18n import translate

    settings = get_settings()
    if args.demo and settings.env == "production":
        # Its logins share a password printed in the README: never on a real school's data.
        print("kehou serve: --demo is refused when KEHOU_ENV=production", file=sys.stderr)
        return EXIT_REFUSED
    _migrate()
    demo = ""
    if args.demo:
        try:
            demo = _seed_demo(args)
        except DomainError as exc:  # e.g. a username the demo needs is taken in this database
            message = translate(exc.code, "en", exc.params)
            print(
                f"kehou serve: the demo school cannot be seeded: {message} ({exc.code})",
                file=sys.stderr,
            )
            return EXIT_REFUSED
    from app.core.database import uses_embedded_database

    embedded = uses_embedded_database()
    print(
        f"Kehou serving on http://{args.host}:{args.port}  (API docs: http://{args.host}:{args.port}/docs)"
    )
    if embedded:
        pg_dir = settings.data_dir.resolve() / "pg"
        print(f"embedded PostgreSQL in {pg_dir}; the notification worker runs in-process")
    if demo:
        print(demo, flush=True)
    metrics_dir = None
    if args.workers > 1 and not os.environ.get(MULTIPROCESS_DIR_ENV):
        # The server processes share one port, so a scrape reaches any one of them: they
        # keep their counters in files here, and /metrics adds them all up.
        metrics_dir = tempfile.mkdtemp(prefix="kehou-metrics-")
        os.environ[MULTIPROCESS_DIR_ENV] = metrics_dir
    try:
        uvicorn.run(
            "app.main:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            log_level="info",
            log_config=log_config(settings.log_format, access_log=settings.access_log),
            access_log=False,  # the app logs each request itself, with its id (core/context.py)
        )
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.core.database import dispose_engine
    from app.core.memory import freeze_startup_heap
    from app.core.metrics import serve_on_port
    from app.jobs import PERIODIC_JOBS
    from app.notifications.worker import run_forever

    if args.metrics_port:
        serve_on_port(args.metrics_port, args.metrics_host)
        log.info("worker metrics on http://%s:%d/metrics", args.metrics_host, args.metrics_port)

    async def work() -> None:
        freeze_startup_heap()
        try:
            await run_forever(jobs=PERIODIC_JOBS)  # until SIGTERM/SIGINT
        finally:
            await dispose_engine()

    asyncio.run(work())
    return 0


def _create_and_print(
    command: str,
    key: str,
    create: Callable[[], Awaitable[tuple[uuid.UUID, uuid.UUID]]],
) -> int:
    """Run a ``create-*`` command: print ``{key, "admin_user_id"}`` as JSON, or the refusal
    in English on stderr (exit code ``EXIT_REFUSED``)."""
    from app.core.database import dispose_engine
    from app.core.errors import DomainError
    from app.core.i18n import translate

    async def run() -> tuple[uuid.UUID, uuid.UUID]:
        try:
            return await create()
        finally:
            await dispose_engine()

    try:
        made_id, admin_id = asyncio.run(run())
    except DomainError as exc:
        print(
            f"kehou {command}: {translate(exc.code, 'en', exc.params)} ({exc.code})",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    print(json.dumps({key: str(made_id), "admin_user_id": str(admin_id)}))
    return 0


def cmd_create_school(args: argparse.Namespace) -> int:
    from app.bootstrap import create_school

    return _create_and_print(
        "create-school",
        "school_id",
        lambda: create_school(
            name=args.name,
            admin_username=args.admin_username,
            admin_password=args.admin_password,
            district_id=args.district_id,
        ),
    )


def cmd_create_district(args: argparse.Namespace) -> int:
    from app.district.service import create_district

    return _create_and_print(
        "create-district",
        "district_id",
        lambda: create_district(
            name=args.name,
            admin_username=args.admin_username,
            admin_password=args.admin_password,
        ),
    )


def cmd_purge(args: argparse.Namespace) -> int:
    from app.core.database import dispose_engine, sessionmaker
    from app.privacy import service as privacy

    async def run() -> dict[str, int]:
        try:
            async with sessionmaker()() as session:
                removed = await privacy.purge(session, dry_run=args.dry_run)
                if args.dry_run:
                    await session.rollback()
                else:
                    await session.commit()
                return removed
        finally:
            await dispose_engine()

    removed = asyncio.run(run())
    verb = "would remove" if args.dry_run else "removed"
    for kind, count in sorted(removed.items()):
        print(f"{verb} {count} {kind}")
    return 0


def _school_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 100:
        raise argparse.ArgumentTypeError("a school name is 1 to 100 characters")
    return name


def cmd_openapi(args: argparse.Namespace) -> int:
    from app.main import app

    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kehou", description="Kehou after-school service")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument(
        "--demo", action="store_true", help="seed a demo school and print its logins"
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="deliver queued notifications, run periodic jobs")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="serve this worker's Prometheus metrics (pushes sent and failed) on this port",
    )
    worker.add_argument("--metrics-host", default="127.0.0.1")
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="upgrade the database to head").set_defaults(func=cmd_migrate)

    create = sub.add_parser("create-school", help="create a school and its first admin")
    create.add_argument("--name", required=True, type=_school_name)
    create.add_argument("--admin-username", required=True)
    create.add_argument("--admin-password", required=True)
    create.add_argument(
        "--district-id", type=uuid.UUID, default=None, help="place the school in this district"
    )
    create.set_defaults(func=cmd_create_school)

    district = sub.add_parser("create-district", help="create a district and its first admin")
    district.add_argument("--name", required=True, type=_school_name)
    district.add_argument("--admin-username", required=True)
    district.add_argument("--admin-password", required=True)
    district.set_defaults(func=cmd_create_district)
    purge = sub.add_parser("purge", help="delete personal data past its retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.set_defaults(func=cmd_purge)

    openapi = sub.add_parser("openapi", help="write openapi/openapi.json from the code")
    openapi.add_argument("--output", default="openapi/openapi.json")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        logging.config.dictConfig(log_config(settings.log_format, access_log=settings.access_log))
        from app.wiring import install  # the domains' events reach their subscribers

        install()
        return int(args.func(args))
    except SettingsError as exc:
        print(f"kehou: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
