"""`kam bench pages` (issue 11) on a tiny dataset: every code path of the benchmark but gunicorn and the child
process that counts on the demo database — the data top-up, the sweep, the pages as their roles, the query
counts, the log-in through the log-in page, one client, several clients against the floor, and the table."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest

from kam.demo import bench_pages
from kam.demo.bench import Result
from kam.demo.bench_pages import Count, OneClient, Page, Row

PASSWORD = "pw-kam-2026"  # the `users` fixture's


def _port(live_server) -> int:
    port = urlsplit(live_server.url).port
    assert port is not None
    return port


@pytest.mark.django_db(transaction=True)
def test_bench_pages_measures_every_page_as_its_role_on_a_tiny_dataset(users, live_server, settings):
    from kam.customers.models import Customer
    from kam.engagement.models import ContactLog
    from kam.obligations.models import StoredObligation, SweepRun
    from kam.qualification.models import Review
    from kam.qualification.selectors import key_account_ids

    settings.ROOT_URLCONF = "kam.demo.bench_urls"  # the project's pages plus the floor, as the bench server
    out = io.StringIO()
    assert bench_pages.prepare_data(customers=4, lines_per_customer=60, key_accounts=3, contact_logs=60,
                                    skip_generate=False, out=out) is True
    assert Customer.objects.count() == 4
    assert len(key_account_ids()) == 3 and ContactLog.objects.count() == 60
    assert bench_pages.prepare_data(customers=4, lines_per_customer=60, key_accounts=3, contact_logs=60,
                                    skip_generate=False, out=out) is False  # enough data: nothing written
    assert Customer.objects.count() == 4

    # one sweep stores the obligations (backfill) and is recorded; a second call within the hour reuses it
    first = bench_pages.sweep_once(out=out)
    assert first["skipped"] is False and first["backfill"] is True and StoredObligation.objects.exists()
    assert SweepRun.objects.filter(finished_at__isnull=False).count() == 1
    assert bench_pages.sweep_once(out=out)["skipped"] is True
    assert SweepRun.objects.count() == 1

    pages = bench_pages.resolve_pages(out=out)
    assert Review.objects.filter(kind="annual").count() == 1  # this year's review, drafted as head
    assert len({p.key for p in pages}) == len(pages) == 15
    busiest = ContactLog.objects.values_list("customer_id", flat=True).order_by("customer_id").first()
    # no key account designated by a review here: both dossiers are the busiest (round-robin logs: the first key
    # account ties for most)
    assert [p.path for p in pages if p.label.startswith("dossier")] == [f"/customers/{busiest}/"] * 2

    counts = bench_pages.count_queries(pages)
    assert {key: c.status for key, c in counts.items()} == {p.key: 200 for p in pages}
    assert all(c.queries > 0 and c.bytes > 0 and c.ms > 0 and c.sql_ms > 0 for c in counts.values())

    # over HTTP: the log-in page, one client, several clients, the floor
    port = _port(live_server)
    with pytest.raises(RuntimeError, match="logging in as am1 answered 200"):
        bench_pages.login_http(port=port, username="am1", password="wrong-password")
    cookie = bench_pages.login_http(port=port, username="am1", password=PASSWORD)
    one = bench_pages.measure_one_client(port=port, path="/my-day/", cookie=cookie, requests=4)
    assert one.requests == 4 and one.errors == 0 and one.bytes > 0 and 0 < one.p50_ms <= one.p95_ms
    with pytest.raises(RuntimeError, match="answered 302"):  # not logged in: the log-in page, not the page
        bench_pages.measure_one_client(port=port, path="/my-day/", cookie="", requests=1)

    rows = [Row(p) for p in pages if p.key in ("my day (am1)", "after-sales queue (svc)")]
    floors = bench_pages.measure_pages(port=port, rows=rows, password=PASSWORD, requests=3, duration=1,
                                       connections=2, threads=1, out=out)
    for row in (*floors, *rows):
        assert not row.error, row.error
        assert row.one is not None and row.one.requests == 3 and row.one.errors == 0
        assert row.many is not None and row.many.requests > 0 and row.many.non2xx == 0
    assert floors[0].one is not None and floors[0].one.bytes == len(b'{"ok": true}')

    table = io.StringIO()
    bench_pages.report(table, rows, floors, scale="tiny", requests=3, duration=1, connections=2, threads=1,
                       workers=1, tool="test", load_before=0.0, seconds=1.0)
    text = table.getvalue()
    assert "| my day (am1) |" in text and "| after-sales queue (svc) |" in text and "| floor: constant JSON" in text


def _row(label: str, *, p95: float, rps: float, demo: int, large: int, limited: bool = True,
         same_subject: bool = True) -> Row:
    row = Row(Page(label, "head", "/x/", limited, same_subject), large=Count(200, large, 2048),
              demo=Count(200, demo, 1024))
    row.one = OneClient(50, p95 / 2, p95, 2048, 0)
    row.many = Result(label, "/x/", int(rps * 5), 5.0, p95 / 2, p95, 0, 0)
    return row


def test_bench_pages_report_names_each_missed_target_of_issue_11():
    floor = Row(Page("floor: constant JSON", "am1", "/__bench/floor", False))
    floor.one = OneClient(50, 1.0, 2.0, 11, 0)
    floor.many = Result("floor", "/__bench/floor", 5000, 5.0, 1.0, 2.0, 0, 0)  # 1,000 req/s
    rows = [
        _row("fast list", p95=20, rps=300, demo=6, large=6),
        _row("slow page", p95=150, rps=30, demo=9, large=9),  # p95 and ratio 0.03 miss
        _row("growing list", p95=40, rps=100, demo=7, large=15),  # queries grow and exceed 12
        _row("detail page", p95=40, rps=100, demo=20, large=20, limited=False),  # no limit for a detail page
        # another customer on the demo data: its count is shown, not compared
        _row("busiest detail", p95=40, rps=100, demo=20, large=22, limited=False, same_subject=False),
    ]
    out = io.StringIO()
    misses = bench_pages.report(out, rows, (floor, floor), scale="test", requests=50, duration=5, connections=8,
                                threads=2, workers=2, tool="wrk", load_before=0.0, seconds=1.0)
    assert len(misses) == 2
    assert misses[0].startswith("slow page (head): p95 150 ms > 100 ms; 0.030× the floor < 0.05×")
    assert misses[1] == ("growing list (head): queries 7 on the demo, 15 on the large database; "
                         "15 queries > 12")
    text = out.getvalue()
    assert "| fast list (head) | 6 / 6 | 2.0 KB | 10.0 ms | 20.0 ms | 300.0 | 0.300 | 0 / 0 / 0 ms |" in text
    assert "| busiest detail (head) | [20] / 22 |" in text
    assert "MISSED:" in text
