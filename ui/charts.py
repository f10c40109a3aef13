"""Charts the pages share: curves and bars in Altair (it comes with Streamlit), the confusion matrix and
weight pictures on matplotlib Figures (never pyplot, whose global state the sessions would share). Not a page."""

from __future__ import annotations

import copy
import functools

import altair as alt
import numpy as np
import pandas as pd

from mnist_core.data import DIGITS
from mnist_core.geometry import SIZE
from mnist_core.wording import percent

SPLITS = {"accuracy": "Training", "val_accuracy": "Validation", "loss": "Training", "val_loss": "Validation"}
SPLIT_COLORS = {"Training": "#3b5bdb", "Validation": "#e8590c"}
PER_BATCH = "Training, per batch"
CURVE_DATA = ("per_batch", "per_epoch")  # the datasets' names in epoch_curves' spec
# Distinct hues for overlaid runs (Streamlit's own palette for Altair is shades of blue).
RUN_COLORS = ["#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9", "#f59f00", "#1098ad", "#c2255c", "#495057"]
# Readable from the back of a classroom.
AXIS = {"labelFontSize": 13, "titleFontSize": 14}
LEGEND = {"labelFontSize": 13, "titleFontSize": 13}
# A legend entry's width, overestimated: pixels per character of a 13 px label, and its symbol and padding.
LEGEND_CHAR_PX, LEGEND_ENTRY_PX = 6.5, 30
# A chart's height is its plot's, not the whole chart's (Streamlit's theme fits everything in the height):
# a legend that wraps onto more lines on a narrow screen then adds to the chart instead of squashing the plot.
PLOT_HEIGHT = alt.AutoSizeParams(type="fit-x", contains="padding")
# A point's radius and more (size 260 is 9 px, and its outline) inside the plot at each end of a scale, so the
# runs at the ends are drawn whole, not cut by the chart's edge; not rounded out to nice values after, which
# on a log scale would add a whole power of ten.
POINT_ROOM = {"padding": 12, "nice": False}
TITLE = {"fontSize": 16, "anchor": "start"}
# The answer's bars: the title, and the tallest bar's height (100%) in pixels.
ANSWER_BARS_TITLE = "How sure the model is about each digit"
ANSWER_BAR_PX = 140
# The dropout study's bars: pixels per variant, and the room for the title, the legend and the x axis.
GAP_BAR_HEIGHT = 36
GAP_CHART_ROOM = 120


def epoch_curves(epochs: list[dict], metric: str, total_epochs: int | None = None, batches: list[dict] = ()) -> dict:
    """Training and validation ``metric`` ("accuracy" or "loss") per epoch for one run, and, while it trains,
    the training ``metric`` per batch (smoothed, thin) so the chart moves from the first second; a Vega-Lite
    spec for ``st.vega_lite_chart``.

    The x axis runs from 0 to ``total_epochs`` from the start, so the page does not jump when the
    first point arrives: epoch k's points sit at k, the batches of epoch k between k - 1 and k.

    A live run's panel is redrawn every second in every tab that watches it, and Altair takes 25-30 ms of the
    server's CPU to build and check one chart (two charts a second in each of thirty tabs would be most of a
    2-core server). So Altair makes the spec (``_curves``) once per metric, length and kind of y axis, and each
    redraw copies it with its own points and y range: under a millisecond.
    """
    per_epoch, per_batch = _curve_frames(epochs, metric, batches)
    domain = _y_range(per_epoch, per_batch, metric.capitalize())
    spec = copy.deepcopy(_curves_spec(metric, max(total_epochs or 1, 1), domain is not None))
    if domain is not None:
        for layer in spec["layer"]:
            layer["encoding"]["y"]["scale"]["domain"] = domain
    spec["datasets"] = {CURVE_DATA[0]: per_batch, CURVE_DATA[1]: per_epoch}
    return spec


@functools.cache
def _curves_spec(metric: str, total_epochs: int, fitted: bool) -> dict:
    """The spec of ``_curves`` with its data named (``CURVE_DATA``) and, when ``fitted``, a y range to replace."""
    named = [alt.NamedData(name=name) for name in CURVE_DATA]
    spec = _curves(metric, total_epochs, [0.0, 1.0] if fitted else None, *named).to_dict()
    spec.get("config", {}).pop("view", None)  # Altair's default theme's sizes, which Streamlit leaves out too
    return spec


def _curve_frames(epochs: list[dict], metric: str, batches: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-epoch points and the smoothed per-batch curve of ``metric``, as ``_curves`` draws them."""
    column = metric.capitalize()
    rows = [
        {"Epoch": e["epoch"], "Data": SPLITS[key], column: e[key]} for e in epochs for key in (metric, f"val_{metric}")
    ]
    per_epoch = pd.DataFrame(rows, columns=["Epoch", "Data", column])
    per_batch = pd.DataFrame(
        {"Epoch": [b["epochs"] for b in batches], column: smoothed([b[metric] for b in batches]), "Data": PER_BATCH},
        columns=["Epoch", column, "Data"],
    )
    return per_epoch, per_batch


def _curves(metric: str, total_epochs: int | None, domain: list[float] | None, per_batch, per_epoch) -> alt.LayerChart:
    """The chart of ``epoch_curves`` in Altair, its y axis fitted to ``domain`` (None: Vega's own), from frames
    or named data."""
    column = metric.capitalize()
    x = alt.X(
        "Epoch:Q",
        scale=alt.Scale(domain=[0, max(total_epochs or 1, 1)], padding=8),  # room for the last epoch's points
        axis=alt.Axis(tickMinStep=1, format="d", **AXIS),
    )
    y = alt.Y(
        f"{column}:Q",
        scale=alt.Scale(zero=False, domain=domain or alt.Undefined),
        axis=alt.Axis(format=".1%" if metric == "accuracy" else ".3f", **AXIS),
    )
    colors = {**SPLIT_COLORS, PER_BATCH: "#91a7ff"}
    color = alt.Color(
        "Data:N",
        title=None,
        scale=alt.Scale(domain=list(colors), range=list(colors.values())),
        legend=wrapping_legend(list(colors), orient="top", symbolType="stroke", symbolStrokeWidth=4),
    )
    batch_line = alt.Chart(per_batch).mark_line(strokeWidth=2, opacity=0.8, clip=True).encode(x=x, y=y, color=color)
    epoch_line = (
        alt.Chart(per_epoch)
        .mark_line(point=True, strokeWidth=3)
        .encode(x=x, y=y, color=color, tooltip=["Epoch:Q", "Data:N", alt.Tooltip(f"{column}:Q", format=".4f")])
    )
    return alt.layer(batch_line, epoch_line, title=alt.Title(f"{column} per epoch", **TITLE)).properties(
        height=180, autosize=PLOT_HEIGHT
    )


def wrapping_legend(labels: list[str], **options) -> alt.Legend:
    """A legend laid out in as many equal columns as the plot's width holds, so no label runs off the chart's
    edge when the chart is narrow (a tablet, two charts side by side) and a wide chart keeps one line.

    Vega does not wrap a legend by itself: it keeps a fixed number of columns, starting at the plot's left
    edge, whatever the chart's width. ``width`` is the plot's width, which Streamlit sets from the page."""
    entry = max(len(label) for label in labels) * LEGEND_CHAR_PX + LEGEND_ENTRY_PX
    columns = alt.ExprRef(f"max(1, floor(width / {entry:g}))")
    return alt.Legend(columns=columns, gridAlign="all", **LEGEND, **options)


def _y_range(epoch_frame: pd.DataFrame, batch_frame: pd.DataFrame, column: str) -> list[float] | None:
    """Fit the per-epoch points and, once a second epoch has begun, the batches after the first epoch:
    the steep first batches would squash the gap between training and validation, which is what the
    class is watching. Until then (and for a run of one epoch) fit every batch, or the first epoch's
    curve would leave the chart."""
    second_epoch_begun = (batch_frame["Epoch"] > 1).any() or (epoch_frame["Epoch"] > 1).any()
    later = batch_frame[batch_frame["Epoch"] > 1] if second_epoch_begun else batch_frame
    values = pd.concat([epoch_frame[column], later[column]]).dropna()
    if values.empty:
        return None
    low, high = float(values.min()), float(values.max())
    pad = max((high - low) * 0.1, 0.002)
    return [low - pad, high + pad]


def smoothed(values: list[float], weight: float = 0.6) -> list[float]:
    """An exponential moving average, as TensorBoard smooths its curves; bias-corrected at the start."""
    out, average = [], 0.0
    for i, value in enumerate(values, start=1):
        average = weight * average + (1 - weight) * value
        out.append(average / (1 - weight**i))
    return out


def compare_runs(histories: dict[str, list[dict]]) -> alt.Chart:
    """Training (dashed) and validation (solid) accuracy of several runs on one chart: the gap is overfitting."""
    rows = [
        {"Run": name, "Epoch": e["epoch"], "Data": SPLITS[key], "Accuracy": e[key]}
        for name, epochs in histories.items()
        for e in epochs
        for key in ("accuracy", "val_accuracy")
    ]
    frame = pd.DataFrame(rows, columns=["Run", "Epoch", "Data", "Accuracy"])
    colors = RUN_COLORS * (len(histories) // len(RUN_COLORS) + 1)
    return (
        alt.Chart(frame, title=alt.Title("Training (dashed) and validation (solid) accuracy", **TITLE))
        .mark_line(point=True, strokeWidth=3)
        .encode(
            x=alt.X("Epoch:Q", axis=alt.Axis(tickMinStep=1, format="d", **AXIS)),
            y=alt.Y("Accuracy:Q", scale=alt.Scale(zero=False), axis=alt.Axis(format=".1%", **AXIS)),
            color=alt.Color(
                "Run:N",
                scale=alt.Scale(domain=list(histories), range=colors[: len(histories)]),
                legend=wrapping_legend(
                    list(histories), orient="bottom", labelLimit=400, symbolType="stroke", symbolStrokeWidth=4
                ),
            ),
            strokeDash=alt.StrokeDash(
                "Data:N",
                title=None,
                scale=alt.Scale(domain=["Validation", "Training"], range=[[1, 0], [6, 4]]),
                legend=None,
            ),  # the title says which is which
            tooltip=["Run:N", "Epoch:Q", "Data:N", alt.Tooltip("Accuracy:Q", format=".2%")],
        )
        .properties(height=380)
    )


def probability_bars_html(probabilities, highlighted, title: str = ANSWER_BARS_TITLE, captioned: bool = True) -> str:
    """The ten digit probabilities as bars in plain HTML, ``highlighted`` digits in blue, each bar's share above it.

    The answer's own bars (the Draw page), in the same element as its heading: the browser lays both out in
    one frame, where a Vega chart first compiles its spec and then draws, tens of milliseconds later on a
    busy 2-core machine. "Inside the network" draws its last layer with them too.
    """
    columns, digits = [], []
    for digit, probability in enumerate(probabilities):
        colour = "#3b5bdb" if digit in highlighted else "#adb5bd"
        share = percent(probability) if probability >= 0.005 else ""
        columns.append(
            f'<div style="flex:1;text-align:center;font-size:12px">{share}'
            f'<div style="height:{float(probability) * ANSWER_BAR_PX:.0f}px;background:{colour};'
            'border-radius:2px 2px 0 0"></div></div>'
        )
        digits.append(f'<div style="flex:1;text-align:center;font-size:16px">{digit}</div>')
    row = "display:flex;gap:6px;align-items:flex-end"
    caption = f'<figcaption style="font-weight:600;font-size:14px;margin-bottom:4px">{title}</figcaption>'
    return (
        f'<figure aria-label="{title}" style="margin:0 0 8px 0">{caption if captioned else ""}'
        # a faint line where a bar of 100% would end, so a short bar reads as short
        f'<div style="height:18px;border-bottom:1px dashed #dee2e6;font-size:11px;color:#868e96">100%</div>'
        f'<div style="{row};height:{ANSWER_BAR_PX + 18}px;margin-top:-18px;border-bottom:1px solid #868e96">'
        f"{''.join(columns)}</div>"
        f'<div style="{row}">{"".join(digits)}</div></figure>'
    )


def score_bars_html(scores, title: str) -> str:
    """Ten scores that can be below zero, as bars in plain HTML from a line at zero, each bar's score beside it.

    Not a Vega chart, for the Draw page's sake: its two Vega charts cost the browser a fifth of a second of CPU
    per drawing, and their code (775 kB) was fetched as a class's first drawings came in.
    """
    scores = np.asarray(scores, np.float64)
    above, below = max(float(scores.max()), 0.0), max(-float(scores.min()), 0.0)
    scale = ANSWER_BAR_PX / max(above + below, 1e-9)
    top = int(scores.argmax())
    columns, digits = [], []
    stack = "display:flex;flex-direction:column;justify-content:flex-end"
    for digit, score in enumerate(scores):
        colour = "#e8590c" if digit == top else "#f4a77c"
        up, down = (score * scale, 0.0) if score > 0 else (0.0, -score * scale)
        label = f"{score:.1f}"
        columns.append(
            '<div style="flex:1;text-align:center;font-size:11px">'
            f'<div style="height:{above * scale + 14:.0f}px;{stack}">{label if score > 0 else ""}'
            f'<div style="height:{up:.0f}px;background:{colour}"></div></div>'
            f'<div style="height:{below * scale + 14:.0f}px;border-top:1px solid #868e96">'
            f'<div style="height:{down:.0f}px;background:{colour}"></div>{label if score <= 0 else ""}</div></div>'
        )
        digits.append(f'<div style="flex:1;text-align:center;font-size:16px">{digit}</div>')
    row = "display:flex;gap:6px"
    return (
        f'<figure aria-label="{title}" style="margin:0 0 8px 0">'
        f'<div style="{row}">{"".join(columns)}</div>'
        f'<div style="{row}">{"".join(digits)}</div></figure>'
    )


BLANK = np.zeros((SIZE, SIZE), np.uint8)  # what the model is given before anything is drawn


def pixels(image28, scale: int = 10):
    """A 28x28 grey image enlarged with a faint grid, so each of the 784 pixels is visible."""
    big = np.kron(np.asarray(image28, np.uint8), np.ones((scale, scale), np.uint8))
    rgb = np.repeat(big[..., None], 3, axis=2)
    rgb[::scale, :] = rgb[:, ::scale] = (70, 70, 90)
    return rgb


def saliency_overlay(image28, saliency, scale: int = 10):
    """Pixels that pushed the answer up in red, down in blue, over the faint digit."""
    base = np.asarray(image28, np.float32)[..., None] / 255.0 * 0.35
    red = np.clip(saliency, 0, 1)[..., None] * np.array([1.0, 0.2, 0.1])
    blue = np.clip(-saliency, 0, 1)[..., None] * np.array([0.1, 0.4, 1.0])
    rgb = np.clip(base + red + blue, 0, 1)
    big = np.kron(rgb, np.ones((scale, scale, 1)))
    return (big * 255).astype(np.uint8)


def confusion_figure(matrix, normalised: bool):
    """The seed notebook's confusion-matrix heatmap: true digit down, predicted digit across."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 5.4), dpi=110)
    axes = figure.subplots()
    shown = np.log1p(matrix * 100) if normalised else np.log1p(matrix)  # log colours: errors stay visible
    axes.imshow(shown, cmap="Blues")
    for true in DIGITS:
        for predicted in DIGITS:
            value = matrix[true, predicted]
            text = percent(value) if normalised else str(int(value))
            if normalised and 0 < value < 0.005:
                text = "<1%"
            dark = shown[true, predicted] > shown.max() * 0.6
            axes.text(
                predicted, true, text, ha="center", va="center", fontsize=7.5, color="white" if dark else "#1f2933"
            )
    axes.set_xticks(DIGITS)
    axes.set_yticks(DIGITS)
    axes.set_xlabel("Predicted digit")
    axes.set_ylabel("True digit")
    axes.set_title("Confusion matrix" + (" (share of each true digit)" if normalised else " (counts)"))
    figure.tight_layout()
    return figure


def digit_grid(images, scale: int = 3):
    """Small digit images enlarged with crisp pixels, for galleries."""
    return [np.kron(np.asarray(image, np.uint8), np.ones((scale, scale), np.uint8)) for image in images]


def weight_pictures(pictures, columns: int = 8):
    """First-layer weights as images: red positive, blue negative, each scaled to its own range."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = int(np.ceil(len(pictures) / columns))
    figure = Figure(figsize=(columns * 1.1, rows * 1.1), dpi=100)
    for index, picture in enumerate(pictures):
        axes = figure.add_subplot(rows, columns, index + 1)
        limit = np.abs(picture).max() or 1.0
        axes.imshow(picture, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes.set_axis_off()
    figure.tight_layout(pad=0.2, w_pad=0.8, h_pad=0.8)  # a gap around each picture, so 3x3 kernels stay apart
    return figure


def gap_against_dropout(frame) -> alt.Chart:
    """The study's chart: each variant's overfitting gap (training minus test accuracy), a bar per variant,
    the least dropout at the top.

    The variants are named on the axis, not in a legend: Streamlit fits a legend into the chart's height,
    and seven names left a plot a few pixels high; and five variants share dropout 0.2, so points placed
    at their dropout rate hid each other. Bars start at zero, so a negative gap (dropout 0.5 can score
    better on the test images than on the training images) points the other way.
    """
    order = frame.sort_values("Dropout", kind="stable")["Variant"].tolist()
    return (
        alt.Chart(frame, title=alt.Title("Overfitting gap against dropout", **TITLE))
        .mark_bar(height={"band": 0.7})
        .encode(
            x=alt.X("Gap:Q", title="Training minus test accuracy", axis=alt.Axis(format=".1%", **AXIS)),
            y=alt.Y("Variant:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelFontSize=13)),
            color=alt.Color(
                "Dropout:O",
                scale=alt.Scale(range=RUN_COLORS),
                legend=alt.Legend(orient="top", title="Dropout of the first layer", titleOrient="left", **LEGEND),
            ),
            tooltip=[
                "Variant",
                "Dropout",
                alt.Tooltip("Gap:Q", format=".2%"),
                alt.Tooltip("Test accuracy:Q", format=".2%"),
            ],
        )
        .properties(height=GAP_BAR_HEIGHT * len(frame) + GAP_CHART_ROOM)
    )
