"""Section 6: when Treasuries stop anchoring (gold, dollar and equities, portfolios, debt dynamics)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics import anchor as an
from analytics import fiscal as fi
from analytics.rules import Param, forward_return

from ..errors import ConfigError
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
from .equity_choice import EQUITY_CHOICES, pick_equity
from .tracks import history_dates, record

_SCENARIO_KEYS = {"name", "d_yield", "d_growth", "d_inflation", "d_deficit"}
_WINDOW_LABELS = {"3y": "3 years", "10y": "10 years", "ytd": "year to date"}


def parse_scenarios(raw: Any) -> tuple[fi.Scenario, ...]:
    """Scenarios from ``[sections.anchor] scenarios`` (a list of tables with ``name`` and shifts in pp)."""
    out = []
    for i, sc in enumerate(raw or (), 1):
        where = f"[sections.anchor] scenarios entry {i}"
        if not isinstance(sc, Mapping) or "name" not in sc:
            raise ConfigError(f"{where}: must be a table with a name and shifts d_yield, d_growth, d_inflation, "
                              "d_deficit (percentage points)")
        unknown = sorted(set(sc) - _SCENARIO_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_SCENARIO_KEYS))})")
        shifts = {}
        for k in _SCENARIO_KEYS - {"name"}:
            v = sc.get(k, 0.0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not -20 <= v <= 20:
                raise ConfigError(f"{where}: {k} must be a number of percentage points in [-20, 20]; got {v!r}")
            shifts[k] = float(v)
        out.append(fi.Scenario(str(sc["name"]), **shifts))
    return tuple(out)


class AnchorSection(Section):
    id = "anchor"
    number = 6
    title = "When Treasuries stop anchoring"
    needs = ("ust_10y",)
    uses = ("gold_pm", "tips_10y", "usd_broad", "sp500", "nasdaq", "ust_3m", "debt_gdp", "federal_interest", "gdp",
            "real_gdp", "deficit_gdp", "fed_treasuries", "bei_10y", "recession")
    rules = ("gold_real_yield", "anchor_signs", "gold_sleeve", "debt_path")
    PARAMS = (
        Param("gold_window", int, lo=13, hi=260, doc="rolling window of the gold vs real-yield correlation (weeks)"),
        Param("gold_fit_start", str, doc="first date of the gold-on-real-yield level fit"),
        Param("gold_fit_end", str, doc="last date of the gold-on-real-yield level fit"),
        Param("asym_years", int, lo=1, hi=20, doc="years of weekly data in the asymmetry test"),
        Param("signs_equity", str, choices=EQUITY_CHOICES, doc="equity index of the textbook-sign checks"),
        Param("portfolio_equity", str, choices=EQUITY_CHOICES, doc="equity index of the portfolios"),
        Param("stock_weight", float, lo=0.05, hi=0.95, doc="equity weight of the 60/40 portfolio"),
        Param("gold_weight", float, lo=0.01, hi=0.5, doc="weight of the gold sleeve"),
        Param("vol_window", int, lo=10, hi=504, doc="trailing days of volatility for risk-parity weights"),
        Param("windows", list, doc="statistics windows of the portfolios (3y, 10y, ytd, or <n>y)"),
        Param("projection_years", int, lo=1, hi=30, doc="years of the debt projection"),
        Param("rollover_years", float, lo=1.0, hi=30.0,
              doc="years over which the effective interest rate converges to the market yield"),
        Param("baseline_growth_years", int, lo=1, hi=30, doc="fiscal years of real growth averaged for the baseline"),
        Param("scenarios", list,
              doc="projection scenarios: tables with name, d_yield, d_growth, d_inflation, d_deficit"),
        Param("track_records", bool, doc="compute the rules' track records (appendix)"),
        Param("sleeve_history_years", int, lo=5, hi=60,
              doc="years of portfolio history in the gold-sleeve track record"),
    )

    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        res.gaps = inp.gaps(self.series_keys())
        scenarios = parse_scenarios(inp.options["scenarios"])
        for w in inp.options["windows"]:
            an.window_start(inp.as_of, w)  # raises ValueError naming a bad window
        self._gold(inp, res)
        self._signs(inp, res)
        self._portfolios(inp, res)
        self._debt(inp, res, scenarios)
        if inp.options["track_records"]:
            res.track_records += inp.cached(
                "track_records", self.series_keys(), lambda: self._track_records(inp),
                extra={r: dict(inp.params(r)) for r in self.rules} | {"o": {k: v for k, v in inp.options.items()
                                                                          if k != "scenarios"}})
        st = {v.rule_id: v.state for v in res.verdicts}
        res.lead = (f"Gold vs real yields: {st['gold_real_yield']}; textbook signs: {st['anchor_signs']}; gold "
                    f"sleeve: {st['gold_sleeve']}; debt path: {st['debt_path']}.")
        res.settle_status()
        return res

    # -- gold ---------------------------------------------------------------------------------------
    def _gold(self, inp: SectionInput, res: SectionResult) -> None:
        o = inp.options
        g = None
        if all(inp.frame.has(k) for k in ("gold_pm", "tips_10y", "ust_10y")):
            try:
                g = inp.cached("gold", ("gold_pm", "tips_10y", "ust_10y"), lambda: an.gold_real_yield(
                    inp.series("gold_pm"), inp.series("tips_10y"), inp.series("ust_10y"), window=o["gold_window"],
                    fit_start=o["gold_fit_start"], fit_end=o["gold_fit_end"], asym_years=o["asym_years"]),
                    extra=(o["gold_window"], o["gold_fit_start"], o["gold_fit_end"], o["asym_years"]))
            except ValueError:
                g = None
        stale = any(inp.frame.is_stale(k) for k in ("gold_pm", "tips_10y"))
        v = an.evaluate_gold(g, params=inp.params("gold_real_yield"), as_of=inp.as_of, stale=stale)
        res.verdicts.append(v)
        res.analysis["gold"] = g
        res.blocks += [heading("Gold and real yields"), verdict_cards([v.rule_id])]
        if g is None:
            res.blocks.append(callout("Not computed", "Needs the gold price, the 10-year TIPS yield and the 10-year "
                                      "Treasury yield.", tone="warn"))
            return
        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=15)
        res.charts.append(ChartSpec(
            id="anchor_gold_corr", kind="timeseries",
            title=f"Gold vs 10-year real yield: {g.window}-week correlation",
            data={"lines": {"correlation": g.corr_series.loc[start:]}, "hline": 0.0, "ylabel": "correlation"},
            alt=(f"Rolling {g.window}-week correlation of weekly gold returns with changes in the 10-year TIPS yield "
                 f"over 15 years; latest {g.corr:+.2f}."),
            series_keys=("gold_pm", "tips_10y"), width="half"))
        ratio = np.exp(g.residual_series.loc[start:] / 100.0)
        res.charts.append(ChartSpec(
            id="anchor_gold_residual", kind="timeseries",
            title=f"Gold relative to its real-yield fit ({g.fit_start.year}-{g.fit_end.year})",
            data={"lines": {"gold / fitted price": ratio}, "hline": 1.0, "ylabel": "ratio (1 = on the fit)"},
            alt=(f"Gold price divided by the price implied by the 10-year real yield under the "
                 f"{g.fit_start.year}-{g.fit_end.year} fit; latest {np.exp(g.residual / 100.0):.1f} times."),
            series_keys=("gold_pm", "tips_10y"), width="half"))
        asym = ""
        if g.beta_up is not None and g.beta_down is not None:
            asym = (f" Over the last {g.asym_years} years, in weeks when Treasury prices rose gold moved "
                    f"{g.beta_up:+.2f}% per 1% Treasury return ({g.n_up} weeks); in weeks when they fell, "
                    f"{g.beta_down:+.2f}% ({g.n_down} weeks).")
        res.blocks += [
            chart("anchor_gold_corr"), chart("anchor_gold_residual"),
            text(f"Over {g.fit_start.year}-{g.fit_end.year} a one-point rise in the real yield went with gold about "
                 f"{100 * (1 - np.exp(g.fit_slope / 100)):.0f}% lower (R² {g.fit_r2:.2f}); gold now trades at "
                 f"{np.exp(g.residual / 100):.1f} times the price that line implies.{asym} " + (
                     "Gold that rises with Treasuries but does not fall with them is being bought as insurance "
                     "against the Treasury itself, not as a trade on real rates." if g.asymmetric else
                     "Gold still moves with Treasury prices in both directions, as a real-rate asset would.")),
        ]
        res.methods.append({"title": "Gold and real yields", "text": (
            f"Weekly (Friday) LBMA PM gold prices and 10-year TIPS yields. Correlation and slope of weekly log gold "
            f"returns on weekly real-yield changes over {g.window} weeks. Level fit: 100 × ln(gold) regressed on the "
            f"real yield over {g.fit_start}..{g.fit_end}; gold relative to the fit is exp(residual / 100). Asymmetry: "
            "weekly gold returns regressed on weekly returns of a constant-maturity 10-year Treasury, separately in "
            f"weeks of positive and negative Treasury returns, over the last {g.asym_years} years.")})

    # -- textbook signs ------------------------------------------------------------------------------
    def _signs(self, inp: SectionInput, res: SectionResult) -> None:
        o = inp.options
        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=1, weeks=2)
        eq, eq_key, eq_label = pick_equity(inp, o["signs_equity"], start)
        s = None
        if inp.frame.has("ust_10y"):
            s = an.textbook_signs(inp.series("ust_10y"), dollar=inp.series("usd_broad"), equity=eq)
        stale = inp.frame.is_stale("usd_broad") or inp.frame.is_stale(eq_key)
        v = an.evaluate_signs(s, params=inp.params("anchor_signs"), as_of=inp.as_of, stale=stale)
        res.verdicts.append(v)
        res.analysis["signs"] = s
        res.blocks += [heading("Dollar and equities against yields"), verdict_cards([v.rule_id])]
        if s is None:
            return
        p = inp.params("anchor_signs")
        rows = []
        for c in s.checks:
            h = an.check_holds(c, p["min_abs_corr"])
            rows.append([cell("Broad dollar" if c.asset == "dollar" else eq_label, "text"), cell(c.window, "text"),
                         cell("rises with yields" if c.textbook > 0 else "falls as yields rise", "text"),
                         cell(c.corr, "corr"), cell(c.yield_change_bp, "bp"), cell(c.asset_change_pct, "spct"),
                         cell("no data" if h is None else ("holds" if h else "does not hold"), "state",
                              tone=None if h is None else ("pos" if h else "warn"))])
        res.blocks += [
            table(["Asset", "Window", "Textbook", "Correlation", "10y change", "Asset change", "Result"], rows,
                  caption=f"Weekly changes against the 10-year yield to {s.date.isoformat()}",
                  note=f"A link holds when the correlation has the textbook sign and a size of at least "
                       f"{p['min_abs_corr']:.2f}. Global equity indexes are not loaded; the {eq_label} stands in."),
            text("When Treasury yields anchor other prices, higher U.S. yields pull capital into dollars and lift "
                 "the discount rate applied to equities. When the rise in yields comes from doubts about U.S. debt "
                 "rather than from growth or policy, those links weaken or reverse: the dollar can fall as yields "
                 "rise, and equities can ignore the yield level."),
        ]

    # -- portfolios -----------------------------------------------------------------------------------
    def _portfolios(self, inp: SectionInput, res: SectionResult) -> None:
        o = inp.options
        windows = tuple(o["windows"])
        first = min(an.window_start(inp.as_of, w) for w in windows)
        eq, eq_key, eq_label = pick_equity(inp, o["portfolio_equity"], first)
        study = None
        keys = (eq_key, "ust_10y", "gold_pm", "ust_3m")
        if all(inp.frame.has(k) for k in keys):
            try:
                study = inp.cached("portfolios", keys, lambda: an.portfolio_study(
                    eq, inp.series("ust_10y"), inp.series("gold_pm"), inp.series("ust_3m"), as_of=inp.as_of,
                    windows=windows, stock_weight=o["stock_weight"], gold_weight=o["gold_weight"],
                    vol_window=o["vol_window"]),
                    extra=(windows, o["stock_weight"], o["gold_weight"], o["vol_window"]))
            except ValueError:
                study = None
        params = inp.params("gold_sleeve")
        stale = any(inp.frame.is_stale(k) for k in keys)
        v = an.evaluate_sleeve(study, params=params, as_of=inp.as_of, stale=stale)
        res.verdicts.append(v)
        res.analysis["portfolios"] = study
        res.blocks += [heading("Portfolios with and without gold"), verdict_cards([v.rule_id])]
        if study is None:
            res.blocks.append(callout("Not computed", f"The portfolios need daily {eq_label}, 10-year yields, gold and "
                                      "the 3-month bill rate.", tone="warn"))
            return
        rows = []
        for name, _, _ in an.PORTFOLIOS:
            for w in windows:
                st = study.stats.get((name, w))
                rows.append([cell(name, "text"), cell(_WINDOW_LABELS.get(w, w), "text"),
                             cell(None if st is None else st.ann_return, "share", digits=1),
                             cell(None if st is None else st.ann_vol, "share", digits=1),
                             cell(None if st is None else st.sharpe, "ratio"),
                             cell(None if st is None else st.max_drawdown, "share", digits=1)])
        gains = [[cell(b, "text")] + [cell(study.gain.get((b, w)), "ratio") for w in windows]
                 for b in ("60/40", "Risk parity")]
        lw = max(windows, key=lambda w: (an.window_start(inp.as_of, "ytd") - an.window_start(inp.as_of, w)).days)
        start = an.window_start(inp.as_of, lw)
        wealth = {}
        for name in study.returns.columns:
            r = study.returns[name].dropna().loc[start:]
            if not r.empty:
                wealth[name] = (1.0 + r).cumprod() * 100.0
        res.charts.append(ChartSpec(
            id="anchor_portfolios", kind="timeseries", title=f"Growth of 100 over {_WINDOW_LABELS.get(lw, lw)}",
            data={"lines": wealth, "ylabel": "index"},
            alt=(f"Cumulative value of the 60/40 and risk-parity portfolios with and without a {study.gold_weight:.0%} "
                 f"gold sleeve over {_WINDOW_LABELS.get(lw, lw)}, starting at 100."),
            series_keys=(eq_key, "ust_10y", "gold_pm"), width="full"))
        res.blocks += [
            table(["Portfolio", "Window", "Return a year", "Volatility", "Sharpe", "Max drawdown"], rows,
                  caption=f"60/40 and risk parity, with and without a {study.gold_weight:.0%} gold sleeve, to "
                          f"{study.date.isoformat()}"),
            table(["Sharpe gain from gold", *[_WINDOW_LABELS.get(w, w) for w in windows]], gains,
                  caption="Sharpe ratio with the gold sleeve minus without"),
            chart("anchor_portfolios"),
        ]
        res.methods.append({"title": "Portfolios", "text": (
            f"Daily returns on common dates of the {eq_label} (price only, no dividends; option portfolio_equity = "
            f"{o['portfolio_equity']}), a constant-maturity 10-year Treasury (par bond repriced from the daily yield, "
            f"plus coupon) and LBMA gold. 60/40: {o['stock_weight']:.0%} equities, the rest Treasuries. Risk parity: "
            f"weights inversely proportional to each asset's volatility over the previous {study.vol_window} days. "
            f"A gold sleeve takes {study.gold_weight:.0%} and scales the other weights down. All portfolios reset "
            "to their weights at the start of each month. Sharpe ratios use the 3-month Treasury yield as the cash "
            "return; maximum drawdown is the worst fall from a previous peak within the window.")})

    # -- debt dynamics ----------------------------------------------------------------------------------
    def _debt(self, inp: SectionInput, res: SectionResult, scenarios: tuple[fi.Scenario, ...]) -> None:
        o = inp.options
        get = lambda k: inp.series(k) if inp.frame.has(k) else None  # noqa: E731
        dyn = fi.debt_dynamics(debt_gdp=get("debt_gdp"), interest=get("federal_interest"), gdp=get("gdp"),
                               real_gdp=get("real_gdp"), deficit_gdp=get("deficit_gdp"))
        proj = None
        lt = dyn.latest
        full = lt is not None and None not in (lt.debt, lt.r, lt.primary_deficit)
        yld = inp.frame.last("ust_10y")
        grow = [fy.g for fy in dyn.years if fy.g is not None][-int(o["baseline_growth_years"]):]
        bei = inp.frame.last("bei_10y")
        infl_hist = [fy.pi for fy in dyn.years if fy.pi is not None][-int(o["baseline_growth_years"]):]
        infl, infl_src = ((bei[1], "10-year breakeven inflation") if bei else
                          (float(np.mean(infl_hist)), "average GDP-deflator inflation") if infl_hist else (None, ""))
        if full and yld and grow and infl is not None:
            proj = fi.project_debt(start_year=lt.year, debt=lt.debt, r0=lt.r, market_yield=yld[1],
                                   growth=float(np.mean(grow)), inflation=infl, primary_deficit=lt.primary_deficit,
                                   scenarios=scenarios, years=o["projection_years"], rollover_years=o["rollover_years"])
        sig = fi.path_signals(dyn, fed_treasuries=get("fed_treasuries"), params=inp.params("debt_path"))
        stale = any(inp.frame.is_stale(k) for k in ("debt_gdp", "gdp", "real_gdp") if inp.frame.has(k))
        v = fi.evaluate_path(sig, proj, params=inp.params("debt_path"), as_of=inp.as_of, stale=stale)
        res.verdicts.append(v)
        res.analysis.update(debt=dyn, projection=proj, path=sig)
        res.blocks += [heading("Debt dynamics and the four paths"), verdict_cards([v.rule_id])]
        if dyn.missing:
            res.blocks.append(callout("Missing fiscal data", "Not loaded: " + ", ".join(dyn.missing) + ". Figures "
                                      "that need them are left out; nothing is estimated in their place.",
                                      tone="warn"))
        recent = [fy for fy in dyn.years if any(x is not None for x in (fy.debt, fy.g, fy.r))][-8:]
        cols = [("Debt/GDP", "debt", "pct", 1), ("r", "r", "pct", 2), ("g", "g", "pct", 2), ("π", "pi", "pct", 2),
                ("Primary deficit", "primary_deficit", "pct", 2), ("Δ debt/GDP", "change", "pp", 1),
                ("Interest", "interest_effect", "pp", 1), ("Growth", "growth_effect", "pp", 1),
                ("Inflation", "inflation_effect", "pp", 1), ("Residual", "residual", "pp", 1)]
        shown = [c for c in cols if any(getattr(fy, c[1]) is not None for fy in recent)]
        dropped = [c[0] for c in cols if c not in shown]
        rows = [[cell(str(fy.year), "text"), *[cell(getattr(fy, a), f, digits=dg) for _, a, f, dg in shown]]
                for fy in recent]
        if rows:
            res.blocks.append(table(
                ["Fiscal year", *[c[0] for c in shown]], rows,
                caption="Federal debt arithmetic by fiscal year (percent; contributions in pp of GDP)",
                note="r: effective interest rate; g: real growth; π: GDP-deflator inflation. Residual: change not "
                     "explained by the four terms (stock-flow adjustments, timing)."
                     + (f" Not computable without the missing series: {', '.join(dropped)}." if dropped else "")))
        if proj is not None:
            hist = inp.series("debt_gdp").loc[pd.Timestamp(inp.as_of) - pd.DateOffset(years=25):]
            lines = {"Debt/GDP": hist}
            for name, path in proj.paths.items():
                idx = pd.DatetimeIndex([pd.Timestamp(proj.start_year + k, 9, 30) for k in range(len(path))])
                lines[name] = pd.Series(path, index=idx)
            res.charts.append(ChartSpec(
                id="anchor_debt_projection", kind="timeseries",
                title=f"Federal debt/GDP: history and {proj.years}-year projection",
                data={"lines": lines, "ylabel": "percent of GDP"},
                alt=(f"Debt/GDP since {hist.index[0].year} and projected to {proj.start_year + proj.years}: baseline "
                     f"{proj.paths['Baseline'][-1]:.0f}%, "
                     + ", ".join(f"{n} {p[-1]:.0f}%" for n, p in proj.paths.items() if n != "Baseline") + "."),
                series_keys=("debt_gdp", "federal_interest", "gdp", "real_gdp"), width="full"))
            a = proj.assumptions
            res.blocks += [
                keyvalues([
                    (f"Debt/GDP, FY{proj.start_year}", cell(proj.start_debt, "pct", digits=1)),
                    ("Effective interest rate now", cell(a["effective rate"], "pct")),
                    ("10-year yield (rate converged to)", cell(a["market yield"], "pct")),
                    (f"Real growth (mean of {len(grow)} fiscal years)", cell(a["real growth"], "pct")),
                    (f"Inflation ({infl_src})", cell(a["inflation"], "pct")),
                    ("Primary deficit, % of GDP", cell(a["primary deficit"], "pct")),
                ], caption="Projection assumptions (baseline)"),
                chart("anchor_debt_projection"),
                table(["Scenario", "Shifts", f"Debt/GDP after {proj.years} years", "Change"],
                      [[cell(n, "text"), cell(self._shift_text(n, proj), "text"), cell(p[-1], "pct", digits=1),
                        cell(p[-1] - p[0], "pp", digits=1)] for n, p in proj.paths.items()],
                      caption="Projection by scenario"),
            ]
        else:
            res.blocks.append(callout("Projection not computed", "The projection needs debt/GDP, interest payments and "
                                      "the deficit for a recent fiscal year: " + (", ".join(dyn.missing) or
                                                                                  "not available") + " missing.",
                                      tone="warn"))
        flags = sig.flags
        path_rows = []
        for name in ("growth", "inflation", "monetisation", "tightening"):
            f = flags.get(name)
            path_rows.append([cell(name.capitalize(), "text"), cell(self._path_test(name, sig), "text"),
                              cell("no data" if f is None else ("yes" if f else "no"), "state",
                                   tone=None if f is None else ("warn" if f else None)),
                              cell(fi.PATH_ASSETS[name], "text")])
        res.blocks += [
            table(["Path", "Test on recent data", "Holds", "Asset map"], path_rows,
                  caption=f"The four debt-management paths (fiscal year {sig.year or 'n/a'})"),
            text("A government can bring its debt ratio down by growing faster than its real cost of borrowing, by "
                 "running smaller deficits, by letting inflation shrink the real value of the debt, or by having the "
                 "central bank hold it. Each path leaves a different mark on assets, which is why the brief tracks "
                 "which one the data support."),
        ]
        res.methods.append({"title": "Debt dynamics", "text": (
            "Each fiscal year the debt ratio is carried forward by the effective interest rate and shrunk by real "
            "growth and by inflation, and the primary deficit is added: next year's ratio equals this year's times "
            "(1 + r) / ((1 + g)(1 + π)) plus the primary deficit, all over GDP. The effective rate is the year's "
            "interest payments divided by the debt at the start of the year; π is GDP-deflator inflation; the primary "
            "deficit is the published deficit less interest payments over GDP. The debt ratio is total public debt "
            "(including debt held by government trust funds), so the growth and inflation effects are on the larger "
            "base while the interest effect equals interest payments over GDP. The projection holds growth, "
            "inflation and the primary deficit at the stated assumptions and lets the effective rate converge to the "
            f"current 10-year yield over about {o['rollover_years']:g} years as the debt is refinanced; each scenario "
            "shifts those assumptions.")})

    @staticmethod
    def _shift_text(name: str, proj: fi.Projection) -> str:
        if name == "Baseline":
            return "assumptions as stated"
        sc = next(s for s in proj.scenarios if s.name == name)
        parts = [f"{lab} {val:+g} pp" for lab, val in (("yield", sc.d_yield), ("growth", sc.d_growth),
                                                      ("inflation", sc.d_inflation), ("primary deficit", sc.d_deficit))
                 if val]
        return ", ".join(parts) or "none"

    @staticmethod
    def _path_test(name: str, sig: fi.PathSignals) -> str:
        def f(x, unit="%"):
            return "n/a" if x is None else f"{x:.1f}{unit}"
        return {
            "growth": f"real growth {f(sig.growth)} vs real effective rate {f(sig.real_rate)}",
            "inflation": f"GDP-deflator inflation {f(sig.inflation)}",
            "monetisation": f"Fed Treasury holdings {f(sig.qe_growth)} y/y",
            "tightening": f"primary deficit change {f(sig.deficit_change, ' pp')}",
        }[name]

    # -- track records --------------------------------------------------------------------------------
    def _track_records(self, inp: SectionInput) -> list:
        o = inp.options
        out = []
        if all(inp.frame.has(k) for k in ("gold_pm", "tips_10y", "ust_10y")):
            try:
                g = an.gold_real_yield(inp.series("gold_pm"), inp.series("tips_10y"), inp.series("ust_10y"),
                                       window=o["gold_window"], fit_start=o["gold_fit_start"],
                                       fit_end=o["gold_fit_end"], asym_years=o["asym_years"])
            except ValueError:
                g = None
            if g is not None:
                dates = history_dates(inp, ("tips_10y",))
                st = an.gold_states(g.corr_series, params=inp.params("gold_real_yield"), dates=dates)
                out.append(record("gold_real_yield", st, forward_return(inp.series("gold_pm"), dates, days=365),
                                  label="next 12 months' return of gold, LBMA PM (%)", unit="percent"))
        eq, eq_key, _ = pick_equity(inp, o["signs_equity"], None)
        if inp.frame.has("usd_broad") and not eq.empty:
            dates = history_dates(inp, ("usd_broad", eq_key))
            st = an.signs_states(inp.series("ust_10y"), dollar=inp.series("usd_broad"), equity=eq,
                                 params=inp.params("anchor_signs"), dates=dates)
            out.append(record("anchor_signs", st, forward_return(inp.series("usd_broad"), dates, days=91),
                              label="next 3 months' change of the broad dollar index (%)", unit="percent"))
        first = an.window_start(inp.as_of, f"{int(o['sleeve_history_years'])}y")
        eq, eq_key, _ = pick_equity(inp, o["portfolio_equity"], first)
        if all(inp.frame.has(k) for k in ("ust_10y", "gold_pm", "ust_3m")) and not eq.empty:
            try:
                study = an.portfolio_study(eq, inp.series("ust_10y"), inp.series("gold_pm"), inp.series("ust_3m"),
                                           as_of=inp.as_of, windows=(f"{int(o['sleeve_history_years'])}y",),
                                           stock_weight=o["stock_weight"], gold_weight=o["gold_weight"],
                                           vol_window=o["vol_window"])
            except ValueError:
                study = None
            if study is not None:
                dates = history_dates(inp, (eq_key, "gold_pm"), start=pd.Timestamp(study.start))
                st = an.sleeve_states(study, params=inp.params("gold_sleeve"), dates=dates)
                wealth = (1.0 + study.returns).cumprod()
                gain = (forward_return(wealth["60/40 + gold"], dates, days=365)
                        - forward_return(wealth["60/40"], dates, days=365))
                out.append(record("gold_sleeve", st, gain, unit="pp",
                                  label="next 12 months' return of the 60/40 with gold minus the 60/40 (pp)"))
        return [t for t in out if t is not None]


SECTION = AnchorSection()

