"""/system/notify/: the administrator configures group robots and the WeCom application (G.5).

Secrets and webhook URLs are write-only: the pages say "已设置" and never render a stored value.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.access import role_required
from kam.core.errors import ApplicationError
from kam.notify import config_services
from kam.notify.forms import GroupRobotForm, WeComAppForm
from kam.users.models import Role

ADMIN = Role.ADMINISTRATOR
FIELD_LABELS = {"name": _("名称"), "kind": _("类型"), "audience": _("接收群"), "enabled": _("启用状态"),
                "webhook_url": _("Webhook 地址"), "secret": _("密钥"), "corp_id": _("企业 ID"),
                "agent_id": _("AgentId"), "base_url": _("接口地址")}


def _refuse(form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def _changed(changes: dict) -> str:
    return "、".join(str(FIELD_LABELS.get(k, k)) for k in changes)


@role_required(ADMIN)
def settings_page(request):
    robots = config_services.robots_configured(user=request.user)
    app = config_services.wecom_app_get(user=request.user)
    return render(request, "notify/settings.html", {"robots": robots, "app": app})


@role_required(ADMIN)
def robot_create(request):
    form = GroupRobotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            robot = config_services.group_robot_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("已添加群机器人“%(n)s”。") % {"n": robot.name})
            return redirect("notify:settings")
    return render(request, "notify/robot_form.html", {"form": form, "robot": None})


@role_required(ADMIN)
def robot_edit(request, pk: int):
    robot = config_services.robot_get(user=request.user, pk=pk)
    initial = {"name": robot.name, "kind": robot.kind, "audience": robot.audience, "enabled": robot.enabled}
    form = GroupRobotForm(request.POST or None, initial=initial, robot=robot)
    if request.method == "POST" and form.is_valid():
        try:
            changes = config_services.group_robot_update(actor=request.user, robot=robot, **form.cleaned_data)
        except ApplicationError as exc:
            _refuse(form, exc)
        else:
            if changes:
                messages.success(request, _("已保存“%(n)s”：%(what)s已修改。") % {"n": robot.name,
                                                                            "what": _changed(changes)})
            else:
                messages.info(request, _("“%(n)s”没有修改。") % {"n": robot.name})
            return redirect("notify:settings")
    return render(request, "notify/robot_form.html", {"form": form, "robot": robot})


@role_required(ADMIN)
@require_POST
def robot_toggle(request, pk: int):
    robot = config_services.robot_get(user=request.user, pk=pk)
    enabled = not robot.enabled
    config_services.group_robot_set_enabled(actor=request.user, robot=robot, enabled=enabled)
    messages.success(request, (_("已启用“%(n)s”。") if enabled else _("已停用“%(n)s”，不再向该群发送。"))
                     % {"n": robot.name})
    return redirect("notify:settings")


@role_required(ADMIN)
def wecom_app(request):
    app = config_services.wecom_app_get(user=request.user)
    initial = ({"corp_id": app.corp_id, "agent_id": app.agent_id, "base_url": app.base_url, "enabled": app.enabled}
               if app is not None else None)
    form = WeComAppForm(request.POST or None, initial=initial, app=app)
    if request.method == "POST" and form.is_valid():
        try:
            _app, changes = config_services.wecom_app_save(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _refuse(form, exc)
        else:
            if changes.get("created"):
                messages.success(request, _("已保存企业微信应用设置。"))
            elif changes:
                messages.success(request, _("已保存企业微信应用：%(what)s已修改。") % {"what": _changed(changes)})
            else:
                messages.info(request, _("企业微信应用设置没有修改。"))
            return redirect("notify:settings")
    return render(request, "notify/wecom_app_form.html", {"form": form, "app": app})
