"""`kam screenshots`: every role's home page from the demo data, desktop (1366×900) and phone (390×844), as PNG
files under docs/screenshots/ (issue 13).

1. The command re-runs itself in a child process on a throwaway SQLite database in a temporary directory (debug
   settings, fresh field keys, two-factor authentication off), so it never touches a real database.
2. The child migrates, loads the demo (`kam.demo.data.load_demo`), serves the site on 127.0.0.1 from a thread
   (static files from the apps' folders), logs in as each demo user in Debian's Chromium through Playwright and
   saves the whole page once the charts are drawn.
3. The temporary directory is removed at the end.

Playwright (a development dependency) and Debian's `chromium` must be installed; nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

HOST = "127.0.0.1"
#: (demo user, file name) — one per role
ROLES = [("head", "head-of-sales"), ("mgmt", "management"), ("am1", "account-manager"), ("svc", "after-sales"),
         ("mkt", "marketing"), ("fin", "finance"), ("admin", "administrator")]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--lang=zh-CN", "--accept-lang=zh-CN,zh", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--hide-scrollbars", "--font-render-hinting=none"]


def run(*, out_dir: Path, stdout: TextIO, roles: list[str] | None = None) -> list[Path]:
    """The parent: a temporary directory, the child on it, the directory removed."""
    from cryptography.fernet import Fernet

    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kam-screenshots-"))
    try:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}", "KAM_DEBUG": "1",
               "KAM_VAR_DIR": str(tmp), "KAM_FIELD_KEYS": Fernet.generate_key().decode(),
               "KAM_OTP_REQUIRED_ROLES": "", "KAM_ALLOWED_HOSTS": f"{HOST},localhost",
               "DJANGO_SETTINGS_MODULE": "kam.settings", "KAM_LOG_LEVEL": "WARNING"}
        env.pop("KAM_HTTPS", None)
        argv = [sys.executable, "-m", "kam.cli", "screenshots", "--inner", "--out", str(out_dir)]
        for role in roles or ():
            argv += ["--role", role]
        subprocess.run(argv, env=env, check=True, stdout=stdout, stderr=subprocess.STDOUT)  # noqa: S603
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(out_dir.glob("home-*.png"))


def inner(*, out_dir: Path, stdout: TextIO, roles: list[str] | None = None) -> None:
    """The child (on the throwaway database): demo data, a server thread, the screenshots."""
    from django.core.management import call_command

    from kam.demo.data import DEMO_PASSWORD, load_demo

    call_command("migrate", verbosity=0)
    load_demo(stdout=stdout)
    server, port = _serve()
    try:
        _shoot(base=f"http://{HOST}:{port}", out_dir=out_dir, password=DEMO_PASSWORD, stdout=stdout,
               roles=roles)
    finally:
        server.shutdown()
        server.server_close()


def _serve():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    server = ThreadedWSGIServer((HOST, port), QuietHandler, allow_reuse_address=True)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def _shoot(*, base: str, out_dir: Path, password: str, stdout: TextIO, roles: list[str] | None) -> None:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop in this thread; the server has its own
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            for username, name in ROLES:
                if roles and username not in roles and name not in roles:
                    continue
                for kind, viewport in VIEWPORTS.items():
                    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                                  is_mobile=kind == "phone", has_touch=kind == "phone")
                    page = context.new_page()
                    page.goto(f"{base}/login/")
                    page.fill("#id_username", username)
                    page.fill("#id_password", password)
                    page.click("button[type=submit]")
                    page.wait_for_url(lambda url: "/login/" not in url)
                    page.goto(f"{base}/")
                    page.wait_for_load_state("networkidle")
                    charts = page.locator("[data-kchart]")
                    for i in range(charts.count()):
                        charts.nth(i).locator("svg").first.wait_for(timeout=10_000)
                    path = out_dir / f"home-{name}-{kind}.png"
                    page.screenshot(path=str(path), full_page=True)
                    stdout.write(f"{path}\n")
                    context.close()
        finally:
            browser.close()
