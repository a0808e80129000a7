"""How a clock stands right after an action, in words for the confirmation the person sees (issue 13: "已记录响应，
首次响应时限已完成（提前 35 分钟）", not "已更新。"). Reads the stored rows the service's `reflect` just wrote."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.obligations.models import State, StoredObligation


def span_words(delta: dt.timedelta) -> str:
    """A duration as people say it: "35 分钟", "2 小时 5 分钟", "3 天 4 小时" (never seconds)."""
    minutes = max(0, int(abs(delta.total_seconds()) // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d 天 %(h)d 小时") % {"d": days, "h": hours} if hours else _("%(d)d 天") % {"d": days}
    if hours:
        return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": mins} if mins else _("%(h)d 小时") % {"h": hours}
    return _("%(m)d 分钟") % {"m": mins}


def clock_of(*, subject_type: str, subject_id: int, rule: str, period_suffix: str = "") -> StoredObligation | None:
    """The newest stored clock of a subject under a rule (optionally the period key's part, e.g. ":response")."""
    qs = StoredObligation.objects.filter(subject_type=subject_type, subject_id=subject_id, rule=rule).exclude(
        state=State.OBSOLETE)
    if period_suffix:
        qs = qs.filter(period_key__endswith=period_suffix)
    return qs.order_by("-window_start", "-id").first()


def period_clock(*, customer_id: int, rule: str, at: dt.datetime | None = None) -> StoredObligation | None:
    """The running period of a cadence rule for one account (A12.1, A12.2 …): the window that contains `at`."""
    at = at or timezone.now()
    return (StoredObligation.objects.filter(customer_id=customer_id, rule=rule, subject_type="customer",
                                            window_start__lte=at, due_at__gt=at)
            .exclude(state=State.OBSOLETE).order_by("due_at").first())


def outcome_words(o: StoredObligation | None, *, title: str, now: dt.datetime | None = None) -> str:
    """"首次响应时限已完成（提前 35 分钟）", "…逾期完成（超时 1 小时 10 分钟）", "…截止 12-03 14:00（剩余 …）"."""
    if o is None:
        return ""
    now = now or timezone.now()
    due = timezone.localtime(o.due_at).strftime("%m-%d %H:%M")
    if o.subject_type == "customer":  # a period's cadence (A6.2, A8.1, A12 …): progress, not minutes
        end = timezone.localtime(o.due_at - dt.timedelta(microseconds=1)).strftime("%m-%d")
        counts = {"t": title, "d": o.done, "r": o.required, "end": end}
        if o.state in (State.MET, State.MET_LATE):
            return _("%(t)s已完成（%(d)d/%(r)d，本期至 %(end)s）") % counts
        if o.state == State.BREACHED:
            return _("%(t)s已逾期（%(d)d/%(r)d，本期至 %(end)s）") % counts
        return _("%(t)s进度 %(d)d/%(r)d（本期至 %(end)s）") % counts
    if o.state == State.MET and o.met_at:
        return _("%(t)s已完成（提前 %(s)s）") % {"t": title, "s": span_words(o.due_at - o.met_at)}
    if o.state == State.MET_LATE and o.met_at:
        return _("%(t)s逾期完成（超时 %(s)s）") % {"t": title, "s": span_words(o.met_at - o.due_at)}
    if o.state == State.BREACHED:
        return _("%(t)s已逾期（截止 %(due)s，已超时 %(s)s）") % {"t": title, "due": due, "s": span_words(now - o.due_at)}
    return _("%(t)s截止 %(due)s（剩余 %(s)s）") % {"t": title, "due": due, "s": span_words(o.due_at - now)}
