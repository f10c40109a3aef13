"""How many drawings one student may keep in the class's store: ``MNIST_STUDIO_DRAWINGS_PER_STUDENT``.

A cap, so that one student cannot fill the store or outvote the class with hundreds of wrongly labelled
drawings; 200 is far more than a lesson of honest drawing makes. The teacher has none.
"""

from __future__ import annotations

import os

SETTING = "MNIST_STUDIO_DRAWINGS_PER_STUDENT"
DEFAULT_DRAWINGS_PER_STUDENT = 200


def drawings_per_student() -> int:
    """The setting if it is a whole number of at least 1, else the default (a typo must not lift the cap)."""
    try:
        value = int(os.environ.get(SETTING) or DEFAULT_DRAWINGS_PER_STUDENT)
    except ValueError:
        return DEFAULT_DRAWINGS_PER_STUDENT
    return value if value >= 1 else DEFAULT_DRAWINGS_PER_STUDENT
