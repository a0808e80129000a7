"""A7.1 field classification: every field that can leave the system is basic or core.

Fixed core fields (the source names them; they cannot be downgraded): floor prices and decision makers'
phone, WeChat/WeCom and email. Management may mark further fields core (FieldClassification rows); the
change applies everywhere at once because every way out asks `core_fields()` when it builds its output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.core import context

FIXED_CORE: dict[str, Any] = {
    "customers.FloorPrice.price": _l("底价"),
    "customers.Contact.phone[decision_maker]": _l("决策层电话"),
    "customers.Contact.wechat[decision_maker]": _l("决策层微信/企业微信"),
    "customers.Contact.email[decision_maker]": _l("决策层邮箱"),
}

#: basic fields management may mark core (A7.1 "e.g. negotiated price terms")
CLASSIFIABLE: dict[str, Any] = {
    "customers.Contract.terms_summary": _l("合同条款摘要（含价格条款）"),
    "customers.Customer.decision_process": _l("采购决策流程"),
    "customers.Customer.pref_price_sensitivity": _l("价格敏感度"),
    "customers.Customer.pref_customisation": _l("定制需求"),
    "customers.Customer.purchase_potential_note": _l("采购潜力说明"),
    "customers.Customer.industry_influence_note": _l("行业影响力说明"),
    "customers.Contact.phone": _l("联系人电话（非决策层）"),
    "customers.Contact.email": _l("联系人邮箱（非决策层）"),
}


def core_fields() -> frozenset[str]:
    """The fixed core fields and those management marked core — one small query, always current."""
    from kam.dossier.models import FieldClassification

    marked = FieldClassification.objects.filter(core=True).values_list("field", flat=True)
    return frozenset(FIXED_CORE) | frozenset(f for f in marked if f in CLASSIFIABLE)


@dataclass(frozen=True)
class Masker:
    """What one user may see of each field, computed once per output."""

    sees_core: bool
    core: frozenset[str]

    def is_core(self, key: str) -> bool:
        return key in self.core

    def visible(self, key: str) -> bool:
        return self.sees_core or key not in self.core

    def value(self, key: str, value):
        """The value for users who may see it; None (masked) otherwise."""
        return value if self.visible(key) else None


def masker_for(user) -> Masker:
    return Masker(sees_core=bool(getattr(user, "sees_core_data", False)), core=core_fields())


def record_access(*, user, customer, fields: list[str], channel: str | None = None, granted: bool = True):
    """A7.2: log a reveal (or a denied attempt) of core data — who, which fields, which account, when,
    from where, channel — never the value."""
    from kam.audit.models import CoreAccess

    ctx = context.current()
    return CoreAccess.objects.create(
        at=timezone.now(), user=user if getattr(user, "pk", None) else None, customer=customer,
        fields=sorted(set(fields)), channel=channel or ctx.channel or "page", granted=granted, ip=ctx.ip,
        request_id=ctx.request_id)


@transaction.atomic
def field_classify(*, actor, field: str, core: bool) -> None:
    """Management (only) marks a further field core or basic again; the fixed core fields cannot change."""
    from kam.audit.services import audit_log
    from kam.core.access import require_role
    from kam.core.errors import ApplicationError
    from kam.dossier.models import FieldClassification
    from kam.users.models import Role

    require_role(actor, Role.MANAGEMENT, message=_("只有管理层可以调整字段密级（A7.1）。"))
    if field in FIXED_CORE:
        raise ApplicationError(_("底价和决策层联系方式始终是核心数据，不能降级（A7.1）。"), field="field", rule="A7.1")
    if field not in CLASSIFIABLE:
        raise ApplicationError(_("未知字段：%(f)s") % {"f": field}, field="field", rule="A7.1")
    old = FieldClassification.objects.filter(field=field, core=True).exists()
    FieldClassification.objects.update_or_create(field=field, defaults={"core": core, "changed_by": actor})
    audit_log(actor=actor, action="dossier.field.classified", rule="A7.1", target_repr=field,
              changes={"field": field, "core": {"old": old, "new": core}})
