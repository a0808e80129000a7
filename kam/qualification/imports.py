"""Import kinds of qualification: account-manager assignments (A9.1/A9.2) and the current key-account list
when going live (A5.1 "initial list").

Rows become the candidates of an initial-list review; management approves it like a review, and the
designations then start with source "initial list" (from the date the row gives)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.customers.imports import CUSTOMER_REF, check_customer_refs
from kam.customers.models import Customer
from kam.exchange.handlers import check_duplicate_keys, filter_in
from kam.exchange.registry import Column, Handler, ImportKind, register
from kam.qualification.models import Candidate, Decision, Tier
from kam.qualification.services import portfolio_assign
from kam.users.models import Role, User


class KeyAccountListHandler(Handler):
    def prepare(self, rows, ctx):
        rows = check_customer_refs(rows, ctx)
        managers: dict[str, User] = ctx.cache.get("managers") or {}
        if not managers:
            for u in User.objects.filter(is_active=True, role_grants__role=Role.ACCOUNT_MANAGER).distinct():
                managers.setdefault(u.username, u)
                if u.display_name:
                    managers.setdefault(u.display_name, u)
            ctx.cache["managers"] = managers
        for row in rows:
            if row.ok("manager"):
                ref = row.values["manager"]
                if ref not in managers:
                    ctx.error(row, "manager", _("%(m)s 不是系统中的客户经理") % {"m": ref})
                else:
                    row.values["manager_user"] = managers[ref]
        return check_duplicate_keys(rows, ctx, lambda r: r.values["customer_id"], "customer")

    def apply(self, rows, ctx):
        from kam.customers.models import Customer
        from kam.qualification.selectors import designations_open_at
        from kam.qualification.services import initial_review

        ids = [r.values["customer_id"] for r in rows]
        current = dict(filter_in(designations_open_at().values_list("customer_id", "tier"), "customer_id", ids))
        managers = dict(filter_in(Customer.objects.values_list("id", "account_manager_id"), "pk", ids))
        pending = []
        for row in rows:  # already designated as the list says: nothing to approve again
            v = row.values
            manager = v.get("manager_user")
            if (current.get(v["customer_id"]) == (v.get("tier") or Tier.ORDINARY)
                    and (manager is None or managers.get(v["customer_id"]) == manager.pk)):
                ctx.counts["unchanged"] += 1
            else:
                pending.append(row)
        rows = pending
        if not rows:
            return
        review = ctx.cache.get("review") or initial_review(actor=ctx.actor)
        ctx.cache["review"] = review
        existing = {c.customer_id: c for c in filter_in(
            Candidate.objects.filter(review=review), "customer_id", (r.values["customer_id"] for r in rows))}
        create, update = [], []
        for row in rows:
            v = row.values
            since = v.get("since")
            values = {"tier": v.get("tier") or Tier.ORDINARY, "draft": Decision.INCLUDE, "decision": Decision.INCLUDE,
                      "reason": str(_("初始名单")), "facts": {"designated_since": since.isoformat() if since else None},
                      "proposed_manager": v.get("manager_user"), "currently_key": False}
            cand = existing.get(v["customer_id"])
            if cand is None:
                create.append(Candidate(review=review, customer_id=v["customer_id"], **values))
                continue
            same = (cand.tier == values["tier"] and cand.facts == values["facts"]
                    and cand.proposed_manager_id == (values["proposed_manager"].pk if values["proposed_manager"] else None))
            if same:
                ctx.counts["unchanged"] += 1
                continue
            ctx.audit_update(cand, {"tier": {"old": cand.tier, "new": values["tier"]},
                                    "designated_since": {"old": cand.facts.get("designated_since"),
                                                         "new": values["facts"]["designated_since"]}})
            for k, val in values.items():
                setattr(cand, k, val)
            update.append(cand)
        Candidate.objects.bulk_create(create)
        if update:
            Candidate.objects.bulk_update(update, ["tier", "facts", "proposed_manager", "decision", "reason"])
        ctx.counts["created"] += len(create)
        ctx.counts["updated"] += len(update)


register(ImportKind(
    name="key_accounts", label=_l("现有大客户名单"), key=("customer",), roles=(Role.HEAD_OF_SALES,),
    columns=[
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("tier", _l("层级"), "Tier", type="choice", example="核心大客户",
               choices=(("核心大客户", "core"), ("核心", "core"), ("普通大客户", "ordinary"), ("普通", "ordinary"))),
        Column("manager", _l("客户经理"), "Account manager", example="am1", aliases=("业务员", "负责人"),
               note=_l("系统用户名或姓名；为空则沿用现任客户经理")),
        Column("since", _l("认定日期"), "Designated since", type="date", example="2025-01-01",
               aliases=("认定时间", "纳入日期")),
    ],
    handler=KeyAccountListHandler(),
    description=_l("上线时导入现有大客户名单，提交管理层批准后生效，来源记为「初始名单」（A5.1）。")))


class AssignmentHandler(Handler):
    """A9.2 handovers through the portfolio service (dated, the previous assignment ends; A9.1 cap checked)."""

    def prepare(self, rows, ctx):
        rows = check_customer_refs(rows, ctx)
        users: dict[str, User] = ctx.cache.get("managers") or {}
        if not users:
            for u in User.objects.filter(is_active=True, role_grants__role=Role.ACCOUNT_MANAGER).distinct():
                users.setdefault(u.username, u)
                if u.display_name:
                    users.setdefault(u.display_name, u)
            ctx.cache["managers"] = users
        for row in rows:
            if not row.ok("manager"):
                continue
            user = users.get(row.values["manager"])
            if user is None:
                ctx.error(row, "manager", _("%(m)s 不是系统中的客户经理") % {"m": row.values["manager"]})
            else:
                row.values["manager_user"] = user
        return check_duplicate_keys(rows, ctx, lambda r: r.values["customer_id"], "customer")

    def apply(self, rows, ctx):
        customers = Customer.objects.in_bulk([r.values["customer_id"] for r in rows])
        for row in rows:
            customer = customers[row.values["customer_id"]]
            manager = row.values["manager_user"]
            if customer.account_manager_id == manager.pk:
                ctx.counts["unchanged"] += 1
                continue
            created = customer.account_manager_id is None
            portfolio_assign(actor=None, customer=customer, manager=manager,
                             on=row.values.get("started_on") or timezone.localdate(),
                             reason=row.values.get("reason") or str(_("导入")))
            ctx.counts["created" if created else "updated"] += 1


register(ImportKind(
    name="assignments", label=_l("客户经理分配"), key=("customer",), roles=(Role.HEAD_OF_SALES,),
    columns=[
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("manager", _l("客户经理"), "Account manager", required=True, example="am1",
               aliases=("业务员", "销售员", "负责人"), note=_l("系统用户名或姓名")),
        Column("started_on", _l("开始日期"), "Since", type="date", example="2026-01-01"),
        Column("reason", _l("原因"), "Reason", example="年度分配", max_length=200),
    ],
    handler=AssignmentHandler(), description=_l("每个客户在任一时刻只有一位客户经理；交接留存历史（A9.2）。")))
