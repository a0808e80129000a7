from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from kam.audit.models import AuditEvent
from kam.core import context


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def audit_log(*, actor, action: str, target: models.Model | None = None, changes: dict | None = None,
              rule: str = "", target_repr: str | None = None) -> AuditEvent:
    """Write one audit event; call it inside the service's transaction (house rule 1)."""
    ctx = context.current()
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if (actor is not None and getattr(actor, "pk", None)) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_repr if target_repr is not None else (str(target) if target is not None else ""))[:200],
        changes=_jsonable(changes or {}),
        rule=rule,
        request_id=ctx.request_id,
        ip=ctx.ip,
        channel=ctx.channel,
    )


def diff(instance: models.Model, new_values: dict, *, secret_fields: frozenset[str] = frozenset()) -> dict:
    """old/new of the fields that change; secret fields (core or personal data) are named, never valued."""
    changes: dict = {}
    for name, new in new_values.items():
        old = getattr(instance, name)
        if old != new:
            if name in secret_fields:
                changes[name] = {"changed": True}
            else:
                changes[name] = {"old": _jsonable(old), "new": _jsonable(new)}
    return changes
