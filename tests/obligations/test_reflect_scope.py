"""Issue 11: a write re-judges only the clocks it can change — the rules that depend on the kind of fact it wrote
(`ClockRule.depends_on`), for the account it touched — in a bounded number of queries; and the stored rows still
equal a fresh evaluation of the engine afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.obligations import engine, store
from kam.obligations.models import State, StoredObligation
from tests.factories import ContactLogFactory, HeadOfSalesFactory, KeyAccountFactory, VisitFactory

pytestmark = pytest.mark.django_db

#: logging one contact: the service's savepoint, the log, its audit row, the policy, one savepoint for the
#: reflection, the account (3), the three contact rules' counts, the stored rows, their update, their alerts
CONTACT_QUERIES = 16
VISIT_QUERIES = 14
TICKET_QUERIES = 14
REQUEST_QUERIES = 14


def _table(customer):
    return {r.key: (r.state, r.done) for r in StoredObligation.objects.filter(customer=customer, live=True)
            .exclude(state=State.OBSOLETE)}


def _engine(customer):
    return {o.key: (o.state, o.done) for o in engine.evaluate(customer_ids={customer.pk})}


def _world(accounts: int, history: int):
    """`accounts` key accounts of one manager, each with `history` contacts, open tickets, requests and visits."""
    from kam.demands.services import request_log
    from kam.service.services import ticket_open

    head = HeadOfSalesFactory()
    first = KeyAccountFactory(tier="core")
    manager = first.account_manager
    customers = [first] + [KeyAccountFactory(tier="core", manager=manager) for _ in range(accounts - 1)]
    now = timezone.now()
    for c in customers:
        for i in range(history):
            ContactLogFactory(customer=c, at=now - dt.timedelta(days=40 + i))
            VisitFactory(customer=c, starts_at=now + dt.timedelta(days=3 + i))
            ticket_open(actor=head, customer=c, problem="沙发开裂")
            request_log(actor=manager, customer=c, kind="customisation", channel="phone", summary="定制询价")
    store.reconcile_all(backfill=True)
    return head, manager, customers


@pytest.mark.parametrize(("accounts", "history"), [(1, 1), (12, 8)])
def test_a12_1_logging_one_contact_runs_a_bounded_number_of_queries(django_assert_max_num_queries, accounts,
                                                                    history):
    """A12.1: logging a contact costs the same few queries with one account and one fact each as with many."""
    from kam.engagement.services import contact_log_create

    _head, manager, customers = _world(accounts, history)
    with django_assert_max_num_queries(CONTACT_QUERIES):
        contact_log_create(actor=manager, customer=customers[0], at=timezone.now(), kind="phone", summary="回访")


def test_a12_1_a_contact_updates_its_cadence_clocks_and_leaves_the_others_alone():
    """A12.1: the remote-contact clock of the account is met by the contact at once; the clocks of tickets,
    requests, visits and the other accounts are not judged again (their rows are untouched)."""
    from kam.engagement.services import contact_log_create

    _head, manager, customers = _world(2, 1)
    c, other = customers
    a121 = StoredObligation.objects.get(rule="A12.1", customer=c, live=True, window_start__lte=timezone.now(),
                                        due_at__gt=timezone.now())
    assert a121.state != State.MET
    untouched = {r.pk: r.evaluated_at for r in StoredObligation.objects.exclude(
        rule__in=["A12.1", "A12.2", "A8.1"], customer=c)}
    at = timezone.now()
    contact_log_create(actor=manager, customer=c, at=at, kind="phone", summary="回访")
    a121.refresh_from_db()
    assert a121.state == State.MET and a121.met_at == at and a121.done == 1
    assert {r.pk: r.evaluated_at for r in StoredObligation.objects.filter(pk__in=untouched)} == untouched
    assert _table(c) == _engine(c) and _table(other) == _engine(other)


def test_a8_1_a_decision_maker_contact_by_the_head_of_sales_meets_a8_1():
    """A8.1: the head of sales' contact with a decision maker is a contact too: its clock is judged again."""
    from kam.engagement.services import contact_log_create
    from tests.factories import ContactFactory

    head, _manager, customers = _world(1, 0)
    c = customers[0]
    boss = ContactFactory(customer=c, name="王总", is_decision_maker=True)
    contact_log_create(actor=head, customer=c, at=timezone.now(), kind="phone", summary="拜年", contact=boss)
    row = StoredObligation.objects.get(rule="A8.1", customer=c, live=True, window_start__lte=timezone.now(),
                                       due_at__gt=timezone.now())
    assert row.state == State.MET
    assert _table(c) == _engine(c)


def test_a11_1_a_ticket_transition_judges_only_ticket_clocks(django_assert_max_num_queries):
    """A11.1: responding to a ticket meets its response clock; the contact cadences are not judged again."""
    from kam.service.models import Ticket
    from kam.service.services import ticket_respond

    head, _manager, customers = _world(1, 1)
    c = customers[0]
    ticket = Ticket.objects.get(customer=c)
    cadence = {r.pk: r.evaluated_at for r in StoredObligation.objects.filter(customer=c, rule="A12.1")}
    ticket_respond(actor=head, ticket=ticket, note="已联系客户", onsite_needed=False)
    row = StoredObligation.objects.get(rule="A11.1", subject_type="ticket", subject_id=ticket.pk)
    assert row.state == State.MET
    assert {r.pk: r.evaluated_at for r in StoredObligation.objects.filter(customer=c, rule="A12.1")} == cadence
    assert _table(c) == _engine(c)


def test_g1_reflect_refuses_a_kind_of_fact_no_rule_depends_on():
    """A misspelt kind would silently judge nothing: it is refused."""
    with pytest.raises(ValueError):
        store.reflect(customer_ids={1}, touched={"contacts"})


def test_g1_every_rule_declares_what_it_depends_on():
    assert all(rule.depends_on for rule in engine.REGISTRY.values())
    assert engine.rules_depending_on({"contact"}) == ["A12.1", "A12.2", "A8.1"]
    assert set(engine.rules_depending_on({"ticket"})) == {"A11.1", "A11.2"}


@pytest.mark.parametrize(("accounts", "history"), [(1, 1), (6, 6)])
def test_a13_a11_a15_visits_tickets_and_requests_reflect_in_a_bounded_number_of_queries(
        django_assert_max_num_queries, accounts, history):
    """A13.1, A11.1, A15.1: booking a visit, responding to a ticket and to a request judge only their own
    clocks, in a few queries whatever the history."""
    from kam.demands.models import CustomerRequest
    from kam.demands.services import request_respond
    from kam.engagement.services import visit_book
    from kam.service.models import Ticket
    from kam.service.services import ticket_respond

    head, manager, customers = _world(accounts, history)
    c = customers[0]
    start = timezone.now() + dt.timedelta(days=14)
    with django_assert_max_num_queries(VISIT_QUERIES):
        visit = visit_book(actor=manager, customer=c, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                           purpose="新品介绍", override_reason="客户要求")
    assert StoredObligation.objects.filter(rule="A13.1", subject_type="visit", subject_id=visit.pk).exists()
    ticket = Ticket.objects.filter(customer=c).first()
    with django_assert_max_num_queries(TICKET_QUERIES):
        ticket_respond(actor=head, ticket=ticket, note="已联系", onsite_needed=False)
    request = CustomerRequest.objects.filter(customer=c).first()
    with django_assert_max_num_queries(REQUEST_QUERIES):
        request_respond(actor=manager, request=request, response="已回复")
    assert _table(c) == _engine(c)
