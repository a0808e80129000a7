"""Browser test (Playwright driving Debian's chromium, headless): am1 logs in and opens a customer."""

import pytest

from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_am1_logs_in_opens_customer_and_sees_only_own(live_server, make_user, customer_factory, browser):  # noqa: F811
    from kam.customers.services import contact_create
    from kam.users.models import Role

    am1 = make_user("am1", Role.ACCOUNT_MANAGER, display_name="李明")
    am2 = make_user("am2", Role.ACCOUNT_MANAGER)
    own = customer_factory("佛山华美酒店管理有限公司", manager=am1)
    customer_factory("广州远景地产有限公司", manager=am2)
    contact_create(actor=None, customer=own, name="林董", phone="13711112222", is_decision_maker=True)

    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, live_server.url, "am1")
    page.goto(f"{live_server.url}/customers/")
    assert page.locator("text=广州远景地产有限公司").count() == 0
    page.click("text=佛山华美酒店管理有限公司")
    page.wait_for_selector("h1")
    assert "佛山华美酒店管理有限公司" in page.inner_text("h1")
    body = page.content()
    assert "林董" in body and "13711112222" not in body
    assert "核心数据" in body
