"""Writes of the policy configuration (A2.3): draft, update, submit, return, publish.

Who may do what (A2.3):
* the head of sales drafts, edits and submits versions;
* a version that changes only qualification criteria (`qualification.*`) may be published
  by the head of sales directly (the criteria are published yearly by the head of sales);
* any other change is company policy: the head of sales submits it and management approves and
  publishes it, or returns it with a comment.

Every transition is atomic and writes `policy.version.<verb>` to the audit trail, with the
settings that change (old/new).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.approvals.models import ApprovalState
from kam.approvals.services import announce, approval_decide, approval_request
from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.policy import selectors
from kam.policy.models import PolicyVersion
from kam.policy.schema import SETTINGS, validate_values
from kam.policy.signals import policy_published
from kam.users.models import Role, User

RULE = "A2.3"
Status = PolicyVersion.Status


def _require_head_of_sales(actor, what: str) -> None:
    require_role(actor, Role.HEAD_OF_SALES,
                 message=_("只有销售部负责人可以%(what)s政策版本（A2.3）。") % {"what": what})


def _lock(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().get(pk=version.pk)


def _clean_note(note: str, *, field: str = "note", message: str | None = None) -> str:
    note = (note or "").strip()
    if not note:
        raise ApplicationError(message or _("请填写修订说明（A2.3）。"), field=field, rule=RULE)
    return note


def _refresh(target: PolicyVersion, source: PolicyVersion) -> PolicyVersion:
    """Copy the saved state back into the caller's instance so it does not go stale."""
    for f in PolicyVersion._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    target._loaded = source._frozen_state()
    return target


def _require_editable(version: PolicyVersion, what: str) -> None:
    if not version.is_editable:
        raise InvalidTransition(
            _("%(version)s 当前状态为「%(status)s」，不能%(what)s（A2.3）。") % {
                "version": version, "status": version.get_status_display(), "what": what},
            rule=RULE)


def _require_current_base(version: PolicyVersion, latest: PolicyVersion | None) -> None:
    """A draft must be based on the latest published version, or it would silently undo it."""
    if latest is not None and version.based_on_id != latest.pk:
        base = version.based_on
        raise InvalidTransition(
            _("该草案基于%(base)s，此后已发布%(latest)s；请先更新草案（A2.3）。") % {
                "base": base if base is not None else _("（无）"), "latest": latest},
            rule=RULE)


def _changes(rows: list[selectors.DiffRow], **extra: Any) -> dict:
    changes: dict[str, Any] = selectors.diff_as_changes(rows)
    changes.update(extra)
    return changes


def _status_change(old: str | None, new: str) -> dict:
    return {"old": old, "new": new}


@transaction.atomic
def policy_version_draft(*, actor, values: dict, note: str,
                         based_on: PolicyVersion | None = None) -> PolicyVersion:
    """A2.3: the head of sales drafts a new version (a complete snapshot of every setting)."""
    _require_head_of_sales(actor, _("起草"))
    clean = validate_values(values)
    note = _clean_note(note)
    if based_on is None:
        based_on = selectors.latest_published_version()
    elif not based_on.is_published:
        raise ApplicationError(_("草案只能基于已发布的政策版本（A2.3）。"), field="based_on", rule=RULE)
    now = timezone.now()
    version = PolicyVersion.objects.create(status=Status.DRAFT, values=clean, note=note, based_on=based_on,
                                           created_by=actor, created_at=now, updated_at=now)
    rows = selectors.values_diff(based_on.values if based_on else None, clean)
    audit_log(actor=actor, action="policy.version.draft", target=version, rule=RULE,
              changes=_changes(rows, status=_status_change(None, Status.DRAFT),
                               based_on=based_on.number if based_on else None))
    return version


@transaction.atomic
def policy_version_update_draft(*, actor, version: PolicyVersion, values: dict, note: str) -> PolicyVersion:
    """A2.3: edit a draft (or a returned version); it is rebased on the latest published version."""
    _require_head_of_sales(actor, _("修改"))
    locked = _lock(version)
    _require_editable(locked, _("修改"))
    clean = validate_values(values)
    note = _clean_note(note)
    rows = selectors.values_diff(locked.values, clean)
    old_status = locked.status
    latest = selectors.latest_published_version()
    locked.values = clean
    locked.note = note
    locked.based_on = latest
    locked.status = Status.DRAFT
    locked.updated_at = timezone.now()
    locked.save()
    audit_log(actor=actor, action="policy.version.update", target=locked, rule=RULE,
              changes=_changes(rows, status=_status_change(old_status, Status.DRAFT)))
    return _refresh(version, locked)


@transaction.atomic
def policy_version_submit(*, actor, version: PolicyVersion) -> PolicyVersion:
    """A2.3: the head of sales submits a draft to management for approval."""
    _require_head_of_sales(actor, _("提交"))
    locked = _lock(version)
    _require_editable(locked, _("提交"))
    latest = selectors.latest_published_version()
    _require_current_base(locked, latest)
    validate_values(locked.values)
    rows = selectors.values_diff(latest.values if latest else None, locked.values)
    if not rows:
        raise ApplicationError(_("该草案与现行政策完全相同，无需提交（A2.3）。"), rule=RULE)
    old_status = locked.status
    locked.status = Status.SUBMITTED
    locked.submitted_by = actor
    locked.submitted_at = locked.updated_at = timezone.now()
    locked.save()
    audit_log(actor=actor, action="policy.version.submit", target=locked, rule=RULE,
              changes=_changes(rows, status=_status_change(old_status, Status.SUBMITTED)))
    approval_request(kind="policy.version", subject=locked, url=f"/policy/versions/{locked.pk}/",
                     title=_("政策版本草案：%(n)d 项设置变更") % {"n": len(rows)}, requested_by=actor,
                     approver_role=Role.MANAGEMENT, note=_("第二条：请审批后发布或退回。"))
    return _refresh(version, locked)


@transaction.atomic
def policy_version_return(*, actor, version: PolicyVersion, comment: str) -> PolicyVersion:
    """A2.3: management returns a submitted version to the head of sales, with a comment."""
    require_role(actor, Role.MANAGEMENT, message=_("只有管理层可以退回政策版本（A2.3）。"))
    locked = _lock(version)
    if locked.status != Status.SUBMITTED:
        raise InvalidTransition(
            _("只有待审批的版本可以退回；%(version)s 当前状态为「%(status)s」（A2.3）。") % {
                "version": locked, "status": locked.get_status_display()}, rule=RULE)
    comment = _clean_note(comment, field="comment", message=_("退回时请填写意见（A2.3）。"))
    locked.status = Status.RETURNED
    locked.return_comment = comment
    locked.returned_by = actor
    locked.returned_at = locked.updated_at = timezone.now()
    locked.save()
    audit_log(actor=actor, action="policy.version.return", target=locked, rule=RULE,
              changes={"status": _status_change(Status.SUBMITTED, Status.RETURNED), "comment": comment})
    approval_decide(kind="policy.version", subject=locked, actor=actor, state=ApprovalState.RETURNED,
                    comment=comment)
    return _refresh(version, locked)


def publish_route(*, actor, version: PolicyVersion, rows: list[selectors.DiffRow]) -> str:
    """Why `actor` may publish `version` ("criteria" or "approval"), or raise (A2.3)."""
    criteria_only = all(SETTINGS[row.name].is_criterion for row in rows)
    if actor is not None and getattr(actor, "is_authenticated", False):
        if actor.has_role(Role.MANAGEMENT) and version.status == Status.SUBMITTED:
            return "approval"
        if actor.has_role(Role.HEAD_OF_SALES) and criteria_only:
            return "criteria"
        if actor.has_role(Role.HEAD_OF_SALES):
            others = [row.name for row in rows if not SETTINGS[row.name].is_criterion]
            raise AccessDenied(
                _("该版本修改了认定标准以外的设置（%(names)s），属于公司政策，须提交管理层审批发布（A2.3）。") % {
                    "names": "、".join(others)}, rule=RULE)
        if actor.has_role(Role.MANAGEMENT):
            raise InvalidTransition(
                _("管理层只能发布已提交审批的版本；%(version)s 当前状态为「%(status)s」（A2.3）。") % {
                    "version": version, "status": version.get_status_display()}, rule=RULE)
    raise AccessDenied(_("只有销售部负责人（认定标准）或管理层（其他政策设置）可以发布政策版本（A2.3）。"), rule=RULE)


@transaction.atomic
def policy_version_publish(*, actor, version: PolicyVersion, effective_from: dt.datetime) -> PolicyVersion:
    """A2.3: publish a version with its effective date; it then applies from `effective_from` (G.1).

    Criteria-only changes: the head of sales publishes directly. Anything else: management
    publishes a submitted version (approval and publication in one step).
    """
    if not isinstance(effective_from, dt.datetime) or timezone.is_naive(effective_from):
        raise ApplicationError(_("生效时间必须是带时区的日期时间（A2.3）。"), field="effective_from", rule=RULE)
    locked = _lock(version)
    if locked.status not in (Status.DRAFT, Status.RETURNED, Status.SUBMITTED):
        raise InvalidTransition(_("%(version)s 已发布，不能再次发布（A2.3）。") % {"version": locked}, rule=RULE)
    latest = selectors.latest_published_version()
    clean = validate_values(locked.values)
    rows = selectors.values_diff(latest.values if latest else None, clean)
    route = publish_route(actor=actor, version=locked, rows=rows)
    _require_current_base(locked, latest)
    if not rows:
        raise ApplicationError(_("该版本与现行政策完全相同，无需发布（A2.3）。"), rule=RULE)
    if latest is not None and latest.effective_from is not None and effective_from < latest.effective_from:
        raise ApplicationError(
            _("生效时间不得早于上一版本（%(version)s）的生效时间 %(date)s（A2.3）。") % {
                "version": latest, "date": timezone.localtime(latest.effective_from).strftime("%Y-%m-%d %H:%M")},
            field="effective_from", rule=RULE)
    now = timezone.now()
    if effective_from < now:
        # G.1: a published version never rewrites periods that already started. A date of today means "now".
        if timezone.localdate(effective_from) == timezone.localdate(now):
            effective_from = now
        else:
            raise ApplicationError(
                _("生效时间不能早于今天：已开始的周期和时限按当时有效的版本判定（G.1）。"),
                field="effective_from", rule="G.1")
    old_status = locked.status
    number = (PolicyVersion.objects.filter(status=Status.PUBLISHED).aggregate(m=Max("number"))["m"] or 0) + 1
    locked.values = clean
    locked.number = number
    locked.status = Status.PUBLISHED
    locked.effective_from = effective_from
    locked.published_by = actor
    locked.published_at = locked.updated_at = now
    locked.save()
    audit_log(actor=actor, action="policy.version.publish", target=locked, rule=RULE,
              changes=_changes(rows, status=_status_change(old_status, Status.PUBLISHED), number=number,
                               effective_from=effective_from.isoformat(), route=route,
                               replaces=latest.number if latest else None))
    selectors.clear_cache()
    transaction.on_commit(selectors.clear_cache)
    policy_published.send(sender=PolicyVersion, version=locked)  # e.g. the engine re-judges its obligations
    approval_decide(kind="policy.version", subject=locked, actor=actor, state=ApprovalState.APPROVED,
                    word=_("已发布"))
    # A2.3 公示: everyone hears that a new version applies, and from when
    announce(users=User.objects.filter(is_active=True).exclude(role_grants=None),
             title=_("【政策发布】%(v)s 自 %(d)s 起生效") % {"v": locked, "d": timezone.localtime(effective_from).strftime(
                 "%Y-%m-%d %H:%M")}, body=_("%(n)d 项设置变更，详见政策设置页。") % {"n": len(rows)}, url="/policy/",
             rule="A2.3", key=f"policy:{locked.pk}:published")
    return _refresh(version, locked)


# --- operating settings (kam.policy.operating) ----------------------------------------------------------------

@transaction.atomic
def operating_setting_set(*, actor, key: str, value) -> Any:
    """Change an operating setting (a number the issues call a setting that the policy index does not list):
    the administrator or the head of sales; the value is checked by the setting's own parser (a message naming
    the setting); audited with the old and the new value; the cached values are refreshed when it commits."""
    from kam.policy import operating
    from kam.policy.models import OperatingSetting
    from kam.users.models import Role

    require_role(actor, Role.ADMINISTRATOR, Role.HEAD_OF_SALES,
                 message=_("只有系统管理员和销售部负责人可以修改运营设置。"))
    try:
        spec = operating.spec(key)
    except LookupError:
        raise ApplicationError(_("没有这项运营设置。"), field="key") from None
    try:
        new = spec.parse(value)
    except ValueError as exc:
        raise ApplicationError(_("「%(label)s」%(error)s") % {"label": spec.label, "error": exc}, field="value",
                               rule=spec.rule) from None
    old = operating.operating_value(key)
    row = OperatingSetting.objects.select_for_update().filter(key=key).first()
    if row is None:
        row = OperatingSetting(key=key)
    row.value, row.updated_by, row.updated_at = new, actor, timezone.now()
    row.save()
    audit_log(actor=actor, action="policy.operating.updated", target=row, rule=spec.rule,
              changes={"value": {"old": spec.show(old), "new": spec.show(new)}})
    operating.clear_cache()
    transaction.on_commit(operating.clear_cache)
    return new
