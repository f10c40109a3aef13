"""Every test runs against a throw-away run registry, never the project's runs/, and leaves no Ray process behind."""

import contextlib
import os
import signal
import tempfile
import time

import pytest

os.environ["MNIST_STUDIO_HOME"] = tempfile.mkdtemp(prefix="mnist-studio-tests-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

def ray_processes() -> set[int]:
    """Pids of Ray's processes (raylets, GCS servers, agents, workers) running as us on this machine."""
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
        if owned and ("/site-packages/ray/" in command or command.startswith("ray::")):
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
        for pid in left:  # only processes that appeared during this session, so ours
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(f"Ray processes left running after the tests (now killed): {sorted(left)}", pytrace=False)
