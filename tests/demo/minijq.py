"""The part of jq the README's walkthrough uses, so its test needs no jq binary.

Paths (``.a.b``, ``.[0]``, ``.[]``), pipes, ``select(...)`` with ``==``/``!=``, object
construction (``{a, b: .c}``), array construction (``[...]``), string and number literals;
``-r`` (raw strings) and ``-c`` (compact) output. Anything else is a ``JqError``: keep the
README inside this subset, or extend it here (the walkthrough test also checks this against
the real jq when one is installed).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

Filter = Callable[[Any], Iterator[Any]]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+)
      | (?P<op>==|!=|[.\[\]{}()|,:])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


class JqError(Exception):
    pass


def _tokens(program: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(program.rstrip()):
        match = _TOKEN.match(program, position)
        if match is None:
            raise JqError(f"cannot read {program[position:]!r} in {program!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, program: str) -> None:
        self.program = program
        self.tokens = _tokens(program)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def kind(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        if self.at >= len(self.tokens):
            raise JqError(f"{self.program!r} ends too early")
        value = self.tokens[self.at][1]
        if expected is not None and value != expected:
            raise JqError(f"expected {expected!r}, found {value!r} in {self.program!r}")
        self.at += 1
        return value

    def parse(self) -> Filter:
        program = self.pipe()
        if self.at != len(self.tokens):
            raise JqError(f"cannot read {self.peek()!r} in {self.program!r}")
        return program

    def pipe(self) -> Filter:
        stages = [self.comparison()]
        while self.peek() == "|":
            self.take()
            stages.append(self.comparison())

        def run(value: Any) -> Iterator[Any]:
            values: list[Any] = [value]
            for stage in stages:
                values = [out for v in values for out in stage(v)]
            yield from values

        return run

    def comparison(self) -> Filter:
        left = self.postfix()
        if self.peek() not in ("==", "!="):
            return left
        negate = self.take() == "!="
        right = self.postfix()

        def compare(value: Any) -> Iterator[Any]:
            for a, b in itertools.product(list(left(value)), list(right(value))):
                yield (a != b) if negate else (a == b)

        return compare

    def postfix(self) -> Filter:
        program = self.primary()
        while True:
            if self.peek() == "[":
                program = _then(program, self.index())
            elif self.peek() == "." and self.at + 1 < len(self.tokens):
                following = self.tokens[self.at + 1]
                if following[0] == "ident":
                    self.take()
                    program = _then(program, _field(self.take()))
                elif following[1] == "[":
                    self.take()
                    program = _then(program, self.index())
                else:
                    return program
            else:
                return program

    def index(self) -> Filter:
        self.take("[")
        if self.peek() == "]":
            self.take()
            return _iterate
        if self.kind() != "number":
            raise JqError(f"only .[n] and .[] are supported in {self.program!r}")
        n = int(self.take())
        self.take("]")
        return lambda value: iter([_at(value, n)])

    def primary(self) -> Filter:
        token, kind = self.peek(), self.kind()
        if token == ".":
            self.take()
            if self.kind() == "ident":
                return _field(self.take())
            return lambda value: iter([value])
        if token == "(":
            self.take()
            inner = self.pipe()
            self.take(")")
            return inner
        if token == "[":
            self.take()
            inner = self.pipe()
            self.take("]")
            return lambda value: iter([list(inner(value))])
        if token == "{":
            return self.object()
        if kind == "ident" and token == "select":
            self.take()
            self.take("(")
            condition = self.pipe()
            self.take(")")
            return lambda value: (
                value for ok in condition(value) if ok is not False and ok is not None
            )
        if kind in ("string", "number"):
            literal = json.loads(self.take())
            return lambda value: iter([literal])
        raise JqError(f"unsupported {token!r} in {self.program!r}")

    def object(self) -> Filter:
        self.take("{")
        entries: list[tuple[str, Filter]] = []
        while self.peek() != "}":
            key = self.take()
            key = json.loads(key) if key.startswith('"') else key
            if self.peek() == ":":
                self.take()
                entries.append((key, self.comparison()))
            else:
                entries.append((key, _field(key)))
            if self.peek() == ",":
                self.take()
        self.take("}")

        def build(value: Any) -> Iterator[Any]:
            choices = [list(f(value)) for _, f in entries]
            for combination in itertools.product(*choices):
                yield dict(zip([k for k, _ in entries], combination, strict=True))

        return build


def _then(first: Filter, second: Filter) -> Filter:
    return lambda value: (out for v in first(value) for out in second(v))


def _field(name: str) -> Filter:
    def get(value: Any) -> Iterator[Any]:
        if value is None:
            yield None
        elif isinstance(value, dict):
            yield value.get(name)
        else:
            raise JqError(f"cannot index {type(value).__name__} with {name!r}")

    return get


def _at(value: Any, n: int) -> Any:
    if value is None:
        return None
    if not isinstance(value, list):
        raise JqError(f"cannot index {type(value).__name__} with a number")
    return value[n] if -len(value) <= n < len(value) else None


def _iterate(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        yield from value
    elif isinstance(value, dict):
        yield from value.values()
    else:
        raise JqError(f"cannot iterate over {type(value).__name__}")


def run(program: str, document: str, *, raw: bool = False, compact: bool = False) -> list[str]:
    """The lines ``jq [-r] [-c] program`` prints for ``document`` (empty input: none)."""
    if not document.strip():
        return []
    lines: list[str] = []
    for value in _Parser(program).parse()(json.loads(document)):
        if raw and isinstance(value, str):
            lines.extend(value.split("\n"))
        elif compact:
            lines.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        else:
            lines.extend(json.dumps(value, ensure_ascii=False, indent=2).split("\n"))
    return lines
