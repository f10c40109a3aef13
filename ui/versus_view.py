"""The "You vs model" page's parts: one test digit at a time, big, with ten digit buttons for a finger, then the
student's accuracy against the model's on the same images and the digits where they disagree.

Answers go to the run store at each tap (``Registry.save_versus_answer``), under this browser's user id, so a
reload or a restarted server finds the round where the student left it. The round itself is
``mnist_core.versus``: the same images for every student with the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from mnist_core.errors import UserError
from mnist_core.geometry import SIZE
from mnist_core.versus import ROUND_SEED, Round, Score, choose_round, score
from mnist_core.wording import percent
from ui.charts import digit_grid
from ui.resources import evaluation_of, mnist, registry, user_id

DIGIT_PX = 280  # ten times MNIST's 28 pixels, each one sharp
SMALL_PX = 112
PAD_ROWS = ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9))
ERROR_KEY = "versus_error"
# Big targets for a finger: buttons about 67 px high (touch guidelines ask for 44-48 px), their digit large,
# and the five of a row side by side even where Streamlit would stack columns (phones). touch-action stops a
# quick second tap from zooming the page instead of answering.
STYLE = """<style>
.st-key-versus_round { max-width: 560px; margin: 0 auto; }
.st-key-versus_digit { align-items: center; }
.st-key-versus_digit img, .st-key-versus_mistakes img { image-rendering: pixelated; }
.st-key-versus_pad button { min-height: 4.2rem; touch-action: manipulation; }
.st-key-versus_pad button p { font-size: 2rem; font-weight: 600; }
.st-key-versus_pad [data-testid="stHorizontalBlock"] { flex-wrap: nowrap; }
.st-key-versus_pad [data-testid="stColumn"] { min-width: 0; flex: 1 1 0; }
</style>"""
SHOWS = (
    "Most of these are the test images this model finds hardest, with a few easy ones as a check: "
    "people misread many of them too, because MNIST's hardest images are hard for anyone to read, "
    "and a few of its labels are arguable."
)


@dataclass(frozen=True)
class Game:
    """A model's round and what scoring it needs."""

    model: str  # the model's key in the run store: its file
    round: Round
    predicted: np.ndarray  # the model's digit for each test image
    labels: np.ndarray  # MNIST's label for each test image


def game_for(predictor) -> Game:
    """The round for this model (the same for every student), from its results on the test set."""
    evaluation = evaluation_of(predictor)
    return Game(str(predictor.path), choose_round(evaluation, ROUND_SEED), evaluation.predicted, mnist().y_test)


def my_answers(model: str) -> dict[int, int]:
    """This browser's answers against ``model`` (test image -> digit); a plain message if they cannot be read."""
    try:
        return registry().versus_answers(model, owner=user_id()).get(user_id(), {})
    except UserError as error:
        st.error(f"Your answers cannot be read: {error}")
        st.stop()


def _answer(model: str, index: int, digit: int, allowed: tuple[int, ...]) -> None:
    try:
        registry().save_versus_answer(user_id(), model, index, digit, allowed)
    except UserError as error:
        st.session_state[ERROR_KEY] = f"That answer was not kept: {error}"


def _start_again(model: str) -> None:
    try:
        registry().clear_versus_answers(user_id(), model)
    except UserError as error:
        st.session_state[ERROR_KEY] = f"Your answers could not be cleared: {error}"


def play(game: Game) -> None:
    """The next digit to read, or the result once every digit of the round is answered."""
    st.html(STYLE)
    if message := st.session_state.pop(ERROR_KEY, None):
        st.error(message)
    answers = my_answers(game.model)
    left = [index for index in game.round.indices if index not in answers]
    with st.container(key="versus_round"):
        if left:
            question(game.model, game.round, left[0], len(game.round) - len(left))
        else:
            result(score(game.round, answers, game.predicted, game.labels))
        st.button(
            "Start again",
            key="versus_start_again",
            on_click=_start_again,
            args=(game.model,),
            icon=":material/restart_alt:",
        )


def question(model: str, round_: Round, index: int, done: int) -> None:
    """One test digit, big, and the ten digit buttons; ``done`` digits of the round are answered already."""
    st.progress(done / len(round_), text=f"**{done + 1} of {len(round_)}**")
    with st.container(key="versus_digit"):
        st.image(digit_grid([mnist().x_test[index]], scale=DIGIT_PX // SIZE)[0], width=DIGIT_PX)
    st.markdown("**Which digit is this?** Tap it.")
    with st.container(key="versus_pad"):
        for row in PAD_ROWS:
            for column, digit in zip(st.columns(len(row), gap="small"), row, strict=True):
                column.button(
                    str(digit),
                    key=f"versus_digit_{digit}",
                    on_click=_answer,
                    args=(model, index, digit, round_.indices),
                    width="stretch",
                )


def result(outcome: Score) -> None:
    """The student's accuracy against the model's on the same images, and each digit where they disagree."""
    st.subheader("You against the model")
    you, model = st.columns(2)
    you.metric("You", percent(outcome.student_accuracy))
    model.metric("The model", percent(outcome.model_accuracy))
    st.markdown(
        f"You read **{_right(outcome.student_accuracy, outcome.answered)}** of the {outcome.answered} digits as "
        f"MNIST labels them, the model **{_right(outcome.model_accuracy, outcome.answered)}**."
    )
    st.caption(SHOWS)
    if not outcome.disagreements:
        st.success("You and the model gave the same digit for every image.")
        return
    st.markdown(f"**Where you and the model disagree** ({len(outcome.disagreements)})")
    images = mnist().x_test
    with st.container(key="versus_mistakes"):
        columns = st.columns(4)
        for place, case in enumerate(outcome.disagreements):
            with columns[place % 4]:
                st.image(digit_grid([images[case.index]], scale=SMALL_PX // SIZE)[0], width=SMALL_PX)
                st.markdown(
                    f"you said **{case.student}**{_tick(case.student, case.label)}  \n"
                    f"model said **{case.model}**{_tick(case.model, case.label)}  \n"
                    f"MNIST label **{case.label}**"
                )


def _right(share: float, answered: int) -> int:
    return round(share * answered)


def _tick(given: int, label: int) -> str:
    return " :green[✓]" if given == label else ""
