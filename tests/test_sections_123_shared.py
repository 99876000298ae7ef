"""Sections 1-3 on the real shared data: the framework's own readings at its dates.

Reference numbers are read straight from the CSV files (independent of the importers), and
the seed's readings are checked as states: mid-2019 Japanification (Germany and Japan deep,
Australia approaching) and the May 2019 3m10y inversion read as a volatility-hedge signal,
never as an equity-crash call.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from report.config import default_config
from report.sections import registry
from report.sections.base import SectionInput


def csv_series(fred_dir: Path, fred_id: str) -> dict[str, float]:
    with open(fred_dir / f"{fred_id}.csv", newline="") as fh:
        return {r["observation_date"]: float(r[fred_id]) for r in csv.DictReader(fh) if r[fred_id] not in ("", ".")}


@pytest.fixture(scope="module")
def config():
    return default_config()


def build(section_id: str, frame, config):
    return registry()[section_id].build(SectionInput(frame, config, section_id=section_id))


def test_mid_2019_japanification_reading(shared_frame, config, fred_dir):
    res = build("transmission", shared_frame("2019-06-28"), config)
    r = res.analysis["readings"]
    assert r["de"].state == "deep" and r["jp"].state == "deep"
    assert r["au"].state == "approaching"
    assert r["us"].state == "clear"
    # Australia: May 2019 OECD 10-year (the latest published by 2019-06-28), and its fall over 12 months
    au = csv_series(fred_dir, "IRLTLT01AUM156N")
    assert r["au"].long_yield == pytest.approx(au["2019-05-01"])
    assert r["au"].long_chg12 == pytest.approx(au["2019-05-01"] - au["2018-05-01"])
    assert 1.0 < r["au"].long_yield <= 1.75 and r["au"].long_chg12 <= -0.25
    # Germany: the ECB deposit rate at the floor is one of its inputs
    assert r["de"].policy_rate == pytest.approx(-0.40) and "policy rate" in r["de"].inputs
    jv = next(v for v in res.verdicts if v.rule_id == "japanification")
    assert "Germany" in jv.headline and "Japan" in jv.headline and "Australia" in jv.headline
    heat = res.analysis["heatmap"]
    assert heat.loc["Japan"].iloc[-1] == 1.0 and heat.loc["Germany"].iloc[-1] == 1.0


def test_transmission_questions_from_the_2019_data(shared_frame, config, fred_dir):
    res = build("transmission", shared_frame("2019-06-28"), config)
    q = res.analysis["questions"]
    loans = csv_series(fred_dir, "BUSLOANS")
    growth = 100.0 * (loans["2019-05-01"] / loans["2018-05-01"] - 1.0)
    ev = {e.label: e.value for e in q["easing_credit"].evidence}
    assert ev["business-loan growth (y/y)"] == pytest.approx(growth, abs=0.005)
    assert q["easing_credit"].state == "transmits"  # C&I loans grew about 7% a year in 2019
    # debt and investment inputs are not in the shared data: said so, not guessed
    assert q["debt_burden"].state == "no data" and q["investment_response"].state == "no data"
    assert {g.key for g in res.gaps} >= {"debt_gdp", "household_dsr", "business_investment"}
    assert res.analysis["overall"].state in ("partly", "blocked")
    assert res.status == "partial"
    ids = {t.rule_id for t in res.track_records}
    assert {"easing_credit", "long_end_growth", "transmission", "japanification"} <= ids


def test_may_2019_inversion_is_a_volatility_hedge_call(shared_frame, config, fred_dir):
    res = build("curve", shared_frame("2019-05-31"), config)
    v = res.analysis["verdict"]
    assert v.state == "inverted"
    t10y3m = csv_series(fred_dir, "T10Y3M")
    ev = {e.label: e.value for e in v.evidence}
    assert ev["3m10y spread"] == pytest.approx(t10y3m["2019-05-31"] * 100.0, abs=0.05)
    assert ev["3m10y spread"] < 0 and ev["driving spread"] == "3m10y"
    assert res.analysis["slope"].state == "intact"
    assert "hedge" in v.headline and "TOPIX" in v.headline and "keep the equity ETF" in v.headline
    assert "crash" not in v.headline.lower() and "sell equities" not in v.headline.replace("not a call to sell "
                                                                                          "equities", "")
    hedges = res.analysis["hedges"]
    assert res.analysis["hedge_currency"] == "USD"
    assert hedges[1] is not None and 0.2 < hedges[1].ratio < 1.5 and 0 < hedges[1].variance_removed < 1
    action = next(b for b in res.blocks if b["kind"] == "callout")
    assert action["title"] == "Action" and "Nikkei 225 (TOPIX proxy)" in action["text"]
    inv = [t for t in res.track_records if t.rule_id == "curve_inversion"]
    assert {t.outcome.split(",")[0] for t in inv} == {"next 12 months' return", "highest VIX close over the next 12 months"}
    assert "Shiller" in inv[0].outcome  # the S&P 500 from FRED starts in 2016: the long history is Shiller's


@pytest.mark.slow
def test_stale_nikkei_is_named_and_the_hedge_marked_stale(shared_frame, config):
    res = build("curve", shared_frame("2025-06-27"), config)
    gaps = {g.key: g for g in res.gaps}
    assert gaps["nikkei225"].reason == "stale" and gaps["nikkei225"].last == date(2020, 3, 27)
    action = next(b for b in res.blocks if b["kind"] == "callout")
    assert "2020-03-27" in action["text"] and "stale" in action["text"]
    moves = res.analysis["moves"]
    assert len(moves) == 8 and moves["end"].iloc[0] == date(2025, 6, 27)


def test_time_value_2019(shared_frame, config, fred_dir):
    res = build("timevalue", shared_frame("2019-06-28"), config)
    v = {x.rule_id: x for x in res.verdicts}
    vix, vix3m = csv_series(fred_dir, "VIXCLS"), csv_series(fred_dir, "VXVCLS")
    ev = {e.label: e.value for e in v["vix_term"].evidence}
    assert ev["VIX / VIX3M"] == pytest.approx(round(vix["2019-06-28"] / vix3m["2019-06-28"], 3))
    assert v["vix_term"].state == "contango"
    # the February 2018 blow-up: 2018-02-05 close against the low of the ten sessions before it
    days = sorted(d for d in vix if "2018-01-19" <= d <= "2018-02-02")
    assert len(days) == 11
    low = min(vix[d] for d in days[1:])
    blow = {b.start: b for b in res.analysis["blowups"]}
    assert date(2018, 2, 5) in blow and blow[date(2018, 2, 5)].trough == low
    sizing = res.analysis["sizing"]
    assert sizing.worst_date == date(2018, 2, 5)
    assert sizing.worst_rise_pct == pytest.approx(100 * (vix["2018-02-05"] / low - 1))
    assert sizing.max_short_notional == pytest.approx(0.02 / (vix["2018-02-05"] / low - 1))
    # no futures curve in the shared data: said so
    assert v["futures_roll"].state == "no data"
    assert any(b["kind"] == "text" and b["text"].startswith("No futures settlement curve is loaded")
               for b in res.blocks)
    hy = csv_series(fred_dir, "BAMLH0A0HYM2")
    ev = {e.label: e.value for e in v["credit_spreads"].evidence}
    assert ev["High-yield OAS"] == hy["2019-06-28"] and v["credit_spreads"].state == "calm"
    carry = res.analysis["carry"].table
    assert carry.loc[10.0, "par_yield"] == pytest.approx(csv_series(fred_dir, "DGS10")["2019-06-28"], abs=0.05)
    assert carry.loc[1.0, "carry_bp"] < 0  # funding (SOFR 2.4%) above the 1-year yield (1.9%)
    assert {t.rule_id for t in res.track_records} == {"vix_term", "credit_spreads"}


@pytest.mark.slow
def test_sections_1_to_3_render_in_the_brief(shared_frame, config):
    from report.pipeline import make_brief

    cfg = config.replace(brief=config.brief.__class__(**{**config.brief.__dict__,
                                                         "sections": ("transmission", "curve", "timevalue")}))
    brief = make_brief(shared_frame("2019-06-28"), cfg, formats=("html",))
    sections = {s["id"]: s for s in brief.context["sections"]}
    assert set(sections) == {"transmission", "curve", "timevalue"}
    for s in sections.values():
        assert s["status"] != "error", s["error"]
        placed = [b["id"] for b in s["blocks"] if b["kind"] == "chart"]
        assert placed and all(c in s["charts"] for c in placed)
        assert any(b["kind"] == "verdicts" for b in s["blocks"])
    titles = {t["title"] for t in brief.context["appendix"]["track_records"]}
    assert {"Curve slope: inversion warning", "Japanification (U.S.)", "VIX term structure: time value of selling "
            "volatility"} <= titles
    html = brief.files["brief.html"].decode("utf-8")
    assert "Japanification monitor" in html and "Weekly curve moves" in html and "Sizing short volatility" in html
