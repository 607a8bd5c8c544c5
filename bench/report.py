"""Figures from raw phase results: rates, percentiles, lag, targets, and the printed table."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

OPS = ("verify", "handover", "inbox", "roster", "roll_call")
LABELS = {
    "verify": "POST /pickups/verify",
    "handover": "POST /pickups",
    "inbox": "GET /notifications",
    "roster": "GET /rosters",
    "roll_call": "POST /attendance/roll-calls",
}


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of ``values`` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def merge(answers: Iterable[dict[str, Any]], *, sequential: bool = False) -> dict[str, Any]:
    """Several load processes' answers to one phase (or, ``sequential``, several rounds
    of one phase) as one result."""
    merged: dict[str, Any] = {
        "elapsed": 0.0,
        "ops": {},
        "handovers": [],
        "timeline": [],
        "issued": 0,
        "dropped": 0,
        "exhausted": 0,
    }
    cpu: dict[str, float] = {}
    for answer in answers:
        if sequential:
            merged["elapsed"] += answer["elapsed"]
            merged["wall"] = merged.get("wall", 0.0) + answer["wall"]
            for component, seconds in answer["cpu"].items():
                cpu[component] = round(cpu.get(component, 0.0) + seconds, 2)
        else:
            merged["elapsed"] = max(merged["elapsed"], answer["elapsed"])
        merged["handovers"].extend(answer["handovers"])
        merged["timeline"].extend(answer.get("timeline", []))
        for key in ("issued", "dropped", "exhausted"):
            merged[key] += answer[key]
        for op, stats in answer["ops"].items():
            into = merged["ops"].setdefault(op, {"lat": [], "ok": 0, "errors": 0, "samples": []})
            into["lat"].extend(stats["lat"])
            into["ok"] += stats["ok"]
            into["errors"] += stats["errors"]
            into["samples"].extend(stats["samples"][: 5 - len(into["samples"])])
    if sequential:
        merged["cpu"] = cpu
    return merged


def summary(phase: dict[str, Any]) -> dict[str, Any]:
    """Per operation: requests/s (successful), errors, latency percentiles in ms."""
    elapsed = phase["elapsed"] or 1.0
    ops = {}
    for op, stats in phase["ops"].items():
        lat = stats["lat"]
        ops[op] = {
            "requests": stats["ok"] + stats["errors"],
            "rps": round(stats["ok"] / elapsed, 1),
            "errors": stats["errors"],
            "error_samples": stats["samples"],
            "p50_ms": _r(percentile(lat, 50)),
            "p95_ms": _r(percentile(lat, 95)),
            "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(max(lat) if lat else None),
        }
    total_ok = sum(s["ok"] for s in phase["ops"].values())
    return {
        "timeline": sorted(phase.get("timeline", [])),
        "seconds": round(elapsed, 1),
        "rps": round(total_ok / elapsed, 1),
        "errors": sum(s["errors"] for s in phase["ops"].values()),
        "dropped": phase["dropped"],
        "exhausted": phase["exhausted"],
        "ops": ops,
        "cpu_seconds": phase.get("cpu", {}),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def lag(handovers: list[tuple[str, float]], receipts: list[list[Any]]) -> dict[str, Any]:
    """Handover commit (its 201 at the client) → each push's arrival at the fake FCM."""
    committed = dict(handovers)
    lags = [
        arrived - committed[handover_id]
        for arrived, kind, handover_id, *_ in receipts
        if kind == "pickup.handed_over" and handover_id in committed
    ]
    return {
        "handovers": len(committed),
        "pushes": len(lags),
        "p50_s": _r3(percentile(lags, 50)),
        "p95_s": _r3(percentile(lags, 95)),
        "max_s": _r3(max(lags) if lags else None),
    }


def _r3(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def target(name: str, measured: Any, limit: str, passed: bool | None) -> dict[str, Any]:
    return {"target": name, "measured": measured, "limit": limit, "pass": passed}


def _fmt(value: Any, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}{suffix}" if value < 10 else f"{value:,.1f}{suffix}"
    return f"{value}{suffix}"


def worst_second(phase: dict[str, Any], over_ms: float = 100) -> str:
    """The second of an open-loop phase with the most requests over ``over_ms`` (a stall
    shows as one such second; a loaded machine as many)."""
    seconds: dict[int, list[float]] = {}
    for due, _, ms in phase.get("timeline") or []:
        seconds.setdefault(int(due), []).append(ms)
    if not seconds:
        return "no timeline"
    slow = {s: sum(ms > over_ms for ms in v) for s, v in seconds.items()}
    worst = max(slow, key=lambda s: (slow[s], max(seconds[s])))
    spread = sum(1 for n in slow.values() if n)
    return (
        f"worst second {worst}: {slow[worst]} of {len(seconds[worst])} requests over"
        f" {over_ms:.0f} ms (max {max(seconds[worst]):.0f} ms); seconds with any: {spread}"
        f" of {len(seconds)}"
    )


def table(results: dict[str, Any]) -> str:
    """The figures as a plain-text table (what ``make bench`` prints)."""
    lines = []
    meta = results["meta"]
    lines.append(
        f"Kehou dismissal-peak benchmark — {meta['schools']} schools × {meta['children']} children,"
        f" {meta['workers']} server workers, {meta['load_procs']} load processes,"
        f" {meta['cpus']} CPUs (load generator, server, worker and PostgreSQL share them)"
    )
    solo, mixed, half = results["solo"], results["mixed_saturation"], results["half_saturation"]
    header = (
        f"{'operation':<30}{'solo req/s':>11}{'CPU ms':>8}{'mixed req/s':>12}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    lines += ["", f"latency at half saturation ({_fmt(half['rate_target'])} req/s offered)", header]
    lines.append("-" * len(header))
    for op in OPS:
        s = solo.get(op, {})
        m = mixed["ops"].get(op, {})
        h = half["ops"].get(op, {})
        errors = sum(x.get("errors", 0) for x in (s, m, h))
        lines.append(
            f"{LABELS[op]:<30}{_fmt(s.get('rps')):>11}{_fmt(s.get('server_cpu_ms'), ''):>8}"
            f"{_fmt(m.get('rps')):>12}"
            f"{_fmt(h.get('p50_ms')):>9}{_fmt(h.get('p95_ms')):>9}{_fmt(h.get('p99_ms')):>9}"
            f"{errors:>8}"
        )
    lines.append(f"{'all (mixed)':<30}{'':>19}{_fmt(mixed['rps']):>12}")
    lines.append(
        "(solo: the operation alone at saturation; CPU ms: server CPU per request, solo;"
        " mixed: the gate-peak mix at saturation; latency: the mix at half that rate)"
    )
    base = results.get("baseline")
    if base:
        lines += [
            "",
            f"handover saturation: Kehou {_fmt(base['kehou_rps'])} req/s,"
            f" raw asyncpg baseline {_fmt(base['baseline_rps'])} req/s,"
            f" ratio {base['ratio']}; server CPU per handover {_fmt(base['kehou_server_cpu_ms'])}"
            f" vs {_fmt(base['baseline_server_cpu_ms'])} ms",
        ]
    lag_ = results["notification_lag"]
    lines.append(
        f"notification lag at half saturation: p50 {_fmt(lag_['p50_s'])} s,"
        f" p95 {_fmt(lag_['p95_s'])} s, max {_fmt(lag_['max_s'])} s"
        f" ({lag_['pushes']} pushes of {lag_['handovers']} handovers);"
        f" outbox drained {_fmt(results['drain_seconds'])} s after the load"
    )
    lines.append(f"peak RSS of a server process: {_fmt(results['peak_rss_mb'])} MB")
    scale = results.get("scale")
    if scale:
        lines.append("")
        lines.append(
            f"cost with {meta['schools']} schools vs 1 school (p50 ms at {scale['rate']} req/s):"
        )
        for op, row in scale["ops"].items():
            lines.append(
                f"  {LABELS[op]:<28} 1 school {_fmt(row['one_p50_ms'])}"
                f"  {meta['schools']} schools {_fmt(row['many_p50_ms'])}"
                f"  ratio {_fmt(row['ratio'])}"
            )
    for label, phase in (
        ("half saturation", half),
        ("half saturation with reports", results["phases"].get("half_saturation_with_reports")),
    ):
        server = (phase or {}).get("server_side")
        if server:
            marks = [
                f"{c.get('at', '?')} {c.get('why', '?')} (sync {c.get('sync_s', '?')} s,"
                f" {c.get('sync_files', '?')} files)"
                for c in server.get("checkpoints", [])
            ]
            lines.append(
                f"checkpoints during {label}: {'; '.join(marks) or 'none'};"
                f" statements logged over 100 ms: "
                f"{sum('duration:' in x for x in server['log'])}; {worst_second(phase or {})}"
            )
    office = results.get("reports")
    if office:
        lines += ["", f"reports of {office['month']} (closed loop, one user each, alone)"]
        for name, f in office["figures"].items():
            lines.append(
                f"  {name:<28} p50 {_fmt(f['p50_ms']):>8} ms  p95 {_fmt(f['p95_ms']):>8} ms"
                f"  ({f['requests']} requests, {f['bytes']:,} bytes)"
            )
        lines.append(f"  server worker peak RSS meanwhile: {_fmt(office['export_peak_rss_mb'])} MB")
        loaded = results["phases"].get("half_saturation_with_reports", {})
        for name, f in loaded.get("reports", {}).items():
            lines.append(
                f"  pulled during the half-saturation mix: {name}: {f['requests']} requests,"
                f" p50 {_fmt(f['p50_ms'])} ms, p95 {_fmt(f['p95_ms'])} ms"
            )
        for op in OPS:
            h = loaded.get("ops", {}).get(op, {})
            if h:
                lines.append(
                    f"  {LABELS[op]:<28} meanwhile p50 {_fmt(h.get('p50_ms'))}"
                    f" p95 {_fmt(h.get('p95_ms'))} p99 {_fmt(h.get('p99_ms'))} ms"
                )
    cpu = mixed.get("cpu_share")
    if cpu:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in cpu.items())
        lines += ["", f"CPU at mixed saturation (share of {meta['cpus']} cores): {shares}"]
    disturbed = results.get("disturbed_phases") or {}
    if disturbed:
        lines.append(
            "WARNING: other processes on this machine took CPU during "
            + ", ".join(f"{name} ({share:.0%})" for name, share in disturbed.items())
            + ": those figures are unreliable; run again on a quiet machine"
        )
    lines += ["", "targets"]
    for t in results["targets"]:
        mark = "PASS" if t["pass"] else ("n/a " if t["pass"] is None else "FAIL")
        lines.append(f"  [{mark}] {t['target']}: {_fmt(t['measured'])} (limit {t['limit']})")
    return "\n".join(lines)
