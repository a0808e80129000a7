"""One env-driven settings module (house rule; healthchecks-style).

Environment:
  DATABASE_URL        default sqlite:///var/kam.sqlite3 (WAL mode)
  KAM_SECRET_KEY      required unless KAM_DEBUG=1 (`make demo` generates one into var/)
  KAM_DEBUG           1 turns on debug
  KAM_ALLOWED_HOSTS   comma-separated, default 127.0.0.1,localhost
  KAM_FIELD_KEYS      comma-separated Fernet keys; the first encrypts, all decrypt
  KAM_HTTPS           1 behind TLS: secure cookies, HSTS, SSL redirect
  KAM_VAR_DIR         where the SQLite database, uploads and keys live (default ./var)

Log-in security (issue 12 §4):
  KAM_TRUSTED_PROXIES comma-separated IP addresses or CIDR networks of the reverse proxies in front of the
                      system (e.g. 127.0.0.1,10.0.0.0/24); default empty = no proxy is trusted. The client
                      address of a request (audit rows, core-data access records, log-in throttling) is
                      REMOTE_ADDR, unless REMOTE_ADDR is a trusted proxy: then it is the right-most address
                      of X-Forwarded-For that is not a trusted proxy. A client can prepend anything to
                      X-Forwarded-For, so only the hops added by trusted proxies are believed. Set it
                      whenever gunicorn sits behind nginx/a load balancer, or every user has the proxy's
                      address (gunicorn itself never rewrites REMOTE_ADDR from X-Forwarded-For).
  KAM_LOGIN_FAILURE_LIMIT    failures of one (user name, client address) pair before that pair is delayed
                             (default 5); the right password from another address is never refused
  KAM_LOGIN_DELAY            the first delay in seconds (default 60); it doubles with every further
                             failure of the pair (1, 2, 4, 8 … minutes)
  KAM_LOGIN_DELAY_MAX        the longest delay in seconds (default 3600)
  KAM_LOGIN_FAILURE_WINDOW   seconds without a failure after which a pair's failures are forgotten
                             (default 86400)
  KAM_LOGIN_ADDRESS_LIMIT    failures from one address, over all user names, before that address alone is
                             delayed the same way (default 100; 0 turns the address ceiling off)
  KAM_OTP_REQUIRED_ROLES     roles that must use two-factor authentication (TOTP); such a user without a
                             device is sent to enrolment after the password (default
                             head_of_sales,management,administrator; empty = optional for everyone;
                             `kam serve --demo` sets it empty so the demo stays easy to log in to)
  KAM_OTP_ISSUER             the issuer name shown in authenticator apps (default KAM)

API tokens (issue 12 §5):
  KAM_API_TOKEN_DAYS  days an API token is valid after its creation (default 90); an expired token is refused
                      with 401 and a message; a user creates a new one under 账户 → API 令牌. A revoked token
                      (or one of a deactivated user) is refused at once by every process (web and worker share
                      the cache, which carries a revocation generation).

API and reveal limits (issue 12 §5), counted per clock minute in the shared cache (CACHES; every process that
shares it counts together). 0 turns a limit off.
  KAM_API_RATE_PER_MINUTE        API requests of one user per minute, session and tokens together (default 600)
  KAM_API_TOKEN_RATE_PER_MINUTE  API requests with one token per minute (default 300); past either limit the
                                 answer is 429 with Retry-After and a JSON message
  KAM_REVEAL_RATE_PER_MINUTE     reveals ("显示") of core data by one user per minute, pages and API together
                                 (default 20); a reveal past it is refused (429) and recorded as a denied attempt
  KAM_REVEAL_DENIED_ALERT        denied reveals of one user within KAM_REVEAL_DENIED_WINDOW seconds (default 10
                                 within 60) that alert management (inbox and its channels) and the audit
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KAM_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("KAM_DEBUG")
HTTPS = env_bool("KAM_HTTPS")

INSECURE_DEFAULT_KEY = "django-insecure-kam-development-only"
SECRET_KEY = os.environ.get("KAM_SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == INSECURE_DEFAULT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KAM_SECRET_KEY is missing or the insecure default; set it (make demo generates one "
            "into var/secret_key) or run with KAM_DEBUG=1 for development."
        )
    SECRET_KEY = INSECURE_DEFAULT_KEY

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("KAM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("KAM_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# Field encryption keys (MultiFernet). Without keys, encrypted fields refuse to read or write.
FIELD_KEYS = [k.strip() for k in os.environ.get("KAM_FIELD_KEYS", "").split(",") if k.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "ninja",  # the API docs (/api/docs) load Swagger UI from our static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "kam.core",
    "kam.users",
    "kam.audit",
    "kam.confidentiality",
    "kam.approvals",
    "kam.policy",
    "kam.calendar",
    "kam.customers",
    "kam.orders",
    "kam.receivables",
    "kam.exchange",
    "kam.qualification",
    "kam.obligations",
    "kam.engagement",
    "kam.notify",
    "kam.service",
    "kam.demands",
    "kam.care",
    "kam.dossier",
    "kam.workbench",
    "kam.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kam.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kam.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kam.users.middleware.AccountGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kam.core.context_processors.navigation_context",
                "kam.calendar.context_processors.calendar_notice",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]


def _database(url: str) -> dict:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # relative SQLite paths are relative to the project directory
        url = "sqlite:///" + str(BASE_DIR / url[len("sqlite:///") :])
    # persistent connections: a new SQLite/PostgreSQL connection per request costs more than the query
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL: readers never block the writer; IMMEDIATE: writers queue instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    return config


DATABASES = {"default": _database(os.environ.get("DATABASE_URL", "sqlite:///var/kam.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# shared by the web processes and the worker (e.g. an import's progress bar), no extra server needed
CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                      "LOCATION": str(VAR_DIR / "cache")}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["kam.users.backends.ThrottledModelBackend"]
# Log-in throttling per (user name, client address) pair with growing delays, never a lock-out of the user
# (see the module docstring): after LIMIT failures the pair waits DELAY seconds, doubling up to DELAY_MAX.
LOGIN_FAILURE_LIMIT = int(os.environ.get("KAM_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_DELAY_SECONDS = int(os.environ.get("KAM_LOGIN_DELAY", "60"))
LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("KAM_LOGIN_DELAY_MAX", "3600"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("KAM_LOGIN_FAILURE_WINDOW", "86400"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("KAM_LOGIN_ADDRESS_LIMIT", "100"))


def _networks(value: str) -> list[str]:
    networks = []
    for item in (v.strip() for v in value.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(f"KAM_TRUSTED_PROXIES: {item!r} is not an IP address or network")
    return networks


# Reverse proxies whose X-Forwarded-For is believed (kam.core.middleware.client_ip).
KAM_TRUSTED_PROXIES = _networks(os.environ.get("KAM_TRUSTED_PROXIES", ""))
# Two-factor authentication (django-otp, TOTP + recovery codes): required for these roles.
KAM_OTP_REQUIRED_ROLES = [r.strip() for r in os.environ.get(
    "KAM_OTP_REQUIRED_ROLES", "head_of_sales,management,administrator").split(",") if r.strip()]
OTP_TOTP_ISSUER = os.environ.get("KAM_OTP_ISSUER", "KAM")
API_TOKEN_DAYS = int(os.environ.get("KAM_API_TOKEN_DAYS", "90"))
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("KAM_API_TOKEN_DAYS must be at least 1")
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("KAM_API_RATE_PER_MINUTE", "600"))
API_TOKEN_RATE_LIMIT_PER_MINUTE = int(os.environ.get("KAM_API_TOKEN_RATE_PER_MINUTE", "300"))
REVEAL_RATE_LIMIT_PER_MINUTE = int(os.environ.get("KAM_REVEAL_RATE_PER_MINUTE", "20"))
REVEAL_DENIED_ALERT_COUNT = int(os.environ.get("KAM_REVEAL_DENIED_ALERT", "10"))
REVEAL_DENIED_WINDOW_SECONDS = int(os.environ.get("KAM_REVEAL_DENIED_WINDOW", "60"))
if REVEAL_DENIED_WINDOW_SECONDS < 1:
    raise ImproperlyConfigured("KAM_REVEAL_DENIED_WINDOW must be at least 1 second")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kam" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # static files are public: readable by a front proxy whatever FILE_UPLOAD_PERMISSIONS says
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
                    "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755}},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Uploads (kam.core.uploads): the body is capped before it is read, files are checked by content per kind,
# stored files are readable by the service's user only.
MB = 1024 * 1024
MAX_REQUEST_BODY_BYTES = int(os.environ.get("KAM_MAX_REQUEST_BODY_MB", "210")) * MB
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * MB  # a request body other than files (forms, JSON)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * MB  # larger files stream to a temporary file, never into memory
FILE_UPLOAD_HANDLERS = [
    "kam.core.uploads.BodyLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
UPLOAD_MAX_BYTES = {"image": 15 * MB, "pdf": 20 * MB, "document": 20 * MB, "spreadsheet": 200 * MB}
UPLOAD_MAX_IMAGE_PIXELS = 50_000_000
UPLOAD_MAX_UNPACKED_BYTES = 200 * MB  # an .xlsx's members together, from its zip directory
UPLOAD_MAX_COMPRESSION_RATIO = 100  # per member above 1 MB: more is a zip bomb
# Imports (kam.exchange): data above this size (a CSV's bytes, an .xlsx's unpacked bytes) is checked and
# imported by the background worker, never in the web request.
IMPORT_INLINE_MAX_BYTES = 2 * MB
# SQLite: an import is written in transactions of about this many milliseconds (the database's write lock is
# held that long at most, others wait on the busy timeout meanwhile); all-or-nothing through an undo journal
# (kam.exchange.journal). 0: one transaction (the behaviour on PostgreSQL, which needs no slicing)
IMPORT_WRITE_TRANSACTION_MS = int(os.environ.get("KAM_IMPORT_WRITE_TRANSACTION_MS", "100"))
# SQLite: the import's pause between two of those transactions — the writers waiting for the lock (their busy
# handler polls every ≤ 100 ms) get it, instead of the import taking it back at once
IMPORT_WRITE_PAUSE_MS = int(os.environ.get("KAM_IMPORT_WRITE_PAUSE_MS", "100"))
IMPORT_STALE_MINUTES = 30  # a running import without progress for this long is failed (retry offered)
IMPORT_FAILED_FILE_DAYS = 7  # a failed import's file is kept this long for a retry, then removed

# Sessions: 12 h absolute lifetime; cookies HttpOnly and SameSite=Lax.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy: every asset is vendored, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Secrets in URLs (the calendar feed's token) are redacted from every record of the loggers that log URLs,
# before any handler sees it (kam.core.logging; gunicorn's own logs: `kam serve` passes its logger class).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "kam.core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                              "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"},
                 "server": {"class": "logging.StreamHandler", "formatter": "server"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact_secrets"]},
        "django.security.csrf": {"filters": ["redact_secrets"]},
        # the development server's request log (as Django's default, plus the filter)
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False,
                          "filters": ["redact_secrets"]},
    },
}

EMAIL_BACKEND = os.environ.get("KAM_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# e-mail notifications are sent only where an SMTP server is configured
EMAIL_NOTIFICATIONS = bool(os.environ.get("KAM_EMAIL_HOST"))
EMAIL_HOST = os.environ.get("KAM_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("KAM_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("KAM_EMAIL_FROM", "kam@localhost")

NINJA_PAGINATION_PER_PAGE = 20

# how often `kam worker` sweeps; /healthz answers 503 when no sweep completed for 5 of these intervals
SWEEP_SECONDS = int(os.environ.get("KAM_SWEEP_SECONDS", "60"))

KAM_PRODUCT_NAME = _("大客户维护系统")

# e.g. KAM_SILENCED_CHECKS=kam.calendar.W001 where next year's holiday schedule is knowingly pending
SILENCED_SYSTEM_CHECKS = [c.strip() for c in os.environ.get("KAM_SILENCED_CHECKS", "").split(",") if c.strip()]
