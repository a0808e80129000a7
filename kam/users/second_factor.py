"""Two-factor authentication: TOTP (django-otp) with single-use recovery codes (issue 12 §4).

Required for the roles in settings.KAM_OTP_REQUIRED_ROLES (head of sales, management and administrator by
default), optional for the others. After the password, a user with a device must give a code; a user whose
role requires one and who has none is sent to enrolment (kam.users.middleware.AccountGateMiddleware).

Recovery codes are kept as django-otp static tokens, but only as a SHA-256 digest of the code (django-otp
stores static tokens in plain text): a copy of the database does not give them away.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError
from kam.users.models import Role, User

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/o/0/1: read off paper without doubt
TOTP_DIGITS = 6
TOTP_STEP = 30
TOTP_TOLERANCE = 1  # the previous, current and next 30-second codes are accepted
SESSION_KEY = "kam_second_factor"  # what the session still owes after the password: "verify", "enrol" or ""
ENROL_KEY = "kam_otp_enrol_key"  # the key shown on the enrolment page until it is confirmed


def required_for(user: User) -> bool:
    return bool(user.roles.intersection(settings.KAM_OTP_REQUIRED_ROLES))


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or StaticDevice.objects.filter(
        user=user, confirmed=True, token_set__isnull=False).exists()


def state_for(user: User) -> str:
    """What a fresh log-in of this user owes after the password."""
    if has_device(user):
        return "verify"
    return "enrol" if required_for(user) else ""


@dataclass(frozen=True)
class Status:
    enrolled: bool
    required: bool
    recovery_left: int
    enrolled_at: object | None


def status(*, user: User) -> Status:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return Status(enrolled=device is not None, required=required_for(user), recovery_left=left,
                  enrolled_at=device.created_at if device is not None else None)


# --- enrolment ---------------------------------------------------------------------------------------------

def new_key() -> str:
    return random_hex(20)


def key_base32(key_hex: str) -> str:
    """The key as authenticator apps take it by hand: base32, in groups of four."""
    raw = b32encode(unhexlify(key_hex)).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def provisioning_uri(*, user: User, key_hex: str) -> str:
    issuer = (getattr(settings, "OTP_TOTP_ISSUER", "") or "KAM").replace(":", "")
    params = urlencode({"secret": b32encode(unhexlify(key_hex)).decode().rstrip("="), "algorithm": "SHA1",
                        "digits": TOTP_DIGITS, "period": TOTP_STEP})
    return f"otpauth://totp/{quote(issuer)}:{quote(user.get_username())}?{params}&issuer={quote(issuer)}"


def qr_data_uri(uri: str) -> str:
    """The provisioning URI as an SVG QR code in a data: URI (the CSP allows data: images; no image library)."""
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _token(code: str) -> int | None:
    code = re.sub(r"\s", "", code or "")
    return int(code) if re.fullmatch(r"\d{6}", code) else None


def _matching_step(key_hex: str, token: int, *, now: float | None = None) -> int | None:
    totp = TOTP(unhexlify(key_hex), step=TOTP_STEP, t0=0, digits=TOTP_DIGITS, drift=0)
    totp.time = now if now is not None else time.time()
    if totp.verify(token, tolerance=TOTP_TOLERANCE):
        return totp.t()
    return None


@transaction.atomic
def otp_enrol(*, actor: User, key_hex: str, code: str, session_verified: bool) -> tuple[TOTPDevice, list[str]]:
    """Confirm the key shown on the enrolment page with a first code: the device is created (replacing an
    earlier one), with RECOVERY_CODES new single-use recovery codes, returned once and stored only hashed."""
    token = _token(code)
    if token is None:
        raise ApplicationError(_("验证码是验证器应用显示的 6 位数字。"), field="code")
    had_device = has_device(actor)
    if had_device and not session_verified:
        # someone who only knows the password must not replace the owner's authenticator
        raise AccessDenied(_("请先用现有的验证器完成两步验证，再更换设备。"))
    step = _matching_step(key_hex, token)
    if step is None:
        raise ApplicationError(_("验证码不正确：请确认手机时间准确，并输入验证器当前显示的 6 位数字。"),
                               field="code")
    TOTPDevice.objects.filter(user=actor).delete()
    device = TOTPDevice.objects.create(user=actor, name=_("验证器应用"), key=key_hex, step=TOTP_STEP,
                                       digits=TOTP_DIGITS, tolerance=TOTP_TOLERANCE, last_t=step, confirmed=True)
    codes = _recovery_codes_replace(actor)
    audit_log(actor=actor, action="users.2fa.enrolled", target=actor, target_repr=actor.username,
              changes={"replaced_device": had_device, "recovery_codes": len(codes)})
    return device, codes


def _normalize(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _digest(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()[:16]  # StaticToken.token holds 16 characters


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(12))  # 60 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_digest(c)) for c in codes])
    return codes


@transaction.atomic
def otp_recovery_codes_regenerate(*, actor: User, password: str) -> list[str]:
    """New recovery codes (the old ones stop working); the password is asked again (ASVS 5.0 7.5.1)."""
    if not TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise ApplicationError(_("尚未启用两步验证。"))
    if not actor.check_password(password or ""):
        raise ApplicationError(_("密码不正确。"), field="password")
    codes = _recovery_codes_replace(actor)
    audit_log(actor=actor, action="users.2fa.recovery_codes_regenerated", target=actor,
              target_repr=actor.username, changes={"recovery_codes": len(codes)})
    return codes


@transaction.atomic
def otp_remove(*, actor: User, user: User, password: str | None = None) -> None:
    """Remove a user's authenticator and recovery codes: by the user (password asked again; refused where
    the role requires two-factor authentication), or by an administrator (e.g. a lost phone)."""
    by_admin = actor.pk != user.pk
    if by_admin:
        require_role(actor, Role.ADMINISTRATOR, message=_("只有系统管理员可以重置他人的两步验证。"))
    else:
        if required_for(user):
            raise AccessDenied(_("您的角色要求两步验证，不能关闭；可以更换验证器设备。"))
        if not user.check_password(password or ""):
            raise ApplicationError(_("密码不正确。"), field="password")
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    if not removed:
        raise ApplicationError(_("该用户未启用两步验证。"))
    audit_log(actor=actor, action="users.2fa.removed", target=user, target_repr=user.username,
              changes={"by_administrator": by_admin})


# --- the log-in's second step -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None
    message: str = ""
    recovery_left: int | None = None


def _wait_message(device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    if info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and info.get("locked_until"):
        seconds = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
        return _("验证码错误次数过多，请 %(s)s 秒后再试。") % {"s": seconds}
    return _("暂时不能验证，请稍后再试。")


@transaction.atomic
def otp_verify(*, user: User, code: str) -> Verification:
    """Check a code after the password: 6 digits against the authenticator, anything else against the
    recovery codes (each works once). Never raises for a wrong code: the failure, django-otp's growing
    per-device throttle and the audit row must all be kept (a raise would roll them back)."""
    token = _token(code)
    if token is not None:
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        kind = "totp"
    else:
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        kind = "recovery"
    message = _wait_message(device) if device is not None else None
    if device is not None and message is None:
        ok = device.verify_token(token) if kind == "totp" else device.verify_token(_digest(code))
        if ok:
            if kind == "recovery":
                left = StaticToken.objects.filter(device=device).count()
                audit_log(actor=user, action="users.2fa.recovery_code_used", target=user,
                          target_repr=user.username, changes={"recovery_codes_left": left})
                return Verification(device=device, recovery_left=left)
            audit_log(actor=user, action="users.2fa.verified", target=user, target_repr=user.username)
            return Verification(device=device)
    audit_log(actor=user, action="users.2fa.failed", target=user, target_repr=user.username,
              changes={"kind": kind})
    return Verification(device=None, message=message or _("验证码不正确。"))
