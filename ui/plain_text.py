"""Text that came from a person (run names, file names, a link's values) shown as typed, inside Markdown.

Streamlit renders most text as Markdown: a run called ``_best_`` would show in italics, and a lesson
link could put a working outside link, ``[sign in here](http://...)``, inside the app's own warning.
"""

from __future__ import annotations

import re

# Every ASCII punctuation mark: CommonMark shows a backslash-escaped one as itself. That covers
# emphasis, links, images, HTML, code, and Streamlit's :color[...] and $math$.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub-flavoured Markdown also links bare addresses ("http://...", "www.x.org", "a@b.org") after the
# escapes are read, so an invisible word joiner goes where each would begin to match.
_BARE_ADDRESS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: str) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it letter for letter (with word joiners, which
    show as nothing, inside bare addresses)."""
    joined = _BARE_ADDRESS.sub(WORD_JOINER, str(text))
    return _PUNCTUATION.sub(r"\\\1", joined)
