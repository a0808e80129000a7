"""Test settings: the production module with a test database and fast, deterministic parts.

KAM_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/kam) runs the suite on PostgreSQL;
without it the suite runs on SQLite.
"""

import os

os.environ.setdefault("KAM_SECRET_KEY", "kam-test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault(
    "KAM_FIELD_KEYS",
    # two fixed test keys: the first encrypts, both decrypt
    "aREqLgzLP3l63RJYU19_GTiokeVseB7-uoGwG4KUtNw=,WFe7-yVEZ8FKdGWYOUWZmkP7vd1m7GF1vghiE7V-tSY=",
)

from kam.settings import *  # noqa: E402,F403
from kam.settings import _database  # noqa: E402

DATABASES = {"default": _database(os.environ.get("KAM_TEST_DATABASE_URL", "sqlite:///var/test.sqlite3"))}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# no persistent connections in tests: live-server and worker threads must not outlive their test
DATABASES["default"]["CONN_MAX_AGE"] = 0
# two-factor authentication is optional for every role in tests (the 2FA tests switch it on with `settings`)
KAM_OTP_REQUIRED_ROLES = []
KAM_TRUSTED_PROXIES = []
# API limits stay on (the code path runs in every API test) but out of the way of tests that walk every
# operation; the limit tests set their own numbers with `settings`
API_RATE_LIMIT_PER_MINUTE = 100_000
API_TOKEN_RATE_LIMIT_PER_MINUTE = 100_000
# imports on SQLite: no pause between the write transactions (nobody else is waiting for the lock in tests)
IMPORT_WRITE_PAUSE_MS = 0
