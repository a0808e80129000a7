"""Writes of customers, contacts, contracts, floor prices and assignments (house rule 1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.approvals.services import announce
from kam.audit.services import audit_log, diff
from kam.core.access import require_role
from kam.core.errors import ApplicationError
from kam.customers.models import AccountAssignment, Contact, Contract, Customer, CustomerType, FloorPrice
from kam.customers.search import set_contact_keys, set_customer_keys
from kam.customers.validators import credit_code_error, normalize_credit_code
from kam.obligations.store import reflect
from kam.users.models import Role, User

SALES_WRITERS = (Role.HEAD_OF_SALES,)
CUSTOMER_FIELDS = ("name", "short_name", "parent", "customer_type", "province", "city", "address", "cooperation_start_override",
                   "cooperation_start_reason", "purchase_potential", "purchase_potential_note",
                   "industry_influence", "industry_influence_note", "founded_on", "decision_process", "pref_style",
                   "pref_customisation", "pref_price_sensitivity", "pref_customs")
# fields an account manager edits on their own accounts (basic info, decision process, preferences: A6.1)
MANAGER_EDITABLE = frozenset({"short_name", "province", "city", "address", "founded_on", "decision_process", "pref_style",
                              "pref_customisation", "pref_price_sensitivity", "pref_customs"})


def _core_customer_fields() -> frozenset[str]:
    """Customer fields management classified core (A7.1): audited by name, never by value (A7.2)."""
    from kam.confidentiality.classification import core_fields

    return frozenset(k.rsplit(".", 1)[1] for k in core_fields() if k.startswith("customers.Customer."))


def _check_customer_values(values: dict) -> None:
    if "name" in values and not str(values["name"] or "").strip():
        raise ApplicationError(_("「客户名称」不能为空。"), field="name")
    if "customer_type" in values and values["customer_type"] not in CustomerType.values:
        raise ApplicationError(_("「客户类型」无效：%(v)s") % {"v": values["customer_type"]}, field="customer_type")
    if values.get("cooperation_start_override") and not str(values.get("cooperation_start_reason") or "").strip():
        raise ApplicationError(_("记录更早的合作起始日时须说明原因（A2.1）。"), field="cooperation_start_reason",
                               rule="A2.1")
    for flag, note in (("purchase_potential", "purchase_potential_note"),
                       ("industry_influence", "industry_influence_note")):
        if values.get(flag) and not str(values.get(note) or "").strip():
            raise ApplicationError(_("勾选评估项时须填写简要说明（A2.1）。"), field=note, rule="A2.1")


@transaction.atomic
def customer_create(*, actor: User | None, name: str, credit_code: str, customer_type: str = CustomerType.OTHER,
                    **values) -> Customer:
    if actor is not None:
        require_role(actor, *SALES_WRITERS)
    code = normalize_credit_code(credit_code)
    error = credit_code_error(code)
    if error:
        raise ApplicationError(error, field="credit_code")
    if Customer.objects.filter(credit_code=code).exists():
        raise ApplicationError(_("统一社会信用代码 %(c)s 已存在。") % {"c": code}, field="credit_code")
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    all_values = {"name": name, "customer_type": customer_type, **values}
    _check_customer_values(all_values)
    customer = Customer(credit_code=code, **all_values)
    set_customer_keys(customer)  # issue 13: found by pinyin and initials
    customer.save(force_insert=True)
    secret = _core_customer_fields()
    audit_log(actor=actor, action="customers.customer.created", target=customer,
              changes={k: ({"changed": True} if k in secret else {"new": v}) for k, v in all_values.items()
                       if v not in (None, "", False)})
    return customer


@transaction.atomic
def customer_update(*, actor: User, customer: Customer, **values) -> Customer:
    """Head of sales edits everything; an account manager the basic info, decision process and
    preferences of their own accounts (A6.1)."""
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    if not actor.has_role(Role.HEAD_OF_SALES):
        require_role(actor, Role.ACCOUNT_MANAGER)
        if customer.account_manager_id != actor.pk:
            raise ApplicationError(_("只能修改自己负责的客户。"), rule="A9.2")
        forbidden = set(values) - MANAGER_EDITABLE
        if forbidden:
            raise ApplicationError(_("客户经理不能修改：%(f)s") % {"f": ", ".join(sorted(forbidden))},
                                   field=sorted(forbidden)[0])
    merged = {name: getattr(customer, name) for name in CUSTOMER_FIELDS} | values
    _check_customer_values(merged)
    changes = diff(customer, values, secret_fields=_core_customer_fields())
    if not changes:
        return customer
    for name, value in values.items():
        setattr(customer, name, value)
    if {"name", "short_name"} & set(changes):
        set_customer_keys(customer)  # issue 13: a renamed customer is found by its new name's pinyin
    customer.save()
    audit_log(actor=actor, action="customers.customer.updated", target=customer, changes=changes)
    return customer


@transaction.atomic
def customer_assign_manager(*, actor: User | None, customer: Customer, manager: User, on: date | None = None,
                            reason: str = "") -> AccountAssignment:
    """A9.2: hand the customer to a manager from `on`; the previous assignment ends that day (history kept).
    The A9.1 cap on key accounts belongs to qualification: people hand accounts over through
    `kam.qualification.services.portfolio_assign`, which checks the cap and then calls this."""
    if actor is not None:
        require_role(actor, Role.HEAD_OF_SALES)
    if not manager.has_role(Role.ACCOUNT_MANAGER):
        raise ApplicationError(_("%(u)s 不是客户经理。") % {"u": manager}, field="manager", rule="A9.2")
    on = on or timezone.localdate()
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    current = AccountAssignment.objects.filter(customer=customer, ended_on__isnull=True).first()
    if current is not None:
        if current.manager_id == manager.pk:
            return current
        if on < current.started_on:
            raise ApplicationError(_("交接日期不能早于当前分配的开始日期 %(d)s。") % {"d": current.started_on},
                                   field="on", rule="A9.2")
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    assignment = AccountAssignment.objects.create(customer=customer, manager=manager, started_on=on,
                                                  reason=reason, created_by=actor)
    previous = customer.account_manager_id
    customer.account_manager = manager
    customer.save(update_fields=["account_manager", "updated_at"])
    audit_log(actor=actor, action="customers.assignment.changed", target=customer, rule="A9.2",
              changes={"account_manager": {"old": previous, "new": manager.pk}, "on": on, "reason": reason})
    # A9.2: both managers hear of the handover (the new one takes over the account's clocks)
    old_manager = User.objects.filter(pk=previous).first() if previous else None
    announce(users=[manager], title=_("【客户交接】%(c)s 由您负责") % {"c": customer.name},
             body=_("自 %(on)s 起。%(reason)s") % {"on": on, "reason": reason}, url=f"/customers/{customer.pk}/",
             rule="A9.2", key=f"assignment:{assignment.pk}:new")
    if old_manager is not None:
        announce(users=[old_manager], title=_("【客户交接】%(c)s 交给 %(m)s") % {"c": customer.name, "m": manager},
                 body=_("自 %(on)s 起。%(reason)s") % {"on": on, "reason": reason}, url=f"/customers/{customer.pk}/",
                 rule="A9.2", key=f"assignment:{assignment.pk}:old")
    reflect(customer_ids={customer.pk})  # the clocks this write changed, on the next page at once
    return assignment


@transaction.atomic
def contact_create(*, actor: User | None, customer: Customer, name: str, title: str = "", phone: str = "",
                   wechat: str = "", email: str = "", is_decision_maker: bool = False, birthday_kind: str = "",
                   birthday_month: int | None = None, birthday_day: int | None = None,
                   birthday_leap_month: bool = False, customs_note: str = "") -> Contact:
    if actor is not None and not actor.has_role(Role.HEAD_OF_SALES):
        require_role(actor, Role.ACCOUNT_MANAGER)
        if customer.account_manager_id != actor.pk:
            raise ApplicationError(_("只能为自己负责的客户添加联系人。"), rule="A9.2")
    if not name.strip():
        raise ApplicationError(_("「姓名」不能为空。"), field="name")
    if birthday_kind:
        if birthday_kind not in ("solar", "lunar"):
            raise ApplicationError(_("「生日历法」无效。"), field="birthday_kind")
        max_day = 30 if birthday_kind == "lunar" else 31
        if not birthday_month or not 1 <= birthday_month <= 12:
            raise ApplicationError(_("「生日月」应为 1–12。"), field="birthday_month")
        if not birthday_day or not 1 <= birthday_day <= max_day:
            raise ApplicationError(_("「生日日」应为 1–%(n)d。") % {"n": max_day}, field="birthday_day")
    contact = Contact(
        customer=customer, name=name.strip(), title=title, phone=phone, wechat=wechat, email=email,
        is_decision_maker=is_decision_maker, birthday_kind=birthday_kind, birthday_month=birthday_month,
        birthday_day=birthday_day, birthday_leap_month=birthday_leap_month,
        customs_note=(customs_note or "").strip()[:200])
    set_contact_keys(contact)  # issue 13: found by the last digits of the phone (a keyed digest, not the digits)
    contact.save(force_insert=True)
    # personal data and core data are named, never valued, in the audit (A7.2)
    audit_log(actor=actor, action="customers.contact.created", target=contact,
              changes={"customer": customer.pk, "is_decision_maker": is_decision_maker,
                       "channels": [n for n, v in (("phone", phone), ("wechat", wechat), ("email", email)) if v]})
    return contact


def _money(value, field: str) -> Decimal:
    """Yuan with 2 places; thousands separators and ¥ are accepted as people type them."""
    from kam.exchange.parsing import CellError, parse_decimal

    try:
        amount = parse_decimal(value)
    except CellError:
        raise ApplicationError(_("「%(f)s」不是有效金额：%(v)s") % {"f": field, "v": value}, field=field) from None
    if amount < 0:
        raise ApplicationError(_("「%(f)s」不能为负数。") % {"f": field}, field=field)
    return amount


@transaction.atomic
def floor_price_set(*, actor: User | None, customer: Customer, product_series: str, price) -> FloorPrice:
    """Core data (A7.1): only the head of sales sets floor prices; the audit names the series, never the price."""
    if actor is not None:
        require_role(actor, Role.HEAD_OF_SALES)
    if not product_series.strip():
        raise ApplicationError(_("请填写产品系列。"), field="product_series")
    amount = _money(price, "price")
    fp, created = FloorPrice.objects.update_or_create(
        customer=customer, product_series=product_series.strip(), defaults={"price": str(amount)})
    audit_log(actor=actor, action="customers.floor_price.set", target=customer, rule="A7.1",
              changes={"product_series": product_series, "price": {"changed": True}, "created": created})
    return fp


@transaction.atomic
def contract_create(*, actor: User | None, customer: Customer, number: str, start_on: date,
                    signed_on: date | None = None, end_on: date | None = None, terms_summary: str = "") -> Contract:
    if actor is not None:
        require_role(actor, Role.HEAD_OF_SALES)
    if not number.strip():
        raise ApplicationError(_("「合同编号」不能为空。"), field="number")
    if Contract.objects.filter(number=number.strip()).exists():
        raise ApplicationError(_("合同编号 %(n)s 已存在。") % {"n": number}, field="number")
    if end_on and end_on < start_on:
        raise ApplicationError(_("「结束日期」不能早于开始日期。"), field="end_on")
    contract = Contract.objects.create(customer=customer, number=number.strip(), start_on=start_on,
                                       signed_on=signed_on, end_on=end_on, terms_summary=terms_summary)
    audit_log(actor=actor, action="customers.contract.created", target=contract,
              changes={"customer": customer.pk, "start_on": start_on, "end_on": end_on}, rule="A18.2")
    return contract
