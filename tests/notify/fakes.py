"""Local stand-ins for the vendors, for tests: nothing here ever talks to WeCom, DingTalk, Feishu or a real mail relay.

`RobotReceiver` is one threaded HTTP server on 127.0.0.1 (ephemeral port) that speaks the four webhook / API
protocols the channel clients use, verifies keys, tokens and signatures like the vendors do (G.5: a robot
with a wrong secret is refused, so a misconfiguration is caught in tests), and records what it accepted::

    from kam.notify.channels import Message, send_dingtalk_robot
    from tests.notify.fakes import RobotReceiver

    with RobotReceiver() as rx:
        send_dingtalk_robot(rx.dingtalk_url(), rx.dingtalk_secret(), Message("标题", "正文"))
        [hit] = rx.messages("dingtalk")
        assert hit["target"] == rx.dingtalk_token and hit["title"] == "标题"

Every accepted message is a dict in `rx.received`::

    {"channel": "wecom_robot" | "wecom_app" | "dingtalk" | "feishu",
     "target": robot key | WeCom userid(s) | DingTalk access_token | Feishu hook token,
     "title": the message title as the protocol carries it,
     "text": the whole body as the vendor would show it (markdown / description / text),
     "raw": the JSON payload as received}

Refused requests are in `rx.rejected` (`{"channel", "code", "reason"}`). Failure controls, all thread-safe:
`rx.down = True` (HTTP 503 for everything), `rx.fail_next(n)` (503, or a dropped connection with
`close=True`, for the next n requests), `rx.rate_limit_next(n)` (the vendor's rate-limit code for the next n
messages), `rx.delay = seconds` (answer late, for client timeouts), `rx.expire_wecom_tokens()` (WeCom
answers 42001 for the tokens issued so far).

`SmtpReceiver` is a local SMTP server (aiosmtpd) on 127.0.0.1 that keeps `.messages` (EmailMessage) and
`.envelopes`; it can require a login, offer STARTTLS or implicit TLS with a throw-away certificate, refuse
recipients, answer 451 for the next n messages, and go `.down` (stop listening) and up again on the same port.
"""

from __future__ import annotations

import base64
import email
import email.message
import email.policy
import hashlib
import hmac
import json
import logging
import secrets
import socket
import ssl
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["RobotReceiver", "SmtpReceiver"]

DEFAULT_WECOM_KEY = "wecom-test-key-0001"
DEFAULT_CORP_ID = "ww-test-corp"
DEFAULT_CORP_SECRET = "wecom-test-corp-secret"
DEFAULT_AGENT_ID = 1000002
DEFAULT_DINGTALK = {"dingtalk-test-token": "SECdingtalk-test-secret"}
DEFAULT_FEISHU = {"feishu-test-hook": "feishu-test-secret"}
SIGN_WINDOW_S = 3600  # DingTalk and Feishu accept timestamps within one hour of their clock

FEISHU_PREFIX = "/open-apis/bot/v2/hook/"
FEISHU_BAD_SIGN = "sign match fail or timestamp is not within one hour from current time"
RATE_LIMITS = {
    "wecom_robot": ("errcode", 45009, "errmsg", "api freq out of limit"),
    "wecom_app": ("errcode", 45009, "errmsg", "api freq out of limit"),
    "dingtalk": ("errcode", 130101, "errmsg", "send too fast, exceed 20 times per minute"),
    "feishu": ("code", 9499, "msg", "too many request"),
}


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip()


class _Handler(BaseHTTPRequestHandler):
    receiver: RobotReceiver  # set on the per-receiver subclass
    server_version = "kam-test-vendor/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        """Silent: request lines carry keys and tokens (G.5)."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        rx = self.receiver
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        route = rx._route(method, parts.path)
        action = rx._admit(route)
        if rx.delay > 0:
            rx._stopping.wait(rx.delay)
        if action == "close":
            self.close_connection = True
            return
        if action == "503":
            self._reply(503, b"Service Unavailable", "text/plain; charset=utf-8")
            return
        if route is None:
            self._reply(404, b"Not Found", "text/plain; charset=utf-8")
            return
        if action == "ratelimit":
            code_key, code, msg_key, msg = RATE_LIMITS[route]
            rx._reject(route, code, msg)
            self._json({code_key: code, msg_key: msg})
            return
        self._json(rx._dispatch(route, parts.path, query, body))

    def _json(self, answer: dict) -> None:
        self._reply(200, json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _reply(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class RobotReceiver:
    """WeCom robot + WeCom app API + DingTalk robot + Feishu bot, on one local HTTP server (see module doc).

    Configure who is valid with the keyword arguments (defaults work out of the box):
    `wecom_keys` (robot keys), `corp_id`/`corp_secret`/`agent_id` (WeCom app), `wecom_users` (known
    userids; None = any), `token_ttl` (seconds a WeCom access token lives), `dingtalk_robots` and
    `feishu_robots` ({token: secret}; an empty secret means "no signature required").
    """

    def __init__(
        self,
        *,
        wecom_keys: Iterable[str] = (DEFAULT_WECOM_KEY,),
        corp_id: str = DEFAULT_CORP_ID,
        corp_secret: str = DEFAULT_CORP_SECRET,
        agent_id: int = DEFAULT_AGENT_ID,
        wecom_users: Iterable[str] | None = None,
        token_ttl: int = 7200,
        dingtalk_robots: Mapping[str, str] | None = None,
        feishu_robots: Mapping[str, str] | None = None,
        feishu_legacy: bool = False,
        host: str = "127.0.0.1",
    ):
        self.wecom_keys = list(wecom_keys)
        self.corp_id = corp_id
        self.corp_secret = corp_secret
        self.agent_id = int(agent_id)
        self.wecom_users = None if wecom_users is None else set(wecom_users)
        self.token_ttl = int(token_ttl)
        self.dingtalk_robots = dict(DEFAULT_DINGTALK if dingtalk_robots is None else dingtalk_robots)
        self.feishu_robots = dict(DEFAULT_FEISHU if feishu_robots is None else feishu_robots)
        self.feishu_legacy = feishu_legacy  # answer like the old API: {"StatusCode": 0, ...}
        self.host = host

        self.received: list[dict] = []
        self.rejected: list[dict] = []
        self.requests = 0  # every HTTP request, including failed ones
        self.token_requests = 0  # successful /cgi-bin/gettoken calls
        self.down = False
        self.delay = 0.0

        self._lock = threading.RLock()
        self._fail_next: list[str] = []
        self._rate_limit_next = 0
        self._tokens: dict[str, float] = {}  # WeCom access token -> monotonic deadline
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> RobotReceiver:
        """Listen on an ephemeral port of 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        handler = type("RobotReceiverHandler", (_Handler,), {"receiver": self})
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self.host, 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="RobotReceiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> RobotReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("RobotReceiver is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` — also the `base_url` for WeComAppClient."""
        return f"http://{self.host}:{self.port}"

    # -- addresses and credentials for the clients --------------------------------------------------

    @property
    def wecom_key(self) -> str:
        return self.wecom_keys[0]

    @property
    def dingtalk_token(self) -> str:
        return next(iter(self.dingtalk_robots))

    @property
    def feishu_token(self) -> str:
        return next(iter(self.feishu_robots))

    def wecom_robot_url(self, key: str | None = None) -> str:
        """The WeCom group robot webhook URL for `key` (default: the first configured key)."""
        key = self.wecom_key if key is None else key
        return f"{self.base_url}/cgi-bin/webhook/send?key={urllib.parse.quote(key, safe='')}"

    def dingtalk_url(self, token: str | None = None) -> str:
        """The DingTalk robot webhook URL for `token` (default: the first configured robot)."""
        token = self.dingtalk_token if token is None else token
        return f"{self.base_url}/robot/send?access_token={urllib.parse.quote(token, safe='')}"

    def dingtalk_secret(self, token: str | None = None) -> str:
        return self.dingtalk_robots[self.dingtalk_token if token is None else token]

    def feishu_url(self, token: str | None = None) -> str:
        """The Feishu bot webhook URL for `token` (default: the first configured bot)."""
        token = self.feishu_token if token is None else token
        return f"{self.base_url}{FEISHU_PREFIX}{urllib.parse.quote(token, safe='')}"

    def feishu_secret(self, token: str | None = None) -> str:
        return self.feishu_robots[self.feishu_token if token is None else token]

    def wecom_app(self, **kwargs: Any):
        """A WeComAppClient client pointed at this receiver with the configured corp id, agent id and secret."""
        from kam.notify.channels.wecom import WeComAppClient

        return WeComAppClient(self.corp_id, self.agent_id, self.corp_secret, self.base_url, **kwargs)

    # -- controls and inspection --------------------------------------------------------------------

    def fail_next(self, n: int = 1, *, close: bool = False) -> None:
        """Answer HTTP 503 (or drop the connection without an answer, `close=True`) to the next `n` requests."""
        with self._lock:
            self._fail_next.extend(["close" if close else "503"] * n)

    def rate_limit_next(self, n: int = 1) -> None:
        """Answer the vendor's rate-limit code (45009 / 130101 / 9499) to the next `n` messages."""
        with self._lock:
            self._rate_limit_next += n

    def expire_wecom_tokens(self) -> None:
        """Make every WeCom access token issued so far expired: the next send with one answers 42001."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = 0.0

    def messages(self, channel: str | None = None, target: str | None = None) -> list[dict]:
        """A snapshot of `received`, filtered by channel and/or target."""
        with self._lock:
            return [m for m in self.received
                    if (channel is None or m["channel"] == channel) and (target is None or m["target"] == target)]

    def wait_for(self, count: int = 1, *, timeout: float = 5.0) -> list[dict]:
        """Wait until at least `count` messages were received (for senders in other threads); returns them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} message(s), got {len(self.received)}")

    def clear(self) -> None:
        """Forget received and rejected messages and pending failure controls (tokens stay valid)."""
        with self._lock:
            self.received.clear()
            self.rejected.clear()
            self._fail_next.clear()
            self._rate_limit_next = 0
            self.requests = 0

    # -- protocol (called from the handler threads) -------------------------------------------------

    def _route(self, method: str, path: str) -> str | None:
        if method == "POST" and path == "/cgi-bin/webhook/send":
            return "wecom_robot"
        if method == "GET" and path == "/cgi-bin/gettoken":
            return "wecom_token"
        if method == "POST" and path == "/cgi-bin/message/send":
            return "wecom_app"
        if method == "POST" and path == "/robot/send":
            return "dingtalk"
        if method == "POST" and path.startswith(FEISHU_PREFIX) and len(path) > len(FEISHU_PREFIX):
            return "feishu"
        return None

    def _admit(self, route: str | None) -> str | None:
        with self._lock:
            self.requests += 1
            if self.down:
                return "503"
            if self._fail_next:
                return self._fail_next.pop(0)
            if route in RATE_LIMITS and self._rate_limit_next > 0:
                self._rate_limit_next -= 1
                return "ratelimit"
        return None

    def _record(self, channel: str, target: str, title: str, text: str, raw: Any) -> None:
        with self._lock:
            self.received.append({"channel": channel, "target": target, "title": title, "text": text, "raw": raw})

    def _reject(self, channel: str, code: int, reason: str) -> None:
        with self._lock:
            self.rejected.append({"channel": channel, "code": code, "reason": reason})

    def _dispatch(self, route: str, path: str, query: dict[str, str], body: bytes) -> dict:
        if route == "wecom_token":
            return self._wecom_token(query)
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = None
        if not isinstance(payload, dict):
            if route == "feishu":
                self._reject(route, 19001, "invalid json")
                return {"code": 19001, "data": {}, "msg": "param invalid: invalid json"}
            self._reject(route, 40035, "invalid json")
            return {"errcode": 40035, "errmsg": "invalid json"}
        if route == "wecom_robot":
            return self._wecom_robot(query, payload)
        if route == "wecom_app":
            return self._wecom_app(query, payload)
        if route == "dingtalk":
            return self._dingtalk(query, payload)
        return self._feishu(urllib.parse.unquote(path[len(FEISHU_PREFIX):]), payload)

    def _wecom_error(self, channel: str, code: int, msg: str) -> dict:
        self._reject(channel, code, msg)
        return {"errcode": code, "errmsg": msg}

    def _wecom_robot(self, query: dict[str, str], payload: dict) -> dict:
        key = query.get("key", "")
        if key not in self.wecom_keys:
            return self._wecom_error("wecom_robot", 93000, "invalid webhook url")
        msgtype = payload.get("msgtype")
        if msgtype == "markdown":
            content = str((payload.get("markdown") or {}).get("content", ""))
            if len(content.encode("utf-8")) > 4096:
                return self._wecom_error("wecom_robot", 40058, "markdown.content exceed max length 4096")
            first = _first_line(content)
            title = first[2:-2] if first.startswith("**") and first.endswith("**") and len(first) >= 4 else first
        elif msgtype == "text":
            content = str((payload.get("text") or {}).get("content", ""))
            title = _first_line(content)
        else:
            return self._wecom_error("wecom_robot", 40008, "invalid message type")
        if not content:
            return self._wecom_error("wecom_robot", 44004, "empty content")
        self._record("wecom_robot", key, title, content, payload)
        return {"errcode": 0, "errmsg": "ok"}

    def _wecom_token(self, query: dict[str, str]) -> dict:
        if query.get("corpid") != self.corp_id:
            return self._wecom_error("wecom_app", 40013, "invalid corpid")
        if query.get("corpsecret") != self.corp_secret:
            return self._wecom_error("wecom_app", 40001, "invalid credential")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
            self.token_requests += 1
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.token_ttl}

    def _wecom_app(self, query: dict[str, str], payload: dict) -> dict:
        token = query.get("access_token", "")
        if not token:
            return self._wecom_error("wecom_app", 41001, "access_token missing")
        with self._lock:
            deadline = self._tokens.get(token)
        if deadline is None:
            return self._wecom_error("wecom_app", 40014, "invalid access_token")
        if deadline <= time.monotonic():
            return self._wecom_error("wecom_app", 42001, "access_token expired")
        if payload.get("agentid") != self.agent_id:
            return self._wecom_error("wecom_app", 40056, "invalid agentid")
        msgtype = payload.get("msgtype")
        if msgtype == "textcard":
            card = payload.get("textcard") or {}
            title, text = str(card.get("title", "")), str(card.get("description", ""))
            if not title or not text or not card.get("url"):
                return self._wecom_error("wecom_app", 41004, "textcard needs title, description and url")
            if len(title.encode("utf-8")) > 128 or len(text.encode("utf-8")) > 512:
                return self._wecom_error("wecom_app", 44004, "textcard title or description too long")
        elif msgtype == "text":
            text = str((payload.get("text") or {}).get("content", ""))
            title = _first_line(text)
            if not text:
                return self._wecom_error("wecom_app", 44004, "empty content")
            if len(text.encode("utf-8")) > 2048:
                return self._wecom_error("wecom_app", 45002, "content size out of limit")
        else:
            return self._wecom_error("wecom_app", 40008, "invalid message type")
        users = [u for u in str(payload.get("touser", "")).split("|") if u]
        valid = [u for u in users if self.wecom_users is None or u in self.wecom_users]
        invalid = [u for u in users if u not in valid]
        if not valid:
            return self._wecom_error("wecom_app", 81013, "user & party & tag all invalid")
        self._record("wecom_app", "|".join(valid), title, text, payload)
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        if invalid:
            answer["invaliduser"] = "|".join(invalid)
        return answer

    def _dingtalk(self, query: dict[str, str], payload: dict) -> dict:
        token = query.get("access_token", "")
        if token not in self.dingtalk_robots:
            return self._wecom_error("dingtalk", 300001, "token is not exist")
        secret = self.dingtalk_robots[token]
        if secret and not _dingtalk_sign_ok(secret, query.get("timestamp", ""), query.get("sign", "")):
            return self._wecom_error("dingtalk", 310000, "sign not match")
        msgtype = payload.get("msgtype")
        if msgtype == "markdown":
            markdown = payload.get("markdown") or {}
            title, text = str(markdown.get("title", "")), str(markdown.get("text", ""))
            if not title or not text:
                return self._wecom_error("dingtalk", 40035, "markdown needs title and text")
        elif msgtype == "text":
            text = str((payload.get("text") or {}).get("content", ""))
            title = _first_line(text)
            if not text:
                return self._wecom_error("dingtalk", 40035, "empty content")
        else:
            return self._wecom_error("dingtalk", 40035, "invalid msgtype")
        self._record("dingtalk", token, title, text, payload)
        return {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, token: str, payload: dict) -> dict:
        def fail(code: int, msg: str) -> dict:
            self._reject("feishu", code, msg)
            return {"code": code, "data": {}, "msg": msg}

        if token not in self.feishu_robots:
            return fail(19001, "param invalid: incoming webhook access token invalid")
        secret = self.feishu_robots[token]
        if secret and not _feishu_sign_ok(secret, str(payload.get("timestamp", "")), str(payload.get("sign", ""))):
            return fail(19021, FEISHU_BAD_SIGN)
        if payload.get("msg_type") != "text":
            return fail(19001, "param invalid: msg_type")
        text = str((payload.get("content") or {}).get("text", ""))
        if not text:
            return fail(19001, "param invalid: empty text")
        self._record("feishu", token, _first_line(text), text, payload)
        if self.feishu_legacy:
            return {"Extra": None, "StatusCode": 0, "StatusMessage": "success"}
        return {"code": 0, "data": {}, "msg": "success"}


def _timestamp_ok(value: str, *, scale: int) -> int | None:
    try:
        stamp = int(value)
    except ValueError:
        return None
    if abs(time.time() * scale - stamp) > SIGN_WINDOW_S * scale:
        return None
    return stamp


def _dingtalk_sign_ok(secret: str, timestamp: str, sign: str) -> bool:
    """DingTalk's check, written from its documentation (not by calling the client's dingtalk_sign)."""
    stamp = _timestamp_ok(timestamp, scale=1000)
    if stamp is None or not sign:
        return False
    digest = hmac.new(secret.encode("utf-8"), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), sign)


def _feishu_sign_ok(secret: str, timestamp: str, sign: str) -> bool:
    """Feishu's check, written from its documentation (key = "timestamp\\nsecret", empty message)."""
    stamp = _timestamp_ok(timestamp, scale=1)
    if stamp is None or not sign:
        return False
    digest = hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), sign)


# ---------------------------------------------------------------------------------------------------
# SMTP


def _self_signed_contexts(host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throw-away certificate for `host`: (server context, client context that trusts only it)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kam test smtp")])
    now = datetime.datetime.now(datetime.UTC)
    alt: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    return server, client


class _DropLoginDataNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


def _quiet_aiosmtpd_log() -> None:
    """aiosmtpd logs every SMTP command at INFO (AUTH included) and a deprecation notice on each login:
    keep its logger at WARNING unless a test set a level itself, and drop that notice."""
    log = logging.getLogger("mail.log")
    if log.level == logging.NOTSET:
        log.setLevel(logging.WARNING)
    if not any(isinstance(f, _DropLoginDataNotice) for f in log.filters):
        log.addFilter(_DropLoginDataNotice())


class _SmtpHandler:
    """aiosmtpd handler hooks; state lives on the SmtpReceiver."""

    def __init__(self, receiver: SmtpReceiver):
        self.receiver = receiver

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        if address in self.receiver.refuse_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        rx = self.receiver
        with rx._lock:
            if rx._fail_next > 0:
                rx._fail_next -= 1
                return "451 4.3.0 temporary failure, try again later"
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        with rx._lock:
            rx.messages.append(parsed)  # type: ignore[arg-type]
            rx.envelopes.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                                 "login": getattr(session, "auth_data", None)})
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """A local SMTP server (aiosmtpd) on 127.0.0.1 with an ephemeral port that records what it receives.

    `credentials` ({username: password}) enables AUTH PLAIN/LOGIN (a wrong password answers 535; sending
    without logging in is still accepted). `starttls=True` offers STARTTLS and `implicit_tls=True` speaks
    TLS from the first byte (SMTPS); either uses a throw-away certificate: pass `client_ssl_context` to
    `send_email(ssl_context=...)`. `refuse_recipients` answers 550 to those addresses. Controls:
    `fail_next(n)` answers 451 to the next n messages; `down = True` stops listening (connections are
    refused) and `down = False` listens again on the same port. Thread-safe.
    """

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        starttls: bool = False,
        implicit_tls: bool = False,
        refuse_recipients: Iterable[str] = (),
        host: str = "127.0.0.1",
    ):
        if starttls and implicit_tls:
            raise ValueError("starttls and implicit_tls exclude each other")
        self.host = host
        self.credentials = dict(credentials or {})
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.refuse_recipients = set(refuse_recipients)
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[dict] = []
        self.client_ssl_context: ssl.SSLContext | None = None
        self._server_ssl_context: ssl.SSLContext | None = None
        if starttls or implicit_tls:
            self._server_ssl_context, self.client_ssl_context = _self_signed_contexts(host)
        self._lock = threading.RLock()
        self._fail_next = 0
        self._port = 0
        self._controller: Any = None
        self._down = False
        self._started = False

    # -- lifecycle ----------------------------------------------------------------------------------

    def _listen(self) -> None:
        _quiet_aiosmtpd_log()
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        receiver = self

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and receiver.credentials.get(auth_data.login.decode("utf-8")) == auth_data.password.decode("utf-8"))
            if not ok:
                return AuthResult(success=False, handled=False, message="535 5.7.8 Authentication credentials invalid")
            return AuthResult(success=True, auth_data=auth_data.login.decode("utf-8"))

        class _Controller(Controller):
            def _create_server(self):  # bind ourselves: port 0 first, then the same port after `down`
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.hostname, self.port))
                self.port = sock.getsockname()[1]
                return self.loop.create_server(self._factory_invoker, sock=sock, ssl=self.ssl_context)

        kwargs: dict[str, Any] = {"server_hostname": "kam-test-smtp", "ready_timeout": 10}
        if self.credentials:
            kwargs.update(authenticator=authenticator, auth_require_tls=self.starttls)
        if self.starttls:
            kwargs.update(tls_context=self._server_ssl_context, require_starttls=False)
        if self.implicit_tls:
            kwargs["ssl_context"] = self._server_ssl_context
        controller = _Controller(_SmtpHandler(self), hostname=self.host, port=self._port, **kwargs)
        controller.start()
        self._port = controller.port
        self._controller = controller

    def start(self) -> SmtpReceiver:
        """Start listening (idempotent)."""
        with self._lock:
            if not self._started:
                self._started = True
                if not self._down:
                    self._listen()
        return self

    def stop(self) -> None:
        """Stop listening (idempotent)."""
        with self._lock:
            self._started = False
            if self._controller is not None:
                self._controller.stop()
                self._controller = None

    def __enter__(self) -> SmtpReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("SmtpReceiver is not started")
        return self._port

    @property
    def down(self) -> bool:
        return self._down

    @down.setter
    def down(self, value: bool) -> None:
        """True: close the listening socket (clients get "connection refused"); False: listen again."""
        with self._lock:
            value = bool(value)
            if value == self._down:
                return
            self._down = value
            if not self._started:
                return
            if value and self._controller is not None:
                self._controller.stop()
                self._controller = None
            elif not value:
                self._listen()

    def fail_next(self, n: int = 1) -> None:
        """Answer `451` (temporary failure) to the DATA of the next `n` messages."""
        with self._lock:
            self._fail_next += n

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()
            self._fail_next = 0
