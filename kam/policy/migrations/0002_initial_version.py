"""Data migration: policy version 1 = the defaults of the settings index (A2.3, G.1).

The snapshot is written out here (not read from kam.policy.schema) so that this migration keeps
creating the same version 1 whatever the schema becomes later; a test checks that it equals
schema.default_values().
"""

import datetime
import zoneinfo

from django.db import migrations
from django.utils import timezone

INITIAL_NOTE = "2026 政策初始版本（默认值）"
INITIAL_EFFECTIVE_FROM = datetime.datetime(2020, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
INITIAL_VALUES = {
    "qualification.min_annual_purchase": "3000000.00",
    "qualification.min_cooperation_years": 2,
    "qualification.amount_basis": "ordered",
    "qualification.min_on_time_payment_ratio": "0.90",
    "review.month": 12,
    "review.period_months": 12,
    "review.effective": "on_approval",
    "review.approve_by": "12-31",
    "tiers.core_share": "0.20",
    "tiers.min_core": 1,
    "dossier.update_period": {
        "count": 1,
        "period": "month"
    },
    "cadence.decision_maker.count": 1,
    "cadence.decision_maker.period": "quarter",
    "plans.major_threshold": "50000.00",
    "portfolio.max_accounts_per_manager": 15,
    "marketing.trend_report_period": "half_year",
    "service.response_hours": 2,
    "service.onsite_hours_same_city": 24,
    "service.onsite_hours_other_city": 48,
    "company.city": "佛山",
    "service.care.count": 1,
    "service.care.period": "year",
    "service.clock_mode": "calendar",
    "cadence.core.remote": {
        "count": 1,
        "period": "week"
    },
    "cadence.ordinary.remote": {
        "count": 1,
        "period": "fortnight"
    },
    "cadence.core.visit": {
        "count": 1,
        "period": "month"
    },
    "cadence.ordinary.visit": {
        "count": 1,
        "period": "quarter"
    },
    "visits.min_lead_working_days": 1,
    "visits.confirm_working_days_before": 2,
    "visits.record_hours": 24,
    "care.remind_days_before": 7,
    "gifts.max_value_per_gift": "500.00",
    "gifts.max_value_per_recipient_year": "2000.00",
    "gifts.approval_over": "200.00",
    "requests.response_hours": 1,
    "requests.solution_hours": 24,
    "requests.clock_mode": "working",
    "symposium.period": "half_year",
    "receivables.review_period": "month",
    "receivables.warn_days_before_due": 7,
    "receivables.aging_buckets": [
        30,
        60,
        90
    ],
    "clock.working_hours": {
        "start": "09:00",
        "end": "18:00"
    },
    "alerts.due_soon_fraction": "0.25",
    "alerts.digest_time": "09:00"
}


def create_initial_version(apps, schema_editor):
    PolicyVersion = apps.get_model("policy", "PolicyVersion")
    if PolicyVersion.objects.filter(status="published").exists():
        return
    now = timezone.now()
    PolicyVersion.objects.create(
        number=1,
        status="published",
        effective_from=INITIAL_EFFECTIVE_FROM,
        values=INITIAL_VALUES,
        note=INITIAL_NOTE,
        created_at=now,
        updated_at=now,
        published_at=now,
    )


def remove_initial_version(apps, schema_editor):
    PolicyVersion = apps.get_model("policy", "PolicyVersion")
    PolicyVersion.objects.filter(number=1, note=INITIAL_NOTE, published_by__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("policy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_initial_version, remove_initial_version),
    ]
