"""Role × endpoint × foreign object, generated from the OpenAPI spec.

Every operation of ``app.openapi()`` is called without a token (401 unless it is public),
and every operation with path parameters is called by every caller to whom the victim's
objects are foreign (another school's parent, teacher, duty and admin; another family of
the same school; another account of the same school), with the victim's ids in its path:
the answer is 401/403/404, never 2xx, and never carries the victim's data.

A new operation is covered by these tests the moment it is in the spec; it only has to be
classified in ``operations.py``, and its path parameters named there.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.main import app
from tests.probe.operations import OPERATIONS, SIGNED_IN, VALUE_PARAMS, kind_of
from tests.probe.world import SCOPES, World

SPEC: dict[str, Any] = app.openapi()
METHODS = ("get", "put", "post", "patch", "delete")

# Ordered from the widest owner to the narrowest: a caller foreign at a scope is foreign
# to every object of that scope and of the narrower ones.
SCOPE_ORDER = ("school", "family", "user")
REFUSED = {401, 403, 404}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


OPS = _operations()
GUARDED = [(m, p, o) for m, p, o in OPS if OPERATIONS.get(f"{m} {p}") == SIGNED_IN]
WITH_PATH_PARAMS = [
    (m, p, o) for m, p, o in OPS if any(x not in VALUE_PARAMS for x in re.findall(r"{(\w+)}", p))
]


def _key(op: tuple[str, str, dict[str, Any]]) -> str:
    return f"{op[0]} {op[1]}"


def _path_params(path: str) -> list[str]:
    """The parameters of ``path`` that name an object (not those that carry a value)."""
    return [p for p in re.findall(r"{(\w+)}", path) if p not in VALUE_PARAMS]


def _example_body(operation: dict[str, Any]) -> Any:
    """A valid JSON body (the documented example, else the least the schema requires), so
    that the body is not why a call is refused."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _least(content["application/json"].get("schema", {}))


def _least(schema: dict[str, Any]) -> Any:
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("examples"):
        return schema["examples"][0]
    for choice in ("anyOf", "oneOf", "allOf"):
        if choice in schema:
            options = [o for o in schema[choice] if o.get("type") != "null"]
            return _least(options[0])
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _least(properties[name]) for name in schema.get("required", ())}
    if kind == "array":
        return [_least(schema.get("items", {}))] * schema.get("minItems", 0)
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return {
        "date": "2026-12-04",
        "date-time": "2026-12-04T08:00:00Z",
        "uuid": "00000000-0000-4000-8000-000000000000",
    }.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    operation: dict[str, Any],
    headers: dict[str, str],
    params: dict[str, str] | None = None,
) -> httpx.Response:
    url = path.removeprefix("/api/v1")
    for name, value in {**VALUE_PARAMS, **(params or {})}.items():
        url = url.replace("{" + name + "}", value)
    body = _example_body(operation)
    return await client.request(method, url, headers=headers, json=body)


def test_every_operation_is_classified() -> None:
    spec = {_key(op) for op in OPS}
    unclassified = sorted(spec - OPERATIONS.keys())
    assert not unclassified, (
        f"operations not classified for the access probe: {unclassified}. Add each to "
        "OPERATIONS in tests/probe/operations.py: PUBLIC if it answers without a token, "
        "else SIGNED_IN; and name any new path parameter's object kind in PARAM_KINDS."
    )
    gone = sorted(OPERATIONS.keys() - spec)
    assert not gone, f"OPERATIONS names operations the spec no longer has: {gone}"
    # The spec says the same: a signed-in operation documents its bearer token.
    undocumented = [_key(op) for op in GUARDED if not op[2].get("security")]
    assert not undocumented, f"signed-in operations without `security` in the spec: {undocumented}"


def test_every_path_parameter_names_a_kind_of_object() -> None:
    unnamed = sorted(
        f"{path} {{{param}}}"
        for _, path, _ in WITH_PATH_PARAMS
        for param in _path_params(path)
        if kind_of(path, param) not in SCOPES
    )
    assert not unnamed, (
        f"path parameters of unknown kind: {unnamed}. Name the kind of object each one is in "
        "PARAM_KINDS (or ID_KINDS for `id`) in tests/probe/operations.py, "
        "and make the probe world (tests/probe/world.py) hold a victim object of that kind."
    )


@pytest.mark.parametrize("op", GUARDED, ids=_key)
async def test_without_a_token_the_answer_is_401(
    probe_world: World, client: httpx.AsyncClient, op: tuple[str, str, dict[str, Any]]
) -> None:
    method, path, operation = op
    params = {p: probe_world.victim[k][0] for p in _path_params(path) if (k := kind_of(path, p))}
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = await _call(client, method, path, operation, headers, params)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def _foreign_callers(world: World, path: str) -> list[str]:
    """The callers to whom at least one object in ``path`` is foreign."""
    narrowest = max(SCOPE_ORDER.index(SCOPES[kind_of(path, p) or ""]) for p in _path_params(path))
    return [
        name
        for name, (scope, _) in world.attackers.items()
        if SCOPE_ORDER.index(scope) <= narrowest
    ]


@pytest.mark.parametrize("op", [o for o in WITH_PATH_PARAMS if o in GUARDED], ids=_key)
async def test_another_schools_or_familys_objects_are_refused(
    probe_world: World, client: httpx.AsyncClient, op: tuple[str, str, dict[str, Any]]
) -> None:
    method, path, operation = op
    params = {p: probe_world.victim[kind_of(path, p) or ""][0] for p in _path_params(path)}
    other_ids = {i for ids in probe_world.victim.values() for i in ids} - set(params.values())
    callers = _foreign_callers(probe_world, path)
    assert callers
    for name in callers:
        response = await _call(
            client, method, path, operation, probe_world.attackers[name][1], params
        )
        assert response.status_code in REFUSED, (name, response.status_code, response.text)
        leaked = [s for s in (*probe_world.secrets, *other_ids) if s in response.text]
        assert not leaked, (name, leaked, response.text)


@pytest.mark.parametrize(
    "op", [o for o in WITH_PATH_PARAMS if o in GUARDED and o[0] == "GET"], ids=_key
)
async def test_the_victims_objects_are_real(
    probe_world: World, client: httpx.AsyncClient, op: tuple[str, str, dict[str, Any]]
) -> None:
    """The refusals above mean something: some caller of the victim's school reads them."""
    method, path, operation = op
    params = {p: probe_world.victim[kind_of(path, p) or ""][0] for p in _path_params(path)}
    statuses = {}
    for role, headers in probe_world.home.items():
        response = await _call(client, method, path, operation, headers, params)
        statuses[role] = response.status_code
    assert 200 in statuses.values(), statuses
