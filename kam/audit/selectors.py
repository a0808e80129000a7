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


def masked_field_names() -> frozenset[str]:
    """Field names whose values are core data now (A7.1): older audit events may hold values of fields
    management marked core later — the page shows their names, not their values."""
    from kam.dossier.confidentiality import core_fields

    return frozenset(k.rsplit(".", 1)[1].split("[")[0] for k in core_fields())


def mask_changes(changes, masked: frozenset[str]):
    if not isinstance(changes, dict):
        return changes
    return {k: ("••••••" if k in masked else v) for k, v in changes.items()}
