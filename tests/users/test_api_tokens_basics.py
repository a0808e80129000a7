"""Per-user API tokens: shown once, stored hashed, revocable (by their owner or an administrator), audited
without the secret; Bearer authentication on the API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.audit.models import AuditEvent
from kam.core.errors import AccessDenied, ApplicationError
from kam.users import selectors, services
from kam.users.models import ApiToken, Role, hash_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_token_cache():
    services._token_cache.clear()
    yield
    services._token_cache.clear()


def test_create_returns_the_raw_token_once_and_stores_only_its_hash():
    am = UserFactory(roles=[Role.ACCOUNT_MANAGER])
    token, raw = services.api_token_create(actor=am, name="  ERP 同步  ")
    assert raw.startswith("kam_") and len(raw) > 40
    token = ApiToken.objects.get(pk=token.pk)
    assert token.user == am and token.name == "ERP 同步"
    assert token.token_hash == hash_token(raw) and token.prefix == raw[:12]
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert raw not in stored
    event = AuditEvent.objects.get(action="users.api_token.created", target_id=str(token.pk))
    assert event.actor == am and event.changes["name"] == "ERP 同步" and event.changes["scope"] == "write"
    assert raw not in str(event.changes)  # the secret itself never reaches the audit
    assert raw not in str(event.changes) and raw[4:] not in event.target_repr


def test_two_tokens_of_one_user_differ_and_the_name_is_cut_to_80_characters():
    am = UserFactory()
    (_t1, raw1), (t2, raw2) = services.api_token_create(actor=am, name="a"), services.api_token_create(
        actor=am, name="名" * 100)
    assert raw1 != raw2 and len(t2.name) == 80


def test_a_token_needs_a_name_nothing_is_created_without_one():
    with pytest.raises(ApplicationError) as exc:
        services.api_token_create(actor=UserFactory(), name="   ")
    assert exc.value.field == "name" and "名称" in str(exc.value)
    assert not ApiToken.objects.exists()


def test_authenticate_finds_the_owner_and_stamps_last_use():
    am = UserFactory(roles=[Role.ACCOUNT_MANAGER])
    token, raw = services.api_token_create(actor=am, name="t")
    assert token.last_used_at is None
    user = services.api_token_authenticate(raw)
    assert user == am and user.roles == frozenset({"account_manager"})
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


@pytest.mark.parametrize("raw", ["", "kam_", "kam_not-a-token", "Bearer kam_x", "xyz_" + "a" * 43])
def test_authenticate_refuses_unknown_values(raw):
    services.api_token_create(actor=UserFactory(), name="t")
    assert services.api_token_authenticate(raw) is None


def test_a_value_without_the_prefix_is_refused_without_a_query():
    _token, raw = services.api_token_create(actor=UserFactory(), name="t")
    with CaptureQueriesContext(connection) as ctx:
        assert services.api_token_authenticate("x" + raw[1:]) is None
    assert len(ctx.captured_queries) == 0


def test_a_repeated_authentication_within_the_cache_time_runs_no_query():
    _token, raw = services.api_token_create(actor=UserFactory(), name="t")
    services.api_token_authenticate(raw)
    with CaptureQueriesContext(connection) as ctx:
        assert services.api_token_authenticate(raw) is not None
    assert len(ctx.captured_queries) == 0


def test_revoking_takes_effect_at_once_and_is_audited_once():
    am = UserFactory()
    token, raw = services.api_token_create(actor=am, name="t")
    assert services.api_token_authenticate(raw) == am  # now cached
    services.api_token_revoke(actor=am, token=token)
    assert services.api_token_authenticate(raw) is None
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    assert revoked_at is not None
    services.api_token_revoke(actor=am, token=ApiToken.objects.get(pk=token.pk))
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="users.api_token.revoked", target_id=str(token.pk)).count() == 1


def test_only_the_owner_or_an_administrator_revokes_a_token():
    owner, other = UserFactory(), UserFactory(roles=[Role.HEAD_OF_SALES])
    token, raw = services.api_token_create(actor=owner, name="t")
    with pytest.raises(AccessDenied):
        services.api_token_revoke(actor=other, token=token)
    assert services.api_token_authenticate(raw) == owner
    services.api_token_revoke(actor=UserFactory(roles=[Role.ADMINISTRATOR]), token=token)
    assert services.api_token_authenticate(raw) is None


def test_a_deactivated_account_s_token_no_longer_authenticates():
    am = UserFactory()
    _token, raw = services.api_token_create(actor=am, name="t")
    am.is_active = False
    am.save(update_fields=["is_active"])
    assert services.api_token_authenticate(raw) is None


def test_user_api_tokens_lists_only_the_user_s_own_newest_first():
    am, other = UserFactory(), UserFactory()
    first, _ = services.api_token_create(actor=am, name="first")
    second, _ = services.api_token_create(actor=am, name="second")
    services.api_token_create(actor=other, name="theirs")
    ApiToken.objects.filter(pk=first.pk).update(created_at=second.created_at.replace(year=2020))
    assert [t.name for t in selectors.user_api_tokens(user=am)] == ["second", "first"]


# --- on the API ---------------------------------------------------------------------------------------------

def test_bearer_token_on_the_api(client):
    am = UserFactory(roles=[Role.ACCOUNT_MANAGER])
    token, raw = services.api_token_create(actor=am, name="t")
    assert client.get("/api/orders/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    response = client.get("/api/orders/", HTTP_AUTHORIZATION="Bearer kam_wrong")
    assert response.status_code == 401 and "令牌无效" in response.json()["message"]
    assert client.get("/api/orders/").status_code == 401
    services.api_token_revoke(actor=am, token=token)
    assert client.get("/api/orders/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
