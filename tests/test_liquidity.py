"""Dollar liquidity (section 8): funding helpers, the liquidity ladder, the basis-trade monitor
with the CFTC TFF importer, and the section on constructed and real data.

Constructed series use binary-exact values (multiples of 1/64 of a percentage point) so every
threshold can be hit exactly: a value on a cutoff takes the state above it. Real-data checks
read the shared FRED CSV files directly (``csv`` module) as the independent reference.
``tests/fixtures/FinFut_basis_unwind.txt`` is a hand-made file in the CFTC's published
futures-only TFF text layout (see tests/fixtures/README.md).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _reference import csv_value as fred_value
from numpy.testing import assert_allclose

from analytics import liquidity as al
from analytics.rules import NO_DATA, all_rules
from report.config import default_config
from report.frame import Frame
from report.sections.base import SectionInput
from report.sections.liquidity import SECTION, TFF_KEYS
from report.sources import files

from _liquidity_data import liquidity_store

FIXTURE = Path(__file__).parent / "fixtures" / "FinFut_basis_unwind.txt"
AS_OF = date(2024, 3, 29)  # a Friday
DAYS = pd.bdate_range("2024-01-01", "2024-03-29")
LAST_WEEK = DAYS[-5:]  # 2024-03-25 .. 03-29

#: binary-exact thresholds for constructed tests (the shipped defaults are checked on real data)
LP = dict(window_days=7, ceiling_soft_bp=-6.25, ceiling_strained_bp=12.5, effr_soft_bp=12.5, effr_strained_bp=25.0,
          crisis_mean_bp=50.0, dw_soft_bn=2.0, dw_strained_bn=10.0, dw_crisis_bn=50.0, rrp_rise_bn=200.0)
EMPTY = pd.Series(dtype=float, index=pd.DatetimeIndex([]))


def series(values, index) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.DatetimeIndex(index))


def flat(level: float, index=DAYS) -> pd.Series:
    return series(np.full(len(index), level), index)


def with_last_week(base: float, week: list[float]) -> pd.Series:
    s = flat(base)
    s.loc[LAST_WEEK] = week
    return s


def ladder(sofr, *, effr=None, ceiling=4.0, rrp=None, dw=None, as_of=AS_OF, **over):
    p = {**LP, **over}
    return al.evaluate_ladder(sofr, effr=sofr if effr is None else effr, ceiling=flat(ceiling), rrp=EMPTY if rrp is None
                              else rrp, discount_window=EMPTY if dw is None else dw, params=p, as_of=as_of)


# --- helpers -------------------------------------------------------------------------------------


def test_change_over_uses_the_last_value_at_least_a_week_back_and_never_bridges_gaps():
    s = series([1.0, 2.0, 4.0, 8.0, 16.0], ["2024-01-01", "2024-01-03", "2024-01-08", "2024-01-10", "2024-02-01"])
    ch = al.change_over(s, days=7)
    # 01-08: last on or before 01-01 is 1.0; 01-10: last on or before 01-03 is 2.0
    assert ch.loc["2024-01-08"] == 3.0 and ch.loc["2024-01-10"] == 6.0
    # 02-01 looks back to 01-25; the last value (01-10) is 15 days before that, beyond max_gap_days=5
    assert np.isnan(ch.loc["2024-02-01"]) and np.isnan(ch.loc["2024-01-01"])
    pct = al.change_over(s, days=7, pct=True)
    assert pct.loc["2024-01-10"] == 300.0  # 8 / 2 - 1


def test_spread_bp_step_carries_administered_rates_and_plain_needs_both_dates():
    a = series([5.25, 2.5, 2.25], ["2019-09-17", "2019-09-18", "2019-09-21"])
    b = series([2.25, 2.0], ["2019-09-15", "2019-09-18"])
    assert_allclose(al.spread_bp(a, b, step=True).to_numpy(), [300.0, 50.0, 25.0])
    assert list(al.spread_bp(a, b).index) == [pd.Timestamp("2019-09-18")]
    # a step rate last seen more than max_age_days before a date is not carried to it
    kept = al.spread_bp(a, b.iloc[:1], step=True, max_age_days=3).index  # 09-15 is 2, 3 and 6 days back
    assert list(kept.strftime("%m-%d")) == ["09-17", "09-18"]


def test_administered_rate_splices_ioer_before_iorb():
    ioer = series([2.1, 0.1, 0.15], ["2019-09-19", "2020-03-16", "2021-07-28"])
    iorb = series([0.15, 0.15], ["2021-07-29", "2021-07-30"])
    got = al.administered_rate(iorb, ioer)
    assert list(got.index.strftime("%Y-%m-%d")) == ["2019-09-19", "2020-03-16", "2021-07-28", "2021-07-29",
                                                    "2021-07-30"]
    assert al.administered_rate(EMPTY, ioer).equals(al.clean_series(ioer, "ioer"))


def test_level_change_in_basis_points_and_staleness():
    s = series([4.0, 4.25, 4.5, 4.375], ["2024-02-28", "2024-03-08", "2024-03-20", "2024-03-27"])
    lc = al.level_change(s, as_of=AS_OF, label="x", unit="percent", change_scale=100.0)
    # 1w: last on or before 03-20 is 4.5 -> -12.5 bp; 4w: last on or before 02-28 is 4.0 -> +37.5 bp
    assert (lc.date, lc.level, lc.chg_1w, lc.chg_4w, lc.stale) == (date(2024, 3, 27), 4.375, -12.5, 37.5, False)
    old = al.level_change(s, as_of=date(2024, 5, 1), label="x", unit="percent")
    assert old.stale
    assert al.level_change(EMPTY, as_of=AS_OF, label="x", unit="bp").level is None


# --- the liquidity ladder: every state and boundary --------------------------------------------


@pytest.mark.parametrize("value, state", [
    (3.75, "robust"),           # SOFR 25 bp under the top
    (3.921875, "robust"),       # -7.8125 bp: just under the soft threshold
    (3.9375, "softening"),      # -6.25 bp: on it
    (4.109375, "softening"),    # +10.9375 bp
    (4.125, "strained"),        # +12.5 bp: on the strained threshold
])
def test_ladder_ceiling_thresholds(value, state):
    sofr = with_last_week(3.75, [3.75, 3.75, value, 3.75, 3.75])
    v = ladder(sofr)
    assert v.state == state
    ev = {e.label: e.value for e in v.evidence}
    assert ev["SOFR − range top, week high"] == round((value - 4.0) * 100, 1)


@pytest.mark.parametrize("value, state", [
    (3.859375, "robust"),     # 10.9375 bp over EFFR
    (3.875, "softening"),     # 12.5 bp: on the soft threshold
    (3.984375, "softening"),  # 23.4375 bp
    (4.0, "strained"),        # 25 bp: on the strained threshold
])
def test_ladder_sofr_effr_thresholds(value, state):
    sofr = with_last_week(3.75, [3.75, value, 3.75, 3.75, 3.75])
    v = ladder(sofr, effr=flat(3.75), ceiling=5.0)  # top of range far above: only the EFFR gap counts
    assert v.state == state


def test_crisis_needs_the_weeks_average_not_a_single_spike():
    at_50 = ladder(with_last_week(3.75, [4.5] * 5))
    assert at_50.state == "crisis"
    assert {e.label: e.value for e in at_50.evidence}["SOFR − range top, week average"] == 50.0
    # mean (50 * 4 + 48.4375) / 5 = 49.6875 < 50
    assert ladder(with_last_week(3.75, [4.5, 4.5, 4.5, 4.484375, 4.5])).state == "strained"
    # a one-day spike of 300 bp with the other days 25 bp under the top: mean 40 bp
    spike = ladder(with_last_week(3.75, [3.75, 7.0, 3.75, 3.75, 3.75]))
    assert spike.state == "strained"
    assert {e.label: e.value for e in spike.evidence}["SOFR − range top, week average"] == 40.0
    # the same average test on the EFFR gap
    assert ladder(with_last_week(3.75, [4.25] * 5), effr=flat(3.75), ceiling=5.0).state == "crisis"


@pytest.mark.parametrize("rise, state", [(1.5, "robust"), (2.0, "softening"), (10.0, "strained"), (50.0, "crisis")])
def test_ladder_discount_window_thresholds(rise, state):
    weds = pd.date_range("2024-01-03", "2024-03-27", freq="W-WED")
    dw = series(np.zeros(len(weds)), weds)
    dw.iloc[-1] = rise  # 4-week change: 03-27 level minus the 02-28 level (0)
    v = ladder(flat(3.75), dw=dw)
    assert v.state == state
    assert {e.label: e.value for e in v.evidence}["Discount window, 4-week change"] == rise


def test_reverse_repo_rise_only_confirms_pressure_already_in_rates():
    rrp = with_last_week(100.0, [300.0] * 5)       # week average up 200 bn from four weeks earlier
    rrp_less = with_last_week(100.0, [299.5] * 5)  # up 199.5 bn
    soft = with_last_week(3.75, [3.75, 3.9375, 3.75, 3.75, 3.75])
    assert ladder(soft, rrp=rrp).state == "strained"
    assert ladder(soft, rrp=rrp_less).state == "softening"
    assert ladder(flat(3.75), rrp=rrp).state == "robust"  # never starts the ladder on its own
    assert ladder(with_last_week(3.75, [4.5] * 5), rrp=rrp).state == "crisis"  # capped at the top
    ev = {e.label: e.value for e in ladder(soft, rrp=rrp).evidence}
    assert ev["ON RRP (week average), 4-week change"] == 200.0
    assert ladder(soft, rrp=rrp).headline.endswith(
        "Signs this week: SOFR near or above the top of the range; reverse-repo use up (confirming).")


def test_ladder_without_sofr_says_no_data_and_an_old_print_is_stale():
    v = ladder(EMPTY)
    assert v.state == NO_DATA and "SOFR" in v.headline
    early = flat(3.75, pd.bdate_range("2024-01-01", "2024-03-01"))
    v = ladder(early, effr=early)
    assert v.stale and v.state == "robust" and v.headline.startswith("Stale data (last SOFR print 2024-03-01)")
    with pytest.raises(ValueError, match="ceiling_strained_bp .* must be >= ceiling_soft_bp"):
        ladder(flat(3.75), ceiling_strained_bp=-10.0)


def test_ladder_states_match_the_verdict_at_every_friday():
    rng = np.random.default_rng(8)
    days = pd.bdate_range("2023-01-02", "2024-06-28")
    sofr = series(3.75 + rng.choice([0, 0, 0, 0.0625, 0.25, 0.75], size=len(days)), days)
    effr = series(3.75 + rng.choice([0, 0.0625], size=len(days)), days)
    rrp = series(rng.uniform(0, 500, size=len(days)), days)
    fridays = pd.date_range("2023-02-03", "2024-06-28", freq="W-FRI")
    states = al.ladder_states(sofr, effr=effr, ceiling=flat(4.0, days), rrp=rrp, discount_window=EMPTY, params=LP,
                              dates=fridays)
    expect = [al.evaluate_ladder(sofr, effr=effr, ceiling=flat(4.0, days), rrp=rrp, discount_window=EMPTY,
                                 params=LP, as_of=d.date()).state for d in fridays]
    assert list(states) == expect
    assert set(expect) == {"robust", "softening", "strained", "crisis"}


# --- the basis-trade monitor ---------------------------------------------------------------------

TUESDAYS = pd.DatetimeIndex(["2024-03-12", "2024-03-19", "2024-03-26"])
BP = dict(short_drop_pct=6.25, yield_jump_bp=25.0, stale_after_days=14)


def basis(short_last: float, y10_last: float, *, extra: dict | None = None):
    shorts = {"10y": series([1_000_000, 1_000_000, short_last], TUESDAYS),
              "2y": series([500_000, 500_000, 500_000], TUESDAYS)}
    longs = {"10y": series([200_000, 200_000, 200_000], TUESDAYS), "2y": series([100_000, 100_000, 100_000], TUESDAYS)}
    if extra:
        shorts.update(extra)
    days = pd.bdate_range("2024-03-01", "2024-03-29")
    y10 = flat(4.0, days)
    y10.loc["2024-03-26":] = y10_last
    mon = al.basis_monitor(longs, shorts, {}, y10=y10, y30=flat(4.5, days), params=BP, as_of=AS_OF)
    return mon, al.evaluate_basis(mon, params=BP, as_of=AS_OF)


@pytest.mark.parametrize("short_last, y10_last, state", [
    (1_500_000 - 500_000 - 93_750, 4.25, "unwind suspected"),  # total 1.5m -> 1.40625m: -6.25%; 10y +25 bp
    (1_500_000 - 500_000 - 93_750, 4.234375, "watch"),          # yield +23.4375 bp: no jump
    (1_500_000 - 500_000 - 93_600, 4.25, "no signal"),          # shorts -6.24%
    (1_000_000, 4.5, "no signal"),                               # yields jump, shorts unchanged
])
def test_basis_states_and_boundaries(short_last, y10_last, state):
    mon, v = basis(short_last, y10_last)
    assert v.state == state
    assert mon.report_date == date(2024, 3, 26) and mon.previous_date == date(2024, 3, 19)
    assert_allclose(mon.short_chg_pct, 100.0 * ((short_last + 500_000) / 1_500_000 - 1.0))


def test_basis_change_uses_contracts_reported_on_both_dates():
    new = {"ultrabond": series([700_000], TUESDAYS[-1:])}
    mon, v = basis(906_250, 4.25, extra=new)
    assert mon.total_short == 906_250 + 500_000 + 700_000  # level includes the new contract
    assert mon.short_chg_pct == -6.25 and v.state == "unwind suspected"  # the change leaves it out
    row = {r.contract: r for r in mon.rows}["10y"]
    assert (row.net_short, row.net_short_chg) == (906_250 - 200_000, -93_750)


def test_basis_without_cftc_data_says_so():
    v = al.evaluate_basis(al.basis_monitor({}, {}, {}, y10=EMPTY, y30=EMPTY, params=BP, as_of=AS_OF), params=BP,
                          as_of=AS_OF)
    assert v.state == NO_DATA and "CFTC Traders in Financial Futures" in v.headline


def test_basis_states_respect_the_publication_lag():
    hist = pd.DataFrame({"level": [0.0, 2.0]}, index=pd.DatetimeIndex(["2024-03-19", "2024-03-26"]))
    got = al.basis_states(hist, pd.DatetimeIndex(["2024-03-28", "2024-03-29", "2024-04-19"]), release_lag_days=3,
                          stale_after_days=14)
    # the 03-26 report is out on Friday 03-29; by 04-19 it is older than 14 days
    assert list(got) == ["no signal", "unwind suspected", NO_DATA]


# --- the CFTC TFF importer on the published layout, feeding the monitor ------------------------

#: leveraged funds in the fixture, written in the file and summed by hand (contracts)
FIX_SHORT = {"2025-04-01": 1_820_000 + 2_420_000 + 2_020_000 + 910_000 + 610_000 + 710_000,  # 8,490,000
             "2025-04-08": 1_700_000 + 2_250_000 + 1_880_000 + 850_000 + 560_000 + 660_000}  # 7,900,000
FIX_LONG = {"2025-04-01": 410_000 + 505_000 + 455_000 + 250_000 + 150_000 + 200_000,  # 1,970,000
            "2025-04-08": 420_000 + 520_000 + 470_000 + 260_000 + 155_000 + 205_000}  # 2,030,000


def test_tff_fixture_reads_all_six_treasury_contracts_and_ignores_sofr_futures():
    pf = files.parse_tff(FIXTURE)
    assert set(pf.series) == set(TFF_KEYS)
    assert pf.series["tff_lev_ultra10_short"].to_dict() == {
        pd.Timestamp("2025-03-25"): 900_000.0, pd.Timestamp("2025-04-01"): 910_000.0,
        pd.Timestamp("2025-04-08"): 850_000.0}
    assert pf.series["tff_oi_bond"].loc["2025-04-08"] == 1_721_000.0
    assert any("134741" in o for o in pf.ignored)


def test_monitor_on_the_fixture_matches_hand_totals():
    pf = files.parse_tff(FIXTURE)
    pick = {c: {w: pf.series[f"tff_lev_{c}_{w}"] for w in ("long", "short")} for c in al.CONTRACTS}
    days = pd.bdate_range("2025-03-20", "2025-04-11")
    y10 = flat(4.0, days)
    y10.loc["2025-04-08":] = 4.25
    mon = al.basis_monitor({c: v["long"] for c, v in pick.items()}, {c: v["short"] for c, v in pick.items()},
                           {c: pf.series[f"tff_oi_{c}"] for c in al.CONTRACTS}, y10=y10, y30=flat(4.5, days),
                           params=al_params(), as_of=date(2025, 4, 11))
    assert mon.total_short == FIX_SHORT["2025-04-08"] == 7_900_000
    assert_allclose(mon.short_chg_pct, -100.0 * 590_000 / 8_490_000)
    assert mon.total_net_short == 7_900_000 - 2_030_000
    assert mon.net_short_chg == (7_900_000 - 2_030_000) - (8_490_000 - 1_970_000) == -650_000
    assert mon.long_yield_chg_bp == 25.0 and mon.state == "unwind suspected"
    ten = {r.contract: r for r in mon.rows}["10y"]
    assert_allclose(ten.net_short_share_oi, (1_880_000 - 470_000) / 4_559_000)


def al_params():
    return default_config().rule_params("basis_unwind")


@pytest.fixture(scope="module")
def tff_store(fred_dir):
    """The fixture plus the real Treasury yields and funding rates, imported through the CSV source."""
    store = liquidity_store(fred_dir, ("DGS2", "DGS10", "DGS30", "SOFR", "EFFR", "DFEDTARU", "DFEDTARL", "IORB"),
                            extra=[FIXTURE])
    yield store
    store.close()



def test_section_monitor_reads_the_report_once_published(tff_store, fred_dir):
    cfg = default_config()
    res = SECTION.build(SectionInput(Frame.from_store(tff_store, date(2025, 4, 11)), cfg, section_id="liquidity"))
    mon = res.analysis["monitor"]
    assert mon.report_date == date(2025, 4, 8)  # Tuesday's positions, published Friday
    jump = max(fred_value(fred_dir, "DGS10", "2025-04-08") - fred_value(fred_dir, "DGS10", "2025-04-01"),
               fred_value(fred_dir, "DGS30", "2025-04-08") - fred_value(fred_dir, "DGS30", "2025-04-01")) * 100
    assert_allclose(mon.long_yield_chg_bp, jump)
    # shorts fell 6.9% (past the 5% default) while the long end rose 19 bp (under the 20 bp default)
    basis_v = res.analysis["basis"]
    assert basis_v.state == ("unwind suspected" if jump >= 20 else "watch")
    assert basis_v.state == "watch"
    assert "liquidity_basis" in {c.id for c in res.charts}
    cells = [b for b in res.blocks if b["kind"] == "table" and b["caption"].startswith("Leveraged funds")][0]
    total = cells["rows"][-1]
    assert [total[0]["v"], total[2]["v"], total[3]["v"]] == ["All contracts", 7_900_000, 5_870_000]
    assert not any("CFTC" in g.title for g in res.gaps)

    before = SECTION.build(SectionInput(Frame.from_store(tff_store, date(2025, 4, 10)), cfg, section_id="liquidity"))
    m0 = before.analysis["monitor"]
    assert m0.report_date == date(2025, 4, 1)
    assert_allclose(m0.short_chg_pct, 100.0 * (8_490_000 / 8_400_000 - 1.0))
    assert before.analysis["basis"].state == "no signal"


# --- rules and configuration ---------------------------------------------------------------------


def test_rules_are_declared_and_configured():
    rules = all_rules()
    for rid in ("liquidity_ladder", "basis_unwind", "bear_steepening", "dollar_flight"):
        assert rules[rid].section == "liquidity"
        assert set(default_config().rule_params(rid)) == {p.name for p in rules[rid].params}
    assert rules["liquidity_ladder"].scale == ("robust", "softening", "strained", "crisis")


# --- the section on the shared data ------------------------------------------------------------


@pytest.fixture(scope="module")
def frames(fred_dir):
    store = liquidity_store(fred_dir)
    cache: dict[date, Frame] = {}

    def make(d: date) -> Frame:
        if d not in cache:
            cache[d] = Frame.from_store(store, d, keys=(*SECTION.series_keys(), "recession"))
        return cache[d]

    yield make
    store.close()


def build(frame: Frame):
    return SECTION.build(SectionInput(frame, default_config(), section_id="liquidity"))


def test_ladder_on_the_shared_data_at_the_seed_dates(frames, fred_dir):
    cfg = default_config()
    res = build(frames(date(2025, 4, 11)))
    assert res.analysis["ladder"].state == "robust"  # the seed's week: some softness, still robust
    crisis = build(frames(date(2019, 9, 20))).analysis["ladder"]
    assert crisis.state == "crisis"
    ev = {e.label: e.value for e in crisis.evidence}
    peak = (fred_value(fred_dir, "SOFR", "2019-09-17") - fred_value(fred_dir, "DFEDTARU", "2019-09-17")) * 100
    assert_allclose(ev["SOFR − range top, week high"], peak)  # 5.25 - 2.25 = 300 bp
    assert build(frames(date(2020, 3, 20))).analysis["ladder"].state == "strained"
    # quiet years of abundant reserves: robust every Friday
    f = frames(date(2025, 4, 11))
    fridays = pd.date_range("2021-01-01", "2023-12-29", freq="W-FRI")
    states = al.ladder_states(f.get("sofr"), effr=f.get("effr"), ceiling=f.get("fed_target_upper"), rrp=f.get("rrp"),
                              discount_window=EMPTY, params=cfg.rule_params("liquidity_ladder"),
                              dates=fridays - pd.Timedelta(days=1))
    assert (states == "robust").all()


def test_section_on_the_shared_data(frames, fred_dir):
    res = build(frames(date(2025, 4, 11)))
    assert res.status == "partial"
    assert [v.rule_id for v in res.verdicts] == ["liquidity_ladder", "basis_unwind", "bear_steepening",
                                                 "dollar_flight"]
    assert res.analysis["basis"].state == NO_DATA
    gaps = {g.key: g for g in res.gaps}
    assert gaps["tga"].reason == "stale" and gaps["tga"].last == date(2024, 6, 26)
    assert gaps["discount_window"].reason == "missing"
    assert gaps["tff_lev_10y_short"].reason == "missing"
    assert {c.id for c in res.charts} == {"liquidity_rates", "liquidity_spreads", "liquidity_balances"}
    assert any(b["kind"] == "callout" and b["title"] == "CFTC positioning not loaded" for b in res.blocks)
    rows = {r.label: r for r, _ in res.analysis["funding"]}
    assert rows["SOFR"].level == fred_value(fred_dir, "SOFR", "2025-04-10")  # 04-11 is published on 04-14
    assert_allclose(rows["SOFR − EFFR"].level, (fred_value(fred_dir, "SOFR", "2025-04-10")
                                                - fred_value(fred_dir, "EFFR", "2025-04-10")) * 100)
    bal = {b.label: b for b in res.analysis["balances"]}
    assert_allclose(bal["Bank reserves at the Fed"].level, fred_value(fred_dir, "WRESBAL", "2025-04-09") / 1000)
    assert bal["Discount window (primary credit)"].level is None
    # playbook: the S&P 500's worst close within 90 days of 2019-09-16 against the 09-13 close
    pb = {r["date"]: r for r in res.analysis["playbook"]}
    with open(fred_dir / "SP500.csv", newline="") as fh:
        sp = {r["observation_date"]: float(r["SP500"]) for r in csv.DictReader(fh) if r["SP500"]}
    low = min(v for d, v in sp.items() if "2019-09-16" <= d <= "2019-12-15")
    assert_allclose(pb[date(2019, 9, 16)]["equity"].move, 100 * (low / sp["2019-09-13"] - 1))
    assert pb[date(2019, 9, 16)]["sofr_days"] == 3  # SOFR above the top on 09-16..18, back inside on 09-19
    trs = {t.rule_id: t for t in res.track_records}
    assert set(trs) == {"liquidity_ladder", "bear_steepening", "dollar_flight"}
    assert {s.state for s in trs["liquidity_ladder"].by_state} == {"robust", "softening", "strained", "crisis"}


def test_section_renders_without_any_data():
    res = build(Frame({}, date(2025, 4, 11)))
    assert {v.state for v in res.verdicts} == {NO_DATA}
    assert res.status == "partial" and res.charts == []
    assert any(b["kind"] == "callout" and b["title"] == "CFTC positioning not loaded" for b in res.blocks)


@pytest.mark.slow
def test_brief_renders_the_section_with_charts_and_verdict_cards(frames):
    import io

    import pypdf

    from report.pipeline import make_brief

    cfg = default_config(brief={"sections": ["liquidity"]})
    brief = make_brief(frames(date(2025, 4, 11)), cfg, formats=("html", "pdf"))
    assert brief.results[0].status == "partial" and brief.results[0].error is None
    assert {"charts/liquidity_rates.png", "charts/liquidity_spreads.png", "charts/liquidity_balances.png"} \
        <= set(brief.files)
    pdf = pypdf.PdfReader(io.BytesIO(brief.files["brief.pdf"]))
    text = " ".join(p.extract_text() for p in pdf.pages).replace("\n", " ")
    for title in ("Dollar liquidity ladder", "Basis-trade monitor", "Bear-steepening shock",
                  "Flight from dollar assets", "How markets recovered after past funding squeezes"):
        assert title in text
    assert "CFTC positioning not loaded" in text
    images = sum(len(p.images) for p in pdf.pages)
    assert images >= 3
