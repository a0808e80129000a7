"""A14.2 reports of the gift register (per recipient and year, per account, per giver), their audited exports and
the register's, the half-yearly compliance summary for management (A3), and the gift photo: scoped to the giver's
chain (an account manager of another account gets 404), totals equal to the register, query counts bounded."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from kam.audit.models import AuditEvent
from kam.care import services
from kam.care.models import COUNTED_STATES, Gift
from kam.core.errors import ApplicationError, PolicyViolation

pytestmark = pytest.mark.django_db


def gift(users, account, value="100.00", *, recipient=None, item="定制茶具", actor=None, customer=None, **extra):
    return services.gift_register(actor=actor or users.am1, customer=customer or account.mine,
                                  recipient=recipient or account.boss, item=item, category="custom", quantity=1,
                                  unit_value=value, **extra)


def png(name="gift.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture
def register(users, account):
    """林董 ¥300 (awaiting) + ¥150 (given), 王经理 ¥80, a rejected ¥260 for 王经理; am2's 陈总 ¥120."""
    a = gift(users, account, "300.00")
    b = gift(users, account, "150.00", item="茶叶")
    services.gift_mark_given(actor=users.am1, gift=b)
    gift(users, account, "80.00", recipient=account.buyer, item="鲜花")
    r = gift(users, account, "260.00", recipient=account.buyer, item="红木笔筒")
    services.gift_decide(actor=users.head, gift=r, approve=False, note="重复")
    c = gift(users, account, "120.00", actor=users.am2, customer=account.other, recipient=account.other_boss,
             item="他的礼品")
    return a, b, r, c


def _table(body: str, table_id: str) -> str:
    start = body.index(f'id="{table_id}"')
    return body[start:body.index("</table>", start)]


def _total(client, url: str) -> int:
    body = client.get(url.replace("&amp;", "&")).content.decode()
    return int(re.search(r"共\s*(\d+)\s*条", body).group(1))


# --- reports ---------------------------------------------------------------------------------------------------

def test_a142_report_totals_equal_the_register(users, account, client, register):
    """A14.2: each report's total equals the sum of the register's counted gifts (rejected ones never count), and
    each row's count links to exactly its gifts."""
    client.force_login(users.mgmt)
    counted = sum(g.total_value for g in Gift.objects.filter(state__in=COUNTED_STATES))
    assert counted == Decimal("650.00")
    for which in ("recipients", "accounts", "givers"):
        response = client.get(f"/care/gifts/reports/{which}/")
        assert response.status_code == 200, which
        rows = response.context["page"].object_list
        assert sum(r["total"] for r in rows) == counted, which
        body = response.content.decode()
        for link, n in re.findall(r'<td data-label="[^"]*" class="num"><a href="([^"]+)">(\d+)</a>', body):
            assert _total(client, link) == int(n), (which, link)
    recipients = {r["recipient__name"]: r for r in client.get("/care/gifts/reports/recipients/").context["page"]}
    assert recipients["林董"]["total"] == Decimal("450.00") and recipients["林董"]["left"] == Decimal("1550.00")
    assert recipients["王经理"]["total"] == Decimal("80.00") and recipients["王经理"]["rejected"] == 1
    accounts = {r["customer__name"]: r for r in client.get("/care/gifts/reports/accounts/").context["page"]}
    assert accounts["华美酒店"]["n"] == 3 and accounts["华美酒店"]["recipients"] == 2
    assert accounts["华美酒店"]["awaiting"] == 1 and accounts["华美酒店"]["given"] == Decimal("150.00")


def test_a142_an_account_manager_sees_only_own_accounts_and_gets_404_for_another(users, account, client, register):
    client.force_login(users.am1)
    for which in ("recipients", "accounts", "givers"):
        body = client.get(f"/care/gifts/reports/{which}/").content.decode()
        assert "远景地产" not in body and "陈总" not in body, which
        assert client.get(f"/care/gifts/reports/{which}/?account={account.other.pk}").status_code == 404
        assert client.get(f"/care/gifts/reports/{which}/export.xlsx?account={account.other.pk}").status_code == 404
    assert client.get(f"/care/gifts/?account={account.other.pk}").status_code == 200  # the list: simply empty
    assert client.get(f"/care/gifts/export.xlsx?account={account.other.pk}").status_code == 404
    assert client.get("/care/gifts/reports/nonsense/").status_code == 404
    assert client.get("/care/gifts/summary/").status_code == 403
    client.force_login(users.svc)
    assert client.get("/care/gifts/reports/accounts/").status_code == 403


def test_a142_report_filters_sort_and_pages_with_bounded_queries(users, account, client, register):
    client.force_login(users.head)
    body = client.get("/care/gifts/reports/recipients/?customer=华美&sort=-left").content.decode()
    assert "林董" in body and "陈总" not in body
    with CaptureQueriesContext(connection) as few:
        client.get("/care/gifts/reports/accounts/")
    for i in range(12):
        gift(users, account, "10.00", item=f"茶叶{i}", recipient=account.buyer if i % 2 else account.boss)
    for which in ("recipients", "accounts", "givers"):
        with CaptureQueriesContext(connection) as many:
            assert client.get(f"/care/gifts/reports/{which}/").status_code == 200
        assert len(many.captured_queries) <= len(few.captured_queries) + 1, which
    last_year = client.get("/care/gifts/reports/accounts/?year=2025").context["lst"].total
    assert last_year == 0


# --- exports ---------------------------------------------------------------------------------------------------

def _rows(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    return list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))


def test_a142_export_of_the_register_is_audited_and_scoped(users, account, client, register):
    """A14.2, A7.2: am1 exports only own accounts' gifts; the export is audited (list, filters, rows)."""
    client.force_login(users.am1)
    response = client.get("/care/gifts/export.xlsx")
    assert response.status_code == 200
    rows = _rows(response)
    text = str(rows)
    assert "华美酒店" in text and "远景地产" not in text and "他的礼品" not in text
    assert "导出：" in str(rows[0][0])  # the watermark banner
    event = AuditEvent.objects.get(action="exchange.export")
    assert event.actor == users.am1 and event.changes["list"] == "care.gifts" and event.changes["rows"] == 4
    response = client.get("/care/gifts/export.xlsx?state=rejected")
    assert len(_rows(response)) == 3  # banner, header, the one rejected gift
    assert AuditEvent.objects.filter(action="exchange.export").latest("id").changes["filters"] == {"state": "rejected"}


def test_a142_report_exports_are_audited_and_scoped(users, account, client, register):
    client.force_login(users.am1)
    for which in ("recipients", "accounts", "givers"):
        response = client.get(f"/care/gifts/reports/{which}/export.xlsx")
        assert response.status_code == 200
        text = str(_rows(response))
        assert "远景地产" not in text and "陈总" not in text
        assert AuditEvent.objects.filter(action="exchange.export").latest("id").changes["list"] == (
            f"care.gift_report.{which}")
    client.force_login(users.head)
    rows = _rows(client.get("/care/gifts/reports/accounts/export.xlsx"))
    assert {r[0] for r in rows[2:]} == {"华美酒店", "远景地产"}


# --- the half-yearly summary ---------------------------------------------------------------------------------

def test_a3_a142_half_year_summary_figures_equal_the_records_they_link_to(users, account, client, register):
    with pytest.raises(PolicyViolation):
        gift(users, account, "100.00", item="超市购物卡")
    with pytest.raises(PolicyViolation):
        gift(users, account, "600.00", item="红木茶台")
    client.force_login(users.mgmt)
    response = client.get("/care/gifts/summary/?half=2026H2")
    assert response.status_code == 200
    body = response.content.decode()
    assert "¥200.00" in body and "¥500.00" in body  # the bands come from the policy's settings
    figures = {i: (u, int(n)) for i, u, n in re.findall(r'<a id="(fig-[\w-]+)" href="([^"]+)">(\d+)</a>', body)}
    assert figures["fig-gifts"][1] == 4 and figures["fig-band-1"][1] == 3 and figures["fig-band-2"][1] == 1
    assert figures["fig-refusal-word"][1] == 1 and figures["fig-refusal-per_gift"][1] == 1
    assert figures["fig-refusal-total"][1] == 2
    assert figures["fig-approval-returned"][1] == 1 and figures["fig-approval-awaiting"][1] == 1
    for key, (url, n) in figures.items():
        assert _total(client, url) == n, (key, url)
    empty = client.get("/care/gifts/summary/?half=2026H1").content.decode()
    assert re.search(r'id="fig-gifts" href="[^"]+">0<', empty)
    assert "礼品半年度合规汇总" in client.get("/care/integrity/").content.decode()
    with CaptureQueriesContext(connection) as ctx:
        client.get("/care/gifts/summary/?half=2026H2")
    assert len(ctx.captured_queries) <= 20


# --- the photo -------------------------------------------------------------------------------------------------

def test_a142_gift_photo_is_stored_0600_and_served_only_to_the_chain(users, account, client, register, settings,
                                                                     tmp_path):
    import os
    import stat

    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.FILE_UPLOAD_PERMISSIONS = 0o600
    g = gift(users, account, "50.00", item="鲜花", photo=png())
    assert g.photo and stat.S_IMODE(os.stat(g.photo.path).st_mode) == 0o600
    assert "gift.png" not in g.photo.name  # a random name, not the uploaded one
    client.force_login(users.am1)
    page = client.get(f"/care/gifts/{g.pk}/").content.decode()
    assert f"/care/gifts/{g.pk}/photo/" in page and "/media/" not in page
    response = client.get(f"/care/gifts/{g.pk}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(users.am2)
    assert client.get(f"/care/gifts/{g.pk}/photo/").status_code == 404
    client.force_login(users.svc)
    assert client.get(f"/care/gifts/{g.pk}/photo/").status_code == 403
    client.force_login(users.mgmt)
    assert client.get(f"/care/gifts/{g.pk}/photo/").status_code == 200


def test_a142_a_renamed_exe_is_refused_as_the_gift_photo_with_the_field_named(users, account, client, settings,
                                                                              tmp_path):
    settings.MEDIA_ROOT = tmp_path
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
    with pytest.raises(ApplicationError) as refused:
        gift(users, account, "50.00", photo=exe)
    assert refused.value.field == "photo" and "礼品照片" in str(refused.value.message)
    assert not Gift.objects.exists()
    client.force_login(users.am1)
    exe.seek(0)
    data = {"recipient": account.boss.pk, "item": "鲜花", "category": "flowers", "quantity": "1",
            "unit_value": "50.00", "planned_on": "2026-09-20", "photo": exe}
    response = client.post(f"/care/gifts/new/?customer={account.mine.pk}", data)
    body = response.content.decode()
    assert response.status_code == 400 and "礼品照片" in body and "不是有效的" in body and 'value="鲜花"' in body
    assert not Gift.objects.exists()
    g = gift(users, account, "50.00")
    exe.seek(0)
    response = client.post(f"/care/gifts/{g.pk}/photo/set/", {"photo": exe})
    assert response.status_code == 400 and "礼品照片" in response.content.decode()
    g.refresh_from_db()
    assert not g.photo
    ok = client.post(f"/care/gifts/{g.pk}/photo/set/", {"photo": png()}, follow=True)
    assert "已保存礼品照片" in ok.content.decode()
    g.refresh_from_db()
    assert g.photo
    assert AuditEvent.objects.filter(action="care.gift.photo_added", target_id=str(g.pk), rule="A14.2").exists()
    client.force_login(users.am2)
    assert client.post(f"/care/gifts/{g.pk}/photo/set/", {"photo": png()}).status_code == 404


# --- the API -----------------------------------------------------------------------------------------------------

def test_a142_report_api_is_scoped_paged_and_read_only(users, account, client, register):
    client.force_login(users.am1)
    rows = client.get("/api/care/gift-reports/accounts").json()
    assert rows["count"] == 1 and rows["items"][0]["customer_name"] == "华美酒店"
    assert rows["items"][0]["total"] in ("530.00", 530.0, "530")
    recipients = client.get("/api/care/gift-reports/recipients?year=2026").json()["items"]
    assert {r["recipient_name"] for r in recipients} == {"林董", "王经理"}
    boss = next(r for r in recipients if r["recipient_name"] == "林董")
    assert Decimal(str(boss["left"])) == Decimal("1550.00")
    assert client.get(f"/api/care/gift-reports/givers?customer_id={account.other.pk}").status_code == 404
    assert client.get("/api/care/gift-reports/summary").status_code == 403
    assert client.post("/api/care/gift-reports/accounts", {}, content_type="application/json").status_code == 405
    client.force_login(users.svc)
    assert client.get("/api/care/gift-reports/accounts").status_code == 403
    client.force_login(users.mgmt)
    summary = client.get("/api/care/gift-reports/summary?half=2026H2").json()
    assert summary["half"] == "2026H2" and summary["n"] == 4
    assert {r["reason"] for r in summary["refusals"]} == {"category", "word", "per_gift", "per_year"}
    assert [a["kind"] for a in summary["approvals"]] == ["approved", "returned", "awaiting"]
    assert client.get("/api/care/gift-reports/summary?half=2026H3").status_code == 422
    schema = client.get("/api/openapi.json").json()
    text = str(schema)
    assert "/api/care/gift-reports/summary" in schema["paths"] and "per_gift" in text


def test_a142_report_api_query_count_is_bounded(users, account, client, register):
    client.force_login(users.head)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/care/gift-reports/recipients")
    for i in range(10):
        gift(users, account, "10.00", item=f"茶叶{i}", recipient=account.buyer)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/care/gift-reports/recipients")
    assert len(many.captured_queries) == len(few.captured_queries)
