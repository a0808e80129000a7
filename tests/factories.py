"""factory-boy factories for the test suite.

Objects whose creation has consequences in the domain go through their service, so a factory makes what the
application would: customers (credit code checked, audit row), account-manager assignments (A9.2 history),
contacts (encrypted channels), orders (lines and total), invoices and payments (allocations checked), tickets
and requests (numbers, clocks). Facts the rules count at arbitrary instants in the past — designations and
their tier changes, contact logs, visits — are rows made directly, as the services refuse back-dating.

    UserFactory(username="am1", roles=[Role.ACCOUNT_MANAGER])
    CustomerFactory(name="华美酒店", manager=am1, city="佛山")
    KeyAccountFactory(manager=am1, tier="ordinary", since=at(2026, 1, 1))   # a customer + designation
    DesignationFactory(customer=c, tier="core", started_at=at(2025, 1, 1))  # + its initial TierChange
    OrderFactory(customer=c, amount="1000", order_date=date(2026, 3, 1))
    PaymentFactory(customer=c, amount="400", allocations=[(invoice, Decimal("400"))])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from kam.customers.models import Contact, Customer
from kam.customers.services import contact_create, customer_assign_manager, customer_create
from kam.customers.validators import make_credit_code
from kam.demands.models import CustomerRequest
from kam.demands.services import request_log
from kam.engagement.models import ContactLog, Visit
from kam.orders.models import Order
from kam.orders.services import LineIn, order_create
from kam.qualification.models import Designation, TierChange
from kam.receivables.models import Invoice, Payment
from kam.receivables.services import invoice_create, payment_record
from kam.service.models import Ticket
from kam.service.services import ticket_open
from kam.users.models import Role, RoleGrant, User

SH = ZoneInfo("Asia/Shanghai")
PASSWORD = "pw-kam-2026"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# --- users ----------------------------------------------------------------------------------------------

def _grant(default: Iterable[str]) -> factory.PostGeneration:
    def grant(user: User, create: bool, extracted: Iterable[str] | None, **kwargs) -> None:
        roles = list(default if extracted is None else extracted)
        if create and roles:
            RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
            user.__dict__.pop("roles", None)  # the cached property reads the grants afresh

    return factory.PostGeneration(grant)


class UserFactory(DjangoModelFactory):
    """A user with `roles` (a list of Role values; none by default) and the suite's password."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password(PASSWORD)
    roles = _grant(())


class AccountManagerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"am-{n}")
    roles = _grant((Role.ACCOUNT_MANAGER,))


class HeadOfSalesFactory(UserFactory):
    username = factory.Sequence(lambda n: f"head-{n}")
    roles = _grant((Role.HEAD_OF_SALES,))


# --- customers and contacts ---------------------------------------------------------------------------------

class CustomerFactory(DjangoModelFactory):
    """A customer made by `customer_create` (valid credit code, audit row); with `manager`, handed to that
    account manager by `customer_assign_manager` (A9.2 assignment row)."""

    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"测试客户{n}")
    # a letter in the organisation part keeps these apart from the digit-only codes tests write by hand
    credit_code = factory.Sequence(lambda n: make_credit_code(f"91440600F{n:08d}"))
    customer_type = "hotel"
    city = "佛山"
    manager = None

    @classmethod
    def _create(cls, model_class, *args, manager: User | None = None, **values) -> Customer:
        customer = customer_create(actor=None, **values)
        if manager is not None:
            customer_assign_manager(actor=None, customer=customer, manager=manager, reason="test")
            customer.refresh_from_db()
        return customer


class DesignationFactory(DjangoModelFactory):
    """A key-account designation (an initial-list row by default) and the tier change that starts it."""

    class Meta:
        model = Designation
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory, manager=factory.SubFactory(AccountManagerFactory))
    source = "initial_list"
    tier = "core"
    started_at = at(2026, 1, 1)

    @factory.post_generation
    def tier_change(designation: Designation, create: bool, extracted, **kwargs) -> None:
        if create:
            TierChange.objects.create(customer=designation.customer, designation=designation, tier=designation.tier,
                                      effective_at=designation.started_at)


class TierChangeFactory(DjangoModelFactory):
    """A later tier change of a designation (A5.3; it applies from the next period, A12.2)."""

    class Meta:
        model = TierChange

    designation = factory.SubFactory(DesignationFactory)
    customer = factory.SelfAttribute("designation.customer")
    tier = "core"
    effective_at = at(2026, 6, 1)


class KeyAccountFactory(CustomerFactory):
    """A customer of an account manager that is a key account of `tier` from `since`."""

    manager = factory.SubFactory(AccountManagerFactory)

    @classmethod
    def _create(cls, model_class, *args, tier: str = "core", since: dt.datetime = at(2025, 1, 1),
                **values) -> Customer:
        customer = super()._create(model_class, *args, **values)
        DesignationFactory(customer=customer, tier=tier, started_at=since)
        return customer


class ContactFactory(DjangoModelFactory):
    """A contact person made by `contact_create` (channels encrypted)."""

    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = ""
    phone = ""
    is_decision_maker = False

    @classmethod
    def _create(cls, model_class, *args, **values) -> Contact:
        return contact_create(actor=None, **values)


# --- engagement ---------------------------------------------------------------------------------------------

class ContactLogFactory(DjangoModelFactory):
    """A contact at any instant (A12.1 counts the manager's own phone, WeChat and visit contacts)."""

    class Meta:
        model = ContactLog

    customer = factory.SubFactory(KeyAccountFactory)
    at = factory.LazyFunction(timezone.now)
    kind = "phone"
    author = factory.LazyAttribute(lambda log: log.customer.account_manager)
    summary = "沟通"
    with_decision_maker = False


class VisitFactory(DjangoModelFactory):
    """A booked visit of the account's manager (A13), one hour long, booked three days before."""

    class Meta:
        model = Visit

    customer = factory.SubFactory(KeyAccountFactory)
    owner = factory.LazyAttribute(lambda v: v.customer.account_manager)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda v: v.starts_at + dt.timedelta(hours=1))
    booked_at = factory.LazyAttribute(lambda v: v.starts_at - dt.timedelta(days=3))
    purpose = "新品介绍"


# --- service and requests -------------------------------------------------------------------------------------

class TicketFactory(DjangoModelFactory):
    """A green-channel ticket of a key account (A11) opened by `ticket_open` at `reported_at`."""

    class Meta:
        model = Ticket

    customer = factory.SubFactory(KeyAccountFactory)
    problem = "床头板开裂"
    reported_at = factory.LazyFunction(timezone.now)
    now = factory.SelfAttribute("reported_at")
    actor = None

    @classmethod
    def _create(cls, model_class, *args, **values) -> Ticket:
        return ticket_open(**values)


class CustomerRequestFactory(DjangoModelFactory):
    """A customer request (A15) logged by the account's manager at `received_at`."""

    class Meta:
        model = CustomerRequest

    customer = factory.SubFactory(KeyAccountFactory)
    actor = factory.LazyAttribute(lambda r: r.customer.account_manager)
    kind = "customisation"
    channel = "wechat"
    summary = "客房衣柜加高 10 厘米"
    received_at = factory.LazyFunction(timezone.now)
    now = factory.SelfAttribute("received_at")

    @classmethod
    def _create(cls, model_class, *args, **values) -> CustomerRequest:
        return request_log(**values)


# --- orders and receivables ---------------------------------------------------------------------------------

class OrderFactory(DjangoModelFactory):
    """An order made by `order_create`: one line of `amount` yuan unless `lines` (LineIn rows) are given."""

    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"SO-T{n:05d}")
    order_date = dt.date(2026, 3, 1)
    status = "delivered"
    amount = "1000"
    lines = None

    @classmethod
    def _create(cls, model_class, *args, amount="1000", lines: list[LineIn] | None = None, **values) -> Order:
        if lines is None:
            lines = [LineIn("酒店床组", "HB-1800", Decimal("1"), Decimal(str(amount)))]
        return order_create(actor=None, lines=lines, **values)


class InvoiceFactory(DjangoModelFactory):
    """An invoice made by `invoice_create`, due 30 days after issue."""

    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"INV-T{n:05d}")
    issue_date = dt.date(2026, 3, 2)
    due_date = factory.LazyAttribute(lambda i: i.issue_date + dt.timedelta(days=30))
    amount = Decimal("1000.00")
    order = None

    @classmethod
    def _create(cls, model_class, *args, **values) -> Invoice:
        return invoice_create(actor=None, **values)


class PaymentFactory(DjangoModelFactory):
    """A payment made by `payment_record`, applied to `allocations` [(invoice, amount), …]."""

    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    reference = factory.Sequence(lambda n: f"PAY-T{n:05d}")
    paid_on = dt.date(2026, 3, 20)
    amount = Decimal("1000.00")
    allocations = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **values) -> Payment:
        return payment_record(actor=None, **values)
