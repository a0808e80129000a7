"""Management's reads of the append-only audit trail and core-access log (A7.2), masked by the current
classification (A7.1)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from kam.audit.models import AuditEvent, CoreAccess
from kam.confidentiality.classification import core_fields
from kam.core import search
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
    return frozenset(k.rsplit(".", 1)[1].split("[")[0] for k in core_fields())


def mask_changes(changes, masked: frozenset[str]):
    if not isinstance(changes, dict):
        return changes
    return {k: ("••••••" if k in masked else v) for k, v in changes.items()}


def core_access_rows(*, user: User, filters: dict | None = None) -> QuerySet[CoreAccess]:
    """A7.2: the core-access log (reveals, denied attempts, exports of core columns), management only."""
    require_role(user, Role.MANAGEMENT)
    qs = CoreAccess.objects.select_related("user", "customer").order_by("-at", "-id")
    data = filters or {}
    if data.get("user"):
        qs = qs.filter(user=data["user"])
    if data.get("customer"):
        # issue 13: a customer's name, short name, credit code or pinyin, matched as the global search does
        query = search.parse(data["customer"])
        cond = search.match("customers", query, prefix="customer__")
        qs = qs.filter(cond if cond is not None else Q(customer__name__icontains=query.text))
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    if data.get("since"):
        qs = qs.filter(at__date__gte=data["since"])
    if data.get("until"):
        qs = qs.filter(at__date__lte=data["until"])
    if data.get("field"):
        qs = qs.filter(fields__icontains=data["field"])
    return qs
