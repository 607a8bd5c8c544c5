"""What a request may carry, held against the spec: bounded text without control characters,
strict dates, bounded moments, honest PATCH nullability, 405s that say what is allowed, and
cursors bound to their list."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import routing
from app.core.schemas import LongText, Name, Password, Patch, Phone
from app.main import create_app
from app.school.models import School
from tests.core.test_problems import assert_problem
from tests.factories import auth, create_class, create_school, create_user, random_id

SPEC = create_app().openapi()
COMPONENTS = SPEC["components"]["schemas"]
# Strings whose shape a format already bounds.
_FORMATTED = {"uuid", "binary"}


def _strings(schema: dict[str, Any], where: str, seen: frozenset[str]) -> list[tuple[str, dict]]:
    """Every string schema reachable from ``schema``, with where it sits."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen, schema = seen | {name}, COMPONENTS[name]
    found = []
    for key in ("anyOf", "oneOf", "allOf"):
        for variant in schema.get(key, []):
            found += _strings(variant, where, seen)
    if schema.get("type") == "string":
        found.append((where, schema))
    for name, prop in schema.get("properties", {}).items():
        found += _strings(prop, f"{where}.{name}", seen)
    for key, suffix in (("items", "[]"), ("additionalProperties", "{}"), ("propertyNames", "{k}")):
        if isinstance(schema.get(key), dict):
            found += _strings(schema[key], where + suffix, seen)
    return found


def _request_strings() -> list[tuple[str, dict]]:
    found = []
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter["in"] in {"path", "query"}:
                    where = f"{label} {parameter['in']}:{parameter['name']}"
                    found += _strings(parameter["schema"], where, frozenset())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found += _strings(content["schema"], f"{label} body", frozenset())
    return found


def test_no_request_takes_unbounded_or_unchecked_text() -> None:
    """Every string a request carries is bounded and refuses control characters (``Text``),
    or is a date/moment with its year range, or an enum, a uuid or a file."""
    loose = []
    for where, schema in _request_strings():
        if "enum" in schema or "const" in schema or schema.get("format") in _FORMATTED:
            continue
        if schema.get("format") in {"date", "date-time"}:
            if not schema.get("pattern", "").startswith("^(19"):
                loose.append((where, schema))
        elif "pattern" not in schema or ("maxLength" not in schema and "*" in schema["pattern"]):
            loose.append((where, schema))
    assert not loose, "use app.core.schemas.Text / Day / Moment for these:\n" + "\n".join(
        f"{where}: {schema}" for where, schema in loose
    )
    assert len(_request_strings()) > 100  # the walk really reached the request bodies


def _patch_models() -> list[type[BaseModel]]:
    models = []
    for route in routing.operations(create_app().routes):
        if "PATCH" in route.methods and route.body_field:
            models.append(route.body_field.field_info.annotation)
    return models


def test_every_patch_body_says_where_null_is_allowed() -> None:
    models = _patch_models()
    assert len(models) >= 8  # the walk found the PATCH bodies (ClassPatch among them)
    assert any(m.__name__ == "ClassPatch" for m in models)
    for model in models:
        assert isinstance(model, type) and issubclass(model, Patch), model
        properties = model.model_json_schema()["properties"]
        for name in model.model_fields:
            schema_allows_null = {"type": "null"} in properties[name].get("anyOf", [])
            try:
                model.model_validate({name: None})
                server_allows_null = True
            except ValidationError as exc:
                server_allows_null = not any(e["loc"] == (name,) for e in exc.errors())
            assert schema_allows_null == server_allows_null == (name in model.nullable), (
                model.__name__,
                name,
            )


def _example_path(path: str) -> str:
    """``path`` with a fresh id for each parameter."""
    return "/".join(random_id() if p.startswith("{") else p for p in path.split("/"))


@pytest.fixture
async def api() -> Any:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_every_405_lists_exactly_the_methods_of_its_path(api: httpx.AsyncClient) -> None:
    checked = 0
    for path, operations in SPEC["paths"].items():
        allowed = {m.upper() for m in operations}
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed)[:2]:
            response = await api.request(method, _example_path(path))
            assert_problem(response, 405, "http.method_not_allowed")
            assert set(response.headers["allow"].split(", ")) == allowed, (method, path)
            checked += 1
    assert checked > 40


async def test_a_literal_path_is_not_taken_by_a_parameter_route(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/pickups/verify")
    assert_problem(response, 405, "http.method_not_allowed")
    assert response.headers["allow"] == "POST"
    response = await api.get("/api/v1/students/import")
    assert_problem(response, 405, "http.method_not_allowed")
    assert response.headers["allow"] == "POST"


# ---- through the API, on a real database ----


@pytest.fixture
async def school(session: AsyncSession) -> School:
    school = await create_school(session)
    await session.commit()
    return school


@pytest.fixture
async def admin(session: AsyncSession, school: School) -> User:
    user = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    await create_user(session, roles=[Role.TEACHER], school=school)
    await create_user(session, roles=[Role.DUTY], school=school)
    await session.commit()
    return user


@pytest.fixture
async def parent(session: AsyncSession) -> User:
    user = await create_user(session, roles=[Role.PARENT], phone="13800000009")
    await session.commit()
    return user


NUL = "王\x00小明"


async def test_control_characters_are_422_and_leave_the_connection_usable(
    client: httpx.AsyncClient, session: AsyncSession, admin: User, parent: User
) -> None:
    klass = await create_class(session, await session.get(School, admin.school_id))
    await session.commit()
    staff = auth(admin)
    refused: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
        ("POST", "/auth/login", {"json": {"username": NUL, "password": "x"}}, {}, "username"),
        ("PATCH", "/me", {"json": {"name": NUL}}, auth(parent), "name"),
        ("PATCH", "/me", {"json": {"name": "王\u0085明"}}, auth(parent), "name"),
        (
            "POST",
            "/me/children",
            {"json": {"binding_code": "K7QM\x00", "relationship": "母亲"}},
            auth(parent),
            "binding_code",
        ),
        (
            "POST",
            "/staff",
            {"json": {"username": "wang", "password": "Pass-2026", "name": NUL, "roles": ["duty"]}},
            staff,
            "name",
        ),
        (
            "POST",
            "/students",
            {"json": {"name": NUL, "student_no": "2026001", "class_id": str(klass.id)}},
            staff,
            "name",
        ),
        ("PATCH", f"/classes/{klass.id}", {"json": {"name": "一班\x1b"}}, staff, "name"),
        ("GET", "/audit-events", {"params": {"action": "student\x00"}}, staff, "action"),
        ("GET", "/staff", {"params": {"cursor": "abc\x00"}}, staff, "cursor"),
    ]
    for method, path, kwargs, headers, field in refused:
        response = await client.request(method, path, headers=headers, **kwargs)
        problem = assert_problem(response, 422, "validation.invalid")
        assert [e["field"] for e in problem["errors"]] == [field], (path, problem)
    assert (await client.get("/me", headers=auth(parent))).status_code == 200


async def test_a_multi_line_field_keeps_its_line_breaks_and_trims(
    client: httpx.AsyncClient, admin: User
) -> None:
    body = {
        "name": "  2026 春季  ",
        "start_date": "2026-03-01",
        "end_date": "2026-06-30",
        "weekdays": [1, 2],
        "agreement_text": "第一条\n\t第二条\r\n",
    }
    response = await client.post("/terms", json=body, headers=auth(admin))
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "2026 春季"
    assert response.json()["agreement_text"] == "第一条\n\t第二条"
    body["agreement_text"] = "第一条\x00"
    assert_problem(
        await client.post("/terms", json=body, headers=auth(admin)), 422, "validation.invalid"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("opens_at", "0001-01-01T00:00+14:00"),
        ("closes_at", "9999-12-31T23:59-12:00"),
        ("opens_at", 1767225600),  # a Unix timestamp
        ("opens_at", "2026-01-01T08:00"),  # no offset
    ],
)
async def test_moments_are_iso_with_an_offset_in_a_sane_range(
    client: httpx.AsyncClient, admin: User, field: str, value: object
) -> None:
    body = {
        "title": "下学期意向",
        "term_id": random_id(),
        "questions": [{"id": "q", "kind": "text", "prompt": "?"}],
        "opens_at": "2026-01-01T08:00+08:00",
        "closes_at": "2026-01-08T08:00+08:00",
        field: value,
    }
    response = await client.post("/surveys", json=body, headers=auth(admin))
    problem = assert_problem(response, 422, "validation.invalid")
    assert [e["field"] for e in problem["errors"]] == [field]


@pytest.mark.parametrize("value", [1767225600, "1767225600", "2026-1-5", "0001-01-01"])
async def test_dates_are_yyyy_mm_dd_in_bodies_and_queries(
    client: httpx.AsyncClient, parent: User, admin: User, value: object
) -> None:
    body = {
        "student_id": random_id(),
        "start_date": value,
        "end_date": "2026-03-02",
        "kind": "sick",
        "reason": "发烧",
    }
    response = await client.post("/leave-requests", json=body, headers=auth(parent))
    problem = assert_problem(response, 422, "validation.invalid")
    assert [e["field"] for e in problem["errors"]] == ["start_date"]
    response = await client.get("/leave-requests", params={"date": str(value)}, headers=auth(admin))
    problem = assert_problem(response, 422, "validation.invalid")
    assert [e["field"] for e in problem["errors"]] == ["date"]


async def test_null_in_a_patch_means_what_the_spec_says(
    client: httpx.AsyncClient, session: AsyncSession, admin: User
) -> None:
    klass = await create_class(session, await session.get(School, admin.school_id))
    await session.commit()
    # not nullable: refused, naming the field
    response = await client.patch(f"/classes/{klass.id}", json={"name": None}, headers=auth(admin))
    problem = assert_problem(response, 422, "validation.invalid")
    assert [e["field"] for e in problem["errors"]] == ["name"]
    # nullable: clears the value
    response = await client.patch(
        f"/classes/{klass.id}", json={"homeroom_teacher_id": None}, headers=auth(admin)
    )
    assert response.status_code == 200, response.text
    assert response.json()["homeroom_teacher_id"] is None


async def test_a_cursor_belongs_to_its_list_and_filters(
    client: httpx.AsyncClient, admin: User
) -> None:
    headers = auth(admin)
    first = await client.get("/staff", params={"limit": 1}, headers=headers)
    cursor = first.json()["next_cursor"]
    assert cursor
    following = await client.get("/staff", params={"limit": 1, "cursor": cursor}, headers=headers)
    assert following.status_code == 200
    assert following.json()["items"][0]["id"] != first.json()["items"][0]["id"]
    # a page size of its own is fine; other filters or another list are not
    assert (
        await client.get("/staff", params={"limit": 5, "cursor": cursor}, headers=headers)
    ).status_code == 200
    for path, params in (
        ("/staff", {"cursor": cursor, "is_active": "true"}),
        ("/staff", {"cursor": cursor, "role": "teacher"}),
        ("/classes", {"cursor": cursor}),
        ("/audit-events", {"cursor": cursor}),
    ):
        response = await client.get(path, params=params, headers=headers)
        assert_problem(response, 422, "pagination.cursor_invalid")


@pytest.mark.parametrize("text", [Name, LongText, Phone, Password], ids=lambda t: str(t))
def test_text_accepts_exactly_what_its_spec_allows(text: object) -> None:
    """A client (or a fuzzer) reading the spec knows precisely which strings pass."""
    adapter = TypeAdapter(text)
    schema = adapter.json_schema()
    pattern = re.compile(schema["pattern"])
    samples = [
        "王小明", " 王小明 ", "\u3000王小明", "\t王", "王\n明", "王\r\n明\n", "", "   ", "\n",
        "王\x00", "王\x85明", "\x85王", "\x7f", "a" * 64, "a" * 64 + " ", "b" * 2001,
        "13800000000", " 13800000000", "+8613800000000", "138-0000-0000",
    ]  # fmt: skip
    for sample in samples:
        in_spec = (
            schema.get("minLength", 0) <= len(sample) <= schema["maxLength"]
            and pattern.search(sample) is not None
        )
        try:
            adapter.validate_python(sample)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == in_spec, (sample, schema)
