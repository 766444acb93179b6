"""Safe Markdown rendering: markdown-it-py for parsing, nh3 as the allow-list sanitizer."""

from __future__ import annotations

import html as html_module
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre",
    "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default" disables raw HTML and validates link schemes; nh3 is the second fence.
    return MarkdownIt("js-default").enable("table")


def render_markdown(source: str | None) -> Markup:
    """Render user Markdown to HTML that is safe to insert into a page."""
    if not source:
        return Markup("")
    html = _parser().render(source)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above


_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|pre|tr|table)>|<br\s*/?>|<hr\s*/?>", re.I)


# Where Markdown could mark something up: a character that starts inline markup, an entity or
# HTML (or that the parser replaces, or that ends a line), or a line that could start a block (a
# list, quote, heading, rule, table or code). Text without any of these is its own plain text.
# Two patterns, the second tried only at the lines' starts: one pattern with line anchors is
# tried at every character, four times slower.
_MARKUP_CHARACTER = re.compile(r"[\\`*_\[\]<>&|~#\r\0\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_BLOCK_START = re.compile(r"[ \t]*(?:[-+=>]|\d{1,9}[.)])| {4}|\t")


def _is_plain(source: str) -> bool:
    return _MARKUP_CHARACTER.search(source) is None and not any(
        map(_BLOCK_START.match, source.split("\n"))
    )


def markdown_to_text(source: str | None) -> str:
    """Markdown as the words a reader sees: no link syntax, no asterisks, no tags.

    Used for search snippets and feed summaries, which are plain text, and for every case the
    search index holds (most texts have no markup at all, and then need no rendering).
    """
    if not source:
        return ""
    text = source if _is_plain(source) else rendered_text(source)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def rendered_text(source: str) -> str:
    """The text of Markdown rendered to HTML, its tags left out and its entities read."""
    html = _BLOCK_END.sub("\n", _parser().render(source))
    return html_module.unescape(nh3.clean(html, tags=set()))


# Characters XML 1.0 forbids even when escaped (most C0 controls, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """Text that may stand in an XML document once escaped (the escaping is Jinja's)."""
    return _NOT_XML.sub("", "" if value is None else str(value))
