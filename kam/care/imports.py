"""Import kind: the gift register (A14.2) from a spreadsheet — e.g. the gifts a sales team kept in Excel before the
system, or a batch planned for a festival.

Every row passes the same gates as a gift registered on its page (kam.care.gates): no cash or cash equivalent
(by category and by the item's words), the value per gift, and the recipient's total for the calendar year — the
gifts already registered plus the rows above it in the file. A row that fails is an error naming the rule and the
running total; the file is all-or-nothing (kam.exchange), with the row-by-row error report. Above the approval
threshold a row imported as 已登记 waits for the head of sales like any other gift; imported as 已批准 or 已赠送 it
records the importer's approval, which only the approver of that gift may give (never the giver themself)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.care import gates
from kam.care.models import COUNTED_STATES, Gift, GiftCategory, GiftState
from kam.customers.imports import CUSTOMER_REF, check_customer_refs
from kam.customers.models import Contact, Customer
from kam.exchange.handlers import batched
from kam.exchange.pipeline import ImportContext, Row
from kam.exchange.registry import Column, Handler, ImportKind, register
from kam.policy.selectors import policy_in_force
from kam.users.models import Role, User

#: the states a file may give (a rejected gift is not imported: it was never given)
IMPORT_STATES = (GiftState.REGISTERED, GiftState.APPROVED, GiftState.GIVEN)
#: refused rows of one file recorded as refused attempts (A3); the file's error report lists every one
MAX_REFUSALS_RECORDED = 200
#: the gate's field → the file's column
GATE_COLUMN = {"category": "category", "item": "item", "total_value": "unit_value"}


def _limits() -> gates.Limits:
    return gates.Limits.of(policy_in_force(at=timezone.now()))


def _resolve_recipients(rows: list[Row], ctx: ImportContext) -> None:
    """The recipient is a contact of the row's customer, by name (anonymised contacts excluded)."""
    wanted = {(r.values["customer_id"], r.values["recipient"]) for r in rows if r.ok("customer_id", "recipient")}
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for batch in batched(sorted({c for c, _n in wanted})):
        for pk, customer_id, name in Contact.objects.filter(
                customer_id__in=batch, anonymised_at__isnull=True).values_list("id", "customer_id", "name"):
            if (customer_id, name) in wanted:
                by_key[(customer_id, name)].append(pk)
                names[pk] = name
    for row in rows:
        if not row.ok("customer_id", "recipient"):
            continue
        ids = by_key.get((row.values["customer_id"], row.values["recipient"]), [])
        if not ids:
            ctx.error(row, "recipient", _("「%(name)s」不是该客户的联系人（受礼人须是客户的联系人，A14.2）") % {
                "name": row.values["recipient"]})
        elif len(ids) > 1:
            ctx.error(row, "recipient", _("该客户有多位名为「%(name)s」的联系人，请先在客户档案中区分") % {
                "name": row.values["recipient"]})
        else:
            row.values["recipient_id"] = ids[0]


def _resolve_givers(rows: list[Row], ctx: ImportContext) -> None:
    """The giver by user name or name; an account manager gives only to their own accounts' people (A14.2)."""
    cache: dict[str, User | None | bool] = ctx.cache.setdefault("givers", {})
    wanted = {r.values["giver"] for r in rows if r.ok("giver") and r.values["giver"] not in cache}
    if wanted:
        found: dict[str, list[User]] = defaultdict(list)
        for batch in batched(sorted(wanted)):
            for user in User.objects.filter(is_active=True, username__in=batch):
                found[user.username].append(user)
            for user in User.objects.filter(is_active=True, display_name__in=batch):
                if user not in found[user.display_name]:
                    found[user.display_name].append(user)
        for ref in wanted:
            users = found.get(ref, [])
            cache[ref] = users[0] if len(users) == 1 else (None if not users else False)
    owners = dict(Customer.objects.filter(pk__in={r.values["customer_id"] for r in rows if r.ok("customer_id")})
                  .values_list("id", "account_manager_id"))
    for row in rows:
        if not row.ok("giver"):
            continue
        user = cache.get(row.values["giver"])
        if user is False:
            ctx.error(row, "giver", _("姓名「%(ref)s」不唯一，请改用用户名") % {"ref": row.values["giver"]})
        elif not isinstance(user, User):
            ctx.error(row, "giver", _("找不到用户「%(ref)s」（按用户名或姓名查找）") % {"ref": row.values["giver"]})
        elif not user.has_role(Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES):
            ctx.error(row, "giver", _("只有客户经理和销售部负责人可以赠送礼品（A14.2）"))
        elif (row.ok("customer_id") and not user.has_role(Role.HEAD_OF_SALES)
              and owners.get(row.values["customer_id"]) != user.pk):
            ctx.error(row, "giver", _("客户经理只能向自己负责的客户赠送礼品（A14.2）"))
        else:
            row.values["giver_id"] = user.pk
            row.values["giver_is_head"] = user.has_role(Role.HEAD_OF_SALES)


def _check_dates(row: Row, ctx: ImportContext, today: dt.date) -> None:
    if not row.ok("given_on"):
        return
    day, state = row.values["given_on"], row.values.get("state") or GiftState.REGISTERED
    if state == GiftState.GIVEN and day > today:
        ctx.error(row, "given_on", _("已赠送的礼品，赠送日期不能晚于今天"))
    elif state != GiftState.GIVEN and not today <= day <= today + dt.timedelta(days=366):
        ctx.error(row, "given_on", _("未赠送的礼品，计划赠送日期应在今天到一年之内（礼品须在赠送前登记）"))


def _db_totals(keys: set[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """A14.2: the registered value per (recipient, year) already in the register (rejected gifts never count)."""
    totals: dict[tuple[int, int], Decimal] = {}
    for batch in batched(sorted({r for r, _y in keys})):
        for recipient_id, year, s in (Gift.objects.filter(recipient_id__in=batch, state__in=COUNTED_STATES)
                                      .values("recipient_id", "year").annotate(s=Sum("total_value")).order_by()
                                      .values_list("recipient_id", "year", "s")):
            if (recipient_id, year) in keys:
                totals[(recipient_id, year)] = s or Decimal("0")
    return totals


class GiftHandler(Handler):
    """Checks every row against the gates with the running totals (the register's and the file's rows above it),
    then registers the gifts in the import's one transaction, checking the totals again under lock."""

    def prepare(self, rows: list[Row], ctx: ImportContext) -> list[Row]:
        today = timezone.localdate()
        limits = ctx.cache.setdefault("limits", _limits())
        check_customer_refs(rows, ctx)
        _resolve_recipients(rows, ctx)
        _resolve_givers(rows, ctx)
        for row in rows:
            _check_dates(row, ctx, today)
        running: dict[tuple[int, int], Decimal] = ctx.cache.setdefault("running", defaultdict(Decimal))
        keys = {(r.values["recipient_id"], r.values["given_on"].year) for r in rows
                if r.ok("recipient_id", "given_on")}
        stored = _db_totals(keys - set(ctx.cache.setdefault("stored", {})))
        ctx.cache["stored"].update({k: stored.get(k, Decimal("0")) for k in keys if k not in ctx.cache["stored"]})
        for row in rows:
            self._gate(row, ctx, limits, running)
        return rows

    def _gate(self, row: Row, ctx: ImportContext, limits: gates.Limits, running) -> None:
        v = row.values
        if not row.ok("item", "category", "quantity", "unit_value"):
            return
        total = gates.total_of(v["quantity"], v["unit_value"])
        if total <= 0:
            ctx.error(row, "unit_value", _("总价值须大于 0"))
            return
        year = v["given_on"].year if row.ok("given_on") else timezone.localdate().year
        key = (v.get("recipient_id"), year)
        before = ctx.cache["stored"].get(key, Decimal("0")) + running[key] if row.ok("recipient_id") else Decimal("0")
        refusal = gates.check(limits=limits, item=v["item"], category=v["category"], total=total, year=year,
                              recipient=v.get("recipient") or "", year_total_before=before)
        if refusal is not None:  # A14.2: the same gate, its message naming the rule and the running total
            ctx.error(row, GATE_COLUMN.get(refusal.field, "unit_value"), refusal.message)
            refused = ctx.cache.setdefault("refused", [])
            if len(refused) < MAX_REFUSALS_RECORDED:
                refused.append((row.line, v, total, refusal))
            return
        v["total_value"] = total
        v["needs_approval"] = gates.needs_approval(limits=limits, total=total)
        if row.ok("recipient_id"):
            running[key] += total
        state = v.get("state") or GiftState.REGISTERED
        if v["needs_approval"] and state != GiftState.REGISTERED and row.ok("giver_id"):
            # A14.2: above the threshold, an approved (or given) gift needs its approver: the importer must be it
            approver = Role.MANAGEMENT if v.get("giver_is_head") else Role.HEAD_OF_SALES
            if not ctx.actor.has_role(approver) or ctx.actor.pk == v["giver_id"]:
                ctx.error(row, "state", _(
                    "总价值 %(total)s 超过审批门槛 %(over)s，须经%(role)s批准：请以「已登记」导入，批准后再赠送（A14.2）") % {
                    "total": gates.yuan(total), "over": gates.yuan(limits.approval_over), "role": Role(approver).label})

    def check_end(self, ctx: ImportContext) -> None:
        """A14.2, A3: the rows the gates refused are refused attempts like any other — recorded (who, what, when,
        why, and the file's line) for management, whatever else the file holds."""
        from django.db import transaction

        from kam.audit.services import audit_log
        from kam.care.models import GiftRefusal

        refused = ctx.cache.get("refused") or []
        if not refused:
            return
        now = timezone.now()
        with transaction.atomic():
            for line, v, total, refusal in refused:
                row = GiftRefusal.objects.create(
                    at=now, actor=ctx.actor, customer_id=v.get("customer_id"), recipient_id=v.get("recipient_id"),
                    item=v["item"][:100], category=v["category"], quantity=v["quantity"], unit_value=v["unit_value"],
                    total_value=total, reason=refusal.reason,
                    message=_("导入文件第 %(line)d 行：%(msg)s") % {"line": line, "msg": refusal.message},
                    channel="import")
                audit_log(actor=ctx.actor, action="care.gift.refused", target=row, rule="A14.2",
                          changes={"customer": v.get("customer_id"), "recipient": v.get("recipient_id"),
                                   "item": v["item"], "category": v["category"], "total": total,
                                   "reason": refusal.reason, "line": line})

    def apply(self, rows: list[Row], ctx: ImportContext) -> None:
        from kam.approvals.services import approval_request
        from kam.audit.services import audit_log
        from kam.care.services import APPROVAL_KIND, approver_role

        now = timezone.now()
        limits = ctx.cache["limits"]
        policy = policy_in_force(at=now)
        recipients = {r.values["recipient_id"] for r in rows}
        locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=recipients)}
        keys = {(r.values["recipient_id"], r.values["given_on"].year) for r in rows}
        # A14.2 again under lock: a gift registered since the file was checked counts too
        done: dict[tuple[int, int], Decimal] = ctx.cache.setdefault("written", defaultdict(Decimal))
        stored = _db_totals({k for k in keys if k not in ctx.cache.setdefault("locked_stored", {})})
        ctx.cache["locked_stored"].update({k: stored.get(k, Decimal("0")) for k in keys
                                           if k not in ctx.cache["locked_stored"]})
        for row in rows:
            v = row.values
            key = (v["recipient_id"], v["given_on"].year)
            before = ctx.cache["locked_stored"][key] + done[key]
            refusal = gates.check(limits=limits, item=v["item"], category=v["category"], total=v["total_value"],
                                  year=key[1], recipient=v["recipient"], year_total_before=before)
            if refusal is not None:
                ctx.error(row, GATE_COLUMN.get(refusal.field, "unit_value"), refusal.message)
                return
            done[key] += v["total_value"]
            state = v.get("state") or GiftState.REGISTERED
            needs = v["needs_approval"]
            if needs and state == GiftState.REGISTERED:
                state = GiftState.AWAITING_APPROVAL
            given = state == GiftState.GIVEN
            gift = Gift.objects.create(
                customer_id=v["customer_id"], recipient=locked[v["recipient_id"]], occasion=v.get("occasion") or "",
                item=v["item"], category=v["category"], quantity=v["quantity"], unit_value=v["unit_value"],
                total_value=v["total_value"], supplier_ref=v.get("supplier_ref") or "", giver_id=v["giver_id"],
                planned_on=v["given_on"], year=key[1], state=state, needs_approval=needs,
                policy_number=policy.number, registered_at=now,
                decided_by=ctx.actor if needs and state != GiftState.AWAITING_APPROVAL else None,
                decided_at=now if needs and state != GiftState.AWAITING_APPROVAL else None,
                decision_note=_("批量导入时确认已批准") if needs and state != GiftState.AWAITING_APPROVAL else "",
                given_on=v["given_on"] if given else None, given_at=now if given else None,
                given_by=ctx.actor if given else None)
            audit_log(actor=ctx.actor, action="care.gift.imported", target=gift, rule="A14.2",
                      changes={"customer": v["customer_id"], "recipient": v["recipient_id"], "item": v["item"],
                               "category": v["category"], "total": v["total_value"], "state": state,
                               "line": row.line, "policy": policy.number})
            if state == GiftState.AWAITING_APPROVAL:  # A14.2: waits for the head of sales like any other gift
                customer = Customer.objects.only("id", "name").get(pk=v["customer_id"])
                approval_request(
                    kind=APPROVAL_KIND, subject=gift, url=f"/care/gifts/{gift.pk}/", customer=customer,
                    title=f"{customer.name} · {v['recipient']}：{v['item']} {gates.yuan(v['total_value'])}",
                    requested_by=gift.giver, approver_role=approver_role(gift),
                    note=_("礼品总价值 %(total)s 超过审批门槛 %(over)s，须批准后才能赠送（第十四条）。") % {
                        "total": gates.yuan(v["total_value"]), "over": gates.yuan(limits.approval_over)})
            ctx.counts["created"] += 1


STATE_CHOICES = tuple((str(label), value) for value, label in GiftState.choices if value in IMPORT_STATES)

register(ImportKind(
    name="gifts", label=_l("礼品登记"), key=(), roles=(Role.HEAD_OF_SALES,),
    columns=[
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("recipient", _l("受礼人"), "Recipient", required=True, max_length=100, example="林董",
               aliases=("受礼人姓名", "联系人"), note=_l("该客户在系统中的联系人姓名")),
        Column("occasion", _l("场合"), "Occasion", max_length=100, example="中秋节"),
        Column("item", _l("礼品"), "Item", required=True, max_length=100, example="定制茶具",
               aliases=("礼品名称", "物品"),
               note=_l("含「购物卡」「红包」「代金券」等字样的一律拒绝（第十四条）")),
        Column("category", _l("类别"), "Category", type="choice", required=True, example="定制礼品",
               choices=tuple((str(label), value) for value, label in GiftCategory.choices),
               note=_l("现金、有价证券、购物卡等现金等价物类别一律拒绝（第十四条）")),
        Column("quantity", _l("数量"), "Quantity", type="int", required=True, min_value=1, max_value=10_000,
               example="1"),
        Column("unit_value", _l("单价（元）"), "Unit value", type="money", required=True, max_digits=12,
               example="180.00", aliases=("单价",),
               note=_l("数量 × 单价为礼品总价值，须在单件上限和受礼人每年累计上限之内（A14.2）")),
        Column("supplier_ref", _l("供应商/发票号"), "Supplier / invoice", max_length=100, example="FP-2026-0910",
               aliases=("发票号", "供应商")),
        Column("giver", _l("赠送人"), "Giver", required=True, max_length=150, example="am1",
               note=_l("用户名或姓名；客户经理只能赠送给自己负责的客户")),
        Column("given_on", _l("赠送日期"), "Given on", type="date", required=True, example="2026-09-20",
               aliases=("计划赠送日期", "日期"),
               note=_l("已赠送：实际赠送日期（不晚于今天）；未赠送：计划日期（今天到一年之内）；按此日期计入年度")),
        Column("state", _l("状态"), "State", type="choice", example="已登记", choices=STATE_CHOICES,
               note=_l("已登记 / 已批准 / 已赠送，留空为已登记；超过审批门槛的礼品以已批准或已赠送导入时，"
                       "由导入人确认批准（须是该礼品的审批人）")),
    ],
    handler=GiftHandler(),
    description=_l("导入礼品登记：每一行都按礼品规定检查（禁止现金及现金等价物、单件上限、受礼人每年累计上限，"
                   "累计含系统中已登记的礼品和文件中前面的行），任何一行不通过则整个文件不导入（A14.2）。")))
