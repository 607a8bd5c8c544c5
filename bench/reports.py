"""The office's and the district's reports: figures alone, and pulled during the gate peak.

Run by ``bench.run`` on the report month's history (``bench.history``), over HTTP with
tokens minted here (``create_access_token``, the server's secret), as an admin of school 0
(a 3,000-child school) and the district's admin (200 schools):

- ``figures``: each report alone, closed loop, one user (a report is one person's request),
  for ``seconds`` or at least ``MIN_REQUESTS``: p50 and p95. Exports count their bytes.
- ``puller``: during the gate-peak mix, admins of the first schools pull their monthly
  ledgers one after another and the district pulls its statistics, each one user in a loop.

Reports are few and heavy, so httpx is fine here (~2 ms of client CPU per request).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx

from app.core.security import create_access_token
from bench.history import DISTRICT_ADMIN
from bench.report import percentile

API = "/api/v1"
MIN_REQUESTS = 5
DISTRICT_PAGE = 200  # the largest page (API.md): 200 schools in one request


@dataclass(frozen=True)
class Who:
    user_id: uuid.UUID
    roles: list[str]
    school_id: uuid.UUID | None = None
    district_id: uuid.UUID | None = None

    def headers(self) -> dict[str, str]:
        token, _ = create_access_token(self.user_id, self.roles, self.school_id, self.district_id)
        return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Reports:
    month: str  # YYYY-MM
    day: date  # a school day in the month
    term_id: uuid.UUID  # school 0's
    admins: list[Who]  # school admins of schools 0, 1, ...
    district: Who

    def figures(self) -> dict[str, tuple[Who, str]]:
        """Each report: who asks, and the path."""
        admin, m = self.admins[0], self.month
        first = f"{m}-01"
        last = (date.fromisoformat(first).replace(day=28) + timedelta(days=4)).replace(day=1)
        last_day = (last - timedelta(days=1)).isoformat()
        return {
            "ledger daily": (admin, f"/ledger/daily?date={self.day.isoformat()}"),
            "ledger monthly": (admin, f"/ledger/monthly?month={m}"),
            "workload month": (admin, f"/workload?month={m}"),
            "participation by class": (
                admin,
                f"/stats/participation?term_id={self.term_id}&by=class",
            ),
            "attendance month by class": (
                admin,
                f"/stats/attendance?from={first}&to={last_day}&by=class",
            ),
            "district month": (self.district, f"/district/stats?month={m}&limit={DISTRICT_PAGE}"),
            "ledger daily.xlsx": (admin, f"/ledger/daily.xlsx?date={self.day.isoformat()}"),
            "ledger monthly.xlsx": (admin, f"/ledger/monthly.xlsx?month={m}"),
            "workload.xlsx": (admin, f"/workload.xlsx?month={m}"),
            "district month.xlsx": (self.district, f"/district/stats.xlsx?month={m}"),
        }


async def load(conn: asyncpg.Connection, first: date, admins: int = 4) -> Reports:
    rows = await conn.fetch(
        "SELECT u.id, u.school_id FROM bench.schools s JOIN users u ON u.school_id = s.school_id"
        " WHERE 'school_admin' = ANY(u.roles) ORDER BY s.idx LIMIT $1",
        admins,
    )
    term_id = await conn.fetchval("SELECT id FROM terms WHERE school_id = $1", rows[0]["school_id"])
    district = await conn.fetchrow(
        "SELECT id, district_id FROM users WHERE username = $1", DISTRICT_ADMIN
    )
    day = first + timedelta(days=14)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return Reports(
        month=f"{first:%Y-%m}",
        day=day,
        term_id=term_id,
        admins=[Who(r["id"], ["school_admin"], r["school_id"]) for r in rows],
        district=Who(district["id"], ["district_admin"], None, district["district_id"]),
    )


async def _get(client: httpx.AsyncClient, who: Who, path: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = await client.get(API + path, headers=who.headers())
    took = (time.perf_counter() - started) * 1000
    return took, response.status_code, len(response.content)


def _summary(lat: list[float], errors: int, size: int, samples: list[str]) -> dict[str, Any]:
    return {
        "requests": len(lat),
        "p50_ms": _round(percentile(lat, 50)),
        "p95_ms": _round(percentile(lat, 95)),
        "max_ms": _round(max(lat, default=None)),
        "errors": errors,
        "bytes": size,
        "error_samples": samples[:3],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def figures(base_url: str, reports: Reports, seconds: float) -> dict[str, Any]:
    """Each report alone, closed loop, one user: p50/p95 over ``seconds`` (at least 5)."""
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        for name, (who, path) in reports.figures().items():
            await _get(client, who, path)  # warm: the first request plans the statements
            lat: list[float] = []
            errors, size, samples = 0, 0, []
            started = time.monotonic()
            while len(lat) < MIN_REQUESTS or time.monotonic() - started < seconds:
                took, status, size = await _get(client, who, path)
                lat.append(took)
                if status != 200:
                    errors += 1
                    samples.append(f"{status} {path}")
                if len(lat) >= 200:
                    break
            out[name] = _summary(lat, errors, size, samples)
    return out


async def pullers(base_url: str, reports: Reports, stop: asyncio.Event) -> dict[str, Any]:
    """Admins pull monthly ledgers (one after another, schools in turn) and the district
    pulls its month, each one user in a loop, until ``stop``."""
    m = reports.month

    async def loop(paths: list[tuple[Who, str]]) -> tuple[list[float], int, list[str]]:
        lat: list[float] = []
        errors, samples, i = 0, [], 0
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
            while not stop.is_set():
                who, path = paths[i % len(paths)]
                i += 1
                took, status, _ = await _get(client, who, path)
                lat.append(took)
                if status != 200:
                    errors += 1
                    samples.append(f"{status} {path}")
        return lat, errors, samples

    ledgers = [(a, f"/ledger/monthly?month={m}") for a in reports.admins]
    district = [(reports.district, f"/district/stats?month={m}&limit={DISTRICT_PAGE}")]
    (l_lat, l_err, l_s), (d_lat, d_err, d_s) = await asyncio.gather(loop(ledgers), loop(district))
    return {
        "ledger monthly (admins)": _summary(l_lat, l_err, 0, l_s),
        "district month": _summary(d_lat, d_err, 0, d_s),
    }


async def _alone(args: argparse.Namespace) -> dict[str, Any]:
    conn = await asyncpg.connect(args.database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        reports = await load(conn, date.fromisoformat(f"{args.month}-01"), admins=1)
    finally:
        await conn.close()
    chosen = {k: v for k, v in reports.figures().items() if any(o in k for o in args.only)}
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=args.url, timeout=120) as client:
        for name, (who, path) in chosen.items():
            await _get(client, who, path)  # warm
            lat: list[float] = []
            started = time.monotonic()
            while len(lat) < MIN_REQUESTS or time.monotonic() - started < args.seconds:
                took, status, size = await _get(client, who, path)
                if status != 200:
                    raise SystemExit(f"{status} {path}")
                lat.append(took)
            out[name] = _summary(lat, 0, size, [])
    return out


def main(argv: list[str] | None = None) -> None:
    """Some reports alone against a running server on the benchmark's data (its history
    month), as ``figures`` measures them: e.g. after a change to one report's query,
    ``python -m bench.reports --url http://127.0.0.1:8000 --only "ledger monthly"``.
    The server must use the same ``KEHOU_JWT_SECRET`` as this process."""
    parser = argparse.ArgumentParser(prog="bench.reports", description=main.__doc__)
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/kehou_bench_200x3000",
    )
    parser.add_argument("--month", required=True, help="the history month, YYYY-MM")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--only", action="append", default=[], help="substring of a report")
    args = parser.parse_args(argv)
    args.url = args.url.rstrip("/")
    if not args.only:
        args.only = [""]
    for name, figure in asyncio.run(_alone(args)).items():
        print(
            f"{name:28} p50 {figure['p50_ms']:8.1f} ms  p95 {figure['p95_ms']:8.1f} ms"
            f"  n={figure['requests']}  {figure['bytes']:,} bytes"
        )


if __name__ == "__main__":
    main()
