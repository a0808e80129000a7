"""Writes of the gift register (A14.2): register (through the gates), decide (head of sales above the approval
threshold), mark given. Each write is one transaction with its audit row; a refused attempt is recorded in its
own transaction (who, what, when, why) before the refusal is raised, so it survives the refusal (A3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.approvals.models import ApprovalState
from kam.approvals.services import approval_decide, approval_request
from kam.audit.services import audit_log
from kam.care import gates
from kam.care.models import COUNTED_STATES, Gift, GiftCategory, GiftRefusal, GiftState
from kam.core import context
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition, PolicyViolation
from kam.customers.models import Contact, Customer
from kam.policy.selectors import policy_in_force
from kam.users.models import Role, User

#: who gives gifts to an account's people (A14.2): its account manager, the head of sales
GIVERS = (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES)
APPROVAL_KIND = "care.gift"
MAX_QUANTITY = 10_000
MAX_UNIT_VALUE = Decimal("9999999999.99")


def approver_role(gift: Gift) -> str:
    """A14.2: the head of sales approves; a gift the head of sales gives goes to management (nobody approves
    their own gift)."""
    return Role.MANAGEMENT if gift.giver.has_role(Role.HEAD_OF_SALES) else Role.HEAD_OF_SALES


def year_total(*, recipient: Contact, year: int, exclude: Gift | None = None) -> Decimal:
    """A14.2: the value registered for the recipient in the calendar year (rejected gifts never count)."""
    qs = Gift.objects.filter(recipient=recipient, year=year, state__in=COUNTED_STATES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(s=Sum("total_value"))["s"] or Decimal("0")


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("「单价」应为金额（元）。"), field=field) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_UNIT_VALUE or amount != amount.quantize(gates.TWO):
        raise ApplicationError(_("「单价」应为大于 0 的金额，最多两位小数。"), field=field)
    return amount


def _may_give(actor: User, customer: Customer) -> None:
    require_role(actor, *GIVERS, message=_("只有客户经理和销售部负责人可以登记礼品（A14.2）。"))
    if not actor.has_role(Role.HEAD_OF_SALES) and customer.account_manager_id != actor.pk:
        raise AccessDenied(_("只能为自己负责的客户登记礼品（A14.2）。"))


def _refuse(*, actor: User, customer: Customer, recipient: Contact | None, item: str, category: str,
            quantity: int, unit_value: Decimal, total: Decimal, refusal: gates.Refusal,
            gift: Gift | None = None) -> NoReturn:
    """Record the refused attempt (A14.2, A3) in its own transaction, then raise the refusal."""
    with transaction.atomic():
        row = GiftRefusal.objects.create(
            at=timezone.now(), actor=actor, customer=customer, recipient=recipient, gift=gift, item=item[:100],
            category=category, quantity=quantity, unit_value=unit_value, total_value=total, reason=refusal.reason,
            message=refusal.message, channel=context.current().channel[:10])
        audit_log(actor=actor, action="care.gift.refused", target=row, rule="A14.2",
                  changes={"customer": customer.pk, "recipient": recipient.pk if recipient else None, "item": item,
                           "category": category, "total": total, "reason": refusal.reason})
    raise PolicyViolation(refusal.message, field=refusal.field, rule="A14.2")


def gift_register(*, actor: User, customer: Customer, recipient: Contact, item: str, category: str,
                  quantity: int, unit_value, occasion: str = "", supplier_ref: str = "",
                  planned_on: dt.date | None = None, now: dt.datetime | None = None, photo=None) -> Gift:
    """A14.2: register a gift before it is given. Refused (and the attempt recorded) for cash and cash
    equivalents, above the value per gift, or when the recipient's yearly total would exceed its limit; above
    the approval threshold it waits for the head of sales. `photo` (optional) is checked by content and size
    first: a refused photo leaves nothing registered."""
    _may_give(actor, customer)
    if photo:
        check_gift_photo(photo)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    item = (item or "").strip()
    if not item:
        raise ApplicationError(_("请填写礼品名称。"), field="item", rule="A14.2")
    if len(item) > 100:
        raise ApplicationError(_("「礼品」最多 100 个字。"), field="item")
    if category not in GiftCategory.values:
        raise ApplicationError(_("「类别」无效。"), field="category")
    if recipient is None or recipient.customer_id != customer.pk or recipient.anonymised_at is not None:
        raise ApplicationError(_("受礼人须是该客户的联系人。"), field="recipient", rule="A14.2")
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ApplicationError(_("「数量」应为 1–%(n)d 的整数。") % {"n": MAX_QUANTITY}, field="quantity")
    unit = _money(unit_value, "unit_value")
    planned_on = planned_on or today
    if planned_on < today or planned_on > today + dt.timedelta(days=366):
        raise ApplicationError(_("「计划赠送日期」应在今天到一年之内（礼品须在赠送前登记）。"), field="planned_on",
                               rule="A14.2")
    total = gates.total_of(quantity, unit)
    policy = policy_in_force(at=now)
    limits = gates.Limits.of(policy)
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=recipient.pk).first()  # one writer per recipient's year
        refusal = gates.check(limits=limits, item=item, category=category, total=total, year=planned_on.year,
                              recipient=recipient.name,
                              year_total_before=year_total(recipient=recipient, year=planned_on.year))
        if refusal is None:
            needs = gates.needs_approval(limits=limits, total=total)
            gift = Gift.objects.create(
                customer=customer, recipient=recipient, occasion=(occasion or "").strip()[:100], item=item,
                category=category, quantity=quantity, unit_value=unit, total_value=total,
                supplier_ref=(supplier_ref or "").strip()[:100], giver=actor, planned_on=planned_on,
                year=planned_on.year, state=GiftState.AWAITING_APPROVAL if needs else GiftState.REGISTERED,
                needs_approval=needs, policy_number=policy.number, registered_at=now)
            if photo:
                gift.photo.save(photo.name or "photo", photo, save=True)
            audit_log(actor=actor, action="care.gift.registered", target=gift, rule="A14.2",
                      changes={"customer": customer.pk, "recipient": recipient.pk, "item": item,
                               "category": category, "quantity": quantity, "unit_value": unit, "total": total,
                               "planned_on": planned_on, "needs_approval": needs, "policy": policy.number,
                               "photo": bool(gift.photo)})
            if needs:  # A14.2: above gifts.approval_over the head of sales approves before it is given
                approval_request(
                    kind=APPROVAL_KIND, subject=gift, url=f"/care/gifts/{gift.pk}/", customer=customer,
                    title=f"{customer.name} · {recipient.name}：{item} {gates.yuan(total)}", requested_by=actor,
                    approver_role=approver_role(gift),
                    note=_("礼品总价值 %(total)s 超过审批门槛 %(over)s，须批准后才能赠送（第十四条）。") % {
                        "total": gates.yuan(total), "over": gates.yuan(limits.approval_over)})
            return gift
    _refuse(actor=actor, customer=customer, recipient=recipient, item=item, category=category, quantity=quantity,
            unit_value=unit, total=total, refusal=refusal)


def _lock(gift: Gift) -> Gift:
    return Gift.objects.select_for_update().select_related("customer", "recipient", "giver").get(pk=gift.pk)


@transaction.atomic
def gift_decide(*, actor: User, gift: Gift, approve: bool, note: str = "") -> Gift:
    """A14.2: the head of sales approves or rejects a gift above the approval threshold (a rejection says
    why); management decides the head of sales' own gifts."""
    g = _lock(gift)
    role = approver_role(g)
    require_role(actor, role, message=_("只有%(role)s可以审批该礼品（A14.2）。") % {"role": Role(role).label})
    if actor.pk == g.giver_id:
        raise AccessDenied(_("不能审批自己登记的礼品（A14.2）。"))
    if g.state != GiftState.AWAITING_APPROVAL:
        raise InvalidTransition(_("该礼品不在待审批状态。"), field="state", rule="A14.2")
    note = (note or "").strip()
    if not approve and not note:
        raise ApplicationError(_("驳回时请说明原因。"), field="note", rule="A14.2")
    g.state = GiftState.APPROVED if approve else GiftState.REJECTED
    g.decided_by, g.decided_at, g.decision_note = actor, timezone.now(), note[:500]
    g.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_log(actor=actor, action="care.gift.approved" if approve else "care.gift.rejected", target=g,
              rule="A14.2", changes={"note": note})
    approval_decide(kind=APPROVAL_KIND, subject=g, actor=actor,
                    state=ApprovalState.APPROVED if approve else ApprovalState.REFUSED, comment=note,
                    word=_("已批准") if approve else _("已驳回"), notify=[g.giver])
    return g


def gift_mark_given(*, actor: User, gift: Gift, given_on: dt.date | None = None,
                    now: dt.datetime | None = None) -> Gift:
    """A14.2: the gift was given — only once registered within the limits and, above the approval threshold,
    approved. Given in another calendar year than planned, it counts in that year, whose limit it must keep."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        g = _lock(gift)
        if not (actor.has_role(Role.HEAD_OF_SALES) or actor.pk in (g.giver_id, g.customer.account_manager_id)):
            raise AccessDenied(_("只有赠送人、客户经理或销售部负责人可以确认赠送（A14.2）。"))
        if g.state == GiftState.AWAITING_APPROVAL:
            raise InvalidTransition(_("该礼品超过审批门槛，须经批准后才能赠送（A14.2）。"), field="state",
                                    rule="A14.2")
        if g.state not in (GiftState.REGISTERED, GiftState.APPROVED):
            raise InvalidTransition(_("该礼品已%(state)s，不能再确认赠送。") % {"state": g.get_state_display()},
                                    field="state", rule="A14.2")
        given_on = given_on or today
        if given_on > today or given_on < timezone.localtime(g.registered_at).date():
            raise ApplicationError(_("「赠送日期」应在登记之后、今天之前。"), field="given_on", rule="A14.2")
        refusal = None
        if given_on.year != g.year:  # counted in the year it was given (A14.2 per recipient per calendar year)
            Contact.objects.select_for_update().filter(pk=g.recipient_id).first()
            limits = gates.Limits.of(policy_in_force(at=now))
            refusal = gates.check(limits=limits, item=g.item, category=g.category, total=g.total_value,
                                  year=given_on.year, recipient=g.recipient.name,
                                  year_total_before=year_total(recipient=g.recipient, year=given_on.year, exclude=g))
        if refusal is None:
            g.state, g.given_on, g.given_at, g.given_by, g.year = GiftState.GIVEN, given_on, now, actor, given_on.year
            g.save(update_fields=["state", "given_on", "given_at", "given_by", "year"])
            audit_log(actor=actor, action="care.gift.given", target=g, rule="A14.2", changes={"given_on": given_on})
            return g
    _refuse(actor=actor, customer=g.customer, recipient=g.recipient, item=g.item, category=g.category,
            quantity=g.quantity, unit_value=g.unit_value, total=g.total_value, refusal=refusal, gift=g)


# --- A14.1 occasions and care actions ------------------------------------------------------------------------

#: how far back a care action may still be recorded for an occasion (its reminder stays listed as late until then)
ACTION_LOOKBACK_DAYS = 62


def _may_care(actor: User, customer: Customer) -> None:
    require_role(actor, *GIVERS, message=_("只有客户经理和销售部负责人可以记录关怀（A14.1）。"))
    if not actor.has_role(Role.HEAD_OF_SALES) and customer.account_manager_id != actor.pk:
        raise AccessDenied(_("只能为自己负责的客户记录关怀（A14.1）。"))


def occasion_find(*, customer: Customer, key: str, now: dt.datetime | None = None):
    """The occasion of the account with this key among those listed now or in the last two months (A14.1)."""
    from kam.care.selectors import account_occasions

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    lead = int(policy_in_force(at=now)["care.remind_days_before"])
    for o in account_occasions(customer=customer, first=today - dt.timedelta(days=ACTION_LOOKBACK_DAYS),
                               last=today + dt.timedelta(days=lead)):
        if o.key == key:
            return o
    return None


def care_action_record(*, actor: User, customer: Customer, key: str, kind: str, channel: str = "", text: str = "",
                       gift: Gift | None = None, reason: str = "", now: dt.datetime | None = None):
    """A14.1: what was done for an occasion — a greeting (channel and text), a gift of the register (A14.2), or
    no action with a reason. Once per occasion; it meets the occasion's reminder at once."""
    from kam.care.models import CareAction, CareKind, GreetingChannel
    from kam.obligations.store import reflect

    _may_care(actor, customer)
    now = now or timezone.now()
    occasion = occasion_find(customer=customer, key=key, now=now)
    if occasion is None:
        raise ApplicationError(_("没有找到该重要日子（或尚未到提醒时间）。"), field="key", rule="A14.1")
    text, reason = (text or "").strip(), (reason or "").strip()
    if kind not in CareKind.values:
        raise ApplicationError(_("「关怀方式」无效。"), field="kind", rule="A14.1")
    if kind == CareKind.GREETING:
        if channel not in GreetingChannel.values:
            raise ApplicationError(_("请选择祝福的渠道。"), field="channel", rule="A14.1")
        if not text:
            raise ApplicationError(_("请填写祝福内容。"), field="text", rule="A14.1")
    if kind == CareKind.GIFT:
        if gift is None or gift.customer_id != customer.pk or gift.state == GiftState.REJECTED:
            raise ApplicationError(_("请选择该客户已登记（未被驳回）的礼品；礼品须先在礼品登记中登记（A14.2）。"),
                                   field="gift", rule="A14.2")
    if kind == CareKind.NONE and not reason:
        raise ApplicationError(_("不做安排时请说明原因。"), field="reason", rule="A14.1")
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if CareAction.objects.filter(customer=customer, key=key).exists():
            raise InvalidTransition(_("该重要日子已记录过关怀。"), field="kind", rule="A14.1")
        action = CareAction.objects.create(
            customer=customer, key=key, occasion_on=occasion.on, title=occasion.title[:100],
            contact_id=occasion.contact_id, kind=kind, channel=channel if kind == CareKind.GREETING else "",
            text=text[:500] if kind == CareKind.GREETING else "", gift=gift if kind == CareKind.GIFT else None,
            reason=reason[:300] if kind == CareKind.NONE else "", by=actor, at=now)
        audit_log(actor=actor, action="care.action.recorded", target=action, rule="A14.1",
                  changes={"customer": customer.pk, "key": key, "kind": kind, "gift": action.gift_id})
        reflect(customer_ids={customer.pk}, rules=["A14.1"])  # the reminder is met on the next page at once
    return action


def occasion_add(*, actor: User, customer: Customer, title: str, on: dt.date, yearly: bool = False,
                 contact: Contact | None = None, note: str = "", now: dt.datetime | None = None):
    """A14.1: an occasion the account manager adds for an account (once, or every year on its day)."""
    from kam.care.models import AddedOccasion
    from kam.obligations.store import reflect

    _may_care(actor, customer)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    title = (title or "").strip()
    if not title or len(title) > 60:
        raise ApplicationError(_("请填写名称（最多 60 个字）。"), field="title", rule="A14.1")
    if not isinstance(on, dt.date) or on.year < 1900 or on > today + dt.timedelta(days=5 * 366):
        raise ApplicationError(_("「日期」无效。"), field="on", rule="A14.1")
    if not yearly and on < today:
        raise ApplicationError(_("一次性的重要日子不能早于今天；每年的纪念日请勾选「每年」。"), field="on", rule="A14.1")
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(_("联系人须是该客户的联系人。"), field="contact", rule="A14.1")
    with transaction.atomic():
        occasion = AddedOccasion.objects.create(customer=customer, title=title, on=on, yearly=yearly, contact=contact,
                                                note=(note or "").strip()[:200], created_by=actor)
        audit_log(actor=actor, action="care.occasion.added", target=occasion, rule="A14.1",
                  changes={"customer": customer.pk, "title": title, "on": on, "yearly": yearly})
        reflect(customer_ids={customer.pk}, rules=["A14.1"])
    return occasion


# --- A18.1 commitments --------------------------------------------------------------------------------------

COMMITMENT_KIND = "care.commitment"
DEPARTMENT_ROLE = {"finance": Role.FINANCE, "after_sales": Role.AFTER_SALES, "marketing": Role.MARKETING}


def _lock_commitment(commitment):
    from kam.care.models import Commitment

    return Commitment.objects.select_for_update().select_related("customer", "requested_by").get(pk=commitment.pk)


@transaction.atomic
def commitment_register(*, actor: User, customer: Customer, kind: str, description: str, department: str,
                        value=None, due_on: dt.date | None = None, now: dt.datetime | None = None,
                        contract=None, request=None):
    """A18.1: a term beyond the standard terms is registered before the customer hears it; the department that must
    keep it approves it first (its "待我审批")."""
    from kam.care.models import Commitment, CommitmentDepartment, CommitmentKind

    require_role(actor, *GIVERS, message=_("只有客户经理和销售部负责人可以登记客户承诺（A18.1）。"))
    if not actor.has_role(Role.HEAD_OF_SALES) and customer.account_manager_id != actor.pk:
        raise AccessDenied(_("只能为自己负责的客户登记承诺（A18.1）。"))
    now = now or timezone.now()
    if kind not in CommitmentKind.values:
        raise ApplicationError(_("「类型」无效。"), field="kind")
    if department not in CommitmentDepartment.values:
        raise ApplicationError(_("「兑现部门」无效。"), field="department", rule="A18.1")
    description = (description or "").strip()
    if not description:
        raise ApplicationError(_("请写明承诺的内容。"), field="description", rule="A18.1")
    amount = None
    if value not in (None, ""):
        try:
            amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
        except (InvalidOperation, ValueError):
            raise ApplicationError(_("「涉及金额」应为金额（元）。"), field="value") from None
        if not amount.is_finite() or amount < 0 or amount > MAX_UNIT_VALUE or amount != amount.quantize(gates.TWO):
            raise ApplicationError(_("「涉及金额」应为不小于 0 的金额，最多两位小数。"), field="value")
    if due_on is not None and due_on < timezone.localtime(now).date():
        raise ApplicationError(_("「兑现期限」不能早于今天。"), field="due_on", rule="A18.1")
    if contract is not None and contract.customer_id != customer.pk:  # A18.1: the same customer's records only
        raise ApplicationError(_("「相关合同」须是该客户的合同。"), field="contract", rule="A18.1")
    if request is not None and request.customer_id != customer.pk:
        raise ApplicationError(_("「相关客户需求」须是该客户的需求。"), field="request", rule="A18.1")
    c = Commitment.objects.create(customer=customer, kind=kind, description=description[:2000], value=amount,
                                  department=department, due_on=due_on, requested_by=actor, requested_at=now,
                                  contract=contract, request=request)
    audit_log(actor=actor, action="care.commitment.registered", target=c, rule="A18.1",
              changes={"customer": customer.pk, "kind": kind, "department": department, "value": amount,
                       "due_on": due_on, "contract": contract.pk if contract else None,
                       "request": request.pk if request else None})
    _reflect_commitment(c)
    approval_request(kind=COMMITMENT_KIND, subject=c, url=f"/care/commitments/{c.pk}/", customer=customer,
                     title=f"{customer.name} · {c.get_kind_display()}：{description[:60]}", requested_by=actor,
                     approver_role=DEPARTMENT_ROLE[department],
                     note=_("客户承诺须由兑现部门批准后才能告知客户（A18.1）。"))
    return c


@transaction.atomic
def commitment_decide(*, actor: User, commitment, approve: bool, note: str = ""):
    """A18.1: the department that must keep the commitment approves it, or refuses it with a reason."""
    from kam.care.models import CommitmentState

    c = _lock_commitment(commitment)
    role = DEPARTMENT_ROLE[c.department]
    require_role(actor, role, message=_("只有%(d)s可以审批该承诺（A18.1）。") % {"d": c.get_department_display()})
    if c.state != CommitmentState.PENDING:
        raise InvalidTransition(_("该承诺不在待审批状态。"), field="state", rule="A18.1")
    note = (note or "").strip()
    if not approve and not note:
        raise ApplicationError(_("拒绝时请说明原因。"), field="note", rule="A18.1")
    c.state = CommitmentState.APPROVED if approve else CommitmentState.REFUSED
    c.decided_by, c.decided_at, c.decision_note = actor, timezone.now(), note[:500]
    c.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_log(actor=actor, action=f"care.commitment.{c.state}", target=c, rule="A18.1", changes={"note": note})
    _reflect_commitment(c)
    approval_decide(kind=COMMITMENT_KIND, subject=c, actor=actor,
                    state=ApprovalState.APPROVED if approve else ApprovalState.REFUSED, comment=note,
                    notify=[c.requested_by])
    return c


@transaction.atomic
def commitment_done(*, actor: User, commitment, note: str = ""):
    """A18.1: the department records that the approved commitment was kept."""
    from kam.care.models import CommitmentState

    c = _lock_commitment(commitment)
    require_role(actor, DEPARTMENT_ROLE[c.department], Role.HEAD_OF_SALES,
                 message=_("只有兑现部门或销售部负责人可以确认兑现（A18.1）。"))
    if c.state != CommitmentState.APPROVED:
        raise InvalidTransition(_("只有已批准的承诺可以确认兑现。"), field="state", rule="A18.1")
    c.state, c.done_by, c.done_at, c.done_note = CommitmentState.DONE, actor, timezone.now(), (note or "").strip()[:500]
    c.save(update_fields=["state", "done_by", "done_at", "done_note"])
    audit_log(actor=actor, action="care.commitment.done", target=c, rule="A18.1")
    _reflect_commitment(c)
    return c


# --- A14.2 gift photos ----------------------------------------------------------------------------------------

def check_gift_photo(upload) -> None:
    """A14.2 (issue 12 §3): a gift photo is an image Pillow opens, within settings.UPLOAD_MAX_BYTES["image"];
    anything else (a renamed program, a PDF) is refused naming the field, before anything is stored."""
    from kam.core import uploads

    uploads.check_upload(upload, kind="image", label=_("礼品照片"), field="photo")


def gift_photo_set(*, actor: User, gift: Gift, upload) -> Gift:
    """A14.2: add (or replace) the photo of a gift — by its giver, the account's manager or the head of sales;
    never on a rejected gift. The file is stored 0600 under a random name and served only through the gift's
    selector."""
    check_gift_photo(upload)
    with transaction.atomic():
        g = _lock(gift)
        if not (actor.has_role(Role.HEAD_OF_SALES) or actor.pk in (g.giver_id, g.customer.account_manager_id)):
            raise AccessDenied(_("只有赠送人、客户经理或销售部负责人可以上传礼品照片（A14.2）。"))
        if g.state == GiftState.REJECTED:
            raise InvalidTransition(_("该礼品已驳回，不能再上传照片。"), field="photo", rule="A14.2")
        replaced = bool(g.photo)
        old_name = g.photo.name if replaced else ""
        g.photo.save(upload.name or "photo", upload, save=False)
        g.save(update_fields=["photo"])
        audit_log(actor=actor, action="care.gift.photo_added", target=g, rule="A14.2",
                  changes={"size": getattr(upload, "size", None), "replaced": replaced})
    if old_name:
        g.photo.storage.delete(old_name)
    return g


def _reflect_commitment(c) -> None:
    """A18.1: the commitment's clocks (approval, delivery) are judged again in the same transaction."""
    from kam.obligations.store import reflect

    reflect(customer_ids={c.customer_id}, touched={"commitment"})
