"""Designation clocks on the engine: the annual review must be approved by `review.approve_by` (A5.1) —
the head of sales hears while it is not submitted, management while it waits for approval."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kam.obligations.engine import ClockRule, EvalContext, Obligation, clock_state, register
from kam.users.models import Role


@dataclass(frozen=True)
class ReviewFacts:
    year: int
    pk: int
    submitted: bool
    approved_at: dt.datetime | None


@dataclass(frozen=True)
class ReviewLoad:
    since: dt.datetime
    reviews: dict[int, ReviewFacts]


def approve_by_deadline(year: int, month: int, approve_by, tz) -> dt.datetime:
    """The end of the `review.approve_by` day of the review opened in `month` of `year`: a day earlier in the
    calendar than the review month falls in the next year (a December review approved by 15 January); 29 February
    is 28 February in a common year."""
    deadline_year = year + 1 if (approve_by.month, approve_by.day) < (month, 1) else year
    day = approve_by.day
    if approve_by.month == 2 and day == 29 and not calendar.isleap(deadline_year):
        day = 28
    return dt.datetime(deadline_year, approve_by.month, day, tzinfo=tz) + dt.timedelta(days=1)


class ReviewApprovalRule(ClockRule):
    id = "A5.1"
    title = "年度评审审批"
    escalation = "digest"
    depends_on = frozenset({"review"})

    def load(self, ctx: EvalContext) -> ReviewLoad | None:
        from kam.qualification.models import Review, ReviewKind, ReviewStatus

        if ctx.customer_ids is not None:
            return None  # not an account's clock
        year = timezone.localtime(ctx.now).year
        reviews: dict[int, ReviewFacts] = {}
        for r in Review.objects.filter(kind=ReviewKind.ANNUAL, year__in=[year - 1, year]).order_by("-id"):
            reviews.setdefault(r.year, ReviewFacts(r.year, r.pk, r.status == ReviewStatus.SUBMITTED, r.approved_at))
        return ReviewLoad(since=ctx.since, reviews=reviews)

    def evaluate(self, facts: ReviewLoad | None, *, timeline, now: dt.datetime) -> list[Obligation]:
        if facts is None:
            return []
        tz = timezone.get_default_timezone()
        local = timezone.localtime(now)
        out = []
        for year in (local.year - 1, local.year):
            policy = timeline.at(dt.datetime(year, 1, 1, tzinfo=tz))
            month = int(policy["review.month"])
            approve_by = policy["review.approve_by"]
            window_start = dt.datetime(year, month, 1, tzinfo=tz)
            due = approve_by_deadline(year, month, approve_by, tz)
            if now < window_start or due < facts.since:
                continue
            review = facts.reviews.get(year)
            met_at = review.approved_at if review is not None else None
            submitted = review is not None and review.submitted
            state = clock_state(window_start=window_start, due_at=due, now=now, met_at=met_at,
                                due_soon_fraction=policy["alerts.due_soon_fraction"])
            owner_role = Role.MANAGEMENT if submitted else Role.HEAD_OF_SALES
            label = (f"{year} 年度大客户评审已批准" if met_at is not None
                     else f"{year} 年度大客户评审待管理层批准" if submitted else f"{year} 年度大客户评审尚未提交")
            out.append(Obligation(
                rule=self.id, subject_type="review", subject_id=year, customer_id=None,
                period_key=f"{year}:{owner_role}", window_start=window_start, due_at=due, state=state,
                owner_role=owner_role, escalation_role=Role.MANAGEMENT if not submitted else "",
                met_at=met_at, label=label,
                url=f"/designation/reviews/{review.pk}/" if review is not None else "/designation/reviews/"))
        return out


register(ReviewApprovalRule())
