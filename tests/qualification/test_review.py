"""The annual review workflow (A5.1), tiers on approval (A5.3), the portfolio cap (A9.1), history (A9.2)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition, PolicyViolation
from kam.orders.services import order_return_record
from kam.qualification import selectors, services
from kam.qualification.models import Candidate, Designation, DesignationSource, Review, TierChange

pytestmark = pytest.mark.django_db


def cand(review, customer):
    return Candidate.objects.get(review=review, customer=customer)


def test_a51_draft_shows_each_criterion_and_idempotent_redraft(users, qualified, customer_factory, buy):
    big = qualified("华美酒店", "5000000", manager=users.am1)
    small = qualified("小客户", "100000", manager=users.am1)
    young = customer_factory("新客户", manager=users.am2, industry_influence=True, industry_influence_note="龙头")
    buy(young, "4000000", on=date(2026, 2, 1))
    review = services.review_open(actor=users.head, year=2026)
    assert (review.period_start, review.period_end) == (date(2025, 12, 1), date(2026, 11, 30))
    c = cand(review, big)
    assert c.qualifies and c.draft == "include" and c.meets_amount and c.meets_years and c.meets_assessed
    assert c.facts["amount"] == "5000000.00"
    assert not Candidate.objects.filter(review=review, customer=small).exists()  # far below: not drafted
    services.candidate_add(actor=users.head, review=review, customer=small)
    assert not cand(review, small).meets_amount and cand(review, small).draft == "exclude"
    assert not cand(review, young).meets_years and cand(review, young).meets_amount
    n = Candidate.objects.filter(review=review).count()
    services.candidates_decide(actor=users.head, review=review, candidate_ids=[cand(review, small).pk],
                               decision="include", reason="战略客户")
    services.review_draft(actor=users.head, review=review)
    assert Candidate.objects.filter(review=review).count() == n
    assert cand(review, small).decision == "include" and not cand(review, small).facts_changed
    buy(small, "50000")  # the facts behind a decision change
    services.review_draft(actor=users.head, review=review)
    assert cand(review, small).decision == "include" and cand(review, small).facts_changed


def test_a21_amount_basis_cancelled_and_returns(users, qualified, buy):
    c = qualified("甲", "3000000", manager=users.am1)
    buy(c, "900000", status="cancelled")
    review = services.review_open(actor=users.head, year=2026)
    assert cand(review, c).facts["amount"] == "3000000.00" and cand(review, c).qualifies
    order = c.orders.get(number__endswith="-2")
    order_return_record(actor=None, order=order, returned_on=date(2026, 4, 1), amount=Decimal("0.01"))
    services.review_draft(actor=users.head, review=review)
    assert cand(review, c).facts["amount"] == "2999999.99" and not cand(review, c).qualifies


def test_a21_invoiced_and_paid_bases(users, qualified):
    from kam.qualification.facts import compute_facts
    from kam.receivables.services import invoice_create, payment_record

    c = qualified("甲", "1000", manager=users.am1)
    inv = invoice_create(actor=None, customer=c, number="I1", issue_date=date(2026, 3, 2), due_date=date(2026, 4, 1),
                         amount=Decimal("700"))
    payment_record(actor=None, customer=c, reference="P1", paid_on=date(2026, 3, 20), amount=Decimal("400"),
                   allocations=[(inv, Decimal("400"))])
    span = {"start": date(2025, 12, 1), "end": date(2026, 11, 30)}
    assert compute_facts(basis="ordered", **span)[c.pk].amount == Decimal("1000")
    assert compute_facts(basis="invoiced", **span)[c.pk].amount == Decimal("700")
    assert compute_facts(basis="paid", **span)[c.pk].amount == Decimal("400")
    assert compute_facts(basis="ordered", **span)[c.pk].on_time_payment_ratio == Decimal("0")


def test_a51_submit_return_resubmit_approve_and_tiers(users, qualified):
    accounts = [qualified(f"客户{i:02d}", str(3_000_000 + i * 100_000), manager=users.am1 if i % 2 else users.am2)
                for i in range(11)]
    review = services.review_open(actor=users.head, year=2026)
    with pytest.raises(AccessDenied):
        services.review_submit(actor=users.am1, review=review)
    services.review_submit(actor=users.head, review=review)
    with pytest.raises(InvalidTransition):
        services.candidates_decide(actor=users.head, review=review, candidate_ids=[cand(review, accounts[0]).pk],
                                   decision="exclude", reason="x")
    with pytest.raises(ApplicationError):
        services.review_return(actor=users.mgmt, review=review, comment=" ")
    services.review_return(actor=users.mgmt, review=review, comment="请复核客户00")
    services.candidates_decide(actor=users.head, review=review, candidate_ids=[cand(review, accounts[0]).pk],
                               decision="exclude", reason="经营风险")
    services.review_submit(actor=users.head, review=review)
    with pytest.raises(AccessDenied):
        services.review_approve(actor=users.head, review=review)
    services.review_approve(actor=users.mgmt, review=review)
    review.refresh_from_db()
    assert review.status == "approved" and review.approved_by == users.mgmt
    keys = selectors.key_account_ids()
    assert keys == {a.pk for a in accounts[1:]}
    tiers = dict(Designation.objects.filter(ended_at__isnull=True).values_list("customer_id", "tier"))
    # 10 included → 2 core: the two largest
    assert {cid for cid, t in tiers.items() if t == "core"} == {accounts[10].pk, accounts[9].pk}
    d = Designation.objects.get(customer=accounts[5])
    assert d.source == DesignationSource.ANNUAL_REVIEW and d.approved_by == users.mgmt and d.policy_number == 1


def test_a91_approval_refused_over_cap_then_accepted_after_handover(users, qualified, make_user):
    from kam.users.models import Role

    accounts = [qualified(f"客户{i:02d}", "3500000", manager=users.am1) for i in range(16)]
    review = services.review_open(actor=users.head, year=2026)
    services.review_submit(actor=users.head, review=review)
    blockers = services.review_blockers(review)
    assert any("16" in b and "A9.1" in b for b in blockers)
    with pytest.raises(PolicyViolation) as exc:
        services.review_approve(actor=users.mgmt, review=review)
    assert exc.value.rule == "A9.1"
    services.review_return(actor=users.mgmt, review=review, comment="am1 超过上限")
    services.candidates_decide(actor=users.head, review=review, candidate_ids=[cand(review, accounts[0]).pk],
                               decision=None, manager=users.am2)
    services.review_submit(actor=users.head, review=review)
    assert services.review_blockers(review) == []
    services.review_approve(actor=users.mgmt, review=review)
    accounts[0].refresh_from_db()
    assert accounts[0].account_manager == users.am2
    assert selectors.manager_loads() == {users.am1.pk: 15, users.am2.pk: 1}
    # A9.1 gate on assignments: a 16th key account to am1 is refused with the rule named
    with pytest.raises(PolicyViolation) as exc:
        services.portfolio_assign(actor=users.head, customer=accounts[0], manager=users.am1, reason="回收")
    assert exc.value.rule == "A9.1" and "15" in str(exc.value)
    am3 = make_user("am3", Role.ACCOUNT_MANAGER)
    services.portfolio_assign(actor=users.head, customer=accounts[1], manager=am3, reason="交接")
    assert accounts[1].assignments.count() == 2  # A9.2 dated history kept


def test_a91_account_without_manager_blocks_approval(users, qualified):
    c = qualified("无经理", "5000000")
    review = services.review_open(actor=users.head, year=2026)
    services.review_submit(actor=users.head, review=review)
    assert any("没有客户经理" in b for b in services.review_blockers(review))
    with pytest.raises(PolicyViolation):
        services.review_approve(actor=users.mgmt, review=review)
    assert not selectors.is_key_account(c.pk)


def test_history_intact_after_two_review_cycles(users, qualified, buy):
    stays = qualified("常青", "5000000", manager=users.am1)
    leaves = qualified("流失", "5000000", manager=users.am1)
    buy(stays, "5000000", on=date(2025, 3, 1))
    buy(leaves, "5000000", on=date(2025, 3, 1))
    r2025 = services.review_open(actor=users.head, year=2025)
    services.review_submit(actor=users.head, review=r2025)
    services.review_approve(actor=users.mgmt, review=r2025)
    assert selectors.key_account_ids() == {stays.pk, leaves.pk}
    r2026 = services.review_open(actor=users.head, year=2026)
    services.candidates_decide(actor=users.head, review=r2026, candidate_ids=[cand(r2026, leaves).pk],
                               decision="exclude", reason="合作终止")
    services.review_submit(actor=users.head, review=r2026)
    services.review_approve(actor=users.mgmt, review=r2026)
    assert selectors.key_account_ids() == {stays.pk}
    gone = Designation.objects.get(customer=leaves)
    assert gone.ended_at is not None and gone.ended_by_review == r2026 and gone.end_reason == "合作终止"
    assert Designation.objects.filter(customer=stays).count() == 1  # continued, not re-created
    assert TierChange.objects.filter(customer=leaves).exists()
    assert Review.objects.count() == 2


def test_who_sees_the_review(users, qualified, client):
    own = qualified("自有", "5000000", manager=users.am1)
    other = qualified("他人", "5000000", manager=users.am2)
    review = services.review_open(actor=users.head, year=2026)
    assert selectors.review_candidates(user=users.mgmt, review=review).count() == 2
    rows = selectors.review_candidates(user=users.am1, review=review)
    assert [c.customer for c in rows] == [own]
    assert other not in [c.customer for c in rows]
    assert selectors.review_candidates(user=users.fin, review=review).count() == 0
    with pytest.raises(AccessDenied):
        services.candidates_decide(actor=users.am1, review=review, candidate_ids=[cand(review, own).pk],
                                   decision="exclude", reason="x")


def test_a52_exceptional_inclusion_without_two_years_and_flagged_removal(users, customer_factory, qualified, buy):
    from kam.qualification.models import Flag, Proposal

    newcomer = customer_factory("新贵", manager=users.am2)
    buy(newcomer, "3200000", on=date(2026, 5, 1))
    fading = qualified("式微", "5000000", manager=users.am1, since=date(2022, 1, 5))
    review = services.review_open(actor=users.head, year=2025)
    services.review_submit(actor=users.head, review=review)
    services.review_approve(actor=users.mgmt, review=review)
    assert selectors.key_account_ids() == set()  # 2025 period (Dec 2024 – Nov 2025): nothing qualified
    r = services.review_open(actor=users.head, year=2026)
    services.review_submit(actor=users.head, review=r)
    services.review_approve(actor=users.mgmt, review=r)
    assert fading.pk in selectors.key_account_ids()
    # fading's trailing 12 months: its 2026-03 order counts; add an open quality dispute → no longer meets
    from kam.orders.services import quality_dispute_open

    quality_dispute_open(actor=None, order=fading.orders.first(), opened_on=date(2026, 6, 1), summary="色差")
    services.flags_compute(month=date(2026, 11, 1))
    services.flags_compute(month=date(2026, 11, 1))  # idempotent
    kinds = dict(Flag.objects.values_list("customer_id", "kind"))
    assert kinds == {fading.pk: "no_longer_meets", newcomer.pk: "exceptional"}
    p = services.proposal_create(actor=users.head, customer=newcomer, kind="inclusion", reason="增长快，回款好")
    services.proposal_decide(actor=users.mgmt, proposal=p, approve=True, comment="同意")
    d = Designation.objects.get(customer=newcomer, ended_at__isnull=True)
    assert d.source == DesignationSource.EXCEPTIONAL and d.proposal == p
    removal = services.proposal_create(actor=users.head, customer=fading, kind="removal", reason="质量争议未结")
    services.proposal_decide(actor=users.mgmt, proposal=removal, approve=True)
    assert not selectors.is_key_account(fading.pk)
    assert Proposal.objects.filter(customer=fading).count() == 1
    with pytest.raises(ApplicationError):
        services.proposal_create(actor=users.head, customer=newcomer, kind="inclusion", reason="x")


def test_a52_inclusion_refused_when_conditions_fail(users, customer_factory, buy):
    weak = customer_factory("不足", manager=users.am1)
    buy(weak, "100000", on=date(2026, 5, 1))
    with pytest.raises(PolicyViolation) as exc:
        services.proposal_create(actor=users.head, customer=weak, kind="inclusion", reason="试试")
    assert exc.value.rule == "A5.2"


def test_a53_recompute_on_demand_is_audited(users, qualified, buy):
    from kam.audit.models import AuditEvent

    a = qualified("甲", "9000000", manager=users.am1)
    b = qualified("乙", "4000000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    services.review_submit(actor=users.head, review=review)
    services.review_approve(actor=users.mgmt, review=review)
    assert Designation.objects.get(customer=a).tier == "core"
    buy(b, "20000000", on=date(2026, 10, 5))
    result = services.tiers_recompute(actor=users.head)
    assert result["changed"] == 2
    assert Designation.objects.get(customer=b).tier == "core" and Designation.objects.get(customer=a).tier == "ordinary"
    assert AuditEvent.objects.filter(action="qualification.tiers.recomputed").count() == 1


def test_initial_list_import_creates_designations_after_approval(users, customer_factory):
    from tests.exchange.helpers import run, xlsx_upload

    a = customer_factory("老客户甲", manager=users.am1)
    b = customer_factory("老客户乙", manager=users.am1)
    rows = [["客户", "层级", "客户经理", "认定日期"],
            [a.credit_code, "核心大客户", "am2", "2025-01-01"],
            [b.name, "普通大客户", "", "2025-06-01"]]
    _run, result = run(users.head, "key_accounts", xlsx_upload("名单.xlsx", rows))
    assert result.ok, [str(e) for e in result.errors]
    assert selectors.key_account_ids() == set()  # not before management approves
    review = Review.objects.get(kind="initial")
    services.review_submit(actor=users.head, review=review)
    services.review_approve(actor=users.mgmt, review=review)
    da = Designation.objects.get(customer=a)
    assert da.source == DesignationSource.INITIAL_LIST and da.tier == "core"
    assert timezone.localtime(da.started_at).date().isoformat() == "2025-01-01" and da.approved_by == users.mgmt
    assert Designation.objects.get(customer=b).tier == "ordinary"
    a.refresh_from_db()
    assert a.account_manager == users.am2
    assert TierChange.objects.filter(customer=a).count() == 1
    # the same file again changes nothing
    _run, again = run(users.head, "key_accounts", xlsx_upload("名单.xlsx", rows))
    assert again.ok and again.counts.get("created", 0) == 0


def test_a51_reminders_before_approve_by(users, qualified):
    """A5.1: the head of sales hears while the review is not submitted, management while it waits."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kam.obligations import engine

    sh = ZoneInfo("Asia/Shanghai")
    qualified("甲", "5000000", manager=users.am1)
    obs = engine.evaluate(now=dt.datetime(2026, 12, 26, 10, tzinfo=sh), rules=["A5.1"])
    [o] = [o for o in obs if o.subject_id == 2026]
    assert o.owner_role == "head_of_sales" and o.state == engine.DUE_SOON
    review = services.review_open(actor=users.head, year=2026)
    services.review_submit(actor=users.head, review=review)
    [o] = [o for o in engine.evaluate(now=dt.datetime(2026, 12, 26, 10, tzinfo=sh), rules=["A5.1"])
           if o.subject_id == 2026]
    assert o.owner_role == "management" and o.label.endswith("待管理层批准")
    [o] = [o for o in engine.evaluate(now=dt.datetime(2027, 1, 1, 0, 1, tzinfo=sh), rules=["A5.1"])
           if o.subject_id == 2026]
    assert o.state == engine.BREACHED
    services.review_approve(actor=users.mgmt, review=review)
    assert not [o for o in engine.evaluate(now=dt.datetime(2026, 11, 20, tzinfo=sh), rules=["A5.1"])
                if o.subject_id == 2026]  # before the review month: nothing due
