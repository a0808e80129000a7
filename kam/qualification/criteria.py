"""Pure rules of designation: the A2.1 criteria, the A5.2 mid-year conditions, the A5.3 tier split."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kam.qualification.facts import Facts, add_years


@dataclass(frozen=True)
class Criteria:
    min_amount: Decimal  # qualification.min_annual_purchase
    min_years: int  # qualification.min_cooperation_years
    min_on_time_ratio: Decimal  # qualification.min_on_time_payment_ratio (A5.2)
    basis: str  # qualification.amount_basis

    @classmethod
    def from_policy(cls, policy) -> Criteria:
        return cls(min_amount=Decimal(policy["qualification.min_annual_purchase"]),
                   min_years=int(policy["qualification.min_cooperation_years"]),
                   min_on_time_ratio=Decimal(str(policy["qualification.min_on_time_payment_ratio"])),
                   basis=str(policy["qualification.amount_basis"]))


@dataclass(frozen=True)
class Assessment:
    meets_amount: bool
    meets_years: bool
    meets_assessed: bool

    @property
    def qualifies(self) -> bool:
        """A2.1: all of amount and years, and at least one of potential / influence."""
        return self.meets_amount and self.meets_years and self.meets_assessed


def assess(facts: Facts, criteria: Criteria, cutoff: date) -> Assessment:
    """A2.1 criteria at the review cut-off."""
    meets_years = facts.cooperation_start is not None and add_years(facts.cooperation_start,
                                                                    criteria.min_years) <= cutoff
    return Assessment(meets_amount=facts.amount >= criteria.min_amount, meets_years=meets_years,
                      meets_assessed=facts.potential or facts.influence)


def performs_well(facts: Facts, criteria: Criteria) -> bool:
    """A5.2 good performance: on-time payment ratio ≥ the minimum (no invoice due counts as good) and
    no open quality dispute."""
    ratio = facts.on_time_payment_ratio
    return (ratio is None or ratio >= criteria.min_on_time_ratio) and facts.open_disputes == 0


def meets_exceptional(facts: Facts, criteria: Criteria) -> bool:
    """A5.2 破格: trailing-12-month amount meets the threshold and performance is good (years waived)."""
    return facts.amount >= criteria.min_amount and performs_well(facts, criteria)


def no_longer_meets(facts: Facts, criteria: Criteria) -> bool:
    """A5.2: a key account that no longer meets the amount or the performance criteria."""
    return facts.amount < criteria.min_amount or not performs_well(facts, criteria)


def core_count(n: int, share: Decimal, min_core: int) -> int:
    """A5.3: top `share` of n, rounded up; at least `min_core` when any key accounts exist."""
    if n == 0:
        return 0
    return min(n, max(math.ceil(Decimal(n) * Decimal(share) - Decimal("1e-9")), min_core))


def split_tiers(amounts: dict[int, Decimal], share: Decimal, min_core: int) -> dict[int, str]:
    """A5.3: core = the top share by amount; every account tied with the last core one is core too."""
    if not amounts:
        return {}
    k = core_count(len(amounts), share, min_core)
    ranked = sorted(amounts.values(), reverse=True)
    boundary = ranked[k - 1] if k else None
    return {cid: ("core" if boundary is not None and amount >= boundary else "ordinary")
            for cid, amount in amounts.items()}
