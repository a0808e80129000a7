"""Policy pages: the policy in force for every signed-in user (A2.3 公示) and the workflow."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.policy import services
from kam.policy.models import PolicyVersion
from kam.policy.rules import RULES, rule_anchor
from kam.policy.schema import SETTINGS
from kam.users.models import Role
from tests.core.untranslated import text_of_html
from tests.policy.helpers import at, make_user, values

pytestmark = [pytest.mark.django_db]


def test_in_force_url_name():
    assert reverse("policy:in_force") == "/policy/"


def test_a23_in_force_page_for_an_account_manager(client, manager):
    client.force_login(manager)
    response = client.get("/policy/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "大客户认定标准" in html
    assert html.index("大客户认定标准") < html.index(str(SETTINGS["portfolio.max_accounts_per_manager"].label))
    assert 'id="rule-A12-2"' in html and "A12.2" in html and "第十二条" in html
    assert 'id="rule-A2-1"' in html and 'id="rule-G-3"' in html
    assert html.count('id="rule-A11-2"') == 1  # the first row of the rule only
    for rule in RULES:  # every rule of the catalogue can be linked to (A2.3 公示)
        assert html.count(f'id="{rule_anchor(rule)}"') == 1, rule
    for name, spec in SETTINGS.items():  # every setting by its Chinese label; the keys are for administrators
        assert str(spec.label) in html and name not in text_of_html(html), name
    assert "¥3,000,000.00" in html and "每周 1 次" in html and "09:00–18:00" in html and "20%" in html
    assert "第 1 版" in html and "2020-01-01" in html
    assert "2026 政策初始版本（默认值）" in html
    assert "新建草案" not in html  # A2.3: only the head of sales drafts


def test_in_force_requires_login(client):
    response = client.get("/policy/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_in_force_query_count_is_bounded(client, manager, head, management, django_assert_max_num_queries):
    for n in range(3):
        draft = services.policy_version_draft(actor=head, values=values({"tiers.min_core": n + 2}), note=str(n))
        services.policy_version_submit(actor=head, version=draft)
        services.policy_version_publish(actor=management, version=draft, effective_from=at(2027 + n, 1, 1))
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        response = client.get("/policy/")
    assert response.status_code == 200


def test_a23_version_detail_shows_diff(client, manager, head, management):
    draft = services.policy_version_draft(actor=head, values=values({"service.response_hours": 4}),
                                          note="响应时限调整")
    services.policy_version_submit(actor=head, version=draft)
    services.policy_version_publish(actor=management, version=draft, effective_from=at(2027, 1, 1))
    client.force_login(manager)
    html = client.get(reverse("policy:version_detail", args=[draft.pk])).content.decode()
    assert "政策第 2 版" in html and "政策第 1 版" in html
    assert str(SETTINGS["service.response_hours"].label) in html and "A11.1 · 第十一条" in html
    assert "service.response_hours" not in text_of_html(html)
    page = client.get("/policy/").content.decode()
    assert reverse("policy:version_detail", args=[draft.pk]) in page


def test_setting_keys_are_shown_to_administrators_only_in_small_type(client, manager, head):
    """Issue 13: 「Setting keys on the policy page stay for administrators only, in small type」."""
    admin = make_user("admin", Role.ADMINISTRATOR)
    for user, shown in ((admin, True), (head, False), (manager, False)):
        client.force_login(user)
        html = client.get("/policy/").content.decode()
        assert ('<small><code class="muted setting-key">service.response_hours</code></small>' in html) is shown
        assert ("service.response_hours" in text_of_html(html)) is shown


def test_a23_drafts_hidden_from_account_managers(client, manager, head):
    draft = services.policy_version_draft(actor=head, values=values({"tiers.min_core": 2}), note="x")
    client.force_login(manager)
    assert client.get(reverse("policy:version_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("policy:draft_create")).status_code == 403


def _form_data(vals: dict, note: str = "修订") -> dict:
    data = {"note": note}
    for name, value in vals.items():
        key = name.replace(".", "__")
        kind = SETTINGS[name].kind
        if kind == "cadence":
            data[key + "_0"], data[key + "_1"] = value["count"], value["period"]
        elif kind == "time_range":
            data[key + "_0"], data[key + "_1"] = value["start"], value["end"]
        elif kind == "int_list":
            data[key] = ", ".join(str(v) for v in value)
        else:
            data[key] = value
    return data


def test_a23_head_of_sales_drafts_through_the_form_and_publishes_criteria(client, head):
    client.force_login(head)
    page = client.get(reverse("policy:draft_create")).content.decode()
    assert "新建草案" in page and 'name="cadence__core__remote_1"' in page and "大客户认定标准" in page
    response = client.post(reverse("policy:draft_create"),
                           _form_data(values({"qualification.min_annual_purchase": "4000000"})))
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(status=PolicyVersion.Status.DRAFT)
    assert draft.values["qualification.min_annual_purchase"] == "4000000.00"
    detail = client.get(response["Location"]).content.decode()
    assert "发布认定标准" in detail
    response = client.post(reverse("policy:version_publish", args=[draft.pk]), {"effective_date": "2027-01-01"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED and draft.effective_from == at(2027, 1, 1)


def test_form_shows_errors_next_to_the_field_naming_the_rule(client, head):
    client.force_login(head)
    response = client.post(reverse("policy:draft_create"),
                           _form_data(values({"tiers.core_share": "1.5", "service.response_hours": "-1"})))
    assert response.status_code == 200
    html = response.content.decode()
    assert "「tiers.core_share」(A5.3) 必须大于 0 且不超过 1" in html
    assert "「service.response_hours」(A11.1)" in html
    assert not PolicyVersion.objects.exclude(status=PolicyVersion.Status.PUBLISHED).exists()


def test_a23_management_returns_and_publishes_through_the_pages(client, head, management):
    draft = services.policy_version_draft(actor=head, values=values({"visits.record_hours": 48}), note="x")
    client.force_login(head)
    detail = client.get(reverse("policy:version_detail", args=[draft.pk])).content.decode()
    assert "须提交管理层审批" in detail and "发布认定标准" not in detail
    assert client.post(reverse("policy:version_submit", args=[draft.pk])).status_code == 302
    client.force_login(management)
    response = client.post(reverse("policy:version_return", args=[draft.pk]), {"comment": ""})
    assert response.status_code == 400
    client.post(reverse("policy:version_return", args=[draft.pk]), {"comment": "请说明理由"})
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.RETURNED and draft.return_comment == "请说明理由"
    client.force_login(head)
    edit = client.get(reverse("policy:draft_edit", args=[draft.pk])).content.decode()
    assert 'value="48"' in edit
    client.post(reverse("policy:draft_edit", args=[draft.pk]),
                _form_data(values({"visits.record_hours": 36}), note="改为 36 小时"))
    client.post(reverse("policy:version_submit", args=[draft.pk]))
    client.force_login(management)
    response = client.post(reverse("policy:version_publish", args=[draft.pk]), {"effective_date": "2019-01-01"})
    assert response.status_code == 400 and "不得早于" in response.content.decode()
    response = client.post(reverse("policy:version_publish", args=[draft.pk]), {"effective_date": "2027-01-01"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED and draft.values["visits.record_hours"] == 36


def test_a23_stale_draft_is_flagged_on_its_page(client, head):
    stale = services.policy_version_draft(actor=head, values=values({"tiers.min_core": 2}), note="a")
    newer = services.policy_version_draft(actor=head, values=values({"qualification.min_cooperation_years": 3}),
                                          note="b")
    services.policy_version_publish(actor=head, version=newer, effective_from=at(2027, 1, 1))
    client.force_login(head)
    html = client.get(reverse("policy:version_detail", args=[stale.pk])).content.decode()
    assert "请先修改并保存草案" in html and "提交管理层审批</button>" not in html
