"""The app's operations as requests meet them (included routers walked), and what a path
allows when a method is not one of them (405)."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Route
from starlette.types import Scope


def operations(routes: Iterable[BaseRoute]) -> list[Any]:
    """Every operation among ``routes`` as a request meets it, included routers walked: the
    route with its effective path, methods, dependencies and options (FastAPI's
    ``RouteContext``; ``original_route`` is the ``APIRoute`` as declared)."""
    return [
        context
        for context in iter_route_contexts(list(routes))
        if isinstance(context.original_route, APIRoute)
    ]


_TEMPLATES: weakref.WeakKeyDictionary[Any, dict[int, str]] = weakref.WeakKeyDictionary()


def template_of(scope: Scope) -> str | None:
    """The path template of the operation that answered, its routers' prefixes included
    (``/api/v1/students/{student_id}``): what metrics and the access log name a request by.
    (An included router's route carries its own path only.)"""
    route, app = scope.get("route"), scope.get("app")
    if route is None or app is None:
        return getattr(route, "path", None)
    templates = _TEMPLATES.get(app)
    if templates is None:
        templates = {id(op.original_route): op.path for op in operations(app.routes)}
        _TEMPLATES[app] = templates
    return templates.get(id(route), getattr(route, "path", None))


def allowed_methods(routes: Iterable[BaseRoute], path: str) -> list[str]:
    """Every method some operation answers at ``path``: the ``Allow`` of a 405.

    Starlette names only the methods of the first route whose path matched, which is wrong
    whenever one path's methods are spread over several operations. A path some operation
    names literally is that operation's alone (see ``guard_literal_paths``).
    """
    literal: set[str] = set()
    templated: set[str] = set()
    for route in operations(routes):
        if route.path_regex.match(path):
            (templated if route.param_convertors else literal).update(route.methods or ())
    return sorted(literal or templated)


def _method_not_allowed(request: Request) -> None:
    raise HTTPException(status_code=405)


def guard_literal_paths(router: APIRouter) -> None:
    """A path an operation names literally is that operation's, whatever the method.

    ``GET /pickups/verify`` would otherwise be taken by ``GET /pickups/{handover_id}`` (a
    full match beats the literal route's method mismatch) and answer 422 for a malformed
    id. For each literal path a parameter route would take for some other method, a hidden
    route ahead of them answers those methods 405 (its ``Allow`` is ``allowed_methods``').
    """
    routes = operations(router.routes)
    literal: dict[str, set[str]] = {}
    for route in routes:
        if not route.param_convertors:
            literal.setdefault(route.path, set()).update(route.methods or ())
    guards: list[BaseRoute] = []
    for path, own in literal.items():
        shadowing: set[str] = set()
        for route in routes:
            if route.param_convertors and route.path_regex.match(path):
                shadowing |= (route.methods or set()) - own
        if shadowing:
            guards.append(
                Route(
                    path,
                    _method_not_allowed,
                    methods=sorted(shadowing),
                    include_in_schema=False,
                )
            )
    router.routes[:0] = guards
