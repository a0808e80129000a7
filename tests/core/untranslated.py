"""Untranslated enumeration values in the visible text of the Chinese UI (issue 13: "no internal codes, setting
keys or English enumeration values visible").

What counts as one: an ASCII identifier with `_` or `.` inside it — `after_sales`, `demands.request.closed`,
`floor_price`, `customers.Contact.phone` — standing on its own in the text. Rule ids (A12.1, G.3), numbers,
e-mail addresses and URLs are not. Use it on a page in the browser or on HTML from the test client:

    from tests.core.untranslated import assert_page_translated, untranslated_in_html
    assert_page_translated(page)                      # Playwright: visible text, <details> opened
    assert untranslated_in_html(response.content.decode()) == []
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_.@/\\-])[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)+(?![A-Za-z0-9_@/\\-])")
RULE_ID = re.compile(r"^(?:A\d+(?:\.\d+)?|G\.\d+)$")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?|ftp)://\S+")

#: the page's visible text, every <details> opened first (a table view behind "查看数据表" is text too)
VISIBLE_TEXT_JS = """() => { document.querySelectorAll('details').forEach(d => { d.open = true; });
  return document.body.innerText; }"""


def untranslated(text: str, allow: Iterable[str] = ()) -> list[str]:
    """The identifiers in `text` that look like internal values (see the module docstring), in order."""
    allowed = set(allow)
    text = URL.sub(" ", EMAIL.sub(" ", text))
    return [m.group(0) for m in IDENTIFIER.finditer(text)
            if not RULE_ID.match(m.group(0)) and m.group(0) not in allowed]


class _TextOf(HTMLParser):
    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif not self.skipping:
            self.parts.append(" ")  # block or inline, a tag separates words

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif not self.skipping:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def text_of_html(html: str) -> str:
    """The text a reader sees in `html` (scripts, styles and json_script blocks left out)."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def untranslated_in_html(html: str, allow: Iterable[str] = ()) -> list[str]:
    return untranslated(text_of_html(html), allow)


def untranslated_on_page(page, allow: Iterable[str] = ()) -> list[str]:
    """Playwright: the untranslated identifiers in the page's visible text (details opened)."""
    return untranslated(page.evaluate(VISIBLE_TEXT_JS), allow)


def assert_page_translated(page, allow: Iterable[str] = ()) -> None:
    found = untranslated_on_page(page, allow)
    assert not found, f"untranslated values on {page.url}: {sorted(set(found))}"
