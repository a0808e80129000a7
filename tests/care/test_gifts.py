"""The gift register's gates (A14.2), each at its edge, with the limits read from the policy in force; refused
attempts recorded for management (A3); the head of sales' approval above the threshold before a gift is given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.approvals.models import Approval, ApprovalState
from kam.audit.models import AuditEvent
from kam.care import services
from kam.care.models import Gift, GiftCategory, GiftRefusal, GiftState, RefusalReason
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition, PolicyViolation
from tests.factories import at

pytestmark = pytest.mark.django_db


def register(users, account, unit_value, *, recipient=None, item="定制茶具", category="custom", quantity=1, actor=None,
             **extra) -> Gift:
    return services.gift_register(actor=actor or users.am1, customer=account.mine,
                                  recipient=recipient or account.boss, item=item, category=category,
                                  quantity=quantity, unit_value=unit_value, **extra)


def test_a142_gift_of_exactly_the_per_gift_maximum_is_allowed(users, account):
    gift = register(users, account, "500.00")
    assert gift.total_value == Decimal("500.00") and gift.state == GiftState.AWAITING_APPROVAL
    assert AuditEvent.objects.filter(action="care.gift.registered", target_id=str(gift.pk), rule="A14.2").exists()


def test_a142_gift_of_500_01_is_refused_and_the_attempt_recorded(users, account):
    with pytest.raises(PolicyViolation) as refused:
        register(users, account, "500.01")
    assert refused.value.rule == "A14.2" and refused.value.field == "total_value"
    assert "¥500.01" in str(refused.value.message) and "¥500.00" in str(refused.value.message)
    assert not Gift.objects.exists()
    row = GiftRefusal.objects.get()
    assert (row.actor, row.customer, row.recipient, row.reason) == (users.am1, account.mine, account.boss,
                                                                    RefusalReason.OVER_PER_GIFT)
    assert row.total_value == Decimal("500.01") and row.item == "定制茶具"
    assert AuditEvent.objects.filter(action="care.gift.refused", rule="A14.2").count() == 1


def test_a142_per_gift_limit_applies_to_quantity_times_unit_value(users, account):
    with pytest.raises(PolicyViolation):
        register(users, account, "250.01", quantity=2)
    assert register(users, account, "250.00", quantity=2).total_value == Decimal("500.00")


def test_a142_yearly_total_crossing_2000_is_refused_with_the_running_total(users, account):
    for _ in range(3):
        register(users, account, "500.00")
    register(users, account, "400.00")  # 1,900.00 for 林董 in 2026
    with pytest.raises(PolicyViolation) as refused:
        register(users, account, "100.01")
    message = str(refused.value.message)
    assert "林董" in message and "2026" in message
    assert "¥1,900.00" in message and "¥100.01" in message and "¥2,000.01" in message and "¥2,000.00" in message
    assert "¥100.00" in message  # what is left this year
    assert GiftRefusal.objects.get().reason == RefusalReason.OVER_PER_YEAR
    register(users, account, "100.00")  # exactly the yearly limit is allowed
    register(users, account, "300.00", recipient=account.buyer)  # another person has their own limit
    register(users, account, "300.00", planned_on=dt.date(2027, 1, 5))  # the next calendar year starts afresh


def test_a142_rejected_gifts_do_not_count_towards_the_yearly_total(users, account):
    gifts = [register(users, account, "500.00") for _ in range(4)]
    with pytest.raises(PolicyViolation):
        register(users, account, "50.00")
    services.gift_decide(actor=users.head, gift=gifts[0], approve=False, note="超出预算")
    assert register(users, account, "50.00").state == GiftState.REGISTERED


def test_a142_gift_of_200_01_waits_for_approval_and_200_does_not(users, account):
    plain = register(users, account, "200.00")
    assert plain.state == GiftState.REGISTERED and not plain.needs_approval
    assert not Approval.objects.exists()
    services.gift_mark_given(actor=users.am1, gift=plain)

    big = register(users, account, "200.01")
    assert big.state == GiftState.AWAITING_APPROVAL and big.needs_approval
    approval = Approval.objects.get(kind="care.gift", state=ApprovalState.PENDING)
    assert approval.approver_role == "head_of_sales" and approval.rule == "A14.2"
    with pytest.raises(InvalidTransition):
        services.gift_mark_given(actor=users.am1, gift=big)  # not before the head of sales approved
    with pytest.raises(AccessDenied):
        services.gift_decide(actor=users.am1, gift=big, approve=True)
    services.gift_decide(actor=users.head, gift=big, approve=True)
    approval.refresh_from_db()
    assert approval.state == ApprovalState.APPROVED and approval.decided_by == users.head
    given = services.gift_mark_given(actor=users.am1, gift=big)
    assert given.state == GiftState.GIVEN and given.given_on == dt.date(2026, 9, 10) and given.given_by == users.am1


def test_a142_a_rejection_says_why_and_the_gift_cannot_be_given(users, account):
    gift = register(users, account, "300.00")
    with pytest.raises(ApplicationError) as refused:
        services.gift_decide(actor=users.head, gift=gift, approve=False)
    assert refused.value.field == "note"
    services.gift_decide(actor=users.head, gift=gift, approve=False, note="同一节日已送过")
    with pytest.raises(InvalidTransition):
        services.gift_mark_given(actor=users.am1, gift=gift)
    assert Approval.objects.get().state == ApprovalState.REFUSED


def test_a142_the_head_of_sales_gift_is_approved_by_management_not_by_themselves(users, account):
    gift = register(users, account, "300.00", actor=users.head)
    assert Approval.objects.get().approver_role == "management"
    with pytest.raises(AccessDenied):
        services.gift_decide(actor=users.head, gift=gift, approve=True)
    assert services.gift_decide(actor=users.mgmt, gift=gift, approve=True).state == GiftState.APPROVED


@pytest.mark.parametrize("category", [c for c in GiftCategory.values if c not in (
    "cash", "securities", "prepaid_card", "red_packet", "voucher")])
def test_a142_supermarket_shopping_card_refused_whatever_category(users, account, category):
    with pytest.raises(PolicyViolation) as refused:
        register(users, account, "100.00", item="超市购物卡", category=category)
    message = str(refused.value.message)
    assert "第十四条" in message and "严禁赠送现金、有价证券" in message and "购物卡" in message
    assert refused.value.field == "item"
    row = GiftRefusal.objects.get()
    assert row.reason == RefusalReason.PROHIBITED_WORD and row.item == "超市购物卡" and row.actor == users.am1
    assert not Gift.objects.exists()


@pytest.mark.parametrize("item", ["中秋红包", "商场 礼品卡", "ＳＰＡ储值卡", "面值500元消费券", "加油卡", "现金 200 元",
                                  "有价证券", "月饼提货券"])
def test_a142_cash_equivalent_words_refused(users, account, item):
    with pytest.raises(PolicyViolation):
        register(users, account, "100.00", item=item)
    assert GiftRefusal.objects.filter(reason=RefusalReason.PROHIBITED_WORD).count() == 1


@pytest.mark.parametrize("category", ["cash", "securities", "prepaid_card", "red_packet", "voucher"])
def test_a142_cash_and_cash_equivalent_categories_refused_outright(users, account, category):
    with pytest.raises(PolicyViolation) as refused:
        register(users, account, "1.00", item="节日心意", category=category)
    assert refused.value.field == "category" and "第十四条" in str(refused.value.message)
    assert GiftRefusal.objects.get().reason == RefusalReason.PROHIBITED_CATEGORY


def test_a142_limits_are_read_from_the_policy_in_force(users, account, frozen):
    """A14.2: the limits are company settings; a new published version moves the gates."""
    from kam.policy import services as policy
    from tests.policy.helpers import values

    draft = policy.policy_version_draft(actor=users.head, note="礼品上限调整", values=values({
        "gifts.max_value_per_gift": "800.00", "gifts.approval_over": "300.00"}))
    policy.policy_version_submit(actor=users.head, version=draft)
    policy.policy_version_publish(actor=users.mgmt, version=draft, effective_from=frozen - dt.timedelta(hours=1))
    gift = register(users, account, "800.00")
    assert gift.state == GiftState.AWAITING_APPROVAL and gift.policy_number == 2
    assert register(users, account, "300.00", recipient=account.buyer).state == GiftState.REGISTERED
    with pytest.raises(PolicyViolation):
        register(users, account, "800.01", recipient=account.buyer)


def test_a142_only_the_accounts_manager_or_the_head_of_sales_registers(users, account):
    with pytest.raises(AccessDenied):
        register(users, account, "100.00", actor=users.am2)
    for who in (users.svc, users.mkt, users.fin, users.mgmt, users.admin):
        with pytest.raises(AccessDenied):
            register(users, account, "100.00", actor=who)
    with pytest.raises(ApplicationError) as wrong:
        register(users, account, "100.00", recipient=account.other_boss)  # another account's person
    assert wrong.value.field == "recipient"
    assert not Gift.objects.exists() and not GiftRefusal.objects.exists()


def test_a142_bad_input_changes_nothing(users, account):
    for kwargs, field in [({"unit_value": "0"}, "unit_value"), ({"unit_value": "abc"}, "unit_value"),
                          ({"unit_value": "1.001"}, "unit_value"), ({"quantity": 0}, "quantity"),
                          ({"item": " "}, "item"), ({"category": "gold"}, "category"),
                          ({"planned_on": dt.date(2026, 9, 9)}, "planned_on")]:
        args = {"unit_value": "100.00", **kwargs}
        with pytest.raises(ApplicationError) as bad:
            register(users, account, **args)  # type: ignore[arg-type]
        assert bad.value.field == field, kwargs
    assert not Gift.objects.exists() and not GiftRefusal.objects.exists()


def test_a142_a_gift_given_in_the_next_year_counts_there_and_keeps_that_years_limit(users, account):
    import time_machine

    late = register(users, account, "250.00", planned_on=dt.date(2026, 12, 30))
    services.gift_decide(actor=users.head, gift=late, approve=True)
    for _ in range(4):
        register(users, account, "450.00", planned_on=dt.date(2027, 1, 10))  # 1,800 in 2027
    with time_machine.travel(at(2027, 1, 2, 10), tick=False):
        with pytest.raises(PolicyViolation) as refused:
            services.gift_mark_given(actor=users.am1, gift=late)
    assert "2027" in str(refused.value.message) and "¥1,800.00" in str(refused.value.message)
    assert GiftRefusal.objects.get().gift == late
    late.refresh_from_db()
    assert late.state == GiftState.APPROVED and late.year == 2026
    services.gift_mark_given(actor=users.am1, gift=late, given_on=dt.date(2026, 12, 31),
                             now=at(2027, 1, 2, 10))
    late.refresh_from_db()
    assert late.state == GiftState.GIVEN and late.year == 2026


def test_a3_a_refused_gift_reads_in_words_on_the_audit_page(users, account, client):
    """A3, issue 13: management reads a refused gift on the audit page with its reason in Chinese, not its code."""
    with pytest.raises(PolicyViolation):
        register(users, account, "500.01")
    client.force_login(users.mgmt)
    html = client.get("/audit/").content.decode()
    assert "超过单件礼品价值上限" in html
    assert "per_gift" not in html and "total：" not in html
