"""The one small interface every push channel implements, and what a send can come to."""

from __future__ import annotations

import abc
import email.utils
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.core import clock


@dataclass(frozen=True)
class Push:
    """One notification for one device address, as a provider needs it."""

    id: uuid.UUID  # the outbox row
    notification_id: uuid.UUID
    address: str  # FCM registration token or WeChat openid
    kind: str
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


class Result(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient: try again later (outage, rate limit, timeout)
    FAILED = "failed"  # permanent for this message (bad payload or template); address is fine
    DEAD_ADDRESS = "dead_address"  # permanent for the address: deactivate the device
    SKIPPED = "skipped"  # nothing to send on this channel (e.g. no template for the kind)


@dataclass(frozen=True)
class Outcome:
    result: Result
    error: str | None = None
    retry_after: float | None = None  # seconds the provider asked us to wait

    @classmethod
    def sent(cls) -> Outcome:
        return cls(Result.SENT)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Outcome:
        return cls(Result.RETRY, error, retry_after)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls(Result.FAILED, error)

    @classmethod
    def dead_address(cls, error: str) -> Outcome:
        return cls(Result.DEAD_ADDRESS, error)

    @classmethod
    def skipped(cls, reason: str) -> Outcome:
        return cls(Result.SKIPPED, reason)


class Provider(abc.ABC):
    """A push channel. ``send`` never raises for a delivery problem: it answers per push."""

    platform: str

    @abc.abstractmethod
    async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
        """One outcome per push, in order."""

    async def aclose(self) -> None:  # noqa: B027  (optional hook)
        """Release connections (the worker calls this on shutdown)."""


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - clock.now().timestamp())
