"""Which process holds a run, and whether that process is still there.

Every process (a server, a CLI run) gets a random token when it starts, and records it with each run
it creates. While it holds runs it renews a lease on the run store (``Registry.renew_lease``) every few
seconds. A run whose process's lease has lapsed was interrupted. A process id alone cannot say so: a
server restarted in a container usually gets the same pid back, and its old runs looked alive forever.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Protocol

# A process that has not renewed its lease for this long is gone. Renewed four times as often, so a
# busy machine (a training step holding the CPU, a slow disk) does not make a live server look gone.
LEASE_SECONDS = 30.0
RENEW_SECONDS = LEASE_SECONDS / 4


@dataclass(frozen=True)
class Holder:
    """A process that holds runs in a store, as its lease records it."""

    token: str
    host: str
    pid: int
    seen_at: float  # when it last renewed its lease (time.time(): leases are compared across processes)


class _ThisProcess:
    """This process's token and host; a forked child is another process and draws its own token."""

    def __init__(self):
        self.token = secrets.token_hex(8)
        self.host = socket.gethostname()


_me = _ThisProcess()


def token() -> str:
    return _me.token


def this_process(now: float | None = None) -> Holder:
    return Holder(_me.token, _me.host, os.getpid(), time.time() if now is None else now)


def alive(holder: Holder | None, now: float | None = None) -> bool:
    """Whether the process behind a lease still runs: it renewed the lease within ``LEASE_SECONDS``.

    On this machine its process table answers at once, without waiting for the lease to lapse: a lease
    with this process's own pid but another token was a process before a restart, and a lease whose pid
    is not running ended with it.
    """
    if holder is None:  # no lease at all: a run from a store made before leases, or a process long gone
        return False
    if holder.token == _me.token:
        return True
    if (time.time() if now is None else now) - holder.seen_at > LEASE_SECONDS:
        return False
    if holder.host == _me.host:
        return holder.pid != os.getpid() and _pid_runs(holder.pid)
    return True


def _pid_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process
        return True
    return True


class Store(Protocol):
    """What the heartbeat renews: ``class_server.registry.Registry``."""

    home: os.PathLike

    def renew_lease(self) -> None: ...


class Heartbeat:
    """One background thread per process renewing its lease on every store it holds runs in.

    Stores are held weakly: a registry nobody uses any more (a finished CLI command's, a test's) is no
    longer renewed, and a store whose folder was removed is dropped.
    """

    def __init__(self, interval: float = RENEW_SECONDS):
        self.interval = interval
        self._stores: weakref.WeakSet[Store] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, store: Store) -> None:
        with self._lock:
            self._stores.add(store)
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="run-store-lease", daemon=True)
                self._thread.start()

    def _beat(self) -> None:
        while True:
            time.sleep(self.interval)
            with self._lock:
                stores = list(self._stores)
            for store in stores:
                if not os.path.isdir(store.home):  # removed (a test's or the bench's throw-away store): let it go
                    with self._lock:
                        self._stores.discard(store)
                    continue
                try:
                    store.renew_lease()
                except Exception:  # a busy or damaged store: the pages say so; the next beat tries again
                    logging.getLogger(__name__).warning("Could not renew the lease on %s", store.home, exc_info=True)


heartbeat = Heartbeat()


def _after_fork() -> None:
    global _me, heartbeat
    _me, heartbeat = _ThisProcess(), Heartbeat()  # the parent's thread does not exist in the child


os.register_at_fork(after_in_child=_after_fork)
