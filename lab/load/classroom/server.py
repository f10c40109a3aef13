"""The app server under load: started in a throw-away run store, its process tree's memory (VmRSS)
and CPU sampled every second beside this script's own children (the driver and Chromium), and the
store's size on disk at the end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

from lab.app_server import PROJECT_DIR, AppServer, start_app
from lab.chromium import process_tree, rss_kb

# git-ignored: the summaries, the server's logs, screenshots and the server's speed file
ARTIFACTS_DIR = PROJECT_DIR / "lab" / "artifacts" / "load"
STARTUP_TIMEOUT_S = 90
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def thread_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


class Sampler:
    """Every second: the server tree's RSS and CPU, and this script's other children (driver + Chromium)."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.samples: list[dict] = []
        self._stop = asyncio.Event()
        self._cpu_seen: dict[int, int] = {}  # per-pid ticks already counted, so dead children are not lost

    def _tree_cpu(self, pids: list[int]) -> float:
        total = 0
        for pid in pids:
            ticks = cpu_ticks(pid)
            total += max(0, ticks - self._cpu_seen.get(pid, 0))  # a new process: all its time is new
            self._cpu_seen[pid] = ticks
        return total / CLK_TCK

    async def run(self) -> None:
        last = time.monotonic()
        busy_last, total_last = machine_ticks()
        server_tree = process_tree(self.server_pid)
        for pid in process_tree(os.getpid()):
            self._cpu_seen[pid] = cpu_ticks(pid)
        while not self._stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=1.0)
            now = time.monotonic()
            elapsed = max(now - last, 1e-3)
            last = now
            server_tree = process_tree(self.server_pid)
            others = [p for p in process_tree(os.getpid()) if p not in server_tree and p != os.getpid()]
            busy, total = machine_ticks()
            machine_busy = (busy - busy_last) / max(total - total_last, 1) * (os.cpu_count() or 1)
            busy_last, total_last = busy, total
            self.samples.append(
                {
                    "t": now,
                    "server_rss_mb": sum(rss_kb(p) for p in server_tree) / 1024,
                    "server_cpu": self._tree_cpu(server_tree) / elapsed,  # 1.0 = one core busy
                    "server_threads": sum(thread_count(p) for p in server_tree),
                    "client_rss_mb": sum(rss_kb(p) for p in others) / 1024,
                    "client_cpu": self._tree_cpu(others) / elapsed,
                    "machine_cpu": machine_busy,  # all processes on the machine, in cores
                    "load1": float(loadavg().split()[0]),
                }
            )

    def stop(self) -> None:
        self._stop.set()


async def start_server(home: str, log_path: Path, started_by: str) -> AppServer:
    server = start_app(
        log_path,
        env={
            "MNIST_STUDIO_HOME": home,
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            # Kept between runs as a server's runs/ folder keeps it: the speed is measured once a day (the
            # suite's own file, with typical rates, when the bench runs under pytest).
            "MNIST_STUDIO_RATES_FILE": os.environ.get("MNIST_STUDIO_RATES_FILE")
            or str(ARTIFACTS_DIR / "machine_rates.json"),
        },
        like_make_run=started_by == "make run",
    )
    try:
        await asyncio.to_thread(server.wait_healthy, STARTUP_TIMEOUT_S)
    except RuntimeError:
        server.stop()
        raise
    return server


def store_mb(home: str) -> float:
    """The run store's size on disk: its database, models and drawings."""
    return sum(f.stat().st_size for f in Path(home).rglob("*") if f.is_file()) / 2**20
