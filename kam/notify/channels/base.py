"""Shared parts of the outbound channel clients: the message, the delivery error, redaction, JSON over HTTP.

G.5 (who hears): these clients only carry a message to a target the caller already chose; robot webhook
URLs, signing secrets, corp secrets and access tokens are credentials (A7.1-style confidential settings),
so they never appear in an exception message or a log line. Every URL that leaves this module through an
error or a log record goes through `redact()` first, and vendor error texts are scrubbed of known secrets.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("kam.notify.channels")

USER_AGENT = "kam-notify/1"
REDACTED = "…"

__all__ = [
    "DeliveryError",
    "Message",
    "get_json",
    "post_json",
    "redact",
    "scrub",
    "secrets_of_url",
    "truncate_utf8",
    "vendor_error",
]


class DeliveryError(Exception):
    """A message could not be delivered.

    `retryable` tells the caller whether trying again later can help: network errors, timeouts, HTTP 5xx /
    429 and the vendors' rate-limit / "system busy" codes are retryable; bad credentials, invalid keys, a
    wrong signature and other 4xx answers are not (they need an administrator).
    The message text never contains a webhook URL's key, a secret or a token (G.5).
    """

    def __init__(self, message: str, *, retryable: bool, channel: str = "", code: int | str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.channel = channel
        self.code = code

    def __repr__(self) -> str:
        return f"DeliveryError({str(self)!r}, retryable={self.retryable!r}, channel={self.channel!r}, code={self.code!r})"


@dataclass(frozen=True)
class Message:
    """One notification: a short title, a plain-text (Chinese) body and an optional link to the item in kam."""

    title: str
    text: str
    url: str = ""


def redact(url: str) -> str:
    """The URL without anything secret: `https://host/path?…`.

    Drops user info, the query string (WeCom `key=`, DingTalk `access_token=`, `sign=`) and the fragment,
    and masks the path after `/hook/` (Feishu puts its webhook token in the path:
    `/open-apis/bot/v2/hook/<token>` → `/open-apis/bot/v2/hook/…`).
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return REDACTED
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    path = parts.path
    marker = "/hook/"
    if marker in path:
        path = path[: path.index(marker) + len(marker)] + REDACTED
    query = f"?{REDACTED}" if parts.query else ""
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{netloc}{path}{query}"


def secrets_of_url(url: str) -> list[str]:
    """The secret-looking pieces of a URL: query values, user info and a `/hook/` token."""
    found: list[str] = []
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return [url]
    for _name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=False):
        found.append(value)
        found.append(urllib.parse.quote_plus(value))
    if parts.username:
        found.append(parts.username)
    if parts.password:
        found.append(parts.password)
    if "/hook/" in parts.path:
        found.append(parts.path.split("/hook/", 1)[1])
    if parts.query:
        found.append(parts.query)
    return [s for s in found if s]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret (longest first) replaced by `…`."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def truncate_utf8(text: str, max_bytes: int, *, ellipsis: str = "…") -> str:
    """`text` cut so that its UTF-8 encoding fits `max_bytes` (vendors limit fields in bytes, not chars)."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    budget = max_bytes - len(ellipsis.encode("utf-8"))
    cut = text.encode("utf-8")[: max(budget, 0)].decode("utf-8", errors="ignore")
    return cut + ellipsis


def _check_scheme(url: str, channel: str) -> None:
    try:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
    except ValueError:
        raise DeliveryError("invalid URL", retryable=False, channel=channel) from None
    if scheme not in ("http", "https"):
        raise DeliveryError(f"unsupported URL scheme for {redact(url)}", retryable=False, channel=channel)


def _request_json(
    method: str,
    url: str,
    payload: Any | None,
    *,
    timeout: float,
    channel: str,
    secrets: Iterable[str] = (),
) -> dict:
    _check_scheme(url, channel)
    hidden = [*secrets_of_url(url), *secrets]
    where = redact(url)
    data = None
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if payload is not None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - http(s) only, checked above
    logger.debug("%s %s", method, where)
    try:
        # The URL is configured by the administrator (robot webhook / vendor API base) and its scheme is
        # checked to be http(s) above, so no file:// or custom scheme can be opened here.
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - administrator-configured http(s) URL
            body = response.read()
    except urllib.error.HTTPError as exc:
        status = exc.code
        vendor_answer = _vendor_answer(exc) if status < 500 else None
        exc.close()
        if vendor_answer is not None:
            # A 4xx that carries the vendor's own JSON error code (e.g. a rate limit): let the channel decide.
            return vendor_answer
        retryable = status >= 500 or status == 429
        raise DeliveryError(
            f"HTTP {status} from {where}", retryable=retryable, channel=channel, code=status
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        retryable = not isinstance(reason, ssl.SSLCertVerificationError)
        raise DeliveryError(
            f"cannot reach {where}: {scrub(str(reason), hidden)}", retryable=retryable, channel=channel
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"TLS certificate of {where} not trusted: {scrub(str(exc), hidden)}", retryable=False, channel=channel
        ) from None
    except TimeoutError:
        raise DeliveryError(f"timeout talking to {where}", retryable=True, channel=channel) from None
    except http.client.InvalidURL:
        raise DeliveryError(f"invalid URL {where}", retryable=False, channel=channel) from None
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(
            f"connection to {where} failed: {type(exc).__name__}: {scrub(str(exc), hidden)}",
            retryable=True,
            channel=channel,
        ) from None
    except ValueError as exc:  # malformed URL (e.g. bad port)
        raise DeliveryError(f"invalid URL {where}: {type(exc).__name__}", retryable=False, channel=channel) from None
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        # A 200 that is not JSON is usually a proxy or captive page in front of the vendor: transient.
        raise DeliveryError(f"non-JSON answer from {where}", retryable=True, channel=channel) from None
    if not isinstance(answer, dict):
        raise DeliveryError(f"unexpected JSON answer from {where}", retryable=False, channel=channel)
    return answer


def _vendor_answer(exc: urllib.error.HTTPError) -> dict | None:
    """The JSON object of an error answer when it carries a non-zero vendor code, else None."""
    try:
        answer = json.loads(exc.read(65536).decode("utf-8"))
    except (OSError, http.client.HTTPException, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(answer, dict):
        return None
    for key in ("errcode", "code", "StatusCode"):
        if key in answer and answer[key] not in (0, "0", None):
            return answer
    return None


def post_json(
    url: str, payload: Any, *, timeout: float = 10, channel: str = "", secrets: Iterable[str] = ()
) -> dict:
    """POST `payload` as UTF-8 JSON to `url` and return the JSON object answered.

    Raises DeliveryError (retryable for network errors, timeouts, HTTP 5xx/429 and non-JSON answers; not
    retryable for other HTTP 4xx, a non-http(s) URL or a bad certificate). A 4xx whose body is a JSON object
    with a non-zero `errcode`/`code`/`StatusCode` is returned instead, so the channel can judge the vendor
    code (a rate limit stays retryable). The URL appears only redacted; `secrets` are extra strings to
    scrub from error texts.
    """
    return _request_json("POST", url, payload, timeout=timeout, channel=channel, secrets=secrets)


def get_json(url: str, *, timeout: float = 10, channel: str = "", secrets: Iterable[str] = ()) -> dict:
    """GET `url` and return the JSON object answered; errors as for `post_json`."""
    return _request_json("GET", url, None, timeout=timeout, channel=channel, secrets=secrets)


def vendor_error(
    channel: str,
    answer: dict,
    *,
    code_key: str = "errcode",
    msg_key: str = "errmsg",
    retryable_codes: Iterable[int] = (),
    secrets: Iterable[str] = (),
) -> DeliveryError:
    """A DeliveryError for a vendor's non-zero answer code; the vendor's text is scrubbed of secrets."""
    code = answer.get(code_key)
    text = scrub(str(answer.get(msg_key, "")), secrets)[:300]
    try:
        retryable = int(code) in set(retryable_codes)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        retryable = False
    return DeliveryError(f"{channel} refused the message: {code_key}={code} {text}".rstrip(),
                         retryable=retryable, channel=channel, code=code)
