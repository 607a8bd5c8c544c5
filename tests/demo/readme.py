"""Reading the README's walkthrough as a shell would, and running it against the app.

The walkthrough's ``sh`` blocks use a small shell: ``VAR=value``, ``VAR=$(curl … | jq …)``,
``curl … | jq …`` (with line continuations and ``<<EOF`` bodies), and ``# …`` lines right
after a command for what it prints. Every ``curl`` becomes a request through the ASGI
client; every ``jq`` runs in ``minijq`` (and in the real jq too, when one is installed, to
keep the two honest). Anything outside that shell fails the test with the README line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from tests.demo import minijq

WALKTHROUGH = "## A school day, step by step"
DEMO_ORIGIN = "http://127.0.0.1:8000"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_HEREDOC = re.compile(r"<<\s*(['\"]?)([A-Za-z_]+)\1")


class ReadmeError(AssertionError):
    """The README's walkthrough does not run, or prints something other than it says."""


@dataclass
class Step:
    line: int  # in the README, for messages
    text: str  # the command, continuation lines joined
    stdin: str | None = None  # a heredoc body
    expand_stdin: bool = True
    expected: list[str] | None = None

    def where(self) -> str:
        return f"README.md:{self.line}: {self.text.strip()[:120]}"


def walkthrough_steps(readme: str) -> list[Step]:
    """The commands of every ``sh`` block under the walkthrough heading, in order."""
    lines = readme.split("\n")
    try:
        start = lines.index(WALKTHROUGH)
    except ValueError as exc:
        raise ReadmeError(f"the README has no {WALKTHROUGH!r} section") from exc
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    steps: list[Step] = []
    i = start
    while i < end:
        if lines[i].strip() == "```sh":
            close = lines.index("```", i + 1)
            steps.extend(_block(lines[i + 1 : close], first_line=i + 2))
            i = close
        i += 1
    return steps


def _block(lines: list[str], first_line: int) -> list[Step]:
    steps: list[Step] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        number = first_line + i
        if not line.strip():
            i += 1
            continue
        if line.startswith("#"):
            raise ReadmeError(f"README.md:{number}: a '#' line must follow a command")
        text = line
        while text.endswith("\\"):
            i += 1
            text = text[:-1] + lines[i]
        step = Step(line=number, text=text)
        heredoc = _HEREDOC.search(text)
        if heredoc is not None:
            body = []
            i += 1
            while lines[i] != heredoc.group(2):
                body.append(lines[i])
                i += 1
            step.text = text[: heredoc.start()] + text[heredoc.end() :]
            step.stdin = "\n".join(body) + "\n"
            step.expand_stdin = not heredoc.group(1)
        i += 1
        while i < len(lines) and lines[i].startswith("#"):
            step.expected = step.expected or []
            step.expected.append(lines[i][2:] if lines[i].startswith("# ") else lines[i][1:])
            i += 1
        steps.append(step)
    return steps


# -- words and variables, as the shell reads them ----------------------------------------


def _variable(text: str, at: int, env: Mapping[str, str]) -> tuple[str, int]:
    """The value of ``$NAME`` or ``${NAME}`` starting at ``text[at]``, and where it ends."""
    match = re.compile(rf"\$(?:\{{({_NAME})\}}|({_NAME}))").match(text, at)
    if match is None:
        raise ReadmeError(f"unsupported '$' in {text!r} (only $NAME and ${{NAME}})")
    name = match.group(1) or match.group(2)
    if name not in env:
        raise ReadmeError(f"${name} is used before it is set")
    return env[name], match.end()


def expand(text: str, env: Mapping[str, str]) -> str:
    """Variables expanded as in an unquoted heredoc."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "$\\`":
            out.append(text[i + 1])
            i += 2
        elif text[i] == "$":
            value, i = _variable(text, i, env)
            out.append(value)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def words(text: str, env: Mapping[str, str]) -> list[str]:
    """Split a command into words: quotes, backslashes and variables as bash does them."""
    result: list[str] = []
    current: list[str] = []
    in_word = False
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            if in_word:
                result.append("".join(current))
                current, in_word = [], False
            i += 1
            continue
        if c == "#" and not in_word:
            break  # a comment runs to the end of the line
        in_word = True
        if c == "'":
            close = text.index("'", i + 1)
            current.append(text[i + 1 : close])
            i = close + 1
        elif c == '"':
            i += 1
            while text[i] != '"':
                if text[i] == "\\" and text[i + 1] in '"\\$`':
                    current.append(text[i + 1])
                    i += 2
                elif text[i] == "$":
                    value, i = _variable(text, i, env)
                    current.append(value)
                else:
                    current.append(text[i])
                    i += 1
            i += 1
        elif c == "\\":
            current.append(text[i + 1])
            i += 2
        elif c == "$":
            value, i = _variable(text, i, env)
            if any(ch.isspace() for ch in value):
                raise ReadmeError(f"unquoted variable with spaces in {text!r}: quote it")
            current.append(value)
        elif c in "|;&<>`":
            raise ReadmeError(f"unsupported {c!r} in {text!r}")
        else:
            current.append(c)
            i += 1
    if in_word:
        result.append("".join(current))
    return result


def _pipeline(text: str) -> list[str]:
    """Split on the pipes that are outside quotes."""
    stages, current, quote = [], [], ""
    for c in text:
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "|":
            stages.append("".join(current))
            current = []
            continue
        current.append(c)
    stages.append("".join(current))
    return stages


# -- running ------------------------------------------------------------------------------


@dataclass
class Outcome:
    lines: list[str]
    status: int
    body: str


@dataclass
class Walkthrough:
    """Runs steps in order, keeping the shell's variables between them."""

    client: httpx.AsyncClient
    before_each: Callable[[], None] = lambda: None
    env: dict[str, str] = field(default_factory=dict)
    compare_with_jq: bool = field(default_factory=lambda: shutil.which("jq") is not None)
    requests: int = 0

    async def run(self, steps: list[Step]) -> None:
        for step in steps:
            self.before_each()
            await self.step(step)

    async def step(self, step: Step) -> None:
        capture = re.fullmatch(rf"({_NAME})=\$\((.*)\)\s*", step.text, re.DOTALL)
        assignment = re.fullmatch(rf"({_NAME})=(.*)", step.text, re.DOTALL)
        if (capture or assignment) and step.expected is not None:
            raise ReadmeError(f"{step.where()}\n  an assignment prints nothing to show")
        if capture is not None:
            outcome = await self.command(step, capture.group(2))
            value = "\n".join(outcome.lines)
            if outcome.status >= 400 or value in ("", "null"):
                raise ReadmeError(
                    f"{step.where()}\n  sets {capture.group(1)} to {value!r} "
                    f"(HTTP {outcome.status}: {outcome.body[:300]})"
                )
            self.env[capture.group(1)] = value
            return
        if assignment is not None:
            value = words(assignment.group(2), self.env)
            if len(value) != 1:
                raise ReadmeError(f"{step.where()}\n  assigns more than one word")
            self.env[assignment.group(1)] = value[0]
            return
        outcome = await self.command(step, step.text)
        if step.expected is None:
            if outcome.status >= 400:
                raise ReadmeError(
                    f"{step.where()}\n  HTTP {outcome.status}: {outcome.body[:500]}\n"
                    "  (a command may fail only where the README shows what it prints)"
                )
        elif outcome.lines != step.expected:
            raise ReadmeError(
                f"{step.where()}\n  the README says:\n    "
                + "\n    ".join(step.expected)
                + "\n  it prints:\n    "
                + "\n    ".join(outcome.lines)
                + f"\n  (HTTP {outcome.status})"
            )

    async def command(self, step: Step, text: str) -> Outcome:
        stages = [words(stage, self.env) for stage in _pipeline(text)]
        if not stages[0] or stages[0][0] != "curl":
            raise ReadmeError(f"{step.where()}\n  only curl commands are run")
        stdin = step.stdin
        if stdin is not None and step.expand_stdin:
            stdin = expand(stdin, self.env)
        response = await self.curl(step, stages[0][1:], stdin)
        lines = response.text.split("\n") if response.text else []
        for stage in stages[1:]:
            lines = self.jq(step, stage, response.text)
        return Outcome(lines=lines, status=response.status_code, body=response.text)

    async def curl(self, step: Step, args: list[str], stdin: str | None) -> httpx.Response:
        method, url, data = None, None, None
        headers: list[tuple[str, str]] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in ("-s", "-sS", "-S", "--silent", "--show-error"):
                i += 1
            elif arg in ("-H", "--header"):
                name, _, value = args[i + 1].partition(":")
                headers.append((name.strip(), value.strip()))
                i += 2
            elif arg in ("-d", "--data", "--data-raw", "--data-binary"):
                data = args[i + 1]
                i += 2
            elif arg in ("-X", "--request"):
                method = args[i + 1]
                i += 2
            elif arg.startswith("-") or url is not None:
                raise ReadmeError(f"{step.where()}\n  unsupported curl argument {arg!r}")
            else:
                url = arg
                i += 1
        if url is None or not url.startswith(DEMO_ORIGIN + "/"):
            raise ReadmeError(f"{step.where()}\n  the URL {url!r} is not the demo's")
        if data == "@-":
            if stdin is None:
                raise ReadmeError(f"{step.where()}\n  -d @- without a body")
            data = stdin.replace("\r", "").replace("\n", "")  # as curl reads @files
        elif data is not None and data.startswith("@"):
            raise ReadmeError(f"{step.where()}\n  only -d @- reads a body")
        if data is not None and not any(n.lower() == "content-type" for n, _ in headers):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))  # curl's
        self.requests += 1
        return await self.client.request(
            method or ("POST" if data is not None else "GET"),
            url,
            headers=headers,
            content=data.encode() if data is not None else None,
        )

    def jq(self, step: Step, args: list[str], document: str) -> list[str]:
        if not args or args[0] != "jq":
            raise ReadmeError(f"{step.where()}\n  only curl … | jq … pipelines are run")
        options = [a for a in args[1:] if a.startswith("-")]
        program = [a for a in args[1:] if not a.startswith("-")]
        if len(program) != 1 or not set("".join(o[1:] for o in options)) <= {"r", "c"}:
            raise ReadmeError(f"{step.where()}\n  jq takes -r, -c and one filter here")
        flags = "".join(o[1:] for o in options)
        try:
            lines = minijq.run(program[0], document, raw="r" in flags, compact="c" in flags)
        except (minijq.JqError, json.JSONDecodeError) as exc:
            raise ReadmeError(f"{step.where()}\n  jq: {exc}\n  input: {document[:300]}") from exc
        if self.compare_with_jq:
            real = subprocess.run(
                ["jq", *options, program[0]],
                input=document,
                capture_output=True,
                text=True,
                check=False,
            )
            expected = real.stdout.split("\n")[:-1] if real.stdout else []
            if real.returncode != 0 or expected != lines:
                raise ReadmeError(
                    f"{step.where()}\n  minijq and jq disagree on {program[0]!r}: "
                    f"{lines} != {expected} {real.stderr}"
                )
        return lines
