from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.calendar.entries import entries_between
from kam.core.access import login_required
from kam.core.errors import ApplicationError
from kam.core.inputs import ActionForm, submit
from kam.core.lists import list_context
from kam.core.redirects import safe_next
from kam.customers.models import Contact
from kam.customers.selectors import customer_get, customers_visible
from kam.engagement import selectors, services
from kam.engagement.forms import (
    ContactLogForm,
    CustomerPickForm,
    NoInputForm,
    VisitBookForm,
    VisitCancelForm,
    VisitRecordForm,
)
from kam.engagement.lists import contact_spec, local_time, visit_spec
from kam.engagement.models import A121_KINDS
from kam.obligations.feedback import clock_of, outcome_words, period_clock
from kam.obligations.selectors import subject_clocks


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
def contact_list(request):
    """The contact logs: an account manager's accounts, everyone's for the head of sales (the selector scopes)."""
    context = list_context(request, contact_spec(request.user), selectors.contact_log_list(user=request.user))
    return render(request, "engagement/contacts.html", context)


@login_required
def visit_list(request):
    """The visits: an account manager's accounts, everyone's for the head of sales (the selector scopes)."""
    context = list_context(request, visit_spec(request.user), selectors.visit_list(user=request.user))
    return render(request, "engagement/visits.html", context)


def _cadence(customer_id: int, rule: str, title: str) -> str:
    """How the running period of a cadence rule stands for the account after this record (A12.1, A12.2, A8.1)."""
    clock = period_clock(customer_id=customer_id, rule=rule)
    return f"{outcome_words(clock, title=title)}（{rule}）。" if clock is not None else ""


def _logged(log) -> str:
    parts = [_("已记录与「%(c)s」的%(k)s沟通（%(at)s）。") % {
        "c": log.customer.name, "k": log.get_kind_display(), "at": local_time(log.at)}]
    if log.author.is_account_manager and log.kind in A121_KINDS:
        parts.append(_cadence(log.customer_id, "A12.1", _("本期沟通频次")))
    if log.with_decision_maker and log.author.has_role("head_of_sales"):
        parts.append(_cadence(log.customer_id, "A8.1", _("本季度决策层沟通")))
    return "".join(p for p in parts if p)


@login_required
def log_contact(request):
    customers = customers_visible(user=request.user).order_by("name")
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else {}
    form = ContactLogForm(request.POST if request.method == "POST" else None, customers=customers, initial=initial)
    status = 200
    if request.method == "POST":
        if submit(form, lambda d: services.contact_log_create(
                actor=request.user, customer=d["customer"], at=_aware(d["at"]), kind=d["kind"], topic=d["topic"],
                summary=d["summary"], next_step=d["next_step"], contact=d["contact"])):
            messages.success(request, _logged(form.result))
            return redirect(safe_next(request, "my_day"))
        status = form.status_code
    pick = CustomerPickForm({"customer": form["customer"].value()})
    contacts = Contact.objects.filter(customer_id=pick.cleaned_data["customer"], customer__in=customers) \
        if pick.is_valid() else []
    return render(request, "engagement/log_contact.html", {"form": form, "contacts": contacts}, status=status)


@login_required
def contact_options(request):
    """htmx: the chosen customer's people (decision makers flagged) — names and titles only (basic data)."""
    pick = CustomerPickForm(request.GET)
    if not pick.is_valid():
        return render(request, "engagement/_contact_options.html", {"contacts": []}, status=400)
    customer = customer_get(user=request.user, pk=pick.cleaned_data["customer"])
    contacts = Contact.objects.filter(customer=customer).only("id", "name", "title", "is_decision_maker")
    return render(request, "engagement/_contact_options.html", {"contacts": contacts})


@login_required
def book_visit(request):
    customers = customers_visible(user=request.user).order_by("name")
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else {}
    form = VisitBookForm(request.POST if request.method == "POST" else None, customers=customers, initial=initial)
    needs_override = False
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_default_timezone()
        starts = dt.datetime.combine(data["day"], data["start"], tzinfo=tz)
        ends = dt.datetime.combine(data["day"], data["end"], tzinfo=tz)
        try:
            visit = services.visit_book(actor=request.user, customer=data["customer"], starts_at=starts,
                                        ends_at=ends, purpose=data["purpose"], materials=data["materials"],
                                        override_reason=data["override_reason"])
        except ApplicationError as exc:
            needs_override = exc.rule == "A13.1"
            form.add_service_error(exc)
        else:
            messages.success(request, _booked(visit))
            return redirect("engagement:visit", pk=visit.pk)
    if request.method == "POST":
        status = form.status_code
    return render(request, "engagement/book_visit.html", {"form": form, "needs_override": needs_override},
                  status=status)


def _booked(visit) -> str:
    text = _("已预约 %(at)s–%(end)s 拜访「%(c)s」。") % {
        "at": local_time(visit.starts_at), "end": timezone.localtime(visit.ends_at).strftime("%H:%M"),
        "c": visit.customer.name}
    if visit.lead_override_reason:
        text += " " + _("提前不足的原因已记录（A13.1）。")
    if clock_of(subject_type="visit", subject_id=visit.pk, rule="A13.1") is not None:
        text += " " + _("拜访前两个工作日会提醒您与客户确认预约（A13.1）。")
    return text


def _visit_page(request, visit, form: ActionForm | None = None):
    """The visit with its record form; `form` is a refused action's (status 400, or 403 when refused to the
    user), the record form keeping what was typed."""
    record = form if isinstance(form, VisitRecordForm) else VisitRecordForm()
    started = visit.starts_at <= timezone.now()
    return render(request, "engagement/visit.html", {
        "visit": visit, "form": record, "refused": form, "started": started,
        "next": "" if visit.status in ("done", "cancelled") else ("record" if started else (
            "confirm" if visit.status == "booked" else "")),
        "clocks": subject_clocks(subject_type="visit", subject_id=visit.pk, rules=["A13.1", "A13.2"])},
        status=form.status_code if form is not None else 200)


@login_required
@require_safe
def visit_detail(request, pk: int):
    return _visit_page(request, selectors.visit_get(user=request.user, pk=pk))


def _visit_act(request, pk: int, form: ActionForm, call, done):
    """One visit action; `done(visit)` says what was recorded and how the clocks stand now."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    if submit(form, lambda d: call(visit, d)):
        visit.refresh_from_db()
        messages.success(request, done(visit))
        return redirect("engagement:visit", pk=visit.pk)
    return _visit_page(request, visit, form)


@login_required
@require_POST
def visit_confirm(request, pk: int):
    """A13.1: the appointment confirmed with the customer."""
    return _visit_act(request, pk, NoInputForm(request.POST),
                      lambda v, d: services.visit_confirm(actor=request.user, visit=v),
                      lambda v: _("已与客户确认 %(at)s 的拜访（A13.1）。") % {"at": local_time(v.starts_at)})


@login_required
@require_POST
def visit_cancel(request, pk: int):
    return _visit_act(request, pk, VisitCancelForm(request.POST),
                      lambda v, d: services.visit_cancel(actor=request.user, visit=v, reason=d["reason"]),
                      lambda v: _("已取消 %(at)s 的拜访（原因：%(r)s）。") % {"at": local_time(v.starts_at),
                                                                       "r": v.cancel_reason})


@login_required
@require_POST
def visit_record(request, pk: int):
    """A13.2: the record within 24 hours (purchase plans, usage problems, suggestions), check-in and photo."""
    return _visit_act(request, pk, VisitRecordForm(request.POST, request.FILES),
                      lambda v, d: _record(request, v, d), _recorded)


def _recorded(visit) -> str:
    record = outcome_words(clock_of(subject_type="visit", subject_id=visit.pk, rule="A13.2"), title=_("记录时限"))
    parts = [_("拜访记录已保存") + (f"，{record}（A13.2）" if record else "") + "。"]
    if visit.owner.is_account_manager:
        parts.append(_cadence(visit.customer_id, "A12.2", _("本期拜访频次")))
    return "".join(p for p in parts if p)


def _record(request, visit, data: dict) -> None:
    checkin = None
    if data.get("lat") is not None and data.get("lng") is not None:
        checkin = (data["lat"], data["lng"], data.get("accuracy"))
    # the photo is checked and stored by the same service call: a refused one leaves the visit unrecorded
    services.visit_record(actor=request.user, visit=visit, purchase_plans=data["purchase_plans"],
                          usage_problems=data["usage_problems"], suggestions=data["suggestions"],
                          ended_at=_aware(data["ended_at"]) if data.get("ended_at") else None, checkin=checkin,
                          photo=data.get("photo") or None)


@login_required
def visit_calendar(request):
    today = timezone.localdate()
    try:
        start_day = dt.date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else today
    except ValueError:
        start_day = today
    start_day -= dt.timedelta(days=start_day.weekday())
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(start_day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=28)
    mine = request.GET.get("all") != "1" or not request.user.sees_all_customers
    rows = list(selectors.visits_between(user=request.user, start=start, end=end, mine=mine))
    # what other chapters put on the calendar for this user (A14.1 occasions), through the registry
    extra = entries_between(user=request.user, first=start_day, last=start_day + dt.timedelta(days=27),
                            everyone=not mine)
    days = []
    for i in range(28):
        d = start_day + dt.timedelta(days=i)
        days.append((d, [v for v in rows if timezone.localtime(v.starts_at).date() == d],
                     [e for e in extra if e.day == d]))
    return render(request, "engagement/calendar.html", {
        "days": days, "prev": (start_day - dt.timedelta(days=28)).isoformat(),
        "next": (start_day + dt.timedelta(days=28)).isoformat(), "mine": mine, "today": today, "tab": "calendar",
        "feed_url": request.session.pop("feed_url", None)})


@login_required
@require_POST
def calendar_feed(request):
    """A new secret subscription link (the earlier one revoked), shown once."""
    raw = services.calendar_feed_create(actor=request.user)
    request.session["feed_url"] = request.build_absolute_uri(f"/engagement/calendar/{raw}.ics")
    messages.success(request, _("已生成新的订阅链接（旧链接已作废），仅显示一次。"))
    return redirect("engagement:calendar")


@login_required
@require_POST
def calendar_feed_revoke(request):
    services.calendar_feed_revoke(actor=request.user)
    messages.success(request, _("日历订阅链接已作废。"))
    return redirect("engagement:calendar")


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_feed(request, token: str = ""):
    """The user's visits as iCalendar (RFC 5545): customer name and purpose only — no core data (A7.1) — and the
    all-day entries other chapters register for this user (A14.1 occasions of their own accounts, kam.calendar.
    entries), scoped by those chapters' selectors.
    The secret comes in the URL (calendar apps), or — kept out of every logged URL — in an
    `Authorization: Bearer <token>` header (GET /engagement/calendar/feed.ics)."""
    scheme, _sep, bearer = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and bearer.strip():
        token = bearer.strip()
    user = selectors.feed_user(token) if token else None
    if user is None:
        raise Http404
    now = timezone.now()
    rows = selectors.visits(user=user).filter(owner=user, starts_at__gte=now - dt.timedelta(days=90)).exclude(
        status="cancelled").order_by("starts_at")[:500]
    fmt = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kam//visits//ZH", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:客户拜访", "X-WR-TIMEZONE:Asia/Shanghai"]
    for v in rows:
        lines += ["BEGIN:VEVENT", f"UID:visit-{v.pk}@kam", f"DTSTAMP:{now.astimezone(dt.UTC):{fmt}}",
                  f"DTSTART:{v.starts_at.astimezone(dt.UTC):{fmt}}", f"DTEND:{v.ends_at.astimezone(dt.UTC):{fmt}}",
                  f"SUMMARY:{_ics_escape('拜访 ' + v.customer.name)}", f"DESCRIPTION:{_ics_escape(v.purpose)}",
                  f"LOCATION:{_ics_escape(v.customer.city + ' ' + v.customer.address)}", "END:VEVENT"]
    # all-day entries of other chapters the feed's user may see (A14.1 occasions), through the registry
    today = timezone.localdate(now)
    for e in entries_between(user=user, first=today - dt.timedelta(days=30), last=today + dt.timedelta(days=120)):
        lines += ["BEGIN:VEVENT", f"UID:{e.uid}@kam", f"DTSTAMP:{now.astimezone(dt.UTC):{fmt}}",
                  f"DTSTART;VALUE=DATE:{e.day:%Y%m%d}", f"DTEND;VALUE=DATE:{e.day + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_ics_escape(e.title)}", f"DESCRIPTION:{_ics_escape(e.note)}", "TRANSP:TRANSPARENT",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response

