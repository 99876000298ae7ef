"""Section 7: safe or risky debt (convenience yields, stress events, the regime scorecard)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from analytics import convenience as cv
from analytics import crossasset as ca
from analytics import fiscal as fi
from analytics.rules import Param, forward_change

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
from .tracks import history_dates, record

#: country -> short-rate keys in order of preference (first with data that month is used)
SHORT_RATES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "de": (("st_de", "German 3m interbank"), ("g8_de_3m", "euro AAA 3m"), ("g8_estr", "ESTR")),
    "fr": (("st_de", "German 3m interbank"), ("g8_de_3m", "euro AAA 3m"), ("g8_estr", "ESTR")),
    "it": (("st_de", "German 3m interbank"), ("g8_de_3m", "euro AAA 3m"), ("g8_estr", "ESTR")),
    "gb": (("st_gb", "U.K. 3m interbank"), ("g8_sonia", "SONIA"), ("g8_gb_policy", "Bank Rate")),
    "jp": (("st_jp", "Japan 3m interbank"), ("policy_jp_m", "call rate"), ("g8_tona", "TONA"),
           ("g8_jp_policy", "BoJ policy rate")),
    "ch": (("st_ch", "Swiss 3m interbank"), ("g8_ch_policy", "SNB policy rate")),
    "ca": (("st_ca", "Canada 3m interbank"), ("g8_ca_3m", "Canada 3m bill"), ("g8_corra", "CORRA")),
    "au": (("st_au", "Australia 3m interbank"), ("g8_au_3m", "Australia 3m bill"), ("policy_au_m", "cash rate"),
           ("g8_aonia", "AONIA")),
}
COUNTRY_NAMES = {c: n for c, (n, _) in ca.SPILLOVER_GROUPS.items()}
_SHORT_KEYS = tuple(dict.fromkeys(k for v in SHORT_RATES.values() for k, _ in v))


def parse_events(raw: Any, where: str) -> tuple[tuple[str, date], ...]:
    """``[{name, date}]`` tables from the configuration as ``(name, date)`` pairs."""
    out = []
    for i, ev in enumerate(raw or (), 1):
        if not isinstance(ev, Mapping) or set(ev) != {"name", "date"}:
            raise ConfigError(f"{where} entry {i}: must be a table with exactly `name` and `date`")
        d = ev["date"]
        if isinstance(d, str):
            try:
                d = date.fromisoformat(d)
            except ValueError:
                raise ConfigError(f"{where} entry {i}: date must be YYYY-MM-DD, got {ev['date']!r}") from None
        if not isinstance(d, date):
            raise ConfigError(f"{where} entry {i}: date must be YYYY-MM-DD, got {ev['date']!r}")
        out.append((str(ev["name"]), d))
    return tuple(out)


class SafeDebtSection(Section):
    id = "safedebt"
    number = 7
    title = "Safe or risky debt"
    needs = ("ust_10y",)
    uses = ("aaa_10y", "ust_3m", "y10_us", *(f"y10_{c}" for c in SHORT_RATES), *_SHORT_KEYS, "sp500", "nasdaq",
            "usd_broad", "gold_pm", "vix", "acm_tp10_daily", "bei_5y5y")
    rules = ("convenience_yield", "stress_response", "safe_debt")
    PARAMS = (
        Param("event_equity", str, choices=EQUITY_CHOICES,
              doc="equity index of the event study (auto: S&P 500 where it covers the event, else NASDAQ)"),
        Param("horizons", list, doc="event windows in business days (e.g. [1, 5, 10])"),
        Param("class_horizon", str, doc="'deepest' (the window with the largest equity fall decides) or a horizon"),
        Param("wedge_countries", list, doc="countries of the hedged sovereign wedge (de fr it gb jp ca ch au)"),
        Param("wedge_min_countries", int, lo=1, hi=8, doc="countries needed for a month's G10 mean"),
        Param("wedge_history_start", str, doc="first month of the wedge chart"),
        Param("fiscal_events", list, doc="U.S. fiscal news dates: tables with name and date (first trading day)"),
        Param("fiscal_horizon", int, lo=1, hi=20,
              doc="business days over which the response to fiscal news is measured"),
        Param("fiscal_lookback_years", int, lo=1, hi=40, doc="fiscal news within this many years enters the scorecard"),
        Param("track_records", bool, doc="compute the rules' track records (appendix)"),
    )

    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        o = inp.options
        # short rates are alternatives: a country's gap is reported only when none of its series has data
        res.gaps = inp.gaps(k for k in self.series_keys() if k not in _SHORT_KEYS)
        for c in o["wedge_countries"]:
            chain = [k for k, _ in SHORT_RATES.get(c, ())]
            if chain and not any(inp.frame.has(k) for k in chain) and chain[0] not in {g.key for g in res.gaps}:
                res.gaps += inp.gaps(chain[:1])
        horizons = tuple(o["horizons"])
        if not horizons or not all(isinstance(h, int) and not isinstance(h, bool) and 1 <= h <= 60 for h in horizons):
            raise ConfigError(f"[sections.safedebt] horizons must be whole business days in 1..60; "
                              f"got {list(horizons)}")
        if o["class_horizon"] != "deepest" and o["class_horizon"] not in {str(h) for h in horizons}:
            raise ConfigError(f"[sections.safedebt] class_horizon must be 'deepest' or one of "
                              f"{', '.join(map(str, horizons))}; got {o['class_horizon']!r}")
        for c in o["wedge_countries"]:
            if c not in SHORT_RATES:
                raise ConfigError(f"[sections.safedebt] wedge_countries: {c!r} is not one of {', '.join(SHORT_RATES)}")
        fiscal_events = parse_events(o["fiscal_events"], "[sections.safedebt] fiscal_events")
        wedges = self._wedges(inp, res)
        events = self._events(inp, res, horizons)
        news = self._fiscal_news(inp, res, fiscal_events)
        self._scorecard(inp, res, wedges, events, news)
        if o["track_records"]:
            res.track_records += inp.cached("track_records", self.series_keys(), lambda: self._track_records(inp),
                                            extra={r: dict(inp.params(r)) for r in self.rules}
                                            | {"o": {k: v for k, v in o.items() if k != "fiscal_events"}})
        st = {v.rule_id: v.state for v in res.verdicts}
        res.lead = (f"Convenience yield {st['convenience_yield']}; Treasuries in stress: {st['stress_response']}; "
                    f"scorecard: {st['safe_debt']}.")
        res.settle_status()
        return res

    # -- convenience-yield wedges ------------------------------------------------------------------
    def _hedged(self, inp: SectionInput) -> cv.HedgedWedges | None:
        o = inp.options
        longs = {c: inp.series(f"y10_{c}") for c in o["wedge_countries"] if inp.frame.has(f"y10_{c}")}
        if not longs or not inp.frame.has("y10_us") or not inp.frame.has("ust_3m"):
            return None
        shorts = {c: [(lab, inp.series(k)) for k, lab in SHORT_RATES[c] if inp.frame.has(k)] for c in longs}
        return cv.hedged_foreign_wedges(longs, shorts, us_long=inp.series("y10_us"), us_short=inp.series("ust_3m"),
                                        min_countries=o["wedge_min_countries"])

    def _wedges(self, inp: SectionInput, res: SectionResult) -> cv.Wedges:
        o = inp.options
        params = inp.params("convenience_yield")
        keys = ("aaa_10y", "ust_3m", "y10_us", *(f"y10_{c}" for c in o["wedge_countries"]), *_SHORT_KEYS)
        hedged = inp.cached("hedged", keys, lambda: self._hedged(inp),
                            extra=(tuple(o["wedge_countries"]), o["wedge_min_countries"]))
        w = cv.convenience_wedges(inp.series("aaa_10y"), hedged, params=params)
        stale = ((w.aaa is not None and inp.frame.is_stale("aaa_10y"))
                 or (w.foreign is not None and inp.frame.is_stale("y10_us")))
        v = cv.evaluate_convenience(w, params=params, as_of=inp.as_of, stale=stale)
        res.verdicts.append(v)
        res.analysis["wedges"] = w
        res.blocks += [heading("Convenience-yield wedges"), verdict_cards([v.rule_id])]
        start = pd.Timestamp(o["wedge_history_start"])
        lines, keys_used = {}, []
        if not w.aaa_series.empty:
            lines["Aaa corporate minus Treasury"] = w.aaa_series.loc[start:]
            keys_used.append("aaa_10y")
        if hedged is not None and not hedged.mean.empty:
            lines["Hedged G10 sovereign minus Treasury"] = hedged.mean.loc[start:]
            keys_used += ["y10_us", "ust_3m", *(f"y10_{c}" for c in hedged.wedges.columns)]
        if lines:
            res.charts.append(ChartSpec(
                id="safedebt_wedges", kind="timeseries", title="Convenience-yield wedges (monthly, pp)",
                data={"lines": lines, "hline": 0.0, "ylabel": "percentage points"},
                alt=("Monthly Aaa-minus-Treasury and hedged G10-minus-Treasury wedges; latest "
                     + "; ".join(f"{k} {s.iloc[-1]:+.2f} pp" for k, s in lines.items() if not s.empty) + "."),
                series_keys=tuple(dict.fromkeys(keys_used)), width="full"))
            res.blocks.append(chart("safedebt_wedges"))
        missing_aaa = inp.frame.status("aaa_10y")
        notes = []
        for label, turn, level in (("The Aaa wedge", w.aaa_turn, params["aaa_low_below"]),
                                   ("The hedged G10 wedge", w.foreign_turn, params["foreign_low_below"])):
            if turn is not None:
                notes.append(f"{label} last {'rose above' if turn[1] == 'up' else 'fell below'} {level:+.2f} pp in "
                             f"{turn[0].strftime('%B %Y')} (at least {params['min_run_months']} months on the new "
                             "side).")
        if missing_aaa.stale and missing_aaa.last:
            notes.append(f"The Aaa spread file ends on {missing_aaa.last.isoformat()}.")
        if hedged is not None and not hedged.wedges.empty:
            latest = hedged.wedges.ffill().iloc[-1]
            rows = []
            for c in hedged.wedges.columns:
                s = hedged.wedges[c].dropna()
                turn = ca.last_crossing(s, 0.0, min_run=params["min_run_months"]) if not s.empty else None
                rows.append([cell(COUNTRY_NAMES.get(c, c), "text"), cell(latest[c], "pp"),
                             cell(s.index[-1].date(), "date"), cell(hedged.short_sources.get(c, ""), "text"),
                             cell(turn[0] if turn else None, "date")])
            absent = [COUNTRY_NAMES[c] for c in o["wedge_countries"] if c not in hedged.wedges.columns]
            first = hedged.mean.index[0].date() if not hedged.mean.empty else None
            res.blocks.append(table(
                ["Country", "Hedged wedge", "Last month", "Short rate used", "Last sign change"], rows,
                caption="Hedged 10-year sovereign minus Treasury, by country (pp)",
                note=("Positive: the foreign bond hedged into dollars yields more than the Treasury, so investors "
                      "accept less on Treasuries. " + (f"No data: {', '.join(absent)}. " if absent else "")
                      + (f"The G10 mean starts in {first.strftime('%B %Y')}, the first month with "
                         f"{hedged.min_countries} countries' short rates." if first else ""))))
        else:
            res.blocks.append(callout("Hedged wedge not computed", "The hedged sovereign wedge needs foreign 10-year "
                                      "yields, their short rates and the U.S. 10-year and 3-month yields; none could "
                                      "be paired.", tone="warn"))
        res.blocks.append(text(
            "A convenience yield is what investors give up to hold an asset for its safety and liquidity. In the "
            "framework's reading, before 2020 Treasuries yielded clearly less than Aaa corporate bonds and than "
            "foreign government bonds hedged into dollars; a shrinking or negative wedge says markets no longer pay "
            "that premium for Treasuries. "
            + " ".join(notes)))
        res.methods.append({"title": "Convenience-yield wedges", "text": (
            "Aaa wedge: monthly average of Moody's seasoned Aaa corporate yield minus the 10-year Treasury yield (no "
            "CDS adjustment, so it still holds a small credit premium and the Aaa index's longer maturity). Hedged "
            "wedge: for each country, its OECD 10-year yield minus the U.S. one, less its short rate minus the U.S. "
            "3-month bill rate. A dollar investor who hedges the currency with rolled short forwards earns roughly "
            "the short-rate difference, so this is the hedged yield pick-up; the approximation ignores the "
            "cross-currency basis and the maturity gap between the bond and the hedge. Each month uses the first "
            "short rate available in a fixed order (three-month interbank, then bill or overnight rates). The G10 "
            "figure is the equal-weighted mean of the countries with data that month.")})
        return w

    # -- stress events ----------------------------------------------------------------------------------
    def _events(self, inp: SectionInput, res: SectionResult, horizons: tuple[int, ...]) -> tuple[cv.EventResult, ...]:
        o = inp.options
        events = tuple((e.name, e.date) for e in inp.config.events if e.date <= inp.as_of)
        eq_by_event, eq_label, eq_keys = {}, {}, set()
        for name, d in events:
            s, k, lab = pick_equity(inp, o["event_equity"], pd.Timestamp(d) - pd.Timedelta(days=7))
            eq_by_event[name], eq_label[name] = s, lab
            eq_keys.add(k)
        series = {"ust_10y": inp.series("ust_10y"), "equity": eq_by_event, "dollar": inp.series("usd_broad"),
                  "gold": inp.series("gold_pm"), "vix": inp.series("vix")}
        params = inp.params("stress_response")
        results = inp.cached("events", ("ust_10y", *sorted(eq_keys), "usd_broad", "gold_pm", "vix"),
                             lambda: cv.event_study(events, series, horizons=horizons, class_horizon=o["class_horizon"],
                                                    min_yield_bp=params["min_yield_bp"], equity_label=eq_label),
                             extra=(events, horizons, o["class_horizon"], params["min_yield_bp"], o["event_equity"]))
        v = cv.evaluate_stress(results, params=params, as_of=inp.as_of)
        res.verdicts.append(v)
        res.analysis["events"] = results
        res.blocks += [heading("Treasuries in stress events"), verdict_cards([v.rule_id])]
        if not results:
            res.blocks.append(callout("No events", "No stress event in the configured list is dated on or before the "
                                      "as-of date.", tone="warn"))
            return results
        hs = horizons
        rows = []
        for e in results:
            rows.append([cell(e.name, "text"), cell(e.date, "date"),
                         *[cell(e.changes["ust_10y"][h], "bp") for h in hs],
                         *[cell(e.changes["equity"][h], "spct") for h in hs],
                         cell(e.cls, "state", tone={"mark-to-market": "warn", "flight to safety": "pos"}.get(e.cls))])
        rows2 = []
        for e in results:
            h = e.horizon_used
            rows2.append([cell(e.name, "text"), cell(e.equity_label, "text"),
                          cell(None if h is None else f"{h}d", "text"),
                          cell(None if h is None else e.changes["dollar"][h], "spct"),
                          cell(None if h is None else e.changes["gold"][h], "spct"),
                          cell(None if h is None else e.changes["vix"][h], "num", digits=1)])
        res.charts.append(ChartSpec(
            id="safedebt_events", kind="bars", title="10-year yield change after each stress event (bp)",
            data={"labels": [e.name for e in results],
                  "groups": {f"{h} day{'s' if h > 1 else ''}": [e.changes["ust_10y"][h] for e in results] for h in hs},
                  "ylabel": "basis points", "rotation": 0},
            alt=("Bars of the 10-year Treasury yield change over " + ", ".join(map(str, hs)) + " business days after "
                 "each stress event: " + "; ".join(f"{e.name} {e.cls}" for e in results) + "."),
            series_keys=("ust_10y",), width="full"))
        res.blocks += [
            chart("safedebt_events"),
            table(["Event", "Date", *[f"10y {h}d" for h in hs], *[f"Equities {h}d" for h in hs], "Class"], rows,
                  caption="Stress events: 10-year yield (bp) and equities (%) from the close before the event",
                  note=("Class: equities down and yields down is flight to safety; equities down and yields up is "
                        f"mark-to-market; 10-year moves under {params['min_yield_bp']:g} bp do not classify. "
                        + ("The window with the largest equity fall decides." if o["class_horizon"] == "deepest"
                           else f"The {o['class_horizon']}-day window decides."))),
            table(["Event", "Equity index", "Window", "Dollar", "Gold", "VIX (points)"], rows2,
                  caption="Other assets over the deciding window"),
            text("In a flight to safety investors sell risk and buy Treasuries, so yields fall as equities fall: "
                 "that is the behaviour of a safe asset. When yields rise in the same sell-off, Treasuries are being "
                 "marked down with everything else, which is how a market treats debt it considers risky."),
        ]
        res.methods.append({"title": "Stress-event study", "text": (
            "For each configured event, changes from the last close before the event date to the close 1, 5 and 10 "
            "observations later (the event day counts as the first). The S&P 500 is used where its history covers "
            "the event, the NASDAQ Composite otherwise (option event_equity). Gold is the LBMA PM fix, the dollar "
            "the broad trade-weighted index, VIX in index points.")})
        return results

    # -- fiscal news --------------------------------------------------------------------------------------
    def _fiscal_news(self, inp: SectionInput, res: SectionResult,
                     events: tuple[tuple[str, date], ...]) -> fi.FiscalNewsResponse:
        o = inp.options
        news = fi.fiscal_news_response(events, yields_10y=inp.series("ust_10y"),
                                       term_premium=inp.series("acm_tp10_daily"), bei_5y5y=inp.series("bei_5y5y"),
                                       as_of=inp.as_of, horizon=o["fiscal_horizon"],
                                       lookback_years=o["fiscal_lookback_years"])
        res.analysis["fiscal_news"] = news
        res.blocks.append(heading("Response to fiscal news"))
        if not news.events:
            res.blocks.append(callout("No fiscal news dates", f"No configured fiscal news date falls between "
                                      f"{news.since.isoformat()} and the as-of date.", tone="warn"))
            return news
        rows = [[cell(e.name, "text"), cell(e.date, "date"), cell(e.d10y_bp, "bp"), cell(e.dtp_bp, "bp"),
                 cell(e.dbei_bp, "bp")] for e in news.events]
        rows.append([cell("Mean", "text"), cell(None, "date"), cell(news.mean_10y_bp, "bp"),
                     cell(news.mean_tp_bp, "bp"), cell(news.mean_bei_bp, "bp")])
        res.blocks += [
            table(["Fiscal news", "Date", "10-year yield", "Term premium (ACM)", "5y5y inflation"], rows,
                  caption=f"Moves over {news.horizon} business days from the close before each date (bp)",
                  note="A dash: the series has no data around that date (the NY Fed daily term premium starts in "
                       "August 2021)."),
            text("If markets treat Treasuries as safe, news that adds to future deficits should leave yields and the "
                 "term premium broadly unmoved, because investors expect the spending to be paid for. If they treat "
                 "the debt as risky, such news lifts yields, the term premium and sometimes long-run inflation "
                 "expectations."),
        ]
        res.methods.append({"title": "Fiscal news", "text": (
            f"Changes of the 10-year yield, the NY Fed's daily ACM 10-year term premium and the 5-year, 5-year forward "
            f"breakeven from the close before each configured fiscal news date over {news.horizon} business days; the "
            f"scorecard uses the mean over the dates in the last {o['fiscal_lookback_years']} years. The dates are "
            "the first trading day on which the news could move prices.")})
        return news

    # -- scorecard ------------------------------------------------------------------------------------------
    def _scorecard(self, inp: SectionInput, res: SectionResult, w: cv.Wedges, events: tuple[cv.EventResult, ...],
                   news: fi.FiscalNewsResponse) -> None:
        ox = inp.config.section_options("crossasset")
        window = int(ox.get("corr_window", 252))
        eq, eq_key, _ = pick_equity(inp, ox.get("corr_equity", "auto"),
                                    pd.Timestamp(ox.get("corr_history_start", "1990-01-01")))
        corr = None
        if not eq.empty and inp.frame.has("ust_10y"):
            try:
                sb = inp.cached("stock_bond", (eq_key, "ust_10y"), lambda: ca.stock_bond_correlation(
                    eq, inp.series("ust_10y"), window=window), extra=window)
                corr = (sb.corr, sb.date)
            except ValueError:
                corr = None
        sp = inp.params("stress_response")
        done = [e for e in sorted(events, key=lambda e: e.date) if e.cls in ("flight to safety", "mark-to-market")]
        recent = done[-int(sp["recent_events"]):]
        mtm = (sum(e.cls == "mark-to-market" for e in recent) / len(recent), recent[-1].date) if recent else None
        last_news = news.events[-1].date if news.events else None
        rows = cv.scorecard_rows(
            stock_bond_corr=corr, mtm_share=mtm,
            aaa_wedge=(w.aaa, w.aaa_date) if w.aaa is not None else None,
            foreign_wedge=(w.foreign, w.foreign_date) if w.foreign is not None else None,
            news_10y_bp=(news.mean_10y_bp, last_news) if news.mean_10y_bp is not None else None,
            news_tp_bp=(news.mean_tp_bp, last_news) if news.mean_tp_bp is not None else None,
            news_bei_bp=(news.mean_bei_bp, last_news) if news.mean_bei_bp is not None else None,
            params=inp.params("safe_debt"))
        stale_inputs = [lab for lab, key, used in (("stock-bond correlation", eq_key, corr is not None),
                                                   ("Aaa wedge", "aaa_10y", w.aaa is not None),
                                                   ("hedged G10 wedge", "y10_us", w.foreign is not None))
                        if used and inp.frame.is_stale(key)]
        v = cv.evaluate_scorecard(rows, params=inp.params("safe_debt"), as_of=inp.as_of, stale=stale_inputs)
        res.verdicts.append(v)
        res.analysis["scorecard"] = rows
        fmt = {"corr": "corr", "share": "share", "pp": "pp", "bp": "bp"}
        trs = [[cell(r.row, "text"), cell(r.safe, "text"), cell(r.risky, "text"),
                cell(r.value, fmt[r.unit]),
                cell("not measured" if r.risky_tick is None else ("risky ✓" if r.risky_tick else "safe ✓"), "state",
                     tone=None if r.risky_tick is None else ("warn" if r.risky_tick else "pos")),
                cell(r.rule, "text")] for r in rows]
        res.blocks += [
            heading("Scorecard: safe or risky debt"), verdict_cards([v.rule_id]),
            table(["Row", "Safe regime", "Risky regime", "Measured", "Tick", "Rule"], trs,
                  caption="Each tick is decided by the number beside it",
                  note="Stock-bond correlation as in section 5; stress share over the latest classified events; "
                       "wedges are the latest monthly values; fiscal-news rows are mean moves over the dates above."),
        ]

    # -- track records --------------------------------------------------------------------------------------
    def _track_records(self, inp: SectionInput) -> list:
        hedged = self._hedged(inp)
        aaa = cv.monthly_mean(inp.series("aaa_10y"))
        if aaa.empty and (hedged is None or hedged.mean.empty):
            return []
        dates = history_dates(inp, ("aaa_10y",))
        st = cv.convenience_states(aaa, hedged.mean if hedged is not None else aaa.iloc[:0],
                                   params=inp.params("convenience_yield"), dates=dates)
        out = record("convenience_yield", st, forward_change(inp.series("aaa_10y"), dates, days=365, scale=100.0),
                     label="next 12 months' change in the Aaa-Treasury spread, Moody's (bp)", unit="bp")
        return [out] if out is not None else []


SECTION = SafeDebtSection()
