"""The administrator's home-page panel on the outbox (issue 13): deliveries waiting, late and failed — one
aggregate query; the numbers link to the deliveries in the system administration."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kam.core.home import Figure, PanelData
from kam.notify.models import Delivery, DeliveryStatus
from kam.users.models import User

LATE_AFTER = dt.timedelta(minutes=15)  # the health probe's threshold (outbox_health)


def outbox_panel(*, user: User, now: dt.datetime) -> PanelData:
    counts = Delivery.objects.aggregate(
        pending=Count("id", filter=Q(status=DeliveryStatus.PENDING)),
        late=Count("id", filter=Q(status=DeliveryStatus.PENDING, next_attempt_at__lt=now - LATE_AFTER)),
        failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        sent=Count("id", filter=Q(status=DeliveryStatus.SENT, sent_at__gte=now - dt.timedelta(days=1))))
    deliveries = reverse("admin:notify_delivery_changelist")
    return PanelData(figures=[
        Figure("outbox_pending", _("待发送"), counts["pending"], f"{deliveries}?status__exact=pending", count=False),
        Figure("outbox_late", _("积压超过 15 分钟"), counts["late"], f"{deliveries}?status__exact=pending",
               "bad" if counts["late"] else "ok", count=False),
        Figure("outbox_failed", _("发送失败"), counts["failed"], f"{deliveries}?status__exact=failed",
               "bad" if counts["failed"] else "ok", count=False),
        Figure("outbox_sent", _("近 24 小时已发送"), counts["sent"], count=False)],
        more_url=reverse("notify:settings"), more_label=_("通知渠道设置"))
