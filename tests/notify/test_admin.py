"""Robot URLs and secrets are never shown back in the administrator's forms (A7.1, G.5)."""

import pytest

from kam.notify.models import GroupRobot

pytestmark = pytest.mark.django_db


def test_robot_secrets_are_write_only_in_admin(users, client):
    users.admin.is_superuser = True
    users.admin.save()
    robot = GroupRobot.objects.create(name="钉钉群", kind="dingtalk", audience="head_of_sales",
                                      webhook_url="https://oapi.dingtalk.com/robot/send?access_token=TOPSECRET",
                                      secret="SECvalue")
    client.force_login(users.admin)
    body = client.get(f"/admin/notify/grouprobot/{robot.pk}/change/").content.decode()
    assert "TOPSECRET" not in body and "SECvalue" not in body
    response = client.post(f"/admin/notify/grouprobot/{robot.pk}/change/", {
        "name": "钉钉销售群", "kind": "dingtalk", "audience": "head_of_sales", "webhook_url": "", "secret": "",
        "enabled": "on"})
    assert response.status_code == 302
    robot.refresh_from_db()
    assert robot.name == "钉钉销售群" and "TOPSECRET" in robot.webhook_url and robot.secret == "SECvalue"
