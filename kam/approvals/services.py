"""Writes of approvals, called by the chapters' own services inside their transactions: ask for a decision,
record it, withdraw the question — each writes its audit row and the notifications of the people who must act
or who are affected (inbox, e-mail, WeCom application message; never a group robot, never core data)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.approvals.models import Approval, ApprovalState
from kam.approvals.registry import kind as kind_of
from kam.audit.services import audit_log
from kam.notify.services import notify_role, notify_user
from kam.users.models import User

DECISION_WORDS = {ApprovalState.APPROVED: _("已批准"), ApprovalState.RETURNED: _("已退回"),
                  ApprovalState.REFUSED: _("已拒绝"), ApprovalState.WITHDRAWN: _("已撤回")}


def _subject(subject: models.Model) -> tuple[str, int]:
    return subject._meta.label_lower, int(subject.pk)


@transaction.atomic
def approval_request(*, kind: str, subject: models.Model, title: str, url: str, requested_by: User | None,
                     approver_role: str = "", approver: User | None = None, customer=None,
                     note: str = "") -> Approval:
    """Ask for a decision; an earlier pending question about the same subject is replaced (re-submission)."""
    k = kind_of(kind)
    if not approver_role and approver is None:
        raise ValueError("an approval needs an approver role or person")
    subject_type, subject_id = _subject(subject)
    now = timezone.now()
    Approval.objects.filter(kind=kind, subject_type=subject_type, subject_id=subject_id,
                            state=ApprovalState.PENDING).update(state=ApprovalState.WITHDRAWN, decided_at=now)
    approval = Approval.objects.create(kind=kind, subject_type=subject_type, subject_id=subject_id,
                                       title=title[:200], url=url, customer=customer, requested_by=requested_by,
                                       requested_at=now, approver_role=approver_role, approver=approver,
                                       rule=k.rule)
    audit_log(actor=requested_by, action="approvals.approval.requested", target=approval, rule=k.rule,
              changes={"kind": kind, "subject": f"{subject_type}:{subject_id}", "approver_role": approver_role,
                       "approver": approver.pk if approver else None})
    message = {"title": _("【待审批】%(kind)s：%(title)s") % {"kind": k.label, "title": title},
               "body": (f"{k.rule} · " if k.rule else "") + (note or _("请审批。")),
               "url": url, "rule": k.rule, "dedupe_key": f"approval:{approval.pk}:requested"}
    if approver is not None:
        notify_user(user=approver, **message)
    else:
        for user in User.objects.filter(is_active=True, role_grants__role=approver_role).distinct():
            if requested_by is None or user.pk != requested_by.pk:
                notify_user(user=user, **message)
    return approval


@transaction.atomic
def approval_decide(*, kind: str, subject: models.Model, actor: User | None, state: str, comment: str = "",
                    notify: Iterable[User] = (), note: str = "", word: str = "") -> Approval | None:
    """Record the decision on the pending question about `subject` and tell the requester and the people
    affected (`notify`: e.g. the account managers who gain or lose key accounts)."""
    if state not in (ApprovalState.APPROVED, ApprovalState.RETURNED, ApprovalState.REFUSED,
                     ApprovalState.WITHDRAWN):
        raise ValueError(state)
    subject_type, subject_id = _subject(subject)
    approval = (Approval.objects.select_for_update().filter(kind=kind, subject_type=subject_type,
                                                            subject_id=subject_id, state=ApprovalState.PENDING)
                .order_by("-requested_at").first())
    if approval is None:
        return None
    approval.state, approval.decided_by, approval.decided_at = state, actor, timezone.now()
    approval.comment = comment.strip()[:500]
    approval.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    audit_log(actor=actor, action=f"approvals.approval.{state}", target=approval, rule=approval.rule,
              changes={"kind": kind, "comment": approval.comment})
    k = kind_of(kind)
    word = word or DECISION_WORDS[ApprovalState(state)]
    body = "；".join(x for x in ((f"{k.rule}" if k.rule else ""), note, (_("意见：") + approval.comment
                                                                       if approval.comment else "")) if x)
    message = {"title": _("【%(word)s】%(kind)s：%(title)s") % {"word": word, "kind": k.label, "title": approval.title},
               "body": body or str(word), "url": approval.url, "rule": k.rule,
               "dedupe_key": f"approval:{approval.pk}:{state}"}
    told = set()
    for user in [approval.requested_by, *notify]:
        if user is not None and user.pk not in told and (actor is None or user.pk != actor.pk):
            notify_user(user=user, **message)
            told.add(user.pk)
    return approval


def announce(*, users: Iterable[User] = (), role: str = "", title: str, body: str = "", url: str = "",
             rule: str = "", key: str) -> None:
    """A workflow step that asks nothing but that people must hear of (a designation gained or lost, a handover,
    a policy version published): personal channels only, once per key and person."""
    seen = set()
    for user in users:
        if user is not None and user.pk not in seen:
            notify_user(user=user, title=title, body=body, url=url, rule=rule, dedupe_key=key)
            seen.add(user.pk)
    if role:
        notify_role(role=role, title=title, body=body, url=url, rule=rule, dedupe_key=key)
