"""Outbound notification channels: WeCom (robot and application), DingTalk, Feishu and e-mail.

Plain clients on the standard library (urllib / smtplib), no Django. Each sender returns None on success
and raises `DeliveryError` (with `.retryable`) otherwise. G.5 (who hears): a group robot reaches its whole
group, an application message or an e-mail one person; robot URLs, secrets and tokens are never logged nor
put in an exception message. Local receivers that speak each protocol, for the tests, are in `tests/notify/fakes.py`.
"""

from .base import DeliveryError, Message, get_json, post_json, redact
from .dingtalk import dingtalk_sign, send_dingtalk_robot
from .email import send_email
from .feishu import feishu_sign, send_feishu_robot
from .wecom import WeComAppClient, send_wecom_robot

__all__ = [
    "DeliveryError",
    "Message",
    "WeComAppClient",
    "dingtalk_sign",
    "feishu_sign",
    "get_json",
    "post_json",
    "redact",
    "send_dingtalk_robot",
    "send_email",
    "send_feishu_robot",
    "send_wecom_robot",
]
