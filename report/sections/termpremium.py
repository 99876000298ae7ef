"""Section 4: term premium.

The Treasury curve of each day is fitted by Nelson-Siegel-Svensson, the month-end zero curves
feed the project's own ACM model (estimated from 1962), and the 10-year yield is split into
expected real short rates, expected inflation and the term premium. The rule ``tp_driver``
names the part that led the latest move and what such moves have meant for gold and U.S.
stocks. The published ACM series, when loaded, are shown beside the project's estimate with
the agreement figures of the model validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics import termpremium as tpm
from analytics.nss import NSSFit, fit_nss
from analytics.rules import NO_DATA, Param, TrackRecord, no_data_verdict, track_record, weekly_dates
from analytics.validation import THRESHOLDS, agreement

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

__all__ = ["CMT_KEYS", "cmt_yields", "TermPremiumModel", "term_premium_model", "TermPremiumSection", "SECTION"]

#: catalog key of each Treasury constant-maturity tenor -> maturity in years
CMT_KEYS = {"ust_1m": 1 / 12, "ust_3m": 0.25, "ust_6m": 0.5, "ust_1y": 1.0, "ust_2y": 2.0, "ust_3y": 3.0,
            "ust_5y": 5.0, "ust_7y": 7.0, "ust_10y": 10.0, "ust_20y": 20.0, "ust_30y": 30.0}
_LABELS = {k: k.removeprefix("ust_") for k in CMT_KEYS}
_PUBLISHED = ("acm_tp02", "acm_tp05", "acm_tp10", "acm_tp10_daily", "kw_tp10")
_HORIZON_TITLES = {"1w": "1 week", "1m": "1 month", "3m": "3 months", "ytd": "year to date"}
_PART_TITLES = {"observed": "10-year yield (CMT)", "expected_real": "Expected real short rates",
                "expected_inflation": "Expected inflation (breakeven)", "term_premium": "Term premium (ACM)",
                "residual": "Model residual", "expected_short": "Expected short rates (risk-neutral)"}
_STATE_TONE = {"small move": "pos", "real-rate led": "pos", "mixed": "warn", "inflation led": "warn",
               "term-premium led": "neg"}


def cmt_yields(get: Callable[[str], pd.Series]) -> pd.DataFrame:
    """Treasury CMT yields (percent), one column per maturity in years, from a series getter."""
    cols = {years: get(key) for key, years in CMT_KEYS.items()}
    cols = {k: v for k, v in cols.items() if len(v)}
    if not cols:
        return pd.DataFrame(columns=list(CMT_KEYS.values()), index=pd.DatetimeIndex([]), dtype=float)
    return pd.concat(cols, axis=1, sort=True).dropna(how="all")


@dataclass(frozen=True)
class TermPremiumModel:
    """The slice of the production term-structure run the section shows (kept small for the cache).

    ``monthly`` (month-ends) and ``daily`` hold, in percent, the model's term premia ``tp24``,
    ``tp60``, ``tp120`` and the 10-year risk-neutral and fitted yields ``rn120``, ``fit120``.
    """

    monthly: pd.DataFrame
    daily: pd.DataFrame
    pricing_rmse_bp: pd.Series
    nss_rmse_bp: pd.Series
    estimation_start: pd.Timestamp
    estimation_end: pd.Timestamp
    n_obs: int
    n_factors: int


def term_premium_model(cmt: pd.DataFrame, *, estimation_start: str, n_factors: int,
                       daily_start: pd.Timestamp | None = None) -> TermPremiumModel:
    """Run :func:`analytics.termpremium.acm_from_cmt` and keep what the section needs (daily
    values from ``daily_start`` on)."""
    run = tpm.acm_from_cmt(cmt, estimation_start=estimation_start, n_factors=n_factors, daily_start=daily_start)

    def pick(res: tpm.ACMResult) -> pd.DataFrame:
        return pd.DataFrame({"tp24": res.term_premium[24], "tp60": res.term_premium[60],
                             "tp120": res.term_premium[120], "rn120": res.risk_neutral[120],
                             "fit120": res.fitted[120]})

    return TermPremiumModel(pick(run.acm), pick(run.daily), run.acm.pricing_rmse_bp, run.nss.rmse_bp,
                            run.estimation_start, run.estimation_end, run.acm.model.n_obs, n_factors)


def _outcome_gold_minus_stocks(inp: SectionInput, decomp: tpm.YieldDecomposition, dates: pd.DatetimeIndex,
                               horizon: str) -> tuple[pd.Series, str]:
    """Gold's return minus U.S. stocks' over the 13 weeks after each date (percent), signed by the
    direction of the 10-year yield's move over the rule's horizon up to that date: positive when
    gold beat stocks after a rise, or stocks beat gold after a fall (the term-premium reading)."""
    gold = inp.series("gold_pm")
    if gold.empty:
        gold = inp.series("gold_monthly")
    stocks, label = inp.series("sp500"), "S&P 500"
    if stocks.empty or (len(dates) and stocks.index[0] > dates[0] + pd.Timedelta(days=31)):
        stocks, label = inp.series("shiller_price"), "S&P 500 (Shiller monthly average)"
    if gold.empty or stocks.empty:
        return pd.Series(np.nan, index=dates), label

    def at(s: pd.Series, when: pd.DatetimeIndex) -> np.ndarray:
        pos = s.index.searchsorted(when, side="right") - 1
        return np.where(pos >= 0, s.to_numpy()[np.clip(pos, 0, None)], np.nan)

    def fwd(s: pd.Series) -> np.ndarray:
        later = dates + pd.Timedelta(days=91)
        out = (at(s, later) / at(s, dates) - 1.0) * 100.0
        return np.where(later <= s.index[-1], out, np.nan)

    obs = decomp.frame["observed"].dropna()
    before = tpm.horizon_starts(dates, horizon)
    sign = np.sign(at(obs, dates) - at(obs, before))
    return pd.Series(sign * (fwd(gold) - fwd(stocks)), index=dates), label


class TermPremiumSection(Section):
    id = "termpremium"
    number = 4
    title = "Term premium"
    needs = ("ust_2y", "ust_10y")
    uses = (*CMT_KEYS, "bei_10y", "tips_10y", *_PUBLISHED, "gold_pm", "sp500", "shiller_price", "recession")
    rules = ("tp_driver",)
    PARAMS = (
        Param("estimation_start", str, doc="first month of the ACM estimation sample (YYYY-MM-DD)"),
        Param("n_factors", int, lo=1, hi=8, doc="principal components priced by the ACM model"),
        Param("history_years", int, lo=2, hi=70, doc="years of term-premium history charted"),
    )

    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        res.gaps = inp.gaps(self.series_keys())
        opts = inp.options
        params = inp.params("tp_driver")
        cmt = cmt_yields(inp.series)
        if cmt.empty or int(cmt.notna().sum(axis=1).max()) < 5:
            res.status = "unavailable"
            res.verdicts.append(no_data_verdict(tpm.TP_DRIVER_RULE, inp.as_of, ["Treasury curve (5 tenors)"], params))
            res.blocks += [verdict_cards(), text("No day has enough Treasury yields to fit a curve.")]
            return res
        try:
            pd.Timestamp(opts["estimation_start"])
        except ValueError:
            raise ValueError(f"sections.termpremium.estimation_start: {opts['estimation_start']!r} is not a date")
        bei = inp.series("bei_10y")
        # daily values are used from the start of the breakevens (the split, its chart and track
        # record) or, without breakevens, for the recent moves the verdict reads; the history chart
        # and the estimation use month-ends
        daily_start = bei.index[0] if len(bei) else pd.Timestamp(inp.as_of) - pd.DateOffset(years=2)
        model = inp.cached("acm", (*CMT_KEYS, "bei_10y"), lambda: term_premium_model(
            cmt, estimation_start=opts["estimation_start"], n_factors=int(opts["n_factors"]),
            daily_start=daily_start), extra=dict(opts))
        fit_date, fit = self._latest_fit(cmt)
        decomp = tpm.decompose_yield(inp.series("ust_10y"), model.daily["rn120"], model.daily["tp120"],
                                     breakeven=bei if len(bei) else None)
        verdict = tpm.evaluate_tp_driver(decomp, as_of=inp.as_of, params=params)
        atts = tpm.attribute_changes(decomp, as_of=inp.as_of)
        res.verdicts.append(verdict)
        res.lead = verdict.headline
        res.analysis.update(model=model, fit=fit, fit_date=fit_date, decomposition=decomp, attributions=atts,
                            verdict=verdict)

        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=int(opts["history_years"]))
        res.charts += [self._fit_chart(fit, fit_date), self._history_chart(inp, model, start),
                       *self._split_charts(decomp, atts)]
        res.blocks += [
            verdict_cards(["tp_driver"]),
            text("A long Treasury yield pays for two things: the path of short rates investors expect over the "
                 "bond's life, and a term premium for holding duration instead of rolling bills. The premium "
                 "cannot be read off prices; the brief estimates it with the Adrian-Crump-Moench model on its own "
                 "zero-coupon curves. With breakevens, the expected path splits further into expected real rates "
                 "and expected inflation."),
            heading("The curve of the day"),
            chart("tp_fit"),
            self._fit_table(fit, fit_date, inp.as_of),
            heading("Term premium history"),
            chart("tp_history"),
            self._levels_table(decomp, model, inp.as_of, inp.series("kw_tp10")),
        ]
        if decomp.has_inflation:
            res.blocks += [heading("What moved the 10-year"), chart("tp_split"), chart("tp_attribution"),
                           self._attribution_table(atts)]
        res.blocks += [self._asset_map_callout(verdict), *self._validation_blocks(inp, model)]
        res.methods += self._methods(model)
        if decomp.has_inflation:
            tr = inp.cached("track_record", (*CMT_KEYS, "bei_10y", "gold_pm", "gold_monthly", "sp500",
                                             "shiller_price"),
                            lambda: self._track_record(inp, decomp, params), extra={**dict(opts), **dict(params)})
            if tr is not None:
                res.track_records.append(tr)
        res.settle_status()
        return res

    # -- pieces ----------------------------------------------------------------------------------

    @staticmethod
    def _latest_fit(cmt: pd.DataFrame) -> tuple[date, NSSFit]:
        """The one-day fit of the latest date with the most tenors seen in the last month."""
        counts = cmt.notna().sum(axis=1)
        recent = counts.loc[counts.index[-1] - pd.Timedelta(days=31):]
        best = int(recent.max())
        day = recent[recent == best].index[-1] if best >= 5 else counts[counts >= 5].index[-1]
        row = cmt.loc[day].dropna()
        return day.date(), fit_nss(row.index.to_numpy(dtype=float), row.to_numpy(dtype=float), kind="cmt")

    @staticmethod
    def _fit_chart(fit: NSSFit, day: date) -> ChartSpec:
        grid = np.geomspace(1 / 12, 30.0, 160)
        par_grid = grid[grid >= 1.0]
        p = fit.params
        labels = [k.removeprefix("ust_") for k, y in CMT_KEYS.items() if any(abs(y - m) < 1e-9 for m in fit.maturities)]
        return ChartSpec(
            id="tp_fit", kind="curve_fit", title=f"Nelson-Siegel-Svensson fit of the Treasury curve, {day.isoformat()}",
            data={"lines": {"par curve (fitted)": (par_grid, p.par(par_grid)), "zero curve": (grid, p.zero(grid)),
                            "instantaneous forward": (grid, p.forward(grid))},
                  "points": {"CMT yields": (fit.maturities, fit.observed)}, "tenors": labels, "ylabel": "percent"},
            alt=(f"Treasury constant-maturity yields on {day.isoformat()} with the fitted par, zero-coupon and "
                 f"forward curves; fit error {fit.rmse_bp:.1f} bp RMSE."),
            series_keys=tuple(CMT_KEYS), width="half",
            note="Bills are shown as continuously compounded zero yields.",
        )

    @staticmethod
    def _fit_table(fit: NSSFit, day: date, as_of: date) -> dict:
        p = fit.params
        z2, z10 = p.zero([2.0, 10.0])
        items = [("Curve date", cell(day, "date")), ("Model", cell(fit.model, "text")),
                 ("Fit RMSE (bp)", cell(fit.rmse_bp, "num", digits=1)),
                 ("beta0 (pp)", cell(p.beta0, "num", digits=2)), ("beta1 (pp)", cell(p.beta1, "num", digits=2)),
                 ("beta2 (pp)", cell(p.beta2, "num", digits=2)), ("beta3 (pp)", cell(p.beta3, "num", digits=2)),
                 ("tau1 (years)", cell(p.tau1, "num", digits=2)), ("tau2 (years)", cell(p.tau2, "num", digits=2)),
                 ("2-year zero yield", cell(z2, "pct")), ("10-year zero yield", cell(z10, "pct"))]
        lag = (as_of - day).days
        cap = "Curve fit" + (f" (latest full curve is {lag} days old)" if lag > 7 else "")
        return keyvalues(items, caption=cap)

    @staticmethod
    def _history_chart(inp: SectionInput, model: TermPremiumModel, start: pd.Timestamp) -> ChartSpec:
        lines = {"10-year (project ACM)": model.monthly["tp120"].loc[start:],
                 "2-year (project ACM)": model.monthly["tp24"].loc[start:]}
        keys = {}
        pub = inp.series("acm_tp10")
        if len(pub):
            lines["10-year (published ACM, monthly)"] = pub.loc[start:]
        daily = inp.series("acm_tp10_daily")
        if len(daily):
            lines["10-year (NY Fed, daily)"] = daily.loc[start:]
        kw = inp.series("kw_tp10")
        if len(kw):
            lines["10-year (Kim-Wright)"] = kw.loc[start:]
        return ChartSpec(
            id="tp_history", kind="timeseries", title="ACM term premium (percent)",
            data={"lines": lines, "keys": keys, "hline": 0.0, "ylabel": "percent"},
            alt=(f"Line chart of the project's ACM 10- and 2-year term premia since {start.year}"
                 + (" against the published ACM estimates." if len(lines) > 2 else ".")),
            series_keys=(*CMT_KEYS, *[k for k in ("acm_tp10", "acm_tp10_daily", "kw_tp10") if inp.frame.has(k)]),
            shade_recessions=True, width="half",
        )

    @staticmethod
    def _split_charts(decomp: tpm.YieldDecomposition, atts) -> list[ChartSpec]:
        if not decomp.has_inflation:
            return []
        f = decomp.frame.dropna(subset=["expected_inflation"])
        lines = {"10-year yield": f["observed"], "expected real short rates": f["expected_real"],
                 "expected inflation": f["expected_inflation"], "term premium": f["term_premium"]}
        split = ChartSpec(
            id="tp_split", kind="timeseries", title="The 10-year yield and its parts (percent)",
            data={"lines": lines, "keys": {"10-year yield": "ust_10y", "expected inflation": "bei_10y"},
                  "hline": 0.0, "ylabel": "percent"},
            alt=(f"Line chart since {f.index[0].year} of the 10-year Treasury yield, the expected real short rate, "
                 f"expected inflation from breakevens and the ACM term premium."),
            series_keys=("ust_10y", "bei_10y"), shade_recessions=True, width="full",
        )
        labels = [_HORIZON_TITLES[a.horizon] for a in atts]
        groups = {_PART_TITLES[p]: [a.contributions_bp[p] for a in atts]
                  for p in ("expected_real", "expected_inflation", "term_premium", "residual")}
        bars = ChartSpec(
            id="tp_attribution", kind="bars", title="Change of the 10-year yield by part (bp)",
            data={"labels": labels, "groups": groups, "ylabel": "basis points", "hline": 0.0},
            alt="Grouped bars of the change in the 10-year yield over 1 week, 1 month, 3 months and the year to date, "
                "split into expected real rates, expected inflation, term premium and residual.",
            series_keys=("ust_10y", "bei_10y"), width="half",
        )
        return [split, bars]

    @staticmethod
    def _levels_table(decomp: tpm.YieldDecomposition, model: TermPremiumModel, as_of: date,
                      kim_wright: pd.Series) -> dict:
        f = decomp.frame.loc[: pd.Timestamp(as_of)]
        row = f.iloc[-1]
        m = model.daily.loc[: pd.Timestamp(as_of)].iloc[-1]
        rows = [[cell(_PART_TITLES["observed"], "text"), cell(row["observed"], "pct")],
                [cell("10-year zero yield (ACM fit)", "text"), cell(row["fitted"], "pct")],
                [cell(_PART_TITLES["expected_short"], "text"), cell(row["expected_short"], "pct")],
                [cell(_PART_TITLES["term_premium"], "text"), cell(row["term_premium"], "pct")],
                [cell("Term premium, 5-year", "text"), cell(m["tp60"], "pct")],
                [cell("Term premium, 2-year", "text"), cell(m["tp24"], "pct")]]
        kw = kim_wright.loc[: pd.Timestamp(as_of)].dropna()
        if len(kw):
            rows.append([cell(f"Term premium, 10-year, Kim-Wright ({kw.index[-1].date().isoformat()})", "text"),
                         cell(kw.iloc[-1], "pct")])
        if np.isfinite(row["expected_inflation"]):
            rows += [[cell(_PART_TITLES["expected_inflation"], "text"), cell(row["expected_inflation"], "pct")],
                     [cell(_PART_TITLES["expected_real"], "text"), cell(row["expected_real"], "pct")]]
        return table(["", f"Level {f.index[-1].date().isoformat()}"], rows, caption="The 10-year yield split")

    @staticmethod
    def _attribution_table(atts) -> dict:
        parts = ("expected_real", "expected_inflation", "term_premium", "residual")
        rows = []
        for a in atts:
            rows.append([cell(_HORIZON_TITLES[a.horizon], "text"), cell(a.start, "date"),
                         cell(a.change_bp, "bp", digits=0), *[cell(a.contributions_bp[p], "bp", digits=0) for p in parts],
                         cell(tpm.DRIVER_LABELS[a.dominant], "text"), cell(a.dominant_share, "share", digits=0)])
        return table(["Horizon", "Since", "10-year", "Real rates", "Inflation", "Term premium", "Residual",
                      "Largest driver", "Its share"], rows, caption="Change of the 10-year yield by part (bp)")

    @staticmethod
    def _asset_map_callout(verdict) -> dict:
        return callout(
            "Reading the driver",
            "When better growth lifts expected real rates, yields rise with earnings prospects: historically a "
            "headwind for gold and a tailwind for U.S. stocks. When the term premium carries the rise, investors are "
            "charging more to hold Treasuries themselves (supply, fiscal risk, inflation uncertainty), which has "
            "favoured gold and weighed on U.S. stock valuations. Inflation-led rises erode real returns and have "
            "tended to favour gold over stocks. A fall led by the same part reverses the reading."
            + (f" Now: {verdict.state}." if verdict.state != NO_DATA else ""),
            tone="warn" if verdict.state in ("term-premium led", "inflation led") else "info",
        )

    def _validation_blocks(self, inp: SectionInput, model: TermPremiumModel) -> list[dict]:
        rows = []
        checks = [("acm_tp10", "tp120", "10-year, monthly since 1990", "e2e_tp10"),
                  ("acm_tp05", "tp60", "5-year, monthly since 1990", "e2e_tp05"),
                  ("acm_tp02", "tp24", "2-year, monthly since 1990", "e2e_tp02")]
        for key, col, label, th in checks:
            pub = inp.series(key)
            if pub.empty:
                continue
            ag = agreement(_month_end_index(model.monthly[col]), _month_end_index(pub), start="1990-01-01")
            rows.append(self._validation_row(label, ag, THRESHOLDS[f"{th}_corr_min"], THRESHOLDS[f"{th}_rmse_max"]))
        daily = inp.series("acm_tp10_daily")
        if len(daily):
            ag = agreement(model.monthly["tp120"], daily)
            rows.append(self._validation_row("10-year month-ends vs NY Fed daily", ag,
                                             THRESHOLDS["daily_tp10_corr_min"], THRESHOLDS["daily_tp10_rmse_max"]))
        if not rows:
            return [text("The published ACM series are not loaded, so the estimate is shown without its comparison; "
                         "`macrobrief validate` runs the full model validation.")]
        return [heading("Model check against the published ACM estimates"),
                table(["Comparison", "Months", "Correlation", "RMSE (pp)", "Min. correlation", "Max. RMSE", "Result"],
                      rows,
                      caption="Project ACM term premium vs published",
                      note="Standards of the project's model validation (`macrobrief validate` prints every figure). "
                           "The published series is the NY Fed's full-sample estimate; a brief dated in the past "
                           "compares it with the model estimated only on data known at its date.")]

    @staticmethod
    def _validation_row(label: str, ag, corr_min: float, rmse_max: float) -> list[dict]:
        ok = bool(ag.n and ag.corr >= corr_min and ag.rmse <= rmse_max)
        return [cell(label, "text"), cell(ag.n, "int"), cell(ag.corr, "corr"), cell(ag.rmse, "num", digits=2),
                cell(corr_min, "corr"), cell(rmse_max, "num", digits=2),
                cell("pass" if ok else "fail", "text", tone="pos" if ok else "neg")]

    def _track_record(self, inp: SectionInput, decomp: tpm.YieldDecomposition, params) -> TrackRecord | None:
        f = decomp.frame.dropna(subset=["expected_inflation"])
        if f.empty:
            return None
        dates = weekly_dates(f.index[0] + pd.DateOffset(months=1), inp.as_of)
        states = tpm.tp_driver_states(decomp, dates, params=params)
        if (states == NO_DATA).all():
            return None
        outcome, label = _outcome_gold_minus_stocks(inp, decomp, dates, params["horizon"])
        return track_record(tpm.TP_DRIVER_RULE, states, outcome,
                            outcome_label=(f"gold minus {label}, return over the next 13 weeks, signed by the "
                                           "direction of the yield move (pp)"),
                            outcome_unit="pp", hit_threshold=0.0)

    @staticmethod
    def _methods(model: TermPremiumModel) -> list[dict[str, str]]:
        med = float(model.nss_rmse_bp.loc["1990":].median()) if len(model.nss_rmse_bp.loc["1990":]) else float("nan")
        return [
            {"title": "Yield curve fitting",
             "text": ("Each day's constant-maturity yields are fitted by a Nelson-Siegel-Svensson curve: bills up to "
                      "one year as zero-coupon yields, longer tenors as par yields of semiannual bonds, on whichever "
                      "tenors were published that day (Nelson-Siegel when fewer than eight). The decay parameters "
                      "are searched on a bounded grid with the betas solved by least squares, plus a small penalty "
                      f"that keeps the betas from exploding. Median fit error since 1990: {med:.1f} bp.")},
            {"title": "ACM term premium",
             "text": (f"Month-end zero-coupon yields of 1 to 120 months from {model.estimation_start:%B %Y} to "
                      f"{model.estimation_end:%B %Y} ({model.n_obs} months) give {model.n_factors} principal "
                      "components; a VAR of the components, regressions of one-month excess bond returns on their "
                      "innovations and lags, and a cross-sectional regression for the prices of risk give an affine "
                      "model (Adrian, Crump and Moench, 2013). The term premium is the model yield minus the yield "
                      "with the prices of risk set to zero. Daily values price each day's curve with the monthly "
                      "estimate. The Kim-Wright premium, a three-factor model the Federal Reserve Board estimates "
                      "with survey forecasts of short rates, is drawn beside it when loaded; the two differ in "
                      "level and smoothness, and a move both models show is the sturdier reading.")},
            {"title": "Splitting the 10-year and the driver rule",
             "text": ("Expected inflation is the 10-year breakeven; expected real short rates are the model's "
                      "expected nominal short rate less that breakeven, so inflation and liquidity premia in "
                      "breakevens sit in the inflation part. The residual is the CMT par yield minus the model's "
                      "zero yield. The rule takes the change over its horizon; the part with the largest change "
                      "leads when it moved with the yield and accounts for at least the configured share of the "
                      "parts' absolute changes.")},
        ]


def _month_end_index(s: pd.Series) -> pd.Series:
    out = s.copy()
    out.index = s.index.to_period("M").to_timestamp(how="end").normalize()
    return out[~out.index.duplicated(keep="last")]


SECTION = TermPremiumSection()
