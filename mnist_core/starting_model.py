"""A run's starting model: built while the run waits for its turn on the trainer, and one build at a time.

``models.build_model`` seeds the global random generators, TensorFlow's among them, and seeding
TensorFlow clears its caches of ready kernels and functions: the next chunk of training, whichever
run it belongs to, then sets its graph up again (about 0.1 s of CPU against 0.01 s for the same four
batches; the next validation pays too). Built in the run's own turn, a class pressing Train at once
paid the build and that setup thirty times in a row before the last student's first epoch. Built by
each run's thread before its first turn (``build_ahead``), while no run takes the trainer
(class_server/turns.py), the thirty builds come first, one after another, and then the runs train
with no cache cleared between them.
"""

from __future__ import annotations

import threading

from mnist_core import number_format
from mnist_core.config import TrainConfig
from mnist_core.models import build_model

_ahead = threading.local()  # ``start``: (config, model) for the run this thread trains next
# build_model seeds the global generators, then draws the layers' weights from them: two builds at once,
# in two threads, could each draw from the other's seed and start from weights of neither.
_building = threading.Lock()


def build_ahead(config: TrainConfig) -> None:
    """Build the starting model of the run of ``config`` that this thread trains next (``starting_model``
    takes it). Not when its number format has still to be measured: that is timed on the trainer, in the
    run's turn, and a measurement made now would be timed against the run training meanwhile."""
    choice = number_format.known(config)
    if choice is not None:
        resolved = config.replace(precision=choice.precision)
        _ahead.start = (resolved, build(resolved))


def starting_model(config: TrainConfig):
    """The model ``build_ahead`` made for ``config`` in this thread, else one built now."""
    start, _ahead.start = getattr(_ahead, "start", None), None
    if start is not None and start[0] == config:
        return start[1]
    return build(config)


def build(config: TrainConfig):
    """``models.build_model(config)``, while no other thread builds one."""
    with _building:
        return build_model(config)
