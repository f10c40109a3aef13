"""The class limit on one run: a student's run estimated to take longer than this on the server is refused
before it queues, so one maxed-out run (about an hour here) cannot hold the class's trainer.

``MNIST_STUDIO_RUN_LIMIT_MINUTES`` sets it when the server starts (default 2; 0 turns it off), and the
teacher can change it from the sidebar while the class runs. The teacher's own runs and the CLI are not
limited. Runs on the class's drawings are small and are not estimated.
"""

from __future__ import annotations

from class_server.settings import number_setting
from mnist_core.config import PRESET_LABELS, PRESETS, TrainConfig
from mnist_core.cost import duration
from mnist_core.errors import UserError
from mnist_core.machine_rates import SpeedGauge

LIMIT_VARIABLE = "MNIST_STUDIO_RUN_LIMIT_MINUTES"
DEFAULT_MINUTES = 2.0
# A student who presses Train while the server is still measuring its speed (its first start of the day)
# waits this long for the estimate; after that the run is let through unchecked rather than refused.
RATES_WAIT_S = 60.0


def default_minutes() -> float:
    """``MNIST_STUDIO_RUN_LIMIT_MINUTES`` if it is a number of minutes (0: no limit), else 2."""
    return number_setting(LIMIT_VARIABLE, DEFAULT_MINUTES, float, 0.0)


def minutes_text(minutes: float) -> str:
    return "1 minute" if minutes == 1 else f"{minutes:g} minutes"


class RunLimit:
    """The longest run a student may start, in minutes of this server (0: no limit), and the check."""

    def __init__(self, gauge: SpeedGauge, minutes: float | None = None):
        self.gauge = gauge
        self.minutes = default_minutes() if minutes is None else minutes

    def check(self, config: TrainConfig) -> None:
        """Raise UserError, in one sentence, when ``config`` is estimated to take longer than the limit."""
        if problem := self.problem(config, wait=RATES_WAIT_S):
            raise UserError(problem)

    def problem(self, config: TrainConfig, wait: float = 0.0) -> str | None:
        """Why a student may not start ``config``, or None (also while the server's speed is not known yet)."""
        if self.minutes <= 0 or config.on_class_drawings:
            return None
        estimate = self.gauge.estimate(config, wait)
        if estimate is None or estimate.seconds <= self.minutes * 60:
            return None
        fits = estimate.epochs_within(self.minutes * 60)
        lower = (
            f"lower the epochs to {fits} or fewer, or use fewer training images or smaller layers"
            if 0 < fits < config.epochs
            else "use fewer training images, fewer or smaller layers, or a bigger batch"
        )
        return (
            f"This run would take {duration(estimate.seconds)} on this server, and the class limit is "
            f"{minutes_text(self.minutes)} a run: {lower}{self._quick_cnn(config, wait)}."
        )

    def _quick_cnn(self, config: TrainConfig, wait: float) -> str:
        """For a CNN over the limit, the Quick CNN preset when it fits: the CNN of a lesson where time matters
        (99% on the test set in seconds here; mnist_core/config.py)."""
        quick = PRESETS["quick-cnn"]
        if config.architecture != "cnn" or config == quick:
            return ""
        estimate = self.gauge.estimate(quick, wait)
        if estimate is None or estimate.seconds > self.minutes * 60:
            return ""
        return f", or choose the {PRESET_LABELS['quick-cnn']} preset ({duration(estimate.seconds)} here)"
