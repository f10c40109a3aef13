"""The classroom load test's verdict: every kind of failure fails the run, and the run always says so.

lab/load/run_load.py drives a browser for minutes, so it is run by hand; these check the parts of it
that decide pass or fail (lab/load/classroom/stats.py and summary.py), without a browser.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab.load import run_load
from lab.load.classroom.stats import FAILURES, Stats
from lab.load.classroom.summary import exit_status, print_summary, readme_row, server_tracebacks, verdict


def test_a_run_without_failures_passes():
    summary = verdict(Stats().errors)
    assert summary["passed"] is True
    assert summary["failures"] == dict.fromkeys(FAILURES, 0)
    assert exit_status(summary) == 0


@pytest.mark.parametrize("kind", list(FAILURES))
def test_each_kind_of_failure_fails_the_run(kind):
    stats = Stats()
    stats.error("student-01", kind, "what went wrong")
    summary = verdict(stats.errors)
    assert summary["passed"] is False
    assert summary["failures"][kind] == 1
    assert sum(summary["failures"].values()) == 1
    assert exit_status(summary) == 1


def test_a_failure_of_no_known_kind_is_refused():
    """Otherwise it would be left out of the breakdown by kind."""
    with pytest.raises(AssertionError):
        Stats().error("student-01", "oops", "not a kind the summary counts")


def test_every_traceback_in_the_server_log_is_found():
    log = """\
  You can now view your Streamlit app in your browser.
2026-11-25 22:00:01.000 Uncaught app execution
Traceback (most recent call last):
  File "/app/pages/draw.py", line 40, in <module>
    raw = canvas(stroke_width)
ValueError: the canvas sent no image
WARNING: something harmless
Traceback (most recent call last):
  File "/app/class_server/jobs.py", line 9, in _train
    run = self._runner(...)
KeyError: 'epoch'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/class_server/jobs.py", line 12, in _train
    raise RuntimeError("training failed")
RuntimeError: training failed
Traceback (most recent call last):
  File "/app/app.py", line 1, in <module>
"""
    assert server_tracebacks(log) == [
        "ValueError: the canvas sent no image",
        "RuntimeError: training failed",  # one failure told twice (a chain) counts once
        "a traceback cut off at the end of the log",
    ]
    assert server_tracebacks("  You can now view your Streamlit app in your browser.\n") == []


def test_a_run_that_breaks_off_still_writes_a_failed_summary(tmp_path, monkeypatch):
    """Here the server never starts (so no browser is launched): the JSON summary is written all the same."""

    async def server_that_does_not_start(home, log_path, started_by):
        log_path.write_text('Traceback (most recent call last):\n  File "app.py"\nImportError: no streamlit\n')
        raise RuntimeError("The app server exited with code 1")

    monkeypatch.setattr(run_load, "PROJECT_DIR", tmp_path)
    monkeypatch.setattr(run_load, "ARTIFACTS_DIR", tmp_path / "load")
    monkeypatch.setattr(run_load, "CHROMIUM", __file__)  # parse_args wants a Chromium; none is started
    monkeypatch.setattr(run_load, "start_server", server_that_does_not_start)
    args = run_load.parse_args(["--sessions", "2", "--trainers", "1"])
    # A thread of its own: in a full run the browser tests' Playwright keeps an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        summary = pool.submit(asyncio.run, run_load.run(args)).result()

    written = json.loads((tmp_path / summary["json"]).read_text())
    assert written["passed"] is False
    assert written["failures"]["harness"] == 1
    assert written["failures"]["server-traceback"] == 1
    assert "The app server exited with code 1" in written["first_failures"][0]["message"]
    assert exit_status(written) == 1
    print_summary(summary)  # a summary without any drawing or sample still prints
    assert readme_row(summary).startswith("| 2 (+1 training) | 0 of 0")
