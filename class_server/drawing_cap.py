"""How many drawings one student may keep in the class's store: ``MNIST_STUDIO_DRAWINGS_PER_STUDENT``.

A cap, so that one student cannot fill the store or outvote the class with hundreds of wrongly labelled
drawings; 200 is far more than a lesson of honest drawing makes. The teacher has none.
"""

from __future__ import annotations

from class_server.settings import number_setting

SETTING = "MNIST_STUDIO_DRAWINGS_PER_STUDENT"
DEFAULT_DRAWINGS_PER_STUDENT = 200


def drawings_per_student() -> int:
    """The setting if it is a whole number of at least 1, else the default (a typo must not lift the cap)."""
    return number_setting(SETTING, DEFAULT_DRAWINGS_PER_STUDENT, int, 1)
