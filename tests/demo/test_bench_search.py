"""`kam bench search` (issue 13) on a tiny dataset: the top-up, both users, every query of the set, the floors and
the summary; the run's sessions and core-access rows are rolled back, the top-up is kept (a second run adds none)."""

from __future__ import annotations

import io

import pytest


@pytest.mark.django_db(transaction=True)
def test_bench_search_measures_every_query_as_head_and_am1(users):
    from kam.audit.models import CoreAccess
    from kam.core import search
    from kam.customers.models import Contact, Customer
    from kam.demo import bench_search
    from kam.service.models import Ticket

    out = io.StringIO()
    result = bench_search.run(customers=8, lines_per_customer=1, requests=2, stdout=out)
    text = out.getvalue()
    assert Customer.objects.count() == 8 and Contact.objects.count() == 16 and Ticket.objects.count() == 2
    assert "floor (one customer by primary key)" in text and "page floor" in text and "all queries" in text
    for label, _q in bench_search._queries():
        assert text.count(f"\n{label:<18} ") == 2, label  # head and am1
    assert result["customers"] == 8 and result["search"][1] >= result["search"][0] > 0
    assert not CoreAccess.objects.exists()  # the run's phone matches were logged, then rolled back
    # the generator wrote the pinyin keys: every generated customer is found by its own initials
    customer = Customer.objects.first()
    initials = customer.search_initials.split(" ")[0]
    assert customer.name in [h.title for g in search.run(user=users.head, query=search.parse(initials[:4]),
                                                         limit=20, kinds=("customers",)) for h in g.hits]
    bench_search.run(customers=8, lines_per_customer=1, requests=1, stdout=io.StringIO())
    assert Contact.objects.count() == 16  # topped up once
