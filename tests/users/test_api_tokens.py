"""API tokens (issue 12 §5): they expire (KAM_API_TOKEN_DAYS, default 90) with a clear JSON 401, carry a scope
(a read token gets 403 on any unsafe method), and a revocation is refused at once by every process — including
another process that had just accepted (and cached) the token."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
import time_machine
from django.utils import timezone

from kam.audit.models import AuditEvent
from kam.users.models import ApiToken, TokenScope
from kam.users.services import api_token_create, api_token_revoke, user_deactivate
from tests.core.throwaway import ROOT, run, subprocess_env, throwaway_database

pytestmark = pytest.mark.django_db


def _auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def key_account(users, customer_factory):
    from kam.qualification.models import Designation, TierChange

    c = customer_factory("华美酒店", manager=users.am1)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    d = Designation.objects.create(customer=c, source="initial_list", tier="core", started_at=start)
    TierChange.objects.create(customer=c, designation=d, tier="core", effective_at=start)
    return c


# --- expiry ---------------------------------------------------------------------------------------------------


def test_a_token_expires_after_the_configured_days_with_a_clear_401(users, client, settings):
    settings.API_TOKEN_DAYS = 90
    created = timezone.now()
    token, raw = api_token_create(actor=users.am1, name="集成")
    assert abs((token.expires_at - created) - dt.timedelta(days=90)) < dt.timedelta(minutes=1)
    assert client.get("/api/customers/", **_auth(raw)).status_code == 200  # now cached in this process
    with time_machine.travel(created + dt.timedelta(days=89, hours=23), tick=False):
        assert client.get("/api/customers/", **_auth(raw)).status_code == 200
    with time_machine.travel(created + dt.timedelta(days=90, minutes=1), tick=False):
        response = client.get("/api/customers/", **_auth(raw))
    assert response.status_code == 401
    message = response.json()["message"]
    assert "过期" in message and timezone.localtime(token.expires_at).strftime("%Y-%m-%d") in message


def test_the_lifetime_is_a_setting_and_the_token_page_shows_the_expiry(users, client, settings):
    settings.API_TOKEN_DAYS = 7
    client.force_login(users.am1)
    page = client.post("/account/tokens/", {"name": "报表同步", "scope": "read"})
    assert page.status_code == 200
    token = ApiToken.objects.get(user=users.am1)
    assert token.scope == TokenScope.READ
    assert dt.timedelta(days=6, hours=23) < token.expires_at - token.created_at <= dt.timedelta(days=7)
    html = page.content.decode()
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M") in html
    assert "只读" in html and "7 天后过期" in html
    assert AuditEvent.objects.get(action="users.api_token.created").changes["scope"] == "read"
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    html = client.get("/account/tokens/").content.decode()
    assert "已过期" in html and "撤销</button>" not in html


def test_an_unknown_token_and_a_missing_one_are_refused_with_json(client, db):
    assert client.get("/api/customers/").json()["message"]
    response = client.get("/api/customers/", **_auth("kam_nope"))
    assert response.status_code == 401 and response.json()["message"] == "令牌无效。"


# --- scope ----------------------------------------------------------------------------------------------------


def test_a_read_token_reads_but_gets_403_on_every_unsafe_method(users, client, key_account):
    from kam.service.models import Ticket

    _token, raw = api_token_create(actor=users.svc, name="只读集成", scope=TokenScope.READ)
    _token, write = api_token_create(actor=users.svc, name="读写集成", scope=TokenScope.WRITE)
    ticket = client.post("/api/tickets/", {"customer_id": key_account.pk, "problem": "床垫异响"},
                         content_type="application/json", **_auth(write)).json()
    assert client.get("/api/tickets/", **_auth(raw)).status_code == 200
    assert client.get(f"/api/tickets/{ticket['id']}", **_auth(raw)).status_code == 200
    writes = [("/api/tickets/", {"customer_id": key_account.pk, "problem": "又一单"}),
              (f"/api/tickets/{ticket['id']}/pause", {"reason": "customer_unavailable"}),
              (f"/api/tickets/{ticket['id']}/resume", {})]
    for path, body in writes:
        response = client.post(path, body, content_type="application/json", **_auth(raw))
        assert response.status_code == 403, path
        assert "只读" in response.json()["message"]
    assert Ticket.objects.count() == 1 and Ticket.objects.get().status == ticket["status"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_read_scope_refuses_every_unsafe_method_before_any_endpoint(users, rf, method):
    from kam.core.errors import AccessDenied
    from kam.users.api_auth import TokenAuth

    _token, raw = api_token_create(actor=users.am1, name="只读", scope=TokenScope.READ)
    request = rf.generic(method, "/api/customers/")
    with pytest.raises(AccessDenied, match="只读"):
        TokenAuth().authenticate(request, raw)
    assert TokenAuth().authenticate(rf.get("/api/customers/"), raw) == users.am1


def test_a_write_token_writes(users, client, key_account):
    from kam.service.models import Ticket

    _token, raw = api_token_create(actor=users.svc, name="读写集成", scope=TokenScope.WRITE)
    response = client.post("/api/tickets/", {"customer_id": key_account.pk, "problem": "床垫异响"},
                           content_type="application/json", **_auth(raw))
    assert response.status_code == 201 and Ticket.objects.count() == 1


def test_a_scope_that_does_not_exist_is_refused_and_none_chosen_means_read(users, client):
    client.force_login(users.am1)
    page = client.post("/account/tokens/", {"name": "x", "scope": "admin"})
    assert page.status_code == 200 and not ApiToken.objects.exists()
    client.post("/account/tokens/", {"name": "y"})
    assert ApiToken.objects.get().scope == TokenScope.READ


# --- revocation -----------------------------------------------------------------------------------------------


def test_revocation_and_deactivation_take_effect_at_once_in_this_process(users, client):
    token, raw = api_token_create(actor=users.am1, name="集成")
    assert client.get("/api/customers/", **_auth(raw)).status_code == 200
    api_token_revoke(actor=users.am1, token=token)
    response = client.get("/api/customers/", **_auth(raw))
    assert response.status_code == 401 and "撤销" in response.json()["message"]
    _token, raw2 = api_token_create(actor=users.am2, name="集成")
    assert client.get("/api/customers/", **_auth(raw2)).status_code == 200
    user_deactivate(actor=users.admin, user=users.am2)
    assert client.get("/api/customers/", **_auth(raw2)).status_code == 401


def test_a_revocation_committed_elsewhere_is_seen_through_the_shared_cache(users, client):
    """Another process revoked the token: it changed the database and the shared generation, nothing in this
    process. Simulated here by the revocation's own writes without touching this process's memory."""
    from django.core.cache import cache

    from kam.users import services

    token, raw = api_token_create(actor=users.am1, name="集成")
    assert client.get("/api/customers/", **_auth(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # the other process's commit …
    assert client.get("/api/customers/", **_auth(raw)).status_code == 200  # … still cached here
    cache.set(services.TOKEN_GENERATION_KEY, "another-process-revoked")  # … and its published generation
    assert client.get("/api/customers/", **_auth(raw)).status_code == 401


def test_a_cache_that_lost_the_generation_never_validates_an_old_entry(users, client):
    """The file cache culls entries and can be cleared: the next reader writes a new random generation, which
    no cached token carries, so the token is read again from the database."""
    from django.core.cache import cache

    token, raw = api_token_create(actor=users.am1, name="集成")
    assert client.get("/api/customers/", **_auth(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    cache.clear()
    assert client.get("/api/customers/", **_auth(raw)).status_code == 401


def test_a_revocation_is_refused_at_once_by_another_process(tmp_path):
    """Two real processes sharing the database and the file cache, as the web workers and the task worker do:
    process B accepts (and caches) the token, process A revokes it, B refuses it on its very next use."""
    with throwaway_database(tmp_path, "kam_tokens") as url:
        env = subprocess_env(tmp_path, url)
        run(env, "-c", "import django; django.setup(); from django.core.management import call_command; "
                       "call_command('migrate', 'users', verbosity=0); call_command('migrate', 'audit', verbosity=0)")
        procs = [subprocess.Popen([sys.executable, "-m", "tests.users.token_process"], cwd=ROOT, env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
                 for _ in range(2)]
        try:
            a, b = procs

            def ask(proc, command: str) -> dict:
                proc.stdin.write(command + "\n")
                proc.stdin.flush()
                return json.loads(proc.stdout.readline())

            assert json.loads(a.stdout.readline())["ready"] and json.loads(b.stdout.readline())["ready"]
            created = ask(a, "create am1")
            assert ask(b, f"auth {created['raw']}") == {"ok": True, "user": "am1"}
            assert ask(b, f"auth {created['raw']}") == {"ok": True, "user": "am1"}  # from B's own cache
            assert ask(a, f"revoke {created['id']}") == {"revoked": True}
            refused = ask(b, f"auth {created['raw']}")  # at once: no waiting for B's cache to expire
            assert refused["ok"] is False and "撤销" in refused["message"]
            other = ask(a, "create am2")  # B still accepts the tokens nobody revoked
            assert ask(b, f"auth {other['raw']}") == {"ok": True, "user": "am2"}
        finally:
            for proc in procs:
                proc.stdin.close()
                proc.wait(timeout=30)
