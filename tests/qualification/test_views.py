"""Designation pages: criteria for all (A2.3), the review workspace, approval page blockers (A9.1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.qualification import services
from kam.qualification.models import Candidate

pytestmark = pytest.mark.django_db


def _n(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a23_criteria_page_for_everyone(users, client):
    client.force_login(users.am1)
    body = client.get("/designation/criteria/").content.decode()
    assert "大客户认定标准" in body and "¥3,000,000.00" in body and "A2.1" in body


def test_workspace_filters_decide_submit_approve(users, qualified, client):
    a = qualified("华美酒店", "5000000", manager=users.am1)
    b = qualified("小客户", "100000", manager=users.am1)
    client.force_login(users.head)
    response = client.post("/designation/reviews/open/", {"year": 2026}, follow=True)
    body = response.content.decode()
    assert "华美酒店" in body and "小客户" not in body  # default view: relevant rows
    review = a and Candidate.objects.get(customer=a).review
    response = client.post(f"/designation/reviews/{review.pk}/add/", {"customer": b.credit_code}, follow=True)
    assert "已添加" in response.content.decode()
    body = client.get(f"/designation/reviews/{review.pk}/?change=&meets=fails").content.decode()
    assert "小客户" in body and "华美酒店" not in body
    cb = Candidate.objects.get(customer=b)
    response = client.post(f"/designation/reviews/{review.pk}/decide/", {"candidate": [cb.pk], "decision": "include",
                                                                       "reason": ""}, follow=True)
    assert "须填写理由" in response.content.decode()
    client.post(f"/designation/reviews/{review.pk}/decide/", {"candidate": [cb.pk], "decision": "include",
                                                            "reason": "战略合作"})
    cb.refresh_from_db()
    assert cb.decision == "include" and cb.reason == "战略合作"
    client.post(f"/designation/reviews/{review.pk}/submit/")
    client.force_login(users.mgmt)
    body = client.get(f"/designation/reviews/{review.pk}/").content.decode()
    assert 'id="approve-review"' in body
    client.post(f"/designation/reviews/{review.pk}/approve/")
    review.refresh_from_db()
    assert review.status == "approved"
    client.force_login(users.am1)
    body = client.get("/designation/key-accounts/").content.decode()
    assert "华美酒店" in body and "小客户" in body and "核心大客户" in body


def test_approval_page_lists_blockers(users, qualified, client):
    for i in range(16):
        qualified(f"客户{i:02d}", "3500000", manager=users.am1)
    services.review_submit(actor=users.head, review=services.review_open(actor=users.head, year=2026))
    client.force_login(users.mgmt)
    review = Candidate.objects.first().review
    body = client.get(f"/designation/reviews/{review.pk}/").content.decode()
    assert 'id="blockers"' in body and "16" in body and "A9.1" in body
    response = client.post(f"/designation/reviews/{review.pk}/approve/", follow=True)
    assert "不能批准" in response.content.decode()


def test_workspace_query_count_flat(users, qualified, client):
    for i in range(3):
        qualified(f"甲{i}", "3500000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    client.force_login(users.head)
    small = _n(client, f"/designation/reviews/{review.pk}/")
    for i in range(20):
        qualified(f"乙{i}", "3600000", manager=users.am2)
    services.review_draft(actor=users.head, review=review)
    assert _n(client, f"/designation/reviews/{review.pk}/") == small


def test_account_manager_sees_own_rows_read_only(users, qualified, client):
    qualified("自有", "5000000", manager=users.am1)
    qualified("他人", "5000000", manager=users.am2)
    review = services.review_open(actor=users.head, year=2026)
    client.force_login(users.am1)
    body = client.get(f"/designation/reviews/{review.pk}/").content.decode()
    assert "自有" in body and "他人" not in body and 'id="bulk"' not in body
    assert client.post(f"/designation/reviews/{review.pk}/decide/", {"candidate": [1]}).status_code == 403
    client.force_login(users.fin)
    assert client.get(f"/designation/reviews/{review.pk}/").status_code == 403


def test_review_export_audited(users, qualified, client):
    from kam.audit.models import AuditEvent

    qualified("华美酒店", "5000000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    client.force_login(users.head)
    response = client.get(f"/designation/reviews/{review.pk}/export.xlsx")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="exchange.export").count() == 1


def test_portfolio_page_and_handover(users, qualified, client):
    a = qualified("华美酒店", "5000000", manager=users.am1)
    r = services.review_open(actor=users.head, year=2026)
    services.review_submit(actor=users.head, review=r)
    services.review_approve(actor=users.mgmt, review=r)
    client.force_login(users.head)
    assert "1/15" in client.get("/designation/portfolios/").content.decode()
    client.post("/designation/portfolios/handover/", {"customer": a.pk, "manager": users.am2.pk, "reason": "休假"})
    a.refresh_from_db()
    assert a.account_manager == users.am2


def test_a5_1_workspace_pages_its_candidates_with_totals_over_all_of_them(users, qualified, client,
                                                                          django_assert_max_num_queries):
    """A5.1, A9.1, issue 11: the annual review's candidate list is paged (50 a page, on the shared list
    component: sortable headers, filters in the URL), while the totals and the managers' loads count every
    candidate; the page's queries do not grow with the candidates."""
    for i in range(55):
        qualified(f"候选{i:02d}", str(3_500_000 + i * 1000), manager=users.am1 if i % 2 else users.am2)
    review = services.review_open(actor=users.head, year=2026)
    client.force_login(users.head)
    url = f"/designation/reviews/{review.pk}/"
    with django_assert_max_num_queries(25):
        body = client.get(url).content.decode()
    rows = body.count('<tr id="cand-')
    assert rows == 50
    totals = body[body.index('id="totals"'):body.index('id="candidates"')]
    assert "<dd>55</dd>" in totals  # 候选总数 over all candidates, not the page
    assert "：28/" in totals and "：27/" in totals  # the managers' loads, over all included rows
    assert "候选54" in body and "候选00" not in body  # largest purchases first
    second = client.get(url + "?page=2").content.decode()
    assert second.count('<tr id="cand-') == 5 and "候选00" in second
    by_name = client.get(url + "?sort=customer").content.decode()
    assert by_name.index("候选00") < by_name.index("候选01")
    assert client.get(url + "?change=&meets=fails").content.decode().count('<tr id="cand-') == 0
    small = _n(client, url)
    for i in range(30):
        qualified(f"追加{i:02d}", "3600000", manager=users.am2)
    services.review_draft(actor=users.head, review=review)
    assert _n(client, url) == small
