"""The administrator's system pages (/system/): users and roles, log-in history, throttles (issue 12 §4).
Only the administrator reaches them (management: the log-in history); every change is audited."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

RIGHT = "pw-kam-2026"


def _system_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return [r.replace("<int:pk>", "1") for r in walk(get_resolver().url_patterns) if r.startswith("system/")]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["am1", "head", "mkt", "svc", "fin", "mgmt"])
def test_only_the_administrator_reaches_the_system_pages(users, who):
    routes = _system_routes()
    assert len(routes) >= 15  # users, log-ins, throttles and the notification settings
    client = _client(getattr(users, who))
    for route in routes:
        if who == "mgmt" and route == "system/logins/":
            assert client.get("/" + route).status_code == 200
            continue
        assert client.get("/" + route).status_code in (403, 405), route
        assert client.post("/" + route, {}).status_code == 403, route
    users.head.refresh_from_db()
    assert users.head.is_active


def test_the_administrator_creates_a_user_with_roles_and_a_temporary_password(users):
    import re

    from kam.audit.models import AuditEvent
    from kam.users.models import User

    admin = _client(users.admin)
    # refused: the form keeps what was typed and names the field
    body = admin.post("/system/users/new/", {"username": "am1", "display_name": "王小明", "email": "wxm@example.com",
                                             "roles": ["account_manager"]}).content.decode()
    assert "用户名 am1 已存在" in body and 'value="王小明"' in body and 'value="wxm@example.com"' in body
    assert re.search(r'value="account_manager"[^>]*checked', body)
    assert not re.search(r'value="marketing"[^>]*checked', body)
    body = admin.post("/system/users/new/", {"username": "wangxm", "display_name": "王小明"}).content.decode()
    assert "请至少选择一个角色" in body and 'value="王小明"' in body
    body = admin.post("/system/users/new/", {"username": "wangxm", "display_name": "王小明",
                                             "roles": ["account_manager", "marketing"]}).content.decode()
    assert "已创建用户 wangxm" in body and "客户经理" in body
    temporary = re.search(r'<code id="temporary-password">([^<]+)</code>', body).group(1)
    user = User.objects.get(username="wangxm")
    assert user.roles == {"account_manager", "marketing"} and user.must_change_password
    assert AuditEvent.objects.get(action="users.user.created").actor == users.admin
    client = Client()
    assert client.post("/login/", {"username": "wangxm", "password": temporary}).status_code == 302
    assert client.get("/")["Location"].startswith("/account/password/")


def test_editing_roles_says_what_changed_and_keeps_the_last_administrator(users):
    from kam.audit.models import AuditEvent

    admin = _client(users.admin)
    response = admin.post(f"/system/users/{users.am2.pk}/", {"display_name": "周二", "roles": ["marketing"]},
                          follow=True)
    body = response.content.decode()
    assert "已保存“am2”" in body and "姓名" in body and "授予角色：市场部" in body and "取消角色：客户经理" in body
    users.am2.refresh_from_db()
    assert users.am2.roles == {"marketing"} and users.am2.display_name == "周二"
    assert users.am2.department == "marketing"
    event = AuditEvent.objects.get(action="users.user.roles_changed")
    assert event.changes == {"granted": ["marketing"], "revoked": ["account_manager"]}
    body = admin.post(f"/system/users/{users.admin.pk}/", {"display_name": "管理员", "roles": ["finance"]}
                      ).content.decode()
    assert "最后一位系统管理员" in body and 'value="管理员"' in body
    users.admin.refresh_from_db()
    assert users.admin.has_role("administrator")


def test_deactivating_a_user_ends_their_session_and_log_in(users):
    from kam.audit.models import AuditEvent

    am1 = Client()
    am1.post("/login/", {"username": "am1", "password": RIGHT})
    assert am1.get("/customers/").status_code == 200
    admin = _client(users.admin)
    body = admin.post(f"/system/users/{users.am1.pk}/deactivate/", follow=True).content.decode()
    assert "已停用“am1”" in body
    assert am1.get("/customers/").status_code == 302
    again = Client()
    assert again.post("/login/", {"username": "am1", "password": RIGHT}).status_code == 200
    assert "不能停用自己的账号" in admin.post(f"/system/users/{users.admin.pk}/deactivate/", follow=True
                                          ).content.decode()
    admin.post(f"/system/users/{users.am1.pk}/reactivate/")
    assert Client().post("/login/", {"username": "am1", "password": RIGHT}).status_code == 302
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"users.user.deactivated", "users.user.reactivated"} <= actions


def test_user_list_shows_roles_status_and_two_factor_in_a_fixed_number_of_queries(users, make_user,
                                                                                 django_assert_max_num_queries):
    admin = _client(users.admin)
    admin.get("/system/users/")  # warm up (session, translations)
    with django_assert_max_num_queries(12) as few:
        body = admin.get("/system/users/").content.decode()
    for i in range(15):
        make_user(f"extra{i}", "finance")
    with django_assert_max_num_queries(len(few.captured_queries)):
        more = admin.get("/system/users/").content.decode()
    assert "extra14" in more and "销售部负责人" in body and "未启用" in body


def test_log_in_history_for_administrator_and_management_with_filters_and_pages(users, django_assert_max_num_queries):
    from kam.audit.models import AuditEvent

    am1 = Client()
    for _ in range(3):
        am1.post("/login/", {"username": "am1", "password": "wrong"}, REMOTE_ADDR="10.0.0.66")
    am1.post("/login/", {"username": "am1", "password": RIGHT}, REMOTE_ADDR="10.0.0.66")
    am1.post("/logout/")
    fin = Client()
    fin.post("/login/", {"username": "fin", "password": RIGHT})
    for who in ("admin", "mgmt"):
        page = _client(getattr(users, who)).get("/system/logins/?username=am1").content.decode()
        assert page.count("登录失败") >= 3 and "退出登录" in page and "10.0.0.66" in page, who
        assert ">fin<" not in page
    client = _client(users.mgmt)
    failed = client.get("/system/logins/?action=users.login.failed").content.decode()
    assert "登录失败" in failed and "退出登录</td>" not in failed and "连续失败 3 次" in failed
    today = dt.date.today().isoformat()
    assert "am1" in client.get(f"/system/logins/?since={today}&until={today}").content.decode()
    assert "没有记录" in client.get("/system/logins/?until=2000-01-01").content.decode()
    assert client.get("/system/logins/?since=bad").status_code == 200  # a bad filter is not a 500
    for _ in range(60):
        Client().post("/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.0.0.9")
    assert AuditEvent.objects.filter(action__in=["users.login.failed", "users.login.throttled"],
                                     target_repr="nobody").count() == 60  # throttled after five: still recorded
    client.get("/system/logins/")
    with django_assert_max_num_queries(12):
        first = client.get("/system/logins/").content.decode()
    assert "第 1 / 2 页" in first and "page=2" in first
    assert client.get("/system/logins/?page=2").status_code == 200
    assert _client(users.am1).get("/system/logins/").status_code == 403
