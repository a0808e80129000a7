"""Secrets out of logged URLs (issue 12 §5): the calendar feed's token never appears in Django's request log
(nor the development server's), nor in gunicorn's access and error logs; a client that can send headers
passes the token in `Authorization: Bearer` and the URL carries no secret at all."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

import pytest

from kam.core.logging import REDACTED, RedactSecretsFilter, redact

SH = ZoneInfo("Asia/Shanghai")
TOKEN = "Zx9_secretFeedToken-0123456789ab"


def _everything(record: logging.LogRecord) -> str:
    """All a handler could print of a record: its message and its formatted form with any traceback."""
    return record.getMessage() + logging.Formatter().format(record) + repr(record.args)


def test_redact_hides_the_feed_token_and_query_secrets_only():
    assert redact(f'"GET /engagement/calendar/{TOKEN}.ics HTTP/1.1" 404') == \
        f'"GET /engagement/calendar/{REDACTED}.ics HTTP/1.1" 404'
    assert redact(f"https://kam.example.com/engagement/calendar/{TOKEN}.ics?x=1") == \
        f"https://kam.example.com/engagement/calendar/{REDACTED}.ics?x=1"
    assert redact("https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1") == \
        f"https://oapi.dingtalk.com/robot/send?access_token={REDACTED}&timestamp=1"
    for harmless in ("GET /engagement/calendar/feed.ics", "GET /engagement/calendar/", "GET /api/customers/?page=2"):
        assert redact(harmless) == harmless


@pytest.mark.django_db
def test_the_feed_token_is_in_no_log_record_of_a_request(users, client, caplog):
    """The real request path through Django's handler: a revoked feed's 404 is logged by django.request."""
    from kam.engagement.services import calendar_feed_create, calendar_feed_revoke

    raw = calendar_feed_create(actor=users.am1)
    caplog.set_level(logging.DEBUG)
    assert client.get(f"/engagement/calendar/{raw}.ics").status_code == 200
    calendar_feed_revoke(actor=users.am1)
    assert client.get(f"/engagement/calendar/{raw}.ics").status_code == 404
    assert client.get(f"/engagement/calendar/{raw}.ics?token={raw}").status_code == 404
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged, "django.request logged nothing: the test would prove nothing"
    assert any(f"/engagement/calendar/{REDACTED}.ics" in r.getMessage() for r in logged)
    for record in caplog.records:
        assert raw not in _everything(record), record.name


@pytest.mark.django_db
def test_the_development_servers_log_is_redacted(caplog):
    """django.server (runserver's request log) carries the filter from settings.LOGGING."""
    caplog.set_level(logging.INFO, logger="django.server")
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /engagement/calendar/{TOKEN}.ics HTTP/1.1",
                                            "404", "179")
    record = next(r for r in caplog.records if r.name == "django.server")
    assert TOKEN not in _everything(record) and REDACTED in record.getMessage()


def test_settings_attach_the_filter_to_every_logger_that_logs_urls():
    for name in ("django.request", "django.server", "django.security.csrf"):
        assert any(isinstance(f, RedactSecretsFilter) for f in logging.getLogger(name).filters), name


@pytest.mark.django_db
def test_a_client_that_sends_headers_keeps_the_token_out_of_the_url(users, customer_factory, client, caplog):
    from kam.engagement import services

    c = customer_factory("华美酒店", manager=users.am1)
    services.visit_book(actor=users.am1, customer=c, starts_at=dt.datetime(2026, 12, 3, 10, tzinfo=SH),
                        ends_at=dt.datetime(2026, 12, 3, 11, tzinfo=SH), purpose="送样",
                        now=dt.datetime(2026, 11, 26, 10, tzinfo=SH))
    raw = services.calendar_feed_create(actor=users.am1)
    caplog.set_level(logging.DEBUG)
    response = client.get("/engagement/calendar/feed.ics", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and "华美酒店" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert client.get("/engagement/calendar/feed.ics").status_code == 404
    assert client.get("/engagement/calendar/feed.ics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    services.calendar_feed_revoke(actor=users.am1)
    assert client.get("/engagement/calendar/feed.ics", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
    assert all(raw not in _everything(r) for r in caplog.records)


# --- gunicorn -------------------------------------------------------------------------------------------------


def _gunicorn_logger(tmp_path):
    from gunicorn.config import Config

    from kam.core.logging import RedactingGunicornLogger

    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    cfg.set("logger_class", "kam.core.logging.RedactingGunicornLogger")
    assert cfg.logger_class is RedactingGunicornLogger
    return RedactingGunicornLogger(cfg)


def test_gunicorn_access_and_error_logs_redact_the_token(tmp_path):
    from types import SimpleNamespace

    log = _gunicorn_logger(tmp_path)
    path = f"/engagement/calendar/{TOKEN}.ics"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": f"token={TOKEN}",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "cal",
               "HTTP_REFERER": f"https://kam.example.com{path}"}
    req = SimpleNamespace(headers=[("USER-AGENT", "cal")], method="GET", uri=path, path=path,
                          query=f"token={TOKEN}", version=(1, 1))
    resp = SimpleNamespace(status="404 Not Found", headers=[("Content-Type", "text/html")], sent=179,
                           response_length=179)
    log.access(resp, req, environ, dt.timedelta(milliseconds=3))
    log.error("Error handling request %s", path)
    for handler in (*log.access_log.handlers, *log.error_log.handlers):
        handler.flush()
    access = (tmp_path / "access.log").read_text()
    assert "GET /engagement/calendar/" in access and f"/engagement/calendar/{REDACTED}.ics" in access
    assert TOKEN not in access
    error = (tmp_path / "error.log").read_text()
    assert "Error handling request" in error and TOKEN not in error
    # every atom a custom access_log_format could name is redacted
    atoms = log.atoms(resp, req, environ, dt.timedelta(milliseconds=3))
    assert not [k for k, v in atoms.items() if TOKEN in str(v)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kam_serve_runs_gunicorn_with_the_redacting_logger(tmp_path):
    """The command line `kam serve` execs, on a real gunicorn on 127.0.0.1 (serving a stub WSGI app, no
    database needed): the access log on stdout shows the request without the token."""
    from kam.core.management.commands.serve import gunicorn_argv

    port = _free_port()
    argv = gunicorn_argv("gunicorn", host="127.0.0.1", port=port, workers=1, app="tests.core.stub_wsgi:app")
    assert "kam.core.logging.RedactingGunicornLogger" in argv
    out = tmp_path / "gunicorn.out"
    with open(out, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *argv[1:]], cwd=str(_root()), stdout=sink,
                                stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/engagement/calendar/{TOKEN}.ics"
        status = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback
                    status = r.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                time.sleep(0.25)
                continue
            break
        assert status == 404
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = out.read_text()
    assert f"GET /engagement/calendar/{REDACTED}.ics" in text, text[-2000:]
    assert TOKEN not in text


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]
