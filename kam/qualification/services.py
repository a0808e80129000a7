"""Writes of designation: reviews (A5.1), tiers (A5.3), mid-year proposals (A5.2), the cap (A9.1)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.approvals.models import ApprovalState
from kam.approvals.services import announce, approval_decide, approval_request
from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import ApplicationError, InvalidTransition, PolicyViolation
from kam.customers.models import AccountAssignment, Customer
from kam.customers.services import customer_assign_manager
from kam.obligations.store import reflect
from kam.policy.selectors import policy_in_force
from kam.qualification import selectors
from kam.qualification.criteria import Criteria, assess, meets_exceptional, no_longer_meets, split_tiers
from kam.qualification.facts import Facts, compute_facts, months_back, purchase_amounts, review_period
from kam.qualification.models import (
    Candidate,
    Decision,
    Designation,
    DesignationSource,
    Flag,
    FlagKind,
    FlagRun,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Review,
    ReviewKind,
    ReviewStatus,
    Tier,
    TierChange,
)
from kam.users.models import Role, User


def _policy_of(review: Review):
    """G.1: a review is judged under the policy version in force when it was opened."""
    return policy_in_force(at=review.opened_at or timezone.now())


#: the draft also lists assessed customers (potential / influence) from this share of the amount threshold
DRAFT_NEAR_SHARE = Decimal("0.5")


def _cap(policy) -> int:
    return int(policy["portfolio.max_accounts_per_manager"])


# --- annual review (A5.1) --------------------------------------------------------------------

@transaction.atomic
def review_open(*, actor: User, year: int | None = None) -> Review:
    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以开启年度评审（A5.1）。"))
    now = timezone.now()
    year = year or timezone.localdate().year
    if Review.objects.filter(kind=ReviewKind.ANNUAL, year=year).exists():
        raise ApplicationError(_("%(y)s 年度评审已开启。") % {"y": year}, field="year", rule="A5.1")
    policy = policy_in_force(at=now)
    start, end = review_period(year=year, review_month=int(policy["review.month"]),
                               period_months=int(policy["review.period_months"]))
    review = Review.objects.create(kind=ReviewKind.ANNUAL, year=year, period_start=start, period_end=end,
                                   policy_version_id=policy.version_id, policy_number=policy.number, opened_by=actor)
    audit_log(actor=actor, action="qualification.review.opened", target=review, rule="A5.1",
              changes={"year": year, "period": [start, end], "policy": policy.number})
    review_draft(actor=actor, review=review)
    return review


@transaction.atomic
def review_draft(*, actor: User, review: Review) -> dict[str, int]:
    """Draft (or re-draft) the candidates from the facts; idempotent. Decisions already taken stay,
    flagged when the facts behind them changed."""
    require_role(actor, Role.HEAD_OF_SALES)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.editable:
        raise InvalidTransition(_("评审已提交或已批准，不能重新生成草稿。"), rule="A5.1")
    policy = _policy_of(review)
    criteria = Criteria.from_policy(policy)
    current = selectors.key_account_ids()
    existing = {c.customer_id: c for c in Candidate.objects.filter(review=review)}
    near = criteria.min_amount * DRAFT_NEAR_SHARE
    # pass 1: the purchase amounts of everyone; pass 2: the full facts of those the draft can list
    amounts = purchase_amounts(start=review.period_start, end=review.period_end, basis=criteria.basis)
    wanted = {cid for cid, amount in amounts.items() if amount >= near} | current | set(existing)
    facts = compute_facts(start=review.period_start, end=review.period_end, basis=criteria.basis,
                          customers=list(wanted)) if wanted else {}
    create, update = [], []
    counts: Counter = Counter()
    rows = []
    for cid, f in facts.items():
        a = assess(f, criteria, review.period_end)
        # the draft lists who could be a key account: the amount met, a current key account, or an assessed
        # customer near the amount; any other customer can be added by hand (candidate_add)
        if not (a.meets_amount or cid in current or cid in existing or (a.meets_assessed and f.amount >= near)):
            continue
        rows.append((cid, f, a))
    managers = dict(Customer.objects.filter(pk__in=[cid for cid, _f, _a in rows]).values_list(
        "id", "account_manager_id")) if len(rows) < 20000 else dict(
        Customer.objects.values_list("id", "account_manager_id"))
    for cid, f, a in rows:
        draft = Decision.INCLUDE if a.qualifies else Decision.EXCLUDE
        data = f.as_json()
        values = {"facts": data, "facts_hash": f.digest(data), "meets_amount": a.meets_amount,
                  "meets_years": a.meets_years, "meets_assessed": a.meets_assessed, "qualifies": a.qualifies,
                  "currently_key": cid in current, "amount": f.amount, "draft": draft}
        cand = existing.get(cid)
        if cand is None:
            create.append(Candidate(review=review, customer_id=cid, proposed_manager_id=managers.get(cid), **values))
            counts["new"] += 1
            continue
        if cand.facts_hash == values["facts_hash"] and cand.currently_key == values["currently_key"]:
            continue  # nothing changed: nothing to write
        if cand.decision:
            cand.facts_changed = True
        counts["refreshed"] += 1
        for k, v in values.items():
            setattr(cand, k, v)
        update.append(cand)
    Candidate.objects.bulk_create(create, batch_size=2000)
    if update:
        Candidate.objects.bulk_update(update, ["facts", "facts_hash", "meets_amount", "meets_years", "meets_assessed",
                                               "qualifies", "currently_key", "amount", "draft", "facts_changed"],
                                      batch_size=1000)
    _preview_tiers(review, policy)
    review.drafted_at = timezone.now()
    review.save(update_fields=["drafted_at"])
    audit_log(actor=actor, action="qualification.review.drafted", target=review, rule="A5.1",
              changes={"customers": len(facts), "candidates": len(rows), **counts})
    return dict(counts)


@transaction.atomic
def candidate_add(*, actor: User, review: Review, customer: Customer) -> Candidate:
    """Add a customer the draft did not list (sales may include any customer, with a reason, A5.1)."""
    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以调整评审名单（A5.1）。"))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.editable:
        raise InvalidTransition(_("评审已提交或已批准，不能修改。"), rule="A5.1")
    existing = Candidate.objects.filter(review=review, customer=customer).first()
    if existing is not None:
        return existing
    criteria = Criteria.from_policy(_policy_of(review))
    f = compute_facts(start=review.period_start, end=review.period_end, basis=criteria.basis,
                      customers=[customer.pk]).get(customer.pk, Facts(customer_id=customer.pk))
    a = assess(f, criteria, review.period_end)
    data = f.as_json()
    cand = Candidate.objects.create(
        review=review, customer=customer, facts=data, facts_hash=f.digest(data), meets_amount=a.meets_amount,
        meets_years=a.meets_years, meets_assessed=a.meets_assessed, qualifies=a.qualifies,
        currently_key=selectors.is_key_account(customer.pk), amount=f.amount,
        draft=Decision.INCLUDE if a.qualifies else Decision.EXCLUDE, proposed_manager_id=customer.account_manager_id)
    audit_log(actor=actor, action="qualification.review.candidate_added", target=review, rule="A5.1",
              changes={"customer": customer.pk})
    return cand


def _preview_tiers(review: Review, policy) -> None:
    """A5.3 over the accounts the review currently includes (shown as the tier each would get)."""
    cands = list(Candidate.objects.filter(review=review).only("id", "amount", "draft", "decision", "tier"))
    included = {c.id: c.amount for c in cands if c.included}
    tiers = split_tiers(included, Decimal(str(policy["tiers.core_share"])), int(policy["tiers.min_core"]))
    changed = []
    for c in cands:
        tier = tiers.get(c.id, "")
        if c.tier != tier:
            c.tier = tier
            changed.append(c)
    if changed:
        Candidate.objects.bulk_update(changed, ["tier"], batch_size=1000)


@transaction.atomic
def candidates_decide(*, actor: User, review: Review, candidate_ids: list[int], decision: str | None,
                      reason: str = "", manager: User | None = None) -> int:
    """Sales includes or excludes rows against the draft (each change with a reason) and proposes managers."""
    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以调整评审名单（A5.1）。"))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.editable:
        raise InvalidTransition(_("评审已提交或已批准，不能修改。"), rule="A5.1")
    if decision not in (None, "", Decision.INCLUDE, Decision.EXCLUDE):
        raise ApplicationError(_("无效的决定：%(d)s") % {"d": decision}, field="decision")
    if manager is not None and not manager.has_role(Role.ACCOUNT_MANAGER):
        raise ApplicationError(_("%(u)s 不是客户经理。") % {"u": manager}, field="manager", rule="A9.2")
    cands = list(Candidate.objects.filter(review=review, pk__in=candidate_ids))
    if not cands:
        raise ApplicationError(_("请至少选择一行。"), field="candidates")
    reason = reason.strip()
    now = timezone.now()
    for c in cands:
        if decision is not None:
            against_draft = decision and decision != c.draft
            if against_draft and not reason:
                raise ApplicationError(_("与系统建议不同的决定须填写理由（%(c)s）。") % {"c": c.customer.name},
                                       field="reason", rule="A5.1")
            c.decision = decision or ""
            c.reason = reason
            c.decided_by, c.decided_at = actor, now
            c.facts_changed = False
        if manager is not None:
            c.proposed_manager = manager
    Candidate.objects.bulk_update(cands, ["decision", "reason", "decided_by", "decided_at", "facts_changed",
                                          "proposed_manager"])
    _preview_tiers(review, _policy_of(review))
    audit_log(actor=actor, action="qualification.review.decided", target=review, rule="A5.1",
              changes={"customers": [c.customer_id for c in cands], "decision": decision, "reason": reason,
                       "manager": manager.pk if manager else None})
    return len(cands)


def review_blockers(review: Review) -> list[str]:
    """A9.1: what stops approval — a manager over the cap, or an included account without a manager."""
    policy = _policy_of(review)
    cap = _cap(policy)
    included = [c for c in Candidate.objects.filter(review=review).select_related("customer", "proposed_manager")
                if c.included]
    problems = []
    loads: Counter = Counter()
    names: dict[int, str] = {}
    in_review = {c.customer_id for c in Candidate.objects.filter(review=review)}
    for c in included:
        manager_id = c.proposed_manager_id or c.customer.account_manager_id
        if manager_id is None:
            problems.append(_("「%(c)s」没有客户经理（A9.1）。") % {"c": c.customer.name})
            continue
        loads[manager_id] += 1
        if c.proposed_manager:
            names[manager_id] = str(c.proposed_manager)
    if review.kind == ReviewKind.INITIAL:  # key accounts not on the list stay key accounts
        for cid, mid in Customer.objects.filter(pk__in=selectors.designations_open_at().values("customer_id")
                                                ).values_list("id", "account_manager_id"):
            if cid not in in_review and mid:
                loads[mid] += 1
    if loads:
        for u in User.objects.filter(pk__in=list(loads)):
            names[u.pk] = str(u)
    for mid, n in sorted(loads.items()):
        if n > cap:
            problems.append(_("客户经理 %(m)s 将负责 %(n)d 个大客户，超过上限 %(cap)d（A9.1）。")
                            % {"m": names.get(mid, mid), "n": n, "cap": cap})
    return problems


@transaction.atomic
def review_submit(*, actor: User, review: Review) -> Review:
    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以提交评审（A5.1）。"))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.editable:
        raise InvalidTransition(_("只有草稿或退回的评审可以提交。"), rule="A5.1")
    review.status = ReviewStatus.SUBMITTED
    review.submitted_by, review.submitted_at = actor, timezone.now()
    review.save(update_fields=["status", "submitted_by", "submitted_at"])
    cands = list(Candidate.objects.filter(review=review))
    included = sum(1 for c in cands if c.included)
    removed = sum(1 for c in cands if c.currently_key and not c.included)
    added = sum(1 for c in cands if c.included and not c.currently_key)
    audit_log(actor=actor, action="qualification.review.submitted", target=review, rule="A5.1",
              changes={"included": included})
    approval_request(kind="qualification.review", subject=review, url=f"/designation/reviews/{review.pk}/",
                     title=_("%(review)s：大客户 %(n)d 家（新增 %(a)d，移出 %(r)d）")
                     % {"review": review, "n": included, "a": added, "r": removed},
                     requested_by=actor, approver_role=Role.MANAGEMENT,
                     note=_("第五条：请审核大客户名单并批准或退回。"))
    reflect(rules=["A5.1"])  # the review clock changes owner or is met
    return review


@transaction.atomic
def review_return(*, actor: User, review: Review, comment: str) -> Review:
    require_role(actor, Role.MANAGEMENT, message=_("只有管理层可以退回评审（A5.1）。"))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.SUBMITTED:
        raise InvalidTransition(_("只有已提交的评审可以退回。"), rule="A5.1")
    if not comment.strip():
        raise ApplicationError(_("退回时请填写意见。"), field="comment", rule="A5.1")
    review.status = ReviewStatus.RETURNED
    review.return_comment = comment.strip()
    review.save(update_fields=["status", "return_comment"])
    audit_log(actor=actor, action="qualification.review.returned", target=review, rule="A5.1",
              changes={"comment": comment.strip()})
    approval_decide(kind="qualification.review", subject=review, actor=actor, state=ApprovalState.RETURNED,
                    comment=comment, notify=[u for u in (review.submitted_by,) if u is not None])
    reflect(rules=["A5.1"])  # the review clock changes owner or is met
    return review


def _effective_at(review: Review, policy, now: dt.datetime) -> dt.datetime:
    if policy["review.effective"] == "next_year" and review.kind == ReviewKind.ANNUAL:
        return dt.datetime(review.year + 1, 1, 1, tzinfo=timezone.get_default_timezone())
    return now


@transaction.atomic
def review_approve(*, actor: User, review: Review) -> Review:
    """A5.1 approval: refused while A9.1 blocks it; then designations, tiers (A5.3) and managers follow."""
    require_role(actor, Role.MANAGEMENT, message=_("只有管理层可以批准大客户名单（A5.1）。"))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.SUBMITTED:
        raise InvalidTransition(_("只有已提交的评审可以批准。"), rule="A5.1")
    blockers = review_blockers(review)
    if blockers:
        raise PolicyViolation(_("不能批准：") + " ".join(blockers), rule="A9.1", extra={"blockers": blockers})
    policy = _policy_of(review)
    now = timezone.now()
    effective = _effective_at(review, policy, now)
    source = DesignationSource.INITIAL_LIST if review.kind == ReviewKind.INITIAL else DesignationSource.ANNUAL_REVIEW
    cands = list(Candidate.objects.filter(review=review).select_related("customer"))
    open_now = {d.customer_id: d for d in Designation.objects.filter(ended_at__isnull=True)}
    included = [c for c in cands if c.included]
    # tiers: computed (A5.3) for annual reviews; the initial list brings its own
    if review.kind == ReviewKind.ANNUAL:
        tiers = split_tiers({c.customer_id: c.amount for c in included},
                                  Decimal(str(policy["tiers.core_share"])), int(policy["tiers.min_core"]))
    else:
        tiers = {c.customer_id: (c.tier or Tier.ORDINARY) for c in included}
    added = removed = kept = 0
    for c in included:
        tier = tiers[c.customer_id]
        current = open_now.get(c.customer_id)
        if current is None:
            started = effective
            if review.kind == ReviewKind.INITIAL and c.facts.get("designated_since"):
                started = min(effective, dt.datetime.combine(dt.date.fromisoformat(c.facts["designated_since"]),
                                                             dt.time.min, tzinfo=timezone.get_default_timezone()))
            current = Designation.objects.create(customer_id=c.customer_id, source=source, review=review, tier=tier,
                                                 started_at=started, approved_by=actor,
                                                 policy_number=review.policy_number, reason=c.reason)
            TierChange.objects.create(customer_id=c.customer_id, designation=current, tier=tier, effective_at=started,
                                      amount=c.amount, reason=str(review), computed_by=actor,
                                      policy_number=review.policy_number)
            added += 1
        else:
            kept += 1
            if current.tier != tier:
                TierChange.objects.create(customer_id=c.customer_id, designation=current, tier=tier,
                                          effective_at=effective, amount=c.amount, reason=str(review),
                                          computed_by=actor, policy_number=review.policy_number)
                current.tier = tier
                current.save(update_fields=["tier"])
        manager = c.proposed_manager_id
        if manager and manager != c.customer.account_manager_id:
            # the whole list was checked against A9.1 before approval (review_blockers)
            customer_assign_manager(actor=None, customer=c.customer, manager=User.objects.get(pk=manager),
                                    on=timezone.localdate(effective), reason=str(review))
    if review.kind == ReviewKind.ANNUAL:
        for c in cands:
            current = open_now.get(c.customer_id)
            if current is not None and not c.included:
                current.ended_at = effective
                current.end_reason = c.reason or _("年度评审未纳入")
                current.ended_by_review = review
                current.save(update_fields=["ended_at", "end_reason", "ended_by_review"])
                removed += 1
    review.status = ReviewStatus.APPROVED
    review.approved_by, review.approved_at, review.effective_at = actor, now, effective
    review.save(update_fields=["status", "approved_by", "approved_at", "effective_at"])
    audit_log(actor=actor, action="qualification.review.approved", target=review, rule="A5.1",
              changes={"added": added, "removed": removed, "kept": kept, "effective_at": effective,
                       "core": sum(1 for t in tiers.values() if t == Tier.CORE), "policy": review.policy_number})
    reflect(customer_ids={c.customer_id for c in cands})  # designations, tiers and managers changed
    reflect(rules=["A5.1"])
    approval_decide(kind="qualification.review", subject=review, actor=actor, state=ApprovalState.APPROVED,
                    notify=[u for u in (review.submitted_by,) if u is not None],
                    note=_("新增 %(a)d 家，移出 %(r)d 家，保留 %(k)d 家。") % {"a": added, "r": removed, "k": kept})
    _announce_designations(review=review, cands=cands)
    return review


def _announce_designations(*, review: Review, cands: list[Candidate]) -> None:
    """Each account manager hears which of their customers became, or stopped being, key accounts."""
    gained: dict[int, list[str]] = {}
    lost: dict[int, list[str]] = {}
    managers = dict(Customer.objects.filter(pk__in=[c.customer_id for c in cands]).values_list(
        "id", "account_manager_id"))
    for c in cands:
        manager = managers.get(c.customer_id)
        if manager is None:
            continue
        if c.included and not c.currently_key:
            gained.setdefault(manager, []).append(c.customer.name)
        elif c.currently_key and not c.included:
            lost.setdefault(manager, []).append(c.customer.name)
    for user in User.objects.filter(pk__in=set(gained) | set(lost)):
        parts = []
        if gained.get(user.pk):
            parts.append(_("成为大客户：%(names)s") % {"names": "、".join(gained[user.pk])})
        if lost.get(user.pk):
            parts.append(_("不再是大客户：%(names)s") % {"names": "、".join(lost[user.pk])})
        announce(users=[user], title=_("【大客户名单变化】%(review)s 已批准") % {"review": review},
                 body="；".join(parts), url="/designation/key-accounts/", rule="A5.1",
                 key=f"review:{review.pk}:designations")


# --- tiers on demand (A5.3) -------------------------------------------------------------------

@transaction.atomic
def tiers_recompute(*, actor: User) -> dict[str, int]:
    """A5.3 on demand: the same rule over the trailing review period ending last month."""
    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以重新计算层级（A5.3）。"))
    now = timezone.now()
    policy = policy_in_force(at=now)
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    start = months_back(end, int(policy["review.period_months"]))
    designations = {d.customer_id: d for d in selectors.designations_open_at(now).select_for_update()}
    facts = compute_facts(start=start, end=end, basis=str(policy["qualification.amount_basis"]),
                          customers=list(designations))
    amounts = {cid: (facts[cid].amount if cid in facts else Decimal("0")) for cid in designations}
    tiers = split_tiers(amounts, Decimal(str(policy["tiers.core_share"])), int(policy["tiers.min_core"]))
    changed = 0
    for cid, d in designations.items():
        if d.tier != tiers[cid]:
            TierChange.objects.create(customer_id=cid, designation=d, tier=tiers[cid], effective_at=now,
                                      amount=amounts[cid], reason=_("按需重新计算"), computed_by=actor,
                                      policy_number=policy.number)
            d.tier = tiers[cid]
            d.save(update_fields=["tier"])
            changed += 1
    audit_log(actor=actor, action="qualification.tiers.recomputed", rule="A5.3",
              changes={"period": [start, end], "accounts": len(designations), "changed": changed,
                       "core": sum(1 for t in tiers.values() if t == Tier.CORE)})
    reflect(customer_ids=set(designations))
    return {"accounts": len(designations), "changed": changed}


# --- portfolios: A9.1 cap, A9.2 handovers ------------------------------------------------------

@transaction.atomic
def portfolio_assign(*, actor: User | None, customer: Customer, manager: User, on: dt.date | None = None,
                     reason: str = "") -> AccountAssignment:
    """A9.2 handover of one customer to an account manager, refused by the A9.1 cap when the customer is a key
    account and the manager already holds `portfolio.max_accounts_per_manager` of them."""
    if actor is not None:
        require_role(actor, Role.HEAD_OF_SALES)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    check_portfolio_cap(customer=customer, manager=manager)
    return customer_assign_manager(actor=actor, customer=customer, manager=manager, on=on, reason=reason)


def check_portfolio_cap(*, customer: Customer, manager: User) -> None:
    """A9.1 gate: an account manager holds at most `portfolio.max_accounts_per_manager` key accounts."""
    if not selectors.is_key_account(customer.pk):
        return
    cap = _cap(policy_in_force(at=timezone.now()))
    load = selectors.manager_loads().get(manager.pk, 0)
    if customer.account_manager_id == manager.pk:
        return
    if load + 1 > cap:
        raise PolicyViolation(_("客户经理 %(m)s 已负责 %(n)d 个大客户，上限为 %(cap)d（A9.1），不能再分配。")
                              % {"m": manager, "n": load, "cap": cap}, field="manager", rule="A9.1")


# --- mid-year (A5.2) --------------------------------------------------------------------------

def monthly_flags(*, now: dt.datetime) -> None:
    """A5.2: the monthly check of key accounts and 破格 candidates, once per month (a periodic job of the
    sweep: the FlagRun row for the month makes it idempotent)."""
    from django.db import IntegrityError

    month = timezone.localdate(now).replace(day=1)
    if FlagRun.objects.filter(month=month).exists():
        return
    try:
        with transaction.atomic():
            run = FlagRun.objects.create(month=month)
            run.flags = flags_compute(month=month)["flags"]
            run.save(update_fields=["flags"])
    except IntegrityError:
        pass  # another sweep ran it


def trailing_facts(*, month_end: dt.date, customers=None) -> tuple[dict[int, Facts], Criteria]:
    policy = policy_in_force(at=timezone.now())
    criteria = Criteria.from_policy(policy)
    start = months_back(month_end, 12)
    return compute_facts(start=start, end=month_end, basis=criteria.basis, customers=customers), criteria


@transaction.atomic
def flags_compute(*, month: dt.date | None = None) -> dict[str, int]:
    """A5.2 monthly check over the trailing 12 months ending before `month`: key accounts that no longer
    meet the criteria, customers that meet the exceptional-inclusion conditions. Idempotent."""
    month = (month or timezone.localdate()).replace(day=1)
    month_end = month - dt.timedelta(days=1)
    facts, criteria = trailing_facts(month_end=month_end)
    key = selectors.key_account_ids()
    for cid in key - set(facts):
        facts[cid] = Facts(customer_id=cid)
    existing = set(Flag.objects.filter(month=month).values_list("customer_id", "kind"))
    new = []
    for cid, f in facts.items():
        if cid in key and no_longer_meets(f, criteria):
            kind = FlagKind.NO_LONGER_MEETS
        elif cid not in key and meets_exceptional(f, criteria):
            kind = FlagKind.EXCEPTIONAL
        else:
            continue
        if (cid, kind) not in existing:
            new.append(Flag(customer_id=cid, month=month, kind=kind, facts=f.as_json()))
    Flag.objects.bulk_create(new, ignore_conflicts=True)
    return {"flags": len(new)}


@transaction.atomic
def proposal_create(*, actor: User, customer: Customer, kind: str, reason: str,
                    manager: User | None = None) -> Proposal:
    """Sales proposes an inclusion or removal, or records why a flagged account stays (A5.2)."""
    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以提出调整（A5.2）。"))
    if kind not in ProposalKind.values:
        raise ApplicationError(_("无效的类型：%(k)s") % {"k": kind}, field="kind")
    if not reason.strip():
        raise ApplicationError(_("请填写理由（A5.2）。"), field="reason", rule="A5.2")
    key = selectors.is_key_account(customer.pk)
    if kind == ProposalKind.INCLUSION and key:
        raise ApplicationError(_("「%(c)s」已经是大客户。") % {"c": customer}, field="kind", rule="A5.2")
    if kind in (ProposalKind.REMOVAL, ProposalKind.KEEP) and not key:
        raise ApplicationError(_("「%(c)s」不是大客户。") % {"c": customer}, field="kind", rule="A5.2")
    if Proposal.objects.filter(customer=customer, status=ProposalStatus.PENDING).exists():
        raise ApplicationError(_("「%(c)s」已有待批准的提议。") % {"c": customer}, field="customer", rule="A5.2")
    if manager is not None and not manager.has_role(Role.ACCOUNT_MANAGER):
        raise ApplicationError(_("%(u)s 不是客户经理。") % {"u": manager}, field="manager", rule="A9.2")
    month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    facts, criteria = trailing_facts(month_end=month_end, customers=[customer.pk])
    f = facts.get(customer.pk, Facts(customer_id=customer.pk))
    if kind == ProposalKind.INCLUSION and not meets_exceptional(f, criteria):
        raise PolicyViolation(_("「%(c)s」近 12 个月不满足破格纳入条件（采购额达标、按时回款率不低于 %(r)s、无未结质量争议）。")
                              % {"c": customer, "r": criteria.min_on_time_ratio}, rule="A5.2")
    status = ProposalStatus.RECORDED if kind == ProposalKind.KEEP else ProposalStatus.PENDING
    proposal = Proposal.objects.create(customer=customer, kind=kind, status=status, facts=f.as_json(),
                                       reason=reason.strip(), proposed_manager=manager, proposed_by=actor,
                                       policy_number=policy_in_force(at=timezone.now()).number)
    Flag.objects.filter(customer=customer, resolved_by__isnull=True).update(resolved_by=proposal)
    audit_log(actor=actor, action=f"qualification.proposal.{kind}", target=proposal, rule="A5.2",
              changes={"customer": customer.pk, "reason": reason.strip(), "status": status})
    if status == ProposalStatus.PENDING:
        approval_request(kind="qualification.proposal", subject=proposal, url="/designation/midyear/",
                         title=_("%(kind)s：%(customer)s") % {"kind": proposal.get_kind_display(), "customer": customer},
                         customer=customer, requested_by=actor, approver_role=Role.MANAGEMENT,
                         note=_("第五条（年中动态调整）：%(reason)s") % {"reason": reason.strip()[:100]})
    return proposal


@transaction.atomic
def proposal_decide(*, actor: User, proposal: Proposal, approve: bool, comment: str = "") -> Proposal:
    require_role(actor, Role.MANAGEMENT, message=_("只有管理层可以批准年中调整（A5.2）。"))
    proposal = Proposal.objects.select_for_update().select_related("customer").get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise InvalidTransition(_("该提议已处理。"), rule="A5.2")
    now = timezone.now()
    if approve:
        customer = proposal.customer
        if proposal.kind == ProposalKind.INCLUSION:
            manager = proposal.proposed_manager or customer.account_manager
            if manager is None:
                raise PolicyViolation(_("破格纳入须指定客户经理（A9.1）。"), rule="A9.1")
            cap = _cap(policy_in_force(at=now))
            load = selectors.manager_loads().get(manager.pk, 0)
            if load + 1 > cap:
                raise PolicyViolation(_("客户经理 %(m)s 已负责 %(n)d 个大客户，上限为 %(cap)d（A9.1）。")
                                      % {"m": manager, "n": load, "cap": cap}, rule="A9.1")
            d = Designation.objects.create(customer=customer, source=DesignationSource.EXCEPTIONAL,
                                           proposal=proposal, tier=Tier.ORDINARY, started_at=now, approved_by=actor,
                                           policy_number=proposal.policy_number, reason=proposal.reason)
            TierChange.objects.create(customer=customer, designation=d, tier=Tier.ORDINARY, effective_at=now,
                                      reason=_("破格纳入"), computed_by=actor, policy_number=proposal.policy_number)
            if manager.pk != customer.account_manager_id:
                # A9.1 was checked above for this manager
                customer_assign_manager(actor=None, customer=customer, manager=manager, reason=_("破格纳入"))
        elif proposal.kind == ProposalKind.REMOVAL:
            d = Designation.objects.select_for_update().get(customer=proposal.customer, ended_at__isnull=True)
            d.ended_at, d.end_reason = now, proposal.reason
            d.save(update_fields=["ended_at", "end_reason"])
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    proposal.decided_by, proposal.decided_at, proposal.comment = actor, now, comment.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    audit_log(actor=actor, action=f"qualification.proposal.{'approved' if approve else 'rejected'}",
              target=proposal, rule="A5.2", changes={"kind": proposal.kind, "comment": comment.strip()})
    manager = User.objects.filter(pk=proposal.customer.account_manager_id).first()
    approval_decide(kind="qualification.proposal", subject=proposal, actor=actor,
                    state=ApprovalState.APPROVED if approve else ApprovalState.REFUSED, comment=comment,
                    notify=[manager] if manager is not None else [])
    reflect(customer_ids={proposal.customer_id})  # the clocks this write changed, on the next page at once
    return proposal


# --- the initial list (going live, A5.1 "initial list") -------------------------------------

def initial_review(*, actor: User) -> Review:
    """The open initial-list review the import adds rows to (created on first use)."""
    review = Review.objects.filter(kind=ReviewKind.INITIAL, status__in=[ReviewStatus.DRAFT, ReviewStatus.RETURNED]
                                   ).order_by("-id").first()
    if review is None:
        policy = policy_in_force(at=timezone.now())
        today = timezone.localdate()
        review = Review.objects.create(kind=ReviewKind.INITIAL, year=today.year, period_start=today,
                                       period_end=today, policy_version_id=policy.version_id,
                                       policy_number=policy.number, opened_by=actor)
        audit_log(actor=actor, action="qualification.initial_list.opened", target=review, rule="A5.1")
    return review
