"""A6.2 dossier freshness on the engine: once per `dossier.update_period` the account manager updates the
dossier or confirms, section by section, that basic info, decision process and preferences are accurate.
Contact logs do not count."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min, Q

from kam.obligations.engine import register
from kam.obligations.kit import PeriodRule, restrict
from kam.policy.schema import Cadence


class FreshnessRule(PeriodRule):
    id = "A6.2"
    title = "档案更新"
    depends_on = frozenset({"dossier"})
    label_by_tier = {"core": "档案更新或确认（基本信息、决策流程、偏好）",
                     "ordinary": "档案更新或确认（基本信息、决策流程、偏好）"}

    def cadence(self, policy, tier: str) -> Cadence:
        return policy["dossier.update_period"]

    def stored_period(self, values: dict, tier: str) -> str:
        return values["dossier.update_period"]["period"]

    def load_counts(self, ctx, accounts, periods) -> dict[int, dict[str, dict[str, dt.datetime]]]:
        """Per customer and period: the first stamp of each freshness section in it."""
        from kam.dossier.models import FRESHNESS_SECTIONS, SectionStamp

        aggregates = {f"m{i}": Min("at", filter=Q(at__gte=p.start, at__lt=p.end)) for i, p in enumerate(periods)}
        qs = SectionStamp.objects.filter(section__in=FRESHNESS_SECTIONS, at__gte=min(p.start for p in periods),
                                         at__lt=max(p.end for p in periods))
        stamps: dict[int, dict[str, dict[str, dt.datetime]]] = {}
        for row in restrict(qs, ctx, accounts).values("customer_id", "section").annotate(**aggregates):
            per = stamps.setdefault(row["customer_id"], {})
            for i, p in enumerate(periods):
                if row[f"m{i}"] is not None:
                    per.setdefault(p.key, {})[row["section"]] = row[f"m{i}"]
        return stamps

    def judge(self, cadence: Cadence, found) -> tuple[int, int, dt.datetime | None]:
        from kam.dossier.models import FRESHNESS_SECTIONS

        done = found or {}
        met_at = max(done.values()) if len(done) == len(FRESHNESS_SECTIONS) else None
        return len(FRESHNESS_SECTIONS), len(done), met_at


register(FreshnessRule())
