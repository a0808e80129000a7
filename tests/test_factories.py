"""The factories of tests/factories.py make what the application would: valid credit codes through the customer
service, A9.2 assignments, key accounts with their initial tier change, encrypted contact channels, tickets
and requests through their services, orders with lines and total, allocated payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from kam.audit.models import AuditEvent
from kam.customers.models import AccountAssignment, Contact
from kam.customers.validators import credit_code_error
from kam.qualification.models import TierChange
from kam.qualification.selectors import is_key_account
from kam.users.models import Role
from tests.factories import (
    PASSWORD,
    ContactFactory,
    ContactLogFactory,
    CustomerFactory,
    CustomerRequestFactory,
    DesignationFactory,
    HeadOfSalesFactory,
    InvoiceFactory,
    KeyAccountFactory,
    OrderFactory,
    PaymentFactory,
    TicketFactory,
    TierChangeFactory,
    UserFactory,
    VisitFactory,
    at,
)

pytestmark = pytest.mark.django_db


def test_users_get_their_roles_and_the_suite_password():
    u = UserFactory(roles=[Role.FINANCE, Role.MARKETING])
    assert u.roles == frozenset({"finance", "marketing"}) and u.check_password(PASSWORD)
    assert UserFactory().roles == frozenset()
    assert HeadOfSalesFactory().sees_core_data
    assert UserFactory(password="other-pw-2026").check_password("other-pw-2026")


def test_customers_are_made_by_the_service_with_valid_distinct_credit_codes():
    a, b = CustomerFactory(), CustomerFactory(name="华美酒店", city="成都")
    assert credit_code_error(a.credit_code) is None and a.credit_code != b.credit_code
    assert (b.name, b.city, b.account_manager) == ("华美酒店", "成都", None)
    assert AuditEvent.objects.filter(action="customers.customer.created", target_id=str(b.pk)).exists()


def test_a_customer_with_a_manager_has_an_a9_2_assignment():
    am = UserFactory(roles=[Role.ACCOUNT_MANAGER])
    c = CustomerFactory(manager=am)
    assert c.account_manager == am
    assert AccountAssignment.objects.filter(customer=c, manager=am, ended_on__isnull=True).count() == 1


def test_a_key_account_is_designated_from_since_with_its_tier_change():
    c = KeyAccountFactory(tier="ordinary", since=at(2026, 3, 1))
    assert c.account_manager.is_account_manager
    assert is_key_account(c.pk, at=at(2026, 3, 1)) and not is_key_account(c.pk, at=at(2026, 2, 28))
    assert list(TierChange.objects.filter(customer=c).values_list("tier", "effective_at")) == [
        ("ordinary", at(2026, 3, 1))]


def test_a_later_tier_change_belongs_to_the_designation_s_customer():
    d = DesignationFactory(tier="ordinary", started_at=at(2026, 1, 1))
    change = TierChangeFactory(designation=d, tier="core", effective_at=at(2026, 6, 1))
    assert change.customer == d.customer
    assert TierChange.objects.filter(designation=d).count() == 2


def test_contacts_are_made_by_the_service_with_their_channels_encrypted():
    contact = ContactFactory(phone="13800138000", is_decision_maker=True)
    assert Contact.objects.get(pk=contact.pk).phone == "13800138000"
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM customers_contact WHERE id = %s", [contact.pk])
        stored = cur.fetchone()[0]
    assert "13800138000" not in stored


def test_contact_logs_and_visits_belong_to_the_account_manager():
    log = ContactLogFactory(at=at(2026, 11, 3, 10))
    assert log.author == log.customer.account_manager and is_key_account(log.customer_id, at=log.at)
    visit = VisitFactory(starts_at=at(2026, 11, 20, 10))
    assert visit.owner == visit.customer.account_manager
    assert (visit.ends_at, visit.booked_at) == (at(2026, 11, 20, 11), at(2026, 11, 17, 10))


def test_tickets_and_requests_are_opened_by_their_services_at_the_given_instant():
    ticket = TicketFactory(reported_at=at(2026, 11, 2, 9))
    assert ticket.number and ticket.reported_at == at(2026, 11, 2, 9) and ticket.site_city == "佛山"
    req = CustomerRequestFactory(received_at=at(2026, 11, 2, 9))
    assert req.logged_by == req.customer.account_manager and req.received_at == at(2026, 11, 2, 9)
    assert AuditEvent.objects.filter(action="demands.request.logged", target_id=str(req.pk)).exists()


def test_orders_invoices_and_payments_through_their_services():
    order = OrderFactory(amount="1234.5")
    assert order.amount == Decimal("1234.50") and order.lines.count() == 1
    inv = InvoiceFactory(customer=order.customer, order=order, issue_date=dt.date(2026, 3, 2))
    assert inv.due_date == dt.date(2026, 4, 1)
    payment = PaymentFactory(customer=order.customer, amount=Decimal("600"), allocations=[(inv, Decimal("600"))])
    assert list(payment.allocations.values_list("invoice_id", "amount")) == [(inv.pk, Decimal("600.00"))]
