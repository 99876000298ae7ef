"""Section 5: cross-asset transmission of Treasury yields (stocks, equity valuation, foreign bonds, dollar)."""

from __future__ import annotations

import pandas as pd

from analytics import crossasset as ca
from analytics.portfolio import par_bond_returns, rebalanced_returns
from analytics.rules import Param, forward_change, forward_return

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
    table,
    text,
    verdict_cards,
)
from .equity_choice import EQUITY_CHOICES, pick_equity
from .tracks import equity_history, history_dates, record

SPILL_COUNTRIES = tuple(ca.SPILLOVER_GROUPS)
GROWTH_PROXIES = {"real_gdp": ("real_gdp", "real GDP, % y/y", 4),
                  "indpro": ("indpro", "industrial production, % y/y", 12),
                  "payrolls": ("payrolls", "nonfarm payrolls, % y/y", 12)}
ERAS = (("1990-1999", "1990-01-01", "1999-12-31"), ("2000-2019", "2000-01-01", "2019-12-31"),
        ("2020", "2020-01-01", "2020-12-31"), ("2021 on", "2021-01-01", None))


def yoy(s: pd.Series, periods: int) -> pd.Series:
    """Year-on-year growth in percent over ``periods`` observations (12 monthly, 4 quarterly)."""
    return ((s / s.shift(periods) - 1.0) * 100.0).dropna()


class CrossAssetSection(Section):
    id = "crossasset"
    number = 5
    title = "Cross-asset transmission"
    needs = ("ust_10y",)
    uses = ("sp500", "nasdaq", "shiller_price", "shiller_earnings", "shiller_cpi", "shiller_long_rate", "tips_10y",
            "y10_us", *(f"y10_{c}" for c in SPILL_COUNTRIES), "usd_broad", "real_gdp", "indpro", "payrolls",
            "deficit_gdp", "acm_tp10_daily", "recession")
    rules = ("stock_bond_corr", "equity_risk_premium", "yield_spillover", "dollar_regime")
    PARAMS = (
        Param("corr_equity", str, choices=EQUITY_CHOICES,
              doc="equity index of the stock-bond correlation (auto: S&P 500 if it covers the history, else NASDAQ)"),
        Param("corr_window", int, lo=21, hi=1260, doc="rolling window of the stock-bond correlation (business days)"),
        Param("corr_min_run", int, lo=1, hi=504,
              doc="days on the new side before a sign change of the correlation counts"),
        Param("corr_history_start", str, doc="first date of the correlation history (YYYY-MM-DD)"),
        Param("erp_history_start", str, doc="first month of the equity-risk-premium history and percentile"),
        Param("erp_inflation_years", int, lo=1, hi=30,
              doc="years of trailing CPI inflation standing in for expected inflation before TIPS"),
        Param("spill_window", int, lo=12, hi=120, doc="rolling window of the spillover statistics (months)"),
        Param("spill_since", str, doc="start of the long-sample spillover statistics (YYYY-MM-DD)"),
        Param("spill_countries", list, doc="countries in the spillover table (de fr it gb ch jp ca au)"),
        Param("dollar_short", int, lo=21, hi=252, doc="short window of the dollar-yield correlation (business days)"),
        Param("dollar_long", int, lo=42, hi=504, doc="long window of the dollar-yield correlation (business days)"),
        Param("growth_proxy", str, choices=tuple(GROWTH_PROXIES), doc="growth proxy of the dollar regime"),
        Param("track_records", bool, doc="compute the rules' track records (appendix)"),
    )

    # ------------------------------------------------------------------------------------------
    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        res.gaps = inp.gaps(self.series_keys())
        o = inp.options
        for c in o["spill_countries"]:
            if c not in ca.SPILLOVER_GROUPS:
                raise ConfigError(f"[sections.crossasset] spill_countries: {c!r} is not one of "
                                  f"{', '.join(SPILL_COUNTRIES)}")
        self._stock_bond(inp, res)
        self._erp(inp, res)
        self._spillovers(inp, res)
        self._dollar(inp, res)
        if o["track_records"]:
            res.track_records += inp.cached("track_records", self.series_keys(), lambda: self._track_records(inp),
                                            extra={r: dict(inp.params(r)) for r in self.rules} | {"o": dict(o)})
        states = [v.state for v in res.verdicts]
        res.lead = (f"Stock-bond correlation {states[0]}; equity risk premium {states[1]}; spillover to Europe "
                    f"{states[2]}; dollar regime: {states[3]}.")
        res.settle_status()
        return res

    # -- stock-bond correlation ------------------------------------------------------------------
    def _stock_bond(self, inp: SectionInput, res: SectionResult) -> None:
        o = inp.options
        start = pd.Timestamp(o["corr_history_start"])
        eq, eq_key, eq_label = pick_equity(inp, o["corr_equity"], start)
        y = inp.series("ust_10y")
        params = inp.params("stock_bond_corr")
        sb = None
        if not eq.empty and not y.empty:
            try:
                sb = inp.cached("stock_bond", (eq_key, "ust_10y"), lambda: ca.stock_bond_correlation(
                    eq, y, window=o["corr_window"], min_run=o["corr_min_run"]),
                    extra=(o["corr_window"], o["corr_min_run"]))
            except ValueError:
                sb = None
        stale = inp.frame.is_stale(eq_key) or inp.frame.is_stale("ust_10y")
        v = ca.evaluate_stock_bond(sb, params=params, as_of=inp.as_of, stale=stale, equity_label=eq_label)
        res.verdicts.append(v)
        res.analysis["stock_bond"] = sb
        res.blocks += [heading("Stocks and Treasuries"), verdict_cards([v.rule_id])]
        if sb is None:
            res.blocks.append(callout("Not computed", f"The stock-bond correlation needs daily {eq_label} and 10-year "
                                      "yields; one of them is missing.", tone="warn"))
            return
        hist = sb.series.loc[start:]
        eras = ca.era_summary(sb.series, ERAS)
        res.analysis["stock_bond_eras"] = eras
        res.charts.append(ChartSpec(
            id="crossasset_stock_bond", kind="timeseries",
            title=f"Stock-bond correlation, rolling {sb.window} days",
            data={"lines": {f"{eq_label} vs 10-year Treasury": hist},
                  "keys": {f"{eq_label} vs 10-year Treasury": eq_key},
                  "hline": 0.0, "ylabel": "correlation"},
            alt=(f"Line chart of the {sb.window}-day correlation of daily {eq_label} returns with 10-year Treasury "
                 f"returns since {hist.index[0].year}; latest {sb.corr:+.2f}."),
            series_keys=(eq_key, "ust_10y"), shade_recessions=True, width="full"))
        rows = [[cell(e["era"], "text"), cell(e["mean"], "corr"), cell(e["share_negative"], "share"),
                 cell(e["n"], "int")] for e in eras]
        change = (f"It last changed sign on {sb.last_change.isoformat()}, turning "
                  f"{'positive' if sb.direction == 'up' else 'negative'}" if sb.last_change else
                  "It has kept its sign over the whole sample")
        hedge = {
            "negative": ("When equities sell off, Treasuries tend to rally, so the bond sleeve of a 60/40 portfolio "
                         "cushions the fall and the portfolio's volatility stays below that of its parts."),
            "near zero": ("Bonds neither hedge nor amplify equity losses: a 60/40 portfolio keeps some "
                          "diversification from the lower volatility of bonds, but no crisis insurance."),
            "positive": ("Bonds and equities lose together, so the bond sleeve adds to drawdowns instead of "
                         "offsetting them; the 60/40 portfolio carries more risk than its weights suggest."),
        }.get(v.state, "")
        res.blocks += [
            chart("crossasset_stock_bond"),
            text(f"The correlation stands at {sb.corr:+.2f} ({eq_label}, {sb.window}-day window, last on "
                 f"{sb.date.isoformat()}). {change}; sign changes count only after {sb.min_run} days on the new side. "
                 f"{hedge}"),
            table(["Period", "Mean correlation", "Days negative", "Days"], rows,
                  caption="Stock-bond correlation by period"),
        ]
        res.methods.append({"title": "Stock-bond correlation", "text": (
            f"Daily returns of the {eq_label} (price index; option corr_equity = {o['corr_equity']}) are correlated "
            f"with daily returns of a constant-maturity 10-year Treasury over a rolling {sb.window}-day window. The "
            "Treasury return is that of a par bond bought at the previous day's 10-year yield and repriced at "
            "today's yield, plus a day's coupon. FRED's S&P 500 covers only ten years, so longer histories use the "
            "NASDAQ Composite, whose returns are more volatile but move with the S&P 500 on most days.")})

    # -- equity risk premium ---------------------------------------------------------------------
    def _erp(self, inp: SectionInput, res: SectionResult) -> None:
        o = inp.options
        params = inp.params("equity_risk_premium")
        keys = ("shiller_price", "shiller_earnings", "shiller_cpi", "shiller_long_rate", "tips_10y")
        erp = None
        if inp.frame.has("shiller_price") and inp.frame.has("shiller_earnings") and (
                inp.frame.has("tips_10y") or inp.frame.has("shiller_long_rate")):
            try:
                erp = inp.cached("erp", keys, lambda: ca.equity_risk_premium(
                    inp.series("shiller_price"), inp.series("shiller_earnings"), tips_10y=inp.series("tips_10y"),
                    nominal_10y=inp.series("shiller_long_rate"), cpi=inp.series("shiller_cpi"),
                    inflation_years=o["erp_inflation_years"], history_start=o["erp_history_start"]),
                    extra=(o["erp_inflation_years"], o["erp_history_start"]))
            except ValueError:
                erp = None
        stale = inp.frame.is_stale("shiller_earnings") or inp.frame.is_stale("shiller_price")
        v = ca.evaluate_erp(erp, params=params, as_of=inp.as_of, stale=stale)
        res.verdicts.append(v)
        res.analysis["erp"] = erp
        res.blocks += [heading("Equity risk premium"), verdict_cards([v.rule_id])]
        if erp is None:
            res.blocks.append(callout("Not computed", "The equity risk premium needs Shiller's price and earnings and "
                                      "a real yield (TIPS or the long rate with CPI).", tone="warn"))
            return
        start = pd.Timestamp(o["erp_history_start"])
        res.charts.append(ChartSpec(
            id="crossasset_erp", kind="timeseries", title="Earnings yield, real yield and the equity risk premium",
            data={"lines": {"Equity risk premium": erp.series, "Earnings yield": erp.earnings_yield_series,
                            "10-year real yield": erp.real_yield_series},
                  "keys": {"Earnings yield": "shiller_earnings", "10-year real yield": "tips_10y"},
                  "hline": 0.0, "ylabel": "percent / pp"},
            alt=(f"Monthly equity risk premium since {start.year} with the earnings yield and the 10-year real yield; "
                 f"latest premium {erp.erp:+.2f} pp in {erp.date.strftime('%B %Y')}."),
            series_keys=("shiller_price", "shiller_earnings", "tips_10y"), width="full"))
        res.blocks += [
            chart("crossasset_erp"),
            text("In the dividend-discount view a share is worth its future payouts discounted at the real risk-free "
                 "rate plus a premium. With earnings given, a higher real yield lowers the premium investors earn for "
                 "holding equities; when the premium is already thin, further rises in real yields have to come out "
                 "of prices. A rise in yields driven by stronger growth can lift earnings at the same time, which is "
                 "why the sign of the stock-bond correlation matters for reading this number."),
        ]
        if stale:
            res.blocks.append(callout("Earnings lag", f"Shiller's earnings are published with a lag and the file "
                                      f"loaded ends in {erp.date.strftime('%B %Y')}; the premium is shown for that "
                                      "month and the real-yield change runs to the latest month.", tone="warn"))
        res.methods.append({"title": "Equity risk premium", "text": (
            "Earnings yield: Shiller's trailing twelve-month S&P composite earnings divided by the monthly average "
            "price. Real yield: the monthly average 10-year TIPS yield from 2003; before that, Shiller's long rate "
            f"minus CPI inflation over the previous {erp.inflation_years} years (annualised), used as a stand-in for "
            "expected inflation. The premium is the difference in percentage points; its percentile ranks the latest "
            f"month among all months since {erp.history_start.year}.")})

    # -- spillovers -------------------------------------------------------------------------------
    def _spillovers(self, inp: SectionInput, res: SectionResult) -> None:
        o = inp.options
        params = inp.params("yield_spillover")
        countries = [c for c in o["spill_countries"]]
        keys = ("y10_us", *(f"y10_{c}" for c in countries))
        foreign = {c: inp.series(f"y10_{c}") for c in countries if inp.frame.has(f"y10_{c}")}
        sp = None
        if inp.frame.has("y10_us") and foreign:
            sp = inp.cached("spill", keys, lambda: ca.yield_spillovers(
                inp.series("y10_us"), foreign, window=o["spill_window"], since=o["spill_since"]),
                extra=(o["spill_window"], o["spill_since"], tuple(countries)))
        stale = inp.frame.is_stale("y10_us")
        v = ca.evaluate_spillover(sp, params=params, as_of=inp.as_of, stale=stale)
        res.verdicts.append(v)
        res.analysis["spillovers"] = sp
        res.blocks += [heading("Spillover to foreign bond yields"), verdict_cards([v.rule_id])]
        absent = [ca.SPILLOVER_GROUPS[c][0] for c in countries if c not in foreign]
        if sp is None:
            res.blocks.append(callout("Not computed", "The spillover table needs the OECD monthly 10-year yields of "
                                      "the U.S. and at least one other country.", tone="warn"))
            return
        rows = [[cell(r.name, "text"), cell(r.group, "text"), cell(r.corr_window, "corr"), cell(r.beta_window, "ratio"),
                 cell(r.corr_long, "corr"), cell(r.beta_long, "ratio"), cell(r.last, "date")]
                for r in sp.rows]
        w = sp.window
        labels = [r.name for r in sp.rows if r.corr_window is not None]
        res.charts.append(ChartSpec(
            id="crossasset_spillover", kind="bars", title="Correlation of monthly 10-year yield changes with the U.S.",
            data={"labels": labels,
                  "groups": {f"last {w} months": [r.corr_window for r in sp.rows if r.corr_window is not None],
                             f"since {sp.since.year}": [r.corr_long for r in sp.rows if r.corr_window is not None]},
                  "ylabel": "correlation", "rotation": 30},
            alt=("Bar chart of each country's correlation of monthly 10-year yield changes with the U.S., over the "
                 f"last {w} months and since {sp.since.year}: " +
                 ", ".join(f"{r.name} {r.corr_window:.2f}" for r in sp.rows if r.corr_window is not None) + "."),
            series_keys=("y10_us", *(f"y10_{c}" for c in foreign)), width="full"))
        eu, jp, oth = (sp.group_corr.get(g) for g in ("Europe", "Japan", "Other"))
        contrast = []
        if eu is not None:
            contrast.append(f"European yields correlate {eu:.2f} with U.S. moves on average")
        if jp is not None:
            contrast.append(f"Japan {jp:.2f}")
        if oth is not None:
            contrast.append(f"Canada and Australia {oth:.2f}")
        res.blocks += [
            chart("crossasset_spillover"),
            table(["Country", "Group", f"Corr {w}m", f"Beta {w}m", f"Corr since {sp.since.year}",
                   f"Beta since {sp.since.year}", "Last month"], rows,
                  caption="Monthly 10-year yield changes against the U.S. 10-year",
                  note=("Beta: basis points of foreign move per basis point of U.S. move. "
                        + (f"No data: {', '.join(absent)}." if absent else ""))),
            text("; ".join(contrast) + ". " if contrast else "") ,
            text("Long-dated government bonds of the large developed markets are close substitutes for global "
                 "investors, so their term premia move together and a sell-off in Treasuries tends to travel to "
                 "Europe. Japan's yields, held down by the central bank for years, have followed U.S. moves less "
                 "closely, which the table's lower correlation shows."),
        ]
        res.methods.append({"title": "Yield spillovers", "text": (
            f"Monthly changes of OECD long-term (10-year) government yields, monthly averages. For each country, the "
            f"correlation with the U.S. change and the beta (covariance over the U.S. variance) over the last {w} "
            f"months the two share and over all months since {sp.since.year}. The contagion verdict reads the mean "
            "over the European countries with data.")})

    # -- the dollar --------------------------------------------------------------------------------
    def _dollar(self, inp: SectionInput, res: SectionResult) -> None:
        o = inp.options
        params = inp.params("dollar_regime")
        gkey, glabel, periods = GROWTH_PROXIES[o["growth_proxy"]]
        growth = yoy(inp.series(gkey), periods) if inp.frame.has(gkey) else None
        dr = None
        if inp.frame.has("usd_broad") and inp.frame.has("ust_10y"):
            try:
                dr = ca.dollar_regime(inp.series("usd_broad"), inp.series("ust_10y"), short_window=o["dollar_short"],
                                      long_window=o["dollar_long"], growth=growth,
                                      deficit_gdp=inp.series("deficit_gdp") if inp.frame.has("deficit_gdp") else None,
                                      term_premium=inp.series("acm_tp10_daily"))
            except ValueError:
                dr = None
        stale = inp.frame.is_stale("usd_broad") or inp.frame.is_stale("ust_10y")
        v = ca.evaluate_dollar(dr, params=params, as_of=inp.as_of, stale=stale, growth_label=glabel)
        res.verdicts.append(v)
        res.analysis["dollar"] = dr
        res.blocks += [heading("The dollar: smile or frown"), verdict_cards([v.rule_id])]
        if dr is None:
            res.blocks.append(callout("Not computed", "The dollar regime needs the broad dollar index and the 10-year "
                                      "yield.", tone="warn"))
            return
        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=5)
        cs = dr.corr_series.loc[start:]
        res.charts.append(ChartSpec(
            id="crossasset_dollar", kind="timeseries", title="Broad dollar vs 10-year yield: rolling correlation",
            data={"lines": {c: cs[c].dropna() for c in cs.columns}, "hline": 0.0, "ylabel": "correlation"},
            alt=(f"Rolling {dr.short_window}- and {dr.long_window}-day correlations of daily changes in the broad "
                 f"dollar and the 10-year yield over five years; latest {dr.corr_short:+.2f}."),
            series_keys=("usd_broad", "ust_10y"), width="full"))
        res.blocks += [
            chart("crossasset_dollar"),
            text("The dollar smile: the dollar gains when U.S. growth outpaces the rest of the world (right side, "
                 "where it rises with yields) and in global risk-off episodes (left side, where it rises while yields "
                 "fall), and drifts lower in between. The fiscal frown is the case the smile does not cover: yields "
                 "rise because investors demand more to hold U.S. debt, and the dollar falls with them."),
        ]
        res.methods.append({"title": "Dollar regime", "text": (
            f"Correlation of daily changes of the broad trade-weighted dollar (log, %) and the 10-year yield (bp) over "
            f"{dr.short_window} and {dr.long_window} business days, with the net moves over the short window. Growth "
            f"proxy: {glabel}. Fiscal side: the latest federal deficit and its change on the year before; when no "
            "deficit data is loaded, the change of the ACM 10-year term premium over the short window stands in, as "
            "the channel through which fiscal worries reach yields.")})

    # -- track records -----------------------------------------------------------------------------
    def _track_records(self, inp: SectionInput) -> list:
        o = inp.options
        out = []
        start = pd.Timestamp(o["corr_history_start"])
        eq, eq_key, eq_label = pick_equity(inp, o["corr_equity"], start)
        y = inp.series("ust_10y")
        if not eq.empty and not y.empty:
            common = eq.index.intersection(y.index)
            common = common[common >= start - pd.DateOffset(years=2)]
            if len(common) > o["corr_window"] + 260:
                e, yy = eq.loc[common], y.loc[common]
                corr = e.pct_change().rolling(o["corr_window"]).corr(par_bond_returns(yy)).dropna()
                dates = history_dates(inp, (eq_key, "ust_10y"), start=start)
                st = ca.stock_bond_states(corr, params=inp.params("stock_bond_corr"), dates=dates)
                r = pd.DataFrame({"equity": e.pct_change(), "treasury": par_bond_returns(yy)}).dropna()
                wealth = (1.0 + rebalanced_returns(r, {"equity": 0.6, "treasury": 0.4})).cumprod()
                out.append(record("stock_bond_corr", st, forward_return(wealth, dates, days=365),
                                  label=(f"next 12 months' return of a 60/40 portfolio ({eq_label}, 10-year "
                                         "Treasury) (%)"),
                                  unit="percent"))
        erp = None
        if inp.frame.has("shiller_price") and inp.frame.has("shiller_earnings"):
            try:
                erp = ca.equity_risk_premium(
                    inp.series("shiller_price"), inp.series("shiller_earnings"), tips_10y=inp.series("tips_10y"),
                    nominal_10y=inp.series("shiller_long_rate"), cpi=inp.series("shiller_cpi"),
                    inflation_years=o["erp_inflation_years"], history_start=o["erp_history_start"])
            except ValueError:
                erp = None
        if erp is not None:
            dates = history_dates(inp, ("shiller_earnings",), start=pd.Timestamp(o["erp_history_start"]))
            st = ca.erp_states(erp.series, params=inp.params("equity_risk_premium"), dates=dates)
            px, label = equity_history(inp, dates[0]) if len(dates) else (pd.Series(dtype=float), "")
            out.append(record("equity_risk_premium", st, forward_return(px, dates, days=365),
                              label=f"next 12 months' return, {label} (%)", unit="percent"))
        foreign = {c: inp.series(f"y10_{c}") for c in o["spill_countries"] if inp.frame.has(f"y10_{c}")}
        if inp.frame.has("y10_us") and foreign:
            dates = history_dates(inp, ("y10_us",), start=pd.Timestamp(o["spill_since"]))
            st = ca.spillover_states(inp.series("y10_us"), foreign, params=inp.params("yield_spillover"), dates=dates,
                                     window=o["spill_window"])
            de = inp.series("y10_de")
            if not de.empty:
                de = de.copy()
                de.index = de.index + pd.offsets.MonthEnd(0)
                out.append(record("yield_spillover", st, forward_change(de, dates, months=3, scale=100.0),
                                  label="next 3 months' change in the German 10-year yield, OECD monthly (bp)",
                                  unit="bp"))
        if inp.frame.has("usd_broad") and inp.frame.has("ust_10y"):
            gkey, _, periods = GROWTH_PROXIES[o["growth_proxy"]]
            growth = yoy(inp.series(gkey), periods) if inp.frame.has(gkey) else None
            dates = history_dates(inp, ("usd_broad",))
            st = ca.dollar_states(inp.series("usd_broad"), inp.series("ust_10y"), params=inp.params("dollar_regime"),
                                  dates=dates, short_window=o["dollar_short"], growth=growth,
                                  deficit_gdp=inp.series("deficit_gdp"), term_premium=inp.series("acm_tp10_daily"))
            out.append(record("dollar_regime", st, forward_return(inp.series("usd_broad"), dates, days=91),
                              label="next 3 months' change of the broad dollar index (%)", unit="percent"))
        return [t for t in out if t is not None]


SECTION = CrossAssetSection()
