"""钉钉 (DingTalk) custom group robot with the "加签" (signature) security setting.

G.5 (who hears): everyone in the group the robot belongs to. The webhook's `access_token` and the
signing secret (`SEC…`) are credentials and never appear in errors or logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

from .base import Message, post_json, secrets_of_url, truncate_utf8, vendor_error

__all__ = ["dingtalk_markdown", "dingtalk_sign", "send_dingtalk_robot", "signed_url"]

CHANNEL = "dingtalk"
# -1 system busy, 130101 "send too fast, exceed 20 times per minute"
RETRYABLE_CODES = frozenset({-1, 130101})
TEXT_MAX_BYTES = 18000  # DingTalk accepts about 20000 bytes per message


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` query value, exactly as DingTalk's reference (HMAC-SHA256 keyed by the secret, URL-quoted)."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    hmac_code = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(hmac_code))


def dingtalk_markdown(message: Message) -> dict:
    """The markdown payload: `#### title`, the text, and a 查看 link when there is a URL."""
    text = f"#### {message.title}\n\n{message.text}"
    if message.url:
        text += f"\n\n[查看]({message.url})"
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": truncate_utf8(text, TEXT_MAX_BYTES)}}


def signed_url(webhook_url: str, secret: str, timestamp_ms: int) -> str:
    """`webhook_url` with `timestamp` and `sign` appended (unchanged when `secret` is empty: no 加签)."""
    if not secret:
        return webhook_url
    sep = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def send_dingtalk_robot(
    webhook_url: str, secret: str, message: Message, *, now_ms: int | None = None, timeout: float = 10
) -> None:
    """Post `message` to a DingTalk robot (G.5: the whole group hears it).

    `webhook_url` is `https://oapi.dingtalk.com/robot/send?access_token=XXX`; `secret` the robot's 加签
    secret (empty when the robot uses no signature). Success is `errcode == 0`; 130101 (rate limit) and -1
    raise a retryable DeliveryError; 310000 (bad sign / keyword / IP) and 300001 (bad token) do not.
    """
    timestamp_ms = int(time.time() * 1000) if now_ms is None else int(now_ms)
    url = signed_url(webhook_url, secret, timestamp_ms)
    hidden = [secret, *secrets_of_url(webhook_url)]
    answer = post_json(url, dingtalk_markdown(message), timeout=timeout, channel=CHANNEL, secrets=hidden)
    if answer.get("errcode") != 0:
        raise vendor_error(CHANNEL, answer, retryable_codes=RETRYABLE_CODES, secrets=hidden)
