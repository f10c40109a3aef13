"""The drawing canvas: streamlit-drawable-canvas, with its toolbar kept off the drawing area, each stroke sent as
the pen lifts, and its picture checked before it is decoded.

The component (0.13) hides its toolbar (undo, redo, reset) over the top-right band of the canvas
until the pointer hovers there. A press that arrives with no hover first (a finger, a pen, a mouse
that jumps straight to where it starts) lands on the invisible toolbar and draws nothing. The
component draws in a shadow root that page styles cannot reach, so a small script adds one style
rule to it: the toolbar sits just above the canvas, and takes clicks only while it is shown.

The component also waits 200 ms after each stroke before it sends the drawing to the server (so that two quick
strokes are sent once), and a student waited that long for every answer: the same script presses the
component's own "Update the app with this drawing" button as the pen lifts, which sends at once. A digit of two
strokes is now answered after each of them; the second answer replaces the first.
"""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from mnist_core.errors import UserError
from mnist_core.geometry import CANVAS_SIZE, PEN_WIDTH
from mnist_core.preprocess import Prepared, decode_canvas, prepare_canvas

TOOLBAR_STYLE = """
.dc-toolbar { top: auto !important; bottom: 100% !important; pointer-events: none; }
.dc-root:hover > .dc-toolbar, .dc-toolbar:focus-within, .dc-toolbar[data-pinned="true"] { pointer-events: auto; }
"""

# The component's toolbar button that sends the drawing now, and how long after the pen lifts it is pressed.
SEND_BUTTON = 'button[aria-label="Update the app with this drawing"]'
SEND_AFTER_MS = 10

_TOOLBAR_OFF_THE_CANVAS = f"""<script>
(() => {{
  if (window.__mnistToolbarStyle) return;
  window.__mnistToolbarStyle = true;
  const addStyle = () => {{
    for (const host of document.querySelectorAll('[data-testid^="stBidiComponent"]')) {{
      const root = host.shadowRoot;
      if (root && !root.querySelector('style[data-mnist-toolbar]')) {{
        const style = document.createElement('style');
        style.dataset.mnistToolbar = '';
        style.textContent = {json.dumps(TOOLBAR_STYLE)};
        root.appendChild(style);
      }}
    }}
  }};
  addStyle();
  setInterval(addStyle, 100);  // a new canvas (after Clear) gets its shadow root a moment after it mounts

  // A stroke is sent the moment the pen lifts, by the component's own "Update the app with this drawing"
  // button (it sends at once and cancels the component's wait of 200 ms after each stroke).
  let strokeIn = null;  // the shadow root of the canvas a stroke began on
  addEventListener('pointerdown', (event) => {{
    const path = event.composedPath();
    const onCanvas = path.some((node) => node.classList && node.classList.contains('upper-canvas'));
    strokeIn = onCanvas ? path.find((node) => node instanceof ShadowRoot) || null : null;
  }}, true);
  const sendNow = () => {{
    const root = strokeIn;
    strokeIn = null;
    if (!root) return;
    setTimeout(() => {{  // after the canvas has turned the stroke into a path (its own pointer-up handler)
      const send = root.querySelector({json.dumps(SEND_BUTTON)});
      if (send) send.click();
    }}, {SEND_AFTER_MS});
  }};
  addEventListener('pointerup', sendNow, true);
  addEventListener('pointercancel', () => {{ strokeIn = null; }}, true);
}})();
</script>"""


def drawing_canvas(stroke_width: int, key: str) -> np.ndarray | None:
    """The drawing surface; returns its picture as an RGBA array, or None (nothing drawn, or refused)."""
    from streamlit_drawable_canvas import st_canvas  # raises outside a Streamlit runtime

    st.html(_TOOLBAR_OFF_THE_CANVAS, unsafe_allow_javascript=True)
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=key,
    )
    try:
        return decode_canvas(result.image_bytes, CANVAS_SIZE, CANVAS_SIZE)
    except UserError as error:
        st.warning(f"{error} Press **Clear** and draw again.")
        return None


def model_input(raw) -> Prepared | None:
    """The canvas's picture as the model is given it (MNIST's own recipe: mnist_core/preprocess.py); None
    for an empty canvas."""
    return prepare_canvas(raw)


def stroke_width_slider() -> int:
    """The pen's width in the sidebar, starting at the width the drawn-digit sets were made with."""
    return st.sidebar.slider(
        "Stroke width", 8, 40, PEN_WIDTH, key="stroke_width", help="Thick strokes look most like MNIST."
    )
