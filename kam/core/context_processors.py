from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.users.models import Role

# (url name, label, roles that see it; empty = every signed-in user)
NAV = [
    ("home", _("首页"), ()),
    ("my_day", _("我的一天"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES)),
    ("compliance", _("执行总览"), (Role.HEAD_OF_SALES, Role.MANAGEMENT)),
    ("engagement:calendar", _("拜访日历"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES)),
    ("service:tickets", _("售后工单"), (Role.AFTER_SALES, Role.HEAD_OF_SALES, Role.ACCOUNT_MANAGER, Role.MANAGEMENT)),
    ("demands:list", _("客户需求"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.AFTER_SALES,
                                   Role.MARKETING, Role.FINANCE)),
    ("customers:list", _("客户"), ()),
    ("qualification:key_accounts", _("大客户"), ()),
    ("qualification:reviews", _("年度评审"), (Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER)),
    ("qualification:portfolios", _("客户经理负荷"), (Role.HEAD_OF_SALES, Role.MANAGEMENT)),
    ("qualification:criteria", _("认定标准"), ()),
    ("policy:in_force", _("政策设置"), ()),
    ("exchange:imports", _("数据导入"), (Role.HEAD_OF_SALES, Role.FINANCE)),
    ("audit:events", _("审计日志"), (Role.MANAGEMENT,)),
    ("dossier:access_log", _("核心数据访问"), (Role.MANAGEMENT,)),
    ("dossier:classification", _("字段密级"), (Role.MANAGEMENT,)),
    ("users:tokens", _("API 令牌"), ()),
    ("system:index", _("系统设置"), (Role.ADMINISTRATOR,)),
    ("system:logins", _("登录记录"), (Role.MANAGEMENT,)),
]


QUEUES = [("after_sales", Role.AFTER_SALES, _("售后队列")), ("marketing", Role.MARKETING, _("市场部队列")),
          ("finance", Role.FINANCE, _("财务部队列"))]


def queue_count(department: str) -> int:
    """Open items in a department's queue (A4), by two cheap counts — shown in the navigation."""
    from kam.demands.models import CustomerRequest, RequestStatus
    from kam.service.models import Ticket

    n = CustomerRequest.objects.filter(department=department).exclude(
        status__in=[RequestStatus.SOLVED, RequestStatus.CLOSED]).count()
    if department == "after_sales":
        n += Ticket.objects.exclude(status__in=["resolved", "closed"]).count()
    return n


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, roles in NAV:
        if roles and not user.has_role(*roles):
            continue
        url = reverse(name)
        items.append({"url": url, "label": label, "active": request.path.startswith(url) and url != "/"
                      or request.path == url})
    for dept, role, label in QUEUES:
        if user.has_role(role):
            url = reverse("queue", args=[dept])
            items.append({"url": url, "label": label, "active": request.path.startswith(url),
                          "count": queue_count(dept)})
    if user.is_staff or user.has_role(Role.ADMINISTRATOR):
        items.append({"url": reverse("admin:index"), "label": _("系统管理"), "active": False})
    from kam.notify.services import unread_count

    return {"nav_items": items, "unread_count": unread_count(user=user)}
