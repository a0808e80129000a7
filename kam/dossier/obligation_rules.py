"""A6.2 dossier freshness on the engine: once per `dossier.update_period` the account manager updates the
dossier or confirms, section by section, that basic info, decision process and preferences are accurate.
Contact logs do not count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Min, Q

from kam.obligations.accounts import key_accounts
from kam.obligations.engine import EvalContext, Obligation, Rule, clock_state, owned_by, register
from kam.obligations.periods import periods_between


class FreshnessRule(Rule):
    id = "A6.2"
    title = "档案更新"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        from kam.dossier.models import FRESHNESS_SECTIONS, SectionStamp

        accounts = {cid: a for cid, a in key_accounts(ctx).items()
                    if ctx.owner_id is None or owned_by(ctx, a.manager_id, "")}
        if not accounts:
            return []
        kinds = {v[-1]["dossier.update_period"]["period"] for v in (ctx.timeline.versions or ())} or {
            ctx.timeline.latest()["dossier.update_period"].period}
        periods = [p for kind in sorted(kinds) for p in periods_between(kind, ctx.since, ctx.now + dt.timedelta(
            microseconds=1)) if p.end > ctx.since]
        aggregates = {f"m{i}": Min("at", filter=Q(at__gte=p.start, at__lt=p.end)) for i, p in enumerate(periods)}
        stamps: dict[int, dict[str, dict[str, dt.datetime]]] = {}
        qs = SectionStamp.objects.filter(section__in=FRESHNESS_SECTIONS, at__gte=min(p.start for p in periods),
                                         at__lt=max(p.end for p in periods))
        if len(accounts) < 5000:
            qs = qs.filter(customer_id__in=list(accounts))
        for row in qs.values("customer_id", "section").annotate(**aggregates):
            per = stamps.setdefault(row["customer_id"], {})
            for i, p in enumerate(periods):
                if row[f"m{i}"] is not None:
                    per.setdefault(p.key, {})[row["section"]] = row[f"m{i}"]
        out = []
        for cid, account in accounts.items():
            for p in periods:
                if not account.obligated(p, ctx.now):
                    continue
                policy = ctx.timeline.at(p.start)
                cadence = policy["dossier.update_period"]
                if cadence.period != p.kind:
                    continue
                done = stamps.get(cid, {}).get(p.key, {})
                met_at = max(done.values()) if len(done) == len(FRESHNESS_SECTIONS) else None
                state = clock_state(window_start=p.start, due_at=p.end, now=ctx.now, met_at=met_at,
                                    due_soon_fraction=policy["alerts.due_soon_fraction"])
                out.append(Obligation(
                    rule=self.id, subject_type="customer", subject_id=cid, customer_id=cid, period_key=p.key,
                    window_start=p.start, due_at=p.end, state=state, owner_id=account.manager_id,
                    escalation_role="head_of_sales", required=len(FRESHNESS_SECTIONS), done=len(done),
                    met_at=met_at, label=f"{account.name} · 档案更新或确认（基本信息、决策流程、偏好）",
                    url=f"/customers/{cid}/"))
        return out


register(FreshnessRule())
