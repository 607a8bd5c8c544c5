"""The process heap once started: frozen, so the garbage collector stops re-scanning it."""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_heap() -> None:
    """Put everything alive now out of the cyclic collector's reach (``gc.freeze``).

    After start-up a process holds ~180,000 long-lived objects (modules, routes, schemas,
    compiled statements). Every full collection re-scanned them all: ~95 ms here with every
    request of the process waiting, the spikes in the benchmark's p99. Frozen, they cost a
    collection nothing; objects made afterwards are collected as before.
    """
    gc.collect()
    gc.freeze()
    log.debug("heap frozen: %d objects", gc.get_freeze_count())
