"""Browser test (Playwright driving Debian's chromium): the head of sales must enrol two-factor
authentication after the password, confirms with a code computed from the key shown by hand, logs out, logs
in again with password + code, and a recovery code works once (issue 12 §4)."""

import time

import pytest

from tests.core.browser import browser, needs_chromium  # noqa: F401 - fixture
from tests.users.otp_helpers import code_for

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def _password(page, base_url, username="head"):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-kam-2026")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def _next_code(key: str) -> str:
    """A code the device has not seen: never the step the last accepted code came from."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    last_t = TOTPDevice.objects.get().last_t
    return code_for(key, steps_ahead=max(0, last_t + 1 - int(time.time() // 30)))


def test_head_of_sales_enrols_then_logs_in_with_a_code_and_a_recovery_code_once(live_server, make_user, browser,  # noqa: F811
                                                                                settings):
    from kam.users.models import Role

    settings.KAM_OTP_REQUIRED_ROLES = ["head_of_sales", "management", "administrator"]
    make_user("head", Role.HEAD_OF_SALES, display_name="陈总")
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    _password(page, live_server.url)
    assert "/account/2fa/enrol/" in page.url  # sent to enrolment; nothing else is reachable
    page.goto(f"{live_server.url}/customers/")
    assert "/account/2fa/" in page.url and page.locator("#otp-required").is_visible()
    assert page.locator("#otp-qr").evaluate("img => img.complete && img.naturalWidth > 0")  # the QR code shows
    key = page.inner_text("#otp-key")
    page.fill("#id_code", code_for(key))
    page.click("button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    page.click("text=我已保存，继续")
    page.goto(f"{live_server.url}/customers/")
    assert "/customers/" in page.url and "/account/2fa/" not in page.url
    page.click("text=退出")
    page.wait_for_url(lambda url: "/login/" in url)

    _password(page, live_server.url)
    assert "/account/2fa/verify/" in page.url
    page.fill("#id_code", _next_code(key))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/account/2fa/" not in url)
    assert page.locator("a.who").inner_text() == "陈总"
    page.click("text=退出")
    page.wait_for_url(lambda url: "/login/" in url)

    _password(page, live_server.url)
    page.fill("#id_code", codes[0])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/account/2fa/" not in url)
    assert "还剩 9 个" in page.content()
    page.click("text=退出")
    page.wait_for_url(lambda url: "/login/" in url)

    _password(page, live_server.url)
    page.fill("#id_code", codes[0])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/account/2fa/verify/" in page.url and "验证码不正确" in page.content()  # a recovery code works once
    assert not errors, errors  # no CSP violation or script error on the way
