"""Every error the app can answer with has its zh-CN and en message once the app is loaded.

Errors are classes beside their messages (``<domain>/errors.py``); defining one adds its
messages to the catalogue, so nothing is registered by a side-effect import.
"""

from __future__ import annotations

import ast
import json
import string
import subprocess
import sys
from pathlib import Path

import pytest

import app.main  # noqa: F401  (loads every domain, as the server does)
from app.core.errors import DomainError, NotFound
from app.core.i18n import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "app").rglob("*.py"))


def _subclasses(cls: type[DomainError]) -> list[type[DomainError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


ERROR_CLASSES = [cls for cls in _subclasses(DomainError) if "messages" in cls.__dict__]
BASE_NAMES = {"DomainError", *(cls.__name__ for cls in _subclasses(DomainError))}


def _defined_codes() -> set[str]:
    """The codes written in the source: each errors.py class's ``code`` and each key given to
    ``register`` (domains not yet turned into classes), and every literal code a raise site
    or ``problem(...)`` names."""
    codes: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and path.name == "errors.py":
                codes |= {
                    stmt.value.value
                    for stmt in node.body
                    if isinstance(stmt, ast.Assign)
                    and [getattr(t, "id", None) for t in stmt.targets] == ["code"]
                    and isinstance(stmt.value, ast.Constant)
                }
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "register" and node.args and isinstance(node.args[0], ast.Dict):
                    codes |= {k.value for k in node.args[0].keys if isinstance(k, ast.Constant)}
                elif node.func.id == "problem" or node.func.id in BASE_NAMES:
                    codes |= {
                        arg.value
                        for arg in node.args
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    }
    return codes


def test_the_source_names_the_codes_this_test_checks() -> None:
    codes = _defined_codes()
    # a class, a code still registered by hand, a legacy raise site, a core problem()
    assert {"leave.not_found", "student.not_found", "service.unavailable"} <= codes
    assert len(codes) > 200


def test_every_code_has_its_messages_once_the_server_is_loaded() -> None:
    # A fresh interpreter that imports only what the server imports: a code whose
    # errors.py nothing imports would be missing here, and answer "request could not be done".
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, app.main; from app.core.i18n import MESSAGES; "
            "print(json.dumps(sorted(MESSAGES)))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    missing = _defined_codes() - set(json.loads(loaded.stdout))
    assert not missing, f"codes without messages when the server runs: {sorted(missing)}"


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.code)
def test_each_error_class_has_both_messages_in_the_catalogue(cls: type[DomainError]) -> None:
    zh, en = cls.messages
    assert zh.strip() and en.strip()
    assert MESSAGES[cls.code] == (zh, en)
    for template in (zh, en):  # placeholders parse, so translate() can fill them
        list(string.Formatter().parse(template))


def test_codes_and_class_names_are_unique() -> None:
    codes = [cls.code for cls in ERROR_CLASSES]
    assert len(codes) == len(set(codes))
    names = [cls.__name__ for cls in ERROR_CLASSES]
    assert len(names) == len(set(names))


def test_an_error_class_without_messages_or_with_a_taken_code_is_refused() -> None:
    with pytest.raises(TypeError, match="without its messages"):

        class Silent(NotFound):
            code = "test.silent"

    with pytest.raises(TypeError, match="zh-CN and en"):

        class HalfSaid(NotFound):
            code = "test.half_said"
            messages = ("只有中文。", " ")

    with pytest.raises(ValueError, match="registered twice"):

        class Again(NotFound):
            code = "leave.not_found"
            messages = ("又一个。", "Another one.")

    assert "test.silent" not in MESSAGES
    assert "test.half_said" not in MESSAGES
