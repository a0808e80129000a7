from __future__ import annotations

from django.db.models import Q, QuerySet

from kam.approvals.models import Approval, ApprovalState
from kam.users.models import User


def waiting_for(*, user: User) -> QuerySet[Approval]:
    """What waits for this person's decision — addressed to them or to a role they hold; oldest first."""
    if not user.is_authenticated or not user.is_active:
        return Approval.objects.none()
    roles = list(user.roles)
    return (Approval.objects.filter(state=ApprovalState.PENDING)
            .filter(Q(approver=user) | Q(approver__isnull=True, approver_role__in=roles))
            .select_related("requested_by", "customer").order_by("requested_at", "id"))


def waiting_count(*, user: User) -> int:
    return waiting_for(user=user).count()


def decided_recently(*, user: User, limit: int = 20) -> list[Approval]:
    """What this person asked for and was decided (for their home page)."""
    return list(Approval.objects.filter(requested_by=user).exclude(state=ApprovalState.PENDING)
                .order_by("-decided_at")[:limit])


def pending_for_subject(*, subject_type: str, subject_id: int) -> Approval | None:
    return Approval.objects.filter(subject_type=subject_type, subject_id=subject_id,
                                   state=ApprovalState.PENDING).order_by("-requested_at").first()
