"""Users and roles: role checks (`has_role`), who sees core data (A7.1) and every customer, the user and
role-grant services (administrators only, audited), and the role selectors."""

from __future__ import annotations

import pytest

from kam.audit.models import AuditEvent
from kam.core.errors import AccessDenied, ApplicationError
from kam.users import selectors, services
from kam.users.models import ALL_CUSTOMERS_ROLES, CORE_DATA_ROLES, ROLE_DEPARTMENT, Department, Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_has_a_department_and_a_chinese_label():
    assert set(ROLE_DEPARTMENT) == set(Role)
    assert all(dept in Department.values for dept in ROLE_DEPARTMENT.values())
    for role in Role:
        assert role.label and not role.label.isascii()


def test_has_role_is_true_for_any_of_the_roles_asked():
    u = UserFactory(roles=[Role.ACCOUNT_MANAGER, Role.MARKETING])
    assert u.roles == frozenset({"account_manager", "marketing"})
    assert u.has_role(Role.MARKETING)
    assert u.has_role(Role.FINANCE, Role.ACCOUNT_MANAGER)
    assert not u.has_role(Role.FINANCE, Role.HEAD_OF_SALES)
    assert not u.has_role()
    assert u.is_account_manager


def test_a_user_without_grants_an_inactive_or_unsaved_user_has_no_roles():
    assert UserFactory().roles == frozenset()
    inactive = UserFactory(roles=[Role.HEAD_OF_SALES], is_active=False)
    assert inactive.roles == frozenset() and not inactive.has_role(Role.HEAD_OF_SALES)
    assert not inactive.sees_core_data
    assert User(username="draft").roles == frozenset()


@pytest.mark.parametrize("role", list(Role))
def test_a7_1_only_the_head_of_sales_and_management_see_core_data(role):
    u = UserFactory(roles=[role])
    assert u.sees_core_data == (role in (Role.HEAD_OF_SALES, Role.MANAGEMENT))
    assert u.sees_core_data == (role in CORE_DATA_ROLES)


@pytest.mark.parametrize("role", list(Role))
def test_account_managers_and_administrators_do_not_see_every_customer(role):
    u = UserFactory(roles=[role])
    assert u.sees_all_customers == (role not in (Role.ACCOUNT_MANAGER, Role.ADMINISTRATOR))
    assert u.sees_all_customers == (role in ALL_CUSTOMERS_ROLES)


def test_an_account_manager_who_also_heads_sales_sees_core_data():
    u = UserFactory(roles=[Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES])
    assert u.sees_core_data and u.sees_all_customers and u.is_account_manager


def test_str_is_the_display_name_or_the_username():
    assert str(UserFactory(username="li", display_name="李明")) == "李明"
    assert str(UserFactory(username="wang", display_name="")) == "wang"


# --- services ---------------------------------------------------------------------------------------------

def test_user_create_by_an_administrator_grants_roles_sets_the_department_and_audits():
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    u = services.user_create(actor=admin, username="chen", password="pw-chen-2026",
                             roles=[Role.FINANCE, Role.MARKETING], display_name="陈会计")
    u = User.objects.get(pk=u.pk)
    assert u.roles == frozenset({"finance", "marketing"}) and u.department == Department.FINANCE
    assert u.check_password("pw-chen-2026") and u.display_name == "陈会计"
    event = AuditEvent.objects.get(action="users.user.created", target_id=str(u.pk))
    assert event.actor == admin and event.changes["roles"] == ["finance", "marketing"]
    assert "pw-chen-2026" not in str(event.changes)


def test_user_create_without_roles_leaves_the_department_empty():
    u = services.user_create(actor=None, username="nobody", password="pw-x-2026", roles=[])
    assert u.roles == frozenset() and u.department == ""


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_only_administrators_create_users(role):
    with pytest.raises(AccessDenied):
        services.user_create(actor=UserFactory(roles=[role]), username="x1", password="pw-x-2026", roles=[])
    assert not User.objects.filter(username="x1").exists()


def test_a_superuser_without_the_role_may_create_users():
    root = UserFactory(is_superuser=True)
    assert services.user_create(actor=root, username="x2", password="pw-x-2026", roles=[]).pk


def test_user_create_refuses_an_unknown_role_and_a_taken_username_naming_the_field():
    UserFactory(username="zhang")
    with pytest.raises(ApplicationError) as exc:
        services.user_create(actor=None, username="ZHANG", password="pw-x-2026", roles=[])
    assert exc.value.field == "username" and "已存在" in str(exc.value)
    with pytest.raises(ApplicationError) as exc:
        services.user_create(actor=None, username="li", password="pw-x-2026", roles=["chief"])
    assert exc.value.field == "roles" and "chief" in str(exc.value)
    assert not User.objects.filter(username="li").exists()
    assert not AuditEvent.objects.filter(action="users.user.created").exists()


def test_role_grant_is_idempotent_audited_once_and_refreshes_the_cached_roles():
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    u = UserFactory(roles=[Role.ACCOUNT_MANAGER])
    assert not u.sees_core_data  # roles now cached on the instance
    services.role_grant(actor=admin, user=u, role=Role.HEAD_OF_SALES)
    assert u.sees_core_data  # the same instance sees the new grant
    services.role_grant(actor=admin, user=u, role=Role.HEAD_OF_SALES)
    assert AuditEvent.objects.filter(action="users.role.granted", target_id=str(u.pk)).count() == 1
    assert User.objects.get(pk=u.pk).roles == frozenset({"account_manager", "head_of_sales"})


def test_only_administrators_grant_roles():
    head = UserFactory(roles=[Role.HEAD_OF_SALES])
    u = UserFactory()
    with pytest.raises(AccessDenied):
        services.role_grant(actor=head, user=u, role=Role.MANAGEMENT)
    assert User.objects.get(pk=u.pk).roles == frozenset()


# --- selectors --------------------------------------------------------------------------------------------

def test_users_with_role_lists_active_holders_by_username():
    UserFactory(username="b-am", roles=[Role.ACCOUNT_MANAGER])
    UserFactory(username="a-am", roles=[Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES])
    UserFactory(username="c-am", roles=[Role.ACCOUNT_MANAGER], is_active=False)
    UserFactory(username="d-fin", roles=[Role.FINANCE])
    assert [u.username for u in selectors.account_managers()] == ["a-am", "b-am"]
    assert [u.username for u in selectors.users_with_role(role=Role.FINANCE)] == ["d-fin"]
    assert list(selectors.users_with_role(role=Role.MANAGEMENT)) == []
