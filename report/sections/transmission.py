"""Section 1: monetary transmission and Japanification."""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import pandas as pd

from analytics import transmission as at
from analytics.rules import Param, forward_change, forward_return

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
from .tracks import history_dates, record

#: economies of the Japanification monitor: name and catalog keys in order of preference
#: (long yield, policy / short rate, consumer prices, private credit / GDP). A later key fills
#: the months the earlier ones do not cover (e.g. the daily G8 yields after the OECD series ends).
COUNTRIES = MappingProxyType({
    "us": ("United States", ("y10_us", "ust_10y"), ("effr_7d", "effr", "fedfunds_m"), ("cpi",), ("credit_us",)),
    "de": ("Germany", ("y10_de", "g8_de_10y"), ("ecb_deposit", "g8_ez_floor", "st_de"),
           ("hicp_de", "hicp_ea", "hicp_ea_cc"), ("credit_de",)),
    "jp": ("Japan", ("y10_jp", "g8_jp_10y"), ("policy_jp_m", "g8_jp_policy", "st_jp", "g8_tona"), ("cpi_jp",),
           ("credit_jp",)),
    "gb": ("United Kingdom", ("y10_gb", "g8_gb_10y"), ("g8_gb_policy", "st_gb", "g8_sonia"), ("cpi_gb",),
           ("credit_gb",)),
    "au": ("Australia", ("y10_au",), ("policy_au_m", "g8_au_policy", "st_au", "g8_aonia"), ("cpi_au",),
           ("credit_au",)),
    "ca": ("Canada", ("y10_ca",), ("g8_ca_floor", "st_ca", "g8_corra"), ("cpi_ca",), ("credit_ca",)),
    "ch": ("Switzerland", ("y10_ch",), ("g8_ch_policy", "st_ch"), ("hicp_ch",), ("credit_ch",)),
    "fr": ("France", ("y10_fr",), ("ecb_deposit", "g8_ez_floor"), ("hicp_ea", "hicp_ea_cc"), ()),
})

POLICY_KEYS = ("effr_7d", "effr", "fedfunds_m")
CREDIT_KEYS = ("bus_loans", "bank_credit")
QUESTION_RULES = ("easing_credit", "debt_burden", "long_end_growth", "investment_response")
_STATE_TONE = {"transmits": "pos", "partly": "warn", "blocked": "neg", "clear": "pos", "approaching": "warn",
               "in": "neg", "deep": "neg"}


def _first(inp: SectionInput, keys: Sequence[str]) -> tuple[pd.Series, str | None]:
    for k in keys:
        if inp.frame.has(k):
            return inp.series(k), k
    return inp.series(keys[0]), None


def _combined(inp: SectionInput, keys: Sequence[str]) -> tuple[pd.Series, tuple[str, ...]]:
    """Monthly averages of the first key, filled by the later keys where it has no month."""
    out = pd.Series([], index=pd.DatetimeIndex([]), dtype=float)
    used = []
    for k in keys:
        if not inp.frame.has(k):
            continue
        m = at.monthly_mean(inp.series(k))
        extra = m.index.difference(out.index)
        if len(extra):
            used.append(k)
            out = m if out.empty else out.combine_first(m)
    return out, tuple(used)


def country_data(inp: SectionInput, code: str) -> at.CountryData:
    name, ly, pol, price, credit = COUNTRIES[code]
    ly_s, ly_k = _combined(inp, ly)
    pol_s, pol_k = _combined(inp, pol)
    price_s, price_k = _first(inp, price)
    credit_s, credit_k = _first(inp, credit) if credit else (pd.Series([], index=pd.DatetimeIndex([]), dtype=float),
                                                              None)
    return at.CountryData(code, name, ly_s, pol_s, price_s, credit_s,
                          sources={"long yield": ", ".join(ly_k), "policy rate": ", ".join(pol_k),
                                   "inflation": price_k or "", "credit": credit_k or ""})


def _source_keys(data: Sequence[at.CountryData] | object, inputs: Sequence[str]) -> tuple[str, ...]:
    """Catalog keys behind the given inputs of the monitored economies (for chart source lines)."""
    keys: list[str] = []
    for d in data:
        for name in inputs:
            keys += [k for k in d.sources.get(name, "").split(", ") if k]
    return tuple(dict.fromkeys(keys))


def _funding_yield(inp: SectionInput) -> pd.Series:
    """Baa corporate yield: published, or the Baa-Treasury spread plus the 10-year yield."""
    s = inp.series("baa_yield")
    if not s.empty and not inp.frame.is_stale("baa_yield"):
        return s
    spread, y10 = inp.series("baa_10y"), inp.series("ust_10y")
    if spread.empty or y10.empty:
        return s
    return (spread + y10).dropna()


class TransmissionSection(Section):
    id = "transmission"
    number = 1
    title = "Monetary transmission and Japanification"
    needs = ("ust_10y",)
    uses = tuple(dict.fromkeys((
        *POLICY_KEYS, *CREDIT_KEYS, "gdp", "real_gdp", "debt_gdp", "federal_interest", "household_dsr",
        "business_investment", "baa_yield", "baa_10y",
        *(k for c in COUNTRIES.values() for group in c[1:] for k in group),
    )))
    rules = (*QUESTION_RULES, "transmission", "japanification")
    PARAMS = (
        Param("countries", list, doc="economies of the Japanification monitor (us de jp gb au ca ch fr)"),
        Param("heatmap_start", int, lo=1960, hi=2100, doc="first year of the Japanification heat map"),
        Param("history_years", int, lo=5, hi=80, doc="years of history in the transmission charts"),
    )

    # -- data gaps ---------------------------------------------------------------------------
    @staticmethod
    def _gaps(inp: SectionInput) -> list:
        """Missing or stale inputs. For an input with alternatives (a chain of keys) only the
        chain matters: it is missing when no key has data, stale when the freshest key is."""
        gaps = inp.gaps(("ust_10y", "bus_loans", "bank_credit", "gdp", "debt_gdp", "federal_interest",
                         "household_dsr", "business_investment", "baa_10y"))
        chains = [POLICY_KEYS]
        for code in inp.options["countries"]:
            if code in COUNTRIES:
                chains += [c for c in COUNTRIES[code][1:] if c]
        seen = {g.key for g in gaps}
        for chain in chains:
            have = [k for k in chain if inp.frame.has(k)]
            if not have:
                if chain[0] not in seen:
                    gaps += inp.gaps(chain[:1])
                    seen.add(chain[0])
                continue
            freshest = max(have, key=lambda k: inp.series(k).index[-1])
            if freshest not in seen:
                g = inp.gaps((freshest,))
                gaps += g
                seen.add(freshest)
        return gaps

    # -- the four questions -------------------------------------------------------------------
    def _questions(self, inp: SectionInput) -> list:
        policy, _ = _first(inp, POLICY_KEYS)
        loans, bank = inp.series("bus_loans"), inp.series("bank_credit")
        v1 = at.evaluate_easing_credit(policy, loans, bank, params=inp.params("easing_credit"), as_of=inp.as_of)
        v2 = at.evaluate_debt_burden(inp.series("debt_gdp"), inp.series("federal_interest"), inp.series("gdp"),
                                     inp.series("household_dsr"), params=inp.params("debt_burden"), as_of=inp.as_of)
        v3 = at.evaluate_long_end(inp.series("ust_10y"), inp.series("gdp"), params=inp.params("long_end_growth"),
                                  as_of=inp.as_of)
        v4 = at.evaluate_investment(inp.series("business_investment"), _funding_yield(inp),
                                    params=inp.params("investment_response"), as_of=inp.as_of)
        return [v1, v2, v3, v4]

    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        res.gaps = self._gaps(inp)
        questions = self._questions(inp)
        overall = at.evaluate_transmission(questions, params=inp.params("transmission"), as_of=inp.as_of)

        codes = list(inp.options["countries"])
        for c in codes:
            if c not in COUNTRIES:
                raise ValueError(f"sections.transmission.countries: {c!r} is not one of {', '.join(COUNTRIES)}")
        jp_params = inp.params("japanification")
        data = {c: country_data(inp, c) for c in codes}
        histories = inp.cached("japanification", _source_keys(data.values(), at.JAPAN_INPUTS),
                               lambda: self._histories(inp, data, jp_params),
                               extra={"params": dict(jp_params), "start": inp.options["heatmap_start"]})
        readings = [at.reading_from_history(data[c], histories[c]) for c in codes]
        japan = at.evaluate_japanification(readings, params=jp_params, as_of=inp.as_of)
        res.verdicts += [overall, *questions, japan]
        res.analysis.update(questions={v.rule_id: v for v in questions}, overall=overall, japan=japan,
                            readings={r.code: r for r in readings})
        res.lead = overall.headline

        heat = pd.DataFrame({data[c].name: histories[c]["score"] for c in codes}).T
        res.analysis["heatmap"] = heat
        res.charts += self._charts(inp, data, heat)
        res.blocks += [
            verdict_cards(["transmission"]),
            text("Easing works through a chain: lower policy rates should expand credit, debt must be light "
                 "enough for borrowers to take it, the long end should keep pricing income growth, and firms "
                 "should invest once funding is cheaper. Each link is tested below from the data; where a "
                 "link breaks, cuts mostly lift asset prices and liquidity instead of activity."),
            verdict_cards(list(QUESTION_RULES)),
            chart("transmission_credit"),
            chart("transmission_long_end"),
            heading("Japanification monitor"),
            verdict_cards(["japanification"]),
            self._monitor_table(inp, readings, data),
            chart("japanification_heatmap"),
            chart("japanification_yields"),
        ]
        missing_inputs = sorted({name for r in readings for name in at.JAPAN_INPUTS if name not in r.inputs})
        if missing_inputs:
            res.blocks.append(callout(
                "Coverage", "Scores use only the signs with data for each economy; the Inputs column counts them "
                "(of 4). A high score on one input is a narrower reading than the same score on four.", tone="info"))
        res.methods += [
            {"title": "Monetary transmission: four questions",
             "text": ("Credit: the weaker of business-loan and bank-credit growth over a year. Debt: federal debt "
                      "and federal interest payments relative to GDP and the household debt-service ratio, each "
                      "against a limit. Long end: the 10-year yield minus the average year-on-year nominal GDP "
                      "growth of recent quarters. Investment: year-on-year growth of private nonresidential fixed "
                      "investment, read beside the change in the Baa corporate yield. The overall verdict averages "
                      "the answers with data; a blocked credit channel alone makes it blocked.")},
            {"title": "Japanification score",
             "text": ("Five signs per economy: the long yield at or below the line, the share of the look-back "
                      "spent there, a policy or short rate at the floor, low consumer-price inflation and private "
                      "credit no longer rising relative to GDP. A sign scores 1 when met, one half within the band "
                      "above its line, 0 otherwise; the score is the mean of the signs with data, and the heat map "
                      "shows it month by month. Long yields are OECD monthly averages, extended by daily "
                      "government yields where the monthly series ends.")},
        ]
        res.track_records += inp.cached("track_records", self.series_keys(),
                                        lambda: self._track_records(inp, data), extra=self._all_params(inp))
        res.settle_status()
        return res

    def _all_params(self, inp: SectionInput) -> dict:
        return {r: dict(inp.params(r)) for r in self.rules} | {"options": dict(inp.options)}

    # -- monitor table and heat map ------------------------------------------------------------
    def _monitor_table(self, inp: SectionInput, readings, data) -> dict:
        """One row per economy; a sign column no economy has data for is dropped (and named)."""
        p = inp.params("japanification")
        cols = [
            ("10y", lambda r: cell(r.long_yield, "pct")),
            ("Δ 12m", lambda r: cell(r.long_chg12, "pp")),
            (f"≤{p['long_yield_max']:g}%, {p['persistence_years']}y", lambda r: cell(r.share_below, "share")),
            ("Policy", lambda r: cell(r.policy_rate, "pct")),
            ("CPI y/y", lambda r: cell(r.inflation, "pct", digits=1)),
            ("Credit Δ3y", lambda r: cell(r.credit_chg, "pp", digits=1)),
        ]
        attr = {"Policy": "policy_rate", "CPI y/y": "inflation", "Credit Δ3y": "credit_chg"}
        dropped = [name for name, a in attr.items() if all(getattr(r, a) is None for r in readings)]
        cols = [c for c in cols if c[0] not in dropped]
        rows = [[cell(r.name, "text"), *(f(r) for _, f in cols), cell(r.score, "num"), cell(r.coverage, "int"),
                 cell(r.state, "state", tone=_STATE_TONE.get(r.state))] for r in readings]
        note = self._coverage_note(readings, data)
        if dropped:
            names = {"Policy": "policy rates", "CPI y/y": "inflation", "Credit Δ3y": "credit / GDP"}
            note = f"Not loaded for any economy: {', '.join(names[d] for d in dropped)}. " + note
        return table(["Economy", *(c[0] for c in cols), "Score", "Inputs", "State"], rows,
                     caption=f"Japanification signs as of {inp.as_of.isoformat()} (monthly averages; Inputs of 4)",
                     note=note)

    @staticmethod
    def _coverage_note(readings, data) -> str:
        parts = []
        for r in readings:
            src = data[r.code].sources
            have = [f"{k}: {src[k]}" for k in at.JAPAN_INPUTS if k in r.inputs and src.get(k)]
            parts.append(f"{r.name} ({'; '.join(have) if have else 'no inputs'})")
        return ("Series used (catalog keys): " + " · ".join(parts) + ". Missing inputs show as a dash; "
                "Germany and France use the ECB deposit rate and euro-area HICP where national series are absent.")

    @staticmethod
    def _histories(inp: SectionInput, data, params) -> dict[str, pd.DataFrame]:
        """Each economy's monthly history (month ends from the heat map's start year, then the
        as-of date as the last row: today's reading)."""
        start = pd.Timestamp(year=int(inp.options["heatmap_start"]), month=1, day=1)
        months = pd.date_range(start, pd.Timestamp(inp.as_of), freq="MS") + pd.offsets.MonthEnd(0)
        months = months[months < pd.Timestamp(inp.as_of)].append(pd.DatetimeIndex([pd.Timestamp(inp.as_of)]))
        return {c: at.japanification_history(d, params=params, dates=months) for c, d in data.items()}

    def _charts(self, inp: SectionInput, data, heat: pd.DataFrame) -> list[ChartSpec]:
        start = pd.Timestamp(inp.as_of) - pd.DateOffset(years=int(inp.options["history_years"]))
        policy, pkey = _first(inp, POLICY_KEYS)
        loans = at.yoy_growth(inp.series("bus_loans")).loc[start:]
        lines = {}
        if not policy.empty:
            lines["Fed funds rate"] = at.monthly_mean(policy).loc[start:]
        if not loans.empty:
            lines["Business loans, y/y %"] = loans
        y10 = at.monthly_mean(inp.series("ust_10y")).loc[start:]
        q = int(inp.params("long_end_growth")["growth_quarters"])
        growth = at._avg_growth(inp.series("gdp"), q).loc[start:]
        yl = {}
        if not y10.empty:
            yl["10-year yield"] = y10
        if not growth.empty:
            yl[f"Nominal GDP growth ({q}q avg of y/y)"] = growth
        ylines = {d.name: d.long_yield.loc[start:] for d in data.values() if not d.long_yield.empty}
        line = inp.params("japanification")["long_yield_max"]
        return [
            ChartSpec(id="transmission_credit", kind="timeseries", title="Policy rate and business-loan growth",
                      data={"lines": lines, "keys": {"Fed funds rate": "effr"}, "hline": 0.0, "ylabel": "percent"},
                      alt=("Line chart of the federal funds rate and the year-on-year growth of commercial and "
                           f"industrial loans since {start.year}."),
                      series_keys=tuple(k for k in (pkey, "bus_loans") if k), shade_recessions=True, width="half"),
            ChartSpec(id="transmission_long_end", kind="timeseries", title="10-year yield vs nominal growth",
                      data={"lines": yl, "keys": {"10-year yield": "ust_10y"}, "hline": 0.0, "ylabel": "percent"},
                      alt=(f"Line chart of the 10-year Treasury yield and nominal GDP growth since {start.year}; "
                           "the gap between them is the long-end test."),
                      series_keys=("ust_10y", "gdp"), shade_recessions=True, width="half"),
            ChartSpec(id="japanification_heatmap", kind="heatmap", title="Japanification score by economy",
                      data={"frame": heat.T, "vmin": 0.0, "vmax": 1.0, "colorbar": "score (0 none, 1 all signs)",
                            "height_in": 0.45 + 0.24 * len(heat.index)},
                      alt=("Heat map of the monthly Japanification score (0 to 1) of "
                           f"{', '.join(heat.index)} since {inp.options['heatmap_start']}; pale blue where no "
                           "input exists."),
                      series_keys=_source_keys(data.values(), at.JAPAN_INPUTS), width="full",
                      note="Pale blue: no input that month."),
            ChartSpec(id="japanification_yields", kind="timeseries",
                      title=f"Long-term government yields and the {line:g}% line",
                      data={"lines": ylines, "hline": line, "ylabel": "percent"},
                      alt=(f"Monthly 10-year government yields of {', '.join(ylines)} since {start.year}, with the "
                           f"{line:g}% line."),
                      series_keys=_source_keys(data.values(), ("long yield",)), width="full"),
        ]

    # -- track records ---------------------------------------------------------------------
    def _track_records(self, inp: SectionInput, data) -> list:
        out = []
        policy_free = ("bus_loans", "bank_credit", "gdp", "ust_10y", "business_investment", "debt_gdp",
                       "federal_interest", "household_dsr")
        dates = history_dates(inp, policy_free, start=pd.Timestamp("1962-01-01"))
        if len(dates) == 0:
            return out
        real = forward_return(inp.series("real_gdp"), dates, days=365)
        nominal = forward_return(inp.series("gdp"), dates, days=365)
        states = {
            "easing_credit": at.easing_credit_states(inp.series("bus_loans"), inp.series("bank_credit"),
                                                     params=inp.params("easing_credit"), dates=dates),
            "debt_burden": at.debt_burden_states(inp.series("debt_gdp"), inp.series("federal_interest"),
                                                 inp.series("gdp"), inp.series("household_dsr"),
                                                 params=inp.params("debt_burden"), dates=dates),
            "long_end_growth": at.long_end_states(inp.series("ust_10y"), inp.series("gdp"),
                                                  params=inp.params("long_end_growth"), dates=dates),
            "investment_response": at.investment_states(inp.series("business_investment"),
                                                        params=inp.params("investment_response"), dates=dates),
        }
        overall = at.transmission_states(states, inp.params("transmission"))
        real_label = "real GDP growth over the next 12 months (%)"
        for rid, st in states.items():
            if rid == "long_end_growth":
                out.append(record(rid, st, nominal, label="nominal GDP growth over the next 12 months (%)",
                                  unit="percent"))
            else:
                out.append(record(rid, st, real, label=real_label, unit="percent"))
        out.append(record("transmission", overall, real, label=real_label, unit="percent"))
        if "us" in data:
            hist = at.japanification_history(data["us"], params=inp.params("japanification"), dates=dates)
            chg = forward_change(inp.series("ust_10y"), dates, days=365, scale=100.0)
            out.append(record("japanification", hist["state"], chg,
                              label="change in the 10-year Treasury yield over the next 12 months (bp)", unit="bp"))
        return [t for t in out if t is not None]


SECTION = TransmissionSection()
