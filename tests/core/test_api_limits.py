"""API rate limits (issue 12 §5): per user (session and tokens together) and per API token, counted per minute in
the shared Django cache — so separate processes count together — answered with 429, Retry-After and a JSON
message naming the limit."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kam.users.services import api_token_create

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 26, 10, 0, 20, tzinfo=SH)  # 20 s into a minute
URL = "/api/policy/in-force"


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_per_user_limit_counts_session_and_tokens_together(users, client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 5
    settings.API_TOKEN_RATE_LIMIT_PER_MINUTE = 0
    _t1, one = api_token_create(actor=users.am1, name="甲")
    _t2, two = api_token_create(actor=users.am1, name="乙")
    _t3, other = api_token_create(actor=users.am2, name="丙")
    client.force_login(users.am1)
    with time_machine.travel(T0, tick=False):
        answers = [client.get(URL).status_code, client.get(URL, **_bearer(one)).status_code,
                   client.get(URL, **_bearer(two)).status_code, client.get(URL).status_code,
                   client.get(URL, **_bearer(one)).status_code]
        refused = client.get(URL, **_bearer(two))
        assert client.get(URL, **_bearer(other)).status_code == 200  # another user counts apart
    assert answers == [200] * 5
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused["Content-Type"].startswith("application/json")
    assert refused.json()["message"] == "请求过于频繁（每个用户每分钟最多 5 次），请 40 秒后再试。"
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        assert client.get(URL).status_code == 200  # a new minute


def test_per_token_limit(users, client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100
    settings.API_TOKEN_RATE_LIMIT_PER_MINUTE = 3
    _t1, busy = api_token_create(actor=users.head, name="同步")
    _t2, calm = api_token_create(actor=users.head, name="报表")
    with time_machine.travel(T0, tick=False):
        assert [client.get(URL, **_bearer(busy)).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get(URL, **_bearer(busy))
        assert client.get(URL, **_bearer(calm)).status_code == 200  # the user's other token still works
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 40
    assert "该令牌" in refused.json()["message"] and "3 次" in refused.json()["message"]


def test_refused_credentials_are_not_counted_and_zero_turns_limits_off(users, client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    with time_machine.travel(T0, tick=False):
        assert {client.get(URL, HTTP_AUTHORIZATION="Bearer kam_nope").status_code for _ in range(5)} == {401}
        settings.API_RATE_LIMIT_PER_MINUTE = 0
        settings.API_TOKEN_RATE_LIMIT_PER_MINUTE = 0
        client.force_login(users.am1)
        assert {client.get(URL).status_code for _ in range(30)} == {200}


def test_limits_hold_across_processes_with_the_file_cache(tmp_path, settings):
    """The configured cache (a file cache under var/ by default) is shared by processes: hits in another process
    count towards the same limit."""
    from kam.core.ratelimit import rate_hit

    # Django's setting_changed handler swaps the cache connections (and back after the test)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    now = 1_789_999_990.0  # 10 s into a minute
    assert rate_hit("api-user", "7", limit=3, now=now).count == 1
    code = ("import django, sys; django.setup(); from kam.core.ratelimit import rate_hit; "
            "v = rate_hit('api-user', '7', limit=3, now=float(sys.argv[1])); print(v.count, v.allowed)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.core.file_cache_settings",
           "KAM_TEST_CACHE_DIR": str(tmp_path / "cache")}
    out = [subprocess.run([sys.executable, "-c", code, str(now + i)], env=env, capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[2], timeout=120).stdout.split()
           for i in (1, 2)]
    assert out == [["2", "True"], ["3", "True"]]
    verdict = rate_hit("api-user", "7", limit=3, now=now + 3)
    assert verdict.count == 4 and not verdict.allowed and verdict.retry_after == 47
