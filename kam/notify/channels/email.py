"""E-mail through an SMTP relay (stdlib smtplib), UTF-8 subject and body.

G.5 (who hears): exactly the one address passed as `to`. The SMTP password never appears in errors or logs.
"""

from __future__ import annotations

import email.message
import email.utils
import smtplib
import ssl

from .base import DeliveryError, Message, scrub

__all__ = ["build_email", "send_email"]

CHANNEL = "email"


def build_email(*, to: str, message: Message, from_email: str) -> email.message.EmailMessage:
    """The EmailMessage: subject = title, plain-text UTF-8 body = text (+ blank line + link when there is one)."""
    body = message.text
    if message.url:
        body += f"\n\n{message.url}"
    mail = email.message.EmailMessage()
    mail["Subject"] = " ".join(message.title.split())  # no line breaks in a header
    mail["From"] = from_email
    mail["To"] = to
    mail["Date"] = email.utils.formatdate(localtime=True)
    domain = email.utils.parseaddr(from_email)[1].rpartition("@")[2] or "kam.invalid"
    mail["Message-ID"] = email.utils.make_msgid(domain=domain)
    mail.set_content(body + "\n", subtype="plain", charset="utf-8", cte="base64")
    return mail


def _server_text(raw: bytes | str, hidden: list[str]) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    return scrub(text, hidden)[:200]


def send_email(
    *,
    to: str,
    message: Message,
    from_email: str,
    host: str,
    port: int,
    username: str = "",
    password: str = "",
    use_tls: bool = False,
    timeout: float = 10,
    use_ssl: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Send `message` to `to` through the SMTP server `host:port`.

    `use_tls` upgrades a plain connection with STARTTLS (port 587); `use_ssl` connects with implicit TLS
    (SMTPS, port 465); `ssl_context` overrides the default (system CA) context for either. Logs in when
    `username` is set. Raises DeliveryError: retryable for connection errors, timeouts, disconnects and 4xx
    replies; not retryable for 5xx replies (e.g. 535 bad credentials, 550 unknown mailbox), a server
    without STARTTLS/AUTH support, or an untrusted certificate.
    """
    if use_tls and use_ssl:
        raise DeliveryError("email: use_tls (STARTTLS) and use_ssl (SMTPS) exclude each other",
                            retryable=False, channel=CHANNEL)
    try:
        mail = build_email(to=to, message=message, from_email=from_email)
    except (ValueError, TypeError, IndexError) as exc:
        raise DeliveryError(f"email: invalid address or header: {type(exc).__name__}", retryable=False,
                            channel=CHANNEL) from None
    envelope_from = email.utils.parseaddr(from_email)[1] or from_email
    envelope_to = email.utils.parseaddr(to)[1] or to
    hidden = [password]
    where = f"{host}:{port}"
    try:
        if use_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl_context or ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if use_tls:
                client.starttls(context=ssl_context or ssl.create_default_context())
            if username:
                client.login(username, password)
            client.send_message(mail, from_addr=envelope_from, to_addrs=[envelope_to])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        retryable = bool(codes) and all(400 <= code < 500 for code in codes)
        raise DeliveryError(f"email: recipient refused by {where} ({', '.join(map(str, codes))})",
                            retryable=retryable, channel=CHANNEL, code=codes[0] if codes else None) from None
    except smtplib.SMTPResponseException as exc:  # includes SMTPAuthenticationError, SMTPSenderRefused, SMTPDataError
        code = exc.smtp_code
        raise DeliveryError(f"email: {where} answered {code} {_server_text(exc.smtp_error, hidden)}",
                            retryable=400 <= code < 500 or code < 0, channel=CHANNEL, code=code) from None
    except smtplib.SMTPServerDisconnected as exc:
        raise DeliveryError(f"email: {where} closed the connection: {_server_text(str(exc), hidden)}",
                            retryable=True, channel=CHANNEL) from None
    except smtplib.SMTPException as exc:  # no STARTTLS / no AUTH mechanism: configuration, not transient
        raise DeliveryError(f"email: {where}: {type(exc).__name__}: {_server_text(str(exc), hidden)}",
                            retryable=False, channel=CHANNEL) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"email: TLS certificate of {where} not trusted: {exc.verify_message}",
                            retryable=False, channel=CHANNEL) from None
    except OSError as exc:  # refused, reset, timeout, DNS, other TLS trouble
        raise DeliveryError(f"email: cannot talk to {where}: {type(exc).__name__}: {_server_text(str(exc), hidden)}",
                            retryable=True, channel=CHANNEL) from None
