"""The classroom load test's summary: its verdict (``passed`` and the failures by kind), the figures
made from what the run counted and sampled, the exit status, and the summary as printed."""

from __future__ import annotations

import json
import math
import os
import statistics

from class_server.registry import RunStatus
from lab.load.classroom.server import loadavg
from lab.load.classroom.stats import FAILURES, Stats


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def rounded(value: float | None, digits: int = 0):
    return None if value is None else round(value, digits or None)  # digits 0: a whole number


def server_tracebacks(log_text: str) -> list[str]:
    """One line per traceback in the server's log: its exception (the last of a chain)."""
    found, inside, chained = [], False, False
    for line in log_text.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            if chained:
                found.pop()  # the same failure, told again by the exception raised while handling it
            inside, chained = True, False
        elif line.startswith(("During handling of the above exception", "The above exception was the direct")):
            chained = True
        elif inside and line.strip() and not line[0].isspace():
            found.append(line[:300])
            inside = False
    if inside:
        found.append("a traceback cut off at the end of the log")
    return found


def verdict(errors: list[dict]) -> dict:
    """``passed`` and the count of each kind of failure (zeros included, so the summary shows what was checked)."""
    return {"passed": not errors, "failures": {kind: sum(e["kind"] == kind for e in errors) for kind in FAILURES}}


def exit_status(summary: dict) -> int:
    return 0 if summary["passed"] else 1


def spread(values: list[float], *quantiles: float) -> dict:
    """p50/p95/... and max of ``values`` in whole units (None when there are none)."""
    shown = {f"p{round(q * 100)}": rounded(percentile(values, q)) for q in quantiles}
    return {**shown, "max": rounded(max(values, default=None)), "n": len(values)}


def summarise(
    stamp: str,
    settings: dict,
    stats: Stats,
    samples: list[dict],
    window: dict,
    load_average_at_start: str,
    store_growth_mb: float,
    server_log: str,
) -> dict:
    """The run's summary, as its JSON file keeps it: ``window`` is the timed load's start and end ({} when the
    run broke off before it), ``samples`` the server's every second (lab/load/classroom/server.py)."""
    during = [s for s in samples if window and window["start"] <= s["t"] <= window["end"]] or samples
    elapsed = window["end"] - window["start"] if window else None
    return {
        "timestamp": stamp,
        **verdict(stats.errors),
        "first_failures": stats.errors[:10],
        "machine": {
            "cores": os.cpu_count(),
            "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        },
        "load_average_at_start": load_average_at_start,
        "load_average_at_end": loadavg(),
        "settings": settings,
        **_class_figures(stats, elapsed),
        **_server_figures(stats, samples, during),
        "training_runs_started": len(stats.training_runs),
        "training_runs_finished": sum(r["status"] == RunStatus.FINISHED for r in stats.training_runs),
        "training_runs": stats.training_runs,
        "first_epoch_s": spread(stats.first_epoch_s, 0.5, 0.95),
        "misbehaving_told": stats.told,
        "store_growth_mb": rounded(store_growth_mb, 1),
        "server_log": server_log,
        "samples": [
            {k: (round(v - window.get("start", 0), 1) if k == "t" else round(v, 2)) for k, v in s.items()}
            for s in samples
        ],
    }


def _class_figures(stats: Stats, elapsed: float | None) -> dict:
    """What the students saw: the warm-up, the arrival, drawings and their round trips."""
    return {
        "warmup_s": rounded(stats.warmup_s, 1),
        "arrival_s": rounded(stats.arrival_s, 1),
        "elapsed_s": rounded(elapsed, 1),
        "drawings": stats.drawings,
        "answered": stats.answered,
        "drawings_per_min": rounded(stats.answered / elapsed * 60 if elapsed else None, 1),
        "recognised_as_drawn": stats.correct,
        "screenshots": stats.screenshots[1:],
        "round_trip_ms": spread(stats.round_trips_ms, 0.5, 0.95),
        "server_round_trip_ms": spread(stats.server_ms, 0.5, 0.95),
        "round_trip_seen_by_script_ms": spread(stats.wall_round_trips_ms, 0.5, 0.95),
        "clear_ms": spread(stats.clear_ms, 0.5, 0.95),
        "open_draw_ms": spread(stats.open_ms, 0.5),
        "canvas_retargets": len(stats.retargets),
        "first_canvas_retargets": stats.retargets[:5],
    }


def _server_figures(stats: Stats, samples: list[dict], during: list[dict]) -> dict:
    """The server's memory and CPU, the load generator's and the machine's, from the samples ``during`` the load."""

    def mean(key: str) -> float | None:
        return rounded(statistics.fmean(s[key] for s in during), 2) if during else None

    return {
        # The class's peak, from its arrival on; the warm-up's apart (a first start of the day measures the
        # server's speed in a child process then, which the process tree includes).
        "server_peak_rss_mb": rounded(
            max((s["server_rss_mb"] for s in samples if s["t"] >= stats.arrival), default=None)
        ),
        "warmup_peak_rss_mb": rounded(
            max((s["server_rss_mb"] for s in samples if s["t"] < stats.arrival), default=None)
        ),
        "server_rss_at_end_of_load_mb": rounded(during[-1]["server_rss_mb"] if during else None),
        "server_cpu_cores_mean": mean("server_cpu"),
        "server_cpu_cores_max": rounded(max((s["server_cpu"] for s in during), default=None), 2),
        "server_cpu_s_per_drawing": rounded(
            sum(s["server_cpu"] for s in during) / stats.answered if during and stats.answered else None, 3
        ),
        "server_threads_max": max((s["server_threads"] for s in during), default=None),
        "client_cpu_cores_mean": mean("client_cpu"),
        "client_peak_rss_mb": rounded(max((s["client_rss_mb"] for s in during), default=None)),
        "machine_cpu_cores_mean": mean("machine_cpu"),
        "other_processes_cpu_cores_mean": rounded(
            statistics.fmean(max(0.0, s["machine_cpu"] - s["server_cpu"] - s["client_cpu"]) for s in during)
            if during
            else None,
            2,
        ),
        "load1_max": max((s["load1"] for s in during), default=None),
    }


def readme_row(s: dict) -> str:
    """The run as a row of the README's table of load test results."""

    def seconds(ms):
        return "-" if ms is None else f"{ms / 1000:.2f} s"

    rt, peak = s["round_trip_ms"], s["server_peak_rss_mb"]
    return (
        f"| {s['settings']['sessions']} (+{s['settings']['trainers']} training) "
        f"| {s['answered']} of {s['drawings']}, {s['recognised_as_drawn']} read as drawn "
        f"| {sum(s['failures'].values())} | {seconds(rt['p50'])} / {seconds(rt['p95'])} "
        f"| {'-' if peak is None else f'{peak:,.0f} MB'} | {s['server_cpu_cores_mean']} cores |"
    )


def print_summary(s: dict) -> None:
    rt, sv, seen, clear = (
        s["round_trip_ms"],
        s["server_round_trip_ms"],
        s["round_trip_seen_by_script_ms"],
        s["clear_ms"],
    )
    print("\n=== MNIST Studio load test ===")
    print(f"machine            {s['machine']['cores']} cores, {s['machine']['ram_gb']} GB RAM")
    print(
        f"load average       start {s['load_average_at_start']}  |  end {s['load_average_at_end']}  "
        f"|  1-min max during run {s['load1_max']}"
    )
    print(
        f"sessions           {s['settings']['sessions']} drawing, {s['settings']['trainers']} training, "
        f"{s['elapsed_s']} s (warm-up {s['warmup_s']} s, all sessions in after {s['arrival_s']} s), "
        f"browsers at nice {s['settings'].get('browser_nice', 0)}"
    )
    print(
        f"drawings           {s['drawings']} drawn, {s['answered']} answered "
        f"({s['drawings_per_min']}/min), {s['recognised_as_drawn']} read as the digit drawn"
    )
    print(
        f"round trip (ms)    p50 {rt['p50']}  p95 {rt['p95']}  max {rt['max']}   pen up -> 'Prediction: N' in the page"
    )
    print(
        f"  at the network   p50 {sv['p50']}  p95 {sv['p95']}  max {sv['max']}   drawing sent -> answer received "
        f"(server + loopback, n={sv['n']})"
    )
    print(f"  seen by script   p50 {seen['p50']}  p95 {seen['p95']}  max {seen['max']}")
    print(f"canvas             {s['canvas_retargets']} re-aims (canvas moving/covered, waited it out)")
    print(f"Clear (ms)         p50 {clear['p50']}  p95 {clear['p95']}  max {clear['max']}")
    print(f"open /draw (ms)    p50 {s['open_draw_ms']['p50']}  max {s['open_draw_ms']['max']}")
    print(
        f"server             peak RSS {s['server_peak_rss_mb']} MB (warm-up {s['warmup_peak_rss_mb']} MB), "
        f"CPU mean {s['server_cpu_cores_mean']} "
        f"/ max {s['server_cpu_cores_max']} cores, threads max {s['server_threads_max']}, "
        f"{s['server_cpu_s_per_drawing']} CPU-s per answered drawing (incl. its Clear)"
    )
    print(
        f"load generator     Chromium + driver CPU mean {s['client_cpu_cores_mean']} cores, "
        f"peak RSS {s['client_peak_rss_mb']} MB"
    )
    print(
        f"whole machine      CPU mean {s['machine_cpu_cores_mean']} of {s['machine']['cores']} cores busy, "
        f"{s['other_processes_cpu_cores_mean']} of them by processes outside this test"
    )
    print(f"training runs      {s['training_runs_started']} started, {s['training_runs_finished']} finished")
    first = s["first_epoch_s"]
    print(f"  first epoch (s)  p50 {first['p50']}  p95 {first['p95']}  max {first['max']}   Train -> epoch 1 on screen")
    for kind, told in s["misbehaving_told"].items():
        for entry in told:
            print(f"misbehaving {kind:<7}{json.dumps(entry)[:300]}")
    print(f"run store          grew {s['store_growth_mb']} MB")
    print(f"server log         {s['server_log']}")
    for path in s["screenshots"]:
        print(f"screenshot         {path}")
    failures = {kind: n for kind, n in s["failures"].items() if n}
    print(f"failures           {sum(failures.values())} {failures or ''}")
    for e in s["first_failures"][:6]:
        print(f"                   [{e['t']}s] {e['who']} {e['kind']}: {e['message'][:160]}")
    print(f"README row         {readme_row(s)}")
    print(f"JSON               {s['json']}")
    print("PASSED" if s["passed"] else "FAILED")
