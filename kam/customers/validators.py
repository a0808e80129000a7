"""Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters with a check digit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def credit_code_error(value: str) -> str | None:
    """None when valid, else a message in the user's language naming the field."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位，收到 %(n)d 位。") % {"n": len(code)}
    bad = [c for c in code if c not in CHARSET]
    if bad:
        return _("统一社会信用代码含有无效字符「%(c)s」（不使用 I、O、Z、S、V）。") % {"c": bad[0]}
    if credit_code_check_char(code[:17]) != code[17]:
        return _("统一社会信用代码校验位错误：%(code)s 的第 18 位应为 %(want)s。") % {
            "code": code, "want": credit_code_check_char(code[:17])}
    return None


def validate_credit_code(value: str) -> None:
    message = credit_code_error(value)
    if message:
        raise ValidationError(message, code="credit_code")


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with their check character (demo and test data)."""
    return first17 + credit_code_check_char(first17)
