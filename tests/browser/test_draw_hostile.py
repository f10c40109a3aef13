"""A student with the developer tools: a canvas picture that claims 12,000 x 12,000 pixels, sent three times.

The server refuses it before decoding (its memory stays low), that student gets a calm message, and
another student's drawing is still answered within 5 s.
"""

from __future__ import annotations

import base64
import re
import struct
import threading
import time
import zlib

from helpers import (
    assert_no_exception,
    canvas_box,
    mouse_stroke,
    open_page,
    process_tree,
    rss_kb,
    screenshot,
    stroke_points,
    wait_for_app,
)

SIDE = 12_000
MAX_RSS_MB = 1_500
ANSWER_WITHIN_S = 5


def bomb_png(side: int = SIDE) -> bytes:
    """A valid PNG of ``side`` x ``side`` black RGBA pixels: under 1 MB, gigabytes once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + 4 * side)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    return sum(rss_kb(p) for p in process_tree(pid)) / 1024


class PeakMemory(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, tree_rss_mb(self.pid))


def draw_a_one(page, cdp) -> None:
    mouse_stroke(cdp, stroke_points(canvas_box(page), (0.5, 0.15)))


def test_a_crafted_huge_canvas_picture_is_refused_and_the_class_goes_on(browser, fresh_app_server):
    """On a server of its own, so its memory is this test's alone (the shared one has trained many runs)."""
    app_server = fresh_app_server
    url = "data:image/png;base64," + base64.b64encode(bomb_png()).decode()
    hostile_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    other_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    memory = PeakMemory(app_server.pid)
    try:
        hostile, other = hostile_context.new_page(), other_context.new_page()
        open_page(hostile, app_server, "/draw")
        open_page(other, app_server, "/draw")
        hostile.evaluate("url => { HTMLCanvasElement.prototype.toDataURL = () => url; }", url)
        hostile_cdp, other_cdp = hostile_context.new_cdp_session(hostile), other_context.new_cdp_session(other)
        memory.start()
        refused = hostile.get_by_text(re.compile(rf"The drawing arrived as {SIDE}x{SIDE} pixels"))
        for _ in range(3):
            draw_a_one(hostile, hostile_cdp)
            refused.first.wait_for(timeout=30_000)
            wait_for_app(hostile)
            assert_no_exception(hostile)
            hostile.get_by_role("button", name="Clear").click()
            wait_for_app(hostile)
        screenshot(hostile, "draw-hostile-refused") if refused.count() else None

        draw_a_one(hostile, hostile_cdp)  # a fourth, while another student draws
        started = time.monotonic()
        draw_a_one(other, other_cdp)
        other.get_by_text(re.compile(r"Prediction: \d")).first.wait_for(timeout=30_000)
        answered_in = time.monotonic() - started
        assert answered_in < ANSWER_WITHIN_S, f"the other student waited {answered_in:.1f} s"
        assert_no_exception(other)
        refused.first.wait_for(timeout=30_000)
        screenshot(hostile, "draw-hostile-refused")
    finally:
        memory.done.set()
        hostile_context.close()
        other_context.close()
    print(f"server peak RSS during the crafted pictures: {memory.peak:.0f} MB")
    assert 0 < memory.peak < MAX_RSS_MB, f"server peak RSS {memory.peak:.0f} MB"
