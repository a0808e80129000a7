"""Playwright: the head of sales opens a review, decides two rows, submits; management approves (A5.1)."""

from datetime import date
from decimal import Decimal

import pytest

from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_head_decides_two_rows_submits_and_management_approves(live_server, make_user, customer_factory,
                                                               browser):  # noqa: F811
    from kam.orders.services import LineIn, order_create
    from kam.qualification.models import Candidate, Designation
    from kam.users.models import Role

    head = make_user("head", Role.HEAD_OF_SALES, display_name="王总")
    make_user("mgmt", Role.MANAGEMENT)
    am1 = make_user("am1", Role.ACCOUNT_MANAGER)
    del head
    names = ["华美酒店", "远景地产", "南海宾馆"]
    for i, name in enumerate(names):
        c = customer_factory(name, manager=am1, purchase_potential=True, purchase_potential_note="扩张")
        for n, (on, amount) in enumerate([(date(2023, 1, 5), "1000"), (date(2026, 3, 1), str(4_000_000 + i))]):
            order_create(actor=None, customer=c, number=f"B-{i}-{n}", order_date=on, status="delivered",
                         lines=[LineIn("沙发", "SF-320", Decimal("1"), Decimal(amount))])

    page = browser.new_page()
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/designation/reviews/")
    page.click("text=开启评审并生成草稿")
    page.wait_for_selector("#candidates")
    for name in names:
        assert page.locator(f"#candidates >> text={name}").count() == 1
    # exclude two rows against the draft, with a reason
    for name in names[:2]:
        cid = Candidate.objects.get(customer__name=name).pk
        page.check(f"#cand-{cid} input[type=checkbox]")
    page.select_option("#bulk select[name=decision]", "exclude")
    page.fill("#bulk input[name=reason]", "年内合作终止")
    page.click("#apply-decision")
    page.wait_for_selector("text=年内合作终止")
    assert Candidate.objects.filter(decision="exclude", reason="年内合作终止").count() == 2
    page.click("#submit-review")
    page.wait_for_selector("text=已提交管理层审批")

    page.context.clear_cookies()
    login(page, live_server.url, "mgmt")
    page.goto(f"{live_server.url}/designation/reviews/")
    page.click("text=年度大客户评审")
    page.click("#approve-review")
    page.wait_for_selector("text=已批准")
    assert list(Designation.objects.filter(ended_at__isnull=True).values_list("customer__name", flat=True)) == [
        "南海宾馆"]


def test_a_refused_decision_shows_its_error_in_the_workspace_without_a_reload(live_server, make_user,
                                                                            customer_factory, browser):  # noqa: F811
    """htmx swaps a refused form's 400 answer: the error (A5.1: a reason against the draft) appears in place,
    the checked row and the chosen decision kept, nothing saved."""
    from kam.orders.services import LineIn, order_create
    from kam.qualification.models import Candidate
    from kam.qualification.services import review_open
    from kam.users.models import Role

    head = make_user("head", Role.HEAD_OF_SALES, display_name="王总")
    am1 = make_user("am1", Role.ACCOUNT_MANAGER)
    c = customer_factory("华美酒店", manager=am1, purchase_potential=True, purchase_potential_note="扩张")
    for n, (on, amount) in enumerate([(date(2023, 1, 5), "1000"), (date(2026, 3, 1), "4000000")]):
        order_create(actor=None, customer=c, number=f"B-{n}", order_date=on, status="delivered",
                     lines=[LineIn("沙发", "SF-320", Decimal("1"), Decimal(amount))])
    review = review_open(actor=head, year=2026)
    cid = Candidate.objects.get(customer=c).pk

    page = browser.new_page()
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/designation/reviews/{review.pk}/")
    page.check(f"#cand-{cid} input[type=checkbox]")
    page.select_option("#bulk select[name=decision]", "exclude")
    page.click("#apply-decision")
    page.wait_for_selector("#workspace #form-errors")
    assert "须填写理由" in page.inner_text("#form-errors")
    assert page.is_checked(f"#cand-{cid} input[type=checkbox]")
    assert page.eval_on_selector("#bulk select[name=decision]", "el => el.value") == "exclude"
    assert page.url.endswith(f"/designation/reviews/{review.pk}/")  # swapped in place, no navigation
    assert Candidate.objects.get(pk=cid).decision == ""
