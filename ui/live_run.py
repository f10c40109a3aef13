"""The Train page's live panel: the student's latest run as it trains (state, Stop, curves), and the
teacher's view of every run in progress. Runs belong to the job manager, not to the page: leaving or
reloading the page does not touch them.
"""

from __future__ import annotations

from contextlib import nullcontext

import streamlit as st

from class_server.registry import ACTIVE, RunStatus
from mnist_core import number_format
from mnist_core.config import FASTEST, TrainConfig
from mnist_core.errors import UserError
from mnist_core.run_names import NAME_LIMIT
from mnist_core.wording import accuracy_percent
from ui.charts import epoch_curves
from ui.plain_text import plain
from ui.resources import (
    chosen_model,
    device_id,
    is_teacher,
    job_manager,
    open_registry,
    speed_gauge,
    use_model,
    user_id,
)
from ui.train_settings import describe_settings

# A line and its Stop button: on a tablet (820 px, sidebar open) the panel is about 260 px wide, and a
# sixth of it cut "Stop" to "S."; a third keeps the word whole.
STOP_COLUMNS = [2, 1]


def run_name_box() -> str:
    """The Train page's optional run name, no longer than a run name may be."""
    return st.text_input(
        "Run name (optional)",
        max_chars=NAME_LIMIT,
        placeholder="e.g. dropout 0.5",
        key="run_name",
        help="Letters, digits, spaces, '-' and '_'. Without one the run is called 'Run N'.",
    )


def queue_run(config: TrainConfig, name: str) -> bool:
    """Queue a run for this user; False with the reason kept for the page when it cannot start."""
    # The class limit needs the server's speed: on its first start of the day that is still being measured.
    waiting = speed_gauge().rates() is None and not is_teacher()
    measuring = st.spinner("Measuring this server's speed before the run starts (once a day)...")
    try:
        with measuring if waiting else nullcontext():
            job_manager().submit(
                config, owner=user_id(), name=name.strip() or None, teacher=is_teacher(), device=device_id()
            )
    except UserError as error:
        st.session_state.start_error = str(error)
        return False
    return True


def request_stop(run_id: int) -> None:
    try:
        job_manager().stop(run_id, user_id(), is_teacher())
    except UserError as error:
        st.session_state.stop_error = str(error)


def stop_button(place, run_id: int, key: str, disabled: bool = False, help: str | None = None) -> None:
    """The one Stop button: the student's own runs and the teacher's view all use it."""
    place.button("Stop", key=key, on_click=request_stop, args=(run_id,), disabled=disabled, width="stretch", help=help)


def my_runs(manager, registry) -> list:
    """(live state, registry entry) of the runs this user started on this server, newest first.

    A run deleted from the history is left out, although the job manager still remembers it.
    """
    saved = {run.id: run for run in registry.list_runs(owner=user_id())}
    return [(live, saved[live.run_id]) for live in manager.runs_of(user_id()) if live.run_id in saved]


def settings_line(run) -> str:
    """A run's settings; which number format it trains in and why, for the fastest or when the lab lacked bfloat16."""
    config = TrainConfig.from_dict(run.config)
    trained_in = run.metrics.get("number_format", {}).get("precision", config.precision)
    if config.precision != FASTEST and trained_in == config.precision:
        return describe_settings(config)
    # the run's own record once it ends (it may have trained on a lab PC), this server's measurement before
    recorded, measured = run.metrics.get("number_format"), number_format.known(config)
    reason = recorded["reason"] if recorded else measured.reason if measured else "number format: timed when it starts"
    return f"{describe_settings(config)} · {reason}"


def live_panel(epochs: int) -> None:
    """This user's run in training (else their latest run), refreshed every second while any of their runs is
    queued or running; their other queued or running runs below it, one line each. Before their first run, the
    empty accuracy chart of a run of ``epochs`` epochs: the browser fetches the charts' code as the page opens,
    not as the whole class presses Train."""
    manager, registry = job_manager(), open_registry()
    mine = my_runs(manager, registry)
    if not mine:
        st.info(
            "Press **Train** to start. The curves of training and validation accuracy appear here, epoch by epoch. "
            "You can leave the page while it trains: the run goes on."
        )
        st.vega_lite_chart(epoch_curves([], "accuracy", epochs), width="stretch")
        return
    was_active = any(live.status in ACTIVE for live, _ in mine)

    @st.fragment(run_every=1.0 if was_active else None)
    def show() -> None:
        runs = my_runs(manager, registry)
        if not runs:
            return
        followed = next((pair for pair in runs if pair[0].status == RunStatus.RUNNING), runs[0])
        latest_run(manager, *followed)
        others = [pair for pair in runs if pair is not followed and pair[0].status in ACTIVE]
        if others:
            st.markdown("**Your other runs in progress**")
            for other, saved in others:
                run_in_progress_line(manager, other, saved)
        if error := st.session_state.pop("stop_error", None):
            st.error(plain(error))
        if was_active and not any(other.status in ACTIVE for other, _ in runs):
            st.rerun()  # every run ended: refresh the history below and stop polling

    show()


def latest_run(manager, live, run) -> None:
    """The run the panel follows (the one training, else the latest): its state, Stop, and its curves."""
    head, button = st.columns(STOP_COLUMNS, vertical_alignment="bottom")
    event = live.progress
    if live.status == RunStatus.QUEUED:
        head.subheader(f"{plain(run.name)}: queued")
    elif live.status == RunStatus.RUNNING and event is not None:
        head.subheader(f"{plain(run.name)}: Epoch {event.epoch}/{event.epochs}")
    elif live.status == RunStatus.RUNNING:
        head.subheader(f"{plain(run.name)}: starting...")
    else:
        head.subheader(plain(run.name))
    if live.status in ACTIVE:
        stop_button(
            button,
            live.run_id,
            f"stop_{live.run_id}",
            disabled=live.stop_requested,
            help="Ends the run now; the partly trained model is kept.",
        )
    st.caption(settings_line(run))
    if live.status == RunStatus.QUEUED:
        place = manager.queue_position(live.run_id)
        st.info(
            f"Waiting for a free trainer: place {place or 1} in the queue. It starts by itself; you can leave the page."
        )
    elif live.status == RunStatus.RUNNING:
        if live.stop_requested:
            st.warning("Stopping after the current batches; the model is kept...")
        elif event is None:
            st.progress(0.0, text="Loading the data and building the model...")
        else:
            eta = f" · about {event.eta:.0f} s of training left" if event.eta is not None else ""
            st.progress(
                min(event.step / event.steps, 1.0),
                text=f"Epoch {event.epoch}: batch {event.step}/{event.steps}{eta}",
            )
            if live.waiting_turn:
                st.caption(taking_turns(manager))
    else:
        run_result(live, run)
    if live.epochs or live.status == RunStatus.RUNNING:
        total = event.epochs if event is not None else TrainConfig.from_dict(run.config).epochs
        st.vega_lite_chart(epoch_curves(live.epochs, "accuracy", total, live.batches), width="stretch")
        st.vega_lite_chart(epoch_curves(live.epochs, "loss", total, live.batches), width="stretch")


def taking_turns(manager) -> str:
    """Why a started run is not moving just now."""
    others = manager.sharing() - 1
    who = "another run" if others == 1 else f"{others} other runs"
    return f"Taking turns with {who}: the class shares this server, and yours goes on in a moment."


def run_in_progress_line(manager, live, run) -> None:
    """One line for another run of this user's that is waiting or training, with Stop."""
    text, button = st.columns(STOP_COLUMNS, vertical_alignment="center")
    if live.status == RunStatus.QUEUED:
        state = f"place {manager.queue_position(live.run_id) or 1} in the queue"
    elif live.progress is not None:
        state = f"Epoch {live.progress.epoch}/{live.progress.epochs}" + (
            " (waiting its turn)" if live.waiting_turn else ""
        )
    else:
        state = "starting..."
    text.markdown(f"{plain(run.name)}: {state}")
    stop_button(button, live.run_id, f"stop_{live.run_id}", disabled=live.stop_requested)


def run_result(live, run) -> None:
    """How the run ended, and a way to draw with its model."""
    accuracy = run.metrics.get("test_accuracy")
    if live.status == RunStatus.FINISHED:
        st.success(
            f"Finished: test accuracy {accuracy_percent(accuracy)} (measured once, now), validation accuracy "
            f"{accuracy_percent(run.metrics['val_accuracy'])}, "
            f"training accuracy {accuracy_percent(run.metrics['train_accuracy'])}."
        )
    elif live.status == RunStatus.STOPPED:
        kept = (
            f" The partly trained model is kept (test accuracy {accuracy_percent(accuracy)})."
            if run.model_path is not None and accuracy is not None
            else ""
        )
        st.warning(f"Stopped.{kept}")
    else:
        st.error(f"This run failed: {run.error or live.error}. Other runs and models are not affected.")
    if run.model_path is not None:
        if st.button("Use for drawing and evaluation", key=f"use_{run.id}", type="primary"):
            use_model(run.model_path)
        if chosen_model() == run.model_path:
            st.caption("Draw and Evaluate use this model now.")


def teacher_panel() -> None:
    """With the teacher's passcode: every queued or running run, whoever started it, with Stop."""
    if not is_teacher():
        return
    active = open_registry().list_runs(statuses=ACTIVE)
    with st.expander(f"Teacher: all runs in progress ({len(active)})"):
        if not active:
            st.caption("Nobody is training.")
        for run in active:
            text, button = st.columns(STOP_COLUMNS, vertical_alignment="center")
            device = f", from {run.device}" if run.device else ""  # which device, when shares count per device
            text.markdown(f"{plain(run.name)} ({run.status}{device}): {settings_line(run)}")
            stop_button(button, run.id, f"teacher_stop_{run.id}")
