"""Thread pools that keep one kind of heavy work from starving another.

argon2 spends tens of milliseconds of CPU per hash on purpose; a spreadsheet parse can
take seconds. On the default pool (``asyncio.to_thread``) a handful of uploads once made
every login wait. Each now has its own small pool: password hashing can only queue behind
other password hashing, and file parsing only behind other file parsing.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# argon2-cffi releases the GIL while hashing, so these threads really run in parallel.
PASSWORD_HASHING = ThreadPoolExecutor(
    max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="kehou-argon2"
)
# Parsing holds the GIL most of the time: two at once is all a server should give it.
FILE_PARSING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kehou-parse")


async def run_in(
    pool: ThreadPoolExecutor, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """``function(*args, **kwargs)`` on ``pool``, awaited without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, functools.partial(function, *args, **kwargs))
