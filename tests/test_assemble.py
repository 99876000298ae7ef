"""The brief context (section 0 and the appendix): golden numbers and verdicts on the shared
data, hand-computed moves, verdict changes, block layout and provenance."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _brief_fixtures import AS_OF, BUILT, error_section, every_block_section, previous_edition, synthetic_frame, brief_config

from report.assemble import biggest_moves, build_context, key_numbers, layout_blocks, provenance, verdicts_document
from report.frame import Frame
from report.sections import registry
from report.sections.base import SectionInput
from report.theme import load_theme

GOLDEN_AS_OF = "2025-04-11"


def read_csv(fred_dir: Path, fred_id: str) -> list[tuple[date, float]]:
    """FRED's CSV straight from the file (independent of the importer); blanks and '.' skipped."""
    out = []
    with open(fred_dir / f"{fred_id}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            v = row[fred_id].strip()
            if v not in ("", "."):
                out.append((date.fromisoformat(row["observation_date"]), float(v)))
    return out


def on_or_before(obs: list[tuple[date, float]], d: date) -> float:
    return [v for t, v in obs if t <= d][-1]


def context_for(frame: Frame, results, **kw):
    return build_context(frame=frame, config=kw.pop("config", brief_config()), theme=load_theme(), results=results,
                         charts=kw.pop("charts", {}), edition="2025-W15", built_at=BUILT, version="test", **kw)


# --- golden checks on the shared data ------------------------------------------------------------


@pytest.mark.parametrize(("key", "fred_id"), [("ust_10y", "DGS10"), ("ust_2y", "DGS2"), ("spread_10y3m", "T10Y3M")])
def test_key_numbers_match_the_published_csv(shared_frame, fred_dir, key, fred_id):
    frame = shared_frame(GOLDEN_AS_OF)
    row = key_numbers(frame, [key])[0]
    obs = read_csv(fred_dir, fred_id)
    d = date.fromisoformat(GOLDEN_AS_OF)
    level = on_or_before(obs, d)
    # 1w and 4w: against the last observation on or before 7 and 28 days earlier, in basis points
    chg_1w = (level - on_or_before(obs, date(2025, 4, 4))) * 100
    chg_4w = (level - on_or_before(obs, date(2025, 3, 14))) * 100
    window = [v for t, v in obs if date(2024, 4, 12) <= t <= d]  # 52 weeks = 364 days back, inclusive
    pct = sum(v <= level for v in window) / len(window)
    assert row["date"] == d
    assert row["level"]["v"] == pytest.approx(level, abs=1e-12)
    assert row["chg_1w"]["v"] == pytest.approx(chg_1w, abs=1e-9)
    assert row["chg_4w"]["v"] == pytest.approx(chg_4w, abs=1e-9)
    assert row["pct_52w"]["v"] == pytest.approx(pct, abs=1e-12)
    assert row["level"]["f"] == "pct" and row["chg_1w"]["f"] == "bp" and row["stale"] is False


def test_key_number_of_an_index_changes_in_percent(shared_frame, fred_dir):
    frame = shared_frame(GOLDEN_AS_OF)
    row = key_numbers(frame, ["sp500"])[0]
    obs = read_csv(fred_dir, "SP500")
    level = on_or_before(obs, date(2025, 4, 11))
    assert row["chg_1w"]["f"] == "spct"
    assert row["chg_1w"]["v"] == pytest.approx((level / on_or_before(obs, date(2025, 4, 4)) - 1) * 100, abs=1e-9)


def test_verdict_board_on_the_shared_data_shows_the_curve_verdict(shared_frame, fred_dir):
    frame = shared_frame(GOLDEN_AS_OF)
    cfg = brief_config()
    section = registry()["curve"]
    res = section.build(SectionInput(frame, cfg, section_id="curve"))
    ctx = context_for(frame, [res], config=cfg)
    (entry,) = [v for v in ctx["cover"]["board"] if v["rule_id"] == "curve_inversion"]
    d = date(2025, 4, 11)
    s2s10 = on_or_before(read_csv(fred_dir, "T10Y2Y"), d)
    s3m10 = on_or_before(read_csv(fred_dir, "T10Y3M"), d)
    params = cfg.rule_params("curve_inversion")
    worst = min(s2s10, s3m10)
    expected = "inverted" if worst < params["inverted_below"] else "flat" if worst < params["flat_below"] else "normal"
    assert entry["state"] == expected
    assert entry["section_number"] == 2 and entry["tone"] in ("benign", "watch", "severe")
    assert [s["state"] for s in entry["steps"] if s["current"]] == [expected]
    assert ctx["cover"]["counts"]["rules"] == len(res.verdicts) == len(ctx["cover"]["board"])


# --- constructed briefs --------------------------------------------------------------------------


def test_board_counts_changes_and_labels():
    frame = synthetic_frame()
    res = every_block_section(frame)
    ctx = context_for(frame, [res, error_section()], previous=previous_edition(frame))
    board = {v["rule_id"]: v for v in ctx["cover"]["board"]}
    assert board["test_alpha"]["change"] == "was calm"
    assert board["test_beta"]["change"] == "unchanged"
    assert board["test_gamma"]["change"] == "new"
    assert {k: ctx["cover"]["counts"][k] for k in ("rules", "severe", "watch", "benign", "no_data", "stale")} == \
        {"rules": 3, "severe": 1, "watch": 0, "benign": 1, "no_data": 1, "stale": 1}
    changes = ctx["cover"]["changes"]
    assert changes["previous_edition"] == "2025-W14"
    assert [(c["rule_id"], c["before"], c["after"], c["direction"]) for c in changes["verdicts"]] == \
        [("test_alpha", "calm", "stressed", "worse")]
    assert changes["new_rules"] == ["Gamma signal"]
    # the error section is listed but has no blocks; its error text reaches the template
    err = [s for s in ctx["sections"] if s["id"] == "broken"][0]
    assert err["blocks"] == [] and "constructed failure" in err["error"]


def test_without_a_previous_edition_there_is_no_change_column():
    frame = synthetic_frame()
    ctx = context_for(frame, [every_block_section(frame)])
    assert ctx["cover"]["changes"] is None
    assert all(v["change"] == "" for v in ctx["cover"]["board"])


def test_biggest_moves_hand_computed():
    # weekly levels alternate 4.00 / 4.10: every weekly change is +-10 bp, so the standard deviation
    # (ddof=1) of the last 52 weekly changes (26 up, 26 down) is 10 * sqrt(52 / 51) bp
    idx = pd.bdate_range(end="2025-04-11", periods=5 * 70, name="date")
    week = np.asarray((idx - idx[0]).days // 7)
    flip = np.where(week % 2 == (week[-1] % 2), 4.10, 4.00)  # the last week sits at 4.10
    short = pd.Series(np.linspace(5000, 5100, 40), index=idx[-40:])  # fewer than 20 weekly changes
    frame = Frame({"ust_10y": pd.Series(flip, index=idx), "sp500": short}, AS_OF)
    previous = {"as_of": "2025-04-04", "key_numbers": [{"key": "ust_10y", "level": 3.90}, {"key": "sp500", "level": 5000.0}]}
    (row,) = biggest_moves(frame, ["ust_10y", "sp500", "vix"], previous)
    assert row["key"] == "ust_10y"
    assert row["change"]["v"] == pytest.approx(20.0)  # 4.10 - 3.90 in bp
    assert row["z"]["v"] == pytest.approx(20.0 / (10.0 * math.sqrt(52 / 51)), rel=1e-9)
    # four weeks between the editions: the same move is half as unusual (sqrt(4) = 2)
    previous4 = {"as_of": "2025-03-14", "key_numbers": [{"key": "ust_10y", "level": 3.90}]}
    (row4,) = biggest_moves(frame, ["ust_10y"], previous4)
    assert row4["z"]["v"] == pytest.approx(row["z"]["v"] / 2, rel=1e-9)
    assert biggest_moves(frame, ["ust_10y"], None) == []


def test_layout_blocks_pairs_half_charts_and_flags_problems():
    charts = {"a": {"width": "half"}, "b": {"width": "half"}, "c": {"width": "half"}, "f": {"width": "full"}}
    blocks = [{"kind": "chart", "id": "a"}, {"kind": "chart", "id": "b"}, {"kind": "chart", "id": "c"},
              {"kind": "chart", "id": "f"}, {"kind": "chart", "id": "gone"}, {"kind": "verdicts", "ids": None},
              {"kind": "verdicts", "ids": ["r2"]}, {"kind": "weird"}, {"kind": "text", "text": "t"}]
    out = layout_blocks(blocks, charts, ["r1", "r2"], "Sec")
    assert out[0] == {"kind": "chartrow", "ids": ["a", "b"]}
    assert out[1] == {"kind": "chart", "id": "c"}  # a third half chart starts a new row
    assert out[2] == {"kind": "chart", "id": "f"}
    assert out[3] == {"kind": "missing_chart", "id": "gone"}
    assert out[4] == {"kind": "verdicts", "ids": ["r1", "r2"]} and out[5] == {"kind": "verdicts", "ids": ["r2"]}
    assert out[6]["kind"] == "callout" and "'weird'" in out[6]["text"]
    assert out[7] == {"kind": "text", "text": "t"}


def test_provenance_marks_stale_and_missing_series():
    idx = pd.bdate_range(end="2025-01-31", periods=30, name="date")
    frame = Frame({"ust_10y": pd.Series(4.0, index=idx)}, AS_OF, sources={"ust_10y": "csv"})
    rows = {r["key"]: r for r in provenance(frame, ["ust_10y", "ust_2y"])}
    assert rows["ust_10y"]["status"] == "stale"
    assert rows["ust_10y"]["age_days"] == (AS_OF - date(2025, 1, 31)).days == 70
    assert rows["ust_10y"]["source"] == "FRED (CSV files)"
    assert rows["ust_2y"]["status"] == "missing" and rows["ust_2y"]["last"] is None


def test_appendix_and_verdicts_document():
    frame = synthetic_frame()
    res = every_block_section(frame)
    ctx = context_for(frame, [res])
    app = ctx["appendix"]
    assert [m["title"] for m in app["general_methods"]][:3] == ["Point in time", "Key numbers", "Verdicts"]
    assert app["methods"] == [{"section": "5. Constructed section", "notes": res.methods}]
    (tr,) = app["track_records"]
    assert tr["title"] == "Alpha signal" and [r["state"] for r in tr["rows"]] == ["calm", "stressed", "all weeks"]
    assert tr["rows"][0]["mean"] == {"v": 1.5, "f": "bp", "d": None, "tone": None}
    doc = verdicts_document(res.verdicts, edition="2025-W15", as_of=AS_OF, sample=False,
                            key_rows=ctx["cover"]["key_numbers"])
    kn = {k["key"]: k for k in doc["key_numbers"]}
    assert kn["ust_10y"]["level"] == pytest.approx(float(frame.get("ust_10y").iloc[-1]))
    assert [v["state"] for v in doc["verdicts"]] == ["stressed", "fine", "no data"]


def test_provenance_is_the_same_when_analytics_come_from_the_cache(tmp_path):
    """A rebuild whose analytics come from the cache lists the same series as the first build,
    so the HTML (and with it the cached PDF) is identical."""
    from report.cache import Cache
    from report.sections.base import SectionInput

    cache = Cache(tmp_path / "cache")
    used = []
    for _ in range(2):
        frame = synthetic_frame()
        inp = SectionInput(frame, brief_config(), section_id="curve", cache=cache)
        value = inp.cached("level", ["ust_30y", "vix"], lambda f=frame: float(f.get("ust_30y").iloc[-1]))
        used.append((value, frame.used))
    assert cache.misses == 1 and cache.hits == 1
    assert used[0] == used[1]
    assert set(used[0][1]) == {"ust_30y", "vix"}


def test_track_record_digest_row_by_hand():
    import numpy as np
    import pandas as pd

    from analytics.rules import Param, RuleSpec, track_record
    from report.assemble import track_records_document, track_summary_row
    from report.sections.base import SectionResult

    rule = RuleSpec(id="demo", section="curve", title="Demo", scale=("calm", "watch", "alarm"),
                    params=(Param("x"),))
    idx = pd.date_range("2020-01-03", periods=6, freq="W-FRI")
    states = pd.Series(["calm", "calm", "watch", "alarm", "alarm", "calm"], index=idx)
    outcome = pd.Series([2.0, 4.0, 1.0, -6.0, np.nan, 3.0], index=idx)
    tr = track_record(rule, states, outcome, outcome_label="next-month return", outcome_unit="pct")
    row = track_summary_row(tr, "Demo rule", 2)
    assert row["benign_state"] == "calm" and row["benign_mean"]["v"] == pytest.approx(3.0)
    assert row["severe_state"] == "alarm" and row["severe_weeks"] == 2 and row["severe_mean"]["v"] == -6.0
    assert row["all_mean"]["v"] == pytest.approx((2 + 4 + 1 - 6 + 3) / 5)
    assert row["benign_mean"]["f"] == "spct" and (row["start"].year, row["end"].year) == (2020, 2020)
    doc = track_records_document([SectionResult("curve", 2, "Curve", track_records=[tr])], edition="2020-W06",
                                 as_of=date(2020, 2, 7))
    (full,) = doc["track_records"]
    assert [s["state"] for s in full["by_state"]] == ["calm", "watch", "alarm"]
