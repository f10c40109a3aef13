"""Every test runs against a throw-away run registry, never the project's runs/, and leaves no Ray process behind."""

import contextlib
import os
import signal
import tempfile
import time

import pytest

os.environ["MNIST_STUDIO_HOME"] = tempfile.mkdtemp(prefix="mnist-studio-tests-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Ray clusters started by the tests keep their sockets and logs here, which tells their processes apart.
os.environ["RAY_TMPDIR"] = tempfile.mkdtemp(prefix="msray-")


def ray_processes() -> set[int]:
    """Pids of the Ray processes (raylets, GCS servers, agents) of clusters these tests started."""
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as file:
                command = file.read().replace(b"\0", b" ").decode(errors="replace")
            owned = os.stat(entry.path).st_uid == os.getuid()
        except OSError:
            continue
        if owned and "/site-packages/ray/" in command and os.environ["RAY_TMPDIR"] in command:
            found.add(int(entry.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def no_stray_ray_processes():
    """The Ray tests start real clusters; none of their processes may outlive the test session."""
    before = ray_processes()
    yield
    deadline = time.monotonic() + 30
    while (left := ray_processes() - before) and time.monotonic() < deadline:
        time.sleep(0.5)
    if left:
        for pid in left:  # processes of our own clusters only
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(f"Ray processes left running after the tests (now killed): {sorted(left)}", pytrace=False)
