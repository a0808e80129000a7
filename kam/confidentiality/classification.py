"""A7.1 field classification: every field that can leave the system is basic or core.

Fixed core fields (the source names them; they cannot be downgraded): floor prices and decision makers'
phone, WeChat/WeCom and email. Management may mark further fields core (FieldClassification rows); the
change applies everywhere at once because every way out asks `core_fields()` when it builds its output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _l

FIXED_CORE: dict[str, Any] = {
    "customers.FloorPrice.price": _l("底价"),
    "customers.Contact.phone[decision_maker]": _l("决策层电话"),
    "customers.Contact.wechat[decision_maker]": _l("决策层微信/企业微信"),
    "customers.Contact.email[decision_maker]": _l("决策层邮箱"),
}

#: basic fields management may mark core (A7.1 "e.g. negotiated price terms")
CLASSIFIABLE: dict[str, Any] = {
    "customers.Contract.terms_summary": _l("合同条款摘要（含价格条款）"),
    "customers.Contract.payment_terms": _l("合同付款条件"),
    "customers.Customer.decision_process": _l("采购决策流程"),
    "customers.Customer.pref_price_sensitivity": _l("价格敏感度"),
    "customers.Customer.pref_customisation": _l("定制需求"),
    "customers.Customer.purchase_potential_note": _l("采购潜力说明"),
    "customers.Customer.industry_influence_note": _l("行业影响力说明"),
    "customers.Contact.phone": _l("联系人电话（非决策层）"),
    "customers.Contact.email": _l("联系人邮箱（非决策层）"),
}


def contact_channel_key(channel: str, decision_maker: bool) -> str:
    """The classification key of a contact's channel (phone, wechat, email): a decision maker's is fixed core."""
    return f"customers.Contact.{channel}[decision_maker]" if decision_maker else f"customers.Contact.{channel}"


def core_fields() -> frozenset[str]:
    """The fixed core fields and those management marked core — one small query, always current."""
    from kam.confidentiality.models import FieldClassification

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
