"""Commitments (A18.1): a term beyond the standard terms is registered, approved (or refused with a reason) by
the department that must keep it before the customer hears it, flagged on the account's page until then, and
kept; each department sees what it must keep."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.approvals.models import Approval, ApprovalState
from kam.care import services
from kam.care.models import Commitment
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition

pytestmark = pytest.mark.django_db


def register(users, account, **changes):
    data = {"kind": "payment_term", "description": "账期由 30 天延长到 60 天", "department": "finance",
            "value": "120000.00", "due_on": dt.date(2026, 10, 31)}
    data.update(changes)
    actor = data.pop("actor", users.am1)
    return services.commitment_register(actor=actor, customer=data.pop("customer", account.mine), **data)


def test_a181_commitment_approved_by_the_delivering_department(users, account):
    c = register(users, account)
    assert c.state == "pending"
    approval = Approval.objects.get(kind="care.commitment")
    assert approval.approver_role == "finance" and approval.rule == "A18.1"
    for who in (users.am1, users.head, users.svc, users.mkt):
        with pytest.raises(AccessDenied):
            services.commitment_decide(actor=who, commitment=c, approve=True)
    with pytest.raises(InvalidTransition):
        services.commitment_done(actor=users.fin, commitment=c)  # not before approval
    services.commitment_decide(actor=users.fin, commitment=c, approve=True, note="同意，需签补充协议")
    approval.refresh_from_db()
    assert approval.state == ApprovalState.APPROVED and approval.decided_by == users.fin
    assert services.commitment_done(actor=users.fin, commitment=c).state == "done"


def test_a181_a_refusal_says_why(users, account):
    c = register(users, account, kind="installation", department="after_sales", value=None)
    with pytest.raises(ApplicationError) as bad:
        services.commitment_decide(actor=users.svc, commitment=c, approve=False)
    assert bad.value.field == "note"
    assert services.commitment_decide(actor=users.svc, commitment=c, approve=False, note="异地安装需收费").state == \
        "refused"


def test_a181_only_the_accounts_manager_or_head_registers_with_valid_input(users, account):
    with pytest.raises(AccessDenied):
        register(users, account, actor=users.am2)
    with pytest.raises(AccessDenied):
        register(users, account, actor=users.fin)
    for changes, field in [({"department": "production"}, "department"), ({"description": " "}, "description"),
                           ({"value": "-1"}, "value"), ({"kind": "bribe"}, "kind"),
                           ({"due_on": dt.date(2020, 1, 1)}, "due_on")]:
        with pytest.raises(ApplicationError) as bad:
            register(users, account, **changes)
        assert bad.value.field == field
    assert not Commitment.objects.exists()


def test_a181_pages_flag_the_unapproved_commitment_and_departments_see_their_own(users, account, client):
    finance = register(users, account)
    after_sales = register(users, account, kind="warranty", department="after_sales", description="质保延长到 5 年")
    client.force_login(users.am1)
    dossier = client.get(f"/customers/{account.mine.pk}/").content.decode()
    assert 'id="section-commitments"' in dossier and "未批准" in dossier
    page = client.get(f"/care/commitments/{finance.pk}/").content.decode()
    assert 'id="commitment-flag"' in page and 'id="decide-form"' not in page
    client.force_login(users.fin)
    body = client.get("/care/commitments/").content.decode()
    assert "账期由 30 天" in body and "质保延长" not in body
    assert client.get(f"/care/commitments/{after_sales.pk}/").status_code == 404
    refused = client.post(f"/care/commitments/{finance.pk}/decide/", {"decision": "reject", "note": ""})
    assert refused.status_code == 400 and "拒绝时请说明原因" in refused.content.decode()
    client.post(f"/care/commitments/{finance.pk}/decide/", {"decision": "approve", "note": ""})
    finance.refresh_from_db()
    assert finance.state == "approved"
    client.force_login(users.am2)
    assert client.get(f"/care/commitments/{finance.pk}/").status_code == 404
    assert "账期由 30 天" not in client.get("/care/commitments/").content.decode()
    client.force_login(users.am1)
    response = client.post(f"/care/commitments/new/?customer={account.mine.pk}",
                           {"kind": "customisation", "description": "", "department": "marketing"})
    assert response.status_code == 400
    done = client.post(f"/care/commitments/new/?customer={account.mine.pk}",
                       {"kind": "customisation", "description": "大堂接待台定制浅色", "department": "marketing"})
    assert done.status_code == 302 and Commitment.objects.filter(department="marketing").exists()
    client.force_login(users.admin)
    assert client.get("/care/commitments/").status_code == 403
