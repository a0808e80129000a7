"""The audit trail in the reader's language (issue 13): 「关闭了客户需求 R-2026-004」 instead of
`demands.request.closed`, field labels instead of field names, old → new instead of Python dicts.

Action codes are `<app>.<entity>.<verb>`; the entity and the verb are translated from the tables below (an app
adding a new entity or verb adds a line here or gets a sensible fallback: the code itself, in small type).
Core values never reach this module: the audit stores only the names of core fields that changed (A7.2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ENTITIES: dict[str, Any] = {
    "approvals.approval": _("审批"), "care.action": _("关怀"), "care.commitment": _("客户承诺"),
    "care.gift": _("礼品"), "care.holiday": _("公司节日"), "care.occasion": _("重要日子"), "confidentiality.field": _("字段密级"), "core.field_keys": _("字段加密密钥"),
    "customers.assignment": _("客户经理分配"), "customers.contact": _("联系人"), "customers.contract": _("合同"),
    "customers.customer": _("客户"), "customers.floor_price": _("底价"), "customers.search_keys": _("搜索索引"), "demands.request": _("客户需求"),
    "demo.": _("演示数据"), "dossier.license": _("资质证照"), "dossier.section": _("档案部分"),
    "engagement.calendar_feed": _("日历订阅"), "engagement.contact": _("沟通记录"), "engagement.visit": _("拜访"),
    "exchange.import": _("数据导入"), "exchange.mapping": _("导入列映射"), "notify.robot": _("群机器人"),
    "notify.wecom_app": _("企业微信应用"), "obligations.obligation": _("逾期事项"), "orders.order": _("订单"),
    "orders.quality_dispute": _("质量争议"), "orders.return": _("退货"), "policy.version": _("政策版本"),
    "qualification.initial_list": _("上线时的大客户名单"), "qualification.proposal": _("年中调整提议"),
    "qualification.review": _("年度评审"), "qualification.tiers": _("大客户层级"),
    "receivables.invoice": _("发票"), "receivables.payment": _("回款"), "service.care": _("保养指导/培训"),
    "service.ticket": _("售后工单"), "users.api_token": _("API 令牌"), "users.login": _("登录"),
    "users.password": _("密码"), "users.role": _("角色"), "users.user": _("用户"), "users.2fa": _("两步验证"),
    "policy.operating": _("运营设置"),
}
VERBS: dict[str, Any] = {
    "registered": _("登记了"), "done": _("记录兑现了"), "given": _("记录赠送了"), "added": _("添加了"),
    "created": _("新建了"), "updated": _("修改了"), "closed": _("关闭了"), "opened": _("登记了"), "logged": _("登记了"),
    "assigned": _("指派了"), "escalated": _("升级了"), "feedback": _("记录了反馈："), "outcome": _("记录了处理结果："),
    "responded": _("响应了"), "solution_proposed": _("提出了初步方案："), "anonymised": _("匿名化了"),
    "changed": _("变更了"), "set": _("设置了"), "saved": _("保存了"), "confirmed": _("确认了"), "booked": _("预约了"),
    "cancelled": _("取消了"), "photo_added": _("上传了照片："), "recorded": _("记录了"), "revoked": _("撤销了"),
    "uploaded": _("上传了"), "enabled": _("启用或停用了"), "acknowledged": _("说明了"), "draft": _("起草了"),
    "publish": _("发布了"), "return": _("退回了"), "submit": _("提交了"), "update": _("修改了"),
    "approved": _("批准了"), "rejected": _("驳回了"), "returned": _("退回了"), "submitted": _("提交了"),
    "decided": _("决定了"), "drafted": _("起草了"), "candidate_added": _("添加候选客户到"),
    "recomputed": _("重新计算了"), "on_site": _("记录到场："), "paused": _("暂停了上门计时："),
    "resumed": _("恢复了上门计时："), "reopened": _("重开了"), "resolved": _("解决了"), "classified": _("调整了"),
    "rotated": _("轮换了"), "succeeded": _("成功"), "failed": _("失败"), "throttled": _("被限制"),
    "throttle_lifted": _("解除了限制："), "deactivated": _("停用了"), "reactivated": _("恢复了"),
    "roles_changed": _("调整了角色："), "granted": _("授予了"), "requested": _("提请了"), "refused": _("拒绝了"),
    "withdrawn": _("撤回了"), "generated": _("生成了"), "loaded": _("载入了"), "reset": _("重置了"),
    "rebuilt": _("重建了"), "inclusion": _("提议破格纳入"), "removal": _("提议移出"), "keep": _("记录保留理由"),
    "scheduled": _("预约了上门："), "retried": _("重试了"), "file_removed": _("删除了上传文件："),
    "disabled": _("停用了"), "pending": _("提请了"), "imported": _("导入了"),
    "ended": _("终止了"),
}
#: the keys of `changes` that are not model fields (counts, notes, the demo's summary …), by name
WORDS: dict[str, Any] = {
    "at": _("时间"), "on": _("日期"), "reason": _("原因"), "note": _("说明"), "kind": _("类型"), "how": _("方式"),
    "to": _("对象"), "created": _("新建"), "price": _("价格"), "product_series": _("产品系列"),
    "later_date": _("改约日期"), "remotely": _("远程处理"), "roles": _("角色"), "subject": _("审批事项"),
    "customer": _("客户"), "total": _("总价值"), "channels": _("联系方式"), "lines": _("明细行数"), "added": _("新增"), "core": _("核心"),
    "included": _("纳入"), "kept": _("保留"), "policy": _("政策版本"), "removed": _("移出"), "invoices": _("发票"),
    "counts": _("数量"), "file": _("文件"), "users": _("用户"), "customers": _("客户"),
    "assignments": _("客户经理分配"), "contacts": _("联系人"), "floor_prices": _("底价"), "contracts": _("合同"),
    "orders": _("订单"), "order_lines": _("订单明细"), "cancelled_orders": _("已取消订单"), "returns": _("退货"),
    "quality_disputes": _("质量争议"), "payments": _("回款"), "allocations": _("回款核销"),
    "key accounts": _("大客户"), "contact logs": _("沟通记录"), "visits": _("拜访"), "alerts": _("提醒"),
    "fields": _("字段"), "comment": _("意见"), "state": _("状态"), "department": _("部门"), "assignee": _("负责人"),
    "username": _("用户名"), "display_name": _("姓名"), "email": _("电子邮件"), "count": _("数量"),
    "created_count": _("新建数量"), "updated_count": _("修改数量"), "rows": _("行数"), "errors": _("错误数"),
    "approver_role": _("审批角色"), "effective_at": _("生效时间"), "year": _("年份"), "period": _("评审期"),
}
LOGIN_EVENTS: dict[str, Any] = {"users.login.succeeded": _("登录成功"), "users.login.failed": _("登录失败"),
                                "users.login.throttled": _("登录被限制"), "users.logout": _("退出登录")}


def action_label(code: str) -> tuple[str, bool]:
    """(the Chinese phrase, whether it is a translation — False: the code itself is shown)."""
    if code in LOGIN_EVENTS:
        return str(LOGIN_EVENTS[code]), True
    head, _sep, verb = code.rpartition(".")
    entity = ENTITIES.get(head) or ENTITIES.get(head.split(".")[0] + ".")
    if entity is None:  # e.g. exchange.import.<kind>.updated
        for key, value in ENTITIES.items():
            if head.startswith(key + ".") or code.startswith(key + "."):
                entity = value
                verb = verb if verb in VERBS else code[len(key) + 1:].split(".")[-1]
                break
    word = VERBS.get(verb)
    if entity is None or word is None:
        imported = _import_label(code)
        return (imported, True) if imported else (code, False)
    return f"{word}{entity}", True


def _import_label(code: str) -> str:
    """exchange.import.<kind>: 「导入了发票」."""
    prefix = "exchange.import."
    if not code.startswith(prefix):
        return ""
    from kam.exchange.registry import get_kind

    try:
        kind = get_kind(code[len(prefix):])
    except (KeyError, LookupError):
        return ""
    return f"{VERBS['imported']}{kind.label}"


def model_label(target_type: str) -> str:
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name)


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str
    secret: bool = False  # a core or personal field: named, never valued


def _enumerations() -> dict[str, str]:
    return _enumerations_in(get_language() or "")


@lru_cache(maxsize=8)
def _enumerations_in(language: str) -> dict[str, str]:
    """Every stored enumeration value of the installed models (choices), the roles and the approval kinds, with
    its label: a value stored in `changes` outside its field (a pause reason, an approver role) still reads in
    Chinese (issue 13: no English enumeration value visible)."""
    from kam.approvals.registry import kinds
    from kam.users.models import Role

    labels: dict[str, str] = {}
    for model in apps.get_models():
        for f in model._meta.get_fields():
            for value, label in getattr(f, "flatchoices", None) or ():
                if isinstance(value, str) and value:
                    labels.setdefault(value, str(label))
    labels.update({value: str(label) for value, label in Role.choices})
    labels.update({key: str(k.label) for key, k in kinds().items()})
    return labels


def _subject(value: str) -> str | None:
    """`app.model:id` (an approval's subject) → 「客户需求 #3」."""
    target, sep, pk = value.partition(":")
    if not sep or not pk.isdigit() or "." not in target:
        return None
    label = model_label(target)
    return None if label == target else f"{label} #{pk}"


def _show(value: Any, choices: dict[str, str] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list | tuple):
        return "、".join(_show(v, choices) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{_word(str(k))} {_show(v, choices)}" for k, v in value.items())
    if isinstance(value, str) and choices is not None:
        if value in choices:
            return choices[value]
        subject = _subject(value)
        if subject:
            return subject
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        from django.utils import timezone

        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _word(name: str) -> str:
    return str(WORDS[name]) if name in WORDS else name


def field_label(target_type: str, name: str) -> str:
    """The field's label; a relation without its own label takes the related model's; a key that is no field
    (a note, a count) its word from WORDS."""
    try:
        model = apps.get_model(target_type)
        f = model._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return _word(name)
    label = str(getattr(f, "verbose_name", "") or "")
    if not label or label == name.replace("_", " "):  # Django's default label: the name itself
        related = getattr(f, "related_model", None)
        return str(related._meta.verbose_name) if related is not None else _word(name)
    return label


def readable_changes(target_type: str, changes: Any, masked: frozenset[str]) -> list[Change]:
    """old → new per field, with the field's label; masked (core) fields are named only."""
    if not isinstance(changes, dict):
        return []
    choices = _enumerations()
    out = []
    for name, value in changes.items():
        label = field_label(target_type, name) if target_type else _word(name)
        if name in masked or (isinstance(value, dict) and value.get("changed") is True and len(value) == 1):
            out.append(Change(label, "", "", secret=True))
        elif isinstance(value, dict) and ("old" in value or "new" in value):
            out.append(Change(label, _show(value.get("old"), choices), _show(value.get("new"), choices)))
        else:
            out.append(Change(label, "", _show(value, choices)))
    return out
