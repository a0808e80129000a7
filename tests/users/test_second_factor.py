"""Two-factor authentication (TOTP + recovery codes, django-otp), required for the head of sales, management
and the administrator and optional for the others (issue 12 §4)."""

import pytest
from django.test import Client

from tests.users.otp_helpers import code_for, key_from_page, recovery_codes_from_page

pytestmark = pytest.mark.django_db

RIGHT = "pw-kam-2026"
REQUIRED = ["head_of_sales", "management", "administrator"]


@pytest.fixture
def required(settings):
    settings.KAM_OTP_REQUIRED_ROLES = REQUIRED


def _password(client, username):
    response = client.post("/login/", {"username": username, "password": RIGHT})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def _time_passes():
    """The devices' growing delay after a wrong code has run out."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        model.objects.update(throttling_failure_timestamp=None)


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/2fa/enrol/").content.decode()
    key = key_from_page(page)
    done = client.post("/account/2fa/enrol/", {"code": code_for(key)})
    assert done.status_code == 200
    return key, recovery_codes_from_page(done.content.decode())


def test_a_required_role_without_a_device_can_do_nothing_before_enrolling(users, required):
    from kam.audit.models import AuditEvent

    client = Client()
    _password(client, "head")
    for path in ("/", "/customers/", "/compliance/", "/account/tokens/", "/system/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/2fa/verify/"), path
    assert client.get("/account/2fa/verify/?next=/customers/")["Location"].startswith("/account/2fa/enrol/")
    assert client.post("/customers/", {}).status_code == 302
    assert client.get("/api/customers/").status_code == 401  # a half-finished log-in is no API session
    page = client.get("/account/2fa/enrol/").content.decode()
    assert 'id="otp-required"' in page and 'src="data:image/svg+xml' in page and "<script>" not in page
    key = key_from_page(page)
    assert client.post("/account/2fa/enrol/", {"code": "123"}).status_code == 200  # refused, explained
    assert "6 位数字" in client.post("/account/2fa/enrol/", {"code": "12x"}).content.decode()
    done = client.post("/account/2fa/enrol/", {"code": code_for(key)})
    codes = recovery_codes_from_page(done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/customers/").status_code == 200
    assert client.get("/api/customers/").status_code == 200
    event = AuditEvent.objects.get(action="users.2fa.enrolled")
    assert event.actor == users.head and key.replace(" ", "") not in str(event.changes)


def test_a_wrong_enrolment_code_keeps_the_same_key_and_enrols_nothing(users, required):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    _password(client, "mgmt")
    key = key_from_page(client.get("/account/2fa/enrol/").content.decode())
    wrong = "000000" if code_for(key) != "000000" else "111111"
    body = client.post("/account/2fa/enrol/", {"code": wrong}).content.decode()
    assert "验证码不正确" in body and key_from_page(body) == key
    assert not TOTPDevice.objects.exists()


def test_log_in_with_password_and_code_then_a_recovery_code_works_once(users, required):
    from kam.audit.models import AuditEvent
    from kam.users.models import User

    first = Client()
    _password(first, "head")
    key, codes = _enrol(first)
    first.post("/logout/")

    again = Client()
    _password(again, "head")
    assert again.get("/customers/")["Location"].startswith("/account/2fa/verify/")
    wrong = "000000" if code_for(key, steps_ahead=1) != "000000" else "111111"
    assert "验证码不正确" in again.post("/account/2fa/verify/", {"code": wrong}).content.decode()
    _time_passes()
    # the enrolment used the current step's code; the next step's is accepted (and never the same one twice)
    response = again.post("/account/2fa/verify/?next=/customers/", {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert again.get("/customers/").status_code == 200

    third = Client()
    _password(third, "head")
    assert third.post("/account/2fa/verify/", {"code": codes[0].upper()}).status_code == 302
    assert third.get("/customers/").status_code == 200
    fourth = Client()
    _password(fourth, "head")
    body = fourth.post("/account/2fa/verify/", {"code": codes[0]}).content.decode()
    assert "验证码不正确" in body and fourth.get("/customers/").status_code == 302  # used once only
    actions = list(AuditEvent.objects.filter(target_id=str(User.objects.get(username="head").pk))
                   .values_list("action", flat=True))
    for action in ("users.2fa.enrolled", "users.2fa.verified", "users.2fa.failed", "users.2fa.recovery_code_used",
                   "users.logout", "users.login.succeeded"):
        assert action in actions, action
    used = AuditEvent.objects.get(action="users.2fa.recovery_code_used")
    assert used.changes == {"recovery_codes_left": 9}


def test_recovery_codes_are_stored_only_as_digests(users, required):
    from django_otp.plugins.otp_static.models import StaticToken

    client = Client()
    _password(client, "admin")
    _key, codes = _enrol(client)
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_a_totp_code_is_not_accepted_twice(users, required):
    client = Client()
    _password(client, "head")
    key, _codes = _enrol(client)
    client.post("/logout/")
    second = Client()
    _password(second, "head")
    assert "验证码不正确" in second.post("/account/2fa/verify/", {"code": code_for(key)}).content.decode()


def test_password_alone_cannot_replace_the_owners_authenticator(users, required):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    owner = Client()
    _password(owner, "head")
    _enrol(owner)
    device = TOTPDevice.objects.get()
    attacker = Client()
    _password(attacker, "head")
    assert attacker.get("/account/2fa/enrol/")["Location"].startswith("/account/2fa/verify/")
    attacker.post("/account/2fa/enrol/", {"code": "123456"})
    assert list(TOTPDevice.objects.all()) == [device]


def test_optional_roles_log_in_without_a_code_and_may_enrol(users, required):
    client = Client()
    _password(client, "am1")
    assert client.get("/customers/").status_code == 200
    key, _codes = _enrol(client)
    client.post("/logout/")
    client = Client()
    _password(client, "am1")
    assert client.get("/customers/")["Location"].startswith("/account/2fa/verify/")
    client.post("/account/2fa/verify/", {"code": code_for(key, steps_ahead=1)})
    assert client.get("/customers/").status_code == 200
    # an optional role may turn it off again (password asked again); a required role may not
    assert "密码不正确" in client.post("/account/2fa/remove/", {"password": "nope"}, follow=True).content.decode()
    body = client.post("/account/2fa/remove/", {"password": RIGHT}, follow=True).content.decode()
    assert "已关闭两步验证" in body


def test_a_required_role_cannot_turn_two_factor_off_but_the_administrator_can_reset_it(users, required):
    from kam.audit.models import AuditEvent
    from kam.users.second_factor import has_device

    client = Client()
    _password(client, "head")
    _enrol(client)
    body = client.post("/account/2fa/remove/", {"password": RIGHT}, follow=True).content.decode()
    assert "不能关闭" in body and has_device(users.head)
    admin = Client()
    admin.force_login(users.admin)  # force_login: the admin's own second factor is not under test here
    session = admin.session
    session["kam_second_factor"] = ""
    session.save()
    body = admin.post(f"/system/users/{users.head.pk}/reset-2fa/", follow=True).content.decode()
    assert "已移除“head”的验证器和恢复码" in body and not has_device(users.head)
    assert AuditEvent.objects.get(action="users.2fa.removed").changes == {"by_administrator": True}
    # the head of sales' session lost its verification: back to enrolment
    assert client.get("/customers/")["Location"].startswith("/account/2fa/verify/")


def test_regenerating_recovery_codes_needs_the_password_and_voids_the_old_ones(users, required):
    client = Client()
    _password(client, "head")
    _key, old = _enrol(client)
    assert "密码不正确" in client.post("/account/2fa/recovery-codes/", {"password": "x"}, follow=True).content.decode()
    new = recovery_codes_from_page(client.post("/account/2fa/recovery-codes/", {"password": RIGHT}).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    later = Client()
    _password(later, "head")
    assert "验证码不正确" in later.post("/account/2fa/verify/", {"code": old[1]}).content.decode()
    _time_passes()
    assert later.post("/account/2fa/verify/", {"code": new[1]}).status_code == 302


def test_django_admin_log_in_does_not_skip_the_second_factor(users, required):
    users.admin.is_superuser = True
    users.admin.save()
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": RIGHT,
                                                          "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith("/account/2fa/verify/")


def test_wrong_codes_are_throttled_by_the_device(users, required):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    _password(client, "head")
    key, _codes = _enrol(client)
    client.post("/logout/")
    client = Client()
    _password(client, "head")
    good = code_for(key, steps_ahead=1)
    wrong = "000000" if good != "000000" else "111111"
    client.post("/account/2fa/verify/", {"code": wrong})
    body = client.post("/account/2fa/verify/", {"code": good}).content.decode()
    assert "错误次数过多" in body  # even the right code waits out the device's growing delay
    assert TOTPDevice.objects.get().throttling_failure_count == 1


def test_two_factor_is_off_by_default_in_the_test_settings(users):
    client = Client()
    _password(client, "head")
    assert client.get("/customers/").status_code == 200
