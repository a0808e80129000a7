"""The import pages: upload, dry-run report by row and column, mapping, confirm (all-or-nothing)."""

import pytest

from kam.customers.models import Customer
from kam.customers.validators import make_credit_code
from kam.exchange.models import ImportMapping, ImportRun
from tests.exchange.helpers import xlsx_upload

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "统一社会信用代码", "客户类型", "城市"]


def _code(n):
    return make_credit_code(f"914406040000{n:05d}")


def test_upload_shows_row_errors_then_fixed_file_imports(users, client):
    client.force_login(users.head)
    rows = [HEADER] + [[f"客户{i}", _code(i), "大型酒店运营商", "佛山"] for i in range(1, 6)]
    rows[3][1] = "91440604000000003X"  # wrong check digit on file row 4
    response = client.post("/exchange/imports/", {"kind": "customers", "file": xlsx_upload("c.xlsx", rows)},
                           follow=True)
    body = response.content.decode()
    assert "第 4 行" in body and "校验位" in body
    assert Customer.objects.count() == 0
    rows[3][1] = _code(3)
    response = client.post("/exchange/imports/", {"kind": "customers", "file": xlsx_upload("c.xlsx", rows)},
                           follow=True)
    assert "校验通过" in response.content.decode() and Customer.objects.count() == 0
    run = ImportRun.objects.latest("id")
    response = client.post(f"/exchange/imports/{run.pk}/confirm/", follow=True)
    assert "已导入" in response.content.decode()
    assert Customer.objects.count() == 5


def test_mapping_page_saves_and_reuses(users, client):
    client.force_login(users.head)
    rows = [["单位全称", "税务登记号", "所在市"], ["甲公司", _code(1), "佛山"]]
    response = client.post("/exchange/imports/", {"kind": "customers", "file": xlsx_upload("erp.xlsx", rows)},
                           follow=True)
    assert "对应列" in response.content.decode()
    run = ImportRun.objects.latest("id")
    response = client.post(f"/exchange/imports/{run.pk}/mapping/", {
        "col_单位全称": "name", "col_税务登记号": "credit_code", "col_所在市": "city", "name": "旧ERP 客户档案"},
        follow=True)
    assert "校验通过" in response.content.decode()
    mapping = ImportMapping.objects.get(name="旧ERP 客户档案")
    response = client.post("/exchange/imports/", {"kind": "customers", "file": xlsx_upload("erp2.xlsx", rows),
                                                   "mapping": mapping.pk}, follow=True)
    assert "校验通过" in response.content.decode()


def test_template_download_and_permissions(users, client):
    client.force_login(users.fin)
    assert client.get("/exchange/templates/invoices.xlsx").status_code == 200
    assert client.get("/exchange/templates/customers.xlsx").status_code == 404
    client.force_login(users.am1)
    assert client.get("/exchange/imports/").status_code == 404
    client.force_login(users.admin)
    assert client.get("/exchange/imports/").status_code == 404


def test_finance_sees_only_own_runs(users, client):
    client.force_login(users.head)
    client.post("/exchange/imports/", {"kind": "customers", "file": xlsx_upload("c.xlsx", [HEADER])})
    run = ImportRun.objects.latest("id")
    client.force_login(users.fin)
    assert client.get(f"/exchange/imports/{run.pk}/").status_code == 404


def test_large_file_runs_in_background_task(users, client, django_capture_on_commit_callbacks, settings):
    """Files whose data exceed IMPORT_INLINE_MAX_BYTES go through django-tasks (the test backend runs them
    immediately); the decision is made from the bytes the parser reads, not from declared rows."""
    settings.IMPORT_INLINE_MAX_BYTES = 100
    client.force_login(users.head)
    rows = [HEADER] + [[f"客户{i}", _code(i), "其他", "佛山"] for i in range(1, 6)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post("/exchange/imports/", {"kind": "customers", "file": xlsx_upload("c.xlsx", rows)})
    assert len(callbacks) == 1  # enqueued after commit, not run in the request
    run = ImportRun.objects.latest("id")
    assert run.work_bytes > run.size  # an .xlsx: its unpacked size decides
    assert run.status == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/exchange/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == "done" and Customer.objects.count() == 5


def test_small_file_runs_in_the_request(users, client, django_capture_on_commit_callbacks):
    client.force_login(users.head)
    rows = [HEADER] + [[f"客户{i}", _code(i), "其他", "佛山"] for i in range(1, 3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/exchange/imports/", {"kind": "customers", "file": xlsx_upload("c.xlsx", rows)})
    assert not callbacks
    assert ImportRun.objects.latest("id").status == "valid"
