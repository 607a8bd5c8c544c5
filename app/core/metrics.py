"""Prometheus metrics: requests by route, the worker's heartbeat, and the ``/metrics`` text.

Counters live in each process. ``kehou serve --workers N`` shares them between its server
processes through prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set
by the command), so one scrape of the port sees them all. Separate replicas and
``kehou worker`` processes are scraped one by one (``kehou worker --metrics-port``).
Figures read from the database (outbox, late cases, heartbeats) are taken at scrape time by
the caller and passed in as ``extra`` gauges: one statement per scrape, nothing per request.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "kehou_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "kehou_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WORKER_HEARTBEAT = Gauge(
    "kehou_worker_last_heartbeat_timestamp_seconds",
    "Unix time of this process's worker's last heartbeat written to the database.",
    multiprocess_mode="max",
)

# Anything else a client sends is counted as "OTHER": the label set stays bounded.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"  # 404s of paths no route knows: never the raw path

# The labelled children, looked up once per (method, route, status): ``labels()`` takes a
# lock and validates on every call; a dict lookup is what a request can afford.
_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
_children_lock = threading.Lock()


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request and its duration (a few microseconds)."""
    key = (method, route or UNMATCHED_ROUTE, status)
    pair = _children.get(key)
    if pair is None:
        label = method if method in _METHODS else "OTHER"
        with _children_lock:
            pair = _children[key] = (
                REQUESTS.labels(label, key[1], str(status)),
                LATENCY.labels(label, key[1]),
            )
    pair[0].inc()
    pair[1].observe(seconds)


def record_heartbeat() -> None:
    WORKER_HEARTBEAT.set(time.time())


@dataclass(frozen=True)
class Reading:
    """One gauge read at scrape time; ``None`` leaves it out (e.g. no worker ever beat)."""

    name: str
    documentation: str
    value: float | None


class _Readings(Collector):
    def __init__(self, readings: Sequence[Reading]) -> None:
        self.readings = readings

    def collect(self) -> Iterable[Metric]:
        for reading in self.readings:
            if reading.value is not None:
                yield GaugeMetricFamily(reading.name, reading.documentation, value=reading.value)


class _Merged(Collector):
    def __init__(self, *collectors: CollectorRegistry | Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition(extra: Sequence[Reading] = ()) -> tuple[bytes, str]:
    """The text a scrape gets: this process's (or this server's processes') metrics + ``extra``."""
    if os.environ.get(MULTIPROCESS_DIR_ENV):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        own: CollectorRegistry | Collector = processes
    else:
        own = REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Merged(own, _Readings(extra)))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def serve_on_port(port: int, host: str = "127.0.0.1") -> None:
    """Expose this process's metrics on ``host:port`` from a thread (``kehou worker``)."""
    start_http_server(port, addr=host)
