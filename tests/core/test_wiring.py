"""The domains' events reach their subscribers in every process (``app/wiring.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.core import hooks
from app.enrollment import events

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: an event emitted before the wiring is installed is refused, then
# the entry point given is loaded and each declared hook's subscribers are printed.
PROGRAM = """
import asyncio, json, sys
from app.core import hooks
from app.enrollment import events
try:
    asyncio.run(events.activated.emit(None, None))
except hooks.HooksNotInstalled:
    pass
else:
    sys.exit("emitted without the wiring")
{load}
print(json.dumps({{h.name: [f.__qualname__ for f in h.handlers] for h in hooks.DECLARED}}))
"""

ENTRY_POINTS = {
    "server": "import app.main",
    "cli": "from app.cli import main; main(['openapi', '--output', sys.argv[1]])",
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_each_entry_point_installs_the_wiring(entry: str, tmp_path: Path) -> None:
    program = PROGRAM.format(load=ENTRY_POINTS[entry])
    ran = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path / "openapi.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    subscribers = json.loads(ran.stdout.splitlines()[-1])
    assert subscribers["enrollment.applying"] == ["ensure_enrollment_open"]
    assert subscribers["enrollment.activated"] == ["enrollment_activated"]
    assert subscribers["enrollment.withdrawn"] == ["enrollment_withdrawn"]
    assert subscribers["term.closures_changed"] == ["term_closures_changed"]
    assert subscribers["student.deleting"] == ["refuse_deleting_enrolled"]
    assert subscribers["student.archived"] == ["end_for_leaver"]
    unheard = [name for name, handlers in subscribers.items() if not handlers]
    assert not unheard, f"events nobody subscribes to in app/wiring.py: {unheard}"


def test_the_tests_run_with_the_wiring_installed() -> None:
    assert hooks.installed()
    assert events.activated.handlers and events.withdrawn.handlers
    assert all(hook.handlers for hook in hooks.DECLARED)
