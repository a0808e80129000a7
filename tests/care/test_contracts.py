"""Commitment clocks (A18.1), contracts on file (A18.2) and the operating settings they read: an unapproved
commitment past its working-day window alerts the head of sales once; an approved commitment missed alerts its
department and the account manager once; a contract ending within the reminder window is listed, one day later
it is not; core contract terms stay hidden until an audited reveal; a renamed executable is refused as a
contract scan; the A3 page's figures equal the records they link to."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kam.care import contracts, services
from kam.care.models import Commitment
from kam.core.errors import AccessDenied, ApplicationError
from kam.customers.models import Contract
from kam.obligations import engine
from kam.obligations.sweep import sweep
from tests.factories import at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _commit(users, account, **changes):
    data = {"kind": "payment_term", "description": "账期延长到 60 天", "department": "finance",
            "due_on": dt.date(2026, 9, 20)}
    data.update(changes)
    return services.commitment_register(actor=users.am1, customer=account.mine, now=at(2026, 9, 10, 10, 0), **data)


def _alert_notes(rule: str, period: str):
    from kam.notify.models import Notification

    return Notification.objects.filter(rule=rule, alert__period_key=period, recipient__isnull=False)


def test_a181_commitment_not_approved_in_time_alerts_head_exactly_once(users, account, client):
    """A18.1: unapproved `commitments.approval_working_days` (2) working days after registration (Thursday →
    Monday) → one alert reaches the head of sales; sweeping again adds none."""
    c = _commit(users, account)
    sweep(now=at(2026, 9, 14, 9, 59), deliver=False)  # Monday, a minute before the window closes
    assert not _alert_notes("A18.1", "approval").filter(recipient=users.head).exists()
    sweep(now=at(2026, 9, 14, 10, 1), deliver=False)
    sweep(now=at(2026, 9, 14, 11, 0), deliver=False)
    heads = _alert_notes("A18.1", "approval").filter(recipient=users.head, alert__kind="breached")
    assert heads.count() == 1 and str(c.pk) in heads.get().url
    # the account manager watches it (it stands on "my day" until approved)
    assert _alert_notes("A18.1", "approval").filter(recipient=users.am1, alert__kind="breached").count() == 1
    client.force_login(users.am1)
    assert "承诺待审批" in client.get("/my-day/").content.decode()


def test_a181_approved_commitment_missed_alerts_department_and_manager_once(users, account):
    """A18.1: approved with a due date, not recorded as kept by the end of that day → one alert to the
    delivering department (finance) and one to the account manager; the head of sales is not alerted."""
    c = _commit(users, account)
    services.commitment_decide(actor=users.fin, commitment=c, approve=True)
    sweep(now=at(2026, 9, 20, 23, 0), deliver=False)
    assert not _alert_notes("A18.1", "delivery").filter(alert__kind="breached").exists()
    sweep(now=at(2026, 9, 21, 0, 1), deliver=False)
    sweep(now=at(2026, 9, 21, 9, 0), deliver=False)
    missed = _alert_notes("A18.1", "delivery").filter(alert__kind="breached")
    assert sorted(missed.values_list("recipient__username", flat=True)) == ["am1", "fin"]
    services.commitment_done(actor=users.fin, commitment=c, note="已签补充协议")
    c.refresh_from_db()
    assert c.done_by == users.fin and c.done_at is not None and c.state == "done"


def test_a181_commitment_attached_to_the_same_customers_contract_and_request(users, account):
    from tests.factories import CustomerRequestFactory

    mine = contracts.contract_save(actor=users.am1, customer=account.mine, number="HT-A", kind="framework",
                                   start_on=dt.date(2026, 1, 1), end_on=dt.date(2026, 12, 31))
    theirs = contracts.contract_save(actor=users.am2, customer=account.other, number="HT-B", kind="purchase",
                                     start_on=dt.date(2026, 1, 1))
    req = CustomerRequestFactory(customer=account.mine)
    c = _commit(users, account, contract=mine, request=req)
    assert (c.contract, c.request) == (mine, req)
    with pytest.raises(ApplicationError) as bad:
        _commit(users, account, contract=theirs)
    assert bad.value.field == "contract"


def _contract(users, account, number: str, end_on: dt.date, **extra) -> Contract:
    return contracts.contract_save(actor=users.am1, customer=account.mine, number=number, kind="purchase",
                                   start_on=dt.date(2026, 1, 1), end_on=end_on, **extra)


def test_a182_contract_expiring_in_60_days_listed_61_not(users, account, client):
    """A18.2: with `contracts.expiry_remind_days` = 60, a contract ending in 60 days is due soon for the account
    manager and in the "expiring within 60 days" list; one ending in 61 days is neither."""
    today = dt.date(2026, 9, 10)
    in60 = _contract(users, account, "HT-60", today + dt.timedelta(days=60))
    in61 = contracts.contract_save(actor=users.am2, customer=account.other, number="HT-61", kind="purchase",
                                   start_on=dt.date(2026, 1, 1), end_on=today + dt.timedelta(days=61))
    obs = {o.subject_id: o for o in engine.evaluate(now=at(2026, 9, 10, 10, 0), rules=["A18.2"])}
    assert obs[in60.pk].state == "due_soon" and obs[in60.pk].owner_id == users.am1.pk
    assert obs[in61.pk].state == "upcoming"
    client.force_login(users.head)
    body = client.get("/care/contracts/?expiring=60").content.decode()
    assert "HT-60" in body and "HT-61" not in body
    # a renewal in force the day after it ends meets the reminder
    _contract(users, account, "HT-60-R", None)
    obs = {o.subject_id: o for o in engine.evaluate(now=at(2026, 9, 10, 10, 0), rules=["A18.2"])}
    assert obs[in60.pk].state == "met"


def test_operating_setting_change_is_audited_and_used_by_the_a181_clock(users, account, client):
    """Operating settings: the head of sales changes `commitments.approval_working_days` (audited with who, old
    and new); the A18.1 clock uses the new value at once; others may not change it; bad input names the field."""
    from kam.audit.models import AuditEvent
    from kam.policy.operating import operating_value
    from kam.policy.services import operating_setting_set

    c = _commit(users, account)
    late = at(2026, 9, 14, 10, 1)

    def approval_state():
        return next(o.state for o in engine.evaluate(now=late, rules=["A18.1"])
                    if o.subject_id == c.pk and o.period_key == "approval")

    assert approval_state() == "breached"
    client.force_login(users.head)
    page = client.post("/policy/operating/", {"key": "commitments.approval_working_days", "value": "5"})
    assert page.status_code == 302
    assert operating_value("commitments.approval_working_days") == 5
    event = AuditEvent.objects.get(action="policy.operating.updated")
    assert event.actor == users.head and event.changes["value"] == {"old": "2", "new": "5"}
    assert approval_state() != "breached"
    body = client.get("/policy/operating/").content.decode()
    assert "客户承诺审批期限" in body and "commitments.approval_working_days" not in body.split("<form")[0]
    bad = client.post("/policy/operating/", {"key": "contracts.expiry_remind_days", "value": "abc"})
    assert bad.status_code == 400 and "合同到期提前提醒天数" in bad.content.decode() and 'value="abc"' in \
        bad.content.decode()
    with pytest.raises(AccessDenied):
        operating_setting_set(actor=users.am1, key="contracts.expiry_remind_days", value="30")
    client.force_login(users.am1)
    assert client.get("/policy/operating/").status_code == 403


def test_a182_upload_refused_for_a_renamed_exe(users, account, client):
    """A18.2 (issue 12 §3): a contract document is checked by content — an executable named .pdf is refused,
    the form keeps what was typed and nothing is recorded."""
    client.force_login(users.am1)
    exe = SimpleUploadedFile("合同扫描.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
                             content_type="application/pdf")
    page = client.post(f"/care/contracts/new/?customer={account.mine.pk}",
                       {"number": "HT-EXE", "kind": "purchase", "start_on": "2026-09-01", "document": exe})
    assert page.status_code == 400 and not Contract.objects.filter(number="HT-EXE").exists()
    assert 'value="HT-EXE"' in page.content.decode()
    ok = client.post(f"/care/contracts/new/?customer={account.mine.pk}",
                     {"number": "HT-PDF", "kind": "purchase", "start_on": "2026-09-01",
                      "document": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")})
    assert ok.status_code == 302
    c = Contract.objects.get(number="HT-PDF")
    assert c.document and c.created_by == users.am1
    assert client.get(f"/care/contracts/{c.pk}/document/").status_code == 200
    client.force_login(users.am2)  # another manager's account: not found
    assert client.get(f"/care/contracts/{c.pk}/document/").status_code == 404


def test_a71_core_contract_terms_hidden_from_am_and_revealed_to_head_with_access_record(users, account, client):
    """A7.1/A7.2 via A18.2: management marks payment terms core; the account manager never sees them (a reveal is
    refused and recorded); the head of sales sees them after a reveal, which writes one access record."""
    from kam.audit.models import CoreAccess
    from kam.confidentiality.services import field_classify

    c = _contract(users, account, "HT-CORE", dt.date(2027, 6, 30), payment_terms="PAYMARK 月结 90 天")
    field_classify(actor=users.mgmt, field="customers.Contract.payment_terms", core=True)
    client.force_login(users.am1)
    assert "PAYMARK" not in client.get(f"/care/contracts/{c.pk}/").content.decode()
    denied = client.post(f"/care/contracts/{c.pk}/reveal/")
    assert denied.status_code == 403 and "PAYMARK" not in denied.content.decode()
    assert CoreAccess.objects.filter(user=users.am1, granted=False).count() == 1
    client.force_login(users.head)
    page = client.get(f"/care/contracts/{c.pk}/").content.decode()
    assert "PAYMARK" not in page and "reveal-terms" in page
    before = CoreAccess.objects.filter(user=users.head, granted=True).count()
    shown = client.post(f"/care/contracts/{c.pk}/reveal/").content.decode()
    assert "PAYMARK" in shown
    access = CoreAccess.objects.filter(user=users.head, granted=True)
    assert access.count() == before + 1 and "PAYMARK" not in str(access.last().fields)


def test_a3_contract_and_commitment_figures_equal_their_records(users, account, client):
    """A3: commitments past their approval window, approved ones missed, key accounts without a contract in force
    — each figure equals the records its link lists."""
    late = _commit(users, account)
    missed = _commit(users, account, kind="warranty", department="after_sales", due_on=dt.date(2026, 9, 11))
    services.commitment_decide(actor=users.svc, commitment=missed, approve=True)
    _contract(users, account, "HT-OK", dt.date(2027, 1, 1))  # am1's account has one in force; am2's has none
    sweep(now=at(2026, 9, 14, 10, 1), deliver=False)
    client.force_login(users.mgmt)
    body = client.get("/care/integrity/").content.decode()
    figures = {i: (u, int(n)) for i, u, n in re.findall(r'<a id="(fig-[\w-]+)" href="([^"]+)">(\d+)</a>', body)}
    assert figures["fig-commitments-late"][1] == 1 and figures["fig-commitments-missed"][1] == 1
    for key in ("fig-commitments-late", "fig-commitments-missed"):
        listed = client.get(figures[key][0]).content.decode()
        assert int(re.search(r"共\s*(\d+)\s*条", listed).group(1)) == figures[key][1], key
    assert late.pk in {c.pk for c in Commitment.objects.filter(state="pending")}
    assert figures["fig-no-contract"][1] == 1
    table = body[body.index('id="no-contract"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 2 and account.other.name in table and account.mine.name not in table


def test_a181_a182_api_commitment_done_and_contracts_with_core_terms_masked(users, account, client,
                                                                            django_assert_max_num_queries):
    """A18.1/A18.2 through the API: register a commitment, the department approves and records it kept; the
    contract list (bounded queries whatever the rows) never carries core terms."""
    client.force_login(users.am1)
    made = client.post("/api/care/commitments/", {"customer_id": account.mine.pk, "kind": "warranty",
                                                  "description": "质保延长到 5 年", "department": "after_sales",
                                                  "due_on": "2026-10-01"}, content_type="application/json")
    assert made.status_code == 201, made.content
    cid = made.json()["id"]
    client.force_login(users.svc)
    assert client.post(f"/api/care/commitments/{cid}/decide", {"approve": True},
                       content_type="application/json").json()["state"] == "approved"
    done = client.post(f"/api/care/commitments/{cid}/done", {"note": "已发质保卡"}, content_type="application/json")
    assert done.json()["state"] == "done" and done.json()["done_by_id"] == users.svc.pk
    for i in range(6):
        _contract(users, account, f"HT-API-{i}", dt.date(2026, 10, 1) + dt.timedelta(days=i),
                  payment_terms=f"APIMARK-{i}")
    from kam.confidentiality.services import field_classify

    field_classify(actor=users.mgmt, field="customers.Contract.payment_terms", core=True)
    client.force_login(users.head)
    with django_assert_max_num_queries(12):
        page = client.get("/api/care/contracts/?expiring_within_days=60")
    assert page.status_code == 200 and page.json()["count"] == 6
    assert "APIMARK" not in page.content.decode()
    client.force_login(users.am2)
    assert client.get("/api/care/contracts/").json()["count"] == 0


def test_licence_file_content_checked_renamed_exe_refused(users, account, client):
    """Issue 12 §3 (A6.1 licences): a licence scan is an image or a PDF by content; an executable renamed .pdf is
    refused naming the field and nothing is saved; a real PDF is kept and downloadable for who sees the customer."""
    from kam.dossier.models import License

    client.force_login(users.am1)
    exe = SimpleUploadedFile("营业执照.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    page = client.post(f"/customers/{account.mine.pk}/licenses/", {"name": "营业执照", "file": exe})
    assert page.status_code == 400 and not License.objects.exists() and "证照文件" in page.content.decode()
    ok = client.post(f"/customers/{account.mine.pk}/licenses/",
                     {"name": "营业执照", "file": SimpleUploadedFile("lic.pdf", PDF, content_type="application/pdf")})
    assert ok.status_code == 302
    lic = License.objects.get()
    assert lic.file and client.get(f"/customers/{account.mine.pk}/licenses/{lic.pk}/file/").status_code == 200
    client.force_login(users.am2)
    assert client.get(f"/customers/{account.mine.pk}/licenses/{lic.pk}/file/").status_code == 404


def test_a182_dossier_panel_and_contract_list_queries_bounded(users, account, client, django_assert_num_queries):
    """A18.2: the dossier's contract panel is one query and the company list a fixed number, whatever the number
    of contracts (the panel flags an account without a contract in force)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users.am1)
    body = client.get(f"/customers/{account.mine.pk}/").content.decode()
    assert 'id="no-contract-flag"' in body

    def counts():
        with CaptureQueriesContext(connection) as dossier:
            client.get(f"/customers/{account.mine.pk}/")
        with CaptureQueriesContext(connection) as listed:
            client.get("/care/contracts/?expiring=90&document=missing")
        return len(dossier), len(listed)

    _contract(users, account, "HT-Q-0", dt.date(2026, 10, 1))
    before = counts()
    for i in range(1, 9):
        _contract(users, account, f"HT-Q-{i}", dt.date(2026, 10, 1) + dt.timedelta(days=i))
    assert counts() == before
    body = client.get(f"/customers/{account.mine.pk}/").content.decode()
    assert 'id="no-contract-flag"' not in body and "HT-Q-8" in body
