"""The gift import kind (A14.2): every row through the same gates as a registration, with the running total of the
register and of the rows above it; all-or-nothing per file with the row-by-row errors; the template with notes."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from kam.approvals.models import Approval
from kam.audit.models import AuditEvent
from kam.care import services
from kam.care.models import Gift, GiftRefusal, GiftState
from tests.exchange.helpers import run, xlsx_upload

pytestmark = pytest.mark.django_db

HEADER = ["客户", "受礼人", "场合", "礼品", "类别", "数量", "单价（元）", "供应商/发票号", "赠送人", "赠送日期", "状态"]


def line(account, *, recipient="林董", item="定制茶具", category="定制礼品", quantity=1, value="100.00",
         giver="am1", day="2026-09-20", state="已登记", customer=None):
    return [(customer or account.mine).name, recipient, "中秋节", item, category, quantity, value, "FP-1", giver, day,
            state]


def test_a142_import_is_all_or_nothing_and_reports_the_over_limit_row_with_the_running_total(users, account):
    services.gift_register(actor=users.am1, customer=account.mine, recipient=account.boss, item="瓷器",
                           category="craft", quantity=1, unit_value="500.00")  # 林董 has ¥500 in 2026
    rows = [HEADER,
            line(account, value="480.00", state="已登记"),  # 980
            line(account, value="450.00", item="红木笔筒"),  # 1,430
            line(account, value="180.00", recipient="王经理", item="茶叶", category="茶叶"),
            line(account, value="450.00", item="书法作品"),  # 1,880
            line(account, value="150.00", item="鲜花果篮", category="鲜花与绿植")]  # 2,030: over the yearly limit
    _run, result = run(users.head, "gifts", xlsx_upload("g.xlsx", rows))
    assert not result.ok and Gift.objects.count() == 1  # nothing of the file was registered
    messages = [str(e) for e in result.errors]
    assert len(messages) == 1, messages
    assert "第 6 行" in messages[0] and "¥1,880.00" in messages[0] and "¥2,030.00" in messages[0]
    assert "A14.2" in messages[0] and "第十四条" in messages[0]


def test_a142_import_refuses_cash_equivalents_and_a_gift_over_500(users, account):
    rows = [HEADER, line(account, item="超市购物卡", category="食品与地方特产"),
            line(account, item="红包", category="现金/礼金"), line(account, value="500.01", item="红木茶台"),
            line(account, value="500.00", item="红木茶盘", giver="am2")]
    _run, result = run(users.head, "gifts", xlsx_upload("g.xlsx", rows))
    text = " | ".join(str(e) for e in result.errors)
    assert not result.ok and not Gift.objects.exists()
    assert "超市购物卡" in text and "购物卡" in text and "「现金/礼金」属于现金" in text
    assert "¥500.01" in text and "客户经理只能向自己负责的客户赠送礼品" in text
    assert result.error_count == 4
    # A3: the refused rows are refused attempts, recorded for management with the file's line
    refusals = GiftRefusal.objects.filter(channel="import").order_by("id")
    assert [r.reason for r in refusals] == ["word", "category", "per_gift"]
    assert refusals[0].actor == users.head and refusals[0].message.startswith("导入文件第 2 行")
    assert AuditEvent.objects.filter(action="care.gift.refused", rule="A14.2").count() == 3


def test_a142_import_writes_states_approvals_and_audit(users, account):
    rows = [HEADER, line(account, value="120.00", state="已赠送", day="2026-09-01"),
            line(account, value="300.00", item="定制瓷器", day="2026-09-25"),  # over 200, 已登记: waits
            line(account, value="260.00", item="茶盘", state="已批准", recipient="王经理", day="2026-09-25"),
            line(account, value="88.00", item="他的礼品", recipient="陈总", customer=account.other, giver="am2")]
    _run, dry = run(users.head, "gifts", xlsx_upload("g.xlsx", rows), dry_run=True)
    assert dry.ok and dry.counts["created"] == 4 and not Gift.objects.exists()
    _run, result = run(users.head, "gifts", xlsx_upload("g.xlsx", rows))
    assert result.ok, [str(e) for e in result.errors]
    given = Gift.objects.get(item="定制茶具")
    assert given.state == GiftState.GIVEN and str(given.given_on) == "2026-09-01" and given.giver == users.am1
    waiting = Gift.objects.get(item="定制瓷器")
    assert waiting.state == GiftState.AWAITING_APPROVAL and waiting.needs_approval
    assert Approval.objects.filter(kind="care.gift", subject_id=waiting.pk).exists()
    approved = Gift.objects.get(item="茶盘")
    assert approved.state == GiftState.APPROVED and approved.decided_by == users.head
    assert Gift.objects.get(item="他的礼品").giver == users.am2
    assert AuditEvent.objects.filter(action="care.gift.imported", rule="A14.2").count() == 4
    assert services.year_total(recipient=account.boss, year=2026) == Decimal("420.00")


def test_a142_import_over_the_threshold_as_approved_needs_the_approver(users, account):
    """A14.2: the head of sales' own gift above the threshold is approved by management, not by the importer."""
    rows = [HEADER, line(account, value="300.00", giver="head", state="已赠送", day="2026-09-01")]
    _run, result = run(users.head, "gifts", xlsx_upload("g.xlsx", rows))
    assert not result.ok and "须经管理层批准" in str(result.errors[0])


def test_a142_gift_import_template_has_notes(users, client):
    client.force_login(users.head)
    response = client.get("/exchange/templates/gifts.xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    wb = openpyxl.load_workbook(io.BytesIO(data))
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "受礼人" in text and "赠送人" in text and "第十四条" in text
    client.force_login(users.am1)
    assert client.get("/exchange/templates/gifts.xlsx").status_code in (403, 404)
