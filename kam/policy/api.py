from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from kam.core.bounds import BoundedDateTime
from kam.core.errors import ApplicationError
from kam.policy.rules import article_label
from kam.policy.schema import SETTINGS
from kam.policy.selectors import policy_in_force

router = Router(tags=["policy"])


class SettingOut(Schema):
    name: str
    rule: str
    article: str
    label: str
    unit: str
    value: Any
    display: str


class PolicyOut(Schema):
    version: int
    effective_from: datetime | None
    settings: list[SettingOut]


@router.get("/in-force", response=PolicyOut, summary="现行政策设置（A2.3 公示）")
def in_force(request: HttpRequest, at: BoundedDateTime | None = None):
    if at is not None and timezone.is_naive(at):
        raise ApplicationError("「at」须带时区，例如 2026-11-26T09:00:00+08:00", field="at")
    policy = policy_in_force(at=at or timezone.now())
    return {
        "version": policy.number,
        "effective_from": policy.effective_from,
        "settings": [{"name": spec.name, "rule": spec.rule, "article": article_label(spec.rule),
                      "label": str(spec.label), "unit": spec.unit, "value": policy.raw[spec.name],
                      "display": policy.display(spec.name)} for spec in SETTINGS.values()],
    }
