"""What a chart sends to the browser, read back from a page run by AppTest (Streamlit sends a chart's data
beside its spec, as Arrow)."""

import json

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from mnist_core.stress import CORRUPTIONS


def stress_chart_points(at: AppTest) -> dict[str, tuple[float, float]]:
    """Run -> (test accuracy, stress score) as the chart titled "Stress score" sends them to the browser."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("title", {}).get("text") == "Stress score":
            (dataset,) = chart.proto.datasets
            rows = pa.ipc.open_stream(dataset.data.data).read_pandas().to_dict("records")
            assert not any("Model file" in row for row in rows)  # the server's paths stay on the server
            return {row["Run"]: (row["Test accuracy"], row["Stress score"]) for row in rows}
    return {}


def drawn_curves(at) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Each stress chart's lines as drawn: title -> model -> (strength, accuracy) points (Streamlit sends a
    chart's data beside its spec, as Arrow)."""
    charts = {}
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec.get("title", {}).get("text") if isinstance(spec.get("title"), dict) else None
        if title not in {c.title for c in CORRUPTIONS}:
            continue
        (dataset,) = chart.proto.datasets
        rows = pa.ipc.open_stream(dataset.data.data).read_pandas().to_dict("records")
        lines = {}
        for row in rows:
            lines.setdefault(row["Model"], []).append((row["Strength"], row["Accuracy"]))
        charts[title] = lines
    return charts
