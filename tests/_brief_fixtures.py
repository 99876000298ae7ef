"""Constructed briefs for the rendering tests: seeded synthetic series and a section result that
uses every block kind, so the templates are exercised without depending on the real sections."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from analytics.rules import Evidence, RuleSpec, StateStats, TrackRecord, make_verdict, no_data_verdict
from report.config import default_config
from report.frame import Frame
from report.sections.base import (
    ChartSpec,
    Gap,
    SectionResult,
    bullets,
    callout,
    cell,
    chart,
    heading,
    keyvalues,
    table,
    text,
    verdict_cards,
)

AS_OF = date(2025, 4, 11)
BUILT = datetime(2025, 4, 11, 18, 30, tzinfo=timezone.utc)
#: text with every LaTeX special character and HTML markup, as data might carry it
NASTY = 'Spread <b>& "width"</b> 50% of $1_000 #1 {x} ~y^2 \\path <script>alert(1)</script> − 3 → 4'

RULE_A = RuleSpec("test_alpha", "testsec", "Alpha signal", ("calm", "tense", "stressed"),
                  description="constructed", outcome="next month's change")
RULE_B = RuleSpec("test_beta", "testsec", "Beta signal", ("fine", "broken"))
RULE_C = RuleSpec("test_gamma", "othersec", "Gamma signal", ("low", "high"))


def synthetic_series(rng: np.random.Generator, start: float, scale: float, n: int = 800) -> pd.Series:
    """Business-daily random walk ending on AS_OF."""
    idx = pd.bdate_range(end=pd.Timestamp(AS_OF), periods=n, name="date")
    return pd.Series(start + np.cumsum(rng.normal(0.0, scale, n)), index=idx)


def synthetic_frame(*, sample: bool = False, seed: int = 7) -> Frame:
    rng = np.random.default_rng(seed)
    series = {
        "ust_2y": synthetic_series(rng, 4.0, 0.03),
        "ust_10y": synthetic_series(rng, 4.3, 0.03),
        "ust_30y": synthetic_series(rng, 4.6, 0.03),
        "sp500": synthetic_series(rng, 5000.0, 20.0),
        "vix": synthetic_series(rng, 20.0, 0.4).abs() + 9,
    }
    src = "sample" if sample else "csv"
    return Frame(series, AS_OF, sources={k: src for k in series})


def brief_config(**brief: Any):
    return default_config(brief={"headline_series": ["ust_2y", "ust_10y", "ust_30y", "sp500", "vix"], **brief})


def every_block_section(frame: Frame, *, title_note: str = "") -> SectionResult:
    """Section 5-like result with every block kind, verdicts in all tones and a gap."""
    t = frame.get("ust_10y")
    res = SectionResult(id="testsec", number=5, title="Constructed section" + title_note, lead="The lead sentence.")
    res.verdicts = [
        make_verdict(RULE_A, "stressed", "Alpha is stressed: " + NASTY,
                     [Evidence("alpha level", 1.234, "percent", AS_OF), Evidence("alpha move", -12.0, "bp", AS_OF),
                      Evidence("label", "text value", "text")], {"cut": 0.5, "band": (1, 2)}, AS_OF),
        make_verdict(RULE_B, "fine", "Beta is fine.", [Evidence("beta corr", 0.42, "corr")], {}, AS_OF, stale=True),
        no_data_verdict(RULE_C, AS_OF, ["gamma input"]),
    ]
    res.charts = [
        ChartSpec(id="test_line", kind="timeseries", title="Ten-year yield " + NASTY,
                  data={"lines": {"10y": t, "2y": frame.get("ust_2y")}, "keys": {"10y": "ust_10y", "2y": "ust_2y"},
                        "ylabel": "percent"},
                  alt="Line chart of the 10-year and 2-year yields " + NASTY, series_keys=("ust_10y", "ust_2y"),
                  shade_recessions=True, width="half"),
        ChartSpec(id="test_bars", kind="bars", title="Bars", data={"labels": ["a", "b", "c"], "values": [1.0, -2.0, 0.5]},
                  alt="Bar chart of three constructed values", width="half"),
        ChartSpec(id="test_full", kind="timeseries", title="Full width", data={"lines": {"S&P": frame.get("sp500")}},
                  alt="Line chart of the equity index", series_keys=("sp500",)),
    ]
    res.blocks = [
        verdict_cards(),
        text("Plain paragraph with " + NASTY),
        heading("Sub heading " + NASTY),
        bullets(["first " + NASTY, "second"]),
        chart("test_line"),
        chart("test_bars"),
        table(["Name", "Level", "Change", "State", "Since"],
              [[cell(NASTY, "text"), cell(4.2, "pct"), cell(-12.4, "bp", tone="neg"), cell("tense", "state", tone="watch"),
                cell(date(2020, 3, 1), "date")],
               ["plain", cell(None, "pct"), cell(3.0, "bp", tone="pos"), cell("calm", "state", tone="benign"),
                cell(None, "date")]],
              caption="Table caption " + NASTY, note="Table note " + NASTY),
        keyvalues([("Key one", cell(0.634, "share")), ("Key " + NASTY, cell(1234.5, "usd_bn"))], caption="Figures"),
        callout("Heads up.", "Callout body " + NASTY, tone="warn"),
        chart("test_full"),
        chart("not_declared"),
        {"kind": "mystery", "text": "x"},
    ]
    res.gaps = [Gap("tga", "Treasury General Account", "stale", date(2024, 12, 31)),
                Gap("gsw_10y", "GSW 10-year zero", "missing", None)]
    res.methods = [{"title": "Constructed method", "text": "How the constructed section works " + NASTY}]
    idx = pd.date_range("2000-01-07", periods=3, freq="W-FRI")
    res.track_records = [TrackRecord(
        rule_id="test_alpha", outcome="next month's change", outcome_unit="bp", start=idx[0].date(), end=idx[-1].date(),
        weeks=3, by_state=(StateStats("calm", 2, 2 / 3, 1.5, 1.5, None), StateStats("stressed", 1, 1 / 3, -4.0, -4.0, None)),
        baseline=StateStats("all weeks", 3, 1.0, -0.33, 1.0, None))]
    return res


def error_section() -> SectionResult:
    return SectionResult(id="broken", number=6, title="Broken section", status="error",
                         error="ValueError: constructed failure. The rest of the brief is unaffected.")


def previous_edition(frame: Frame) -> dict[str, Any]:
    """A previous edition's verdicts.json: alpha was calm, beta fine; levels a week earlier."""
    prev_day = pd.Timestamp(AS_OF) - pd.Timedelta(days=7)
    key_numbers = []
    for k in ("ust_2y", "ust_10y", "ust_30y", "sp500", "vix"):
        s = frame.get(k).loc[:prev_day]
        key_numbers.append({"key": k, "date": s.index[-1].date().isoformat(), "level": float(s.iloc[-1])})
    return {"edition": "2025-W14", "as_of": prev_day.date().isoformat(), "sample": False,
            "verdicts": [{"rule_id": "test_alpha", "state": "calm", "level": 0},
                         {"rule_id": "test_beta", "state": "fine", "level": 0}],
            "key_numbers": key_numbers}
