"""Playwright: head reveals a floor price, am1 cannot, management sees the access record (A7.1, A7.2)."""

import pytest

from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_reveal_flow_across_roles(live_server, make_user, customer_factory, browser):  # noqa: F811
    from kam.customers.services import floor_price_set
    from kam.users.models import Role

    make_user("head", Role.HEAD_OF_SALES, display_name="王总")
    make_user("mgmt", Role.MANAGEMENT)
    am1 = make_user("am1", Role.ACCOUNT_MANAGER)
    c = customer_factory("华美酒店", manager=am1)
    floor_price_set(actor=None, customer=c, product_series="酒店床组", price="7654.32")

    page = browser.new_page()
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/customers/{c.pk}/")
    assert not any(v in page.content() for v in ("7654.32", "7,654.32"))  # not in the page by default
    page.click("#reveal-floor")
    page.wait_for_selector("#floor-price-values")
    assert any(v in page.inner_text("#floor-price-values") for v in ("7654.32", "7,654.32"))

    page.context.clear_cookies()
    login(page, live_server.url, "am1")
    page.goto(f"{live_server.url}/customers/{c.pk}/")
    assert page.locator("#reveal-floor").count() == 0
    assert not any(v in page.content() for v in ("7654.32", "7,654.32"))
    assert "核心数据" in page.inner_text("#section-floor-prices")

    page.context.clear_cookies()
    login(page, live_server.url, "mgmt")
    page.goto(f"{live_server.url}/audit/access-log/")
    row = page.inner_text("#access-log")
    assert "王总" in row and "floor_price:酒店床组" in row and "华美酒店" in row
    assert not any(v in row for v in ("7654.32", "7,654.32"))
