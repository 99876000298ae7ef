"""The section contract's helpers: status settling and content blocks."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.curve import INVERSION_RULE
from analytics.rules import make_verdict, no_data_verdict
from report.sections.base import Gap, SectionResult, cell, table


def verdict(stale=False):
    return make_verdict(INVERSION_RULE, "flat", "Flat.", [], {}, date(2025, 4, 11), stale=stale)


@pytest.mark.parametrize(
    "status, gaps, verdicts, expected",
    [
        ("ok", [], [verdict()], "ok"),
        ("ok", [Gap("vix3m", "VIX3M", "missing", None)], [verdict()], "partial"),
        ("ok", [], [verdict(stale=True)], "partial"),
        ("ok", [], [verdict(), no_data_verdict(INVERSION_RULE, date(2025, 4, 11), ["2s10s"])], "partial"),
        ("unavailable", [Gap("ust_2y", "2y", "missing", None)], [], "unavailable"),
        ("error", [], [], "error"),
    ],
)
def test_settle_status(status, gaps, verdicts, expected):
    res = SectionResult("curve", 2, "Curve", status=status, gaps=gaps, verdicts=verdicts)
    assert res.settle_status() == expected and res.status == expected


def test_cells_and_tables_are_checked():
    assert cell(float("nan"), "pct")["v"] is None
    with pytest.raises(ValueError, match="fmt must be one of"):
        cell(1.0, "percent")
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        table(["a", "b"], [[cell(1), cell(2)], [cell(3)]], caption="t")
