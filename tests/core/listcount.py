"""How many rows a list page shows, read the way a person would (issue 13: "the home page's figures equal what
the linked lists count"). Works on the shared list component and on the older lists alike:

1. the list's total ("共 N 条", "共 N 项" in an element with class `total`);
2. a URL fragment naming a section of a page without a total (/my-day/#overdue): the items (.obl) in it;
3. a total in the page's text ("共 N 个大客户");
4. otherwise the rows of the first table in the page, an "empty" row (one cell spanning the table) not counted.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_TOTAL = re.compile(r"共\s*(\d+)\s*(?:条|项|个)")


def list_count(page) -> int:
    total = page.locator("main .total")
    if total.count():
        match = _TOTAL.search(total.first.inner_text())
        assert match, f"unreadable total on {page.url}: {total.first.inner_text()!r}"
        return int(match.group(1))
    fragment = urlsplit(page.url).fragment
    if fragment and page.locator(f"#{fragment}").count():
        return page.locator(f"#{fragment} .obl").count()
    match = _TOTAL.search(page.inner_text("main"))
    if match:
        return int(match.group(1))
    return page.evaluate("""() => {
      const table = document.querySelector('main table');
      if (!table) return 0;
      return [...table.querySelectorAll('tbody tr')].filter(tr => {
        const cells = tr.querySelectorAll('td');
        return !(cells.length === 1 && cells[0].colSpan > 1);
      }).length; }""")
