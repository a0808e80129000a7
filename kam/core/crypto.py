"""Encryption at rest for personal and core data (A7.1).

Keys come from settings.FIELD_KEYS (env KAM_FIELD_KEYS): MultiFernet, the first key encrypts and
every key decrypts, so keys rotate without downtime (`kam rotate_field_keys` re-encrypts).
A wrong or missing key raises FieldDecryptionError: ciphertext is never returned as if it were the value.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.crypto import salted_hmac


class FieldDecryptionError(Exception):
    """An encrypted value could not be decrypted with the configured keys."""


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("KAM_FIELD_KEYS is not set: encrypted fields cannot be read or written.")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"KAM_FIELD_KEYS holds an invalid Fernet key: {exc}") from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        raise FieldDecryptionError("an encrypted field could not be decrypted with KAM_FIELD_KEYS") from None


def rotate(token: str) -> str:
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise FieldDecryptionError("an encrypted field could not be decrypted with KAM_FIELD_KEYS") from None


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token. Empty strings stay empty (no value to hide).

    The column cannot be searched or ordered on; selectors decide who gets the value (A7.1).
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def blind_index(purpose: str, value: str) -> str:
    """A keyed digest of `value` for exact-match lookups of data that is stored encrypted (a phone's last digits:
    issue 13), so the column never holds the value itself. Keyed by SECRET_KEY: without it a database copy does
    not tell which digits a digest stands for."""
    return salted_hmac(f"kam.blind_index.{purpose}", value, secret=settings.SECRET_KEY,
                       algorithm="sha256").hexdigest()[:32]


def blind_index_candidates(purpose: str, value: str) -> list[str]:
    """The digests to look up: under SECRET_KEY and each of SECRET_KEY_FALLBACKS, so that a rotated key keeps
    finding rows until `kam reindex_search` has written them again."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return list(dict.fromkeys(salted_hmac(f"kam.blind_index.{purpose}", value, secret=s,
                                          algorithm="sha256").hexdigest()[:32] for s in secrets))
