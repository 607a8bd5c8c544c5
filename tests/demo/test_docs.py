"""/docs: every endpoint under its domain, Chinese examples that are valid, a working Authorize."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from app.demo import cast
from app.main import TAGS, app

DOMAINS = ("auth", "school", "enrollment", "leave", "attendance", "pickup", "surveys", "fees")
SCHEMA_MODULES = [*DOMAINS, "notifications"]
PUBLIC = {
    "auth-login",
    "auth-register",
    "auth-wechat_login",
    "auth-refresh_tokens",
    "auth-logout",
    "operations-healthz",
    "operations-readyz",
    "fees-wechat_pay_notify",  # WeChat Pay's callback: its signature is checked instead
    "privacy-privacy_notice",
}
# The requests a newcomer tries first: each shows an example body in /docs.
MAIN_REQUESTS = {
    "auth-login",
    "auth-register",
    "school-create_term",
    "school-create_slot",
    "school-create_class",
    "school-create_group",
    "school-create_student",
    "enrollment-create_enrollment",
    "enrollment-review_enrollment",
    "enrollment-withdraw_enrollment",
    "leave-create_leave_request",
    "leave-decide_leave_request",
    "attendance-take_roll_call",
    "pickup-create_pickup_person",
    "pickup-create_pickup_pass",
    "pickup-verify_pickup_pass",
    "pickup-create_pickup",
    "surveys-create_survey",
    "surveys-submit_survey_response",
    "notifications-register_device",
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _operations() -> list[dict[str, Any]]:
    spec = app.openapi()
    return [op for path in spec["paths"].values() for op in path.values()]


def _models_with_examples() -> list[tuple[str, type[BaseModel], list[Any]]]:
    found = []
    for domain in SCHEMA_MODULES:
        module = importlib.import_module(f"app.{domain}.schemas")
        for model in vars(module).values():
            if (
                isinstance(model, type)
                and issubclass(model, BaseModel)
                and model.__module__ == module.__name__
            ):
                extra = model.model_config.get("json_schema_extra")
                if isinstance(extra, dict) and extra.get("examples"):
                    found.append((domain, model, list(extra["examples"])))  # type: ignore[arg-type]
    return found


def test_every_endpoint_is_under_exactly_one_domain() -> None:
    known = {tag["name"] for tag in TAGS}

    for operation in _operations():
        assert len(operation["tags"]) == 1, operation["operationId"]
        assert operation["tags"][0] in known
        assert operation["operationId"].startswith(operation["tags"][0] + "-")


def test_every_endpoint_but_the_sign_in_ones_takes_the_bearer_token() -> None:
    spec = app.openapi()
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Access token from `POST /auth/login`.",
    }

    for operation in _operations():
        secured = operation.get("security") == [{"HTTPBearer": []}]
        assert secured != (operation["operationId"] in PUBLIC), operation["operationId"]


@pytest.mark.parametrize(
    ("domain", "model", "examples"),
    [pytest.param(*found, id=found[1].__name__) for found in _models_with_examples()],
)
def test_each_schema_example_is_valid(
    domain: str, model: type[BaseModel], examples: list[Any]
) -> None:
    for example in examples:
        model.model_validate_json(json.dumps(example))


def test_every_domain_has_examples_in_chinese() -> None:
    speaking = {
        domain
        for domain, _, examples in _models_with_examples()
        if CHINESE.search(json.dumps(examples, ensure_ascii=False))
    }

    assert speaking == set(SCHEMA_MODULES)


def _has_example(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return bool(schema.get("examples")) or any(
        bool(prop.get("examples")) for prop in schema.get("properties", {}).values()
    )


def test_the_main_requests_and_their_answers_show_examples() -> None:
    spec = app.openapi()
    operations = {op["operationId"]: op for op in _operations()}

    for operation_id in sorted(MAIN_REQUESTS):
        operation = operations[operation_id]
        body = operation["requestBody"]["content"]["application/json"]
        assert body.get("examples") or _has_example(spec, body["schema"]), operation_id
        if operation_id != "auth-login":
            answers = [r for code, r in operation["responses"].items() if code.startswith("2")]
            schema = answers[0]["content"]["application/json"]["schema"]
            assert _has_example(spec, schema), operation_id


def test_route_examples_are_valid_bodies() -> None:
    from app.auth.schemas import LoginIn
    from app.enrollment.schemas import ReviewIn
    from app.leave.schemas import LeaveDecisionIn
    from app.pickup.schemas import HandoverIn

    operations = {op["operationId"]: op for op in _operations()}
    for operation_id, model in (
        ("auth-login", LoginIn),
        ("enrollment-review_enrollment", ReviewIn),
        ("leave-decide_leave_request", LeaveDecisionIn),
        ("pickup-create_pickup", HandoverIn),
    ):
        named = operations[operation_id]["requestBody"]["content"]["application/json"]["examples"]
        assert len(named) >= 2
        for example in named.values():
            assert CHINESE.search(example["summary"])
            model.model_validate_json(json.dumps(example["value"]))


def test_the_login_examples_are_the_demo_logins() -> None:
    operation = next(op for op in _operations() if op["operationId"] == "auth-login")
    named = operation["requestBody"]["content"]["application/json"]["examples"]

    assert {e["value"]["username"] for e in named.values()} == {
        login.username for login in cast.LOGINS
    }
    assert {e["value"]["password"] for e in named.values()} == {cast.PASSWORD}


async def test_the_docs_page_and_its_spec_are_served(client: httpx.AsyncClient) -> None:
    docs = await client.get("http://test/docs")  # outside /api/v1
    spec = await client.get("http://test/openapi.json")

    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert spec.status_code == 200 and spec.json()["info"]["title"] == app.title
