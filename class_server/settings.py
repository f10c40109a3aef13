"""Numbers the teacher sets through the environment (``MNIST_STUDIO_...``), read one way."""

from __future__ import annotations

import os


def number_setting(name: str, default, kind: type, lowest):
    """The environment's ``name`` as a ``kind`` (int or float) of at least ``lowest``, else ``default``: a
    mistyped setting falls back to its default rather than lifting a limit or stopping the server (a NaN
    is below every bound, so it falls back too)."""
    try:
        value = kind(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value >= lowest else default
