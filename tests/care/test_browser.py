"""Playwright (A14.2): an account manager registers a gift over the approval threshold from the customer's page,
the head of sales approves it from 待我审批, the account manager marks it given."""

import pytest

from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a142_gift_over_the_threshold_registered_approved_and_given(live_server, make_user, customer_factory,
                                                                     browser):  # noqa: F811
    from kam.care.models import Gift
    from kam.users.models import Role
    from tests.factories import ContactFactory

    make_user("head", Role.HEAD_OF_SALES, display_name="王总")
    am1 = make_user("am1", Role.ACCOUNT_MANAGER, display_name="李经理")
    c = customer_factory("华美酒店", manager=am1)
    boss = ContactFactory(customer=c, name="林董", title="董事长", is_decision_maker=True)

    page = browser.new_page()
    login(page, live_server.url, "am1")
    page.goto(f"{live_server.url}/customers/{c.pk}/")
    page.click("#section-gifts >> text=登记礼品")
    page.wait_for_selector("#gift-form")
    assert "林董" in page.inner_text("#recipient-totals")
    page.select_option("#recipient", str(boss.pk))
    page.fill("#item", "定制红木笔筒")
    page.select_option("#category", "craft")
    page.fill("#quantity", "1")
    page.fill("#unit_value", "260.00")
    page.fill("#occasion", "中秋节")
    page.click("#gift-form button")
    page.wait_for_selector("#gift-state")
    assert page.inner_text("#gift-state") == "待审批"
    assert "已提交销售部负责人审批" in page.content()
    assert page.locator("#given-form").count() == 0
    gift = Gift.objects.get()

    page.context.clear_cookies()
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/approvals/")
    assert "礼品审批" in page.inner_text("#approvals")
    page.click("#approvals >> text=去审批")
    page.wait_for_selector("#decide-form")
    page.fill("#decide-form input[name=note]", "同意")
    page.click("#decide-form button[value=approve]")
    page.wait_for_selector("#gift-state")
    assert page.inner_text("#gift-state") == "已批准"

    page.context.clear_cookies()
    login(page, live_server.url, "am1")
    page.goto(f"{live_server.url}/care/gifts/{gift.pk}/")
    page.click("#given-form button")
    page.wait_for_selector("#gift-state")
    assert page.inner_text("#gift-state") == "已赠送"
    gift.refresh_from_db()
    assert gift.state == "given" and gift.decided_by.username == "head"
