"""Writes of the green channel (A11): open, respond, schedule, on site, resolve, close, reopen, pause."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.customers.models import Customer
from kam.obligations.store import reflect
from kam.service.models import (
    REOPEN_DAYS,
    TRANSITIONS,
    CareKind,
    CareSession,
    ConfirmChannel,
    PauseReason,
    Ticket,
    TicketPause,
    TicketStatus,
)
from kam.users.models import Role, User

OPENERS = (Role.AFTER_SALES, Role.HEAD_OF_SALES, Role.ACCOUNT_MANAGER)
WORKERS = (Role.AFTER_SALES, Role.HEAD_OF_SALES)
CLOSERS = (*WORKERS, Role.ACCOUNT_MANAGER)
#: how far ahead of the server's clock a typed time may be (a phone's clock running fast), never a policy number
CLOCK_SKEW = dt.timedelta(minutes=5)


def _next_number(now: dt.datetime) -> str:
    prefix = f"SH{timezone.localtime(now):%Y%m%d}"
    n = Ticket.objects.filter(number__startswith=prefix).count() + 1
    while Ticket.objects.filter(number=f"{prefix}-{n:03d}").exists():
        n += 1
    return f"{prefix}-{n:03d}"


@transaction.atomic
def ticket_open(*, actor: User | None, customer: Customer, problem: str, reported_at: dt.datetime | None = None,
                site_city: str = "", site_address: str = "", product_ref: str = "", order=None,
                number: str = "", now: dt.datetime | None = None) -> Ticket:
    """A11: a ticket of a key account; both clocks start at the customer's report time (entered by staff,
    never later than now)."""
    from kam.qualification.selectors import is_key_account

    if actor is not None:
        require_role(actor, *OPENERS, message=_("只有售后或销售人员可以登记工单。"))
        if actor.is_account_manager and not actor.sees_all_customers and customer.account_manager_id != actor.pk:
            raise AccessDenied(_("只能为自己负责的客户登记工单。"))
    now = now or timezone.now()
    reported_at = reported_at or now
    if timezone.is_naive(reported_at):
        raise ApplicationError(_("「报修时间」须带时区。"), field="reported_at")
    if reported_at > now:
        raise ApplicationError(_("「报修时间」不能晚于登记时间（A11.1）。"), field="reported_at", rule="A11.1")
    if not problem.strip():
        raise ApplicationError(_("请填写问题描述。"), field="problem")
    if not is_key_account(customer.pk, at=reported_at):
        raise ApplicationError(_("绿色通道只适用于大客户：「%(c)s」不是大客户（A11）。") % {"c": customer},
                               field="customer", rule="A11.1")
    ticket = Ticket.objects.create(
        customer=customer, number=number or _next_number(now), reported_at=reported_at, created_at=now,
        created_by=actor, problem=problem.strip(), site_city=(site_city or customer.city).strip(),
        site_address=site_address or customer.address, product_ref=product_ref, order=order)
    audit_log(actor=actor, action="service.ticket.opened", target=ticket, rule="A11.1",
              changes={"customer": customer.pk, "reported_at": reported_at, "site_city": ticket.site_city})
    reflect(customer_ids={customer.pk}, touched={"ticket"})  # the clocks depending on it, at once
    return ticket


def ticket_open_for_repair(*, customer: Customer, summary: str, at: dt.datetime, site_city: str = "",
                           now: dt.datetime | None = None) -> Ticket:
    """The "repair" hand-off (A4, A15.2): a customer's repair request becomes this after-sales ticket."""
    return ticket_open(actor=None, customer=customer, problem=summary, reported_at=at, site_city=site_city, now=now)


def _move(ticket: Ticket, to: str) -> None:
    if to not in TRANSITIONS.get(ticket.status, ()):
        raise InvalidTransition(_("工单状态不能从「%(a)s」变为「%(b)s」。") % {
            "a": TicketStatus(ticket.status).label, "b": TicketStatus(to).label}, field="status")


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def ticket_respond(*, actor: User, ticket: Ticket, note: str, onsite_needed: bool,
                   technician: User | None = None, at: dt.datetime | None = None) -> Ticket:
    """First response (A11.1); whether on-site service is needed is decided now at the latest (A11.2)."""
    require_role(actor, *WORKERS, message=_("只有售后服务部可以响应工单。"))
    ticket = _lock(ticket)
    reopening = ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    _move(ticket, TicketStatus.RESPONDED)
    now = at or timezone.now()
    if reopening:
        if ticket.status == TicketStatus.CLOSED and ticket.closed_at and now - ticket.closed_at > dt.timedelta(
                days=REOPEN_DAYS):
            raise InvalidTransition(_("工单关闭已超过 %(n)d 天，请新建工单。") % {"n": REOPEN_DAYS}, field="status")
        ticket.reopened += 1
        ticket.resolved_at = ticket.closed_at = ticket.confirmed_at = None
        ticket.confirmed_by = ticket.confirmed_via = ""
    else:
        if not note.strip():
            raise ApplicationError(_("请填写响应说明。"), field="note", rule="A11.1")
        ticket.responded_at = now
        ticket.response_note = note.strip()
        ticket.onsite_needed = bool(onsite_needed)
    if technician is not None:
        ticket.technician = technician
    old = ticket.status
    ticket.status = TicketStatus.RESPONDED
    ticket.save()
    audit_log(actor=actor, action="service.ticket.reopened" if reopening else "service.ticket.responded",
              target=ticket, rule="A11.1", changes={"status": {"old": old, "new": ticket.status},
                                                    "onsite_needed": ticket.onsite_needed, "at": now})
    reflect(customer_ids={ticket.customer_id}, touched={"ticket"})  # the clocks depending on it, at once
    return ticket


@transaction.atomic
def ticket_schedule(*, actor: User, ticket: Ticket, scheduled_for: dt.datetime, technician: User | None = None
                    ) -> Ticket:
    require_role(actor, *WORKERS)
    ticket = _lock(ticket)
    _move(ticket, TicketStatus.SCHEDULED)
    if not ticket.onsite_needed:
        raise InvalidTransition(_("该工单无需上门。"), field="status", rule="A11.2")
    ticket.status, ticket.scheduled_for = TicketStatus.SCHEDULED, scheduled_for
    if technician is not None:
        ticket.technician = technician
    ticket.save()
    audit_log(actor=actor, action="service.ticket.scheduled", target=ticket, rule="A11.2",
              changes={"scheduled_for": scheduled_for, "technician": ticket.technician_id})
    reflect(customer_ids={ticket.customer_id}, touched={"ticket"})  # the clocks depending on it, at once
    return ticket


@transaction.atomic
def ticket_on_site(*, actor: User, ticket: Ticket, at: dt.datetime | None = None, now: dt.datetime | None = None
                   ) -> Ticket:
    """A11.2: the technician's actual arrival (typed by after-sales; default now) — after the customer's report and
    the start of any running pause, never in the future. The on-site clock is met at that time."""
    require_role(actor, *WORKERS)
    ticket = _lock(ticket)
    _move(ticket, TicketStatus.ON_SITE)
    now = now or timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise ApplicationError(_("「到达现场时间」须带时区。"), field="at")
    if at > now + CLOCK_SKEW:
        raise ApplicationError(_("「到达现场时间」不能晚于现在。"), field="at", rule="A11.2")
    if at < ticket.reported_at:
        raise ApplicationError(_("「到达现场时间」不能早于客户报修时间（%(t)s）。") % {
            "t": timezone.localtime(ticket.reported_at).strftime("%Y-%m-%d %H:%M")}, field="at", rule="A11.2")
    running = ticket.pauses.filter(ended_at__isnull=True).first()
    if running is not None and at < running.started_at:
        raise ApplicationError(_("「到达现场时间」不能早于上门计时暂停的开始（%(t)s）。") % {
            "t": timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M")}, field="at", rule="A11.2")
    ticket.pauses.filter(ended_at__isnull=True).update(ended_at=at)
    ticket.status, ticket.on_site_at = TicketStatus.ON_SITE, at
    ticket.save()
    audit_log(actor=actor, action="service.ticket.on_site", target=ticket, rule="A11.2",
              changes={"on_site_at": ticket.on_site_at})
    reflect(customer_ids={ticket.customer_id}, touched={"ticket"})  # the clocks depending on it, at once
    return ticket


@transaction.atomic
def ticket_resolve(*, actor: User, ticket: Ticket, resolution: str) -> Ticket:
    require_role(actor, *WORKERS)
    ticket = _lock(ticket)
    _move(ticket, TicketStatus.RESOLVED)
    if not resolution.strip():
        raise ApplicationError(_("请填写处理结果。"), field="resolution")
    if ticket.status == TicketStatus.RESPONDED and ticket.onsite_needed:
        raise InvalidTransition(_("需要上门的工单须先到现场。"), field="status", rule="A11.2")
    ticket.resolved_remotely = ticket.status == TicketStatus.RESPONDED
    ticket.status, ticket.resolved_at, ticket.resolution = TicketStatus.RESOLVED, timezone.now(), resolution.strip()
    ticket.save()
    audit_log(actor=actor, action="service.ticket.resolved", target=ticket, changes={
        "remotely": ticket.resolved_remotely})
    reflect(customer_ids={ticket.customer_id}, touched={"ticket"})  # the clocks depending on it, at once
    return ticket


@transaction.atomic
def ticket_close(*, actor: User, ticket: Ticket, confirmed_by: str, confirmed_via: str,
                 confirmed_at: dt.datetime | None = None, now: dt.datetime | None = None) -> Ticket:
    """Closed when the customer confirms the resolution: who on the customer's side confirmed, when (after the
    resolution, never in the future) and how are recorded with the close."""
    require_role(actor, *CLOSERS, message=_("只有售后服务部、客户经理或销售部负责人可以关闭工单。"))
    ticket = _lock(ticket)
    _move(ticket, TicketStatus.CLOSED)
    now = now or timezone.now()
    confirmed_at = confirmed_at or now
    if not confirmed_by.strip():
        raise ApplicationError(_("请填写客户方确认人。"), field="confirmed_by")
    if confirmed_via not in ConfirmChannel.values:
        raise ApplicationError(_("「确认方式」须为：%(c)s。") % {"c": "、".join(str(label) for label in
                                                                  ConfirmChannel.labels)}, field="confirmed_via")
    if timezone.is_naive(confirmed_at):
        raise ApplicationError(_("「确认时间」须带时区。"), field="confirmed_at")
    if confirmed_at > now + CLOCK_SKEW:
        raise ApplicationError(_("「确认时间」不能晚于现在。"), field="confirmed_at")
    if ticket.resolved_at and confirmed_at < ticket.resolved_at - CLOCK_SKEW:
        raise ApplicationError(_("「确认时间」不能早于工单解决时间（%(t)s）。") % {
            "t": timezone.localtime(ticket.resolved_at).strftime("%Y-%m-%d %H:%M")}, field="confirmed_at")
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
    ticket.confirmed_by, ticket.confirmed_at, ticket.confirmed_via = confirmed_by.strip()[:60], confirmed_at, \
        confirmed_via
    ticket.save()
    audit_log(actor=actor, action="service.ticket.closed", target=ticket,
              changes={"confirmed_by": ticket.confirmed_by, "confirmed_at": confirmed_at,
                       "confirmed_via": confirmed_via})
    reflect(customer_ids={ticket.customer_id}, touched={"ticket"})  # the clocks depending on it, at once
    return ticket


@transaction.atomic
def ticket_pause(*, actor: User, ticket: Ticket, reason: str, later_date: dt.date | None = None,
                 at: dt.datetime | None = None) -> TicketPause:
    """A11.2: only the on-site clock, only by after-sales staff, only for a listed reason."""
    require_role(actor, Role.AFTER_SALES, message=_("只有售后服务部可以暂停上门计时（A11.2）。"))
    ticket = _lock(ticket)
    if reason not in PauseReason.values:
        raise ApplicationError(_("暂停原因须为：客户不在/无法联系，或客户要求改期。"), field="reason", rule="A11.2")
    if reason == PauseReason.CUSTOMER_LATER_DATE and later_date is None:
        raise ApplicationError(_("客户要求改期时须填写客户要求的日期。"), field="later_date", rule="A11.2")
    if not ticket.onsite_needed or ticket.status not in (TicketStatus.RESPONDED, TicketStatus.SCHEDULED):
        raise InvalidTransition(_("只有等待上门的工单可以暂停上门计时。"), field="status", rule="A11.2")
    if ticket.pauses.filter(ended_at__isnull=True).exists():
        raise InvalidTransition(_("上门计时已在暂停中。"), field="status", rule="A11.2")
    pause = TicketPause.objects.create(ticket=ticket, reason=reason, later_date=later_date,
                                       started_at=at or timezone.now(), by=actor)
    audit_log(actor=actor, action="service.ticket.paused", target=ticket, rule="A11.2",
              changes={"reason": reason, "later_date": later_date, "at": pause.started_at})
    reflect(customer_ids={ticket.customer_id}, touched={"ticket"})  # the clocks depending on it, at once
    return pause


@transaction.atomic
def ticket_resume(*, actor: User, ticket: Ticket, at: dt.datetime | None = None) -> TicketPause:
    require_role(actor, Role.AFTER_SALES, message=_("只有售后服务部可以恢复上门计时（A11.2）。"))
    pause = TicketPause.objects.select_for_update().filter(ticket=ticket, ended_at__isnull=True).first()
    if pause is None:
        raise InvalidTransition(_("上门计时没有暂停。"), field="status", rule="A11.2")
    pause.ended_at = at or timezone.now()
    if pause.ended_at < pause.started_at:
        raise ApplicationError(_("恢复时间不能早于暂停时间。"), field="at")
    pause.save(update_fields=["ended_at"])
    audit_log(actor=actor, action="service.ticket.resumed", target=ticket, rule="A11.2",
              changes={"at": pause.ended_at})
    reflect(customer_ids={ticket.customer_id}, touched={"ticket"})  # the clocks depending on it, at once
    return pause


@transaction.atomic
def care_session_record(*, actor: User, customer: Customer, kind: str, at: dt.datetime, notes: str = ""
                        ) -> CareSession:
    """A11.3: maintenance guidance or usage training held for a key account."""
    require_role(actor, Role.AFTER_SALES, Role.HEAD_OF_SALES)
    if kind not in CareKind.values:
        raise ApplicationError(_("类型须为保养指导或使用培训。"), field="kind", rule="A11.3")
    session = CareSession.objects.create(customer=customer, kind=kind, at=at, by=actor, notes=notes.strip())
    audit_log(actor=actor, action="service.care.recorded", target=customer, rule="A11.3",
              changes={"kind": kind, "at": at})
    reflect(customer_ids={customer.pk}, touched={"care"})  # the clocks depending on it, at once
    return session
