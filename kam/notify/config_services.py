"""The administrator configures notification channels: group robots and the WeCom application (G.5).

Webhook URLs and secrets are write-only: stored encrypted (A7.1), never shown back, never in the audit trail
(only "changed"). An empty value on edit keeps what is stored. Robots are disabled, never deleted: their
notifications are history.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from kam.audit.services import audit_log, diff
from kam.core.access import require_role
from kam.core.errors import ApplicationError
from kam.notify.models import Audience, GroupRobot, RobotKind, WeComApp
from kam.users.models import Role, User

SECRETS = frozenset({"webhook_url", "secret"})


def _require_admin(actor: User) -> None:
    require_role(actor, Role.ADMINISTRATOR, message=_("只有系统管理员可以配置通知渠道。"))


def _url(value: str, *, field: str, label: str) -> str:
    value = (value or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(value)
    except ValidationError:
        raise ApplicationError(_("%(f)s不是有效的 http(s) 地址。") % {"f": label}, field=field)
    return value


def _robot_values(*, name: str, kind: str, audience: str) -> dict:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("请填写名称。"), field="name")
    if kind not in RobotKind.values:
        raise ApplicationError(_("请选择机器人类型。"), field="kind")
    if audience not in Audience.values:
        raise ApplicationError(_("请选择接收群。"), field="audience")
    return {"name": name[:80], "kind": kind, "audience": audience}


@transaction.atomic
def group_robot_create(*, actor: User, name: str, kind: str, audience: str, webhook_url: str, secret: str = "",
                       enabled: bool = True) -> GroupRobot:
    _require_admin(actor)
    values = _robot_values(name=name, kind=kind, audience=audience)
    if not (webhook_url or "").strip():
        raise ApplicationError(_("请填写 Webhook 地址。"), field="webhook_url")
    if kind == RobotKind.DINGTALK and not (secret or "").strip():
        raise ApplicationError(_("钉钉机器人使用加签，请填写签名密钥。"), field="secret")
    robot = GroupRobot.objects.create(**values, enabled=enabled, secret=(secret or "").strip(),
                                      webhook_url=_url(webhook_url, field="webhook_url", label="Webhook 地址"))
    audit_log(actor=actor, action="notify.robot.created", target=robot, target_repr=robot.name,
              changes={**values, "enabled": enabled, "webhook_url": {"changed": True},
                       "secret": {"changed": bool(robot.secret)}})
    return robot


@transaction.atomic
def group_robot_update(*, actor: User, robot: GroupRobot, name: str, kind: str, audience: str,
                       enabled: bool, webhook_url: str = "", secret: str = "") -> dict:
    """Edit a robot; an empty webhook URL or secret keeps the stored one. Returns what changed (secrets as
    {"changed": True}, never their values)."""
    _require_admin(actor)
    values: dict = {**_robot_values(name=name, kind=kind, audience=audience), "enabled": enabled}
    if (webhook_url or "").strip():
        values["webhook_url"] = _url(webhook_url, field="webhook_url", label="Webhook 地址")
    if (secret or "").strip():
        values["secret"] = secret.strip()
    if kind == RobotKind.DINGTALK and not (values.get("secret") or robot.secret):
        raise ApplicationError(_("钉钉机器人使用加签，请填写签名密钥。"), field="secret")
    changes = diff(robot, values, secret_fields=SECRETS)
    if changes:
        for k, v in values.items():
            setattr(robot, k, v)
        robot.save()
        audit_log(actor=actor, action="notify.robot.updated", target=robot, target_repr=robot.name,
                  changes=changes)
    return changes


@transaction.atomic
def group_robot_set_enabled(*, actor: User, robot: GroupRobot, enabled: bool) -> bool:
    _require_admin(actor)
    if robot.enabled == enabled:
        return False
    robot.enabled = enabled
    robot.save(update_fields=["enabled"])
    audit_log(actor=actor, action="notify.robot.enabled" if enabled else "notify.robot.disabled", target=robot,
              target_repr=robot.name)
    return True


@transaction.atomic
def wecom_app_save(*, actor: User, corp_id: str, agent_id: int | None, base_url: str, enabled: bool,
                   secret: str = "") -> tuple[WeComApp, dict]:
    """The one WeCom application (personal application messages); an empty secret keeps the stored one."""
    _require_admin(actor)
    corp_id = (corp_id or "").strip()
    if not corp_id:
        raise ApplicationError(_("请填写企业 ID。"), field="corp_id")
    if agent_id is None or agent_id <= 0:
        raise ApplicationError(_("应用 AgentId 是正整数。"), field="agent_id")
    values: dict = {"corp_id": corp_id[:64], "agent_id": agent_id, "enabled": enabled,
                    "base_url": _url(base_url or "https://qyapi.weixin.qq.com", field="base_url", label=_("接口地址"))}
    if (secret or "").strip():
        values["secret"] = secret.strip()
    app = WeComApp.objects.select_for_update().order_by("pk").first()
    if app is None:
        if "secret" not in values:
            raise ApplicationError(_("请填写应用 Secret。"), field="secret")
        app = WeComApp.objects.create(**values)
        audit_log(actor=actor, action="notify.wecom_app.created", target=app,
                  changes={**{k: v for k, v in values.items() if k != "secret"}, "secret": {"changed": True}})
        return app, {"created": True}
    changes = diff(app, values, secret_fields=SECRETS)
    if changes:
        for k, v in values.items():
            setattr(app, k, v)
        app.save()
        audit_log(actor=actor, action="notify.wecom_app.updated", target=app, changes=changes)
    return app, changes


# --- reads for the settings pages (administrator only; secrets are never part of what they return) --------

def robots_configured(*, user: User):
    _require_admin(user)
    return GroupRobot.objects.order_by("-enabled", "audience", "name").only("id", "name", "kind", "audience",
                                                                              "enabled", "secret")


def robot_get(*, user: User, pk: int) -> GroupRobot:
    from django.shortcuts import get_object_or_404

    _require_admin(user)
    return get_object_or_404(GroupRobot, pk=pk)


def wecom_app_get(*, user: User) -> WeComApp | None:
    _require_admin(user)
    return WeComApp.objects.order_by("pk").first()
