"""Log-in events in the append-only audit trail (issue 12 §4): success, failure, throttled, log-out,
password change, 2FA — with the client's address, never a password."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_log_in_events_are_audited_with_address_and_without_the_password(users):
    from kam.audit.models import AuditEvent

    client = Client()
    client.post("/login/", {"username": "am1", "password": "Typo-Secret-1"}, REMOTE_ADDR="10.1.2.3")
    client.post("/login/", {"username": "ghost", "password": "Typo-Secret-2"}, REMOTE_ADDR="10.1.2.3")
    client.post("/login/", {"username": "am1", "password": "pw-kam-2026"}, REMOTE_ADDR="10.1.2.3")
    client.post("/logout/", REMOTE_ADDR="10.1.2.3")
    events = list(AuditEvent.objects.order_by("id").values_list("action", "target_repr", "ip", "actor_id"))
    assert events == [
        ("users.login.failed", "am1", "10.1.2.3", None),
        ("users.login.failed", "ghost", "10.1.2.3", None),
        ("users.login.succeeded", "am1", "10.1.2.3", users.am1.pk),
        ("users.logout", "am1", "10.1.2.3", users.am1.pk),
    ]
    failed = AuditEvent.objects.filter(action="users.login.failed").order_by("id").first()
    assert failed.target_id == str(users.am1.pk)  # the history of a user includes attempts on their name
    dump = str(list(AuditEvent.objects.values_list("changes", "target_repr")))
    assert "Typo-Secret" not in dump and "pw-kam-2026" not in dump


def test_log_in_events_cannot_be_altered(users):
    from django.db import DatabaseError, transaction

    from kam.audit.models import AuditEvent

    Client().post("/login/", {"username": "am1", "password": "wrong"})
    event = AuditEvent.objects.get(action="users.login.failed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="users.login.succeeded")
