"""企业微信 (WeCom): group robot webhooks and application messages to one member.

G.5 (who hears): the group robot speaks to everyone in the group the administrator bound it to; the
application message goes to exactly the WeCom userid passed in. The robot `key`, the corp secret and the
access token are credentials: they never appear in errors or logs (see base.redact / base.scrub).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable

from .base import (
    DeliveryError,
    Message,
    get_json,
    post_json,
    redact,
    secrets_of_url,
    truncate_utf8,
    vendor_error,
)

__all__ = ["WECOM_API", "WeComAppClient", "send_wecom_robot", "wecom_robot_content"]

WECOM_API = "https://qyapi.weixin.qq.com"
CHANNEL_ROBOT = "wecom_robot"
CHANNEL_APP = "wecom_app"

# -1 "system busy", 45009 "api freq out of limit", 45033 "api concurrent out of limit"
RETRYABLE_CODES = frozenset({-1, 45009, 45033})
# 40001 invalid credential, 40014 invalid access_token, 42001 access_token expired
TOKEN_CODES = frozenset({40001, 40014, 42001})

ROBOT_MARKDOWN_MAX_BYTES = 4096
TEXTCARD_TITLE_MAX_BYTES = 128
TEXTCARD_DESCRIPTION_MAX_BYTES = 512
TEXT_MAX_BYTES = 2048
TOKEN_MARGIN_S = 300  # refresh the cached access token 5 minutes before it expires


def wecom_robot_content(message: Message) -> str:
    """The markdown body sent to a WeCom group robot: bold title, text, and a 查看 link when there is a URL."""
    content = f"**{message.title}**\n{message.text}"
    if message.url:
        content += f"\n[查看]({message.url})"
    return truncate_utf8(content, ROBOT_MARKDOWN_MAX_BYTES)


def send_wecom_robot(webhook_url: str, message: Message, *, timeout: float = 10) -> None:
    """Post `message` to a WeCom group robot (G.5: the whole group hears it).

    `webhook_url` is `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` in production. Success is
    `errcode == 0`; 45009 (rate limit) and -1 (busy) raise a retryable DeliveryError, anything else (e.g.
    93000 invalid key) a non-retryable one. The key never appears in the error.
    """
    payload = {"msgtype": "markdown", "markdown": {"content": wecom_robot_content(message)}}
    answer = post_json(webhook_url, payload, timeout=timeout, channel=CHANNEL_ROBOT)
    if answer.get("errcode") != 0:
        raise vendor_error(CHANNEL_ROBOT, answer, retryable_codes=RETRYABLE_CODES,
                           secrets=secrets_of_url(webhook_url))


class WeComAppClient:
    """A WeCom self-built application (应用) that sends messages to single members.

    The access token from `/cgi-bin/gettoken` is cached in the instance until 5 minutes before it expires
    and fetched again once when a send answers 40001/40014/42001 (token invalid or expired). Thread-safe.
    Keep one instance per application (e.g. module level) so the token is reused across messages.
    """

    def __init__(
        self,
        corp_id: str,
        agent_id: int,
        secret: str,
        base_url: str = WECOM_API,
        *,
        default_url: str = "",
        timeout: float = 10,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.corp_id = corp_id
        self.agent_id = int(agent_id)
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.default_url = default_url
        self.timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_deadline = 0.0

    def __repr__(self) -> str:  # never the secret nor the token
        return f"WeComAppClient(corp_id={self.corp_id!r}, agent_id={self.agent_id!r}, base_url={redact(self.base_url)!r})"

    # -- access token -------------------------------------------------------------------------------

    def access_token(self, *, refresh: bool = False) -> str:
        """The cached access token, fetched from `/cgi-bin/gettoken` when missing, near expiry or `refresh`."""
        with self._lock:
            if not refresh and self._token and self._clock() < self._token_deadline:
                return self._token
            query = urllib.parse.urlencode({"corpid": self.corp_id, "corpsecret": self._secret})
            answer = get_json(f"{self.base_url}/cgi-bin/gettoken?{query}", timeout=self.timeout,
                              channel=CHANNEL_APP, secrets=[self._secret])
            token = answer.get("access_token")
            if answer.get("errcode", 0) != 0 or not token:
                raise vendor_error(CHANNEL_APP, answer, retryable_codes=RETRYABLE_CODES,
                                   secrets=[self._secret, self.corp_id])
            try:
                expires_in = float(answer.get("expires_in", 7200))
            except (TypeError, ValueError):
                expires_in = 7200.0
            self._token = str(token)
            self._token_deadline = self._clock() + max(expires_in - TOKEN_MARGIN_S, 0.0)
            return self._token

    def invalidate_token(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given: another thread may have refreshed)."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._token_deadline = 0.0

    # -- messages -----------------------------------------------------------------------------------

    def payload(self, userid: str, message: Message) -> dict:
        """The `/cgi-bin/message/send` body: a textcard when there is a link, plain text otherwise."""
        url = message.url or self.default_url
        if url:
            return {
                "touser": userid,
                "msgtype": "textcard",
                "agentid": self.agent_id,
                "textcard": {
                    "title": truncate_utf8(message.title, TEXTCARD_TITLE_MAX_BYTES),
                    "description": truncate_utf8(message.text, TEXTCARD_DESCRIPTION_MAX_BYTES),
                    "url": url,
                    "btntxt": "详情",
                },
            }
        return {
            "touser": userid,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": truncate_utf8(f"{message.title}\n{message.text}", TEXT_MAX_BYTES)},
        }

    def send(self, userid: str, message: Message) -> None:
        """Send `message` to the WeCom member `userid` (G.5: only that person hears it).

        Raises DeliveryError: retryable for network trouble, HTTP 5xx and -1/45009/45033; not retryable
        for bad credentials, an unknown agent or a userid WeCom does not know (`invaliduser`, 81013).
        """
        payload = self.payload(userid, message)
        for attempt in (1, 2):
            token = self.access_token()
            url = f"{self.base_url}/cgi-bin/message/send?access_token={urllib.parse.quote(token, safe='')}"
            answer = post_json(url, payload, timeout=self.timeout, channel=CHANNEL_APP,
                               secrets=[token, self._secret])
            code = answer.get("errcode")
            if code == 0:
                if answer.get("invaliduser") or answer.get("unlicenseduser"):
                    raise DeliveryError("wecom_app: recipient unknown to WeCom or without licence",
                                        retryable=False, channel=CHANNEL_APP, code="invaliduser")
                return
            if code in TOKEN_CODES and attempt == 1:
                self.invalidate_token(token)
                continue
            raise vendor_error(CHANNEL_APP, answer, retryable_codes=RETRYABLE_CODES, secrets=[token, self._secret])
