"""Contracts on file (A18.2): reads scoped to the user, writes through services, the list declaration.

"All cooperation terms are set in written contracts" (A18.2, rules.md): each account's contracts — number, type,
signed date, start and end, amount ceiling, payment terms, a terms summary, the signed document (a PDF or a scan,
checked by content and size), status. The commercial terms (payment terms, terms summary) are basic unless
management marks them core (A7.1 field classification, `kam.confidentiality.classification.CLASSIFIABLE`); core,
they are hidden everywhere and shown only on an explicit, recorded reveal to the roles that see core data (A7.2) —
like floor prices; the document then follows the terms (it holds them).

Who sees an account's contracts: its account manager, the head of sales, management and finance (payment terms);
who records and ends them: the account manager for own accounts and the head of sales.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.core.lists import Column, Filter, ListSpec, choice_filter, text_filter
from kam.customers.models import Contract, ContractKind, ContractState, ContractStatus, Customer, in_force_q
from kam.users.models import Role, User

#: who sees every contract (A18.2); an account manager sees their own accounts'
ALL_CONTRACTS_ROLES = (Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.FINANCE)
#: who records, edits and ends contracts (own accounts for the account manager)
EDITORS = (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES)
#: the contract fields management may mark core (A7.1), registered in kam.confidentiality.classification
CORE_KEYS = {"payment_terms": "customers.Contract.payment_terms", "terms_summary": "customers.Contract.terms_summary"}
MAX_AMOUNT = Decimal("99999999999999.99")


# --- reads --------------------------------------------------------------------------------------------------

def may_see_contracts(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.has_role(*ALL_CONTRACTS_ROLES) or user.is_account_manager)


def contracts_visible(*, user: User) -> QuerySet[Contract]:
    qs = Contract.objects.select_related("customer")
    if not may_see_contracts(user):
        return qs.none()
    if user.has_role(*ALL_CONTRACTS_ROLES):
        return qs
    return qs.filter(customer__account_manager=user)


def contract_get(*, user: User, pk: int) -> Contract:
    c = contracts_visible(user=user).select_related("created_by", "ended_by").filter(pk=pk).first()
    if c is None:
        raise Http404("contract not found")
    return c


def may_edit(user: User, customer: Customer) -> bool:
    return user.has_role(Role.HEAD_OF_SALES) or (user.is_account_manager and customer.account_manager_id == user.pk)


def core_terms() -> frozenset[str]:
    """The contract fields that are core now (A7.1): the names among payment_terms / terms_summary."""
    from kam.confidentiality.classification import core_fields

    core = core_fields()
    return frozenset(name for name, key in CORE_KEYS.items() if key in core)


@dataclass
class Terms:
    """A contract's commercial terms as the user may see them: None where core (hidden until revealed)."""

    payment_terms: str | None
    terms_summary: str | None
    hidden: tuple[str, ...]  # the core field names hidden here
    may_reveal: bool


def terms_of(*, user: User, contract: Contract, core: frozenset[str] | None = None,
             revealed: bool = False) -> Terms:
    """A7.1: core terms are hidden for everyone by default; `revealed` (after `contract_reveal`) shows them to
    the roles that see core data, never to others."""
    core = core_terms() if core is None else core
    show = revealed and user.sees_core_data
    hidden = tuple(sorted(name for name in core if not show))
    return Terms(None if "payment_terms" in hidden else contract.payment_terms,
                 None if "terms_summary" in hidden else contract.terms_summary, hidden,
                 bool(hidden) and user.sees_core_data)


class ContractRows(list):
    """A customer's contracts for its page, with the flag "no contract in force" and the user's links."""

    in_force = 0
    may_add = False
    core: frozenset[str] = frozenset()


def contract_list_spec() -> ListSpec:
    """A18.2: the company's contracts (shared list component): expiring within N days, without a document."""

    def expiring(qs, value):
        try:
            days = max(0, min(int(value), 3660))
        except (TypeError, ValueError):
            return qs
        today = timezone.localdate()
        return qs.filter(in_force_q(today), end_on__lte=today + dt.timedelta(days=days))

    def status(qs, value):
        today = timezone.localdate()
        return {
            ContractStatus.DRAFT: qs.filter(state=ContractState.DRAFT),
            ContractStatus.TERMINATED: qs.filter(state=ContractState.TERMINATED),
            ContractStatus.PENDING: qs.filter(state=ContractState.SIGNED, start_on__gt=today),
            ContractStatus.IN_FORCE: qs.filter(in_force_q(today)),
            ContractStatus.ENDED: qs.filter(state=ContractState.SIGNED, end_on__lt=today),
        }.get(value, qs)

    def document(qs, value):
        return {"missing": qs.filter(document=""), "present": qs.exclude(document="")}.get(value, qs)

    return ListSpec(
        name="care.contracts",
        columns=[Column("number", _l("合同编号"), order_by="number", template="care/_contract_link.html"),
                 Column("customer", _l("客户"), order_by="customer__name", value=lambda c: c.customer.name),
                 Column("kind", _l("合同类型"), order_by="kind", value=lambda c: c.get_kind_display()),
                 Column("start_on", _l("开始日期"), order_by="start_on"),
                 Column("end_on", _l("结束日期"), order_by="end_on"),
                 Column("amount_ceiling", _l("金额上限"), order_by="amount_ceiling", css="num",
                        value=lambda c: yuan(c.amount_ceiling)),
                 Column("status", _l("状态"), value=lambda c: c.status_label),
                 Column("document", _l("合同文件"), value=lambda c: _("有") if c.document else _("缺"))],
        filters=[Filter("expiring", _l("到期天数内"), expiring,
                        choices=[("30", _l("30 天内到期")), ("60", _l("60 天内到期")), ("90", _l("90 天内到期"))]),
                 Filter("status", _l("状态"), status, choices=ContractStatus.choices),
                 Filter("document", _l("合同文件"), document, choices=[("missing", _l("缺合同文件")),
                                                                   ("present", _l("已上传"))]),
                 choice_filter("kind", _l("合同类型"), ContractKind.choices),
                 text_filter("customer", _l("客户"), "customer__name", "number", placeholder=_l("客户名称或合同编号"))],
        default_sort="end_on", tiebreak="id")


def yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"¥{amount:,.2f}"


def key_accounts_without_contract(*, user: User) -> QuerySet[Customer]:
    """A18.2: the key accounts in force today without a contract in force (A3 integrity page, dossier flag)."""
    from kam.customers.selectors import customers_visible

    today = timezone.localdate()
    in_force = Contract.objects.filter(in_force_q(today), customer=OuterRef("pk"))
    return customers_visible(user=user).filter(is_key_account_q()).filter(~Exists(in_force)).order_by("name")


def is_key_account_q() -> Q:
    """A key account now: an open designation (A2, the qualification app's facts)."""
    from kam.qualification.selectors import designations_open_at

    return Q(pk__in=designations_open_at().values("customer_id"))


# --- writes -------------------------------------------------------------------------------------------------

def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("「金额上限」应为金额（元）。"), field="amount_ceiling") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(_("「金额上限」应为不小于 0 的金额，最多两位小数。"), field="amount_ceiling")
    return amount


def _may_edit(actor: User, customer: Customer) -> None:
    require_role(actor, *EDITORS, message=_("只有客户经理和销售部负责人可以登记合同（A18.2）。"))
    if not may_edit(actor, customer):
        raise AccessDenied(_("只能为自己负责的客户登记合同（A18.2）。"))


def _reflect(contract: Contract) -> None:
    from kam.obligations.store import reflect

    reflect(customer_ids={contract.customer_id}, touched={"contract"})


def contract_save(*, actor: User, customer: Customer, number: str, kind: str, start_on: dt.date,
                  end_on: dt.date | None = None, signed_on: dt.date | None = None, amount_ceiling=None,
                  payment_terms: str = "", terms_summary: str = "", document=None, draft: bool = False,
                  contract: Contract | None = None) -> Contract:
    """A18.2: record a contract of the account, or edit one. The document (PDF or scan) is checked by content
    and size; the audit names the commercial terms that changed, never their values (they may be core, A7.2)."""
    from kam.core.uploads import check_upload

    _may_edit(actor, customer)
    number = (number or "").strip()
    if not number or len(number) > 60:
        raise ApplicationError(_("请填写合同编号（最多 60 个字符）。"), field="number", rule="A18.2")
    if kind not in ContractKind.values:
        raise ApplicationError(_("「合同类型」无效。"), field="kind", rule="A18.2")
    if not isinstance(start_on, dt.date):
        raise ApplicationError(_("请填写开始日期。"), field="start_on", rule="A18.2")
    if end_on is not None and end_on < start_on:
        raise ApplicationError(_("「结束日期」不能早于开始日期。"), field="end_on", rule="A18.2")
    if signed_on is not None and signed_on > timezone.localdate():
        raise ApplicationError(_("「签订日期」不能晚于今天。"), field="signed_on", rule="A18.2")
    amount = _amount(amount_ceiling)
    if document:
        check_upload(document, kind="document", label=_("合同文件"))  # A18.2, issue 12 §3: content and size
    with transaction.atomic():
        if contract is not None:
            obj = Contract.objects.select_for_update().get(pk=contract.pk)
            if obj.customer_id != customer.pk:
                raise ApplicationError(_("合同不属于该客户。"), field="number")
            if obj.state == ContractState.TERMINATED:
                raise InvalidTransition(_("已终止的合同不能再修改（A18.2）。"), field="state", rule="A18.2")
        else:
            obj = Contract(customer=customer, created_by=actor)
        before = {f: getattr(obj, f) for f in ("number", "kind", "start_on", "end_on", "signed_on", "amount_ceiling",
                                               "state")} if contract else {}
        old_terms = (obj.payment_terms, obj.terms_summary)
        obj.number, obj.kind, obj.start_on, obj.end_on, obj.signed_on = number, kind, start_on, end_on, signed_on
        obj.amount_ceiling = amount
        obj.payment_terms, obj.terms_summary = (payment_terms or "").strip()[:4000], (terms_summary or "").strip()[:4000]
        if contract is None or obj.state == ContractState.DRAFT:
            obj.state = ContractState.DRAFT if draft else ContractState.SIGNED
        if document:
            obj.document = document
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise ApplicationError(_("合同编号 %(n)s 已存在。") % {"n": number}, field="number",
                                   rule="A18.2") from None
        after = {f: getattr(obj, f) for f in before or ("number", "kind", "start_on", "end_on", "signed_on",
                                                        "amount_ceiling", "state")}
        changes: dict = {f: {"old": before.get(f), "new": v} for f, v in after.items() if before.get(f) != v}
        for name, old in zip(("payment_terms", "terms_summary"), old_terms, strict=True):
            if getattr(obj, name) != old:
                changes[name] = {"changed": True}  # named, never valued (A7.2)
        if document:
            changes["document"] = {"changed": True}
        changes["customer"] = customer.pk
        audit_log(actor=actor, action="customers.contract.updated" if contract else "customers.contract.created",
                  target=obj, rule="A18.2", changes=changes)
        _reflect(obj)
    return obj


@transaction.atomic
def contract_end(*, actor: User, contract: Contract, ended_on: dt.date, reason: str) -> Contract:
    """A18.2: end a contract early (terminated, with the day and why); nothing is deleted."""
    obj = Contract.objects.select_for_update().select_related("customer").get(pk=contract.pk)
    _may_edit(actor, obj.customer)
    if obj.state == ContractState.TERMINATED:
        raise InvalidTransition(_("该合同已终止。"), field="state", rule="A18.2")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请说明终止原因。"), field="reason", rule="A18.2")
    if not isinstance(ended_on, dt.date) or ended_on < obj.start_on - dt.timedelta(days=1) or (
            obj.end_on is not None and ended_on > obj.end_on):
        raise ApplicationError(_("「终止日期」应在合同开始与结束日期之间。"), field="ended_on", rule="A18.2")
    old_end = obj.end_on
    obj.state, obj.end_on, obj.ended_reason = ContractState.TERMINATED, ended_on, reason[:300]
    obj.ended_by, obj.ended_at = actor, timezone.now()
    obj.save(update_fields=["state", "end_on", "ended_reason", "ended_by", "ended_at"])
    audit_log(actor=actor, action="customers.contract.ended", target=obj, rule="A18.2",
              changes={"end_on": {"old": old_end, "new": ended_on}, "reason": reason})
    _reflect(obj)
    return obj


def contract_reveal(*, user: User, contract: Contract, channel: str | None = None) -> Terms:
    """A7.1/A7.2: show a contract's core terms to a role that sees core data — the per-user limit, one access
    record (who, which fields, which account, when; never the value); refused and recorded for anyone else."""
    from kam.confidentiality.services import record_access, reveal_check, reveal_denied

    core = core_terms()
    fields = [CORE_KEYS[name] for name in sorted(core)] or [CORE_KEYS["payment_terms"]]
    if not user.sees_core_data:
        reveal_denied(user=user, customer=contract.customer, fields=fields, channel=channel)
        raise AccessDenied(_("只有销售部负责人和管理层可以查看核心合同条款（A7.1）。"), rule="A7.1")
    reveal_check(user=user, customer=contract.customer, fields=fields, channel=channel)
    record_access(user=user, customer=contract.customer, fields=[f"{f}:{contract.number}" for f in fields],
                  channel=channel)
    return terms_of(user=user, contract=contract, core=core, revealed=True)


def customer_contracts_query(*, user: User, customer: Customer):
    """A18.2: `customer_contracts` as a bounded queryset and the fields its panel reads (read with the dossier's
    other satellites in one query, issue 11); None for people who do not see contracts."""
    if not may_see_contracts(user):
        return None
    return (contracts_visible(user=user).filter(customer=customer).order_by("-start_on", "-id")[:20],
            ["number", "kind", "signed_on", "start_on", "end_on", "amount_ceiling", "state", "document"])


def contract_panel_rows(rows: list, *, user: User, customer: Customer) -> ContractRows:
    """The contract panel's rows with the "no contract in force" count and the user's link (no query)."""
    today = timezone.localdate()
    out = ContractRows(rows)
    out.in_force = sum(1 for c in out if c.status_on(today) == ContractStatus.IN_FORCE)
    out.may_add = may_edit(user, customer)
    return out
