"""`manage.py policy show`: every setting of the index with its rule id (rules.md "Settings index")."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from kam.policy import services
from kam.policy.schema import SETTINGS
from tests.policy.helpers import at, values

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("policy", "show", *args, stdout=out)
    return out.getvalue()


def test_policy_show_json_lists_every_setting_with_rule_and_value():
    data = json.loads(run("--json"))
    assert data["version"] == 1
    assert data["effective_from"].startswith("2020-01-01T00:00:00+08:00")
    assert list(data["settings"]) == [s.name for s in SETTINGS.values() if s.is_criterion] + [
        s.name for s in SETTINGS.values() if not s.is_criterion]
    assert set(data["settings"]) == set(SETTINGS)
    assert data["settings"]["service.response_hours"] == {
        "rule": "A11.1", "value": 2, "unit": "hours", "label": "绿色通道首次响应时限"}
    assert data["settings"]["qualification.min_annual_purchase"]["value"] == "3000000.00"
    assert data["settings"]["cadence.core.remote"]["value"] == {"count": 1, "period": "week"}
    assert data["settings"]["service.clock_mode"]["related_rules"] == ["G.3"]
    for name, entry in data["settings"].items():
        assert entry["rule"] == SETTINGS[name].rule


def test_policy_show_at_an_instant_g1(head):
    """G.1: --at picks the version in force at that instant."""
    draft = services.policy_version_draft(actor=head, values=values({"qualification.min_cooperation_years": 3}),
                                          note="x")
    services.policy_version_publish(actor=head, version=draft, effective_from=at(2027, 1, 1))
    assert json.loads(run("--json", "--at", "2026-12-31T23:59"))["version"] == 1
    later = json.loads(run("--json", "--at", "2027-01-01T00:00:00+08:00"))
    assert later["version"] == 2
    assert later["settings"]["qualification.min_cooperation_years"]["value"] == 3


def test_policy_show_text_table():
    text = run()
    assert "Policy version 1" in text
    for name, spec in SETTINGS.items():
        line = next(line for line in text.splitlines() if line.startswith(name + " "))
        assert spec.rule in line
    assert "每周 1 次" in text and "¥3,000,000.00" in text and "09:00–18:00" in text
