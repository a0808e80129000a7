from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from kam.audit.models import AuditEvent
from kam.core.access import require_role
from kam.users.models import Role, User


def audit_events(*, user: User, action: str = "", actor_id: int | None = None, target_type: str = "",
                 target_id: str = "", since: date | None = None, until: date | None = None) -> QuerySet[AuditEvent]:
    """Management browses the audit trail (A7.2)."""
    require_role(user, Role.MANAGEMENT)
    qs = AuditEvent.objects.select_related("actor")
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")
