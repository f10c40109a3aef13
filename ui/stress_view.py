"""Evaluate, the Stress test tab: how a model's accuracy falls as the test digits are moved, turned, thinned,
thickened, covered in noise or blurred (mnist_core/stress.py), a chart per change with a line per model, and
one sentence saying what the picture shows.

The changed pictures are made once per server. Each model is measured once per model file: the result is
kept on disk beside the file (mnist_core/stress_record.py), where the class board reads it too, and is
read back after a restart; a file replaced by a retrained model is measured again.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from mnist_core.errors import UserError
from mnist_core.kept_files import FileStamp
from mnist_core.stress import (
    BY_KIND,
    CORRUPTIONS,
    SAMPLE_SIZE,
    Corruption,
    StressImages,
    StressResult,
    stress_images,
    stress_test,
)
from mnist_core.stress_record import read_stress, write_stress
from mnist_core.wording import counted, percent
from ui.charts import AXIS, PLOT_HEIGHT, RUN_COLORS, TITLE, digit_grid, wrapping_legend
from ui.plain_text import plain
from ui.resources import chosen_model, load_predictor, mnist, model_choices
from ui.run_history import PERCENT, in_percent

ALONE = "Nothing: this model alone"
CARD_PX = 380  # a chart's width: two side by side on a laptop, one under another on a tablet
CHART_HEIGHT = 170  # the plot alone: its title, axes and legend add to it
EXAMPLE = 0  # the sample's first digit (a 2) shows what each change does
# How a sentence names a change at a strength.
WHERE = {
    "shift": lambda s: f"Moved {counted(int(s), 'pixel')}",
    "rotate": lambda s: f"Turned {s:g} degrees",
    "thinner": lambda s: f"With strokes {counted(int(s), 'pixel')} thinner",
    "thicker": lambda s: f"With strokes {counted(int(s), 'pixel')} thicker",
    "noise": lambda s: f"Under noise of {s:g}% of white",
    "blur": lambda s: f"Blurred by {s:g} pixels",
}


@st.cache_resource(show_spinner="Making the changed pictures...")
def _panel() -> StressImages:
    from mnist_core.data import load_mnist

    data = load_mnist()
    return stress_images(data.x_test, data.y_test)


def stress_of(predictor) -> StressResult | None:
    """The model's stress test: its kept record if there is one for this very file, else measured once per
    model file per server and kept (None, said why, if it cannot be)."""
    mnist()  # a missing or damaged MNIST file stops the page with its message, not inside the cache
    try:
        if (recorded := read_stress(predictor.path)) is not None:
            return recorded
        stamp = FileStamp.of(predictor.path)
        return _stress(str(predictor.path), stamp.size, stamp.modified_ns, predictor)
    except (OSError, UserError) as error:  # its file deleted or replaced by a damaged one meanwhile
        st.error(f"This model cannot be tested: {error}")
        return None


@st.cache_resource(max_entries=6, show_spinner=f"Testing the model on {SAMPLE_SIZE:,} changed digits per change...")
def _stress(path: str, size: int, modified_ns: int, _predictor) -> StressResult:
    """Cached by path and file stamp (the predictor itself is not hashed: it is the model at that file), so a
    model whose record cannot be written (a read-only folder) is still measured only once per server."""
    result = stress_test(_predictor, _panel())
    write_stress(Path(path), result, FileStamp(size, modified_ns))
    return result


def stress_tab(label: str, predictor) -> None:
    st.markdown(
        "How well does the model read digits that are **moved, turned, thinner, thicker, noisy or blurred**? "
        "Each chart changes the test digits a little more at each step."
    )
    choices = model_choices()
    others = [name for name in choices if choices[name] != chosen_model() and name != label]
    other_label = st.selectbox(
        "Compare with",
        [ALONE, *others],
        key="stress_other",
        help="Pick a second model to draw its line beside this one's: an MLP against a CNN, say.",
    )
    if not st.session_state.get("stress_run"):  # measured only when asked: the other tabs stay quick
        st.button("Run the stress test", type="primary", on_click=lambda: st.session_state.update(stress_run=True))
        st.caption(
            "It takes a few seconds for each model the first time; after that the results are kept, and the "
            "Class board can show them."
        )
        return
    models = {label: predictor}
    if other_label != ALONE:
        models[other_label] = load_predictor(choices[other_label])
    named = zip(short_names(models), models.values(), strict=True)
    measured = {name: stress_of(model) if model is not None else None for name, model in named}
    results = {name: result for name, result in measured.items() if result is not None}  # None: said why
    if not results:
        return
    st.markdown(f"**{plain(headline(results))}**")
    grid = st.container(horizontal=True, gap="medium")
    panel = _panel()
    for corruption in CORRUPTIONS:
        with grid.container(width=CARD_PX):
            st.altair_chart(stress_chart(corruption, results), width="stretch")
            examples = [panel.clean[EXAMPLE]] + [
                panel.changed[corruption.kind, s][EXAMPLE] for s in corruption.strengths
            ]
            strengths = ["none"] + [f"{s:g}" for s in corruption.strengths]
            st.image(digit_grid(examples, scale=2), caption=strengths, width=56)
    st.caption(
        f"Each point is the share of the same {SAMPLE_SIZE:,} test images (picked at random once, the same for "
        "every model) read correctly after the change. Moved: each image goes up, down, left or right, picked at "
        "random; turned: clockwise or anticlockwise, picked at random. A model that learned shapes, not places, "
        "keeps its line high."
    )
    with st.expander("The numbers"):
        table = numbers_table(results)
        st.dataframe(
            in_percent(table, table.columns[1:]),
            hide_index=True,
            width="stretch",
            column_config={name: st.column_config.NumberColumn(format=PERCENT) for name in table.columns[1:]},
        )


def short_names(labels) -> list[str]:
    """The models' names without what the picker adds after " · " (a run's test accuracy), unless that
    would give two models the same name."""
    short = [label.split(" · ")[0] for label in labels]
    return short if len(set(short)) == len(short) else list(labels)


def headline(results: dict[str, StressResult]) -> str:
    """One sentence for the class: for one model, its hardest change; for two, where they differ most."""
    (first, a), *rest = results.items()
    points = [(c.kind, s) for c in CORRUPTIONS for s in c.strengths]
    if not rest:
        kind, strength = min(points, key=lambda point: a.accuracy(*point))
        return (
            f"{WHERE[kind](strength)}, {first} reads {percent(a.accuracy(kind, strength))} of the digits right "
            f"({percent(a.clean)} of the unchanged ones): its hardest test here."
        )
    second, b = rest[0]
    kind, strength = max(points, key=lambda point: abs(a.accuracy(*point) - b.accuracy(*point)))
    (better, high), (worse, low) = sorted(
        [(first, a.accuracy(kind, strength)), (second, b.accuracy(kind, strength))], key=lambda pair: -pair[1]
    )
    return (
        f"{WHERE[kind](strength)}, {better} still reads {percent(high)} of the digits right "
        f"and {worse} only {percent(low)}: "
        "the biggest difference between them."
    )


def stress_chart(corruption: Corruption, results: dict[str, StressResult]) -> alt.Chart:
    """Accuracy against the change's strength, a line per model, from the unchanged digits (0) on the left."""
    frame = pd.DataFrame(
        [
            {"Model": name, "Strength": strength, "Accuracy": accuracy}
            for name, result in results.items()
            for strength, accuracy in result.curves[corruption.kind]
        ]
    )
    names = list(results)
    return (
        alt.Chart(frame, title=alt.Title(corruption.title, **TITLE))
        .mark_line(point=alt.OverlayMarkDef(size=60), strokeWidth=3)
        .encode(
            x=alt.X(
                "Strength:Q",
                title=corruption.unit,
                axis=alt.Axis(values=[0, *corruption.strengths], format="~f", **AXIS),
                scale=alt.Scale(nice=False),
            ),
            y=alt.Y("Accuracy:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", tickCount=5, **AXIS)),
            color=alt.Color(
                "Model:N",
                title=None,
                scale=alt.Scale(domain=names, range=RUN_COLORS[: len(names)]),
                legend=wrapping_legend(names, orient="top", labelLimit=300, symbolType="stroke", symbolStrokeWidth=4),
            ),
            tooltip=[
                "Model:N",
                alt.Tooltip("Strength:Q", title=corruption.unit),
                alt.Tooltip("Accuracy:Q", format=".1%"),
            ],
        )
        .properties(height=CHART_HEIGHT, autosize=PLOT_HEIGHT)
    )


def numbers_table(results: dict[str, StressResult]) -> pd.DataFrame:
    """A row per change and strength, a column per model: the accuracies the charts draw."""
    rows = []
    for kind, strength in [("shift", 0.0)] + [(c.kind, s) for c in CORRUPTIONS for s in c.strengths]:
        change = "Unchanged" if strength == 0 else f"{BY_KIND[kind].title}, {strength:g} {BY_KIND[kind].unit}"
        rows.append({"Change": change, **{name: r.accuracy(kind, strength) for name, r in results.items()}})
    return pd.DataFrame(rows)
