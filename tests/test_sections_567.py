"""Sections 5-7 (cross-asset, anchor, safe debt): rendering with missing data, configuration errors, and the
readings on the real shared data against what the seeds document for their periods.

Reference numbers are read straight from the CSV files (independent of the importers).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from report.config import default_config
from report.errors import ConfigError
from report.frame import Frame
from report.sections import registry
from report.sections.base import SectionInput

SECTIONS = ("crossasset", "anchor", "safedebt")


def build(section_id: str, frame: Frame, config) -> object:
    return registry()[section_id].build(SectionInput(frame, config, section_id=section_id))


def csv_series(path: Path, col: str) -> pd.Series:
    with open(path, newline="") as fh:
        rows = [(r["observation_date"], r[col]) for r in csv.DictReader(fh)]
    s = pd.Series({pd.Timestamp(d): float(v) for d, v in rows if v not in ("", ".")})
    return s.sort_index()


# --- missing data and configuration -----------------------------------------------------------------


def test_sections_render_with_only_the_10_year_yield():
    idx = pd.bdate_range("2023-01-02", "2025-06-27")
    frame = Frame({"ust_10y": pd.Series(np.linspace(3.5, 4.3, len(idx)), index=idx)}, date(2025, 6, 27))
    config = default_config()
    for sid in SECTIONS:
        res = build(sid, frame, config)
        assert res.status == "partial"
        assert {v.rule_id for v in res.verdicts} == set(registry()[sid].rules)
        assert all(v.state == "no data" for v in res.verdicts if v.rule_id != "anchor_signs")
        kinds = [b["kind"] for b in res.blocks]
        assert "verdicts" in kinds and "callout" in kinds
        assert any(g.reason == "missing" for g in res.gaps)
        assert res.track_records == []


def test_bad_scenarios_and_events_are_config_errors():
    idx = pd.bdate_range("2024-01-02", "2025-06-27")
    frame = Frame({"ust_10y": pd.Series(4.0, index=idx)}, date(2025, 6, 27))
    bad = default_config(sections={"anchor": {"scenarios": [{"name": "x", "d_rates": 1.0}]}})
    with pytest.raises(ConfigError, match="scenarios entry 1: unknown key 'd_rates'"):
        build("anchor", frame, bad)
    bad = default_config(sections={"safedebt": {"fiscal_events": [{"name": "x", "date": "2025-13-01"}]}})
    with pytest.raises(ConfigError, match="fiscal_events entry 1: date must be YYYY-MM-DD"):
        build("safedebt", frame, bad)
    bad = default_config(sections={"crossasset": {"spill_countries": ["de", "xx"]}})
    with pytest.raises(ConfigError, match="spill_countries: 'xx' is not one of"):
        build("crossasset", frame, bad)
    bad = default_config(sections={"safedebt": {"class_horizon": "3"}})
    with pytest.raises(ConfigError, match="class_horizon must be 'deepest' or one of 1, 5, 10"):
        build("safedebt", frame, bad)


# --- the shared data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frames(shared_store):
    keys = sorted({k for sid in SECTIONS for k in registry()[sid].series_keys()} | {"baa_10y"})
    cache = {}

    def make(d: str) -> Frame:
        if d not in cache:
            cache[d] = Frame.from_store(shared_store, date.fromisoformat(d), keys)
        return cache[d]

    return make


@pytest.fixture(scope="module")
def june_2025(frames):
    config = default_config()
    return {sid: build(sid, frames("2025-06-27"), config) for sid in SECTIONS}


def test_stock_bond_correlation_regimes_of_the_seeds(june_2025):
    sb = june_2025["crossasset"].analysis["stock_bond"]
    s = sb.series
    # seed 001/003: mostly negative from 2000 to 2019, positive after 2021
    assert (s.loc["2000":"2019"] < 0).mean() > 0.9
    assert (s.loc["2021-07":"2024-12"] > 0).mean() > 0.6
    assert s.loc["1990":"1997"].mean() > 0  # before the late 1990s it was positive too
    eras = {e["era"]: e for e in june_2025["crossasset"].analysis["stock_bond_eras"]}
    assert eras["2000-2019"]["share_negative"] > 0.9 and eras["2021 on"]["mean"] > 0


def test_cross_asset_readings_june_2025(june_2025, fred_dir):
    res = june_2025["crossasset"]
    states = {v.rule_id: v for v in res.verdicts}
    assert states["equity_risk_premium"].stale  # Shiller earnings end in 2023
    erp = res.analysis["erp"]
    assert erp.date == date(2023, 6, 1)
    tips = csv_series(fred_dir / "DFII10.csv", "DFII10")
    assert erp.real_yield == pytest.approx(tips.loc["2023-06"].mean(), abs=1e-9)
    sp = res.analysis["spillovers"]
    rows = {r.country: r for r in sp.rows}
    # seed 001: European yields now move with Treasuries (above 0.7), Japan much less
    assert rows["de"].corr_window > 0.7 and rows["gb"].corr_window > 0.7
    assert rows["jp"].corr_window < sp.group_corr["Europe"]
    assert states["yield_spillover"].state == "high"
    # reference: German correlation over the last 36 months from the OECD files
    us = csv_series(fred_dir / "IRLTLT01USM156N.csv", "IRLTLT01USM156N").diff()
    de = csv_series(fred_dir / "IRLTLT01DEM156N.csv", "IRLTLT01DEM156N").diff()
    d = pd.concat({"u": us, "d": de}, axis=1).dropna().loc[:"2025-05-01"].iloc[-36:]
    assert rows["de"].corr_window == pytest.approx(np.corrcoef(d["u"], d["d"])[0, 1], abs=1e-9)
    assert rows["de"].last == date(2025, 5, 1)
    assert "it" not in {r.country for r in sp.rows if r.corr_window is not None}


def test_dollar_fiscal_frown_of_spring_2025(frames):
    # seed 001/002: since April 2025 yields rose while the dollar fell, on fiscal worries
    res = build("crossasset", frames("2025-05-30"), default_config(sections={"crossasset": {"track_records": False}}))
    dr = res.analysis["dollar"]
    assert dr.yield_change_bp > 0 and dr.dollar_change_pct < -2
    assert dr.deficit is None and dr.tp_change_bp > 10  # no deficit data: the term premium is the fiscal signal
    v = next(v for v in res.verdicts if v.rule_id == "dollar_regime")
    assert v.state == "fiscal frown"


def test_anchor_readings_june_2025(june_2025, frames):
    res = june_2025["anchor"]
    st = {v.rule_id: v.state for v in res.verdicts}
    g = res.analysis["gold"]
    # seed 002: gold has stopped falling with Treasuries and decoupled from real yields
    assert st["gold_real_yield"] == "decoupled" and g.corr >= -0.10
    assert g.beta_up > g.beta_down
    assert np.exp(g.residual / 100) > 2  # far above what real yields implied before 2022
    assert g.corr_series.loc["2020"].mean() < -0.3  # it was anchored in 2020
    assert st["gold_sleeve"] in ("some gain", "large gain")
    study = res.analysis["portfolios"]
    assert study.gain[("60/40", "3y")] > 0 and study.gain[("Risk parity", "3y")] > 0
    # debt dynamics: the fiscal series are not in the shared data; nothing is invented
    debt = res.analysis["debt"]
    assert set(debt.missing) == {"debt/GDP", "federal interest payments", "federal deficit"}
    assert all(fy.r is None and fy.primary_deficit is None for fy in debt.years)
    assert res.analysis["projection"] is None
    assert st["debt_path"] == "no data"
    assert res.analysis["path"].flags["monetisation"] is False  # the Fed was shrinking its Treasury holdings
    before = build("anchor", frames("2019-12-27"), default_config(sections={"anchor": {"track_records": False}}))
    assert next(v for v in before.verdicts if v.rule_id == "gold_real_yield").state == "anchored"


def test_stress_events_and_wedges_june_2025(june_2025, fred_dir):
    res = june_2025["safedebt"]
    ev = {e.name: e for e in res.analysis["events"]}
    # seed 003: flight to safety before 2020, mark-to-market in the recent shocks
    assert ev["Lehman bankruptcy"].cls == "flight to safety"
    assert ev["Dash for cash"].cls == "mark-to-market"
    assert ev["UK mini-budget"].cls == "mark-to-market"
    assert ev["Tariff shock"].cls == "mark-to-market"
    assert ev["SVB failure"].cls == "flight to safety"
    assert ev["Lehman bankruptcy"].equity_label == "NASDAQ Composite" and ev["Tariff shock"].equity_label == "S&P 500"
    dgs10 = csv_series(fred_dir / "DGS10.csv", "DGS10")
    assert ev["Lehman bankruptcy"].changes["ust_10y"][1] == pytest.approx(
        (dgs10.loc["2008-09-15"] - dgs10.loc["2008-09-12"]) * 100, abs=1e-6)
    sp = csv_series(fred_dir / "SP500.csv", "SP500")
    assert ev["Tariff shock"].changes["equity"][5] == pytest.approx(
        (sp.loc["2025-04-08"] / sp.loc["2025-04-01"] - 1) * 100, abs=1e-6)
    st = {v.rule_id: v.state for v in res.verdicts}
    assert st["stress_response"] == "mark-to-market"
    w = res.analysis["wedges"]
    aaa = csv_series(fred_dir / "AAA10Y.csv", "AAA10Y")
    assert w.aaa == pytest.approx(aaa.loc["2025-06-01":"2025-06-27"].mean(), abs=1e-9)
    # the Aaa wedge is narrower since 2022 than in 2001-2019
    assert w.aaa_series.loc["2022":].mean() < w.aaa_series.loc["2001":"2019"].mean() - 0.3
    assert w.foreign_countries == 6  # Italy's 10-year yield is not in the shared data
    rows = {r.row: r for r in res.analysis["scorecard"]}
    assert rows["Yields in market stress"].risky_tick is True
    assert all(r.risky_tick is not None for r in rows.values())


def test_track_records_june_2025(june_2025):
    ids = {t.rule_id for sid in SECTIONS for t in june_2025[sid].track_records}
    assert {"stock_bond_corr", "equity_risk_premium", "yield_spillover", "dollar_regime", "gold_real_yield",
            "anchor_signs", "gold_sleeve", "convenience_yield"} <= ids
    sb = next(t for t in june_2025["crossasset"].track_records if t.rule_id == "stock_bond_corr")
    assert sb.weeks > 1500 and sum(s.weeks for s in sb.by_state) == sb.weeks


def test_auto_equity_choice():
    from report.sections.equity_choice import pick_equity

    idx = pd.bdate_range("2016-01-04", "2025-06-27")
    nq_idx = pd.bdate_range("2000-01-03", "2025-06-27")
    sp, nq = pd.Series(2000.0, index=idx), pd.Series(1000.0, index=nq_idx)
    config = default_config()
    fresh = SectionInput(Frame({"sp500": sp, "nasdaq": nq}, date(2025, 6, 27)), config, section_id="crossasset")
    assert pick_equity(fresh, "auto", pd.Timestamp("2016-01-08"))[1] == "sp500"  # covers the start (a week's grace)
    assert pick_equity(fresh, "auto", pd.Timestamp("2015-12-28"))[1] == "sp500"  # first value exactly a week later
    assert pick_equity(fresh, "auto", pd.Timestamp("2015-12-27"))[1] == "nasdaq"  # eight days later: too short
    assert pick_equity(fresh, "sp500", pd.Timestamp("2000-01-03"))[1] == "sp500"  # an explicit choice stands
    stale = SectionInput(Frame({"sp500": sp.loc[:"2025-04-14"], "nasdaq": nq}, date(2025, 6, 27)), config,
                         section_id="crossasset")
    assert pick_equity(stale, "auto", pd.Timestamp("2020-01-01"))[1] == "nasdaq"  # the S&P 500 stopped updating
    with pytest.raises(ValueError, match="equity choice must be one of"):
        pick_equity(fresh, "dow", None)
