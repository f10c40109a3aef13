"""User text escaped for Markdown renders letter for letter, by CommonMark's rules, which Streamlit's renderer
follows (its bare-address links are checked in the browser: tests/browser/test_lesson_link.py)."""

import html

import pytest
from markdown_it import MarkdownIt

from ui.plain_text import WORD_JOINER, plain

MARKDOWN = MarkdownIt("commonmark").enable(["strikethrough", "table"])
# Streamlit also links bare addresses, as GitHub does; markdown-it needs another package for that, so
# the browser test checks it; here, that nothing of an address is left out but the word joiners.


@pytest.mark.parametrize(
    "text",
    [
        "_best_ run",
        "**64**",
        "[Your teacher says: sign in here](http://evil.example/login)",
        "![image](http://evil.example/x.png) <http://evil.example>",
        "<b>x</b> <script>alert(1)</script>",
        "`code` ~~gone~~ # title | a | b |",
        ":red[alarm] $x^2$ \\ back\\slash &amp;",
        "Run 7 - dropout 0_5",
        "see http://evil.example, www.evil.example or mail a@evil.example",
    ],
)
def test_escaped_text_renders_as_itself(text):
    rendered = MARKDOWN.renderInline(plain(text))
    assert not any(tag in rendered for tag in ("<a", "<img", "<em>", "<strong>", "<code>", "<s>", "<b>", "<script"))
    assert html.unescape(rendered).replace(WORD_JOINER, "") == text
