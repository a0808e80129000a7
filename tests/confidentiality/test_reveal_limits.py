"""Reveals of core data (A7.1 "显示", A7.2 access log) under limits (issue 12 §5): a per-user limit on reveals,
pages and API together (429, recorded as a denied attempt and audited); 10 denied reveals of one user within a
minute alert management once (inbox) and are in the audit — never with a core value."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kam.audit.models import AuditEvent, CoreAccess
from kam.confidentiality.services import DENIED_ALERT_ACTION, THROTTLED_ACTION
from kam.notify.models import Notification

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 26, 10, 0, 15, tzinfo=SH)  # 15 s into a minute: a test never crosses a window by chance
PRICE = "918273.64"


@pytest.fixture
def dossier(users, customer_factory):
    from kam.customers.services import contact_create, floor_price_set

    customer = customer_factory("华美酒店", manager=users.am1)
    floor_price_set(actor=None, customer=customer, product_series="酒店床组", price=PRICE)
    contact_create(actor=None, customer=customer, name="林董", phone="13999887766", is_decision_maker=True)
    return customer


def _page(client, customer, what="floor_prices"):
    return client.post(f"/customers/{customer.pk}/reveal/{what}/")


def _api(client, customer, what="floor_prices"):
    return client.post(f"/api/customers/{customer.pk}/reveal", {"what": what}, content_type="application/json")


def _alerts(user):
    return Notification.objects.filter(recipient=user, rule="A7.2")


def test_a72_ten_denied_reveals_within_a_minute_alert_management_once(users, dossier, client, settings):
    """A7.2 / issue 12 §5: an account manager's 10 refused reveals in one minute (pages and API together) reach
    management's inbox once, with an audit event; each refusal is in the access log; no core value anywhere."""
    settings.REVEAL_DENIED_ALERT_COUNT = 10
    settings.REVEAL_DENIED_WINDOW_SECONDS = 60
    client.force_login(users.am1)
    with time_machine.travel(T0, tick=False) as clock:
        for i in range(9):
            response = _page(client, dossier) if i % 2 else _api(client, dossier, "contacts")
            assert response.status_code == 403
            clock.shift(dt.timedelta(seconds=3))
        assert not _alerts(users.mgmt).exists()
        assert not AuditEvent.objects.filter(action=DENIED_ALERT_ACTION).exists()
        assert _page(client, dossier).status_code == 403  # the 10th within the minute
        for _ in range(3):  # more refusals in the same minute: no second alert
            _api(client, dossier)
    assert CoreAccess.objects.filter(user=users.am1, granted=False).count() == 13
    alert = _alerts(users.mgmt).get()
    assert "am1" in alert.body and "10" in alert.title
    assert alert.url == f"/audit/access-log/?user={users.am1.pk}"
    assert not _alerts(users.head).exists() and not _alerts(users.am1).exists()  # management only
    event = AuditEvent.objects.get(action=DENIED_ALERT_ACTION)
    assert event.target_id == str(users.am1.pk) and event.changes["denied"] == 10 and event.rule == "A7.2"
    for text in (alert.title, alert.body, str(event.changes)):
        assert PRICE not in text and "13999887766" not in text
    # the next minute's burst is a new alert
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        for _ in range(10):
            _page(client, dossier)
    assert _alerts(users.mgmt).count() == 2


def test_a72_denied_reveals_spread_over_more_than_a_minute_do_not_alert(users, dossier, client, settings):
    settings.REVEAL_DENIED_ALERT_COUNT = 10
    settings.REVEAL_DENIED_WINDOW_SECONDS = 60
    client.force_login(users.am1)
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(15):
            assert _page(client, dossier).status_code == 403
            clock.shift(dt.timedelta(seconds=7))  # at most 9 refusals in any 60 seconds
    assert CoreAccess.objects.filter(user=users.am1, granted=False).count() == 15
    assert not _alerts(users.mgmt).exists()
    assert not AuditEvent.objects.filter(action=DENIED_ALERT_ACTION).exists()


def test_reveals_past_the_per_user_limit_are_refused_recorded_and_audited(users, dossier, client, settings):
    """Issue 12 §5: the head of sales may reveal REVEAL_RATE_LIMIT_PER_MINUTE times a minute, pages and API
    together; past it the reveal is a 429 with Retry-After, no value, a denied access record and an audit event."""
    settings.REVEAL_RATE_LIMIT_PER_MINUTE = 3
    client.force_login(users.head)
    with time_machine.travel(T0, tick=False):
        assert PRICE in _page(client, dossier).content.decode()
        assert PRICE in _api(client, dossier).content.decode()
        assert "13999887766" in _page(client, dossier, "contacts").content.decode()
        refused = _api(client, dossier)
        page_refused = _page(client, dossier)
    assert refused.status_code == 429 and page_refused.status_code == 429
    assert refused["Retry-After"] == "45" and page_refused["Retry-After"] == "45"  # 15 s into the minute
    body = refused.json()
    assert "每分钟最多 3 次" in body["message"] and body["rule"] == "A7.2"
    assert PRICE not in refused.content.decode() and PRICE not in page_refused.content.decode()
    assert "每分钟最多 3 次" in page_refused.content.decode()
    assert CoreAccess.objects.filter(user=users.head, granted=True).count() == 3
    assert CoreAccess.objects.filter(user=users.head, granted=False).count() == 2
    assert AuditEvent.objects.filter(action=THROTTLED_ACTION, actor=users.head).count() == 2
    # another user has a limit of their own; the next minute the head may reveal again
    client.force_login(users.mgmt)
    with time_machine.travel(T0, tick=False):
        assert _api(client, dossier).status_code == 200
    client.force_login(users.head)
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        assert _api(client, dossier).status_code == 200


def test_reveal_limit_zero_turns_it_off(users, dossier, client, settings):
    settings.REVEAL_RATE_LIMIT_PER_MINUTE = 0
    client.force_login(users.head)
    with time_machine.travel(T0, tick=False):
        assert all(_api(client, dossier).status_code == 200 for _ in range(25))


def test_print_with_core_data_counts_as_a_reveal(users, dossier, client, settings):
    """The print view with core data (?core=1) is a reveal too: past the limit it prints without them."""
    settings.REVEAL_RATE_LIMIT_PER_MINUTE = 1
    client.force_login(users.head)
    with time_machine.travel(T0, tick=False):
        first = client.get(f"/customers/{dossier.pk}/print/?core=1").content.decode()
        second = client.get(f"/customers/{dossier.pk}/print/?core=1")
    assert "918,273.64" in first or PRICE in first
    body = second.content.decode()
    assert second.status_code == 200 and "918,273.64" not in body and PRICE not in body
    assert "每分钟最多 1 次" in body
    assert CoreAccess.objects.filter(user=users.head, channel="print", granted=False).count() == 1
