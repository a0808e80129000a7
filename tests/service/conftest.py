import datetime as dt
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def working_hours_policy(users):
    """Publish a version with the green channel in working-hours mode (G.3), effective 2026-01-01."""
    from kam.policy import services as ps
    from kam.policy.models import PolicyVersion
    from kam.policy.schema import default_values
    from kam.policy.selectors import clear_cache

    values = default_values()
    values["service.clock_mode"] = "working"
    draft = ps.policy_version_draft(actor=users.head, values=values, note="绿色通道按工作时间计时")
    ps.policy_version_submit(actor=users.head, version=draft)
    ps.policy_version_publish(actor=users.mgmt, version=draft, effective_from=at(2027, 1, 1))
    PolicyVersion.objects.filter(pk=draft.pk).update(effective_from=at(2026, 1, 1))  # test set-up only
    clear_cache()
    return draft
