"""Hooks: a lower domain lets the domains above it act in its transaction without importing them.

The announcing domain declares each event in its ``events.py`` (a frozen dataclass and the
``Hook`` that carries it) and emits it where it happens; ``app/wiring.py`` is the one place
that subscribes the higher domains' handlers, and every process that runs the code (server,
worker, CLI, tests) calls its ``install()`` once. Handlers run in subscription order, in the
emitter's session and transaction, so what they do commits or rolls back with it; one that
raises stops the emitter's operation (a gate refuses this way).

Emitting before the wiring is installed raises: a process that forgot it fails at once
instead of, say, activating enrollments without their bills.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")

# Every hook declared so far (the wiring's test checks each has a subscriber).
DECLARED: list[Hook[Any]] = []
_installed: list[bool] = []


class HooksNotInstalled(RuntimeError):
    """An event was emitted in a process that never called ``app.wiring.install()``."""


class Hook(Generic[E]):
    """One event's subscribers: ``await hook.emit(session, event)`` calls each in turn."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handlers: list[Callable[[AsyncSession, E], Awaitable[None]]] = []
        DECLARED.append(self)

    def subscribe(self, handler: Callable[[AsyncSession, E], Awaitable[None]]) -> None:
        if installed():
            raise RuntimeError(f"{self.name}: subscribe in app/wiring.py, before it is installed")
        self.handlers.append(handler)

    async def emit(self, session: AsyncSession, event: E) -> None:
        if not installed():
            raise HooksNotInstalled(f"{self.name} emitted before app.wiring.install()")
        for handler in self.handlers:
            await handler(session, event)


def installed() -> bool:
    return bool(_installed)


def mark_installed() -> None:
    """Called by ``app.wiring.install`` once every subscription is made."""
    _installed.append(True)
