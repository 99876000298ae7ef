"""Section 2: curve structure and strategy."""

from __future__ import annotations

import pandas as pd

from analytics import curve as ac
from analytics.rules import Param

from .base import (
    ChartSpec,
    Section,
    SectionInput,
    SectionResult,
    cell,
    chart,
    heading,
    table,
    text,
    verdict_cards,
)

TENOR_KEYS = {"1m": "ust_1m", "3m": "ust_3m", "6m": "ust_6m", "1y": "ust_1y", "2y": "ust_2y", "3y": "ust_3y",
              "5y": "ust_5y", "7y": "ust_7y", "10y": "ust_10y", "20y": "ust_20y", "30y": "ust_30y"}
_LAG_DAYS = {"1w": 7, "1m": 30, "3m": 91, "6m": 182, "1y": 365}


def spread_series(inp: SectionInput, key: str, long_key: str, short_key: str) -> tuple[pd.Series, str]:
    """The published spread, or the difference of its two legs when the spread is not loaded."""
    s = inp.series(key)
    if not s.empty and not inp.frame.is_stale(key):
        return s, "published"
    long_, short = inp.series(long_key), inp.series(short_key)
    if long_.empty or short.empty:
        return s, "published"
    diff = (long_ - short).dropna()
    if s.empty or (not diff.empty and diff.index[-1] > s.index[-1]):
        return diff, "computed from the two yields"
    return s, "published"


class CurveSection(Section):
    id = "curve"
    number = 2
    title = "Curve structure and strategy"
    needs = ("ust_2y", "ust_10y")
    uses = (*TENOR_KEYS.values(), "spread_10y2y", "spread_10y3m", "recession")
    rules = ("curve_inversion",)
    PARAMS = (
        Param("snapshot_lags", list, doc="look-back points of the curve snapshot (1w, 1m, 3m, 6m, 1y)"),
        Param("history_years", int, lo=2, hi=80, doc="years of spread history charted"),
    )

    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        res.gaps = inp.gaps(self.series_keys())
        lags = {}
        for lag in inp.options["snapshot_lags"]:
            if lag not in _LAG_DAYS:
                raise ValueError(f"sections.curve.snapshot_lags: {lag!r} is not one of {', '.join(_LAG_DAYS)}")
            lags[lag] = _LAG_DAYS[lag]
        yields = pd.DataFrame({t: inp.series(k) for t, k in TENOR_KEYS.items() if inp.frame.has(k)})
        snap = ac.curve_snapshot(yields, as_of=inp.as_of, lags=lags)
        s2s10, how_2s10 = spread_series(inp, "spread_10y2y", "ust_10y", "ust_2y")
        s3m10, how_3m10 = spread_series(inp, "spread_10y3m", "ust_10y", "ust_3m")
        verdict = ac.evaluate_inversion(s2s10, s3m10, params=inp.params("curve_inversion"), as_of=inp.as_of)
        res.verdicts.append(verdict)
        res.analysis.update(snapshot=snap, verdict=verdict)

        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=int(inp.options["history_years"]))
        hist = pd.DataFrame({"2s10s": s2s10, "3m10y": s3m10}).loc[start:]
        params = inp.params("curve_inversion")
        episodes = ac.inversion_episodes(s3m10.loc[start:] if not s3m10.empty else s2s10.loc[start:],
                                         below=params["inverted_below"])
        res.charts += [
            ChartSpec(
                id="curve_snapshot", kind="curve_snapshot", title="Treasury curve now and before",
                data={"years": snap.years, "tenors": snap.tenors, "curves": dict(snap.curves),
                      "dates": {k: v.isoformat() for k, v in snap.dates.items()}},
                alt=self._snapshot_alt(snap), series_keys=tuple(TENOR_KEYS[t] for t in snap.tenors), width="half",
            ),
            ChartSpec(
                id="curve_spreads", kind="timeseries", title="2s10s and 3m10y spreads (pp)",
                data={"lines": {"2s10s": hist["2s10s"].dropna(), "3m10y": hist["3m10y"].dropna()},
                      "hline": 0.0, "ylabel": "percentage points",
                      "spans": [(e.start.isoformat(), e.end.isoformat()) for e in episodes],
                      "span_label": "3m10y inverted"},
                alt=(f"Line chart of the 2s10s and 3m10y Treasury spreads since {start.year}; "
                     f"{len(episodes)} 3m10y inversion episodes are shaded."),
                series_keys=("spread_10y2y", "spread_10y3m"), shade_recessions=True, width="half",
            ),
        ]
        res.lead = verdict.headline
        rows = []
        lag_labels = [k for k in snap.curves if k != "now"]
        for i, t in enumerate(snap.tenors):
            row = [cell(t, "text"), cell(snap.curves["now"][i], "pct")]
            row += [cell(snap.changes_bp[lab][i], "bp", digits=0) for lab in lag_labels]
            rows.append(row)
        res.blocks += [
            verdict_cards(["curve_inversion"]),
            text(
                "The short end prices the policy rate and funding costs; the long end prices growth and the "
                "return on investment. When the long end falls to the cost of funding, the incentive to invest "
                "weakens, and the slope itself becomes the signal the strategies below trade."
            ),
            chart("curve_snapshot"),
            table(["Tenor", f"Yield {snap.dates['now'].isoformat()}", *[f"Δ {lab} (bp)" for lab in lag_labels]],
                  rows, caption="Treasury constant-maturity yields and changes"),
            heading("Slope history"),
            chart("curve_spreads"),
            text(f"2s10s is {how_2s10}; 3m10y is {how_3m10}. Shaded bands mark 3m10y inversions and, in grey, "
                 f"NBER recessions."),
        ]
        res.methods.append({
            "title": "Curve inversion rule",
            "text": ("The rule takes the latest 2s10s and 3m10y spreads. Below the inversion threshold the curve "
                     "counts as inverted, below the flatness threshold as flat; the worse of the two spreads sets the "
                     "state. The brief reads an inverted curve as a sign that rate moves are reaching speculative, "
                     "high-volatility assets, and not as a forecast of an equity crash."),
        })
        if res.gaps:
            res.status = "partial"
        return res

    @staticmethod
    def _snapshot_alt(snap: ac.CurveSnapshot) -> str:
        now = dict(zip(snap.tenors, snap.curves["now"]))
        parts = [f"{t} {now[t]:.2f}%" for t in ("3m", "2y", "10y", "30y") if now.get(t) is not None]
        return f"Treasury yield curve on {snap.dates['now'].isoformat()} ({', '.join(parts)}) against earlier curves."


SECTION = CurveSection()
