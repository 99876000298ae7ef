"""Helpers for rule track records in sections (see "Writing a rule" in docs/architecture.md).

A section evaluates a rule weekly over its history with the rule's vectorised state function,
measures the outcome after each week with :func:`analytics.rules.forward_return` and friends,
and summarises both with :func:`analytics.rules.track_record`. The whole computation runs
inside ``inp.cached(...)`` so it is done once per data fingerprint and parameter set.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from analytics.rules import NO_DATA, TrackRecord, rule, track_record, weekly_dates

from .base import SectionInput

__all__ = ["history_dates", "record", "equity_history"]


def history_dates(inp: SectionInput, keys: Iterable[str], *, start: date | None = None) -> pd.DatetimeIndex:
    """Fridays from the first observation of any of ``keys`` (or ``start``) to the as-of date."""
    firsts = [inp.series(k).index[0] for k in keys if inp.frame.has(k)]
    if not firsts:
        return pd.DatetimeIndex([])
    first = min(firsts)
    if start is not None:
        first = max(first, pd.Timestamp(start))
    return weekly_dates(first, inp.as_of)


def record(rule_id: str, states: pd.Series, outcome: pd.Series, *, label: str, unit: str,
           hit_threshold: float | None = None) -> TrackRecord | None:
    """The track record of ``rule_id``, or None when the rule never had data over the history."""
    if states.empty or (states == NO_DATA).all():
        return None
    return track_record(rule(rule_id), states, outcome, outcome_label=label, outcome_unit=unit,
                        hit_threshold=hit_threshold)


def equity_history(inp: SectionInput, start: pd.Timestamp) -> tuple[pd.Series, str]:
    """The longest-running U.S. equity index for outcomes measured from ``start``.

    The S&P 500 daily close when it covers ``start``; otherwise Shiller's monthly S&P
    composite (monthly averages of daily closes, so a 12-month return runs from the average
    of the verdict's month to the average of the month a year later); otherwise the NASDAQ
    Composite. Returns the series and a label naming the choice.
    """
    sp = inp.series("sp500")
    if not sp.empty and sp.index[0] <= start + pd.Timedelta(days=31):
        return sp, "S&P 500 daily close"
    sh = inp.series("shiller_price")
    if not sh.empty:
        return sh, "S&P 500 (Shiller monthly average)"
    nq = inp.series("nasdaq")
    return nq, "NASDAQ Composite (S&P 500 history not loaded)"
