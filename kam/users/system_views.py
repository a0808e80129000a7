"""The administrator's system pages under /system/: users, log-in history, log-in throttles.

Every change goes through a service that writes its audit row; the pages only validate and confirm what
changed. Management may read the log-in history; nothing else here is theirs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.access import role_required
from kam.core.errors import ApplicationError
from kam.users import second_factor, selectors, services, throttling
from kam.users.forms import LoginHistoryFilterForm, UserCreateForm, UserDataForm
from kam.users.models import Role, User

ADMIN = Role.ADMINISTRATOR


def _refuse(form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def _role_labels(roles) -> str:
    labels = dict(Role.choices)
    return "、".join(str(labels.get(r, r)) for r in roles)


@role_required(ADMIN)
def index(request):
    return render(request, "users/system/index.html")


@role_required(ADMIN)
def user_list(request):
    page = Paginator(selectors.system_users(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "users/system/users.html", {"page": page})


@role_required(ADMIN)
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = services.temporary_password()
        try:
            user = services.user_create(actor=request.user, username=data["username"], password=password,
                                        roles=data["roles"], display_name=data["display_name"],
                                        email=data["email"], phone=data["phone"],
                                        wecom_userid=data["wecom_userid"], must_change_password=True)
        except ApplicationError as exc:
            _refuse(form, exc)
        else:
            # shown once, in this response only (never in a message, a log or the audit trail)
            return render(request, "users/system/temporary_password.html", {
                "subject": user, "password": password, "created": True, "roles": _role_labels(data["roles"])})
    return render(request, "users/system/user_form.html", {"form": form, "subject": None})


@role_required(ADMIN)
def user_edit(request, pk: int):
    subject = selectors.system_user_get(user=request.user, pk=pk)
    initial = {"display_name": subject.display_name, "email": subject.email, "phone": subject.phone,
               "wecom_userid": subject.wecom_userid, "roles": [g.role for g in subject.role_grants.all()]}
    form = UserDataForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = services.user_edit(actor=request.user, user=subject, display_name=data["display_name"],
                                         email=data["email"], phone=data["phone"],
                                         wecom_userid=data["wecom_userid"], roles=data["roles"])
        except ApplicationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _describe(subject, changes))
            return redirect("system:user_edit", pk=subject.pk)
    return render(request, "users/system/user_form.html", {
        "form": form, "subject": subject, "otp": second_factor.status(user=subject)})


def _describe(subject: User, changes: dict) -> str:
    if not changes:
        return _("“%(u)s”没有修改。") % {"u": subject.username}
    labels = {"display_name": _("姓名"), "email": _("电子邮件"), "phone": _("手机"), "wecom_userid": _("企业微信账号")}
    parts = [str(labels[k]) for k in changes if k in labels]
    if changes.get("granted"):
        parts.append(_("授予角色：%(r)s") % {"r": _role_labels(changes["granted"])})
    if changes.get("revoked"):
        parts.append(_("取消角色：%(r)s") % {"r": _role_labels(changes["revoked"])})
    return _("已保存“%(u)s”：%(what)s。") % {"u": subject.username, "what": "；".join(str(p) for p in parts)}


@role_required(ADMIN)
@require_POST
def user_deactivate(request, pk: int):
    subject = selectors.system_user_get(user=request.user, pk=pk)
    try:
        services.user_deactivate(actor=request.user, user=subject)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已停用“%(u)s”：不能再登录，已登录的会话和 API 令牌随即失效。")
                         % {"u": subject.username})
    return redirect("system:user_edit", pk=subject.pk)


@role_required(ADMIN)
@require_POST
def user_reactivate(request, pk: int):
    subject = selectors.system_user_get(user=request.user, pk=pk)
    try:
        services.user_reactivate(actor=request.user, user=subject)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已重新启用“%(u)s”。") % {"u": subject.username})
    return redirect("system:user_edit", pk=subject.pk)


@role_required(ADMIN)
@require_POST
def user_password_reset(request, pk: int):
    subject = selectors.system_user_get(user=request.user, pk=pk)
    try:
        password = services.user_password_reset(actor=request.user, user=subject)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("system:user_edit", pk=subject.pk)
    return render(request, "users/system/temporary_password.html",
                  {"subject": subject, "password": password, "created": False})


@role_required(ADMIN)
@require_POST
def user_otp_reset(request, pk: int):
    subject = selectors.system_user_get(user=request.user, pk=pk)
    try:
        second_factor.otp_remove(actor=request.user, user=subject)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已移除“%(u)s”的验证器和恢复码。") % {"u": subject.username})
    return redirect("system:user_edit", pk=subject.pk)


@role_required(ADMIN, Role.MANAGEMENT)
def login_history(request):
    form = LoginHistoryFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {k: form.cleaned_data[k] for k in ("username", "action", "since", "until")}
    page = Paginator(selectors.login_events(user=request.user, **filters), 50).get_page(request.GET.get("page"))
    for event in page:
        event.label = selectors.LOGIN_EVENTS.get(event.action, event.action)
        event.detail = selectors.login_event_detail(event)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "users/system/login_history.html",
                  {"form": form, "page": page, "query": query.urlencode(),
                   "is_admin": request.user.has_role(ADMIN)})


@role_required(ADMIN)
def throttles(request):
    from django.utils import timezone

    rows = list(selectors.login_throttles(user=request.user)[:200])
    now = timezone.now()
    for row in rows:
        row.active = bool(row.locked_until and row.locked_until > now)
    return render(request, "users/system/throttles.html", {"rows": rows, "limit": settings.LOGIN_FAILURE_LIMIT})


@role_required(ADMIN)
@require_POST
def throttle_lift(request, pk: int):
    row = get_object_or_404(selectors.login_throttles(user=request.user), pk=pk)
    throttling.login_throttle_lift(actor=request.user, throttle=row)
    who = row.username or _("所有用户名")
    messages.success(request, _("已解除 %(who)s 从 %(ip)s 的登录限制。") % {"who": who, "ip": row.ip or "—"})
    return redirect("system:throttles")
