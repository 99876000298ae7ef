"""Which daily U.S. equity index an analysis uses (sections 5-7).

FRED carries the S&P 500 for a ten-year window only; the NASDAQ Composite goes back to 1971.
Each analysis names its choice in its section options: ``sp500``, ``nasdaq``, or ``auto`` (the
S&P 500 when its history reaches the analysis's first date and it is current, else the NASDAQ
Composite). The
chosen index and the reason are reported in the method notes.
"""

from __future__ import annotations

import pandas as pd

from .base import SectionInput

__all__ = ["EQUITY_CHOICES", "pick_equity"]

EQUITY_CHOICES = ("auto", "sp500", "nasdaq")
_LABELS = {"sp500": "S&P 500", "nasdaq": "NASDAQ Composite"}


def pick_equity(inp: SectionInput, choice: str, start: pd.Timestamp | None) -> tuple[pd.Series, str, str]:
    """The equity series for an analysis starting at ``start``: ``(series, catalog key, label)``.

    ``auto`` takes the S&P 500 when it has data on or before ``start`` plus one week (or when
    ``start`` is None and it has any data) and is not stale at the as-of date, else the NASDAQ
    Composite. An explicit choice is returned as is, even when empty (the caller reports the gap).
    """
    if choice not in EQUITY_CHOICES:
        raise ValueError(f"equity choice must be one of {', '.join(EQUITY_CHOICES)}; got {choice!r}")
    if choice == "auto":
        sp = inp.series("sp500")
        covers = not sp.empty and (start is None or sp.index[0] <= pd.Timestamp(start) + pd.Timedelta(days=7))
        choice = "sp500" if covers and not inp.frame.is_stale("sp500") else "nasdaq"
    return inp.series(choice), choice, _LABELS[choice]
