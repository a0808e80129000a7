"""TOTP as an authenticator app computes it (RFC 6238, SHA-1, 6 digits, 30 s), from the key shown by hand."""

from __future__ import annotations

import base64
import re
import time

from django_otp.oath import TOTP


def key_from_page(html: str) -> str:
    return re.search(r'<code id="otp-key">([A-Z2-7 ]+)</code>', html).group(1)


def code_for(manual_key: str, *, steps_ahead: int = 0) -> str:
    raw = manual_key.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def recovery_codes_from_page(html: str) -> list[str]:
    block = re.search(r'<ol id="recovery-codes">(.*?)</ol>', html, re.S).group(1)
    return re.findall(r"<code>([a-z0-9-]+)</code>", block)
