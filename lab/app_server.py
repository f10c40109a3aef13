"""The app (`streamlit run app.py`) as a child process on a free local port: start, wait, stop.

The bench times its cold start; the browser tests and the classroom load test drive it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


class AppServer:
    def __init__(self, process: subprocess.Popen, url: str, started: float, log_path: Path):
        self.process, self.url, self.started, self.log_path = process, url, started, log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def seconds(self) -> float:
        """Seconds since the server was launched."""
        return time.perf_counter() - self.started

    def wait_healthy(self, timeout: float = 120) -> float:
        """Wait until /_stcore/health answers ok; the seconds since launch, or RuntimeError with the log's end."""
        deadline = self.started + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"The app server exited with code {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        return self.seconds()
            if time.perf_counter() > deadline:
                raise RuntimeError(f"The app server was not healthy after {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"

    def stop(self) -> None:
        """SIGTERM to the server's process group (it runs in a session of its own), SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


# The environment `make run` serves the app with, so the bench, the browser tests and the load test measure
# the same server. glibc gives threads up to 8 heaps (arenas) per core, each keeping its own freed memory;
# Streamlit runs every script in a new thread, for every student's every click, so a class soon has 16
# heaps holding freed tensors. With two, 16 training runs after 30 students had drawn left the server at
# 996 MB instead of 1,103 MB. The app also asks for two itself when its first page runs
# (mnist_core/memory.py), which keeps the heaps already made by then: the load test's --started-by
# "streamlit run" measures a server started without this.
SERVER_ENV = {"MALLOC_ARENA_MAX": "2"}


def start_app(log_path: Path, env: dict[str, str] | None = None, like_make_run: bool = True) -> AppServer:
    """Launch the app on a free port of 127.0.0.1, its output going to ``log_path``; ``env`` is added to ours,
    and to what ``make run`` sets unless ``like_make_run`` is False (a plain ``streamlit run app.py``)."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env={**os.environ, **(SERVER_ENV if like_make_run else {}), "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return AppServer(process, f"http://127.0.0.1:{port}", started, Path(log_path))


@contextlib.contextmanager
def running_app(log_path: Path, env: dict[str, str] | None = None):
    """``start_app`` for the length of a ``with`` block; the server is stopped however the block ends."""
    server = start_app(log_path, env)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def app_on(home: Path):
    """The app with ``home`` as its MNIST_STUDIO_HOME (its log inside), once it answers its health check."""
    with running_app(home / "server.log", env={"MNIST_STUDIO_HOME": str(home)}) as server:
        server.wait_healthy(60)
        yield server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
