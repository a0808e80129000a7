"""Writes of the confidentiality chapter (A7): the append-only record of every reveal of core data, and
management's field classification."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.models import CoreAccess
from kam.audit.services import audit_log
from kam.confidentiality.classification import CLASSIFIABLE, FIXED_CORE
from kam.confidentiality.models import FieldClassification
from kam.core import context
from kam.core.access import require_role
from kam.core.errors import ApplicationError
from kam.users.models import Role


def record_access(*, user, customer, fields: list[str], channel: str | None = None, granted: bool = True):
    """A7.2: log a reveal (or a denied attempt) of core data — who, which fields, which account, when,
    from where, channel — never the value."""
    ctx = context.current()
    return CoreAccess.objects.create(
        at=timezone.now(), user=user if getattr(user, "pk", None) else None, customer=customer,
        fields=sorted(set(fields)), channel=channel or ctx.channel or "page", granted=granted, ip=ctx.ip,
        request_id=ctx.request_id)


def record_accesses(*, user, reads: list[tuple[object, list[str]]], channel: str) -> None:
    """A7.2: several reads of core data at once (a search that matched core values of several customers): one
    row per customer — who, which fields, when, from where, channel — never the values; one INSERT."""
    if not reads:
        return
    ctx = context.current()
    at = timezone.now()
    CoreAccess.objects.bulk_create([
        CoreAccess(at=at, user=user if getattr(user, "pk", None) else None, customer=customer,
                   fields=sorted(set(fields)), channel=channel, granted=True, ip=ctx.ip, request_id=ctx.request_id)
        for customer, fields in reads])


@transaction.atomic
def field_classify(*, actor, field: str, core: bool) -> None:
    """Management (only) marks a further field core or basic again; the fixed core fields cannot change."""
    require_role(actor, Role.MANAGEMENT, message=_("只有管理层可以调整字段密级（A7.1）。"))
    if field in FIXED_CORE:
        raise ApplicationError(_("底价和决策层联系方式始终是核心数据，不能降级（A7.1）。"), field="field", rule="A7.1")
    if field not in CLASSIFIABLE:
        raise ApplicationError(_("未知字段：%(f)s") % {"f": field}, field="field", rule="A7.1")
    old = FieldClassification.objects.filter(field=field, core=True).exists()
    FieldClassification.objects.update_or_create(field=field, defaults={"core": core, "changed_by": actor})
    audit_log(actor=actor, action="confidentiality.field.classified", rule="A7.1", target_repr=field,
              changes={"field": field, "core": {"old": old, "new": core}})
