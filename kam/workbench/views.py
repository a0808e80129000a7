"""The home page (`/`): for every role, the panels the chapters register for it (kam.core.home) — what needs the
person and how things stand, figures linked to the lists behind them, charts with a table view. The account
manager's home is their day as it is plus a row per own account."""

from __future__ import annotations

import logging

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.core.home import PanelData, panels_for
from kam.users.models import Role

logger = logging.getLogger(__name__)


@login_required
def home(request):
    user = request.user
    now = timezone.now()
    sections = []
    for panel in panels_for(user):
        error = False
        try:
            data = panel.load(user=user, now=now)
        except Exception:  # one failing panel must not take the others down (it is logged, and shown as such)
            logger.exception("home panel %s failed", panel.key)
            data, error = PanelData(empty=_("这一部分暂时无法显示，错误已记录。")), True
        if data is None:
            continue
        sections.append({"panel": panel, "data": data, "error": error, "id": "panel-" + panel.key.replace(".", "-"),
                         "template": panel.template if not error else "core/home/_panel.html"})
    labels = dict(Role.choices)
    return render(request, "workbench/home.html", {
        "sections": sections, "today": timezone.localdate(now),
        "role_names": "、".join(str(labels[r]) for r in Role.values if r in user.roles),
        "has_charts": any(getattr(s["data"], "charts", None) for s in sections)})
