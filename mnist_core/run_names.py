"""What a run may be called: the one rule the registry checks, the CLI's help, the pages' text boxes and the
dropout study's generated names all follow."""

from __future__ import annotations

import re

from mnist_core.errors import RegistryError

NAME_LIMIT = 64  # characters: a name fits a table column and a file listing
NAME_RULE = f"letters, digits, spaces, '-' and '_', at most {NAME_LIMIT} characters"
_NAME = re.compile(rf"[A-Za-z0-9 _-]{{1,{NAME_LIMIT}}}")
_SHOWN = 70  # a refused name is quoted back at most this long


def validate_run_name(name: str) -> str:
    """The name without surrounding spaces, or RegistryError saying what a name may hold.

    Only ASCII is allowed, so that a name looks the same in every terminal and file listing.
    """
    cleaned = name.strip() if isinstance(name, str) else ""
    if not _NAME.fullmatch(cleaned):
        shown = name if not isinstance(name, str) or len(name) <= _SHOWN else name[: _SHOWN - 3] + "..."
        raise RegistryError(
            f"The run name {shown!r} is not allowed: use {NAME_RULE} (plain ASCII: no accents or other scripts)."
        )
    return cleaned
