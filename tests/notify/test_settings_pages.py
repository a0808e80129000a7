"""The administrator configures the WeCom application and the group robots on the system's own pages (G.5,
issue 12 §4). Webhook URLs and secrets are write-only: stored encrypted, never shown back, never audited."""

import pytest
from django.test import Client

from kam.notify.models import GroupRobot, WeComApp

pytestmark = pytest.mark.django_db

URL = "https://oapi.dingtalk.com/robot/send?access_token=TOPSECRET_TOKEN_91"
SECRET = "SEC_signing_secret_77"


@pytest.fixture
def admin(users):
    client = Client()
    client.force_login(users.admin)
    return client


def test_a_robot_is_created_and_its_secrets_are_never_shown_back(admin):
    from kam.audit.models import AuditEvent

    body = admin.post("/system/notify/robots/new/", {"name": "销售部钉钉群", "kind": "dingtalk",
                                                     "audience": "head_of_sales", "webhook_url": URL,
                                                     "secret": SECRET, "enabled": "on"}, follow=True).content.decode()
    assert "已添加群机器人“销售部钉钉群”" in body and "已设置" in body
    robot = GroupRobot.objects.get()
    assert robot.webhook_url == URL and robot.secret == SECRET and robot.enabled
    edit = admin.get(f"/system/notify/robots/{robot.pk}/").content.decode()
    for page in (body, edit):
        assert "TOPSECRET" not in page and SECRET not in page
    assert 'value="销售部钉钉群"' in edit and "已设置；留空则不修改" in edit
    dump = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert "TOPSECRET" not in dump and SECRET not in dump
    assert AuditEvent.objects.get(action="notify.robot.created").actor is not None


def test_editing_a_robot_keeps_secrets_left_empty_and_says_what_changed(admin):
    from kam.audit.models import AuditEvent

    robot = GroupRobot.objects.create(name="群", kind="dingtalk", audience="after_sales", webhook_url=URL,
                                      secret=SECRET)
    body = admin.post(f"/system/notify/robots/{robot.pk}/", {"name": "售后群", "kind": "dingtalk",
                                                             "audience": "after_sales", "webhook_url": "",
                                                             "secret": "", "enabled": "on"},
                      follow=True).content.decode()
    assert "已保存“售后群”：名称已修改" in body
    robot.refresh_from_db()
    assert robot.webhook_url == URL and robot.secret == SECRET
    new_url = "https://oapi.dingtalk.com/robot/send?access_token=NEWTOKEN_55"
    body = admin.post(f"/system/notify/robots/{robot.pk}/", {"name": "售后群", "kind": "dingtalk",
                                                             "audience": "after_sales", "webhook_url": new_url,
                                                             "secret": "", "enabled": "on"},
                      follow=True).content.decode()
    assert "Webhook 地址已修改" in body and "NEWTOKEN" not in body
    robot.refresh_from_db()
    assert robot.webhook_url == new_url
    event = AuditEvent.objects.filter(action="notify.robot.updated").order_by("id").last()
    assert event.changes == {"webhook_url": {"changed": True}}


def test_a_bad_robot_is_refused_with_the_field_named_and_what_was_typed_kept(admin):
    body = admin.post("/system/notify/robots/new/", {"name": "钉钉群", "kind": "dingtalk", "audience": "finance",
                                                     "webhook_url": "not a url", "secret": SECRET}).content.decode()
    assert "Webhook 地址不是有效的 http(s) 地址" in body and 'value="钉钉群"' in body
    assert "not a url" not in body and SECRET not in body  # secrets are not echoed even on refusal
    body = admin.post("/system/notify/robots/new/", {"name": "钉钉群", "kind": "dingtalk", "audience": "finance",
                                                     "webhook_url": URL}).content.decode()
    assert "请填写签名密钥" in body
    assert not GroupRobot.objects.exists()


def test_a_robot_is_disabled_not_deleted(admin):
    robot = GroupRobot.objects.create(name="群", kind="wecom_robot", audience="finance", webhook_url=URL)
    body = admin.post(f"/system/notify/robots/{robot.pk}/toggle/", follow=True).content.decode()
    assert "已停用“群”" in body
    robot.refresh_from_db()
    assert not robot.enabled
    admin.post(f"/system/notify/robots/{robot.pk}/toggle/")
    robot.refresh_from_db()
    assert robot.enabled


def test_the_wecom_application_secret_is_write_only(admin):
    from kam.audit.models import AuditEvent

    body = admin.post("/system/notify/wecom/", {"corp_id": "ww123", "agent_id": "1000002",
                                                "base_url": "https://qyapi.weixin.qq.com", "enabled": "on"}
                      ).content.decode()
    assert "请填写应用 Secret" in body and 'value="ww123"' in body
    admin.post("/system/notify/wecom/", {"corp_id": "ww123", "agent_id": "1000002", "secret": "APPSECRET_31",
                                         "base_url": "https://qyapi.weixin.qq.com", "enabled": "on"})
    app = WeComApp.objects.get()
    assert app.secret == "APPSECRET_31"
    for url in ("/system/notify/", "/system/notify/wecom/"):
        page = admin.get(url).content.decode()
        assert "APPSECRET_31" not in page and "已设置" in page
    body = admin.post("/system/notify/wecom/", {"corp_id": "ww123", "agent_id": "1000003", "secret": "",
                                                "base_url": "https://qyapi.weixin.qq.com", "enabled": "on"},
                      follow=True).content.decode()
    assert "AgentId已修改" in body
    app.refresh_from_db()
    assert app.secret == "APPSECRET_31" and app.agent_id == 1000003
    assert "APPSECRET_31" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize("who", ["am1", "head", "mgmt", "fin"])
def test_only_the_administrator_configures_notifications(users, who):
    robot = GroupRobot.objects.create(name="群", kind="wecom_robot", audience="finance", webhook_url=URL)
    client = Client()
    client.force_login(getattr(users, who))
    assert client.get("/system/notify/").status_code == 403
    assert client.post(f"/system/notify/robots/{robot.pk}/toggle/").status_code == 403
    assert client.post("/system/notify/wecom/", {"corp_id": "x", "agent_id": "1", "secret": "s",
                                                 "base_url": "https://qyapi.weixin.qq.com"}).status_code == 403
    robot.refresh_from_db()
    assert robot.enabled and not WeComApp.objects.exists()
