"""The classroom load test: N students drawing on /draw at once, optionally while others train.

Not a pytest test (no ``test_`` prefix, so the default ``pytest`` run never collects it). Run it by hand:

    .venv/bin/python -m lab.load.run_load --sessions 10 [--trainers 1] [--duration 60]

``python -m lab bench`` runs it with 30 students and 2 trainers for the server's peak memory.

It starts its own Streamlit server (``MNIST_STUDIO_HOME`` = a throw-away folder, 127.0.0.1 only) and one
headless Chromium, opens one browser context per student (own cookies = own Streamlit session), and has
every student draw a digit, wait for "Prediction: N", check for errors, press Clear, think, and repeat.
Trainer contexts press Train on /train (all 60,000 images as the page offers them, 5 epochs by default)
again and again. The server's memory (VmRSS of its process tree) and CPU are sampled every second.

It prints a summary and writes it as JSON to lab/artifacts/load/<timestamp>.json, however the run ends
(the server's log goes next to it as <timestamp>-server.log). Every failure counts, whenever it happens
(FAILURES in classroom/stats.py lists the kinds): the summary's ``passed`` is false, ``failures`` counts
them by kind, and the exit status is 1. Results and how to read them: README, "Classroom load test".

This module is the command line and the run from start to summary; the students, the server's
sampling and the summary are in lab/load/classroom/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime

from lab.app_server import PROJECT_DIR
from lab.load.classroom.lesson import load
from lab.load.classroom.misbehaving import FLOOD_SAVES, MISBEHAVING, PRIVATE_WINDOWS
from lab.load.classroom.pages import CHROMIUM
from lab.load.classroom.server import ARTIFACTS_DIR, Sampler, loadavg, start_server, store_mb
from lab.load.classroom.stats import Stats
from lab.load.classroom.summary import exit_status, print_summary, server_tracebacks, summarise
from lab.load.classroom.training import TRAIN_SIZES


async def run(args) -> dict:
    """The whole run; its summary is written as JSON however the run ends."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS_DIR / f"{stamp}-server.log"
    home = tempfile.mkdtemp(prefix="mnist-studio-load-")
    stats = Stats()
    stats.screenshots.append(stamp)
    load_at_start = loadavg()
    print(f"load average at start: {load_at_start}", flush=True)
    samples, window = [], {}
    try:
        server = await start_server(home, log_path, args.started_by)
        print(f"server {server.url} (pid {server.pid}), log {log_path}", flush=True)
        sampler = Sampler(server.pid)
        sampler_task = asyncio.create_task(sampler.run())
        samples = sampler.samples
        try:
            window = await load(args, server.url, home, stats)
        finally:
            sampler.stop()
            await sampler_task
            server.stop()
    except Exception as error:
        stats.error("harness", "harness", f"the run broke off: {type(error).__name__}: {error}")
    finally:
        store_growth = store_mb(home)  # the store was made empty for this run
        shutil.rmtree(home, ignore_errors=True)
    log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
    for exception in server_tracebacks(log_text):
        stats.error("server", "server-traceback", exception)

    server_log = str(log_path.relative_to(PROJECT_DIR))
    summary = summarise(stamp, settings(args), stats, samples, window, load_at_start, store_growth, server_log)
    out = ARTIFACTS_DIR / f"{stamp}.json"
    out.write_text(json.dumps(summary, indent=1))
    summary["json"] = str(out.relative_to(PROJECT_DIR))
    return summary


def settings(args) -> dict:
    """The run's settings, as its summary gives them."""
    return {
        "sessions": args.sessions,
        "trainers": args.trainers,
        "duration_s": args.duration,
        "think_s": [args.think_min, args.think_max],
        "open_concurrency": args.open_concurrency,
        "train_size": args.train_size,
        "epochs": args.epochs,
        "seed": args.seed,
        "started_by": args.started_by,
        "browser_nice": args.browser_nice,
        "misbehaving": list(MISBEHAVING if args.misbehave else ()),
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10, help="students drawing at once")
    parser.add_argument(
        "--trainers",
        type=int,
        default=0,
        choices=range(0, 3),
        help="extra sessions pressing Train on /train, again and again",
    )
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (after the warm-up)")
    parser.add_argument(
        "--open-concurrency",
        type=int,
        default=4,
        help="pages loading at once while the class arrives (Chromium shares the server's cores)",
    )
    parser.add_argument(
        "--arrival-timeout",
        type=float,
        default=300,
        help="seconds for every session to open its page before the timed load starts anyway",
    )
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=2.0)
    parser.add_argument(
        "--answer-timeout", type=float, default=30, help="seconds to wait for an answer before counting an error"
    )
    parser.add_argument("--train-size", type=int, default=60_000, choices=TRAIN_SIZES)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--training-grace",
        type=float,
        default=60,
        help="seconds after --duration the last training runs (one may wait behind the other "
        "trainer's) have to finish; a run still going then is a failure",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--misbehave",
        action="store_true",
        help="three of the students misbehave: one presses Train twice on a link with every slider at its top, "
        f"one opens {PRIVATE_WINDOWS} private windows and presses Train in each, one saves a drawing "
        f"{FLOOD_SAVES} times",
    )
    parser.add_argument(
        "--misbehave-for",
        type=float,
        help="seconds after --duration the misbehaving students go on opening windows and saving "
        "(default: --training-grace)",
    )
    parser.add_argument(
        "--started-by",
        choices=("streamlit run", "make run"),
        default="streamlit run",
        help="how the server is started: plain 'streamlit run app.py', or with the environment 'make run' adds",
    )
    parser.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        choices=range(0, 20),
        help="the simulated students' Chromium at this CPU priority (0: level with the server; up to 19: the "
        "server gets the cores first, as in a classroom where each browser runs on a device of its own)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line at the end")
    args = parser.parse_args(argv)
    if args.sessions < 1 + len(MISBEHAVING) * args.misbehave or args.duration <= 0 or not 1 <= args.epochs <= 50:
        parser.error("--sessions must be >= 1 (4 with --misbehave), --duration > 0, --epochs 1-50")
    if not os.path.isfile(CHROMIUM):
        parser.error(f"Chromium not found at {CHROMIUM} (set MNIST_STUDIO_CHROMIUM)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    summary = asyncio.run(run(args))
    print_summary(summary)
    if args.json:
        print(json.dumps(summary))
    return exit_status(summary)


if __name__ == "__main__":
    sys.exit(main())
