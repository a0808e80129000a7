"""The outbox: create notifications (inbox + deliveries) and deliver them with retries (G.5).

A notification reaches only people allowed to see what it says (A7): personal alerts go to the person's
inbox, email and WeCom application messages; group robots get only department-queue and head-of-sales
group messages. No core data is ever put in a notification (callers pass labels of basic data only).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kam.notify.models import Audience, Channel, Delivery, DeliveryStatus, GroupRobot, Notification, WeComApp
from kam.users.models import User

log = logging.getLogger("kam.notify")
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1


def _create_once(**fields) -> Notification | None:
    try:
        with transaction.atomic():
            return Notification.objects.create(**fields)
    except IntegrityError:
        return None  # already notified (same dedupe key): nobody hears twice


def notify_user(*, user: User, title: str, body: str = "", url: str = "", rule: str = "", alert=None,
                dedupe_key: str, now: dt.datetime | None = None) -> Notification | None:
    """Inbox row plus email / WeCom app deliveries for one person; once per dedupe key."""
    if not user.is_active:
        return None
    note = _create_once(recipient=user, title=title[:200], body=body, url=url, rule=rule, alert=alert,
                        dedupe_key=f"{dedupe_key}:u{user.pk}"[:120])
    if note is None:
        return None
    now = now or timezone.now()
    deliveries = []
    if user.email and settings.EMAIL_NOTIFICATIONS:
        deliveries.append(Delivery(notification=note, channel=Channel.EMAIL, target=user.email, next_attempt_at=now))
    if user.wecom_userid and WeComApp.objects.filter(enabled=True).exists():
        deliveries.append(Delivery(notification=note, channel=Channel.WECOM_APP, target=user.wecom_userid,
                                   next_attempt_at=now))
    Delivery.objects.bulk_create(deliveries)
    return note


def notify_role(*, role: str, **kwargs) -> list[Notification]:
    users = User.objects.filter(is_active=True, role_grants__role=role).distinct()
    return [n for u in users if (n := notify_user(user=u, **kwargs)) is not None]


def notify_group(*, audience: str, title: str, body: str = "", url: str = "", rule: str = "", alert=None,
                 dedupe_key: str, now: dt.datetime | None = None) -> list[Notification]:
    """A department queue's or the head of sales' group robots (never an account manager's personal alert)."""
    if audience not in Audience.values:
        raise ValueError(f"unknown audience {audience}")
    result = []
    for robot in GroupRobot.objects.filter(enabled=True, audience=audience):
        note = _create_once(robot=robot, title=title[:200], body=body, url=url, rule=rule, alert=alert,
                            dedupe_key=f"{dedupe_key}:r{robot.pk}"[:120])
        if note is not None:
            Delivery.objects.create(notification=note, channel=robot.kind, target=str(robot.pk),
                                    next_attempt_at=now or timezone.now())
            result.append(note)
    return result


def _absolute(url: str) -> str:
    base = getattr(settings, "KAM_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def _send(delivery: Delivery) -> None:
    from kam.notify.channels.base import Message

    note = delivery.notification
    message = Message(title=note.title, text=note.body or note.title, url=_absolute(note.url))
    if delivery.channel == Channel.EMAIL:
        from kam.notify.channels.email import send_email

        send_email(to=delivery.target, message=message, from_email=settings.DEFAULT_FROM_EMAIL,
                   host=settings.EMAIL_HOST, port=settings.EMAIL_PORT,
                   username=getattr(settings, "EMAIL_HOST_USER", ""),
                   password=getattr(settings, "EMAIL_HOST_PASSWORD", ""),
                   use_tls=getattr(settings, "EMAIL_USE_TLS", False))
    elif delivery.channel == Channel.WECOM_APP:
        from kam.notify.channels.wecom import WeComAppClient

        config = WeComApp.objects.filter(enabled=True).first()
        if config is None:
            raise RuntimeError("WeCom application is not configured")
        WeComAppClient(config.corp_id, config.agent_id, config.secret, base_url=config.base_url).send(delivery.target,
                                                                                            message)
    else:
        robot = GroupRobot.objects.get(pk=int(delivery.target))
        if delivery.channel == Channel.WECOM_ROBOT:
            from kam.notify.channels.wecom import send_wecom_robot

            send_wecom_robot(robot.webhook_url, message)
        elif delivery.channel == Channel.DINGTALK:
            from kam.notify.channels.dingtalk import send_dingtalk_robot

            send_dingtalk_robot(robot.webhook_url, robot.secret, message)
        elif delivery.channel == Channel.FEISHU:
            from kam.notify.channels.feishu import send_feishu_robot

            send_feishu_robot(robot.webhook_url, robot.secret, message)


LEASE = dt.timedelta(minutes=10)


def _claim(now: dt.datetime, limit: int) -> list[Delivery]:
    """Claim due deliveries by conditional UPDATE (a lease), so two workers never send the same one and no
    transaction stays open while a vendor is called."""
    due = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("id", "next_attempt_at")[:limit])
    claimed = []
    for pk, at in due:
        if Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at=at).update(
                next_attempt_at=now + LEASE):
            claimed.append(pk)
    return list(Delivery.objects.filter(pk__in=claimed).select_related("notification"))


def deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send what is due; a failure is retried with backoff (1, 5, 15, 60, 240 min), then marked failed."""
    from kam.notify.channels.base import DeliveryError

    counts = {"sent": 0, "retry": 0, "failed": 0}
    now = now or timezone.now()
    for d in _claim(now, limit):
        d.attempts += 1
        try:
            _send(d)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none crashes the worker
            retryable = exc.retryable if isinstance(exc, DeliveryError) else True
            d.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if retryable and d.attempts < MAX_ATTEMPTS:
                d.next_attempt_at = now + dt.timedelta(minutes=BACKOFF_MINUTES[d.attempts - 1])
                counts["retry"] += 1
            else:
                d.status = DeliveryStatus.FAILED
                counts["failed"] += 1
            log.warning("delivery %s via %s failed (attempt %d): %s", d.pk, d.channel, d.attempts, d.last_error)
        else:
            d.status, d.sent_at, d.last_error = DeliveryStatus.SENT, timezone.now(), ""
            counts["sent"] += 1
        d.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
    return counts


def _still_relevant():
    """A notification about an alert that has since been resolved (met, explained, void) no longer shows."""
    from django.db.models import Q

    return Q(alert__isnull=True) | Q(alert__resolved_at__isnull=True)


def inbox(*, user: User):
    return Notification.objects.filter(_still_relevant(), recipient=user).order_by("-created_at", "-id")


def unread(*, user: User):
    """The user's unread notifications (the inbox's count in the header counts this queryset)."""
    return Notification.objects.filter(_still_relevant(), recipient=user, read_at__isnull=True)


def unread_count(*, user: User) -> int:
    return unread(user=user).count()


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def outbox_health() -> tuple[bool, dict]:
    """Health (issue 12): deliveries waiting, how many are late by more than 15 minutes, and failed ones."""
    now = timezone.now()
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    return True, {"pending": pending.count(),
                  "late": pending.filter(next_attempt_at__lt=now - dt.timedelta(minutes=15)).count(),
                  "failed": Delivery.objects.filter(status=DeliveryStatus.FAILED).count()}
