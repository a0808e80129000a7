"""Log-in throttling by (user name, client address) with growing delays, never a lock-out of the user
(issue 12 §4): failures from one address never stop the real user logging in from another."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from kam.users.models import LoginThrottle

pytestmark = pytest.mark.django_db

RIGHT = "pw-kam-2026"


def _login(client, username, password, ip):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _let_the_delays_pass():
    """Time passes: every delay has run out (the failures stay counted)."""
    past = timezone.now() - dt.timedelta(seconds=1)
    for row in LoginThrottle.objects.all():
        shift = row.locked_until - past if row.locked_until else dt.timedelta(0)
        LoginThrottle.objects.filter(pk=row.pk).update(locked_until=past if row.locked_until else None,
                                                       last_failure_at=row.last_failure_at - shift)


def test_twenty_failures_from_one_address_do_not_stop_users_logging_in_from_another(users):
    attacker = Client()
    for i in range(20):
        response = _login(attacker, ["head", "mgmt", "am1", "admin"][i % 4], "wrong", "10.0.0.66")
        assert response.status_code == 200
    for name in ("am1", "head", "mgmt", "admin"):
        own = Client()
        response = _login(own, name, RIGHT, "10.0.0.7")
        assert response.status_code == 302 and _logged_in(own), name


def test_the_right_password_from_the_failing_pair_is_refused_during_its_delay_with_the_retry_time(users):
    from kam.audit.models import AuditEvent

    client = Client()
    for _ in range(5):
        assert "用户名或密码不正确" in _login(client, "am1", "wrong-Secret-9", "10.0.0.66").content.decode()
    row = LoginThrottle.objects.get(username="am1", ip="10.0.0.66")
    assert row.locked_until is not None
    response = _login(client, "am1", RIGHT, "10.0.0.66")
    body = response.content.decode()
    local = timezone.localtime(row.locked_until)
    assert response.status_code == 200 and not _logged_in(client)
    assert "登录失败次数过多" in body and local.strftime("%H:%M:%S") in body and "约 1 分钟后" in body
    assert AuditEvent.objects.filter(action="users.login.failed", target_id=str(users.am1.pk)).count() == 5
    assert AuditEvent.objects.filter(action="users.login.throttled", ip="10.0.0.66").count() == 1
    dump = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert "wrong-Secret-9" not in dump and RIGHT not in dump  # never a password
    # the same user from another address is not affected
    other = Client()
    assert _login(other, "am1", RIGHT, "10.0.0.8").status_code == 302 and _logged_in(other)


def test_the_delay_grows_with_every_further_failure_of_the_pair(users):
    client = Client()
    for _ in range(5):
        _login(client, "am1", "wrong", "10.0.0.66")

    def delay() -> int:
        row = LoginThrottle.objects.get(username="am1", ip="10.0.0.66")
        return round((row.locked_until - row.last_failure_at).total_seconds())

    seen = [delay()]
    for _ in range(3):
        _let_the_delays_pass()
        body = _login(client, "am1", "wrong", "10.0.0.66").content.decode()
        seen.append(delay())
        minutes = seen[-1] // 60
        assert f"约 {minutes} 分钟后" in body  # the failure that earns a delay says when to retry
    assert seen == [60, 120, 240, 480]
    # while delayed, further tries are refused without being counted (the user cannot extend the delay)
    failures = LoginThrottle.objects.get(username="am1", ip="10.0.0.66").failures
    _login(client, "am1", "wrong", "10.0.0.66")
    assert LoginThrottle.objects.get(username="am1", ip="10.0.0.66").failures == failures


def test_the_delay_is_capped_and_forgotten_after_the_window(users, settings):
    from kam.users.throttling import delay_for, login_failure_record

    settings.LOGIN_DELAY_MAX_SECONDS = 600
    now = timezone.now()
    for i in range(12):
        delay = login_failure_record(username="am1", ip="10.0.0.66", now=now)
        if delay:
            now = delay.until + dt.timedelta(seconds=1)
    row = LoginThrottle.objects.get(username="am1", ip="10.0.0.66")
    assert (row.locked_until - row.last_failure_at).total_seconds() == 600
    later = row.locked_until + dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    assert delay_for(username="am1", ip="10.0.0.66", now=later) is None
    assert login_failure_record(username="am1", ip="10.0.0.66", now=later) is None  # counting starts afresh
    assert LoginThrottle.objects.get(username="am1", ip="10.0.0.66").failures == 1


def test_a_success_forgets_the_pairs_failures(users):
    client = Client()
    for _ in range(4):
        _login(client, "am1", "wrong", "10.0.0.66")
    assert _login(client, "am1", RIGHT, "10.0.0.66").status_code == 302
    assert not LoginThrottle.objects.filter(username="am1").exists()


def test_one_address_over_the_ceiling_is_slowed_for_every_name_but_only_that_address(users, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    client = Client()
    for i in range(8):
        _login(client, f"nobody{i}", "wrong", "10.0.0.66")  # spraying: never 5 on one name
    response = _login(client, "am1", RIGHT, "10.0.0.66")
    assert "登录失败次数过多" in response.content.decode() and not _logged_in(client)
    other = Client()
    assert _login(other, "am1", RIGHT, "10.0.0.7").status_code == 302


def test_django_admin_log_in_is_throttled_too(users):
    users.admin.is_superuser = True
    users.admin.save()
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.66")
    assert LoginThrottle.objects.get(username="admin", ip="10.0.0.66").failures == 5
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": RIGHT}, REMOTE_ADDR="10.0.0.66")
    assert not _logged_in(client)


def test_the_administrator_sees_and_lifts_a_throttle(users):
    from kam.audit.models import AuditEvent

    client = Client()
    for _ in range(5):
        _login(client, "am1", "wrong", "10.0.0.66")
    admin = Client()
    admin.force_login(users.admin)
    page = admin.get("/system/throttles/").content.decode()
    assert "am1" in page and "10.0.0.66" in page and "解除限制" in page
    row = LoginThrottle.objects.get(username="am1", ip="10.0.0.66")
    response = admin.post(f"/system/throttles/{row.pk}/lift/", follow=True)
    assert "已解除 am1 从 10.0.0.66 的登录限制" in response.content.decode()
    event = AuditEvent.objects.get(action="users.login.throttle_lifted")
    assert event.actor == users.admin and event.changes["ip"] == "10.0.0.66"
    assert _login(client, "am1", RIGHT, "10.0.0.66").status_code == 302 and _logged_in(client)


@pytest.mark.parametrize("who", ["am1", "head", "mgmt", "fin"])
def test_only_the_administrator_reaches_the_throttles(users, who):
    client = Client()
    _login(client, "am1", "wrong", "10.0.0.66")
    row = LoginThrottle.objects.get(username="am1")
    client.force_login(getattr(users, who))
    assert client.get("/system/throttles/").status_code == 403
    assert client.post(f"/system/throttles/{row.pk}/lift/").status_code == 403
    assert LoginThrottle.objects.filter(pk=row.pk).exists()


def test_retry_message_names_a_time_in_shanghai(users):
    client = Client()
    for _ in range(5):
        _login(client, "am1", "wrong", "10.0.0.66")
    body = _login(client, "am1", RIGHT, "10.0.0.66").content.decode()
    shown = re.search(r"请于 (\d\d:\d\d:\d\d) 之后再试", body).group(1)
    row = LoginThrottle.objects.get(username="am1", ip="10.0.0.66")
    assert shown == row.locked_until.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M:%S")
