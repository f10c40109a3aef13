"""The Train page's estimate of a run's time on this server, updated as the sliders move, with the class
limit beside it. The estimate and the limit are the engine's (mnist_core/cost.py, class_server/run_limit.py)."""

from __future__ import annotations

import streamlit as st

from class_server.run_limit import minutes_text
from mnist_core.config import TrainConfig
from mnist_core.cost import duration
from ui.resources import is_teacher, job_manager, speed_gauge


def run_cost(config: TrainConfig) -> None:
    """One line: how long this run would take here; a warning instead when a student's run is over the limit."""
    if config.on_class_drawings:
        return
    estimate = speed_gauge().estimate(config)
    if estimate is None:
        _measuring()
        return
    limit = job_manager().limit
    if limit is not None and not is_teacher() and (problem := limit.problem(config)):
        st.warning(problem)
        return
    line = f"Estimated training time on this server: {duration(estimate.seconds)}"
    if limit is not None and limit.minutes > 0:
        line += f" (the class limit is {minutes_text(limit.minutes)} a run"
        line += ", but not for your runs as the teacher)." if is_teacher() else ")."
    else:
        line += "."
    st.caption(line + " Other runs taking turns with yours can add waiting time.")


@st.fragment(run_every=2.0)
def _measuring() -> None:
    """Until the server knows its speed: a note, and a page that shows the estimate once it does."""
    gauge = speed_gauge()
    if gauge.rates() is not None:
        st.rerun()
    if gauge.failed:
        st.caption("This server could not measure its speed, so there is no time estimate for runs.")
    else:
        st.caption("Measuring this server's speed to estimate how long runs take (once a day, a minute or two)...")
