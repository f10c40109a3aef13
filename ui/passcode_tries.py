"""Wrong teacher passcodes, counted per whoever tried them, over a sliding minute.

Kept apart from Streamlit so the counting can be tested on its own: ``ui.resources`` says who tried
(the keys) and when a try happened (a submitted sign-in form, never a rerun of the page).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class PasscodeTries:
    """At most ``limit`` wrong passcodes per key in any ``window_s`` seconds: enough for typos, far too few
    to guess. A try is charged to every key given (a browser, its device), so changing one of them does not
    buy more tries. Tries older than the window are forgotten, keys and all, so the map stays small however
    many browsers come and go."""

    limit: int = 5
    window_s: float = 60.0
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, keys: Iterable[str], now: float | None = None) -> int:
        """Seconds before the next try is allowed for all of ``keys`` (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget_old(now)
            waits = [
                self.window_s - (now - recent[-self.limit])
                for key in keys
                if len(recent := self._failures.get(key, [])) >= self.limit
            ]
        return max(1, math.ceil(max(waits))) if waits else 0

    def record(self, keys: Iterable[str], now: float | None = None) -> None:
        """One wrong passcode, charged to each of ``keys``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget_old(now)
            for key in set(keys):
                self._failures.setdefault(key, []).append(now)

    def _forget_old(self, now: float) -> None:
        for key in list(self._failures):
            recent = [t for t in self._failures[key] if now - t < self.window_s]
            if recent:
                self._failures[key] = recent
            else:
                del self._failures[key]
