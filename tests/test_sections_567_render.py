"""Sections 5-7 on a constructed frame holding every input (fiscal series included): the debt projection and
path verdict are computed, and the sections render in the brief with their charts and verdict cards."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import fiscal as fi
from report.config import default_config
from report.frame import Frame
from report.pipeline import make_brief
from report.sections import registry
from report.sections.base import SectionInput

AS_OF = date(2025, 6, 27)
SECTIONS = ("crossasset", "anchor", "safedebt")


def _walk(rng, idx, start, scale):
    return pd.Series(start + np.cumsum(rng.normal(0.0, scale, len(idx))), index=idx)


def _price(rng, idx, start, drift, vol):
    return pd.Series(start * np.exp(np.cumsum(rng.normal(drift, vol, len(idx)))), index=idx)


@pytest.fixture(scope="module")
def frame() -> Frame:
    rng = np.random.default_rng(20250627)
    d = pd.bdate_range("1995-01-02", AS_OF)
    m = pd.date_range("1950-01-01", "2025-05-01", freq="MS")
    q = pd.date_range("1995-01-01", "2025-01-01", freq="QS")
    y10 = _walk(rng, d, 5.0, 0.03).clip(0.5, 9.0)
    s = {
        "ust_10y": y10, "ust_3m": (y10 - 1.0 + _walk(rng, d, 0.0, 0.01)).clip(0.0, None),
        "tips_10y": (y10 - 2.2 + _walk(rng, d, 0.0, 0.01)).loc["2003":],
        "bei_5y5y": _walk(rng, d, 2.3, 0.01).loc["2003":], "acm_tp10_daily": _walk(rng, d, 0.2, 0.02).loc["2021-08":],
        "nasdaq": _price(rng, d, 1000, 0.0004, 0.012), "sp500": _price(rng, d, 2000, 0.0003, 0.01).loc["2016":],
        "usd_broad": _price(rng, d, 100, 0.0, 0.004).loc["2006":], "gold_pm": _price(rng, d, 400, 0.0003, 0.01),
        "vix": (_walk(rng, d, 18, 0.5).abs() + 9), "aaa_10y": _walk(rng, d, 1.4, 0.01).loc["2001":],
        "shiller_price": _price(rng, m, 20, 0.005, 0.04), "shiller_earnings": _price(rng, m, 1.5, 0.005, 0.01),
        "shiller_cpi": pd.Series(25 * 1.0028 ** np.arange(len(m)), index=m),
        "shiller_long_rate": _walk(rng, m, 4.0, 0.1).clip(1, 12),
        "indpro": _price(rng, m, 50, 0.002, 0.005), "recession": pd.Series(0.0, index=m),
        "real_gdp": pd.Series(10000 * 1.005 ** np.arange(len(q)), index=q),
    }
    s["gdp"] = s["real_gdp"] * 1.006 ** np.arange(len(q))
    s["debt_gdp"] = pd.Series(np.linspace(60, 120, len(q)), index=q)
    s["federal_interest"] = s["debt_gdp"] / 100 * s["gdp"] * 0.03
    s["deficit_gdp"] = pd.Series(-np.linspace(2, 6, 30), index=pd.date_range("1995-01-01", periods=30, freq="YS"))
    wed = pd.date_range(end=AS_OF, periods=500, freq="W-WED")
    s["fed_treasuries"] = pd.Series(2e6 * 1.15 ** (np.arange(500) / 52), index=wed)  # +15% a year
    for c, lvl in (("us", 4.5), ("de", 3.0), ("fr", 3.3), ("gb", 4.2), ("jp", 1.0), ("ca", 4.0), ("ch", 1.5),
                   ("au", 5.0)):
        s[f"y10_{c}"] = _walk(rng, m, lvl, 0.2).loc["1985":]
    for k, lvl in (("st_de", 2.5), ("st_gb", 3.5), ("st_jp", 0.2), ("st_ch", 1.0), ("st_ca", 3.0), ("st_au", 4.0)):
        s[k] = _walk(rng, m, lvl, 0.1).loc["1990":]
    return Frame(s, AS_OF)


@pytest.fixture(scope="module")
def results(frame):
    config = default_config(sections={sid: {"track_records": False} for sid in SECTIONS})
    return config, {sid: registry()[sid].build(SectionInput(frame, config, section_id=sid)) for sid in SECTIONS}


def test_full_debt_computation_on_constructed_data(results):
    _, res = results
    a = res["anchor"]
    dyn, proj = a.analysis["debt"], a.analysis["projection"]
    assert dyn.missing == ()
    lt = dyn.latest
    assert lt.year == 2024
    # interest is 3% of the debt at each quarter: the effective rate on last year's debt is about 3% x growth
    assert 3.0 < lt.r < 3.6
    assert proj is not None and set(proj.paths) == {"Baseline", "Rates +1pp", "Growth -1pp", "Inflation +2pp"}
    # the projection is the debt recursion applied year by year from the stated assumptions
    a_ = proj.assumptions
    r1 = a_["effective rate"] + (a_["market yield"] - a_["effective rate"]) / a_["rollover years"]
    assert proj.paths["Baseline"][1] == pytest.approx(
        fi.debt_step(lt.debt, r1, a_["real growth"], a_["inflation"], a_["primary deficit"]))
    assert proj.paths["Rates +1pp"][-1] > proj.paths["Baseline"][-1]
    v = next(v for v in a.verdicts if v.rule_id == "debt_path")
    assert v.state != "no data"
    assert a.analysis["path"].flags["monetisation"] is True  # holdings grow about 15% a year by construction


def test_sections_render_in_the_brief(frame, results):
    config, res = results
    config = default_config(brief={"sections": list(SECTIONS)},
                            sections={sid: {"track_records": False} for sid in SECTIONS})
    brief = make_brief(frame, config, formats=("html",), results=[res[s] for s in SECTIONS])
    ctx = {s["id"]: s for s in brief.context["sections"]}
    for sid in SECTIONS:
        sec = ctx[sid]
        declared = {c.id for c in res[sid].charts}
        assert declared and set(sec["charts"]) == declared
        assert all(brief.charts[c].startswith(b"\x89PNG") for c in declared)
        assert set(sec["verdicts"]) == set(registry()[sid].rules)
    assert "anchor_debt_projection" in ctx["anchor"]["charts"]
    html = brief.files["brief.html"].decode()
    assert "Scorecard: safe or risky debt" in html and "Debt dynamics and the four paths" in html
