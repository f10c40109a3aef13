"""The bench's app rows: its cold start, pen up to answer on the Draw page in Chromium, and its memory with a
class of 30 drawing and 2 training, all three measured by the app's own tools in lab/load/, run as child
processes."""

from __future__ import annotations

import json
import subprocess
import sys

from mnist_core.paths import PROJECT_DIR

ANSWER_DRAWINGS = 40  # one-stroke digits drawn in Chromium for the pen-up-to-answer row
# The README's classroom load test: 30 students, three of them misbehaving, while 2 train the seed preset; their
# browsers, which in a classroom run on devices of their own, at a lower CPU priority than the server (README).
CLASS = ["--sessions", "30", "--trainers", "2", "--duration", "90", "--misbehave", "--browser-nice", "5"]
MEMORY_GOAL_MB = 1200  # issue 29: the class's server, started with a plain `streamlit run app.py`
QUICK_CLASS = ["--sessions", "4", "--trainers", "1", "--duration", "10", "--epochs", "1", "--train-size", "6000"]
QUICK_CLASS += ["--misbehave"]
QUICK_CLASS += ["--training-grace", "30"]
# The misbehaving stop with the load: past it they only kept the server busy (the queued runs of the private
# windows training) until the grace ran out, and the quick class only shows that they are told something.
QUICK_CLASS += ["--misbehave-for", "0"]


def app_tool(tool: str, *args: str) -> dict:
    """Run one of the app's measuring tools (lab/load/) in a child process; the JSON line it prints last."""
    done = subprocess.run(
        [sys.executable, "-m", f"lab.load.{tool}", *args], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"lab/load/{tool}.py failed (exit {done.returncode}):\n{done.stderr[-3000:]}") from None


def describe_server(s: dict) -> str:
    rss = f"{s['rss_mb']:.0f} MB" if s["rss_mb"] else "unknown"
    if s["method"] == "chromium":
        return (
            f"App cold start: {s['ready_seconds']:.1f} s from launching the server until Chromium shows "
            f'"Draw a digit" on /draw with the default model loaded (health check ok after '
            f"{s['health_seconds']:.1f} s); server memory (VmRSS) {rss} after /draw loaded"
        )
    return (
        f"App cold start: {s['ready_seconds']:.1f} s = health check ok after {s['health_seconds']:.1f} s + "
        f"{s['model_seconds']:.1f} s to import TensorFlow, load the default model and predict once in a fresh "
        f"process (no Chromium/Playwright, so no page was loaded); server memory (VmRSS) {rss}"
    )


def describe_answer_latency(a: dict) -> str:
    if "error" in a:
        return f"Draw page, pen up to answer: not measured ({a['error']})"
    answer, whole, inside = a["answer"], a["pen_up_to_answer"], a["inside"]
    verdict = "within" if a["passed"] else "OVER"
    failed = f", {a['failed']} without an answer, its nearest images or Inside the network" if a["failed"] else ""
    nearest, shown = a.get("nearest") or {}, ""
    if nearest.get("p95_ms") is not None:  # rows measured before "It learned this from these" have none
        first = a.get("first_nearest_ms")
        shown = (
            f"; the six nearest training images p50 {nearest['p50_ms']:.0f} ms, p95 {nearest['p95_ms']:.0f} ms after "
            "the answer"
            + (f" (the server's first drawing, which builds the index: {first / 1000:.1f} s)" if first else "")
        )
    return (
        f"Draw page in Chromium, {a['drawings']} one-stroke digits: the pen lifting to the answer and its bars on "
        f"screen p50 {whole['p50_ms']:.0f} ms, p95 {whole['p95_ms']:.0f} ms ({verdict} the goal of "
        f"{a['goal_p95_ms']} ms at p95), of which the drawing sent to the answer p50 {answer['p50_ms']:.0f} ms, "
        f"p95 {answer['p95_ms']:.0f} ms; Inside the network followed every answer, "
        f"p95 {inside['p95_ms']:.0f} ms after sending{failed}{shown}; load average {' '.join(a['load_average'])}"
    )


def class_load(args: list[str]) -> dict:
    """The classroom load test's verdict and the server's memory (its full summary stays in its JSON file)."""
    summary = app_tool("run_load", *args, "--json")
    kept = (
        "passed",
        "failures",
        "answered",
        "round_trip_ms",
        "server_peak_rss_mb",
        "training_runs_finished",
        "first_epoch_s",
        "misbehaving_told",
        "store_growth_mb",
        "json",
    )
    return {**summary["settings"], **{key: summary[key] for key in kept}}


def describe_class_load(c: dict) -> str:
    first, peak = c["first_epoch_s"], c["server_peak_rss_mb"]
    memory = "met" if peak is not None and peak <= MEMORY_GOAL_MB else "NOT met"
    misbehaving = f", {len(c['misbehaving'])} of them misbehaving" if c["misbehaving"] else ""
    return (
        f"A class on the app ({c['sessions']} students{misbehaving}, {c['trainers']} training, "
        f"{c['duration_s']:.0f} s, server started by '{c['started_by']}'): server peak memory {peak} MB "
        f"(its process tree's VmRSS; goal <= {MEMORY_GOAL_MB} MB: {memory}); "
        f"well-behaved runs' first epoch on screen p50 {first['p50']} s, p95 {first['p95']} s, max {first['max']} s "
        f"after Train (n={first['n']}); run store grew {c['store_growth_mb']} MB; "
        f"{'passed' if c['passed'] else 'FAILED'}, details and what the misbehaving students were told in {c['json']}"
    )
