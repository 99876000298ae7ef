"""Section 8: dollar liquidity and market plumbing.

Funding rates and spreads, the Fed's balance sheet and facilities, the liquidity ladder, the
basis-trade monitor (CFTC leveraged-fund positions) and the two bond-market stress detectors
(bear-steepening shock, flight from dollar assets), with the playbook of past squeezes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics import liquidity as al
from analytics import stress as sx
from analytics.rules import Param, forward_change, forward_return, weekly_dates

from ..catalog import CATALOG
from .base import (
    ChartSpec,
    Gap,
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
from .tracks import record

TFF_KEYS = tuple(k for k in CATALOG if k.startswith("tff_"))
FUNDING_KEYS = ("sofr", "effr", "iorb", "ioer", "fed_target_lower", "fed_target_upper", "sofr_30d", "ust_3m")
BALANCE_KEYS = ("rrp", "reserves", "tga", "fed_assets", "fed_treasuries", "fed_mbs", "discount_window")
STRESS_KEYS = ("ust_2y", "ust_10y", "ust_30y", "usd_broad", "sp500", "nasdaq", "hy_oas")
#: balance-sheet rows: key, label, divisor that turns the stored units into USD bn
_BALANCES = (
    ("rrp", "Overnight reverse repo (ON RRP)", 1.0),
    ("reserves", "Bank reserves at the Fed", 1000.0),
    ("tga", "Treasury General Account", 1.0),
    ("fed_assets", "Fed total assets", 1000.0),
    ("fed_treasuries", "Fed Treasury holdings", 1000.0),
    ("fed_mbs", "Fed MBS holdings", 1000.0),
    ("discount_window", "Discount window (primary credit)", 1000.0),
)
_TONE = {"robust": "pos", "softening": "warn", "strained": "neg", "crisis": "neg", "watch": "warn", "shock": "neg",
         "flight": "neg", "unwind suspected": "neg"}


def _bn(inp: SectionInput, key: str) -> pd.Series:
    """A balance-sheet series in USD bn (catalog units usd_mn or usd_bn)."""
    s = inp.series(key)
    units = CATALOG[key].units
    if units == "usd_mn":
        return s / 1000.0
    if units != "usd_bn":
        raise ValueError(f"series {key}: expected units usd_mn or usd_bn in the catalog, found {units}")
    return s


def _event_dates(inp: SectionInput) -> list[date]:
    out = []
    for v in inp.options["playbook_events"]:
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            raise ValueError(f"sections.liquidity.playbook_events: {v!r} is not a date (YYYY-MM-DD)") from None
    return sorted(d for d in out if d <= inp.as_of)


def _event_label(d: date) -> str:
    return d.strftime("%b %Y")


def _f(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and not np.isfinite(x)) or pd.isna(x) else float(x)


class LiquiditySection(Section):
    id = "liquidity"
    number = 8
    title = "Dollar liquidity and market plumbing"
    needs = ("sofr",)
    uses = (*FUNDING_KEYS[1:], *BALANCE_KEYS, *STRESS_KEYS, *TFF_KEYS)
    rules = ("liquidity_ladder", "basis_unwind", "bear_steepening", "dollar_flight")
    PARAMS = (
        Param("chart_years", int, lo=2, hi=40, doc="years of funding-market history charted"),
        Param("positioning_years", int, lo=1, hi=20, doc="years of CFTC positioning charted"),
        Param("stress_since", int, lo=1962, hi=2100, doc="first year of the stress-episode tables"),
        Param("playbook_events", list,
              doc="start dates (YYYY-MM-DD) of past funding squeezes: marked on the charts and measured in the "
                  "playbook table"),
    )

    # -- build ----------------------------------------------------------------------------------
    def build(self, inp: SectionInput) -> SectionResult:
        res = self.result()
        as_of = inp.as_of
        chart_start = pd.Timestamp(as_of) - pd.DateOffset(years=int(inp.options["chart_years"]))
        events = _event_dates(inp)
        res.gaps = self._gaps(inp, chart_start)

        g = inp.series
        admin = al.administered_rate(g("iorb"), g("ioer"))
        dw = _bn(inp, "discount_window")
        ladder = al.evaluate_ladder(g("sofr"), effr=g("effr"), ceiling=g("fed_target_upper"), rrp=g("rrp"),
                                    discount_window=dw, params=inp.params("liquidity_ladder"), as_of=as_of)
        monitor = al.basis_monitor(self._positions(inp, "long"), self._positions(inp, "short"),
                                   self._positions(inp, "oi"), y10=g("ust_10y"), y30=g("ust_30y"),
                                   params=inp.params("basis_unwind"), as_of=as_of)
        basis = al.evaluate_basis(monitor, params=inp.params("basis_unwind"), as_of=as_of)
        equity = sx.combine_equity(g("sp500"), g("nasdaq"))
        bear = sx.evaluate_bear_steepening(g("ust_2y"), g("ust_10y"), g("ust_30y"),
                                           params=inp.params("bear_steepening"), as_of=as_of)
        flight = sx.evaluate_flight(g("ust_10y"), g("usd_broad"), equity, params=inp.params("dollar_flight"),
                                    as_of=as_of)
        res.verdicts += [ladder, basis, bear, flight]
        res.lead = ladder.headline

        funding = self._funding_rows(inp, admin)
        balances = [al.level_change(_bn(inp, k), as_of=as_of, label=label, unit="usd_bn",
                                    stale_after_days=CATALOG[k].release_lag_days + (12 if CATALOG[k].frequency == "W"
                                                                                    else 6))
                    for k, label, _ in _BALANCES]
        stress = inp.cached("stress", STRESS_KEYS, lambda: self._stress(inp, equity),
                            extra=(dict(inp.params("bear_steepening")), dict(inp.params("dollar_flight")),
                                   int(inp.options["stress_since"])))
        playbook = inp.cached("playbook", ("sofr", "fed_target_upper", *STRESS_KEYS),
                              lambda: self._playbook(inp, equity, events), extra=tuple(events))
        res.analysis.update(ladder=ladder, basis=basis, bear=bear, flight=flight, monitor=monitor, funding=funding,
                            balances=balances, bear_episodes=stress["bear"], flight_episodes=stress["flight"],
                            playbook=playbook)
        res.track_records += inp.cached("track_records", self.series_keys(),
                                        lambda: self._track_records(inp, equity, dw),
                                        extra={r: dict(inp.params(r)) for r in self.rules})

        self._charts(inp, res, admin, chart_start, events, monitor)
        self._blocks(inp, res, funding, balances, monitor, stress, playbook, events)
        self._methods(res)
        res.settle_status()
        return res

    # -- inputs ---------------------------------------------------------------------------------
    @staticmethod
    def _positions(inp: SectionInput, what: str) -> dict[str, pd.Series]:
        out = {}
        for c in al.CONTRACTS:
            key = f"tff_oi_{c}" if what == "oi" else f"tff_lev_{c}_{what}"
            if inp.frame.has(key):
                out[c] = inp.series(key)
        return out

    def _gaps(self, inp: SectionInput, chart_start: pd.Timestamp) -> list[Gap]:
        keys = [k for k in self.series_keys() if k not in TFF_KEYS and k != "ioer"]
        gaps = inp.gaps(keys)
        iorb = inp.series("iorb")
        if not inp.frame.has("ioer") and (iorb.empty or iorb.index[0] > chart_start):
            gaps += [g for g in inp.gaps(["ioer"])]
        if not any(inp.frame.has(k) for k in TFF_KEYS):
            gaps.append(Gap("tff_lev_10y_short", "CFTC Traders in Financial Futures (leveraged-fund Treasury "
                            "futures positions)", "missing", None, "the basis-trade monitor needs it"))
        else:
            gaps += inp.gaps(TFF_KEYS)
        return gaps

    def _funding_rows(self, inp: SectionInput, admin: pd.Series) -> list[tuple[al.LevelChange, str]]:
        """(level/changes, level format) per row: rates in percent (changes in bp), spreads in bp."""
        g, as_of = inp.series, inp.as_of
        sofr = g("sofr")
        rows = []
        for key, label in (("sofr", "SOFR"), ("effr", "EFFR"), ("sofr_30d", "SOFR 30-day average"),
                           ("fed_target_upper", "Fed funds target, top"),
                           ("fed_target_lower", "Fed funds target, bottom")):
            rows.append((al.level_change(g(key), as_of=as_of, label=label, unit="percent", change_scale=100.0), "pct"))
        iorb_label = "IORB" if inp.frame.has("iorb") else "IOER"
        rows.insert(2, (al.level_change(admin, as_of=as_of, label=iorb_label, unit="percent", change_scale=100.0),
                        "pct"))
        empty = pd.Series(dtype=float, index=pd.DatetimeIndex([]))

        def spread(a: pd.Series, b: pd.Series, *, step: bool) -> pd.Series:
            return al.spread_bp(a, b, step=step) if not a.empty and not b.empty else empty

        for s, label in ((spread(sofr, g("effr"), step=False), "SOFR − EFFR"),
                         (spread(sofr, admin, step=True), f"SOFR − {iorb_label}"),
                         (spread(sofr, g("fed_target_upper"), step=True), "SOFR − top of target range"),
                         (spread(g("ust_3m"), sofr, step=False), "3-month bill − SOFR")):
            rows.append((al.level_change(s, as_of=as_of, label=label, unit="bp"), "bp"))
        return rows

    # -- stress tables, playbook, track records (cached) ----------------------------------------
    def _stress(self, inp: SectionInput, equity: pd.DataFrame) -> dict[str, Any]:
        g = inp.series
        since = date(int(inp.options["stress_since"]), 1, 1)
        out: dict[str, Any] = {"bear": (), "flight": (), "bear_first": None, "flight_first": None}
        if all(inp.frame.has(k) for k in ("ust_2y", "ust_10y", "ust_30y")):
            h = sx.bear_steepening_history(g("ust_2y"), g("ust_10y"), g("ust_30y"),
                                           params=inp.params("bear_steepening"))
            eps = sx.stress_episodes(h, scale=sx.BEAR_RULE.scale, score="long_bp", since=since)
            after = forward_change(g("ust_10y"), [pd.Timestamp(e.peak) for e in eps], days=28, scale=100.0)
            out["bear"] = tuple(zip(eps, after.to_numpy()))
            valid = h[h["level"].notna()].loc[pd.Timestamp(since):]
            out["bear_first"] = valid.index[0].date() if not valid.empty else None
        if inp.frame.has("ust_10y") and inp.frame.has("usd_broad") and not equity.empty:
            h = sx.flight_history(g("ust_10y"), g("usd_broad"), equity, params=inp.params("dollar_flight"))
            eps = sx.stress_episodes(h, scale=sx.FLIGHT_RULE.scale, score="d10_bp", since=since)
            eq, _ = self._equity_outcome(inp, pd.Timestamp(since))
            after = forward_return(eq, [pd.Timestamp(e.peak) for e in eps], days=28)
            out["flight"] = tuple(zip(eps, after.to_numpy()))
            valid = h[h["level"].notna()].loc[pd.Timestamp(since):]
            out["flight_first"] = valid.index[0].date() if not valid.empty else None
        return out

    @staticmethod
    def _equity_outcome(inp: SectionInput, start: pd.Timestamp) -> tuple[pd.Series, str]:
        sp = inp.series("sp500")
        if not sp.empty and sp.index[0] <= start + pd.Timedelta(days=31):
            return sp, "S&P 500"
        return inp.series("nasdaq"), "NASDAQ Composite"

    def _playbook(self, inp: SectionInput, equity: pd.DataFrame, events: list[date]) -> list[dict[str, Any]]:
        g = inp.series
        st = al.spread_bp(g("sofr"), g("fed_target_upper"), step=True) \
            if inp.frame.has("sofr") and inp.frame.has("fed_target_upper") else pd.Series(dtype=float)
        rows = []
        for d in events:
            eq, eq_name = self._equity_outcome(inp, pd.Timestamp(d) - pd.Timedelta(days=31))
            rows.append({
                "date": d,
                "equity_name": eq_name,
                "equity": sx.recovery_after(eq, d, direction="down", horizon_days=90, pct=True)
                if not eq.empty else None,
                "y10": sx.recovery_after(g("ust_10y"), d, direction="up", horizon_days=30)
                if inp.frame.has("ust_10y") else None,
                "hy": sx.recovery_after(g("hy_oas"), d, direction="up", horizon_days=90)
                if inp.frame.has("hy_oas") else None,
                "sofr_days": sx.days_back_below(st, d, horizon_days=30) if not st.empty else None,
            })
        return rows

    def _track_records(self, inp: SectionInput, equity: pd.DataFrame, dw: pd.Series) -> list:
        g = inp.series
        out = []
        if inp.frame.has("sofr"):
            fridays = weekly_dates(g("sofr").index[0], inp.as_of)
            # SOFR is published the next business day: Friday's verdict reads the prints through Thursday
            states = al.ladder_states(g("sofr"), effr=g("effr"), ceiling=g("fed_target_upper"), rrp=g("rrp"),
                                      discount_window=dw, params=inp.params("liquidity_ladder"),
                                      dates=fridays - pd.Timedelta(days=1))
            states.index = fridays
            outcome = forward_change(g("hy_oas"), fridays, days=28, scale=100.0)
            out.append(record("liquidity_ladder", states, outcome, label="change in the high-yield OAS over the "
                              "next 4 weeks", unit="bp", hit_threshold=50.0))
        since = pd.Timestamp(date(int(inp.options["stress_since"]), 1, 1))
        if all(inp.frame.has(k) for k in ("ust_2y", "ust_10y", "ust_30y")):
            first = max(since, g("ust_30y").index[0])
            fridays = weekly_dates(first, inp.as_of)
            states = sx.bear_steepening_states(g("ust_2y"), g("ust_10y"), g("ust_30y"),
                                               params=inp.params("bear_steepening"), dates=fridays)
            outcome = forward_change(g("ust_10y"), fridays, days=28, scale=100.0)
            out.append(record("bear_steepening", states, outcome, label="10-year yield change over the next "
                              "4 weeks", unit="bp", hit_threshold=25.0))
        if inp.frame.has("ust_10y") and inp.frame.has("usd_broad") and not equity.empty:
            first = max(since, g("usd_broad").index[0])
            fridays = weekly_dates(first, inp.as_of)
            states = sx.flight_states(g("ust_10y"), g("usd_broad"), equity, params=inp.params("dollar_flight"),
                                      dates=fridays, usd_lag_days=CATALOG["usd_broad"].release_lag_days)
            eq, name = self._equity_outcome(inp, first)
            outcome = forward_return(eq, fridays, days=28)
            out.append(record("dollar_flight", states, outcome, label=f"{name} return over the next 4 weeks",
                              unit="percent"))
        longs, shorts = self._positions(inp, "long"), self._positions(inp, "short")
        if shorts:
            hist = al.basis_history(longs, shorts, y10=g("ust_10y"), y30=g("ust_30y"),
                                    params=inp.params("basis_unwind"))
            if not hist.empty:
                fridays = weekly_dates(hist.index[0], inp.as_of)
                states = al.basis_states(hist, fridays, release_lag_days=CATALOG["tff_lev_10y_short"].release_lag_days,
                                         stale_after_days=int(inp.params("basis_unwind")["stale_after_days"]))
                outcome = forward_change(g("ust_10y"), fridays, days=28, scale=100.0)
                out.append(record("basis_unwind", states, outcome, label="10-year yield change over the next "
                                  "4 weeks", unit="bp", hit_threshold=25.0))
        return [r for r in out if r is not None]

    # -- charts ---------------------------------------------------------------------------------
    def _charts(self, inp: SectionInput, res: SectionResult, admin: pd.Series, start: pd.Timestamp,
                events: list[date], monitor: al.BasisMonitor | None) -> None:
        g = inp.series
        markers = [(d.isoformat(), _event_label(d)) for d in events if pd.Timestamp(d) >= start]
        lines = {"SOFR": g("sofr").loc[start:], "EFFR": g("effr").loc[start:],
                 "IORB / IOER": admin.loc[start:], "Target range top": g("fed_target_upper").loc[start:],
                 "Target range bottom": g("fed_target_lower").loc[start:]}
        lines = {k: v for k, v in lines.items() if not v.empty}
        if lines:
            res.charts.append(ChartSpec(
                id="liquidity_rates", kind="timeseries", title="Overnight funding rates and the Fed's range (percent)",
                data={"lines": lines, "keys": {"SOFR": "sofr", "EFFR": "effr", "IORB / IOER": "iorb",
                                               "Target range top": "fed_target_upper",
                                               "Target range bottom": "fed_target_lower"},
                      "ylabel": "percent", "markers": markers},
                alt=(f"Line chart since {start.year} of SOFR, EFFR, the rate paid on reserves and the fed funds target "
                     f"range; vertical lines mark {', '.join(m[1] for m in markers) or 'no past squeezes'}."),
                series_keys=("sofr", "effr", "iorb", "fed_target_upper"), width="full",
            ))
        sofr = g("sofr")
        spreads = {}
        if not sofr.empty and inp.frame.has("effr"):
            spreads["SOFR − EFFR"] = al.spread_bp(sofr, g("effr")).loc[start:]
        if not sofr.empty and inp.frame.has("fed_target_upper"):
            spreads["SOFR − top of range"] = al.spread_bp(sofr, g("fed_target_upper"), step=True).loc[start:]
        if spreads:
            res.charts.append(ChartSpec(
                id="liquidity_spreads", kind="timeseries", title="SOFR against EFFR and the top of the range (bp)",
                data={"lines": spreads, "hline": 0.0, "ylabel": "basis points", "markers": markers},
                alt=(f"Daily SOFR minus EFFR and SOFR minus the top of the fed funds target range since {start.year}, "
                     "in basis points; spikes above zero are funding squeezes."),
                series_keys=("sofr", "effr", "fed_target_upper"), width="half",
            ))
        bal = {}
        for key, label in (("fed_assets", "Fed total assets"), ("reserves", "Reserves"), ("rrp", "ON RRP"),
                           ("tga", "TGA")):
            s = _bn(inp, key).loc[start:] / 1000.0
            if not s.empty:
                bal[label] = s
        if bal:
            res.charts.append(ChartSpec(
                id="liquidity_balances", kind="timeseries", title="Fed balance sheet, reserves, reverse repo and TGA "
                "(USD tn)",
                data={"lines": bal, "keys": {"Fed total assets": "fed_assets", "Reserves": "reserves", "ON RRP": "rrp",
                                             "TGA": "tga"}, "ylabel": "USD tn", "markers": markers},
                alt=(f"Fed total assets, bank reserves, overnight reverse repo use and the Treasury General Account "
                     f"since {start.year}, in trillions of dollars."),
                series_keys=tuple(k for k in ("fed_assets", "reserves", "rrp", "tga") if inp.frame.has(k)),
                width="half",
            ))
        if monitor is not None:
            pstart = pd.Timestamp(inp.as_of) - pd.DateOffset(years=int(inp.options["positioning_years"]))
            net = {}
            for c, name in al.CONTRACTS.items():
                lo, sh = inp.series(f"tff_lev_{c}_long"), inp.series(f"tff_lev_{c}_short")
                if not sh.empty and not lo.empty:
                    s = (sh - lo).dropna().loc[pstart:] / 1000.0
                    if not s.empty:
                        net[name] = s
            if net:
                res.charts.append(ChartSpec(
                    id="liquidity_basis", kind="timeseries",
                    title="Leveraged funds' net short in Treasury futures (thousand contracts)",
                    data={"lines": net, "hline": 0.0, "ylabel": "thousand contracts"},
                    alt=(f"Weekly net short (short minus long) of leveraged funds in each Treasury futures contract "
                         f"since {pstart.year}, from the CFTC Traders in Financial Futures report."),
                    series_keys=tuple(f"tff_lev_{c}_short" for c in al.CONTRACTS), width="full",
                ))

    # -- blocks ---------------------------------------------------------------------------------
    def _blocks(self, inp: SectionInput, res: SectionResult, funding, balances, monitor, stress, playbook,
                events) -> None:
        charts = {c.id for c in res.charts}
        b = res.blocks
        b += [
            verdict_cards(list(self.rules)),
            text("Dollar liquidity is the price and availability of overnight cash. When reserves are plentiful, "
                 "secured repo (SOFR) trades below the Fed's administered rates and close to unsecured fed funds "
                 "(EFFR). As reserves grow scarce, SOFR is pushed toward and through the top of the Fed's range; a "
                 "squeeze is when it stays there, and banks turn to the Fed's own facilities."),
            heading("Funding rates and spreads"),
            table(["Rate or spread", "Latest", "Date", "1 week", "4 weeks"],
                  [[cell(lc.label, "text"), cell(lc.level, fmt, digits=2 if fmt == "pct" else 0),
                    cell(lc.date, "date"), cell(lc.chg_1w, "bp"), cell(lc.chg_4w, "bp")] for lc, fmt in funding],
                  caption="Overnight rates (percent; changes in bp) and spreads (bp)",
                  note="The 3-month bill (constant-maturity yield) minus SOFR stands in for a bill–OIS gap; it "
                       "ignores expected policy changes over the bill's life."),
        ]
        b.append(table(["Balance", "Latest (USD bn)", "Date", "1 week", "4 weeks"],
                       [[cell(lc.label, "text"), cell(lc.level, "usd_bn"),
                         cell(lc.date, "date", tone="warn" if lc.stale and lc.date else None),
                         cell(lc.chg_1w, "usd_bn"), cell(lc.chg_4w, "usd_bn")] for lc in balances],
                       caption="Fed balance sheet and liquidity facilities (USD bn; weekly series are Wednesday "
                               "levels)",
                       note="A dash marks a series that is not loaded; a highlighted date marks a stale one."))
        if "liquidity_rates" in charts:
            b.append(chart("liquidity_rates"))
        if "liquidity_spreads" in charts:
            b.append(chart("liquidity_spreads"))
        if "liquidity_balances" in charts:
            b.append(chart("liquidity_balances"))

        ladder = res.analysis["ladder"]
        b += [
            heading("Liquidity ladder"),
            text(self._ladder_text(inp, ladder)),
            self._playbook_callout(),
        ]
        if any(r["equity"] or r["y10"] or r["hy"] or r["sofr_days"] is not None for r in playbook):
            b.append(self._playbook_table(playbook))

        b.append(heading("Basis-trade monitor"))
        b += self._basis_blocks(inp, monitor, "liquidity_basis" in charts)

        b.append(heading("Bond-market stress detectors"))
        b.append(text(
            "Two patterns flag selling of U.S. assets that is not about the policy outlook. A bear-steepening shock "
            "is a week in which both the 10-year and 30-year yields jump while the 2-year hardly moves. A flight "
            "from dollar assets is a week in which the 10-year yield rises while the broad dollar and U.S. stocks "
            "fall together, the opposite of the usual flight to safety."))
        b += self._episode_tables(inp, stress)

    def _ladder_text(self, inp: SectionInput, v) -> str:
        p = inp.params("liquidity_ladder")
        def vs_top(bp: float) -> str:
            if bp < 0:
                return f"comes within {-bp:.0f} bp of the top of the target range"
            return f"prints {bp:.0f} bp above the top of the target range" if bp > 0 else "reaches the top of the range"

        return (f"The ladder reads the week's SOFR prints. Softening starts when SOFR {vs_top(p['ceiling_soft_bp'])} "
                f"or {p['effr_soft_bp']:.0f} bp above EFFR; strained when it {vs_top(p['ceiling_strained_bp'])} or "
                f"{p['effr_strained_bp']:.0f} bp above EFFR; crisis when the week's average of either gap reaches "
                f"{p['crisis_mean_bp']:.0f} bp or discount-window loans jump by USD {p['dw_crisis_bn']:.0f} bn in four "
                f"weeks. A rise of USD {p['rrp_rise_bn']:.0f} bn in reverse-repo use lifts an already softening "
                f"reading one step. Current state: {v.state}.")

    @staticmethod
    def _playbook_callout() -> dict[str, Any]:
        return callout(
            "Playbook if funding cracks",
            "A dollar squeeze is a shortage of reserves, and the Fed is the only supplier. Expect it to stop "
            "shrinking its balance sheet at once, to lend freely through repo operations and the standing repo "
            "facility, and, if that is not enough, to resume buying Treasuries or bills. Both recent squeezes were "
            "short: after the September 2019 repo spike, equities and Treasuries were back at their earlier levels "
            "within one to two months; in March 2020 the pandemic made the equity drawdown deeper and longer, while "
            "Treasury yields settled within about a month. The table below measures those recoveries from the data.",
            tone="info")

    @staticmethod
    def _playbook_table(rows: list[dict[str, Any]]) -> dict[str, Any]:
        out = []
        for r in rows:
            eq, y10, hy = r["equity"], r["y10"], r["hy"]
            out.append([
                cell(f"{_event_label(r['date'])} ({r['date'].isoformat()})", "text"),
                cell(r["sofr_days"], "days"),
                cell(eq.move if eq else None, "spct"),
                cell(eq.days if eq and eq.move < 0 else None, "days"),
                cell(y10.move * 100.0 if y10 and y10.move > 0 else None, "bp"),
                cell(y10.days if y10 and y10.move > 0 else None, "days"),
                cell(hy.move * 100.0 if hy and hy.move > 0 else None, "bp"),
                cell(hy.days if hy and hy.move > 0 else None, "days"),
            ])
        names = sorted({r["equity_name"] for r in rows})
        return table(
            ["Squeeze", "SOFR back in range", "Equity worst fall", "Days to regain", "10-year rise", "Days back",
             "HY OAS widening", "Days back"], out,
            caption="How markets recovered after past funding squeezes",
            note=(f"Equity: {', '.join(names)}, worst close within 90 days of the start against the last close before "
                  "it; 10-year: highest yield within 30 days; HY OAS: widest within 90 days. Days are calendar days "
                  "from the start until the level before the start was regained; a dash means no adverse move or "
                  "not regained within the data."))

    def _basis_blocks(self, inp: SectionInput, m: al.BasisMonitor | None, has_chart: bool) -> list[dict[str, Any]]:
        p = inp.params("basis_unwind")
        intro = text(
            "Hedge funds running the cash-futures basis trade hold Treasuries and sell futures against them, so "
            "leveraged funds' futures shorts in the CFTC's Traders in Financial Futures report track the trade's "
            "size (they overstate it, as not every short is a basis position). A sharp fall in those shorts in a "
            f"week when long yields jump points to forced unwinding: here a drop of {p['short_drop_pct']:.1f}% or "
            f"more with the 10- or 30-year yield up {p['yield_jump_bp']:.0f} bp or more between the two reports.")
        if m is None:
            return [intro, callout(
                "CFTC positioning not loaded",
                "No Traders in Financial Futures data is in the store, so the monitor cannot say whether leveraged "
                "funds are unwinding. Import the CFTC's futures-only file (FinFutYY.txt from the annual archive, or "
                "the public-reporting CSV export) with `macrobrief data import` to enable it.", tone="warn")]
        rows = [[cell(r.name, "text"), cell(r.long, "int"), cell(r.short, "int"), cell(r.net_short, "int"),
                 cell(r.net_short_chg, "int"), cell(r.short_chg_pct, "spct"), cell(r.net_short_share_oi, "share")]
                for r in m.rows]
        rows.append([cell("All contracts", "text"), cell(sum(r.long or 0 for r in m.rows), "int"),
                     cell(m.total_short, "int"), cell(m.total_net_short, "int"), cell(m.net_short_chg, "int"),
                     cell(m.short_chg_pct, "spct", tone=_TONE.get(m.state)), cell(None, "text")])
        prev = m.previous_date.isoformat() if m.previous_date else "no earlier report"
        out = [intro, table(
            ["Contract", "Long", "Short", "Net short", "Δ net short", "Δ shorts", "Net short / OI"], rows,
            caption=f"Leveraged funds in Treasury futures, report of {m.report_date.isoformat()} (changes from {prev})",
            note="Contracts, not duration-weighted (a 2-year note contract has twice the face value of the others). "
                 f"Long-yield move between the two reports: {_f(m.long_yield_chg_bp) or 0:+.0f} bp.")]
        if has_chart:
            out.append(chart("liquidity_basis"))
        return out

    def _episode_tables(self, inp: SectionInput, stress: dict[str, Any]) -> list[dict[str, Any]]:
        bp, fp = inp.params("bear_steepening"), inp.params("dollar_flight")
        out = []
        bear_rows = [[cell(e.peak, "date"), cell(e.state, "state", tone=_TONE.get(e.state)),
                      cell(e.moves["d10_bp"], "bp"), cell(e.moves["d30_bp"], "bp"), cell(e.moves["d2_bp"], "bp"),
                      cell(after, "bp")] for e, after in stress["bear"]]
        since = stress["bear_first"]
        out.append(text(
            f"Bear steepening: a shock needs both long yields up {bp['shock_bp']:.0f} bp or more within "
            f"{bp['window_days']} days with the 2-year rising less than {bp['front_ratio']:.0%} of the smaller "
            f"long-end rise; a watch needs {bp['watch_bp']:.0f} bp. "
            + (f"Every occurrence since {since.isoformat()} is listed (the 30-year constant-maturity yield is not "
               "published from February 2002 to February 2006, so those years are not covered)." if since
               else "The 2-, 10- and 30-year yields are not all loaded.")))
        if bear_rows:
            out.append(table(["Week to", "State", "10-year", "30-year", "2-year", "10-year next 4 weeks"], bear_rows,
                             caption="Bear-steepening weeks (yield changes over the window, bp)",
                             note="Consecutive firing days form one episode; the row shows its most severe week."))
        flight_rows = [[cell(e.peak, "date"), cell(e.state, "state", tone=_TONE.get(e.state)),
                        cell(e.moves["d10_bp"], "bp"),
                        cell(e.moves["usd_pct"], "spct"),
                        cell(e.moves["equity_pct"], "spct"),
                        cell("S&P 500" if e.moves["equity_index"] == "primary" else "NASDAQ", "text"),
                        cell(after, "spct")] for e, after in stress["flight"]]
        since = stress["flight_first"]
        out.append(text(
            f"Flight from dollar assets: within {fp['window_days']} days the 10-year yield rises "
            f"{fp['y10_rise_bp']:.0f} bp or more, the broad dollar falls {fp['usd_fall_pct']:.1f}% or more and "
            f"equities fall {fp['equity_fall_pct']:.1f}% or more; a dollar fall of {fp['usd_watch_pct']:.1f}% to "
            f"{fp['usd_fall_pct']:.1f}% makes a watch. The dollar index appears about a week after the day it "
            "describes, so the latest days are judged once it is published. "
            + (f"Every occurrence since {since.isoformat()} (the start of the broad dollar index) is listed."
               if since else "The 10-year yield, the broad dollar or an equity index is not loaded.")))
        if flight_rows:
            out.append(table(["Week to", "State", "10-year", "Dollar", "Equities", "Index", "Equities next 4 weeks"],
                             flight_rows, caption="Weeks of yields up, dollar down and stocks down",
                             note="The S&P 500 is used where loaded, the NASDAQ Composite before it."))
        return out

    @staticmethod
    def _methods(res: SectionResult) -> None:
        res.methods += [
            {"title": "Liquidity ladder",
             "text": ("Each week the ladder takes the daily SOFR prints of the last seven days and measures them "
                      "against the top of the fed funds target range and against EFFR, in basis points. The week's "
                      "highest gap decides between robust, softening and strained; only a week whose average gap is "
                      "far above the range, or a surge in discount-window loans, reads as crisis, so a single "
                      "month-end spike cannot. Reverse-repo use is a confirming sign only: a rise lifts a reading "
                      "that rates already flag, but surplus cash parked at the Fed also raises it, so on its own it "
                      "says nothing. The track record compares each week's state with the change in high-yield "
                      "spreads over the following four weeks.")},
            {"title": "Basis-trade monitor",
             "text": ("Leveraged funds' long and short positions in the 2-, 5-, 10-year, Ultra 10-year, bond and "
                      "Ultra bond futures come from the CFTC's futures-only Traders in Financial Futures report "
                      "(positions as of Tuesday, published on Friday). Totals add contracts across maturities without "
                      "duration weighting. The weekly change of total shorts is taken over the contracts reported on "
                      "both dates; the long-yield move is the larger of the 10- and 30-year changes between the two "
                      "report dates' closes.")},
            {"title": "Stress detectors",
             "text": ("Moves are measured over seven calendar days (five business days) ending on each trading day, "
                      "comparing the close with the last close on or before seven days earlier. A week's verdict is "
                      "the most severe window ending in the recent period (one week for the bear-steepening detector, "
                      "two for the flight detector, because the broad dollar index is published about a week after "
                      "the day it describes). Episodes merge firing days less than a week apart.")},
            {"title": "Funding spreads and balances",
             "text": ("SOFR minus the rate paid on reserves uses IORB from July 2021 and IOER before it where loaded. "
                      "Administered rates are carried to each day from their last change. Reserves and the Fed's "
                      "holdings are published in millions and shown in billions; weekly series are Wednesday "
                      "levels. Changes compare the latest value with the last one at least 7 and 28 days earlier.")},
        ]


SECTION = LiquiditySection()
