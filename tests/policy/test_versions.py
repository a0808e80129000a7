"""Policy versions (A2.3 workflow) and the policy in force (G.1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.audit.models import AuditEvent
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.policy import selectors, services
from kam.policy.models import PolicyVersion
from kam.policy.schema import Cadence, default_values
from kam.policy.selectors import policy_in_force, policy_versions, published_versions, version_diff
from kam.users.models import Role
from tests.policy.helpers import at, make_user, values

pytestmark = pytest.mark.django_db

Status = PolicyVersion.Status


def initial() -> PolicyVersion:
    return PolicyVersion.objects.get(number=1)


def test_data_migration_publishes_version_1_with_the_defaults():
    """A2.3: version 1 = defaults, published, effective 2020-01-01 00:00 Asia/Shanghai."""
    v1 = initial()
    assert v1.status == Status.PUBLISHED
    assert v1.values == default_values()
    assert v1.effective_from == at(2020, 1, 1)
    assert v1.note == "2026 政策初始版本（默认值）"
    policy = policy_in_force(at=at(2026, 6, 1))
    assert policy.number == 1 and policy.version_id == v1.pk
    assert policy["portfolio.max_accounts_per_manager"] == 15
    assert policy["cadence.core.remote"] == Cadence(1, "week")
    assert policy.get("qualification.min_annual_purchase") == Decimal("3000000.00")
    assert policy.duration("service.response_hours") == dt.timedelta(hours=2)
    with pytest.raises(KeyError):
        policy["no.such.setting"]


def test_policy_is_immutable():
    policy = policy_in_force(at=at(2026, 6, 1))
    with pytest.raises(TypeError):
        policy.values["tiers.min_core"] = 5  # type: ignore[index]
    with pytest.raises(AttributeError):
        policy.number = 3  # type: ignore[misc]


def test_policy_in_force_needs_an_aware_instant():
    with pytest.raises(ValueError):
        policy_in_force(at=dt.datetime(2026, 6, 1))


def test_g1_publish_applies_from_the_effective_instant(head, management):
    """G.1: before the effective instant the old version is in force, from it the new one."""
    draft = services.policy_version_draft(actor=head, values=values({"service.response_hours": 4}),
                                          note="A11.1 响应时限放宽到 4 小时")
    services.policy_version_submit(actor=head, version=draft)
    effective = at(2027, 1, 1)
    services.policy_version_publish(actor=management, version=draft, effective_from=effective)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.number == 2
    assert draft.published_by == management and draft.effective_from == effective

    before = policy_in_force(at=effective - dt.timedelta(microseconds=1))
    after = policy_in_force(at=effective)
    assert before.number == 1 and before["service.response_hours"] == Decimal(2)
    assert after.number == 2 and after["service.response_hours"] == Decimal(4)

    # bulk callers: one query, resolved in memory, same answers
    timeline = published_versions()
    assert timeline.at(effective - dt.timedelta(seconds=1)).number == 1
    assert timeline.at(effective).number == 2
    assert timeline.latest().number == 2


def test_g1_cached_policy_needs_one_query(django_assert_num_queries):
    policy_in_force(at=at(2026, 1, 1))
    with django_assert_num_queries(1):
        policy_in_force(at=at(2026, 1, 2))


def test_before_the_first_version_the_first_version_applies():
    assert policy_in_force(at=at(2000, 1, 1)).number == 1


def test_a23_published_version_is_immutable(head):
    v1 = initial()
    with pytest.raises(InvalidTransition):
        services.policy_version_update_draft(actor=head, version=v1, values=values(), note="改")
    # defensive: save() of a published row with changed values raises
    v1.values["tiers.min_core"] = 3
    with pytest.raises(InvalidTransition):
        v1.save()
    v1 = initial()
    v1.effective_from = at(2021, 1, 1)
    with pytest.raises(InvalidTransition):
        v1.save()
    with pytest.raises(InvalidTransition):
        initial().delete()
    assert initial().values == default_values()


def test_a23_only_head_of_sales_drafts(manager, management):
    for actor in (manager, management, None):
        with pytest.raises(AccessDenied):
            services.policy_version_draft(actor=actor, values=values(), note="x")
    assert not PolicyVersion.objects.exclude(status=Status.PUBLISHED).exists()


def test_a23_draft_is_validated_and_needs_a_note(head):
    with pytest.raises(ApplicationError) as info:
        services.policy_version_draft(actor=head, values=values({"tiers.core_share": "1.5"}), note="x")
    assert info.value.field == "tiers.core_share" and info.value.rule == "A5.3"
    with pytest.raises(ApplicationError) as info:
        services.policy_version_draft(actor=head, values=values(), note="  ")
    assert info.value.field == "note"


def test_a23_head_of_sales_publishes_qualification_only_change(head):
    """A2.3: the criteria (qualification.*) are published by the head of sales directly."""
    draft = services.policy_version_draft(
        actor=head, values=values({"qualification.min_annual_purchase": "3500000",
                                   "qualification.min_on_time_payment_ratio": "95%"}),
        note="2027 年认定标准")
    assert draft.based_on == initial()
    services.policy_version_publish(actor=head, version=draft, effective_from=at(2027, 1, 1))
    assert draft.status == Status.PUBLISHED and draft.number == 2
    policy = policy_in_force(at=at(2027, 3, 1))
    assert policy["qualification.min_annual_purchase"] == Decimal("3500000.00")
    assert policy["qualification.min_on_time_payment_ratio"] == Decimal("0.95")


def test_a23_head_of_sales_cannot_publish_company_policy(head):
    """A2.3: a change to service.response_hours (A11.1) needs management approval."""
    draft = services.policy_version_draft(
        actor=head, values=values({"service.response_hours": 3, "qualification.min_cooperation_years": 3}),
        note="x")
    with pytest.raises(AccessDenied) as info:
        services.policy_version_publish(actor=head, version=draft, effective_from=at(2027, 1, 1))
    assert info.value.rule == "A2.3"
    assert "service.response_hours" in str(info.value.message) and "A2.3" in str(info.value.message)
    services.policy_version_submit(actor=head, version=draft)
    with pytest.raises(AccessDenied):
        services.policy_version_publish(actor=head, version=draft, effective_from=at(2027, 1, 1))
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.number is None


def test_a23_management_publishes_only_submitted_versions(head, management, manager):
    draft = services.policy_version_draft(actor=head, values=values({"tiers.core_share": "0.25"}), note="x")
    with pytest.raises(InvalidTransition):
        services.policy_version_publish(actor=management, version=draft, effective_from=at(2027, 1, 1))
    services.policy_version_submit(actor=head, version=draft)
    with pytest.raises(AccessDenied):
        services.policy_version_publish(actor=manager, version=draft, effective_from=at(2027, 1, 1))
    services.policy_version_publish(actor=management, version=draft, effective_from=at(2027, 1, 1))
    assert draft.status == Status.PUBLISHED
    with pytest.raises(InvalidTransition):
        services.policy_version_publish(actor=management, version=draft, effective_from=at(2028, 1, 1))


def test_a23_effective_date_not_before_previous_version(head, management):
    first = services.policy_version_draft(actor=head, values=values({"tiers.min_core": 2}), note="x")
    services.policy_version_submit(actor=head, version=first)
    services.policy_version_publish(actor=management, version=first, effective_from=at(2027, 1, 1))
    second = services.policy_version_draft(actor=head, values=values({"tiers.min_core": 3}), note="y")
    services.policy_version_submit(actor=head, version=second)
    with pytest.raises(ApplicationError) as info:
        services.policy_version_publish(actor=management, version=second, effective_from=at(2026, 12, 31))
    assert info.value.field == "effective_from" and info.value.rule == "A2.3"
    with pytest.raises(ApplicationError):
        services.policy_version_publish(actor=management, version=second,
                                        effective_from=dt.datetime(2027, 6, 1))  # naive
    services.policy_version_publish(actor=management, version=second, effective_from=at(2027, 1, 1))
    assert policy_in_force(at=at(2027, 1, 1))["tiers.min_core"] == 3  # same instant: later number wins


def test_a23_stale_draft_must_be_updated_before_publication(head, management):
    """A draft based on an older version would silently undo what was published since."""
    stale = services.policy_version_draft(actor=head, values=values({"tiers.min_core": 2}), note="a")
    newer = services.policy_version_draft(actor=head, values=values({"qualification.min_cooperation_years": 3}),
                                          note="b")
    services.policy_version_publish(actor=head, version=newer, effective_from=at(2027, 1, 1))
    with pytest.raises(InvalidTransition):
        services.policy_version_submit(actor=head, version=stale)
    services.policy_version_update_draft(actor=head, version=stale,
                                         values=values({"tiers.min_core": 2,
                                                        "qualification.min_cooperation_years": 3}), note="a2")
    assert stale.based_on == newer
    services.policy_version_submit(actor=head, version=stale)
    services.policy_version_publish(actor=management, version=stale, effective_from=at(2027, 1, 1))
    assert [row.name for row in version_diff(stale)] == ["tiers.min_core"]


def test_a23_return_with_comment_then_resubmit(head, management):
    draft = services.policy_version_draft(actor=head, values=values({"gifts.approval_over": "300"}), note="x")
    with pytest.raises(InvalidTransition):
        services.policy_version_return(actor=management, version=draft, comment="未提交")
    services.policy_version_submit(actor=head, version=draft)
    with pytest.raises(AccessDenied):
        services.policy_version_return(actor=head, version=draft, comment="自己退回")
    with pytest.raises(ApplicationError) as info:
        services.policy_version_return(actor=management, version=draft, comment=" ")
    assert info.value.field == "comment"
    services.policy_version_return(actor=management, version=draft, comment="礼品审批门槛请保持 200 元")
    draft.refresh_from_db()
    assert draft.status == Status.RETURNED
    assert draft.return_comment == "礼品审批门槛请保持 200 元" and draft.returned_by == management
    services.policy_version_update_draft(actor=head, version=draft,
                                         values=values({"gifts.approval_over": "250"}), note="改为 250")
    assert draft.status == Status.DRAFT and draft.return_comment  # the comment is kept
    services.policy_version_submit(actor=head, version=draft)
    services.policy_version_publish(actor=management, version=draft, effective_from=at(2027, 1, 1))
    assert policy_in_force(at=at(2027, 2, 1))["gifts.approval_over"] == Decimal("250.00")


def test_a23_unchanged_version_is_not_submitted(head):
    draft = services.policy_version_draft(actor=head, values=values(), note="no change")
    with pytest.raises(ApplicationError):
        services.policy_version_submit(actor=head, version=draft)
    with pytest.raises(ApplicationError):
        services.policy_version_publish(actor=head, version=draft, effective_from=at(2027, 1, 1))


def test_version_diff_against_the_version_it_replaced(head, management):
    draft = services.policy_version_draft(
        actor=head, values=values({"cadence.core.remote": {"count": 2, "period": "week"},
                                   "service.response_hours": 4}), note="x")
    rows = version_diff(draft)  # a draft: against the version it would replace
    assert [(r.name, r.old, r.new) for r in rows] == [
        ("service.response_hours", 2, 4),
        ("cadence.core.remote", {"count": 1, "period": "week"}, {"count": 2, "period": "week"}),
    ]
    assert rows[1].old_display == "每周 1 次" and rows[1].new_display == "每周 2 次"
    services.policy_version_submit(actor=head, version=draft)
    services.policy_version_publish(actor=management, version=draft, effective_from=at(2027, 1, 1))
    assert [r.name for r in version_diff(draft)] == ["service.response_hours", "cadence.core.remote"]
    assert version_diff(initial()) == []


def test_a23_audit_events_with_diff(head, management):
    draft = services.policy_version_draft(actor=head, values=values({"service.response_hours": 4}), note="x")
    services.policy_version_submit(actor=head, version=draft)
    services.policy_version_return(actor=management, version=draft, comment="再议")
    services.policy_version_update_draft(actor=head, version=draft, values=values({"service.response_hours": 3}),
                                         note="y")
    services.policy_version_submit(actor=head, version=draft)
    services.policy_version_publish(actor=management, version=draft, effective_from=at(2027, 1, 1))
    events = list(AuditEvent.objects.filter(target_type="policy.policyversion", target_id=str(draft.pk))
                  .order_by("id"))
    assert [e.action for e in events] == [
        "policy.version.draft", "policy.version.submit", "policy.version.return", "policy.version.update",
        "policy.version.submit", "policy.version.publish"]
    assert all(e.rule == "A2.3" for e in events)
    assert events[0].changes["service.response_hours"] == {"old": 2, "new": 4}
    assert events[0].actor == head
    assert events[2].changes["comment"] == "再议"
    assert events[3].changes["service.response_hours"] == {"old": 4, "new": 3}
    publish = events[-1]
    assert publish.actor == management
    assert publish.changes["service.response_hours"] == {"old": 2, "new": 3}
    assert publish.changes["status"] == {"old": "submitted", "new": "published"}
    assert publish.changes["number"] == 2


def test_a23_refusal_changes_nothing(head):
    draft = services.policy_version_draft(actor=head, values=values({"service.response_hours": 4}), note="x")
    count = AuditEvent.objects.count()
    with pytest.raises(AccessDenied):
        services.policy_version_publish(actor=head, version=draft, effective_from=at(2027, 1, 1))
    assert AuditEvent.objects.count() == count
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a23_history_visible_to_all_drafts_only_to_editors(head, manager):
    draft = services.policy_version_draft(actor=head, values=values({"tiers.min_core": 2}), note="x")
    assert set(policy_versions(user=manager)) == {initial()}
    assert set(policy_versions(user=head)) == {initial(), draft}
    assert selectors.policy_version_get(user=manager, pk=initial().pk) == initial()
    with pytest.raises(PolicyVersion.DoesNotExist):
        selectors.policy_version_get(user=manager, pk=draft.pk)
    with pytest.raises(AccessDenied):
        policy_versions(user=None)


def test_user_with_both_roles(db):
    both = make_user("both", Role.HEAD_OF_SALES, Role.MANAGEMENT)
    draft = services.policy_version_draft(actor=both, values=values({"symposium.period": "year"}), note="x")
    services.policy_version_submit(actor=both, version=draft)
    services.policy_version_publish(actor=both, version=draft, effective_from=at(2027, 1, 1))
    assert policy_in_force(at=at(2027, 7, 1))["symposium.period"] == "year"


def test_g1_publishing_into_the_past_is_refused(head, management):
    """G.1: publishing never rewrites periods that already started; 'today' means now."""
    draft = services.policy_version_draft(actor=head, values=values({"service.response_hours": 3}), note="回溯")
    services.policy_version_submit(actor=head, version=draft)
    with pytest.raises(ApplicationError) as exc:
        services.policy_version_publish(actor=management, version=draft,
                                        effective_from=timezone.now() - dt.timedelta(days=3))
    assert exc.value.rule == "G.1"
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    before = timezone.now()
    services.policy_version_publish(actor=management, version=draft, effective_from=today)
    draft.refresh_from_db()
    assert draft.effective_from >= before


def test_a23_a_version_published_before_a_setting_existed_reads_that_settings_default(db):
    """A later release adds a setting to the closed index: older published versions apply its default."""
    from kam.policy.models import PolicyVersion
    from kam.policy.schema import default_values
    from kam.policy.selectors import clear_cache, policy_in_force

    stored = default_values()
    stored.pop("care.remind_days_before")  # as if this setting had not existed when the version was published
    PolicyVersion.objects.create(status=PolicyVersion.Status.PUBLISHED, values=stored, number=99,
                                 effective_from=at(2026, 6, 1), published_at=at(2026, 6, 1),
                                 created_at=at(2026, 6, 1), updated_at=at(2026, 6, 1))
    clear_cache()
    policy = policy_in_force(at=at(2026, 7, 1))
    assert policy.number == 99 and policy["care.remind_days_before"] == 7
