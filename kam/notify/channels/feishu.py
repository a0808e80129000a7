"""飞书 (Feishu / Lark) custom bot webhook with the "签名校验" (signature) security setting.

G.5 (who hears): everyone in the group the bot belongs to. The webhook token (the last path segment of
`/open-apis/bot/v2/hook/<token>`) and the signing secret are credentials and never appear in errors or logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .base import Message, post_json, secrets_of_url, truncate_utf8, vendor_error

__all__ = ["feishu_payload", "feishu_sign", "send_feishu_robot"]

CHANNEL = "feishu"
# 9499 "too many request", 11232 "frequency limited"
RETRYABLE_CODES = frozenset({9499, 11232})
TEXT_MAX_BYTES = 18000  # the request body may be at most 20 KB


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The `sign` field, exactly as Feishu's reference (HMAC-SHA256 keyed by "timestamp\\nsecret", empty message)."""
    string_to_sign = f"{timestamp_s}\n{secret}"
    hmac_code = hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return base64.b64encode(hmac_code).decode("utf-8")


def feishu_payload(secret: str, message: Message, timestamp_s: int) -> dict:
    """The JSON body: a text message "title\\ntext\\nurl", signed when there is a secret."""
    lines = [message.title, message.text]
    if message.url:
        lines.append(message.url)
    payload: dict = {}
    if secret:
        payload["timestamp"] = str(timestamp_s)
        payload["sign"] = feishu_sign(secret, timestamp_s)
    payload["msg_type"] = "text"
    payload["content"] = {"text": truncate_utf8("\n".join(lines), TEXT_MAX_BYTES)}
    return payload


def send_feishu_robot(
    webhook_url: str, secret: str, message: Message, *, now_s: int | None = None, timeout: float = 10
) -> None:
    """Post `message` to a Feishu bot (G.5: the whole group hears it).

    `webhook_url` is `https://open.feishu.cn/open-apis/bot/v2/hook/<token>`; `secret` the bot's signing
    secret (empty when the bot has no 签名校验). Success is `code == 0` (legacy answers: `StatusCode == 0`);
    9499 / 11232 (rate limits) raise a retryable DeliveryError; 19021 (bad sign) and others do not.
    """
    timestamp_s = int(time.time()) if now_s is None else int(now_s)
    hidden = [secret, *secrets_of_url(webhook_url)]
    answer = post_json(webhook_url, feishu_payload(secret, message, timestamp_s), timeout=timeout,
                       channel=CHANNEL, secrets=hidden)
    if "code" in answer:
        if answer.get("code") == 0:
            return
        raise vendor_error(CHANNEL, answer, code_key="code", msg_key="msg", retryable_codes=RETRYABLE_CODES,
                           secrets=hidden)
    if answer.get("StatusCode") == 0:
        return
    raise vendor_error(CHANNEL, answer, code_key="StatusCode", msg_key="StatusMessage",
                       retryable_codes=RETRYABLE_CODES, secrets=hidden)
