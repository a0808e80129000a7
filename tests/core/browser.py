"""Shared Playwright set-up: Debian's chromium, launched headless without downloads (ecosystem notes)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--lang=zh-CN", "--accept-lang=zh-CN,zh",  # the users: Chinese browsers (Accept-Language)
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


#: the home page's figures that link to a list: [{key, count, href}]
FIGURES_JS = """() => [...document.querySelectorAll('[data-figure][data-count]')]
  .filter(el => el.getAttribute('href')).map(el => ({key: el.dataset.figure, count: Number(el.dataset.count),
                                                     href: el.getAttribute('href')}))"""

# every visible piece of the top bar (brand, the links standing in the bar, the drop-down labels, the search box,
# the user box)
# is on one line when one horizontal line crosses them all: the lowest top above the highest bottom
BAR_LINES_JS = """() => {
  const bar = document.querySelector('.topbar');
  const pieces = [bar.querySelector('.brand'), bar.querySelector('.userbox'), bar.querySelector('.lang'),
                  bar.querySelector('.navsearch'),
                  ...bar.querySelectorAll('.nav-group.inline > .nav-menu > a'),
                  ...bar.querySelectorAll('.nav-group:not(.inline) > .nav-group-label')]
    .filter(el => el && el.getClientRects().length);
  const rects = pieces.map(el => el.getBoundingClientRect());
  const lowestTop = Math.max(...rects.map(r => r.top)), highestBottom = Math.min(...rects.map(r => r.bottom));
  return {oneLine: lowestTop < highestBottom, height: bar.getBoundingClientRect().height, pieces: pieces.length,
          width: document.documentElement.scrollWidth};
}"""


def login(page, base_url: str, username: str, password: str = "pw-kam-2026") -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
