"""Issue 12 §1: one bad row never stops the engine — it is judged "cannot evaluate", reported to the
administrator, and every other subject and page goes on; /healthz tells the age of the last sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from kam.obligations.models import Alert, AlertKind, State, StoredObligation, SweepRun
from kam.obligations.sweep import sweep
from tests.obligations.test_pages import _designate

pytestmark = pytest.mark.django_db


@pytest.fixture
def bad_request(users, customer_factory):
    from kam.demands.models import CustomerRequest

    good = customer_factory("华美酒店", manager=users.am1)
    bad = customer_factory("远景地产", manager=users.am1)
    _designate(good)
    _designate(bad)
    # written directly, as the API did before input was bounded: a receipt in the year 525
    req = CustomerRequest.objects.create(customer=bad, kind="other", channel="phone", summary="旧数据",
                                         logged_by=users.am1,
                                         received_at=dt.datetime(525, 12, 24, 10, tzinfo=dt.UTC))
    return good, bad, req


def test_a15_1_a_request_received_in_525_does_not_stop_the_sweep(users, bad_request, client):
    good, bad, req = bad_request
    result = sweep(deliver=False)
    assert result["failed"] == 0  # the rule ran: only that subject could not be judged
    error = StoredObligation.objects.get(rule="A15.1", subject_type="request", subject_id=req.pk)
    assert error.state == State.ERROR and "无法判定" in error.label
    # every other subject is judged as usual
    assert StoredObligation.objects.filter(rule="A12.1", customer=good).exclude(state=State.ERROR).exists()
    assert StoredObligation.objects.filter(rule="A12.1", customer=bad).exclude(state=State.ERROR).exists()
    # the administrator hears of it, once
    alert = Alert.objects.get(kind=AlertKind.ERROR, subject_id=req.pk)
    assert alert.owner_role == "administrator"
    sweep(deliver=False)
    assert Alert.objects.filter(kind=AlertKind.ERROR, subject_id=req.pk).count() == 1
    assert SweepRun.objects.filter(finished_at__isnull=False).count() == 2
    # pages that show it never fail
    client.force_login(users.head)
    for url in ("/my-day/", "/compliance/", f"/customers/{bad.pk}/", f"/requests/{req.pk}/", "/requests/",
                "/compliance/?rule=A15.1"):
        assert client.get(url).status_code == 200, url
    body = client.get("/compliance/").content.decode()
    assert "项无法判定" in body


def test_a13_1_a_visit_booked_on_a_year_without_official_schedule_is_judged_provisionally(users, customer_factory):
    from kam.engagement.models import Visit

    c = customer_factory("华美酒店", manager=users.am1)
    _designate(c)
    start = dt.datetime(2027, 1, 15, 10, tzinfo=timezone.get_default_timezone())
    Visit.objects.create(customer=c, owner=users.am1, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                         purpose="新品介绍", booked_at=timezone.now())
    result = sweep(deliver=False)
    assert result["failed"] == 0
    confirm = StoredObligation.objects.get(rule="A13.1", customer=c)
    assert confirm.state != State.ERROR
    assert confirm.provisional  # 2027's official schedule is not published: marked, not refused


def test_healthz_reports_the_last_sweep_and_answers_503_when_it_is_stale(client, settings):
    assert client.get("/healthz").json()["sweep"]["last_complete"] is None  # a new installation
    sweep(deliver=False)
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["sweep"]["ok"] and "pending" in body["outbox"]
    SweepRun.objects.update(finished_at=timezone.now() - dt.timedelta(seconds=5 * settings.SWEEP_SECONDS + 5))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["sweep"]["ok"] is False
