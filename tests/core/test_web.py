import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_healthz_503_when_database_unreachable(client, monkeypatch):
    from django.db.backends.base import base

    def broken(self, *a, **k):
        raise DatabaseError("down")

    monkeypatch.setattr(base.BaseDatabaseWrapper, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_pages_need_login(client):
    response = client.get("/customers/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_login_and_chinese_default(users, client):
    response = client.post("/login/", {"username": "am1", "password": "pw-kam-2026"}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "客户" in body and 'lang="zh-CN"' in body


def test_english_switch(users, client):
    client.force_login(users.am1)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/", follow=True).content.decode()
    assert 'lang="en"' in body


def test_failed_logins_are_throttled_per_user(users, client):
    for _ in range(5):
        response = client.post("/login/", {"username": "am1", "password": "wrong"})
        assert "用户名或密码不正确" in response.content.decode()
    # now even the right password is refused for a while
    response = client.post("/login/", {"username": "am1", "password": "pw-kam-2026"})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another user from another address is not affected
    response = client.post("/login/", {"username": "am2", "password": "pw-kam-2026"}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302


def test_passwords_hashed_with_argon2_in_production():
    from kam import settings as prod

    assert prod.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_pages_load_no_external_assets(users, client):
    client.force_login(users.head)
    body = client.get("/customers/").content.decode()
    assert 'src="http' not in body and 'href="http' not in body
    assert "/static/vendor/htmx/htmx.min.js" in body


def test_admin_cannot_change_domain_models(users, client, customer_factory):
    customer = customer_factory()
    client.force_login(users.admin)
    users.admin.is_superuser = True
    users.admin.save()
    assert client.get("/admin/customers/customer/add/").status_code == 403
    response = client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert response.status_code == 200 and b'name="_save"' not in response.content
    assert client.get("/admin/customers/floorprice/").status_code == 404


def test_english_pages_are_translated(users, client):
    """The UI's second language: pages switch to English text."""
    client.force_login(users.head)
    client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    body = client.get("/customers/").content.decode()
    assert "Customer" in body and "客户名称" not in body
    body = client.get("/designation/criteria/").content.decode()
    assert "effective from" in body


def test_chinese_by_default_even_for_an_english_browser(users, client):
    client.force_login(users.head)
    body = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "客户名称" in body and 'lang="zh-CN"' in body
