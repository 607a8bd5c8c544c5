"""The README's "A school day, step by step" runs as written against a fresh demo school.

Every ``sh`` block of that section is replayed through the app (``tests/demo/readme.py``),
and each ``#`` line must be what the command before it prints. On a school day, on a
Saturday and in the summer holidays: the demo term is built so the walkthrough works on
whatever day a newcomer tries it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import clock
from app.demo import cast, seed_demo
from tests.conftest import ROOT
from tests.demo import minijq
from tests.demo.readme import DEMO_ORIGIN, ReadmeError, Walkthrough, walkthrough_steps

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Time passes between commands, as it does for a reader (and inboxes sort by it).
BETWEEN_COMMANDS = timedelta(seconds=20)


def _start_clock_at(moment: datetime) -> None:
    """The clock runs on from ``moment``: timestamps differ as they do in real life."""
    clock.advance(moment - datetime.now(UTC))


def _walkthrough(client: httpx.AsyncClient) -> Walkthrough:
    return Walkthrough(client, before_each=lambda: clock.advance(BETWEEN_COMMANDS))


@pytest.fixture
async def demo_client(engine: AsyncEngine) -> httpx.AsyncClient:
    from app.main import app

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=DEMO_ORIGIN
    ) as client:
        yield client  # type: ignore[misc]


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 11, 26, 15, 40, tzinfo=SHANGHAI),  # a Thursday in term
        datetime(2026, 11, 28, 15, 40, tzinfo=SHANGHAI),  # a Saturday
        datetime(2026, 7, 20, 15, 40, tzinfo=SHANGHAI),  # the summer holidays
    ],
    ids=["school-day", "saturday", "summer-holidays"],
)
async def test_the_readme_walkthrough_runs_as_written(
    start: datetime, demo_client: httpx.AsyncClient
) -> None:
    _start_clock_at(start)
    await seed_demo()
    steps = walkthrough_steps((ROOT / "README.md").read_text())
    walkthrough = _walkthrough(demo_client)

    await walkthrough.run(steps)

    assert walkthrough.requests >= 30
    assert {"PARENT", "TEACHER", "ADMIN", "DUTY", "KID", "CODE", "TODAY"} <= set(walkthrough.env)
    assert walkthrough.env["TODAY"] == start.date().isoformat()


async def test_a_readme_that_says_the_wrong_thing_fails(demo_client: httpx.AsyncClient) -> None:
    readme = "\n".join(
        [
            "## A school day, step by step",
            "```sh",
            "BASE=http://127.0.0.1:8000/api/v1",
            'curl -s "$BASE/healthz" | jq -r .status',
            "# ok",
            "```",
            "## Next",
        ]
    )
    await _walkthrough(demo_client).run(walkthrough_steps(readme))

    with pytest.raises(ReadmeError, match="it prints:\n    ok"):
        await _walkthrough(demo_client).run(walkthrough_steps(readme.replace("# ok", "# fine")))


@pytest.mark.parametrize(
    ("block", "complaint"),
    [
        ('curl -s "$BASE/healthz"', r"\$BASE is used before it is set"),
        ("BASE=http://example.com\ncurl -s $BASE/healthz", "is not the demo's"),
        (
            'BASE=http://127.0.0.1:8000/api/v1\ncurl -s "$BASE/me"',
            "HTTP 401",  # a failing command the README does not show failing
        ),
        (
            'BASE=http://127.0.0.1:8000/api/v1\nX=$(curl -s "$BASE/healthz" | jq -r .missing)',
            "sets X to 'null'",
        ),
        ('BASE=http://127.0.0.1:8000/api/v1\ncurl -k "$BASE/healthz"', "unsupported curl"),
        ("# ok", "must follow a command"),
    ],
)
async def test_what_the_walkthrough_refuses(
    block: str, complaint: str, demo_client: httpx.AsyncClient
) -> None:
    readme = f"## A school day, step by step\n```sh\n{block}\n```\n"

    with pytest.raises(ReadmeError, match=complaint):
        await _walkthrough(demo_client).run(walkthrough_steps(readme))


@pytest.mark.parametrize(
    ("program", "flags", "expected"),
    [
        (".a", "r", ["x"]),
        (".items[0].id", "r", ["1"]),
        ('.items[] | select(.name == "b") | .id', "c", ["2"]),
        ('.items[] | select(.name != "b") | {name}', "c", ['{"name":"a"}']),
        ("{first: .items[0].name, ids: [.items[] | .id]}", "c", ['{"first":"a","ids":[1,2]}']),
        (".items[5]", "c", ["null"]),
        (".n", "", ["3"]),
        ("{a}", "", ["{", '  "a": "x"', "}"]),
    ],
)
def test_minijq_prints_what_jq_prints(program: str, flags: str, expected: list[str]) -> None:
    document = '{"a": "x", "n": 3, "items": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}'

    assert minijq.run(program, document, raw="r" in flags, compact="c" in flags) == expected


def test_minijq_refuses_what_it_does_not_know() -> None:
    with pytest.raises(minijq.JqError):
        minijq.run(".items | length", '{"items": []}')


def test_the_readme_lists_the_logins_the_demo_prints() -> None:
    readme = (ROOT / "README.md").read_text()

    for login in cast.LOGINS:
        assert f"| `{login.username}` | {login.role} | {login.who} |" in readme
    assert f"`{cast.PASSWORD}`" in readme
