"""Audit events are append-only, enforced by the database itself (issue 2 §6, A7.2)."""

import pytest
from django.db import DatabaseError, connection, transaction

from kam.audit.models import AuditEvent
from kam.audit.services import audit_log

pytestmark = pytest.mark.django_db


def _event():
    return audit_log(actor=None, action="test.thing.done", changes={"x": {"old": 1, "new": 2}})


def test_raw_sql_update_is_refused():
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["tampered", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


def test_raw_sql_delete_is_refused():
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_update_and_delete_are_refused():
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


def test_event_records_request_context_and_actor(users, client):
    client.force_login(users.am1)
    client.post("/account/tokens/", {"name": "ERP 对接"}, REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="users.api_token.created")
    assert event.actor == users.am1
    assert event.ip == "10.1.2.3"
    assert len(event.request_id) == 32


def test_audit_page_is_for_management_only(users, client):
    _event()
    client.force_login(users.am1)
    assert client.get("/audit/").status_code == 403
    client.force_login(users.mgmt)
    response = client.get("/audit/?action=test.")
    assert response.status_code == 200
    assert "test.thing.done" in response.content.decode()
