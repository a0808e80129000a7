"""Sweep idempotency (house rule 5), G.5 routing, the outbox's retries, each channel against a local
receiver speaking its protocol, and the working-day digest."""

import datetime as dt

import pytest

from kam.notify.models import Delivery, GroupRobot, Notification, WeComApp
from kam.obligations.models import Alert
from kam.obligations.sweep import sweep
from tests.engagement.conftest import at
from tests.notify.fakes import RobotReceiver, SmtpReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(users, customer_factory):
    """A core account of am1 without any contact: the previous week's A12.1 is breached."""
    from tests.factories import KeyAccountFactory

    return KeyAccountFactory(name="华美酒店", manager=users.am1, tier="core", since=at(2026, 10, 1))


def test_sweep_twice_records_one_alert_and_one_notification(users, breach):
    now = at(2026, 11, 26, 10)
    first = sweep(now=now, deliver=False)
    assert first["alerts"] > 0
    alerts = Alert.objects.count()
    notes = Notification.objects.count()
    second = sweep(now=now, deliver=False)
    assert second["alerts"] == 0
    assert Alert.objects.count() == alerts and Notification.objects.count() == notes
    a = Alert.objects.get(rule="A12.1", period_key="2026-W47", kind="breached")
    assert a.owner == users.am1 and a.escalation_role == "head_of_sales"
    assert Notification.objects.filter(alert=a, recipient=users.am1).count() == 1
    # a period clock's breach reaches the head of sales in the digest, not at once (G.5)
    assert not Notification.objects.filter(alert=a, recipient=users.head).exists()


def test_group_robot_never_receives_an_account_managers_personal_alert(users, breach):
    robot = GroupRobot.objects.create(name="销售群", kind="wecom_robot", audience="head_of_sales",
                                      webhook_url="http://127.0.0.1:9/x", secret="")
    sweep(now=at(2026, 11, 26, 8), deliver=False)  # before the digest time
    assert Alert.objects.exists()
    assert not Notification.objects.filter(robot=robot).exists()


def test_digest_skips_a_holiday_and_runs_on_a_makeup_saturday(users, breach):
    sweep(now=at(2026, 10, 2, 9, 30), deliver=False)  # 国庆: no digest
    assert not Notification.objects.filter(title__startswith="每日摘要").exists()
    sweep(now=at(2026, 10, 10, 8, 59), deliver=False)  # make-up Saturday, before 09:00
    assert not Notification.objects.filter(title__startswith="每日摘要").exists()
    sweep(now=at(2026, 10, 10, 9, 1), deliver=False)
    assert Notification.objects.filter(title__startswith="每日摘要", recipient=users.am1).count() == 1
    sweep(now=at(2026, 10, 10, 15), deliver=False)  # once a day
    assert Notification.objects.filter(title__startswith="每日摘要", recipient=users.am1).count() == 1


def test_digest_escalates_period_breaches_to_the_head_of_sales(users, breach):
    sweep(now=at(2026, 11, 26, 9, 30), deliver=False)
    digest = Notification.objects.get(title__startswith="每日摘要", recipient=users.head)
    assert "A12.1 逾期" in digest.body and "华美酒店" in digest.body


def test_every_channel_delivers_to_its_local_receiver(users, breach, settings):
    with RobotReceiver() as rx, SmtpReceiver() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_NOTIFICATIONS = "127.0.0.1", smtp.port, True
        WeComApp.objects.create(corp_id=rx.corp_id if hasattr(rx, "corp_id") else "ww-test-corp", agent_id=1000002,
                                secret="wecom-test-corp-secret", base_url=rx.base_url)
        users.am1.email, users.am1.wecom_userid = "am1@example.com", "liming"
        users.am1.save()
        GroupRobot.objects.create(name="企微群", kind="wecom_robot", audience="head_of_sales",
                                  webhook_url=rx.wecom_robot_url())
        GroupRobot.objects.create(name="钉钉群", kind="dingtalk", audience="head_of_sales",
                                  webhook_url=rx.dingtalk_url(), secret=rx.dingtalk_secret())
        GroupRobot.objects.create(name="飞书群", kind="feishu", audience="head_of_sales",
                                  webhook_url=rx.feishu_url(), secret=rx.feishu_secret())
        result = sweep(now=at(2026, 11, 26, 9, 30))
        assert result["failed"] == 0, list(Delivery.objects.values_list("channel", "last_error"))
        channels = {m["channel"] for m in rx.received}
        assert channels == {"wecom_app", "wecom_robot", "dingtalk", "feishu"}
        assert {m["target"] for m in rx.messages("wecom_app")} == {"liming"}
        assert any("华美酒店" in m["text"] for m in rx.messages("dingtalk"))
        assert smtp.messages and "am1@example.com" in smtp.messages[0]["To"]
        # group robots got only the head of sales' escalation summary
        assert all(m["title"].startswith("逾期汇总") for m in rx.received if m["channel"] != "wecom_app")


def test_receiver_down_is_retried_and_delivered_exactly_once(users, breach):
    with RobotReceiver() as rx:
        GroupRobot.objects.create(name="钉钉群", kind="dingtalk", audience="head_of_sales",
                                  webhook_url=rx.dingtalk_url(), secret=rx.dingtalk_secret())
        rx.down = True
        now = at(2026, 11, 26, 9, 30)
        sweep(now=now)
        delivery = Delivery.objects.get(channel="dingtalk")
        assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_error
        assert delivery.next_attempt_at == now + dt.timedelta(minutes=1)
        assert "access_token" not in delivery.last_error  # secrets never logged
        rx.down = False
        sweep(now=now + dt.timedelta(seconds=30))  # not due yet
        assert not rx.messages("dingtalk")
        sweep(now=now + dt.timedelta(minutes=2))
        sweep(now=now + dt.timedelta(minutes=3))
        assert len(rx.messages("dingtalk")) == 1
        delivery.refresh_from_db()
        assert delivery.status == "sent" and delivery.attempts == 2


def test_wrong_secret_fails_visibly_without_retry(users, breach):
    with RobotReceiver() as rx:
        GroupRobot.objects.create(name="飞书群", kind="feishu", audience="head_of_sales",
                                  webhook_url=rx.feishu_url(), secret="wrong-secret")
        sweep(now=at(2026, 11, 26, 9, 30))
        delivery = Delivery.objects.get(channel="feishu")
        assert delivery.status == "failed" and "wrong-secret" not in delivery.last_error


def test_robot_url_and_secret_encrypted_at_rest(users):
    from django.db import connection

    robot = GroupRobot.objects.create(name="钉钉群", kind="dingtalk", audience="head_of_sales",
                                      webhook_url="https://oapi.dingtalk.com/robot/send?access_token=SECRETTOKEN",
                                      secret="SECsecret")
    with connection.cursor() as cur:
        cur.execute("SELECT webhook_url, secret FROM notify_grouprobot WHERE id = %s", [robot.pk])
        url, secret = cur.fetchone()
    assert "SECRETTOKEN" not in url and "SECsecret" not in secret


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_notify_once(users, breach):
    """Two sweeps at once (threads, separate connections): each alert and notification exists once."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are serialised on SQLite; this proves the PostgreSQL path")
    now = at(2026, 11, 26, 10)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            sweep(now=now, deliver=False)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    a = Alert.objects.get(rule="A12.1", period_key="2026-W47", kind="breached")
    assert Notification.objects.filter(alert=a).count() == 1
    from django.db.models import Count

    from kam.obligations.models import StoredObligation

    # issue 11: the two reconciles leave one stored row per obligation
    assert StoredObligation.objects.filter(rule="A12.1", period_key="2026-W47").count() == 1
    assert not StoredObligation.objects.values("rule", "subject_type", "subject_id", "period_key").annotate(
        n=Count("id")).filter(n__gt=1).exists()
