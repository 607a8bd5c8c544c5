"""The FastAPI application: routers, error handlers, middleware, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from app.core import health
from app.core.context import RequestContextMiddleware
from app.core.database import dispose_engine
from app.core.errors import PROBLEM_SCHEMA, install_error_handlers
from app.school import router as school

API_PREFIX = "/api/v1"

TAGS = [
    {"name": "auth", "description": "登录、注册、令牌 / Logins and tokens"},
    {"name": "school", "description": "学校设置 / School set-up"},
    {"name": "enrollment", "description": "报名与退出 / Enrollment and withdrawal"},
    {"name": "leave", "description": "请假 / Leave requests"},
    {"name": "attendance", "description": "名单与点名 / Rosters and roll call"},
    {"name": "pickup", "description": "接送交接 / Gate pickup"},
    {"name": "surveys", "description": "意愿征询 / Surveys"},
    {"name": "notifications", "description": "通知 / Notifications"},
    {"name": "operations", "description": "运维 / Operations"},
]


def _operation_id(route: APIRoute) -> str:
    """``tag-name`` operation ids, so generated mobile clients get clean method names."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}-{route.name}"


def _routers() -> list[APIRouter]:
    # Each domain's router, in the order /docs shows them.
    return [health.router, school.router]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await dispose_engine()


def create_app() -> FastAPI:
    app = FastAPI(
        title="Kehou 课后服务 API",
        version="1.0.0",
        description="学校课后服务后端：报名、请假、点名、接送交接与家校通知。",
        openapi_tags=TAGS,
        generate_unique_id_function=_operation_id,
        lifespan=_lifespan,
        responses={
            422: {
                "description": "Validation error (problem+json)",
                "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
            }
        },
    )
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    for router in _routers():
        app.include_router(router, prefix=API_PREFIX)
    # Probes also answer at the root, where orchestrators look for them.
    app.add_api_route("/healthz", health.healthz, include_in_schema=False)
    app.add_api_route("/readyz", health.readyz, include_in_schema=False)
    return app


app = create_app()
