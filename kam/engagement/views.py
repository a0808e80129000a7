from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.access import login_required
from kam.core.errors import ApplicationError
from kam.core.redirects import safe_next
from kam.customers.models import Contact
from kam.customers.selectors import customer_get, customers_visible
from kam.engagement import selectors, services
from kam.engagement.forms import ContactLogForm, VisitBookForm, VisitRecordForm


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
def log_contact(request):
    customers = customers_visible(user=request.user).order_by("name")
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else {}
    form = ContactLogForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = None
        if data.get("contact"):
            contact = Contact.objects.filter(pk=data["contact"], customer=data["customer"]).first()
        try:
            services.contact_log_create(actor=request.user, customer=data["customer"], at=_aware(data["at"]),
                                        kind=data["kind"], topic=data["topic"], summary=data["summary"],
                                        next_step=data["next_step"], contact=contact)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已记录与「%(c)s」的沟通。") % {"c": data["customer"]})
            return redirect(safe_next(request, "my_day"))
    selected = form["customer"].value()
    contacts = Contact.objects.filter(customer_id=selected, customer__in=customers) if selected else []
    return render(request, "engagement/log_contact.html", {"form": form, "contacts": contacts})


@login_required
def contact_options(request):
    """htmx: the chosen customer's people (decision makers flagged) — names and titles only (basic data)."""
    customer = customer_get(user=request.user, pk=int(request.GET.get("customer") or 0))
    contacts = Contact.objects.filter(customer=customer).only("id", "name", "title", "is_decision_maker")
    return render(request, "engagement/_contact_options.html", {"contacts": contacts})


@login_required
def book_visit(request):
    customers = customers_visible(user=request.user).order_by("name")
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else {}
    form = VisitBookForm(request.POST or None, customers=customers, initial=initial)
    needs_override = False
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
            form.add_error("day" if exc.field == "starts_at" else (exc.field if exc.field in form.fields else None),
                           str(exc.message))
        else:
            messages.success(request, _("已预约拜访。"))
            return redirect("engagement:visit", pk=visit.pk)
    return render(request, "engagement/book_visit.html", {"form": form, "needs_override": needs_override})


@login_required
def visit_detail(request, pk: int):
    visit = selectors.visit_get(user=request.user, pk=pk)
    form = VisitRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.visit_confirm(actor=request.user, visit=visit)
                messages.success(request, _("已确认预约。"))
            elif action == "cancel":
                services.visit_cancel(actor=request.user, visit=visit, reason=request.POST.get("reason", ""))
                messages.success(request, _("已取消拜访。"))
            elif action == "record" and form.is_valid():
                data = form.cleaned_data
                checkin = None
                if data.get("lat") is not None and data.get("lng") is not None:
                    checkin = (data["lat"], data["lng"], data.get("accuracy"))
                services.visit_record(actor=request.user, visit=visit, purchase_plans=data["purchase_plans"],
                                      usage_problems=data["usage_problems"], suggestions=data["suggestions"],
                                      ended_at=_aware(data["ended_at"]) if data.get("ended_at") else None,
                                      checkin=checkin)
                if data.get("photo"):
                    services.visit_photo_add(actor=request.user, visit=visit, upload=data["photo"])
                messages.success(request, _("拜访记录已保存。"))
            elif action == "record":
                return render(request, "engagement/visit.html", {"visit": visit, "form": form}, status=422)
            return redirect("engagement:visit", pk=visit.pk)
        except ApplicationError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc.message))
            else:
                messages.error(request, str(exc.message))
    return render(request, "engagement/visit.html", {"visit": visit, "form": form})


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
    days = []
    for i in range(28):
        d = start_day + dt.timedelta(days=i)
        days.append((d, [v for v in rows if timezone.localtime(v.starts_at).date() == d]))
    return render(request, "engagement/calendar.html", {
        "days": days, "prev": (start_day - dt.timedelta(days=28)).isoformat(),
        "next": (start_day + dt.timedelta(days=28)).isoformat(), "mine": mine, "today": today,
        "feed_url": request.session.pop("feed_url", None)})


@login_required
@require_POST
def calendar_feed(request):
    if request.POST.get("action") == "revoke":
        services.calendar_feed_revoke(actor=request.user)
        messages.success(request, _("日历订阅链接已作废。"))
    else:
        raw = services.calendar_feed_create(actor=request.user)
        request.session["feed_url"] = request.build_absolute_uri(f"/engagement/calendar/{raw}.ics")
        messages.success(request, _("已生成新的订阅链接（旧链接已作废），仅显示一次。"))
    return redirect("engagement:calendar")


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_feed(request, token: str = ""):
    """The user's visits as iCalendar (RFC 5545): customer name and purpose only — no core data (A7.1).
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
    lines.append("END:VCALENDAR")
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response

