"""The page's websocket traffic during the classroom load test, as Chromium sees it: when the drawing
left the browser and when its answer came back."""

from __future__ import annotations

import base64
import contextlib
import io
import re

import numpy as np
from PIL import Image

_PNG = re.compile(rb"data:image/png;base64,([A-Za-z0-9+/=]+)")


def ink_pixels(frame: bytes) -> int | None:
    """Bright pixels in the canvas PNG a frame carries (None if it carries none or it cannot be read): a
    drawing sent before its stroke was on the canvas holds none."""
    found = _PNG.search(frame)
    if found is None:
        return None
    try:
        return int((np.asarray(Image.open(io.BytesIO(base64.b64decode(found.group(1)))).convert("L")) > 128).sum())
    except (ValueError, OSError):
        return None


class Wire:
    """The page's websocket traffic as Chromium's network stack sees it (CDP, with its own timestamps).

    ``server_ms``: from the BackMsg carrying the drawing (it holds the canvas PNG) leaving the browser to
    the ForwardMsg holding "Prediction: " arriving: the server's share of the round trip plus the
    loopback, without the page's own rendering and scripting time.
    """

    def __init__(self):
        self.sent = 0
        self.received = 0
        self.drawing_sent_at: float | None = None
        self.drawing_ink: int | None = None  # bright pixels in the drawing sent
        self.answer_at: float | None = None
        self._armed = False

    async def attach(self, context, page) -> None:
        cdp = await context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", self._on_sent)
        cdp.on("Network.webSocketFrameReceived", self._on_received)
        await cdp.send("Network.enable")

    def arm(self) -> None:
        self.drawing_sent_at = self.answer_at = self.drawing_ink = None
        self._armed = True

    @staticmethod
    def _payload(params) -> bytes:
        response = params.get("response", {})
        data = response.get("payloadData", "")
        if response.get("opcode") == 2:
            with contextlib.suppress(ValueError):
                return base64.b64decode(data)
            return b""
        return data.encode()

    def _on_sent(self, params) -> None:
        self.sent += 1
        if self._armed and self.drawing_sent_at is None:
            frame = self._payload(params)
            if b"data:image/png" in frame:
                self.drawing_sent_at = params["timestamp"]
                self.drawing_ink = ink_pixels(frame)

    def _on_received(self, params) -> None:
        self.received += 1
        if self.drawing_sent_at is not None and self.answer_at is None and b"Prediction: " in self._payload(params):
            self.answer_at = params["timestamp"]
            self._armed = False

    @property
    def server_ms(self) -> float | None:
        if self.drawing_sent_at is None or self.answer_at is None:
            return None
        return (self.answer_at - self.drawing_sent_at) * 1000
