"""Section 2: curve structure and strategy."""

from __future__ import annotations

import pandas as pd

import numpy as np

from analytics import curve as ac
from analytics.rules import Param, forward_max, forward_return

from .base import (
    ChartSpec,
    Section,
    SectionInput,
    SectionResult,
    callout,
    cell,
    chart,
    heading,
    keyvalues,
    table,
    text,
    verdict_cards,
)
from .tracks import equity_history, history_dates, record

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


#: moves classified each week: (short tenor, long tenor)
MOVE_PAIRS = (("2y", "10y"), ("10y", "30y"))
#: funding rates for the steepener's carry, in order of preference (repo first)
FUNDING_KEYS = ("sofr", "effr", "effr_7d", "ust_3m")
EQUITY_KEYS = ("shiller_price", "shiller_earnings", "sp500", "nasdaq", "topix", "nikkei225", "usdjpy", "vix")


def japan_equity(inp: SectionInput) -> tuple[pd.Series, str, str]:
    """TOPIX when loaded and fresh, else the Nikkei 225 as its proxy: (series, label, catalog key)."""
    if inp.frame.has("topix") and not inp.frame.is_stale("topix"):
        return inp.series("topix"), "TOPIX", "topix"
    if inp.frame.has("nikkei225"):
        return inp.series("nikkei225"), "Nikkei 225 (TOPIX proxy)", "nikkei225"
    return inp.series("topix"), "TOPIX", "topix"


def monthly_average(s: pd.Series) -> pd.Series:
    """Monthly means dated on the first of the month (the Shiller convention)."""
    from analytics.stats import monthly_mean

    return monthly_mean(s)


class CurveSection(Section):
    id = "curve"
    number = 2
    title = "Curve structure and strategy"
    needs = ("ust_2y", "ust_10y")
    uses = (*TENOR_KEYS.values(), "spread_10y2y", "spread_10y3m", "recession", *EQUITY_KEYS, *FUNDING_KEYS)
    rules = ("curve_inversion", "equity_slope")
    PARAMS = (
        Param("snapshot_lags", list, doc="look-back points of the curve snapshot (1w, 1m, 3m, 6m, 1y)"),
        Param("history_years", int, lo=2, hi=80, doc="years of spread history charted"),
        Param("move_weeks", int, lo=1, hi=26, doc="weeks of classified curve moves in the table"),
        Param("move_threshold_bp", float, lo=0.0, hi=25.0,
              doc="spread change (bp) below which a weekly move counts as parallel"),
        Param("carry_horizon_months", int, lo=1, hi=12, doc="holding period of the steepener's carry and roll-down"),
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
        jp, jp_label, jp_key = japan_equity(inp)
        jp_monthly = monthly_average(jp)
        res.analysis["japan_monthly"] = jp_monthly
        slope = ac.evaluate_equity_slope(inp.series("shiller_price"), inp.series("shiller_earnings"),
                                         params=inp.params("equity_slope"), as_of=inp.as_of,
                                         japan=jp_monthly, japan_label=jp_label.split(" (")[0])
        verdict = ac.evaluate_inversion(s2s10, s3m10, params=inp.params("curve_inversion"), as_of=inp.as_of,
                                        growth_slope=slope.state, growth_slope_stale=slope.stale)
        res.verdicts += [verdict, slope]
        res.analysis.update(snapshot=snap, verdict=verdict, slope=slope)

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
        res.blocks += self._moves(inp, yields, res)
        res.blocks += self._strategy(inp, verdict, slope, jp, jp_label, jp_key, res)
        res.blocks += self._steepener(inp, yields, res)
        res.methods.append({
            "title": "Curve inversion rule",
            "text": ("The rule takes the latest 2s10s and 3m10y spreads. Below the inversion threshold the curve "
                     "counts as inverted, below the flatness threshold as flat; the worse of the two spreads sets the "
                     "state. The brief reads an inverted curve as a sign that rate moves are reaching speculative, "
                     "high-volatility assets, and not as a forecast of an equity crash."),
        })
        res.methods += [
            {"title": "Weekly curve moves",
             "text": ("Each week's change of the short and long yield of a pair (2s10s, 10s30s) is named by the "
                      "change of the spread and the average change of the two yields: a spread move below the "
                      "threshold is parallel; opposite moves of both ends beyond the threshold are a twist; "
                      "otherwise falling yields make a bull and rising yields a bear steepener or flattener.")},
            {"title": "Long-run growth slope and the volatility hedge",
             "text": ("A straight line is fitted through the logarithm of Shiller's monthly S&P 500 price and of "
                      "its earnings over the look-back; its slope is the trend growth rate and R² says how well the "
                      "trend describes the path. Japan's index is fitted the same way for comparison. The hedge "
                      "ratio is the minimum-variance ratio of weekly U.S. equity returns on weekly Japanese equity "
                      "returns converted to dollars; the variance it removes equals the squared correlation.")},
        ]
        res.track_records += inp.cached(
            "track_records", ("spread_10y2y", "spread_10y3m", "ust_10y", "ust_2y", "ust_3m", *EQUITY_KEYS),
            lambda: self._track_records(inp, s2s10, s3m10),
            extra={r: dict(inp.params(r)) for r in self.rules})
        res.settle_status()
        return res

    # -- weekly moves ----------------------------------------------------------------------
    def _moves(self, inp: SectionInput, yields: pd.DataFrame, res: SectionResult) -> list:
        have = [t for p in MOVE_PAIRS for t in p if t in yields.columns]
        pairs = [p for p in MOVE_PAIRS if p[0] in have and p[1] in have]
        if not pairs:
            return [heading("Weekly curve moves"), text("The 2-, 10- and 30-year yields are not loaded.")]
        mv = ac.weekly_moves(yields, pairs, as_of=inp.as_of, weeks=int(inp.options["move_weeks"]),
                             threshold_bp=float(inp.options["move_threshold_bp"]))
        res.analysis["moves"] = mv
        cols, names = ["Week to"], []
        for short, long_ in pairs:
            name = ac.pair_name(short, long_)
            names.append((short, long_, name))
            cols += [f"Δ{short}", f"Δ{long_}", f"Δ{name}", f"{name} move"]
        rows = []
        for _, r in mv.iterrows():
            row = [cell(r["end"], "date")]
            for short, long_, name in names:
                row += [cell(r[f"d_{short}"], "bp"), cell(r[f"d_{long_}"], "bp"), cell(r[f"d_{name}"], "bp"),
                        cell(r[f"move_{name}"] or None, "text")]
            rows.append(row)
        latest = mv.iloc[0]
        lead = "; ".join(f"{name} {latest[f'move_{name}']} ({latest[f'd_{name}']:+.0f} bp)"
                         for _, _, name in names if latest[f"move_{name}"])
        out = [heading("Weekly curve moves")]
        if lead:
            out.append(text(f"Week to {latest['end'].isoformat()}: {lead}."))
        out.append(table(cols, rows, caption=f"Curve moves over the last {len(mv)} weeks (bp)",
                         note=(f"Moves smaller than {inp.options['move_threshold_bp']:g} bp in the spread count as "
                               "parallel; week ends are the as-of date and every seventh day before it.")))
        return out

    # -- inversion strategy: growth slope and the TOPIX hedge -------------------------------
    def _strategy(self, inp, verdict, slope, jp, jp_label, jp_key, res) -> list:
        out = [heading("What an inversion calls for"), verdict_cards(["equity_slope"])]
        hedges = self._hedges(inp, jp, res)
        res.analysis["hedges"] = hedges
        rows = [[cell(f"{y} year{'s' if y > 1 else ''}", "text"), cell(h.ratio, "ratio"), cell(h.corr, "corr"),
                 cell(h.variance_removed, "share"), cell(h.n, "int"), cell(h.end, "date")]
                for y, h in hedges.items() if h is not None]
        fx_note = "converted to dollars at the yen rate" if res.analysis.get("hedge_currency") == "USD" else \
            "in local currency: the yen rate is not loaded for the window"
        if rows:
            h1 = hedges.get(1) or next(h for h in hedges.values() if h is not None)
            stale = (inp.as_of - h1.end).days > 10
            action = (f"Hold the U.S. equity ETF and sell {h1.ratio:.2f} dollars of {jp_label} per dollar held "
                      f"(minimum-variance ratio over the past year, to {h1.end.isoformat()}); the hedge removed "
                      f"{h1.variance_removed:.0%} of the weekly return variance.")
            if stale:
                action += f" The Japanese index data end on {h1.end.isoformat()}, so the ratio is stale."
            if verdict.state == "normal":
                title, body = "Hedge on standby", "The curve is not flat or inverted, so no hedge is called for. " \
                    + "If it inverts: " + action[0].lower() + action[1:]
            elif slope.state == "intact":
                title, body = "Action", action
            else:
                title, body = "Action", action + " With the growth slope " + slope.state + \
                    ", the size of the equity exposure itself needs review."
            out.append(callout(title, body, tone="warn" if verdict.state != "normal" else "info"))
            out.append(table(["Window", "Hedge ratio", "Correlation", "Variance removed", "Weeks", "Data to"], rows,
                             caption=f"Minimum-variance hedge of the S&P 500 with a {jp_label} short",
                             note=f"Weekly returns; the Japanese index is {fx_note}."))
        else:
            out.append(text(f"The hedge ratio cannot be estimated: weekly U.S. and {jp_label} prices over a common "
                            "year are not loaded."))
        res.charts.append(self._slope_chart(inp, res.analysis["japan_monthly"], jp_label, jp_key))
        out.append(chart("curve_growth_slope"))
        return out

    def _hedges(self, inp: SectionInput, jp: pd.Series, res: SectionResult) -> dict:
        us = inp.series("sp500")
        if us.empty or inp.frame.is_stale("sp500"):
            us = inp.series("nasdaq") if inp.frame.has("nasdaq") else us
        if us.empty or jp.empty:
            return {1: None, 3: None}
        fx = inp.series("usdjpy")
        end = min(us.index[-1], jp.index[-1])
        res.analysis["hedge_currency"] = "JPY"
        if not fx.empty and fx.index[-1] >= end - pd.Timedelta(days=10):
            jp = jp.loc[end - pd.DateOffset(years=3, days=21):]
            jp_usd = (jp / fx.reindex(jp.index.union(fx.index)).ffill().reindex(jp.index)).dropna()
            res.analysis["hedge_currency"] = "USD"
        else:
            jp_usd = jp
        window = end - pd.DateOffset(years=3, days=21)
        ru, rj = ac.weekly_returns(us.loc[window:]), ac.weekly_returns(jp_usd.loc[window:])
        return {y: ac.min_variance_hedge(ru, rj, end=end.date(), years=y) for y in (1, 3)}

    def _slope_chart(self, inp, res_japan_monthly, jp_label, jp_key) -> ChartSpec:
        years = int(inp.params("equity_slope")["lookback_years"])
        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=years)
        lines, keys = {}, {}
        for label, s, key in (("S&P 500", inp.series("shiller_price"), "shiller_price"),
                              (jp_label.split(" (")[0], res_japan_monthly, jp_key)):
            w = s.loc[start:]
            w = w[w > 0]
            if len(w) < 24:
                continue
            t = (w.index - w.index[0]).days.to_numpy() / 365.25
            y = np.log(w.to_numpy() / w.iloc[0])
            b, a = np.polyfit(t, y, 1)
            lines[label] = pd.Series(y, index=w.index)
            lines[f"{label} trend"] = pd.Series(a + b * t, index=w.index)
            keys[label] = key
        return ChartSpec(
            id="curve_growth_slope", kind="timeseries", title="Long-run growth slope: U.S. vs Japan (log scale)",
            data={"lines": lines, "keys": {"S&P 500": "sp500"}, "hline": 0.0,
                  "ylabel": f"log of index, {start.year} = 0"},
            alt=(f"Natural log of the S&P 500 and of {jp_label} since {start.year}, each with its fitted straight-line "
                 "trend; the U.S. line climbs while the Japanese one does not."),
            series_keys=tuple(keys.values()), width="full")

    # -- 2s10s steepener (TOT) ---------------------------------------------------------------
    def _steepener(self, inp: SectionInput, yields: pd.DataFrame, res: SectionResult) -> list:
        from analytics.bonds import steepener_carry
        from analytics.nss import fit_nss

        out = [heading("2s10s steepener: DV01-neutral ratio and carry")]
        curve = {t: yields[t].dropna() for t in yields.columns}
        now = pd.Timestamp(inp.as_of)
        pts = {t: float(s.iloc[-1]) for t, s in curve.items()
               if not s.empty and (now - s.index[-1]).days <= 7}
        funding, fkey = None, None
        for k in FUNDING_KEYS:
            last = inp.frame.last(k)
            if last is not None and (inp.as_of - last[0]).days <= 7:
                funding, fkey = last[1], k
                break
        if len(pts) < 5 or funding is None or "2y" not in pts or "10y" not in pts:
            out.append(text("Not computed: it needs the day's curve (at least five tenors including 2 and 10 "
                            "years) and a current funding rate (SOFR, fed funds or the 3-month bill)."))
            return out
        horizon = int(inp.options["carry_horizon_months"]) / 12.0

        def compute():
            fit = fit_nss([ac.TENORS[t] for t in pts], list(pts.values()), kind="cmt")
            return fit, steepener_carry(fit.params, short_tenor=2.0, long_tenor=10.0, funding_rate=funding,
                                        horizon_years=horizon)

        fit, st = inp.cached("steepener", tuple(TENOR_KEYS[t] for t in pts) + (fkey,), compute, extra=horizon)
        res.analysis["steepener"] = st
        months = int(inp.options["carry_horizon_months"])
        out += [
            keyvalues([
                ("2y face per 10y face", cell(1.0 / st.hedge_ratio, "x")),
                ("10y face per 2y face", cell(st.hedge_ratio, "ratio", digits=3)),
                ("DV01 per 100, 2y / 10y", cell(f"{st.dv01_short * 100:.2f}¢ / {st.dv01_long * 100:.2f}¢", "text")),
                (f"Carry, {months}m (spread bp)", cell(st.carry_bp, "bp", digits=1)),
                (f"Roll-down, {months}m (spread bp)", cell(st.rolldown_bp, "bp", digits=1)),
                (f"Total, {months}m (spread bp)", cell(st.total_bp, "bp", digits=1)),
            ], caption="Long 2-year, short 10-year, DV01-neutral"),
            text(f"Par yields from a Nelson-Siegel-Svensson fit of the day's curve (fit error {fit.rmse_bp:.1f} bp); "
                 f"funding at {funding:.2f}% ({fkey.upper().replace('_', ' ')}). The carry and roll-down are in basis "
                 "points of the 2s10s spread: the flattening the position can absorb over the holding period before "
                 "it loses money. A positive number pays the holder for waiting; a negative one is the cost of "
                 "holding the steepener while it waits for the curve to steepen."),
        ]
        return out

    # -- track records ---------------------------------------------------------------------
    def _track_records(self, inp: SectionInput, s2s10: pd.Series, s3m10: pd.Series) -> list:
        dates = history_dates(inp, ("spread_10y2y", "spread_10y3m", "ust_2y"))
        if len(dates) == 0:
            return []
        params = inp.params("curve_inversion")
        states = ac.inversion_states(s2s10, s3m10, params=params, dates=dates)
        eq, eq_label = equity_history(inp, dates[0])
        out = [record("curve_inversion", states, forward_return(eq, dates, months=12),
                      label=f"next 12 months' return, {eq_label} (%)", unit="percent", hit_threshold=0.0)]
        vix = inp.series("vix")
        if not vix.empty:  # the VIX starts later than the spreads: its record covers the weeks it exists
            on = states.index >= vix.index[0]
            out.append(record("curve_inversion", states[on], forward_max(vix, dates[on], months=12),
                              label="highest VIX close over the next 12 months", unit="index"))
        sp = ac.equity_slope_states(inp.series("shiller_price"), inp.series("shiller_earnings"),
                                    params=inp.params("equity_slope"), dates=dates)
        out.append(record("equity_slope", sp, forward_return(eq, dates, months=12),
                          label=f"next 12 months' return, {eq_label} (%)", unit="percent", hit_threshold=0.0))
        return [t for t in out if t is not None]

    @staticmethod
    def _snapshot_alt(snap: ac.CurveSnapshot) -> str:
        now = dict(zip(snap.tenors, snap.curves["now"]))
        parts = [f"{t} {now[t]:.2f}%" for t in ("3m", "2y", "10y", "30y") if now.get(t) is not None]
        return f"Treasury yield curve on {snap.dates['now'].isoformat()} ({', '.join(parts)}) against earlier curves."


SECTION = CurveSection()
