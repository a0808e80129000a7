"""Import kinds of the customers app: customers, contacts, contracts, account-manager assignments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.customers.birthdays import BirthdayParts
from kam.customers.models import Contact, Contract, Customer, CustomerType, PriceSensitivity
from kam.customers.search import set_contact_keys, set_customer_keys
from kam.customers.validators import credit_code_error, normalize_credit_code
from kam.exchange.handlers import ModelHandler, check_duplicate_keys, filter_in, update_batch_size
from kam.exchange.pipeline import ImportContext, Row
from kam.exchange.registry import Column, Handler, ImportKind, register
from kam.users.models import Role


def resolve_customers(refs: Iterable[str], ctx: ImportContext) -> dict[str, int]:
    """Customer references as written in files — a credit code or the exact name — to ids (cached per import)."""
    cache: dict[str, int | None] = ctx.cache.setdefault("customers", {})
    wanted = {r for r in refs if r and r not in cache}
    if wanted:
        by_code: dict[str, list[str]] = {}
        for r in wanted:
            by_code.setdefault(r.upper(), []).append(r)
        for pk, code in filter_in(Customer.objects.values_list("id", "credit_code"), "credit_code", by_code):
            for r in by_code[code]:
                cache[r] = pk
        by_name: dict[str, list[int]] = {}
        rest = [r for r in wanted if r not in cache]
        if rest:
            for pk, name in filter_in(Customer.objects.values_list("id", "name"), "name", rest):
                by_name.setdefault(name, []).append(pk)
        for r in rest:
            ids = by_name.get(r, [])
            cache[r] = ids[0] if len(ids) == 1 else (None if not ids else -1)
    return {r: cache[r] for r in refs if r in cache}


def check_customer_refs(rows: list[Row], ctx: ImportContext, field: str = "customer") -> list[Row]:
    """Resolve the `field` reference of every row that has one (rows with other errors too: every error of a file
    in one pass) to `<field>_id`; an unknown or ambiguous customer is an error on `field`. Returns every row."""
    ids = resolve_customers({r.values[field] for r in rows if r.ok(field)}, ctx)
    for row in rows:
        if not row.ok(field):
            continue
        ref = row.values[field]
        pk = ids.get(ref)
        if pk is None:
            ctx.error(row, field, _("找不到客户 %(ref)s（按统一社会信用代码或客户全称查找）") % {"ref": ref})
        elif pk == -1:
            ctx.error(row, field, _("客户名称 %(ref)s 不唯一，请改用统一社会信用代码") % {"ref": ref})
        else:
            row.values[field + "_id"] = pk
    return rows


def customer_model_handler(model, **options: Any) -> ModelHandler:
    """A ModelHandler whose `customer` column (and any other listed in `refs`) names a customer."""
    return ModelHandler(model, refs=options.pop("refs", ("customer",)), resolve=check_customer_refs, **options)


HEAD = (Role.HEAD_OF_SALES,)
CUSTOMER_REF = dict(type="text", required=True, aliases=("客户名称", "客户", "往来单位", "往来单位名称", "客户全称"),
                    note=_l("统一社会信用代码或客户全称（须与系统中一致）"))

CUSTOMER_COLUMNS = [
    Column("name", _l("客户名称"), "Name", required=True, max_length=200, example="佛山华美酒店管理有限公司",
           aliases=("客户全称", "往来单位名称", "单位名称")),
    Column("credit_code", _l("统一社会信用代码"), "Credit code", required=True, example="91440604MA4UJ5XK1N",
           aliases=("税号", "纳税人识别号"), note=_l("18 位，含校验位；作为客户的唯一标识")),
    Column("customer_type", _l("客户类型"), "Type", type="choice", example="大型酒店运营商",
           choices=tuple((str(label), value) for value, label in CustomerType.choices),
           aliases=("客户类别", "客户分类"), note=_l("房地产开发商 / 大型酒店运营商 / 家具经销商 / 企事业单位采购 / 其他（A2.2）")),
    Column("parent", _l("所属集团信用代码"), "Group credit code", example="",
           note=_l("母公司（集团）的统一社会信用代码；可为本文件中的其他行")),
    Column("province", _l("省份"), "Province", example="广东", aliases=("省",), max_length=30),
    Column("city", _l("城市"), "City", example="佛山", aliases=("市", "所在城市"), max_length=30),
    Column("address", _l("地址"), "Address", example="佛山市禅城区季华五路 1 号", aliases=("通讯地址", "详细地址"),
           max_length=200),
    Column("founded_on", _l("公司成立日"), "Founded on", type="date", historic=True, example="2008-06-18"),
    Column("decision_process", _l("采购决策流程"), "Decision process", example="采购部初选，总经理审批"),
    Column("pref_style", _l("风格偏好"), "Style", example="新中式", max_length=200),
    Column("pref_customisation", _l("定制需求"), "Customisation", example="客房家具按房型定制", max_length=300),
    Column("pref_price_sensitivity", _l("价格敏感度"), "Price sensitivity", type="choice", example="中",
           choices=tuple((str(label), value) for value, label in PriceSensitivity.choices)),
    Column("purchase_potential", _l("持续采购潜力"), "Purchase potential", type="bool", example="是"),
    Column("purchase_potential_note", _l("采购潜力说明"), "Potential note", max_length=300, example="三年内新开 12 家门店"),
    Column("industry_influence", _l("行业影响力"), "Industry influence", type="bool", example="否"),
    Column("industry_influence_note", _l("行业影响力说明"), "Influence note", max_length=300),
    Column("cooperation_start_override", _l("记录的合作起始日"), "Cooperation since", type="date", historic=True,
           note=_l("早于系统数据的合作起始日（A2.1），须同时填写说明")),
    Column("cooperation_start_reason", _l("合作起始日说明"), "Cooperation since reason", max_length=200),
    # issue 13 (search): last, so that templates filled before it keep their columns
    Column("short_name", _l("客户简称"), "Short name", max_length=60, example="华美酒店", aliases=("简称",)),
]
CUSTOMER_FIELDS = tuple(c.field for c in CUSTOMER_COLUMNS if c.field not in ("credit_code", "parent"))


class CustomerHandler(Handler):
    def prepare(self, rows, ctx):
        file_codes: set[str] = ctx.cache.setdefault("file_codes", set())
        parents: list[tuple[str, int]] = ctx.cache.setdefault("parent_refs", [])
        for row in rows:
            v = row.values
            if row.ok("credit_code"):
                v["credit_code"] = normalize_credit_code(v["credit_code"])
                error = credit_code_error(v["credit_code"])
                if error:
                    ctx.error(row, "credit_code", error)
                else:
                    file_codes.add(v["credit_code"])
            if row.ok("parent"):
                v["parent"] = normalize_credit_code(v["parent"])
                if row.ok("credit_code") and v["parent"] == v["credit_code"]:
                    ctx.error(row, "parent", _("不能以自身为所属集团"))
                else:
                    parents.append((v["parent"], row.line))
            if (row.ok("cooperation_start_override") and row.sound("cooperation_start_reason")
                    and not v.get("cooperation_start_reason")):
                ctx.error(row, "cooperation_start_reason", _("记录更早的合作起始日时须说明原因（A2.1）"))
        return check_duplicate_keys(rows, ctx, lambda r: r.values["credit_code"], "credit_code")

    def check_end(self, ctx: ImportContext) -> None:
        """A parent is a customer already, or a row of this file (above or below its child)."""
        parents: list[tuple[str, int]] = ctx.cache.get("parent_refs", [])
        file_codes: set[str] = ctx.cache.get("file_codes", set())
        wanted = {code for code, _line in parents if code not in file_codes}
        known = set(filter_in(Customer.objects.values_list("credit_code", flat=True), "credit_code", wanted))
        for code, line in parents:
            if code not in file_codes and code not in known:
                ctx.error(line, "parent", _("找不到所属集团 %(c)s") % {"c": code})

    def apply(self, rows, ctx):
        existing = {c.credit_code: c for c in filter_in(
            Customer.objects.all(), "credit_code", (r.values["credit_code"] for r in rows))}
        create, update, changed = [], [], set()
        pending = ctx.cache.setdefault("parents", [])
        from kam.customers.services import _core_customer_fields

        secret = _core_customer_fields()
        for row in rows:
            v = row.values
            values = {f: v.get(f) for f in CUSTOMER_FIELDS if f in v}
            for f, val in list(values.items()):
                if val is None:
                    values[f] = False if f in ("purchase_potential", "industry_influence") else (
                        None if f in ("founded_on", "cooperation_start_override") else "")
            if "customer_type" in values and not values["customer_type"]:
                values["customer_type"] = CustomerType.OTHER
            if "parent" in v:
                pending.append((v["credit_code"], v.get("parent") or None, row.line))
            obj = existing.get(v["credit_code"])
            if obj is None:
                obj = Customer(credit_code=v["credit_code"], **values)
                set_customer_keys(obj)  # issue 13: found by pinyin and initials
                create.append(obj)
                continue
            changes = {}
            for f, new in values.items():
                old = getattr(obj, f)
                if old != new:
                    changes[f] = {"changed": True} if f in secret else {"old": old, "new": new}
                    setattr(obj, f, new)
                    changed.add(f)
            if changes:
                if {"name", "short_name"} & set(changes):
                    changed.update(set_customer_keys(obj))
                update.append(obj)
                ctx.audit_update(obj, changes)
            else:
                ctx.counts["unchanged"] += 1
        if create:
            Customer.objects.bulk_create(create, batch_size=1000)
            ctx.counts["created"] += len(create)
        if update:
            Customer.objects.bulk_update(update, sorted(changed), batch_size=update_batch_size(len(changed)))
            ctx.counts["updated"] += len(update)

    def finish(self, ctx: ImportContext) -> None:
        pending = ctx.cache.get("parents", [])
        if not pending:
            return
        codes = {c for c, _p, _l in pending} | {p for _c, p, _l in pending if p}
        ids, current = {}, {}
        for code, pk, parent_id in filter_in(Customer.objects.values_list("credit_code", "id", "parent_id"),
                                             "credit_code", codes):
            ids[code], current[code] = pk, parent_id
        updated = []
        for code, parent_code, line in pending:
            parent_id = ids.get(parent_code) if parent_code else None
            if parent_code and parent_id is None:
                ctx.error(line, "parent", _("找不到所属集团 %(c)s") % {"c": parent_code})
                continue
            if current.get(code) != parent_id:
                obj = Customer(pk=ids[code], parent_id=parent_id)
                updated.append(obj)
        if updated and not ctx.error_count:
            Customer.objects.bulk_update(updated, ["parent"], batch_size=500)


def _customer_core_columns() -> frozenset[str]:
    """The customer columns management classified core (A7.1)."""
    from kam.customers.services import _core_customer_fields

    return _core_customer_fields() & {c.field for c in CUSTOMER_COLUMNS}


def _contract_core_columns() -> frozenset[str]:
    from kam.confidentiality.classification import core_fields

    core = core_fields()
    return frozenset(name for name in ("terms_summary", "payment_terms") if f"customers.Contract.{name}" in core)


register(ImportKind(
    name="customers", label=_l("客户"), columns=CUSTOMER_COLUMNS, key=("credit_code",), roles=HEAD,
    handler=CustomerHandler(), description=_l("按统一社会信用代码新增或更新客户（A2.2、A6.1）。"),
    core_columns=_customer_core_columns))


class ContactHandler(ModelHandler):
    """Contacts: the birthday columns are written as the one encrypted `birthday` (personal data, A14.1)."""

    BIRTHDAY = ("birthday_kind", "birthday_month", "birthday_day", "birthday_leap_month")

    def _values(self, row: Row) -> dict[str, Any]:
        values = super()._values(row)
        v = row.values
        if any(name in v for name in self.BIRTHDAY):
            values["birthday"] = BirthdayParts(v.get("birthday_kind") or "", v.get("birthday_month"),
                                               v.get("birthday_day"), bool(v.get("birthday_leap_month"))).encode()
        return values


def _contact_validate(row: Row, ctx: ImportContext) -> bool:
    v = row.values
    kind = v.get("birthday_kind")
    if kind and row.sound("birthday_kind"):
        max_day = 30 if kind == "lunar" else 31
        if row.sound("birthday_month") and (not v.get("birthday_month") or not 1 <= v["birthday_month"] <= 12):
            ctx.error(row, "birthday_month", _("应为 1–12"))
        if row.sound("birthday_day") and (not v.get("birthday_day") or not 1 <= v["birthday_day"] <= max_day):
            ctx.error(row, "birthday_day", _("应为 1–%(n)d") % {"n": max_day})
    for f in ("birthday_kind",):
        if v.get(f) is None:
            v[f] = ""
    return row.failed is None


def _contract_validate(row: Row, ctx: ImportContext) -> bool:
    v = row.values
    if row.ok("end_on", "start_on") and v["end_on"] < v["start_on"]:
        ctx.error(row, "end_on", _("不能早于开始日期"))
    if "kind" in v and not v.get("kind"):
        v["kind"] = "purchase"  # A18.2: a contract without a stated type is a purchase contract
    if "payment_terms" in v and v.get("payment_terms") is None:
        v["payment_terms"] = ""
    return row.failed is None


register(ImportKind(
    name="contacts", label=_l("联系人"), key=("customer", "name"), roles=HEAD,
    columns=[
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("name", _l("姓名"), "Name", required=True, max_length=60, example="林国栋", aliases=("联系人",)),
        Column("title", _l("职务"), "Title", max_length=60, example="采购总监"),
        Column("phone", _l("电话"), "Phone", example="13800138000", aliases=("手机", "联系电话", "手机号")),
        Column("wechat", _l("微信"), "WeChat", example="lin_gd", aliases=("微信号", "企业微信")),
        Column("email", _l("邮箱"), "Email", example="lin@example.cn", aliases=("电子邮箱",)),
        Column("is_decision_maker", _l("决策层"), "Decision maker", type="bool", example="是",
               note=_l("决策层的电话、微信、邮箱为核心数据（A7.1）")),
        Column("birthday_kind", _l("生日历法"), "Birthday calendar", type="choice", example="农历",
               choices=(("公历", "solar"), ("阳历", "solar"), ("农历", "lunar"), ("阴历", "lunar"))),
        Column("birthday_month", _l("生日月"), "Birthday month", type="int", min_value=1, max_value=12, example="8"),
        Column("birthday_day", _l("生日日"), "Birthday day", type="int", min_value=1, max_value=31, example="15"),
        Column("birthday_leap_month", _l("闰月"), "Leap month", type="bool", example="否"),
    ],
    handler=ContactHandler(Contact, key=("customer", "name"), refs=("customer",), resolve=check_customer_refs,
                           fields=("customer", "name", "title", "phone", "wechat", "email", "is_decision_maker"),
                           secret_fields=frozenset({"phone", "wechat", "email", "birthday"}),
                           validate=_contact_validate, derive=set_contact_keys),
    description=_l("按「客户 + 姓名」新增或更新联系人；联系方式加密保存。"),
    core_columns=lambda: ("phone", "wechat", "email")))  # A7.1: decision makers' contact details are core


register(ImportKind(
    name="contracts", label=_l("合同"), key=("number",), roles=HEAD,
    columns=[
        Column("number", _l("合同编号"), "Contract number", required=True, max_length=60, example="HT-2026-0018",
               aliases=("合同号",)),
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("signed_on", _l("签订日期"), "Signed on", type="date", example="2026-01-08"),
        Column("start_on", _l("开始日期"), "Start", type="date", required=True, example="2026-01-10",
               aliases=("生效日期",)),
        Column("end_on", _l("结束日期"), "End", type="date", example="2027-01-09", aliases=("到期日期", "终止日期")),
        Column("terms_summary", _l("条款摘要"), "Terms", example="年度框架协议，月结 60 天"),
        # A18.2: type, amount ceiling, payment terms
        Column("kind", _l("合同类型"), "Type", type="choice", example="框架合同",
               choices=(("框架合同", "framework"), ("框架", "framework"), ("采购合同", "purchase"), ("采购", "purchase"),
                        ("服务合同", "service"), ("服务", "service"))),
        Column("amount_ceiling", _l("金额上限（元）"), "Amount ceiling", type="money", example="5000000.00",
               aliases=("金额上限", "合同金额")),
        Column("payment_terms", _l("付款条件"), "Payment terms", example="月结 60 天", aliases=("付款方式", "账期")),
    ],
    handler=customer_model_handler(Contract, key=("number",),
                         fields=("number", "customer", "signed_on", "start_on", "end_on", "terms_summary", "kind",
                                 "amount_ceiling", "payment_terms"),
                         secret_fields=frozenset({"terms_summary", "payment_terms"}), validate=_contract_validate),
    description=_l("按合同编号新增或更新合同（A18.2）。"), core_columns=_contract_core_columns))
