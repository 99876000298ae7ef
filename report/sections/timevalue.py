"""Section 3: time value across assets."""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd

from analytics import timevalue as tv
from analytics.rules import NO_DATA, Param, asof_values, forward_max, forward_return

from ..catalog import FUTURES_POSITIONS, FUTURES_ROOTS
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

#: Treasury tenors of the carry table (years) and their catalog keys
CARRY_TENORS = MappingProxyType({1.0: "ust_1y", 2.0: "ust_2y", 3.0: "ust_3y", 5.0: "ust_5y", 7.0: "ust_7y",
                                 10.0: "ust_10y", 20.0: "ust_20y", 30.0: "ust_30y"})
CURVE_KEYS = ("ust_1m", "ust_3m", "ust_6m", *CARRY_TENORS.values())
CURVE_YEARS = MappingProxyType({"ust_1m": 1 / 12, "ust_3m": 0.25, "ust_6m": 0.5,
                                **{k: t for t, k in CARRY_TENORS.items()}})
FUNDING_KEYS = ("sofr", "effr", "effr_7d", "ust_3m")

#: futures products audited: ticker -> (ETF key, futures root code, spot key, spot label, based on)
PRODUCTS = MappingProxyType({
    "USO": ("etf_uso", "cl", "wti", "WTI spot", "futures"),
    "UNG": ("etf_ung", "ng", "henry_hub", "Henry Hub spot", "futures"),
    "GLD": ("etf_gld", "gc", "gold_pm", "LBMA gold", "physical metal"),
    "VXX": ("etf_vxx", "vx", "vix", "VIX index", "futures"),
})
ROOT_NAMES = MappingProxyType({code: name.split(" (")[0] for code, name, _ in FUTURES_ROOTS.values()})
CREDIT_KEYS = MappingProxyType({"High-yield OAS": "hy_oas", "Investment-grade OAS": "ig_oas",
                                "Baa minus 10-year": "baa_10y"})


def futures_keys(code: str) -> tuple[str, ...]:
    return tuple(f"fut_{code}_{kind}{n}" for n in range(1, FUTURES_POSITIONS + 1) for kind in ("c", "d"))


class TimeValueSection(Section):
    id = "timevalue"
    number = 3
    title = "Time value across assets"
    needs = ("ust_10y",)
    uses = (*CURVE_KEYS, *FUNDING_KEYS, "vix", "vix3m", *CREDIT_KEYS.values(),
            *(k for c in ROOT_NAMES for k in futures_keys(c)), *(p[0] for p in PRODUCTS.values()),
            *(p[2] for p in PRODUCTS.values()), "shiller_price", "sp500")
    rules = ("vix_term", "futures_roll", "credit_spreads")
    PARAMS = (
        Param("vol_loss_budget", float, lo=0.001, hi=0.5,
              doc="share of capital a total loss of a short-volatility position may cost"),
        Param("blowup_days", int, lo=2, hi=60, doc="sessions over which a VIX blow-up is measured"),
        Param("blowup_multiple", float, lo=1.2, hi=10.0, doc="multiple of its recent low that makes a VIX blow-up"),
        Param("carry_horizon_months", int, lo=1, hi=12, doc="holding period of the Treasury carry and roll-down"),
        Param("audit_years", float, lo=0.25, hi=10.0, doc="holding period of the futures-ETF roll-cost audit"),
        Param("erosion_pp", float, lo=0.0, hi=100.0,
              doc="annual ETF-minus-spot gap or roll cost (pp) at which time cost eats the holding"),
        Param("credit_history_years", int, lo=2, hi=40, doc="years of credit-spread history charted"),
    )

    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        futures_loaded = [c for c in ROOT_NAMES if inp.frame.has(f"fut_{c}_c1")]
        etfs_loaded = [t for t, p in PRODUCTS.items() if inp.frame.has(p[0])]
        core = (*CURVE_KEYS, "vix", "vix3m", *CREDIT_KEYS.values())
        extra = tuple(k for c in futures_loaded for k in futures_keys(c)[:4]) + \
            tuple(PRODUCTS[t][0] for t in etfs_loaded)
        res.gaps = inp.gaps((*core, *extra))
        blocks_carry = self._carry(inp, res)
        blocks_vix = self._vix(inp, res)
        blocks_fut = self._futures(inp, res, futures_loaded, etfs_loaded)
        blocks_credit = self._credit(inp, res)
        order = {"vix_term": 0, "futures_roll": 1, "credit_spreads": 2}
        res.verdicts.sort(key=lambda v: order[v.rule_id])
        res.lead = self._lead(res)
        res.blocks += [
            text("The yield curve prices the time value of money. Every other asset that is held through time has "
                 "its own version of it: the carry and roll-down of a bond, the roll of a futures contract, the "
                 "premium a volatility seller collects, the spread a credit investor is paid. Each is read below "
                 "from the data before any direction is taken."),
            *blocks_carry, *blocks_vix, *blocks_fut, *blocks_credit,
        ]
        res.methods += [
            {"title": "Treasury carry and roll-down",
             "text": ("Par bonds priced off a Nelson-Siegel-Svensson fit of the day's Treasury curve are held over "
                      "the horizon with the curve unchanged: carry is the coupon income minus financing at the "
                      "funding rate, roll-down the price gain from ageing along the curve; both are shown in basis "
                      "points of yield (divided by the bond's DV01).")},
            {"title": "VIX term structure and blow-ups",
             "text": ("Contango is VIX below VIX3M. A blow-up is a close more than the set multiple of the lowest "
                      "close of the previous sessions in the window. Sizing: a position that can lose everything is "
                      "capped at the loss budget; short VIX exposure is capped at the budget divided by the worst "
                      "rise over the same window on record.")},
            {"title": "Futures roll and the ETF audit",
             "text": ("The roll yield is the log price gap between the two nearest contracts, annualised by the days "
                      "between their expiries. The audit compares an ETF's return with its spot underlying's over "
                      "the holding period; for a futures-based fund the gap is the cost of rolling plus fees.")},
            {"title": "Credit observation",
             "text": ("Spreads are ranked against their own history over the percentile window (share of days at or "
                      "below today's level) and compared with four weeks earlier.")},
        ]
        res.track_records += inp.cached("track_records", ("vix", "vix3m", "hy_oas", "baa_10y", "shiller_price",
                                                          "sp500", *extra, *(p[2] for p in PRODUCTS.values())),
                                        lambda: self._track_records(inp, futures_loaded, etfs_loaded),
                                        extra={r: dict(inp.params(r)) for r in self.rules})
        res.settle_status()
        return res

    @staticmethod
    def _lead(res: SectionResult) -> str:
        v = {x.rule_id: x for x in res.verdicts}
        parts = []
        if v["vix_term"].state != NO_DATA:
            parts.append(f"volatility term structure in {v['vix_term'].state}")
        if v["futures_roll"].state != NO_DATA:
            parts.append(f"futures roll: {v['futures_roll'].state}")
        else:
            parts.append("no futures curve loaded")
        if v["credit_spreads"].state != NO_DATA:
            parts.append(f"credit {v['credit_spreads'].state}")
        return "Time value first: " + "; ".join(parts) + "."

    # -- Treasury carry and roll-down ----------------------------------------------------------
    def _carry(self, inp: SectionInput, res: SectionResult) -> list:
        from analytics.bonds import carry_rolldown
        from analytics.nss import fit_nss

        out = [heading("Treasury carry and roll-down")]
        now = pd.Timestamp(inp.as_of)
        pts = {}
        for k in CURVE_KEYS:
            last = inp.frame.last(k)
            if last is not None and (now - pd.Timestamp(last[0])).days <= 7:
                pts[k] = last[1]
        funding, fkey = None, None
        for k in FUNDING_KEYS:
            last = inp.frame.last(k)
            if last is not None and (inp.as_of - last[0]).days <= 7:
                funding, fkey = last[1], k
                break
        months = int(inp.options["carry_horizon_months"])
        horizon = months / 12.0
        tenors = [t for t, k in CARRY_TENORS.items() if k in pts and t > horizon]
        if len(pts) < 5 or funding is None or not tenors:
            out.append(text("Not computed: it needs the day's Treasury curve (at least five tenors) and a current "
                            "funding rate (SOFR, fed funds or the 3-month bill)."))
            return out

        def compute():
            fit = fit_nss([CURVE_YEARS[k] for k in pts], list(pts.values()), kind="cmt")
            return fit, carry_rolldown(fit.params, tenors, funding_rate=funding, horizon_years=horizon)

        fit, cr = inp.cached("carry", (*pts, fkey), compute, extra=(months, tuple(tenors)))
        res.analysis["carry"] = cr
        t = cr.table
        rows = [[cell(f"{int(m)}y", "text"), cell(r["par_yield"], "pct"), cell(r["carry_bp"], "bp", digits=1),
                 cell(r["rolldown_bp"], "bp", digits=1), cell(r["total_bp"], "bp", digits=1),
                 cell(r["total"] * 100.0, "num", digits=1)] for m, r in t.iterrows()]
        best = t["total_bp"].idxmax()
        res.charts.append(ChartSpec(
            id="timevalue_carry", kind="bars", title=f"Carry and roll-down by tenor, {months} months (bp of yield)",
            data={"labels": [f"{int(m)}y" for m in t.index],
                  "groups": {"carry": list(t["carry_bp"]), "roll-down": list(t["rolldown_bp"])},
                  "ylabel": "basis points"},
            alt=(f"Bar chart of carry and roll-down of par Treasuries from {int(t.index[0])} to {int(t.index[-1])} "
                 f"years over {months} months; the largest total is at {int(best)} years "
                 f"({t.loc[best, 'total_bp']:+.1f} bp)."),
            series_keys=(*pts, fkey), width="half"))
        out += [
            chart("timevalue_carry"),
            table(["Tenor", "Par yield", "Carry", "Roll-down", "Total", "Total (¢ per 100)"], rows,
                  caption=f"Carry and roll-down over {months} months, curve unchanged",
                  note=(f"Funding at {funding:.2f}% ({fkey.upper().replace('_', ' ')}); carry, roll-down and total in bp "
                        f"of yield: the rise in yield the position absorbs before losing money. Curve fit error "
                        f"{fit.rmse_bp:.1f} bp.")),
        ]
        return out

    # -- VIX --------------------------------------------------------------------------------------
    def _vix(self, inp: SectionInput, res: SectionResult) -> list:
        o = inp.options
        vix, vix3m = inp.series("vix"), inp.series("vix3m")
        sizing = tv.vol_sizing(vix, as_of=inp.as_of, budget=float(o["vol_loss_budget"]), days=int(o["blowup_days"]))
        v = tv.evaluate_vix_term(vix, vix3m, params=inp.params("vix_term"), as_of=inp.as_of, sizing=sizing)
        res.verdicts.append(v)
        blow = tv.vix_blowups(vix, as_of=inp.as_of, days=int(o["blowup_days"]), multiple=float(o["blowup_multiple"]))
        term = tv.vix_term(vix, vix3m, as_of=inp.as_of)
        res.analysis.update(vix_term=term, blowups=blow, sizing=sizing)
        out = [heading("VIX term structure: selling insurance"), verdict_cards(["vix_term"])]
        if term is not None:
            ratio = tv.vix_ratio(vix, vix3m).loc[: pd.Timestamp(inp.as_of)]
            start = pd.Timestamp(term.date) - pd.DateOffset(years=5)
            res.charts.append(ChartSpec(
                id="timevalue_vix_ratio", kind="timeseries", title="VIX / VIX3M (below 1 = contango)",
                data={"lines": {"VIX / VIX3M": ratio.loc[start:]}, "keys": {"VIX / VIX3M": "vix"}, "hline": 1.0,
                      "ylabel": "ratio"},
                alt=(f"Line chart of the ratio of the VIX to the 3-month VIX since {max(start, ratio.index[0]).year}; "
                     f"{term.contango_share['1y']:.0%} of the past year's days were below 1."),
                series_keys=("vix", "vix3m"), width="half"))
            out.append(chart("timevalue_vix_ratio"))
            full = {lab: pd.Timestamp(term.date) - pd.DateOffset(years=y) + pd.Timedelta(days=7)
                    for lab, y in term.window_years.items()}
            out.append(keyvalues([
                (f"Contango days, {lab}" if pd.Timestamp(s) <= full[lab] else
                 f"Contango days, {lab} (data from {s.isoformat()})", cell(term.contango_share[lab], "share"))
                for lab, (s, n) in term.windows.items()], caption=f"VIX / VIX3M on {term.date.isoformat()}: "
                                                                   f"{term.ratio:.2f}"))
        if blow:
            rows = [[cell(b.start, "date"), cell(b.trough, "num", digits=1), cell(b.peak, "num", digits=1),
                     cell(b.peak_date, "date"), cell(b.rise_pct, "spct", digits=0)] for b in reversed(blow[-8:])]
            out.append(table(["Started", "VIX low", "VIX peak", "Peak on", "Rise"], rows,
                             caption=(f"VIX blow-ups: more than {o['blowup_multiple']:g}x the low of the previous "
                                      f"{o['blowup_days']} sessions ({len(blow)} since "
                                      f"{vix.index[0].year}; latest {min(8, len(blow))} shown)")))
        if sizing is not None:
            out.append(callout(
                "Sizing short volatility",
                (f"Loss budget {sizing.budget:.0%} of capital. A product that can go to zero: at most "
                 f"{sizing.max_zero_position:.0%} of capital. Short VIX exposure: at most {sizing.max_short_notional:.1%} "
                 f"of capital in notional, since the VIX once rose {sizing.worst_rise_pct:.0f}% in {sizing.days} "
                 f"sessions (to {sizing.worst_date.isoformat()}). The premium is paid for carrying the blow-up; a "
                 "position that cannot survive one is too large."), tone="warn"))
        return out

    # -- futures and ETFs -------------------------------------------------------------------------
    def _futures(self, inp: SectionInput, res: SectionResult, loaded: list[str], etfs: list[str]) -> list:
        readings = []
        for code in loaded:
            s = {k: inp.series(f"fut_{code}_{k}") for k in ("c1", "c2", "d1", "d2")}
            r = tv.roll_reading(ROOT_NAMES[code], s["c1"], s["c2"], s["d1"], s["d2"], as_of=inp.as_of)
            if r is not None:
                readings.append((code, r))
        v = tv.evaluate_futures_roll([r for _, r in readings], params=inp.params("futures_roll"), as_of=inp.as_of)
        res.verdicts.append(v)
        res.analysis["roll"] = dict(readings)
        out = [heading("Futures roll and futures-based ETFs"), verdict_cards(["futures_roll"])]
        if not readings:
            out.append(text("No futures settlement curve is loaded, so roll yields cannot be measured. Import a "
                            "settlement file (date, root, contract, expiry, settle) for crude oil, natural gas, gold "
                            "or VIX futures to see each curve's contango or backwardation and the roll it implies."))
        else:
            rows = [[cell(r.name, "text"), cell(r.date, "date"), cell(r.f1, "num"), cell(r.f2, "num"),
                     cell(r.d2 - r.d1, "days"), cell(r.shape, "text"), cell(r.roll_pct, "spct"),
                     cell(r.avg_roll_1y, "spct"), cell(r.contango_share_1y, "share")] for _, r in readings]
            out.append(table(["Curve", "Date", "Front", "Second", "Gap", "Shape", "Roll, %/yr", "Past-year avg",
                              "Contango days"], rows, caption="Roll yield between the two nearest contracts"))
            lines = {}
            for code, r in readings:
                d = inp.frame
                xs, ys = [], []
                for n in range(1, FUTURES_POSITIONS + 1):
                    c, dd = d.last(f"fut_{code}_c{n}"), d.last(f"fut_{code}_d{n}")
                    if c is None or dd is None or c[0] != r.date or dd[0] != r.date:
                        continue
                    xs.append(dd[1])
                    ys.append(100.0 * c[1] / r.f1)
                if len(xs) >= 2:
                    lines[r.name] = (xs, ys)
            if lines:
                res.charts.append(ChartSpec(
                    id="timevalue_futures_curves", kind="xy", title="Futures curves (front contract = 100)",
                    data={"lines": lines, "xlabel": "days to expiry", "ylabel": "price, front = 100", "hline": 100.0,
                          "markers": True},
                    alt=("Futures prices of the nearest contracts against days to expiry, each curve scaled to its "
                         "front contract; rising lines are in contango. " + "; ".join(
                             f"{r.name}: {r.shape}" for _, r in readings)),
                    series_keys=tuple(f"fut_{c}_c1" for c, _ in readings), width="half"))
                out.append(chart("timevalue_futures_curves"))
        out += self._audit(inp, res, etfs, dict(readings))
        return out

    def _audit(self, inp: SectionInput, res: SectionResult, etfs: list[str], readings: dict) -> list:
        years = float(inp.options["audit_years"])
        erosion = float(inp.options["erosion_pp"])
        audits, rows, check = {}, [], []
        for t in PRODUCTS:
            key, code, spot_key, spot_label, based = PRODUCTS[t]
            a = tv.etf_audit(t, inp.series(key), inp.series(spot_key), as_of=inp.as_of, years=years) \
                if t in etfs else None
            audits[t] = a
            if a is not None:
                rows.append([cell(t, "text"), cell(spot_label, "text"), cell(a.start, "date"), cell(a.end, "date"),
                             cell(a.etf_return, "spct"), cell(a.spot_return, "spct"), cell(a.gap_pp, "pp", digits=1),
                             cell(a.gap_pa_pp, "pp", digits=1)])
            r = readings.get(code)
            if a is None and r is None:
                continue
            dd = tv.max_drawdown(inp.series(key), as_of=inp.as_of) if t in etfs else None
            cost = [x for x in ((a.gap_pa_pp if a is not None and based != "physical metal" else None),
                                (r.avg_roll_1y if r is not None and based != "physical metal" else None))
                    if x is not None]
            if based == "physical metal":
                eats = "no: holds the metal, no roll"
            elif not cost:
                eats = "unknown"
            elif min(cost) <= -erosion:
                eats = "yes"
            elif min(cost) < 0:
                eats = "partly"
            else:
                eats = "no"
            check.append([cell(t, "text"), cell(based, "text"),
                          cell(r.shape if r is not None else None, "text"),
                          cell(r.avg_roll_1y if r is not None and based != "physical metal" else None, "spct"),
                          cell(a.gap_pa_pp if a is not None else None, "pp", digits=1),
                          cell(dd[0] if dd is not None else None, "spct", digits=0),
                          cell(eats, "text", tone={"yes": "neg", "partly": "warn"}.get(eats))])
        res.analysis["audits"] = audits
        out = [heading("Futures-ETF roll-cost audit")]
        if rows:
            out.append(table(["ETF", "Spot", "From", "To", "ETF", "Spot", "Gap", "Gap per year"], rows,
                             caption=f"ETF return vs spot return over {years:g} year{'s' if years != 1 else ''}",
                             note=("The gap of a futures-based fund is the cost of rolling plus fees; a physically "
                                   "backed fund's gap is its fee and tracking error.")))
        else:
            out.append(text("No futures-ETF prices are loaded, so the roll cost cannot be audited against spot "
                            "returns. Import a file of ETF closes (date, USO, UNG, GLD, VXX) to run the audit."))
        out.append(heading("Time value first: checklist"))
        if check:
            out.append(table(["Product", "Based on", "Curve", "Roll, past year", "ETF − spot, per year",
                              "Worst drawdown", "Time cost eats the holding?"], check,
                             caption="Questions to answer before holding a futures product",
                             note=(f"'Yes' when the roll or the ETF's lag behind spot costs {erosion:g} pp a year or "
                                   "more. A product whose worst drawdown approaches −100% must be sized as if it can "
                                   "go to zero (see the volatility sizing above).")))
        else:
            out.append(text("Neither futures curves nor futures-ETF prices are loaded: the checklist (futures or "
                            "physical? contango or backwardation? roll per year? lag behind spot? drawdown to zero?) "
                            "cannot be answered from data for any product in this edition."))
        return out

    # -- credit ------------------------------------------------------------------------------------
    def _credit(self, inp: SectionInput, res: SectionResult) -> list:
        params = inp.params("credit_spreads")
        spreads = {"High-yield OAS": inp.series("hy_oas"), "Baa minus 10-year": inp.series("baa_10y")}
        v = tv.evaluate_credit(spreads, params=params, as_of=inp.as_of)
        res.verdicts.append(v)
        years = int(params["percentile_years"])
        out = [heading("Credit observation"), verdict_cards(["credit_spreads"])]
        rows, lines = [], {}
        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=int(inp.options["credit_history_years"]))
        for label, key in CREDIT_KEYS.items():
            s = inp.series(key)
            r = tv.spread_reading(s, as_of=inp.as_of, years=years)
            if r is None:
                rows.append([cell(label, "text"), cell(None, "pct"), cell(None, "date"), cell(None, "share"),
                             cell(None, "bp"), cell("not loaded", "text")])
                continue
            rows.append([cell(label, "text"), cell(r.level, "pct"), cell(r.date, "date"), cell(r.percentile, "share"),
                         cell(r.chg_4w_bp, "bp"), cell(f"{r.window_start.year}–{r.date.year}", "text")])
            lines[label] = s.loc[start:]
        out.append(table(["Spread", "Level", "Date", "Percentile", "4-week change", "Percentile window"], rows,
                         caption="Credit spreads over Treasuries"))
        if lines:
            res.charts.append(ChartSpec(
                id="timevalue_credit", kind="timeseries", title="Credit spreads (percent)",
                data={"lines": lines, "keys": {"High-yield OAS": "hy_oas", "Investment-grade OAS": "ig_oas",
                                               "Baa minus 10-year": "baa_10y"}, "ylabel": "percent"},
                alt=f"Line chart of {', '.join(lines)} since {start.year}.",
                series_keys=tuple(CREDIT_KEYS[k] for k in lines), shade_recessions=True, width="half"))
            out.append(chart("timevalue_credit"))
        out.append(text("High-yield bonds serve here as a window on credit conditions: the market is too thin and "
                        "too illiquid to carry a large allocation, but its spread moves early when funding tightens."))
        return out

    # -- track records ---------------------------------------------------------------------------
    def _track_records(self, inp: SectionInput, futures_loaded: list[str], etfs: list[str]) -> list:
        out = []
        vix, vix3m = inp.series("vix"), inp.series("vix3m")
        dates = history_dates(inp, ("vix3m",))
        if len(dates) and not vix.empty:
            st = tv.vix_term_states(vix, vix3m, params=inp.params("vix_term"), dates=dates)
            now = asof_values(vix, dates, max_age_days=7)
            rise = 100.0 * (forward_max(vix, dates, months=1) / now - 1.0)
            out.append(record("vix_term", st, rise, label="largest VIX rise over the next month (%)", unit="percent"))
        hy = inp.series("hy_oas")
        spread = hy if not hy.empty else inp.series("baa_10y")
        dates = history_dates(inp, ("hy_oas",) if not hy.empty else ("baa_10y",))
        if len(dates):
            st = tv.credit_states(spread, params=inp.params("credit_spreads"), dates=dates)
            eq, eq_label = equity_history(inp, dates[0])
            out.append(record("credit_spreads", st, forward_return(eq, dates, months=12),
                              label=f"next 12 months' return, {eq_label} (%)", unit="percent", hit_threshold=0.0))
        if futures_loaded:
            curves = [tv.roll_yield(*(inp.series(f"fut_{c}_{k}") for k in ("c1", "c2", "d1", "d2")))
                      for c in futures_loaded]
            dates = history_dates(inp, tuple(f"fut_{c}_c1" for c in futures_loaded))
            st = tv.futures_roll_states(curves, params=inp.params("futures_roll"), dates=dates)
            gaps = [forward_return(inp.series(PRODUCTS[t][0]), dates, months=12)
                    - forward_return(inp.series(PRODUCTS[t][2]), dates, months=12)
                    for t in etfs if PRODUCTS[t][4] == "futures" and PRODUCTS[t][1] in futures_loaded]
            if gaps:
                outcome = pd.concat(gaps, axis=1).mean(axis=1, skipna=False)
                out.append(record("futures_roll", st, outcome,
                                  label="ETF minus spot return over the next 12 months, average of the loaded "
                                        "futures-based ETFs (pp)", unit="pp"))
        return [t for t in out if t is not None]


SECTION = TimeValueSection()

__all__ = ["SECTION", "TimeValueSection", "PRODUCTS", "futures_keys"]
