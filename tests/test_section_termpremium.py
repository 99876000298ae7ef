"""Section 4 (term premium): built from frames, asserted on the section result, charts drawn."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.nss import nss_par
from analytics.rules import NO_DATA
from report.charts import render_chart
from report.config import default_config
from report.frame import Frame
from report.sections.base import SectionInput
from report.sections.termpremium import CMT_KEYS, SECTION
from report.theme import load_theme


def _config():
    return default_config()


def _build(frame: Frame):
    return SECTION.build(SectionInput(frame, _config(), section_id="termpremium"))


def _synthetic_frame(as_of: date, *, with_breakeven: bool) -> Frame:
    """CMT quotes (par yields) from a slowly moving Nelson-Siegel curve, 2000 to ``as_of``."""
    rng = np.random.default_rng(2)
    days = pd.bdate_range("2000-01-03", as_of)
    n = len(days)
    params = np.column_stack([4.5 + np.cumsum(rng.normal(0, 0.03, n)), -1.0 + np.cumsum(rng.normal(0, 0.02, n)),
                              np.full(n, 0.5), np.zeros(n), np.full(n, 1.8), np.full(n, np.nan)])
    tenors = np.array(list(CMT_KEYS.values()))
    quotes = nss_par(params, np.maximum(tenors, 0.5))  # bills quoted at the 6-month par rate: a rough curve
    series = {key: pd.Series(np.round(quotes[:, j], 2), index=days) for j, key in enumerate(CMT_KEYS)}
    if with_breakeven:
        series["bei_10y"] = pd.Series(2.2 + np.cumsum(rng.normal(0, 0.01, n)), index=days)
    return Frame(series, as_of)


def test_without_a_curve_the_section_says_so():
    frame = Frame({"ust_10y": pd.Series([4.0, 4.1], index=pd.to_datetime(["2025-06-19", "2025-06-20"]))},
                  date(2025, 6, 20))
    res = _build(frame)
    assert res.status == "unavailable"
    assert res.verdicts[0].state == NO_DATA
    assert "Treasury curve" in res.verdicts[0].headline


def test_synthetic_curve_without_breakevens():
    res = _build(_synthetic_frame(date(2025, 6, 20), with_breakeven=False))
    assert res.status == "partial"
    (v,) = res.verdicts
    assert v.state == NO_DATA and "breakeven" in v.headline
    assert [c.id for c in res.charts] == ["tp_fit", "tp_history"]
    fit = res.analysis["fit"]
    assert fit.model == "NSS" and fit.rmse_bp < 5.0
    model = res.analysis["model"]
    assert model.estimation_start.year == 2000 and model.n_factors == 5
    # the split still adds up without inflation: expected short rate + premium + residual
    f = res.analysis["decomposition"].frame
    assert_allclose(f["expected_short"] + f["term_premium"] + f["residual"], f["observed"], atol=1e-12)


def test_synthetic_curve_with_breakevens_and_charts_draw():
    res = _build(_synthetic_frame(date(2025, 6, 20), with_breakeven=True))
    v = res.verdicts[0]
    assert v.state in v.scale
    assert {c.id for c in res.charts} == {"tp_fit", "tp_history", "tp_split", "tp_attribution"}
    tables = [b for b in res.blocks if b["kind"] == "table"]
    attribution = next(t for t in tables if t["caption"].startswith("Change of the 10-year"))
    for row in attribution["rows"]:
        change, parts = row[2]["v"], [c["v"] for c in row[3:7]]
        assert_allclose(sum(parts), change, atol=1e-9)
    theme = load_theme()
    for spec in res.charts:
        png = render_chart(spec, theme=theme, as_of=date(2025, 6, 20), dpi=60)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert res.track_records and res.track_records[0].rule_id == "tp_driver"


def test_kim_wright_is_shown_beside_acm_when_loaded():
    base = _synthetic_frame(date(2025, 6, 20), with_breakeven=True)
    days = pd.bdate_range("2010-01-04", "2025-06-13")
    kw = pd.Series(np.linspace(0.4, -0.2, len(days)), index=days)
    series = {k: base.get(k) for k in base.keys}
    res = _build(Frame({**series, "kw_tp10": kw}, date(2025, 6, 20)))
    hist = next(c for c in res.charts if c.id == "tp_history")
    assert "10-year (Kim-Wright)" in hist.data["lines"] and "kw_tp10" in hist.series_keys
    levels = next(b for b in res.blocks if b["kind"] == "table" and b["caption"] == "The 10-year yield split")
    (row,) = [r for r in levels["rows"] if "Kim-Wright" in r[0]["v"]]
    assert row[0]["v"].endswith("(2025-06-13)") and row[1]["v"] == pytest.approx(-0.2)
    # without it, the section lists it among its gaps instead
    res2 = _build(base)
    assert "kw_tp10" in {g.key for g in res2.gaps}


@pytest.mark.slow
def test_on_the_shared_data(shared_frame):
    frame = shared_frame(date(2026, 8, 21))
    res = _build(frame)
    v = res.verdicts[0]
    assert v.state in v.scale
    # the full curve stops on 2026-07-22 in the snapshot: the split is older than the as-of date
    assert v.stale and "2026-07-22" in v.note
    assert res.analysis["fit_date"] == date(2026, 7, 22)
    assert res.analysis["fit"].rmse_bp < 10.0
    check = next(b for b in res.blocks if b["kind"] == "table" and b["caption"].startswith("Project ACM"))
    results = {r[0]["v"]: r[-1]["v"] for r in check["rows"]}
    assert results == {"10-year, monthly since 1990": "pass", "5-year, monthly since 1990": "pass",
                       "2-year, monthly since 1990": "pass", "10-year month-ends vs NY Fed daily": "pass"}
    # the 10-year level splits into parts that add up to the CMT yield on the split's date
    f = res.analysis["decomposition"].frame.dropna()
    row = f.iloc[-1]
    assert_allclose(row["expected_real"] + row["expected_inflation"] + row["term_premium"] + row["residual"],
                    row["observed"], atol=1e-12)
    assert res.track_records and res.track_records[0].weeks > 500
