"""The one clock of the service: tests move it; "today" is always in the school's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"

_frozen: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def today(timezone: str = DEFAULT_TIMEZONE) -> date:
    """Today's date in ``timezone`` (a school's zone)."""
    return now().astimezone(ZoneInfo(timezone)).date()


def local_now(timezone: str = DEFAULT_TIMEZONE) -> datetime:
    return now().astimezone(ZoneInfo(timezone))


def freeze(at: datetime | None) -> None:
    """Stop the clock at ``at`` (aware), or let it run again with ``None``. Tests only."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


def advance(delta: timedelta) -> None:
    """Move the clock forward (frozen or running). Tests only."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta


def reset() -> None:
    global _frozen, _offset
    _frozen, _offset = None, timedelta(0)
