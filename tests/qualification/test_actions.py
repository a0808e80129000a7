"""Designation actions (A5.1, A5.2, A9.2): one URL and one form per action; bad input is a 400 naming the
field with nothing changed (huge ids included); the htmx workspace gets its errors back in place."""

import pytest

from kam.qualification import services
from kam.qualification.models import Candidate, Proposal, Review
from tests.engagement.conftest import designate  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def test_a51_open_review_refuses_bad_years(users, client):
    client.force_login(users.head)
    for year in ("abc", HUGE, "1999", "2101"):
        response = client.post("/designation/reviews/open/", {"year": year})
        assert response.status_code == 400, year
        assert "「年度」" in response.content.decode()
    assert not Review.objects.exists()
    assert client.post("/designation/reviews/", {"year": 2026}).status_code == 405  # the list only renders


def test_a51_decide_refuses_garbage_rows_and_managers(users, qualified, client):
    qualified("华美酒店", "5000000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    cand = Candidate.objects.get()
    client.force_login(users.head)
    url = f"/designation/reviews/{review.pk}/decide/"
    for data, label in [({"candidate": ["abc"], "decision": "exclude", "reason": "x"}, "选中的行"),
                        ({"candidate": [HUGE], "decision": "exclude", "reason": "x"}, "选中的行"),
                        ({"candidate": [cand.pk], "decision": "maybe"}, "决定"),
                        ({"candidate": [cand.pk], "manager": HUGE}, "客户经理"),
                        ({"candidate": [cand.pk], "manager": users.svc.pk}, "客户经理"),
                        ({"candidate": [], "decision": "exclude", "reason": "x"}, "选中的行")]:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert f"「{label}」" in response.content.decode(), data
    cand.refresh_from_db()
    assert cand.decision == "" and cand.proposed_manager == users.am1


def test_a51_htmx_decide_refusal_returns_the_workspace_with_the_error_and_the_typed_reason(users, qualified,
                                                                                             client):
    qualified("华美酒店", "5000000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    cand = Candidate.objects.get()
    client.force_login(users.head)
    response = client.post(f"/designation/reviews/{review.pk}/decide/",
                           {"candidate": [cand.pk], "decision": "include", "reason": "", "manager": users.am2.pk},
                           HTTP_HX_REQUEST="true")
    # the draft already includes it: "include" is not against the draft, so no reason is needed → done
    assert response.status_code == 200 and 'id="workspace"' in response.content.decode()
    cand.refresh_from_db()
    assert cand.proposed_manager == users.am2
    response = client.post(f"/designation/reviews/{review.pk}/decide/",
                           {"candidate": [cand.pk], "decision": "exclude", "reason": ""}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="workspace"' in body and "<h1>" not in body  # the fragment, not the page
    assert "须填写理由" in body and f'value="{cand.pk}" aria-label="华美酒店" checked' in body
    assert '<option value="exclude" selected>' in body
    cand.refresh_from_db()
    assert cand.decision == "include" and cand.proposed_manager == users.am2  # unchanged by the refusal


def test_a51_adding_an_unknown_customer_names_the_field_and_keeps_the_text(users, qualified, client):
    qualified("华美酒店", "5000000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    client.force_login(users.head)
    response = client.post(f"/designation/reviews/{review.pk}/add/", {"customer": "不存在的公司"})
    body = response.content.decode()
    assert response.status_code == 400 and "「客户」" in body and 'value="不存在的公司"' in body
    assert Candidate.objects.count() == 1
    response = client.post(f"/designation/reviews/{review.pk}/return/", {"comment": "x"})
    assert response.status_code == 403  # management's action; the head may not


def test_a92_handover_refuses_garbage_and_huge_ids(users, qualified, client):
    a = qualified("华美酒店", "5000000", manager=users.am1)
    client.force_login(users.head)
    url = "/designation/portfolios/handover/"
    for data, label in [({"customer": HUGE, "manager": users.am2.pk}, "客户"),
                        ({"customer": "abc", "manager": users.am2.pk}, "客户"),
                        ({"customer": a.pk, "manager": HUGE}, "交给"),
                        ({"customer": a.pk, "manager": users.svc.pk}, "交给"),
                        ({"customer": a.pk}, "交给")]:
        response = client.post(url, {**data, "reason": "休假"})
        assert response.status_code == 400, data
        assert f"「{label}」" in response.content.decode() and 'value="休假"' in response.content.decode()
    a.refresh_from_db()
    assert a.account_manager == users.am1
    client.force_login(users.mgmt)
    assert client.post(url, {"customer": a.pk, "manager": users.am2.pk}).status_code == 403


def test_a52_proposals_refuse_bad_kinds_and_unknown_proposals(users, qualified, designate, client):  # noqa: F811
    a = qualified("华美酒店", "100", manager=users.am1)
    designate(a)
    client.force_login(users.head)
    response = client.post("/designation/midyear/proposals/", {"customer": a.pk, "kind": "promote", "reason": "x"})
    assert response.status_code == 400 and "「类型」" in response.content.decode()
    response = client.post("/designation/midyear/proposals/", {"customer": HUGE, "kind": "removal", "reason": "x"})
    assert response.status_code == 400 and "「客户」" in response.content.decode()
    response = client.post("/designation/midyear/proposals/", {"customer": a.pk, "kind": "removal", "reason": " "})
    assert response.status_code == 400 and "「理由」" in response.content.decode() and "A5.2" in response.content.decode()
    assert not Proposal.objects.exists()
    client.post("/designation/midyear/proposals/", {"customer": a.pk, "kind": "removal", "reason": "合作终止"})
    p = Proposal.objects.get()
    client.force_login(users.mgmt)
    response = client.post(f"/designation/midyear/proposals/{p.pk}/decide/", {"comment": "同意"})
    assert response.status_code == 400 and "「批准或驳回」" in response.content.decode()
    assert client.post(f"/designation/midyear/proposals/{HUGE}/decide/", {"approve": "1"}).status_code == 404
    assert client.post(f"/designation/midyear/proposals/{p.pk}/decide/", {"approve": "1"}).status_code == 302
    p.refresh_from_db()
    assert p.status == "approved"


def test_api_refuses_bad_choices_and_ids_by_schema(users, qualified, client):
    qualified("华美酒店", "5000000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    client.force_login(users.head)
    base = f"/api/designation/reviews/{review.pk}"
    for path, payload, field in [("/decide", {"candidate_ids": [1], "decision": "maybe"}, "decision"),
                                 ("/decide", {"candidate_ids": [int(HUGE)]}, "candidate_ids.0"),
                                 ("/decide", {"candidate_ids": [1], "manager_id": -3}, "manager_id"),
                                 ("/candidates", {"customer_id": "abc"}, "customer_id")]:
        r = client.post(base + path, payload, content_type="application/json")
        assert r.status_code == 422 and r.json()["field"] == field, (path, payload, r.content)
    r = client.post("/api/designation/proposals", {"customer_id": 1, "kind": "promote", "reason": "x"},
                    content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "kind"
    r = client.post("/api/designation/reviews", {"year": int(HUGE)}, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "year"
    assert client.get("/api/designation/key-accounts?tier=gold").status_code == 422
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert schema["ProposalKind"]["enum"] == ["inclusion", "removal", "keep"]
    assert schema["DecideIn"]["properties"]["decision"]["anyOf"][0]["enum"] == ["include", "exclude", ""]
