"""Secrets never reach the logs through a URL (issue 12 §5).

The calendar feed's URL carries its secret (`/engagement/calendar/<token>.ics`: calendar apps can only
subscribe to a URL), and a URL lands in Django's request log (a 404 of a revoked feed, a 500), in the
development server's log and in gunicorn's access and error logs. `redact` replaces such secrets by
"[redacted]"; `RedactSecretsFilter` applies it to every record of the loggers it is attached to (settings.LOGGING:
django.request, django.server, django.security.csrf), *before* any handler sees the record (pytest's caplog
included); `RedactingGunicornLogger` (`gunicorn --logger-class kam.core.logging.RedactingGunicornLogger`, as
`kam serve` runs it) does the same for gunicorn's access and error logs.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

#: (pattern, replacement): URL parts that are secrets
SECRET_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # the calendar feed's secret path (`feed.ics` is the header-authenticated address: no secret in it)
    (re.compile(r"(/engagement/calendar/)(?!feed\.ics)[^/\s\"'?#<>]+(\.ics)"), rf"\g<1>{REDACTED}\g<2>"),
    # secrets in query strings (e.g. a robot webhook's access_token)
    (re.compile(r"(?i)\b(access_token|token|secret)=[^&\s\"'#<>]+"), rf"\g<1>={REDACTED}"),
    # what was searched (issue 13): it may be the last digits of a decision maker's phone (A7.1)
    (re.compile(r"(/search/(?:suggest/)?\?(?:[^\s\"'#<>]*&)?q=)[^&\s\"'#<>]+"), rf"\g<1>{REDACTED}"),
]


def redact(text: str) -> str:
    """The text with every secret of a URL replaced by "[redacted]"."""
    if "/engagement/calendar/" not in text and "=" not in text:
        return text  # the common case: nothing to look for
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record whose message holds a secret: the message is formatted once and redacted (the
    arguments are dropped with it), so that no handler or formatter downstream can print the secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the logging module's business, not ours
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _gunicorn_logger_class():
    from gunicorn.glogging import Logger

    class RedactingGunicornLogger(Logger):
        """gunicorn's logger with the secrets of URLs redacted from its access and error logs."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                if not any(isinstance(f, RedactSecretsFilter) for f in log.filters):
                    log.addFilter(RedactSecretsFilter())

        def atoms(self, resp, req, environ, request_time) -> dict:
            """The access log's fields with the secrets redacted (also for a custom access_log_format)."""
            return {key: redact(value) if isinstance(value, str) else value
                    for key, value in super().atoms(resp, req, environ, request_time).items()}

    RedactingGunicornLogger.__module__ = __name__
    return RedactingGunicornLogger


def __getattr__(name: str):
    """`RedactingGunicornLogger` is built on first use: only gunicorn's processes import gunicorn."""
    if name == "RedactingGunicornLogger":
        cls = _gunicorn_logger_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
