from __future__ import annotations

from collections.abc import Iterator

import pytest

from kam.calendar.workdays import clear_cache


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    """Test transactions roll back without signals: never let cached admin rows leak between tests."""
    clear_cache()
    yield
    clear_cache()
