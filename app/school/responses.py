"""The problem answers set-up endpoints declare in the OpenAPI spec, for generated clients."""

from __future__ import annotations

from typing import Any

from app.core.errors import PROBLEM_SCHEMA

PROBLEM_CONTENT = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"description": "Problem (RFC 9457)", "content": PROBLEM_CONTENT} for s in statuses}
