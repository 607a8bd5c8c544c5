"""Schemathesis over the whole spec, as every role: no 5xx, and every answer as documented.

For each role (``world.ROLES``) and each operation of the spec, schemathesis generates
valid and invalid requests; a share of the valid ones aim at the home school's real rows
(ids from the probe world in paths, queries and bodies), so that they reach the code behind
the walls. Each response is checked by schemathesis: not a server error, a documented
status code, a documented content type and a body matching its schema, invalid input
refused. Examples per operation are bounded so that the six roles take about 3 minutes
on a shared 2-core machine (``EXAMPLES``).

The app runs on schemathesis's own ASGI event loop (a thread), so for these tests the app
gets an engine of its own, whose connections are made on that loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import wechat
from app.core import database
from app.core.settings import get_settings, use_settings
from app.fees import wechatpay
from app.main import app
from tests.fees.fakewechatpay import FakeWeChatPay
from tests.probe.operations import OPERATIONS, PARAM_KINDS, kind_of
from tests.probe.operations import PUBLIC as PUBLIC_ACCESS
from tests.probe.world import ROLES, World

SCHEMA = schemathesis.openapi.from_dict(app.openapi())
SCHEMA.app = app

# Generated requests per operation, role and mode (valid, invalid), times
# KEHOU_PROBE_SCALE (e.g. 10 for a deeper run than CI's).
SCALE = int(os.environ.get("KEHOU_PROBE_SCALE", "1"))
EXAMPLES = {GenerationMode.POSITIVE: 4 * SCALE, GenerationMode.NEGATIVE: 2 * SCALE}
# Operations that answer without a token (log-ins, probes) are fuzzed as ``anonymous``
# only: a token changes nothing for them.
PUBLIC = {key.split(" ", 1)[1] for key, access in OPERATIONS.items() if access == PUBLIC_ACCESS}
# As ``anonymous``, the others get one valid request each: the answer is a documented 401
# (the matrix, test_matrix.py, calls every one of them without a token).
# Requests built from the spec's examples (aimed at real rows): the likeliest to get past
# validation to the rules behind it.
EXAMPLES_FROM_DOCS = 3 * SCALE
# Hashing a password (argon2) costs about a second on a busy CI machine: fewer of these.
SLOW = {("POST", "/api/v1/me/password"): 2, ("POST", "/api/v1/staff"): 3}

# Checks left out, and why:
# - positive_data_acceptance wants every schema-valid request answered 2xx; ours refuse
#   valid-looking input for reasons a schema cannot say (another school's id: 404, a seat
#   taken: 409, a closed term: 422).
EXCLUDED_CHECKS = [openapi_checks.positive_data_acceptance]

# Query and body names that take an id of the home school's objects, by kind, besides the
# path parameters' (``operations.kind_of``).
ID_NAMES = {
    **PARAM_KINDS,
    "slot_ids": "slot",
    "class_ids": "class",
    "student_ids": "student",
    "pickup_person_id": "pickup_person",
    "homeroom_teacher_id": "staff",
    "leader_id": "staff",
}


@pytest.fixture
def app_engine(engine: AsyncEngine, database_url: str) -> Iterator[None]:
    """The app's engine for schemathesis's event loop, and the suite's back afterwards."""
    database.use_engine(database.new_engine(database_url))
    try:
        yield
    finally:
        # Ends the app's lifespan on schemathesis's loop, which disposes of its engine.
        schemathesis_asgi.shutdown_lifespans()
        database.use_engine(engine)


def _jscode2session(request: httpx.Request) -> httpx.Response:
    """WeChat's answer to any code: an openid of its own."""
    code = request.url.params["js_code"]
    openid = "o-" + hashlib.sha256(code.encode()).hexdigest()[:26]
    return httpx.Response(200, json={"openid": openid, "session_key": "sk"})


@pytest.fixture
def wechat_configured(tmp_path: Path) -> Iterator[None]:
    """WeChat log-in and WeChat Pay set up, against a fake jscode2session and a fake WeChat
    Pay (unconfigured, they answer 503)."""
    pay = FakeWeChatPay(tmp_path)
    previous = get_settings()
    use_settings(
        previous.model_copy(
            update={
                "wechat_app_id": "wx1234567890",
                "wechat_app_secret": "app-secret",
                **pay.settings(),
            }
        )
    )
    wechat.use_client_factory(
        lambda: httpx.AsyncClient(transport=httpx.MockTransport(_jscode2session))
    )
    wechatpay.use_client_factory(pay.client)
    try:
        yield
    finally:
        wechatpay.use_client_factory(None)
        wechat.use_client_factory(None)
        use_settings(previous)


def _aim(case: Any, data: st.DataObject, ids: dict[str, list[str]]) -> None:
    """Point some of a valid case's ids at real rows of the home school."""
    for container in (case.path_parameters, case.query):
        for name in list(container or {}):
            kind = kind_of(case.path, name) or ID_NAMES.get(name)
            if kind and ids.get(kind) and data.draw(st.booleans()):
                container[name] = data.draw(st.sampled_from(ids[kind]))
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            kind = ID_NAMES.get(name)
            if not (kind and ids.get(kind) and data.draw(st.booleans())):
                continue
            if isinstance(value, list):
                case.body[name] = data.draw(
                    st.lists(st.sampled_from(ids[kind]), min_size=1, max_size=3, unique=True)
                )
            else:
                case.body[name] = data.draw(st.sampled_from(ids[kind]))


@dataclass
class Tally:
    """What one role's run saw."""

    statuses: Counter[str] = field(default_factory=Counter)  # "2xx", "4xx", ...
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        statuses = ", ".join(f"{n} {k}" for k, n in sorted(self.statuses.items()))
        return f"{statuses}; {len(self.failures)} failures"


def _run(
    strategy: st.SearchStrategy[Any],
    aim: bool,
    examples: int,
    headers: dict[str, str],
    ids: dict[str, list[str]],
    tally: Tally,
) -> None:
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=strategy, data=st.data())
    def probe(case: Any, data: st.DataObject) -> None:
        if aim:
            _aim(case, data, ids)
        try:
            response = case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)
        except FailureGroup as group:
            message = str(group)
        except Exception as exc:  # the app raised: a 500 to a client
            message = f"the app raised {type(exc).__name__}: {exc}\n{case.as_curl_command()}"
        else:
            tally.statuses[f"{response.status_code // 100}xx"] += 1
            return
        tally.statuses["failed"] += 1
        tally.failures.append(f"{case.method} {case.path}: {message}")

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        probe()  # unsatisfiable: nothing invalid to send (no parameters, no body)


def _plan(role: str, headers: dict[str, str]) -> list[tuple[st.SearchStrategy[Any], bool, int]]:
    """(cases, aimed at real rows, how many) to send as ``role``: the documented examples,
    then valid and invalid generated requests."""
    plan = []
    for operation in (result.ok() for result in SCHEMA.get_all_operations()):
        public = operation.path in PUBLIC
        if public and role != "anonymous":
            continue
        if role == "anonymous" and not public:
            plan.append((operation.as_strategy(), False, 1))
            continue
        # The role's token is fixed, so that it is neither generated nor made invalid.
        fixed = {"headers": headers} if headers else {}
        documented = operation.get_strategies_from_examples(**fixed)
        if documented:
            plan.append((st.one_of(documented), True, EXAMPLES_FROM_DOCS))
        cap = SLOW.get((operation.method.upper(), operation.path))
        for mode, examples in EXAMPLES.items():
            strategy = operation.as_strategy(generation_mode=mode, **fixed)
            plan.append((strategy, mode is GenerationMode.POSITIVE, min(examples, cap or examples)))
    return plan


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_nothing(
    probe_world: World, app_engine: None, wechat_configured: None, role: str
) -> None:
    tally = Tally()
    started, cpu_started = time.monotonic(), time.process_time()
    for strategy, aim, examples in _plan(role, probe_world.home[role]):
        _run(strategy, aim, examples, probe_world.home[role], probe_world.home_ids, tally)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    print(f"\nschemathesis as {role} ({elapsed:.0f}s, {cpu:.0f}s CPU): {tally.summary()}")
    assert not tally.failures, f"{len(tally.failures)} failures as {role}:\n" + "\n".join(
        tally.failures
    )


def _answer(status: int, body: str, content_type: str = "application/json") -> Response:
    return Response(
        status_code=status,
        headers={"content-type": [content_type]},
        content=body.encode(),
        request=requests.Request("GET", "http://testserver/api/v1/me").prepare(),
        elapsed=0.0,
        verify=True,
    )


@pytest.mark.parametrize(
    ("answer", "failure"),
    [
        (_answer(200, '{"unexpected": 1}'), "JsonSchemaError"),
        (_answer(500, "Internal Server Error", "text/plain"), "ServerError"),
        (_answer(200, "hello", "text/plain"), "UndefinedContentType"),
    ],
)
def test_the_checks_catch_what_they_are_for(answer: Response, failure: str) -> None:
    """The run above means something: a wrong answer to GET /me fails its checks."""
    case = SCHEMA["/api/v1/me"]["GET"].Case(headers={"Authorization": "Bearer x"})
    with pytest.raises(FailureGroup) as caught:
        case.validate_response(answer, excluded_checks=EXCLUDED_CHECKS)
    assert failure in {type(e).__name__ for e in caught.value.exceptions}
