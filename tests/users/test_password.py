"""Users change their own password (other sessions end); an administrator's reset gives a one-time
temporary password the user must replace at the next log-in (issue 12 §4)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

RIGHT = "pw-kam-2026"


def _logged_in(username, ip="10.0.0.1") -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": RIGHT}, REMOTE_ADDR=ip)
    assert response.status_code == 302
    return client


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(users):
    from kam.audit.models import AuditEvent

    laptop, phone = _logged_in("am1"), _logged_in("am1", ip="10.0.0.2")
    assert phone.get("/customers/").status_code == 200
    response = laptop.post("/account/password/", {"old_password": RIGHT, "new_password1": "Kam-new-pass-77",
                                                  "new_password2": "Kam-new-pass-77"}, follow=True)
    assert "密码已修改" in response.content.decode()
    assert laptop.get("/customers/").status_code == 200
    gone = phone.get("/customers/")
    assert gone.status_code == 302 and gone["Location"].startswith("/login/")
    users.am1.refresh_from_db()
    assert users.am1.check_password("Kam-new-pass-77")
    event = AuditEvent.objects.get(action="users.password.changed")
    assert event.actor == users.am1 and "Kam-new-pass-77" not in str(event.changes)


@pytest.mark.parametrize("data, message", [
    ({"old_password": "wrong", "new_password1": "Kam-new-pass-77", "new_password2": "Kam-new-pass-77"},
     "当前密码不正确"),
    ({"old_password": RIGHT, "new_password1": "Kam-new-pass-77", "new_password2": "Kam-new-pass-78"},
     "两次输入的新密码不一致"),
    ({"old_password": RIGHT, "new_password1": "short", "new_password2": "short"}, "8"),
    ({"old_password": RIGHT, "new_password1": "password123", "new_password2": "password123"}, "常见"),
    ({"old_password": RIGHT, "new_password1": RIGHT, "new_password2": RIGHT}, "不能与当前密码相同"),
])
def test_a_refused_password_change_says_why_and_changes_nothing(users, data, message):
    client = _logged_in("am1")
    response = client.post("/account/password/", data)
    assert response.status_code == 200 and message in response.content.decode()
    users.am1.refresh_from_db()
    assert users.am1.check_password(RIGHT)


def test_an_administrators_reset_gives_a_temporary_password_to_be_replaced_at_once(users):
    import re

    from kam.audit.models import AuditEvent

    victim_session = _logged_in("am1")
    admin = Client()
    admin.force_login(users.admin)
    body = admin.post(f"/system/users/{users.am1.pk}/reset-password/").content.decode()
    temporary = re.search(r'<code id="temporary-password">([^<]+)</code>', body).group(1)
    assert len(temporary) == 12
    assert victim_session.get("/customers/").status_code == 302  # the user's sessions ended
    assert temporary not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert AuditEvent.objects.get(action="users.password.reset").actor == users.admin
    # the edit page does not show the temporary password again
    assert temporary not in admin.get(f"/system/users/{users.am1.pk}/").content.decode()

    client = Client()
    assert client.post("/login/", {"username": "am1", "password": temporary}).status_code == 302
    for path in ("/", "/customers/", "/account/tokens/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/password/"), path
    assert client.get("/api/customers/").status_code == 401
    page = client.get("/account/password/").content.decode()
    assert 'id="must-change"' in page
    client.post("/account/password/", {"old_password": temporary, "new_password1": "Kam-own-pass-55",
                                       "new_password2": "Kam-own-pass-55"})
    assert client.get("/customers/").status_code == 200
    users.am1.refresh_from_db()
    assert not users.am1.must_change_password


def test_the_administrator_cannot_reset_their_own_password_there(users):
    admin = Client()
    admin.force_login(users.admin)
    body = admin.post(f"/system/users/{users.admin.pk}/reset-password/", follow=True).content.decode()
    assert "账户安全" in body
    users.admin.refresh_from_db()
    assert users.admin.check_password(RIGHT)
