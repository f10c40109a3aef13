"""What the classroom load test counts: every kind of failure (FAILURES) and the running record of a
run (Stats): drawings, answers, round trips, training runs and every failure as it happens."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

FIRST_EPOCH_GOAL_S = 30  # issue 29: however the class behaves, a first epoch within 30 s of pressing Train

# Every kind of failure the run counts. Any one of them, at any time (before or after the timed load
# ends), fails the run: `passed` false in the JSON summary, exit status 1.
FAILURES = {
    "open": "a page did not open",
    "missed-stroke": "the pen went down off the canvas (layout shift, overlay): nothing was drawn",
    "stroke-lost": "the pen touched the canvas and no line stayed",
    "timeout": "no 'Prediction: N' after a stroke, or no empty canvas after Clear, within --answer-timeout",
    "stuck": "the page's script was still running --answer-timeout after the answer",
    "app": "an exception box, traceback text or a lost connection on the page",
    "page-error": "an uncaught JavaScript error in the page",
    "training": "a training run ended without 'Finished'",
    "slow-first-epoch": f"a well-behaved run's first epoch came on screen more than {FIRST_EPOCH_GOAL_S} s after Train",
    "unfinished-run": "a training run still going --training-grace after the load ended",
    "server-traceback": "a traceback in the server's log",
    "harness": "the script could not go on with a session (a click or page that never came), or crashed",
}


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    warmup_s: float | None = None  # the first /draw of the server: TensorFlow imported, model loaded
    arrival: float = math.inf  # when the class began to arrive (after the warm-up)
    arrival_s: float | None = None  # until every session had its page open
    drawings: int = 0
    answered: int = 0
    correct: int = 0
    round_trips_ms: list[float] = field(default_factory=list)  # in the page: pen up -> "Prediction: N" shown
    wall_round_trips_ms: list[float] = field(default_factory=list)  # the same seen by this script
    clear_ms: list[float] = field(default_factory=list)  # "Clear" click -> "Draw a digit" shown
    open_ms: list[float] = field(default_factory=list)  # goto /draw -> app idle
    errors: list[dict] = field(default_factory=list)  # every failure, of a kind in FAILURES
    training_runs: list[dict] = field(default_factory=list)
    first_epoch_s: list[float] = field(default_factory=list)  # well-behaved trainers: Train -> epoch 1 on screen
    told: dict[str, list] = field(default_factory=dict)  # what each misbehaving student was told, by kind
    screenshots: list = field(default_factory=list)  # [run stamp, paths...]
    server_ms: list[float] = field(default_factory=list)  # drawing sent -> answer received, at the network
    retargets: list[str] = field(default_factory=list)  # the canvas was moving or covered: waited and re-aimed

    def error(self, who: str, kind: str, message: str) -> None:
        assert kind in FAILURES, kind
        entry = {"t": round(time.monotonic() - self.started, 1), "who": who, "kind": kind, "message": message[:500]}
        self.errors.append(entry)
        print(f"  ERROR [{entry['t']:6.1f}s] {who} {kind}: {entry['message'][:200]}", flush=True)
