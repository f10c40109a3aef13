"""Who trains now when runs share the server's trainers: the students' turns, in round robin by trainer time.

The job manager (class_server/jobs.py) runs each run in a thread of its own; the thread asks ``Turns`` for a
trainer before its first turn and after each pause (``jobs._RunTurn``), and gives it back with the seconds it
trained.
"""

from __future__ import annotations

import threading


class Turns:
    """Who may train now: at most ``trainers`` runs at once; the others wait, and the next to go is the
    waiting run of the student who has had the least trainer time (their earliest run first), so every
    student's first run starts before anyone's second, and a student with a long run shares with the rest.
    At a tie, a run that has not started goes first: a student who just pressed Train soon sees an epoch.
    Before the trainer time counts, a run still to finish its first epoch goes before runs that have finished
    one (for its first ``jobs.FIRST_EPOCH_SECONDS`` on the trainer), so nobody's second epoch comes before
    another student's first.

    A student who comes back to the queue starts level with the least-served student waiting, not at zero,
    so time they did not use earlier buys no priority now.
    """

    def __init__(self, trainers: int):
        self.trainers = trainers
        self._lock = threading.Condition()
        self._holding: set[int] = set()
        self._waiting: dict[int, str | None] = {}  # run: its owner
        self._started: set[int] = set()  # runs that have had a turn
        # Runs building their model before their first turn. Nobody takes the trainer meanwhile: a build
        # clears TensorFlow's caches (mnist_core/starting_model.py), and the run training would set its graph
        # up again after each. So a class pressing at once builds first, then trains with no more builds.
        self._preparing: set[int] = set()
        self._hurry: set[int] = set()  # runs asked to stop: they go next, to end cleanly
        self._first: set[int] = set()  # runs still to finish their first epoch (and not long at it)
        self._owners: dict[int, str | None] = {}
        self._used: dict[str | None, float] = {}  # trainer seconds per student while they have runs here

    def join(self, run_id: int, owner: str | None) -> None:
        """A new run waits for its first turn."""
        with self._lock:
            if not any(o == owner for o in self._owners.values()):
                level = min((self._used.get(o, 0.0) for o in self._owners.values()), default=0.0)
                self._used[owner] = max(self._used.get(owner, 0.0), level)
            self._owners[run_id] = owner
            self._waiting[run_id] = owner
            self._first.add(run_id)
            self._lock.notify_all()

    def take(self, run_id: int) -> bool:
        """Wait for this run's turn; False if it left the queue meanwhile (stopped before it started)."""
        with self._lock:
            while run_id in self._waiting and not self._may_take(run_id):
                self._lock.wait()
            if run_id not in self._waiting:
                return False
            del self._waiting[run_id]
            self._holding.add(run_id)
            self._started.add(run_id)
            return True

    def preparing(self, run_id: int, now: bool) -> None:
        """This run, waiting for its first turn, starts (``now``) or ends building its model."""
        with self._lock:
            if now:
                self._preparing.add(run_id)
            else:
                self._preparing.discard(run_id)
                self._lock.notify_all()

    def give_back(self, run_id: int, seconds: float, again: bool, first: bool = False) -> None:
        """End this run's turn after ``seconds`` on the trainer; ``again``: it waits for another turn;
        ``first``: it is still to finish its first epoch, and keeps going before runs that have finished one."""
        with self._lock:
            self._holding.discard(run_id)
            if not first:
                self._first.discard(run_id)
            owner = self._owners[run_id]
            self._used[owner] = self._used.get(owner, 0.0) + seconds
            if again:
                self._waiting[run_id] = owner
            else:
                self._forget(run_id)
            self._lock.notify_all()

    def drop(self, run_id: int) -> bool:
        """Take a run that has not started out of the queue; False if it has started."""
        with self._lock:
            if run_id in self._started or run_id not in self._waiting:
                return False
            del self._waiting[run_id]
            self._forget(run_id)
            self._lock.notify_all()
            return True

    def hurry(self, run_id: int) -> None:
        """A run asked to stop takes the next turn, to end and keep its model."""
        with self._lock:
            self._hurry.add(run_id)
            self._lock.notify_all()

    def others_waiting(self, run_id: int) -> bool:
        with self._lock:
            return any(other != run_id for other in self._waiting)

    def place(self, run_id: int) -> int | None:
        """1 for the next run to start among those that have not started; None once started (or gone)."""
        with self._lock:
            if run_id in self._started or run_id not in self._waiting:
                return None
            order = sorted((r for r in self._waiting if r not in self._started), key=self._priority)
            return order.index(run_id) + 1

    def _may_take(self, run_id: int) -> bool:
        return len(self._holding) < self.trainers and not self._preparing and self._next() == run_id

    def _next(self) -> int | None:
        return min(self._waiting, key=self._priority, default=None)

    def _priority(self, run_id: int) -> tuple:
        """Stopping runs first; then runs whose student has no other run under way; then runs still to finish a
        first epoch; then the least-served student; at a tie a run yet to start; then the oldest."""
        owner = self._waiting[run_id]
        under_way = sum(1 for r in self._started if r != run_id and self._owners[r] == owner)
        used = self._used.get(owner, 0.0)
        return (run_id not in self._hurry, under_way, run_id not in self._first, used, run_id in self._started, run_id)

    def _forget(self, run_id: int) -> None:
        owner = self._owners.pop(run_id)
        self._hurry.discard(run_id)
        self._first.discard(run_id)
        self._started.discard(run_id)
        if not any(o == owner for o in self._owners.values()):
            self._used.pop(owner, None)  # they start level with the class when they come back
