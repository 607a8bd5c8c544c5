"""The FastAPI application: routers, error handlers, middleware, lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.activities.router import router as activities_router
from app.announcements.router import router as announcements_router
from app.attendance.router import router as attendance_router
from app.audit.router import router as audit_router
from app.auth import router as auth
from app.checkins.router import router as checkins_router
from app.core import health
from app.core.body_limit import JSON_BODY_LIMIT, BodyLimitMiddleware
from app.core.context import RequestContextMiddleware
from app.core.database import dispose_engine, uses_embedded_database
from app.core.errors import PROBLEM_SCHEMA, install_error_handlers
from app.core.memory import freeze_startup_heap
from app.core.routing import guard_literal_paths
from app.core.settings import get_settings
from app.district.router import router as district_router
from app.duty.router import router as duty_router
from app.enrollment.router import router as enrollment_router
from app.fees.router import router as fees_router
from app.leave.router import router as leave_router
from app.ledger.router import router as ledger_router
from app.metrics import metrics
from app.notifications.router import router as notifications_router
from app.pickup.router import router as pickup_router
from app.privacy.router import router as privacy_router
from app.school.router import router as school_router
from app.staff.router import router as staff_router
from app.surveys.router import router as surveys_router
from app.wiring import install as install_wiring
from app.workload.router import router as workload_router

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

DESCRIPTION = """学校课后服务后端：报名、请假、点名、接送交接与家校通知。

**Try it** with the demo school (`make run`, i.e. `kehou serve --demo`): open
`POST /api/v1/auth/login`, *Try it out*, pick a demo login from the examples (every password
is `Kehou-demo-2026`; parents log in with their phone number), *Execute*, copy
`access_token`, then *Authorize* and paste it. Access tokens live 15 minutes.

Errors are RFC 9457 problems (`application/problem+json`) with a stable `code`; `detail`
follows `Accept-Language` (`zh-CN` by default, `en`). Lists answer `{"items", "next_cursor"}`.
"""

TAGS = [
    {"name": "auth", "description": "登录、注册、令牌 / Logins and tokens"},
    {"name": "school", "description": "学校设置 / School set-up"},
    {"name": "enrollment", "description": "报名与退出 / Enrollment and withdrawal"},
    {"name": "activities", "description": "课程社团、走班 / Activities and clubs"},
    {"name": "leave", "description": "请假 / Leave requests"},
    {"name": "attendance", "description": "名单与点名 / Rosters and roll call"},
    {"name": "pickup", "description": "接送交接 / Gate pickup"},
    {"name": "surveys", "description": "意愿征询 / Surveys"},
    {"name": "announcements", "description": "告家长书 / Announcements to families"},
    {"name": "fees", "description": "收费、减免、退费 / Fees"},
    {"name": "checkins", "description": "教师签到 / Staff check-ins"},
    {"name": "duty", "description": "值班与交接班 / Duty rota and handoffs"},
    {"name": "workload", "description": "工作量与公示 / Staff workload, pay and publication"},
    {"name": "ledger", "description": "台账、看护记录与统计 / Ledger, care logs, statistics"},
    {"name": "notifications", "description": "通知 / Notifications"},
    {
        "name": "district",
        "description": "教育局：学校统计、方案备案、监督举报 / District: counts, plans, complaints",
    },
    {"name": "privacy", "description": "个人信息保护 / Guardians' data rights"},
    {"name": "operations", "description": "运维 / Operations"},
]


def _operation_id(route: APIRoute) -> str:
    """``tag-name`` operation ids, so generated mobile clients get clean method names."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}-{route.name}"


_PROBLEM_CONTENT = {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
}


def _openapi_with_problem(app: FastAPI) -> dict[str, Any]:
    """The generated spec, plus the shared RFC 9457 ``Problem`` schema every error refers to."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        app.openapi_schema = schema
    return app.openapi_schema


def _routers() -> list[APIRouter]:
    # Each domain's router, in the order /docs shows them.
    return [
        auth.router,
        staff_router,
        school_router,
        enrollment_router,
        activities_router,
        leave_router,
        attendance_router,
        pickup_router,
        surveys_router,
        announcements_router,
        fees_router,
        checkins_router,
        ledger_router,
        duty_router,
        workload_router,
        notifications_router,
        district_router,
        audit_router,
        privacy_router,
        health.router,
    ]


# How long shutdown waits for the in-process worker to finish its batch.
WORKER_SHUTDOWN_SECONDS = 30.0


def _runs_worker_in_process() -> bool:
    """With the embedded database (one machine, ``kehou serve``) nobody runs ``kehou worker``."""
    return get_settings().env != "test" and uses_embedded_database()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    task: asyncio.Task[None] | None = None
    stop = asyncio.Event()
    if get_settings().env != "test":  # a test suite builds many apps; nothing to freeze
        freeze_startup_heap()
    if _runs_worker_in_process():
        from app.jobs import PERIODIC_JOBS
        from app.notifications.delivery import Worker
        from app.notifications.providers import from_settings
        from app.notifications.worker import run_forever

        # built here, so a bad channel configuration stops the server from starting
        worker = Worker(providers=from_settings(get_settings()))
        # uvicorn owns the signals; its shutdown reaches the worker through ``stop``
        task = asyncio.create_task(
            run_forever(stop=stop, handle_signals=False, worker=worker, jobs=PERIODIC_JOBS)
        )
    yield
    if task is not None:
        stop.set()
        try:
            await asyncio.wait_for(task, WORKER_SHUTDOWN_SECONDS)
        except TimeoutError:
            log.warning("notification worker did not stop in time; cancelled")
        except Exception:
            log.exception("notification worker failed")
    await dispose_engine()


def create_app() -> FastAPI:
    install_wiring()  # the domains' events reach their subscribers
    app = FastAPI(
        title="Kehou 课后服务 API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=_operation_id,
        lifespan=_lifespan,
        responses={
            422: {"description": "Invalid request", "content": _PROBLEM_CONTENT},
            "4XX": {"description": "Refused (see `code`)", "content": _PROBLEM_CONTENT},
        },
    )
    app.openapi = lambda: _openapi_with_problem(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, routes=app.routes, default=JSON_BODY_LIMIT)
    app.add_middleware(RequestContextMiddleware)
    for router in _routers():
        app.include_router(router, prefix=API_PREFIX)
    guard_literal_paths(app.router)
    # Probes also answer at the root, where orchestrators look for them.
    app.add_api_route("/healthz", health.healthz, include_in_schema=False)
    app.add_api_route("/readyz", health.readyz, include_in_schema=False)
    # For Prometheus, beside the probes; not part of the API (README, "Running several").
    app.add_api_route("/metrics", metrics, include_in_schema=False)
    return app


app = create_app()
