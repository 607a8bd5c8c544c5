"""The demo school that ``kehou serve --demo`` seeds (filled in by the first-run issue)."""

from __future__ import annotations


async def seed_demo() -> None:
    """Seed the demo school once; a no-op until the domains it needs exist."""
    return None
