"""Writes of contacts and visits (A12.1, A8.1, A13.1, A13.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.calendar.workdays import CalendarDataMissing, add_working_days, is_working_day
from kam.core import uploads
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition, PolicyViolation
from kam.customers.models import Contact, Customer
from kam.engagement.models import (
    CalendarFeedToken,
    ContactKind,
    ContactLog,
    Material,
    Topic,
    Visit,
    VisitPhoto,
    VisitStatus,
    visit_summary,
)
from kam.obligations.store import reflect
from kam.policy.selectors import policy_in_force
from kam.users.models import Role, User

BACKDATE_DAYS = 7
WRITERS = (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MARKETING, Role.AFTER_SALES, Role.FINANCE,
           Role.MANAGEMENT)


def _check_customer_access(actor: User, customer: Customer) -> None:
    if actor.is_account_manager and not actor.sees_all_customers and customer.account_manager_id != actor.pk:
        raise AccessDenied(_("只能为自己负责的客户记录。"))
    if not actor.has_role(*WRITERS):
        raise AccessDenied(_("您没有记录沟通的权限。"))


@transaction.atomic
def contact_log_create(*, actor: User, customer: Customer, at: dt.datetime, kind: str, summary: str,
                       topic: str = Topic.NEEDS, contact: Contact | None = None, next_step: str = "",
                       visit: Visit | None = None) -> ContactLog:
    """A12.1 contact log: phone, WeChat/WeCom, visit, meeting or email, with topic and summary."""
    _check_customer_access(actor, customer)
    if kind not in ContactKind.values:
        raise ApplicationError(_("「方式」无效：%(k)s") % {"k": kind}, field="kind")
    if topic not in Topic.values:
        raise ApplicationError(_("「主题」无效：%(t)s") % {"t": topic}, field="topic")
    if not summary.strip():
        raise ApplicationError(_("请填写「摘要」（A12.1）。"), field="summary", rule="A12.1")
    if timezone.is_naive(at):
        raise ApplicationError(_("「时间」须带时区。"), field="at")
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ApplicationError(_("「时间」不能晚于现在。"), field="at")
    if visit is None and at < timezone.now() - dt.timedelta(days=BACKDATE_DAYS):
        # a data-entry rule, not a policy number: a call is logged within a week, so closed periods stay closed
        raise ApplicationError(_("只能补记 %(n)d 天内的沟通。") % {"n": BACKDATE_DAYS}, field="at", rule="A12.1")
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(_("联系人不属于该客户。"), field="contact")
    log = ContactLog.objects.create(customer=customer, at=at, kind=kind, author=actor, contact=contact,
                                    with_decision_maker=bool(contact and contact.is_decision_maker), topic=topic,
                                    summary=summary.strip(), next_step=next_step.strip(), visit=visit)
    audit_log(actor=actor, action="engagement.contact.logged", target=log, rule="A12.1",
              changes={"customer": customer.pk, "kind": kind, "topic": topic, "at": at,
                       "decision_maker": log.with_decision_maker})
    reflect(customer_ids={customer.pk}, touched={"contact"})  # the clocks depending on it, at once
    return log


def _lead_error(booked_on: dt.date, visit_day: dt.date, lead: int) -> str | None:
    """A13.1: at least `lead` working days ahead on the official calendar, and on a working day."""
    try:
        earliest = add_working_days(booked_on, lead)
        if visit_day < earliest:
            return _("拜访须至少提前 %(n)d 个工作日预约（最早 %(d)s）。") % {"n": lead, "d": earliest.isoformat()}
        if not is_working_day(visit_day):
            return _("%(d)s 是法定节假日或休息日。") % {"d": visit_day.isoformat()}
    except CalendarDataMissing as exc:  # only for dates outside the calendar's range (before 2000, > 10 years)
        return str(exc)
    return None


@transaction.atomic
def visit_book(*, actor: User, customer: Customer, starts_at: dt.datetime, ends_at: dt.datetime, purpose: str,
               materials: list[str] | None = None, override_reason: str = "", now: dt.datetime | None = None) -> Visit:
    """A13.1 gate: booked at least `visits.min_lead_working_days` working days ahead (no maximum),
    overridable with a reason (audited)."""
    _check_customer_access(actor, customer)
    if not purpose.strip():
        raise ApplicationError(_("请填写拜访目的（A13.1）。"), field="purpose", rule="A13.1")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ApplicationError(_("时间须带时区。"), field="starts_at")
    if ends_at <= starts_at:
        raise ApplicationError(_("结束时间须晚于开始时间。"), field="ends_at")
    materials = list(materials or [])
    bad = [m for m in materials if m not in Material.values]
    if bad:
        raise ApplicationError(_("未知的携带资料：%(m)s") % {"m": "、".join(bad)}, field="materials")
    now = now or timezone.now()
    if starts_at < now:
        raise ApplicationError(_("不能预约已经过去的时间。"), field="starts_at", rule="A13.1")
    policy = policy_in_force(at=now)
    lead = int(policy["visits.min_lead_working_days"])
    problem = _lead_error(timezone.localdate(now), timezone.localtime(starts_at).date(), lead)
    if problem and not override_reason.strip():
        raise PolicyViolation(problem + _(" 如确需安排，请填写原因（A13.1）。"), field="starts_at", rule="A13.1")
    visit = Visit.objects.create(customer=customer, owner=actor, starts_at=starts_at, ends_at=ends_at,
                                 purpose=purpose.strip(), materials=materials, booked_at=now,
                                 lead_override_reason=override_reason.strip() if problem else "")
    audit_log(actor=actor, action="engagement.visit.booked", target=visit, rule="A13.1",
              changes={"customer": customer.pk, "starts_at": starts_at, "materials": materials,
                       "override": bool(problem), "override_reason": visit.lead_override_reason,
                       "problem": problem or ""})
    reflect(customer_ids={customer.pk}, touched={"visit"})  # the clocks depending on it, at once
    return visit


def _own_visit(actor: User, visit: Visit) -> None:
    if visit.owner_id != actor.pk and not actor.has_role(Role.HEAD_OF_SALES):
        raise AccessDenied(_("只能处理自己的拜访。"))


@transaction.atomic
def visit_confirm(*, actor: User, visit: Visit) -> Visit:
    _own_visit(actor, visit)
    if visit.status != VisitStatus.BOOKED:
        raise InvalidTransition(_("只有已预约的拜访可以确认。"), rule="A13.1")
    visit.status, visit.confirmed_at = VisitStatus.CONFIRMED, timezone.now()
    visit.save(update_fields=["status", "confirmed_at"])
    audit_log(actor=actor, action="engagement.visit.confirmed", target=visit, rule="A13.1")
    reflect(customer_ids={visit.customer_id}, touched={"visit"})  # the clocks depending on it, at once
    return visit


@transaction.atomic
def visit_cancel(*, actor: User, visit: Visit, reason: str) -> Visit:
    _own_visit(actor, visit)
    if visit.status in (VisitStatus.DONE, VisitStatus.CANCELLED):
        raise InvalidTransition(_("已记录或已取消的拜访不能取消。"), rule="A13.1")
    if not reason.strip():
        raise ApplicationError(_("请填写取消原因。"), field="reason")
    visit.status, visit.cancelled_at, visit.cancel_reason = VisitStatus.CANCELLED, timezone.now(), reason.strip()
    visit.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit_log(actor=actor, action="engagement.visit.cancelled", target=visit, changes={"reason": reason.strip()})
    reflect(customer_ids={visit.customer_id}, touched={"visit"})  # the clocks depending on it, at once
    return visit


@transaction.atomic
def visit_record(*, actor: User, visit: Visit, purchase_plans: str, usage_problems: str, suggestions: str,
                 summary: str = "", ended_at: dt.datetime | None = None, contact: Contact | None = None,
                 checkin: tuple[Decimal, Decimal, int | None] | None = None, now: dt.datetime | None = None,
                 photo=None) -> Visit:
    """A13.2: the record says the customer's recent purchase plans, product usage problems and improvement
    suggestions; it is also the visit's contact log (counts for A12.1 and A12.2). `photo`, when given, is
    checked before anything changes and stored with the record: a refused photo leaves the visit unrecorded."""
    _own_visit(actor, visit)
    if visit.status in (VisitStatus.DONE, VisitStatus.CANCELLED):
        raise InvalidTransition(_("该拜访已记录或已取消。"), rule="A13.2")
    if photo is not None:
        check_photo(photo)  # issue 12 §3: refused with the field named, never dropped silently
    fields = {"purchase_plans": purchase_plans, "usage_problems": usage_problems, "suggestions": suggestions}
    labels = {"purchase_plans": _("近期采购计划"), "usage_problems": _("产品使用问题"), "suggestions": _("改进建议")}
    for name, value in fields.items():
        if not (value or "").strip():
            raise ApplicationError(_("请填写「%(f)s」（A13.2）。") % {"f": labels[name]}, field=name, rule="A13.2")
    now = now or timezone.now()
    if now < visit.starts_at:
        raise ApplicationError(_("拜访尚未开始，不能记录。"), field="ended_at", rule="A13.2")
    if ended_at is not None:
        if ended_at < visit.starts_at or ended_at > now:
            raise ApplicationError(_("「结束时间」须在拜访开始之后、现在之前。"), field="ended_at")
        visit.ends_at = ended_at
    for name, value in fields.items():
        setattr(visit, name, value.strip())
    visit.status, visit.recorded_at = VisitStatus.DONE, now
    if checkin is not None:
        lat, lng, accuracy = checkin
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ApplicationError(_("定位无效。"), field="checkin")
        visit.checkin_lat, visit.checkin_lng, visit.checkin_accuracy_m, visit.checkin_at = lat, lng, accuracy, now
    visit.save()
    # the log says the visit happened; its record (plans, problems, suggestions) stays on the visit, shown once
    contact_log_create(actor=actor, customer=visit.customer, at=visit.ends_at, kind=ContactKind.VISIT,
                       topic=Topic.NEEDS, contact=contact, summary=summary.strip() or visit_summary(visit),
                       visit=visit)
    audit_log(actor=actor, action="engagement.visit.recorded", target=visit, rule="A13.2",
              changes={"ends_at": visit.ends_at, "checkin": checkin is not None})
    if photo is not None:  # last: the file is stored only once everything else is in
        VisitPhoto.objects.create(visit=visit, image=photo)
        audit_log(actor=actor, action="engagement.visit.photo_added", target=visit, changes={"size": photo.size})
    reflect(customer_ids={visit.customer_id}, touched={"visit"})  # the clocks depending on it, at once
    return visit


def check_photo(upload) -> None:
    """Issue 12 §3: a visit photo is an image Pillow opens, within settings.UPLOAD_MAX_BYTES["image"] and the
    pixel limit; otherwise UploadRefused (an ApplicationError) naming the field 「照片」. Judged by content,
    never by the file's name."""
    uploads.check_upload(upload, kind="image", label=_("照片"), field="photo")


@transaction.atomic
def visit_photo_add(*, actor: User, visit: Visit, upload) -> VisitPhoto:
    _own_visit(actor, visit)
    check_photo(upload)
    photo = VisitPhoto.objects.create(visit=visit, image=upload)
    audit_log(actor=actor, action="engagement.visit.photo_added", target=visit,
              changes={"size": upload.size})
    return photo


def feed_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor: User) -> str:
    """A new secret ICS URL token (earlier ones revoked); the raw token is shown once."""
    CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=timezone.now())
    raw = secrets.token_urlsafe(24)
    CalendarFeedToken.objects.create(user=actor, token_hash=feed_token_hash(raw))
    audit_log(actor=actor, action="engagement.calendar_feed.created", target=actor)
    return raw


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> int:
    n = CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_log(actor=actor, action="engagement.calendar_feed.revoked", target=actor, changes={"revoked": n})
    return n
