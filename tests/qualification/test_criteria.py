"""Pure rules: A2.1 criteria edges, A5.3 tier split (rounding, ties, minimum), A5.2 conditions."""

from datetime import date
from decimal import Decimal

from kam.qualification.criteria import (
    Criteria,
    assess,
    core_count,
    meets_exceptional,
    no_longer_meets,
    split_tiers,
)
from kam.qualification.facts import Facts, add_years, review_period

C = Criteria(min_amount=Decimal("3000000"), min_years=2, min_on_time_ratio=Decimal("0.9"), basis="ordered")
CUTOFF = date(2026, 11, 30)


def facts(amount="3000000", start=date(2024, 11, 30), potential=True, influence=False, due=10, on_time=10, open_d=0):
    return Facts(customer_id=1, amount=Decimal(amount), cooperation_start=start, potential=potential,
                 influence=influence, invoices_due=due, invoices_on_time=on_time, open_disputes=open_d)


def test_a51_december_review_period():
    assert review_period(year=2026, review_month=12, period_months=12) == (date(2025, 12, 1), date(2026, 11, 30))
    assert review_period(year=2026, review_month=1, period_months=12) == (date(2025, 1, 1), date(2025, 12, 31))


def test_a21_amount_threshold_edges():
    assert assess(facts("3000000.00"), C, CUTOFF).meets_amount
    assert not assess(facts("2999999.99"), C, CUTOFF).meets_amount


def test_a21_cooperation_years_at_cutoff():
    assert assess(facts(start=date(2024, 11, 30)), C, CUTOFF).meets_years  # exactly 2 years
    assert not assess(facts(start=date(2024, 12, 1)), C, CUTOFF).meets_years  # 1 year 364 days
    assert not assess(facts(start=None), C, CUTOFF).meets_years
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)


def test_a21_potential_or_influence():
    assert not assess(facts(potential=False, influence=False), C, CUTOFF).qualifies
    assert assess(facts(potential=True, influence=False), C, CUTOFF).qualifies
    assert assess(facts(potential=False, influence=True), C, CUTOFF).qualifies
    assert assess(facts(potential=True, influence=True), C, CUTOFF).qualifies


def test_a53_rounding_up_and_minimum():
    assert core_count(11, Decimal("0.20"), 1) == 3
    assert core_count(10, Decimal("0.20"), 1) == 2
    assert core_count(1, Decimal("0.20"), 1) == 1
    assert core_count(3, Decimal("0.20"), 2) == 2
    assert core_count(0, Decimal("0.20"), 1) == 0


def test_a53_ties_at_the_boundary_are_all_core():
    amounts = {1: Decimal(900), 2: Decimal(800), 3: Decimal(700), 4: Decimal(700), 5: Decimal(700), 6: Decimal(100),
               7: Decimal(50), 8: Decimal(40), 9: Decimal(30), 10: Decimal(20), 11: Decimal(10)}
    tiers = split_tiers(amounts, Decimal("0.20"), 1)  # 3 core by count; 3, 4 and 5 tie at 700
    assert {cid for cid, t in tiers.items() if t == "core"} == {1, 2, 3, 4, 5}


def test_a52_exceptional_and_no_longer_meets():
    assert meets_exceptional(facts(start=date(2026, 1, 1)), C)  # years waived
    assert not meets_exceptional(facts(on_time=8), C)  # 0.8 < 0.9
    assert not meets_exceptional(facts(open_d=1), C)
    assert no_longer_meets(facts("100"), C)
    assert no_longer_meets(facts(open_d=1), C)
    assert not no_longer_meets(facts(), C)
