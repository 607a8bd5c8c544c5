"""The notification worker: delivers outbox rows (a stub until the notifications issue)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


async def run_forever() -> None:
    log.info("notification worker: nothing to deliver yet; exiting")
