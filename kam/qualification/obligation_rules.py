"""Designation clocks on the engine: the annual review must be approved by `review.approve_by` (A5.1) —
the head of sales hears while it is not submitted, management while it waits for approval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from kam.obligations.engine import EvalContext, Obligation, Rule, clock_state, register


class ReviewApprovalRule(Rule):
    id = "A5.1"
    title = "年度评审审批"
    escalation = "digest"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        from kam.qualification.models import Review, ReviewKind, ReviewStatus

        if ctx.customer_ids is not None:
            return []
        tz = timezone.get_default_timezone()
        local = timezone.localtime(ctx.now)
        out = []
        for year in {local.year, local.year - 1}:
            policy = ctx.timeline.at(dt.datetime(year, 1, 1, tzinfo=tz))
            month = int(policy["review.month"])
            approve_by = policy["review.approve_by"]
            window_start = dt.datetime(year, month, 1, tzinfo=tz)
            due = dt.datetime(year, approve_by.month, approve_by.day, tzinfo=tz) + dt.timedelta(days=1)
            if ctx.now < window_start or due < ctx.since:
                continue
            review = Review.objects.filter(kind=ReviewKind.ANNUAL, year=year).first()
            met_at = review.approved_at if review is not None else None
            submitted = review is not None and review.status == ReviewStatus.SUBMITTED
            state = clock_state(window_start=window_start, due_at=due, now=ctx.now, met_at=met_at,
                                due_soon_fraction=policy["alerts.due_soon_fraction"])
            owner_role = "management" if submitted else "head_of_sales"
            label = (f"{year} 年度大客户评审待管理层批准" if submitted else f"{year} 年度大客户评审尚未提交")
            out.append(Obligation(
                rule=self.id, subject_type="review", subject_id=year, customer_id=None,
                period_key=f"{year}:{owner_role}", window_start=window_start, due_at=due, state=state,
                owner_role=owner_role, escalation_role="management" if not submitted else "",
                met_at=met_at, label=label,
                url=f"/designation/reviews/{review.pk}/" if review is not None else "/designation/reviews/"))
        return out


register(ReviewApprovalRule())
