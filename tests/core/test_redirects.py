"""No open redirect (issue 12 §4): every `next` is followed only when it stays on this site."""

import pytest

pytestmark = pytest.mark.django_db

EVIL = ["https://evil.example/phish", "//evil.example/phish", "http://evil.example", "javascript:alert(1)",
        "https:///evil.example", "/\\evil.example"]


def test_safe_next_keeps_local_paths_and_drops_other_hosts(rf):
    from kam.core.redirects import safe_next

    assert safe_next(rf.get("/x", {"next": "/customers/?q=1"}), "my_day") == "/customers/?q=1"
    for url in EVIL:
        assert safe_next(rf.get("/x", {"next": url}), "my_day") == "/my-day/", url
    assert safe_next(rf.post("/x", {"next": "https://evil.example/"}), "/") == "/"


def test_contact_log_does_not_redirect_off_site(users, customer_factory, client):
    c = customer_factory("华美酒店", manager=users.am1)
    client.force_login(users.am1)
    data = {"customer": c.pk, "at": "2026-11-26T10:00", "kind": "phone", "topic": "needs", "summary": "询问新品"}
    response = client.post("/engagement/log/?next=https://evil.example/phish", data)
    assert response.status_code == 302 and response["Location"] == "/my-day/"
    response = client.post(f"/engagement/log/?next=/customers/{c.pk}/", data)
    assert response.status_code == 302 and response["Location"] == f"/customers/{c.pk}/"


def test_login_does_not_redirect_off_site(users, client):
    for url in EVIL:
        response = client.post(f"/login/?next={url}", {"username": "am1", "password": "pw-kam-2026", "next": url})
        assert response.status_code == 302 and "evil.example" not in response["Location"], url
        client.logout()
    response = client.post("/login/", {"username": "am1", "password": "pw-kam-2026", "next": "/customers/"})
    assert response["Location"] == "/customers/"
