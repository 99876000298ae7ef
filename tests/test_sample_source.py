"""The synthetic SAMPLE source: coverage, determinism, calendars, release lags and the
invariants its dynamics promise (curve arithmetic, ACM/GSW identities, funding corridor,
balance sheet, inversions before recessions, stock-bond regime, VIX term structure)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from report.catalog import CATALOG
from report.sources import sample
from report.store import Store, assumed_release

AS_OF = date(2026, 11, 20)  # a Friday
CALENDAR_DAILY = {"fed_target_lower", "fed_target_upper", "effr_7d", "iorb", "ioer", "ecb_deposit"}
# FRED's weekday for each weekly series (Monday = 0)
WEEKDAY = {"reserves": 2, "tga": 2, "fed_assets": 2, "fed_treasuries": 2, "fed_mbs": 2, "discount_window": 2,
           "bank_credit": 2, "mortgage_30y": 3, "claims": 5, "nfci": 4, "anfci": 4, "stlfsi": 4}
WEEKDAY |= {k: 1 for k, s in CATALOG.items() if s.source in ("cftc_tff", "cftc_legacy")}


@pytest.fixture(scope="module")
def data() -> dict[str, pd.Series]:
    return sample.generate(AS_OF)


def monthly(s: pd.Series) -> pd.Series:
    return s.groupby(s.index.to_period("M")).mean()


def svensson_by_hand(n, b0, b1, b2, b3, t1, t2):
    a, b = n / t1, n / t2
    return (b0 + b1 * (1 - np.exp(-a)) / a + b2 * ((1 - np.exp(-a)) / a - np.exp(-a))
            + b3 * ((1 - np.exp(-b)) / b - np.exp(-b)))


def recession_spells(usrec: pd.Series) -> list[tuple[pd.Period, pd.Period]]:
    """(first month, first month after) of every recession that starts and ends in the data."""
    r = np.r_[0, usrec.to_numpy(), 0]
    months = usrec.index.to_period("M")
    starts = np.flatnonzero((r[1:-1] == 1) & (r[:-2] == 0))
    ends = np.flatnonzero((r[1:-1] == 0) & (r[:-2] == 1))
    out = []
    for i in starts:
        if i == 0:
            continue  # began before the data
        after = ends[ends > i]
        if len(after):
            out.append((months[i], months[after[0]]))
    return out


def inversion_episodes(spread: pd.Series, gap_months: int = 6) -> list[pd.Period]:
    """First month of each run of negative monthly-average spreads (runs closer than
    ``gap_months`` are one episode)."""
    m = monthly(spread)
    neg = m.index[m.to_numpy() < 0]
    starts, last = [], None
    for p in neg:
        if last is None or (p - last).n > gap_months:
            starts.append(p)
        last = p
    return starts


def recession_follows(episodes, usrec: pd.Series, within: int = 24) -> int:
    rec_months = {p for p, v in zip(usrec.index.to_period("M"), usrec.to_numpy()) if v == 1}
    return sum(any(p + k in rec_months for k in range(within + 1)) for p in episodes)


# ---------------------------------------------------------------------------------------------
# coverage, determinism, time
# ---------------------------------------------------------------------------------------------
def test_every_catalog_key_present_and_non_empty(data):
    assert set(data) == set(CATALOG)
    short = {k: len(s) for k, s in data.items() if len(s) < 20}
    assert not short, short
    for k, s in data.items():
        assert s.dtype == np.float64 and s.name == k and s.index.name == "date"
        assert np.isfinite(s.to_numpy()).all(), k
        assert s.index.is_monotonic_increasing and s.index.is_unique, k


def test_same_inputs_give_bit_identical_output(data):
    again = sample.generate(AS_OF)
    for k in CATALOG:
        assert data[k].index.equals(again[k].index), k
        assert data[k].to_numpy().tobytes() == again[k].to_numpy().tobytes(), k
    other = sample.generate(AS_OF, seed=7)
    assert not np.array_equal(other["ust_10y"].to_numpy(), data["ust_10y"].to_numpy())


def test_an_earlier_as_of_sees_a_prefix_of_the_same_world(data):
    early = sample.generate(date(2019, 6, 14), start=date(2000, 1, 1))
    for k, s in early.items():
        if k in ("shiller_real_price", "shiller_real_earnings"):  # in dollars of the latest month
            continue
        later = data[k].loc[s.index.min():s.index.max()]
        pd.testing.assert_series_equal(s, later, check_exact=True, check_freq=False)
    assert early["ust_10y"].index.min() >= pd.Timestamp("2000-01-01")


def test_frequencies_and_date_conventions(data):
    for k, s in data.items():
        f, idx = CATALOG[k].frequency, s.index
        if f == "M":
            assert (idx.day == 1).all(), k
            assert len(set(idx.to_period("M"))) == len(idx)
        elif f == "Q":
            assert (idx.day == 1).all() and set(idx.month) <= {1, 4, 7, 10}, k
        elif f == "A":
            assert (idx.day == 1).all() and (idx.month == 1).all(), k
        elif f == "W":
            assert set(idx.day_of_week) == {WEEKDAY[k]}, k
            assert (idx.to_series().diff().dropna() == pd.Timedelta(days=7)).all(), k
        elif k in CALENDAR_DAILY:
            assert (idx.to_series().diff().dropna() == pd.Timedelta(days=1)).all(), k
        else:
            assert idx.day_of_week.max() <= 4, k
            gaps = idx.to_series().diff().dropna()
            assert gaps.max() == pd.Timedelta(days=3), k  # Monday-Friday, no holes


def test_series_end_at_as_of_and_respect_the_release_lag(data):
    ts = pd.Timestamp(AS_OF)
    for k, s in data.items():
        sp = CATALOG[k]
        assert (assumed_release(sp, s.index) <= ts).all(), k
        last = s.index[-1]
        step = {"M": pd.DateOffset(months=1), "Q": pd.DateOffset(months=3), "A": pd.DateOffset(years=1),
                "W": pd.Timedelta(days=7)}.get(sp.frequency)
        if step is None:
            step = pd.Timedelta(days=1) if k in CALENDAR_DAILY else pd.offsets.BDay(1)
        nxt = pd.DatetimeIndex([last + step])
        if k != "deficit_gdp":
            assert assumed_release(sp, nxt)[0] > ts, f"{k} stops early at {last.date()}"
    # the same rule worked by hand
    expect = {"ust_10y": "2026-11-20", "effr": "2026-11-19", "effr_7d": "2026-11-19", "cpi": "2026-10-01",
              "pce_price": "2026-09-01", "gdp": "2026-07-01", "fed_assets": "2026-11-18", "claims": "2026-11-14",
              "nfci": "2026-11-13", "tff_oi_10y": "2026-11-17", "unemployment": "2026-10-01",
              "household_dsr": "2026-04-01", "deficit_gdp": "2025-01-01", "usd_broad": "2026-11-13",
              "shiller_cape": "2026-06-01", "recession": "2026-10-01", "acm_tp10": "2026-10-01"}
    got = {k: data[k].index[-1].strftime("%Y-%m-%d") for k in expect}
    assert got == expect


def test_start_cuts_the_history(data):
    s = sample.generate(date(2010, 3, 31), start=date(2005, 1, 1))
    assert s["ust_10y"].index[0] == pd.Timestamp("2005-01-03")
    assert s["cpi"].index[0] == pd.Timestamp("2005-01-01")
    assert s["ust_10y"].index[-1] == pd.Timestamp("2010-03-31")


@pytest.mark.parametrize("kwargs, match", [
    ({"as_of": date(2020, 1, 1), "start": date(2020, 1, 1)}, "start must be before as_of"),
    ({"as_of": date(2020, 1, 1), "start": date(1950, 1, 1)}, "start must be on or after 1962-01-01"),
    ({"as_of": "yesterday"}, "as_of must be a date"),
    ({"as_of": date(2020, 1, 1), "seed": -1}, "seed must be a non-negative integer"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample.generate(**kwargs)


# ---------------------------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------------------------
def test_units_are_plausible(data):
    signed = {"nfci", "anfci", "stlfsi"}  # financial-conditions indexes are centred on zero
    positive_units = {"index", "usd_bn", "usd_mn", "usd_per_bbl", "usd_per_oz", "usd_per_mmbtu", "usd_per_fx",
                      "fx_per_usd", "thousands", "persons", "usd", "ratio"}
    for k, s in data.items():
        sp, v = CATALOG[k], s.to_numpy()
        if sp.units in positive_units and k not in signed:
            assert (v >= 0).all() if k in ("rrp", "discount_window", "fed_mbs") else (v > 0).all(), k
        if sp.units == "percent" and sp.group in ("Treasury curve",) and not k.startswith("spread"):
            assert v.min() >= 0 and v.max() < 20, k
        if (sp.units == "contracts" and k != "cftc_gold_net") or sp.units == "days":
            assert (v >= 0).all() and (v == np.round(v)).all(), k
    assert set(np.unique(data["recession"])) == {0.0, 1.0}
    assert 2.0 <= data["unemployment"].min() and data["unemployment"].max() <= 15.0
    assert 5 < data["vix"].min() and data["vix"].max() < 100
    assert (data["hy_oas"] > data["ig_oas"]).all() and (data["baa_10y"] > data["aaa_10y"]).all()
    assert 0.5 < data["eurusd"].median() < 2.0 and 60 < data["usdjpy"].median() < 300
    assert 0.3 < data["audusd"].median() < 1.5 and 0.8 < data["usdcad"].median() < 2.0
    assert 1.0 < data["gbpusd"].median() < 2.5 and 3.0 < data["usdcny"].median() < 10.0
    assert 10 < data["wti"].median() < 150 and 200 < data["gold_pm"].median() < 3000
    assert 30 < data["debt_gdp"].iloc[0] < 80 and data["debt_gdp"].iloc[-1] > data["debt_gdp"].iloc[0] + 30
    assert (data["deficit_gdp"] < 0).mean() > 0.6  # surplus (+) / deficit (-), mostly deficits


def test_fx_quotes_follow_the_catalog_convention(data):
    r = np.log(pd.DataFrame({k: data[k] for k in ("usd_broad", "eurusd", "gbpusd", "audusd", "usdjpy", "usdchf",
                                                   "usdcad")})).diff().dropna()
    c = r.corr()["usd_broad"]
    for k in ("eurusd", "gbpusd", "audusd"):  # USD per foreign unit: falls when the dollar rises
        assert c[k] < -0.3, (k, c[k])
    for k in ("usdjpy", "usdchf", "usdcad"):  # foreign units per USD: rises with the dollar
        assert c[k] > 0.3, (k, c[k])


# ---------------------------------------------------------------------------------------------
# curve arithmetic and term-structure identities
# ---------------------------------------------------------------------------------------------
def test_published_spreads_are_differences_of_the_tenors(data):
    np.testing.assert_allclose(data["spread_10y2y"], data["ust_10y"] - data["ust_2y"], atol=1e-9)
    np.testing.assert_allclose(data["spread_10y3m"], data["ust_10y"] - data["ust_3m"], atol=1e-9)
    for n in ("5y", "10y"):
        np.testing.assert_allclose(data[f"tips_{n}"] + data[f"bei_{n}"], data[f"ust_{n}"], atol=1e-9)
    b5, b10 = data["bei_5y"] / 100, data["bei_10y"] / 100
    np.testing.assert_allclose(data["bei_5y5y"], 100 * (((1 + b10) ** 10 / (1 + b5) ** 5) ** 0.2 - 1), atol=0.005)
    np.testing.assert_allclose(data["aaa_yield"], data["ust_10y"] + data["aaa_10y"], atol=1e-9)
    np.testing.assert_allclose(data["baa_yield"], data["ust_10y"] + data["baa_10y"], atol=1e-9)


def test_acm_yield_is_risk_neutral_yield_plus_term_premium(data):
    for n in range(1, 11):
        y, rn, tp = (data[f"acm_{c}{n:02d}"] for c in ("y", "rny", "tp"))
        np.testing.assert_allclose(y, rn + tp, atol=1e-9)
    # the monthly file is the month-end of the daily one
    tp_d = data["acm_tp10_daily"]
    month_end = tp_d.groupby(tp_d.index.to_period("M")).last()
    tp_m = data["acm_tp10"]
    np.testing.assert_allclose(tp_m.to_numpy(), month_end.loc[tp_m.index.to_period("M")].to_numpy(), atol=1e-9)
    assert tp_m.max() - tp_m.min() > 1.5  # the term premium drifts


def test_gsw_zero_yields_are_the_svensson_formula_on_the_parameters(data):
    p = pd.DataFrame({c: data[f"gsw_{c}"] for c in ("beta0", "beta1", "beta2", "beta3", "tau1", "tau2")})
    for n in (1, 2, 5, 7, 10, 20, 30):
        z = data[f"gsw_zero_{n:02d}"]
        expect = svensson_by_hand(float(n), *(p[c].to_numpy() for c in p))
        np.testing.assert_allclose(z.to_numpy(), expect, atol=5.1e-5)  # published to 4 decimals
    # the CMT par yield and the zero yield of the same curve are close (a coupon effect only)
    assert (data["ust_10y"] - data["gsw_zero_10"]).abs().max() < 0.6


def test_daily_yield_changes_are_realistic(data):
    d10 = data["ust_10y"].diff().dropna() * 100  # bp
    d3m = data["ust_3m"].diff().dropna() * 100
    assert 3.0 < d10.std() < 10.0
    assert d10.abs().quantile(0.999) < 40.0
    assert d3m.abs().median() < d10.abs().median()


def test_inversions_precede_recessions_and_the_curve_steepens_after(data):
    usrec = data["recession"]
    for key in ("spread_10y2y", "spread_10y3m"):
        episodes = inversion_episodes(data[key])
        assert len(episodes) >= 3, key
        assert recession_follows(episodes, usrec) >= 2, key
    # after each recession the curve is steeper than at its pre-recession low (recessions that
    # end in the late inflation surge, when policy is forced up, are exempt)
    m = monthly(data["spread_10y2y"])
    checked = 0
    for s0, e0 in recession_spells(usrec):
        if e0 + 12 in m.index and e0 + 12 < pd.Period("2021-07", "M"):
            assert m[e0 + 12] > m.loc[s0 - 24:s0].min() + 0.5, (s0, e0)
            checked += 1
    assert checked >= 2


def test_zero_lower_bound_spell(data):
    m = data["fed_target_upper"].groupby(data["fed_target_upper"].index.to_period("M")).max()
    at_zlb = (m <= 0.25).to_numpy().astype(int)
    longest = max(np.diff(np.flatnonzero(np.r_[1, at_zlb == 0, 1])) - 1)
    assert longest >= 24
    assert data["fed_target_upper"].max() > 5.0


# ---------------------------------------------------------------------------------------------
# funding and the Fed balance sheet
# ---------------------------------------------------------------------------------------------
def test_funding_corridor(data):
    lo, hi = data["fed_target_lower"], data["fed_target_upper"]
    np.testing.assert_allclose(hi - lo, 0.25)
    for k in ("effr", "effr_7d"):
        x = data[k]
        assert (x >= lo.reindex(x.index)).all() and (x <= hi.reindex(x.index)).all(), k
    iorb = data["iorb"]
    assert ((iorb <= hi.reindex(iorb.index)) & (iorb >= hi.reindex(iorb.index) - 0.10 - 1e-9)).all()
    gap = (data["sofr"] - data["effr"].reindex(data["sofr"].index)).dropna()
    assert gap.abs().median() < 0.06
    spike = gap.index[gap > 1.0]
    assert 1 <= len(spike) <= 3 and (spike[-1] - spike[0]).days <= 4  # one repo-spike episode
    # FEDFUNDS is the monthly mean of the daily (every calendar day) rate
    ff = data["effr_7d"]
    mm = ff.groupby(ff.index.to_period("M")).mean()
    fm = data["fedfunds_m"]
    np.testing.assert_allclose(fm.to_numpy(), mm.loc[fm.index.to_period("M")].to_numpy(), atol=0.005)
    # the 30-day SOFR average is the compounded average of the last 30 calendar days
    sofr_cal = data["sofr"].reindex(pd.date_range(data["sofr"].index[0], AS_OF)).ffill()
    d = data["sofr_30d"].index[-40]
    window = sofr_cal.loc[d - timedelta(days=29):d]
    assert len(window) == 30
    by_hand = (np.prod(1 + window.to_numpy() / 36000) - 1) * 36000 / 30
    assert data["sofr_30d"][d] == pytest.approx(by_hand, abs=1e-5)


def test_fed_balance_sheet(data):
    a, t, m = data["fed_assets"], data["fed_treasuries"], data["fed_mbs"]
    assert (a >= t + m).all()
    assert (a.diff(52).dropna() / a.shift(52).dropna() > 0.5).any()  # QE: the balance sheet jumps
    assert m.iloc[0] == 0 and m.max() > 0
    dw = data["discount_window"]
    assert dw.median() < 1_000 and dw.max() > 50_000  # small, with a spike in a stress episode
    peak = dw.idxmax()
    rec = data["recession"]
    near = rec.loc[peak - pd.DateOffset(months=12):peak]
    assert near.max() == 1
    assert (data["reserves"] > 0).all() and data["rrp"].max() > 100 and (data["rrp"] >= 0).all()


# ---------------------------------------------------------------------------------------------
# risk assets
# ---------------------------------------------------------------------------------------------
def stock_bond_corr(d: dict[str, pd.Series]) -> pd.Series:
    eq = np.log(d["sp500"]).diff()
    bond = -8.5 * d["ust_10y"].diff() / 100
    return eq.rolling(252).corr(bond).dropna()


def test_stock_bond_correlation_flips_sign(data):
    c = stock_bond_corr(data)
    early = c.loc["1990":"2015"]
    late = c.loc[str(AS_OF.year - 2):]
    assert (early < 0).mean() > 0.8
    assert (late > 0).mean() > 0.8 and c.iloc[-1] > 0


def test_vix_term_structure_and_blow_ups(data):
    vix, v3 = data["vix"], data["vix3m"]
    assert (v3 > vix).mean() > 0.7
    ratio = vix.rolling(10).max().shift(-9) / vix  # the highest close of the next ten days
    blow = ratio.index[ratio > 2.0]
    episodes = int((blow[1:] - blow[:-1] > pd.Timedelta(days=60)).sum()) + (len(blow) > 0)
    assert episodes >= 3
    r = pd.DataFrame({"eq": np.log(data["sp500"]).diff(), "v": np.log(vix).diff()}).dropna()
    assert r.corr().loc["eq", "v"] < -0.5  # VIX up when equities fall
    assert np.corrcoef(np.log(vix), np.log(data["hy_oas"]))[0, 1] > 0.6  # spreads widen with VIX


def test_equity_long_run_slopes(data):
    def slope(s):
        y = (s.index - s.index[0]).days / 365.25
        return np.polyfit(y, np.log(s.to_numpy()), 1)[0]

    us = slope(data["sp500"])
    assert us > 0.03
    assert slope(data["nikkei225"]) < us - 0.02 and slope(data["topix"]) < us - 0.02
    assert slope(data["nasdaq"]) > us


def test_gold_falls_when_real_yields_rise(data):
    w = pd.DataFrame({"g": np.log(data["gold_pm"]), "r": data["tips_10y"]}).resample("W-FRI").last().diff().dropna()
    assert w.corr().loc["g", "r"] < -0.2


# ---------------------------------------------------------------------------------------------
# macro, international, Shiller, positioning
# ---------------------------------------------------------------------------------------------
def test_macro_dynamics(data):
    u, rec = data["unemployment"], data["recession"]
    spells = recession_spells(rec)
    assert len(spells) >= 3
    for s0, e0 in spells:
        if (e0 + 6).to_timestamp() <= u.index[-1]:  # unemployment peaks during or just after
            assert u.loc[s0.to_timestamp():(e0 + 6).to_timestamp()].max() > u[s0.to_timestamp()] + 0.5, (s0, e0)
    cpi_yoy = (data["cpi"] / data["cpi"].shift(12) - 1).dropna() * 100
    assert -4 < cpi_yoy.min() and cpi_yoy.max() < 15
    real = data["m2_real"]
    np.testing.assert_allclose(real, (data["m2"] / data["cpi"] * 100).loc[real.index], atol=0.11)
    debt_q = data["federal_debt"] / 1000 / data["gdp"].reindex(data["federal_debt"].index) * 100
    np.testing.assert_allclose(data["debt_gdp"], debt_q.loc[data["debt_gdp"].index], atol=1e-4)
    assert (data["gdp"] > 0).all() and data["real_gdp"].iloc[-1] > 1.5 * data["real_gdp"].iloc[0]
    claims_in_rec = data["claims"].resample("MS").mean().reindex(rec.index)
    assert claims_in_rec[rec == 1].mean() > 1.2 * claims_in_rec[rec == 0].mean()


def test_fiscal_year_deficit_matches_the_change_in_debt(data):
    debt, gdp, deficit = data["federal_debt"], data["gdp"], data["deficit_gdp"]
    checked = 0
    for d in deficit.index:
        y = d.year
        end, prev = pd.Timestamp(f"{y}-07-01"), pd.Timestamp(f"{y - 1}-07-01")  # debt at the end of September
        quarters = pd.DatetimeIndex([f"{y - 1}-10-01", f"{y}-01-01", f"{y}-04-01", f"{y}-07-01"])
        if prev not in debt.index or end not in debt.index:
            continue
        by_hand = -100.0 * (debt[end] - debt[prev]) / 1000.0 / gdp.loc[quarters].mean()
        assert deficit[d] == pytest.approx(by_hand, abs=0.051), d
        checked += 1
    assert checked >= 30


def test_international_rates(data):
    low = slice("2012", "2022")
    for c in ("de", "jp", "ch"):
        assert data[f"y10_{c}"].loc[low].min() <= 0.0, c
    assert data["y10_au"].loc[low].min() < 2.0
    assert data["ecb_deposit"].min() < 0 and data["g8_ch_policy"].min() < 0
    m = pd.DataFrame({c: data[f"y10_{c}"] for c in ("us", "de", "gb", "ca", "au")}).diff().dropna()
    corr = m.corr()["us"]
    assert (corr.drop("us") > 0.3).all(), corr
    np.testing.assert_allclose(data["y10_us"], monthly(data["ust_10y"]).loc[data["y10_us"].index.to_period("M")],
                               atol=0.0051)


def test_shiller_columns(data):
    p, e, cape = data["shiller_real_price"], data["shiller_real_earnings"], data["shiller_cape"]
    d = cape.index[-1]
    window = e.loc[d - pd.DateOffset(months=120):d - pd.DateOffset(months=1)]
    assert len(window) == 120
    assert cape[d] == pytest.approx(p[d] / window.mean(), rel=1e-3)
    np.testing.assert_allclose(data["shiller_long_rate"], data["y10_us"].reindex(data["shiller_long_rate"].index)
                               .fillna(monthly(data["ust_10y"]).iloc[-1]), atol=0.006)
    sp_m = monthly(data["sp500"])
    np.testing.assert_allclose(data["shiller_price"], sp_m.loc[data["shiller_price"].index.to_period("M")],
                               rtol=1e-4)
    assert (data["shiller_dividend"] < data["shiller_earnings"].reindex(data["shiller_dividend"].index)
            .ffill()).mean() > 0.8


def test_cftc_positions(data):
    for fut in ("2y", "5y", "10y", "ultra10", "bond", "ultrabond"):
        oi = data[f"tff_oi_{fut}"]
        assert (data[f"tff_lev_{fut}_long"] <= oi).all() and (data[f"tff_lev_{fut}_short"] <= oi).all()
    short, long_ = data["tff_lev_10y_short"], data["tff_lev_10y_long"]
    assert (short - long_).iloc[-1] > (short - long_).loc["1990"].mean()  # the basis-trade short builds
    assert (data["cftc_gold_net"].abs() <= data["cftc_gold_oi"]).all()


def test_futures_constant_positions(data):
    for code in ("cl", "ng", "gc", "vx"):
        days = pd.DataFrame({n: data[f"fut_{code}_d{n}"] for n in range(1, 5)})
        assert (days[1] >= 0).all() and (days.diff(axis=1).iloc[:, 1:] > 0).all().all(), code
        expiry = days.apply(lambda col: col.index + pd.to_timedelta(col, unit="D"))
        rolled = expiry[1].diff().dt.days.fillna(0).to_numpy() != 0
        # on the day the front contract rolls off, yesterday's second contract is today's front
        assert (expiry[1].to_numpy()[1:][rolled[1:]] == expiry[2].to_numpy()[:-1][rolled[1:]]).all(), code
        assert rolled.sum() > 0
    assert data["fut_vx_c1"].index[0] == pd.Timestamp("2004-03-26")  # not before the contract existed
    gc = pd.DataFrame({n: data[f"fut_gc_c{n}"] for n in (1, 2)})
    assert (gc[2] >= gc[1]).all()  # gold at full carry
    vx = pd.DataFrame({"c1": data["fut_vx_c1"], "c2": data["fut_vx_c2"], "vix": data["vix"]}).dropna()
    calm = vx["vix"] < 18
    assert (vx.loc[calm, "c2"] > vx.loc[calm, "c1"]).mean() > 0.95 and (vx["c1"] > vx["vix"]).mean() > 0.6
    hh = data["henry_hub"]
    assert hh[hh.index.month == 1].mean() > hh[hh.index.month == 7].mean()


def test_futures_etfs_carry_the_roll(data):
    cl = pd.DataFrame({"c1": data["fut_cl_c1"], "c2": data["fut_cl_c2"], "uso": data["etf_uso"]}).dropna()
    contango = np.log(cl["c2"] / cl["c1"]).mean()
    drift_gap = np.log(cl["uso"].iloc[-1] / cl["uso"].iloc[0]) - np.log(cl["c1"].iloc[-1] / cl["c1"].iloc[0])
    assert np.sign(drift_gap) == -np.sign(contango)  # holding through the rolls pays the curve's slope
    vxx = data["etf_vxx"]
    assert np.log(vxx.iloc[-1] / vxx.iloc[0]) < -3.0  # VIX futures in contango most of the time
    gld = data["etf_gld"] / data["gold_pm"].reindex(data["etf_gld"].index)
    assert gld.between(0.09, 0.1001).all()


def test_a_catalog_series_the_generator_does_not_know_is_left_out_with_a_warning(monkeypatch):
    extra = dict(CATALOG)
    extra["new_series"] = CATALOG["ust_10y"]
    monkeypatch.setattr(sample, "CATALOG", extra)
    with pytest.warns(sample.SampleCoverageWarning, match="does not model 1 catalog series \\(new_series\\)"):
        out = sample.generate(date(2000, 1, 7), start=date(1999, 1, 1))
    assert "new_series" not in out and len(out) == len(CATALOG)


# ---------------------------------------------------------------------------------------------
# other seeds keep the structural promises
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_structure_holds_for_other_seeds(seed):
    d = sample.generate(AS_OF, seed=seed)
    assert recession_follows(inversion_episodes(d["spread_10y2y"]), d["recession"]) >= 2
    assert (d["fed_target_upper"] <= 0.25).sum() > 2 * 365
    c = stock_bond_corr(d)
    assert (c.loc["1990":"2015"] < 0).mean() > 0.75 and c.iloc[-1] > 0
    assert (d["vix3m"] > d["vix"]).mean() > 0.65
    lo, hi, effr = d["fed_target_lower"], d["fed_target_upper"], d["effr"]
    assert ((effr >= lo.reindex(effr.index)) & (effr <= hi.reindex(effr.index))).all()
    assert (d["fed_assets"] >= d["fed_treasuries"] + d["fed_mbs"]).all()


# ---------------------------------------------------------------------------------------------
# loading into a store
# ---------------------------------------------------------------------------------------------
def test_load_writes_sample_rows_that_read_back_point_in_time(data):
    keys = ["ust_10y", "cpi", "recession", "fed_assets"]
    with Store(":memory:") as store:
        report = sample.load(store, AS_OF, start=date(2015, 1, 1), keys=keys)
        assert store.sources() == {"sample"}
        assert set(store.keys()) == set(keys)
        expect = {k: data[k].loc["2015-01-01":] for k in keys}
        assert report.total == sum(len(expect[k]) for k in keys)
        got = store.read("ust_10y", as_of=AS_OF)
        np.testing.assert_array_equal(got.to_numpy(), expect["ust_10y"].to_numpy())
        # as of mid-October the September CPI (out on October 14) is known, October's is not
        cpi = store.read("cpi", as_of=date(2026, 10, 20))
        assert cpi.index[-1] == pd.Timestamp("2026-09-01")
    with Store(":memory:") as store, pytest.raises(KeyError, match="unknown series key"):
        sample.load(store, AS_OF, keys=["no_such_series"])


@pytest.mark.slow
def test_full_load_into_memory_store():
    with Store(":memory:") as store:
        report = sample.load(store, AS_OF)
        assert report.total == sum(len(s) for s in sample.generate(AS_OF).values())
        assert set(store.keys()) == set(CATALOG)
