"""The verdict engine core: parameters, classification, verdicts as data, track records."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.rules import (
    NO_DATA,
    Evidence,
    Param,
    RuleSpec,
    all_rules,
    classify,
    make_verdict,
    no_data_verdict,
    track_record,
    validate_params,
)

RULE = RuleSpec(
    id="demo", section="curve", title="Demo rule", scale=("calm", "watch", "alarm"),
    params=(Param("watch_at", float, lo=0.0, hi=10.0), Param("alarm_at", float, lo=0.0, hi=10.0),
            Param("window", int, lo=1), Param("mode", str, choices=("fast", "slow"))),
    outcome="next-month return",
)


def test_classify_boundaries_belong_to_the_state_above():
    states = ["calm", "watch", "alarm"]
    assert classify(0.99, [1.0, 2.0], states) == "calm"
    assert classify(1.0, [1.0, 2.0], states) == "watch"
    assert classify(1.99, [1.0, 2.0], states) == "watch"
    assert classify(2.0, [1.0, 2.0], states) == "alarm"


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_classify_is_monotone(x):
    states = ["a", "b", "c", "d"]
    cut = [-1.0, 0.0, 5.0]
    i = states.index(classify(x, cut, states))
    j = states.index(classify(x + 1.0, cut, states))
    assert j >= i


def test_classify_rejects_bad_inputs():
    with pytest.raises(ValueError, match="one more entry than cutoffs"):
        classify(1.0, [1.0], ["a"])
    with pytest.raises(ValueError, match="ascending"):
        classify(1.0, [2.0, 1.0], ["a", "b", "c"])
    with pytest.raises(ValueError, match="finite"):
        classify(float("nan"), [1.0], ["a", "b"])


def test_validate_params_checks_types_bounds_choices_and_completeness():
    ok = validate_params(RULE, {"watch_at": 1, "alarm_at": 2.5, "window": 5, "mode": "fast"})
    assert ok == {"watch_at": 1.0, "alarm_at": 2.5, "window": 5, "mode": "fast"}
    assert isinstance(ok["watch_at"], float)
    cases = [
        ({"watch_at": 11.0}, "watch_at: must be <= 10.0"),
        ({"window": 2.5}, "window: must be an integer"),
        ({"window": True}, "window: must be an integer"),
        ({"mode": "medium"}, "mode: must be one of fast, slow"),
        ({"extra": 1}, "extra: unknown parameter"),
    ]
    base = {"watch_at": 1.0, "alarm_at": 2.0, "window": 5, "mode": "fast"}
    for change, msg in cases:
        with pytest.raises(ValueError, match=msg):
            validate_params(RULE, {**base, **change})
    with pytest.raises(ValueError, match="alarm_at: missing"):
        validate_params(RULE, {"watch_at": 1.0, "window": 5, "mode": "fast"})


def test_verdict_is_data_and_serialises_to_json():
    v = make_verdict(RULE, "watch", "Watch it.", [Evidence("spread", 12.5, "bp", date(2025, 4, 11)),
                                                 Evidence("note", "both", "text"),
                                                 Evidence("missing", float("nan"), "bp")],
                     {"watch_at": 1.0}, date(2025, 4, 11))
    d = json.loads(json.dumps(v.to_dict()))
    assert d["state"] == "watch" and d["level"] == 1 and d["scale"] == ["calm", "watch", "alarm"]
    assert d["evidence"][0] == {"label": "spread", "value": 12.5, "unit": "bp", "as_of": "2025-04-11", "note": ""}
    assert d["evidence"][2]["value"] is None
    assert v.severity == 0.5
    with pytest.raises(ValueError, match="state must be one of calm, watch, alarm"):
        make_verdict(RULE, "panic", "", [], {}, date(2025, 1, 1))


def test_no_data_verdict_names_what_is_missing():
    v = no_data_verdict(RULE, date(2025, 1, 3), ["VIX3M", "VIX"])
    assert v.state == NO_DATA and v.level is None and v.severity is None
    assert "VIX3M, VIX" in v.headline


def test_track_record_statistics_by_hand():
    idx = pd.date_range("2020-01-03", periods=8, freq="W-FRI")
    states = pd.Series(["calm", "calm", "alarm", "alarm", "alarm", "calm", NO_DATA, "watch"], index=idx)
    outcome = pd.Series([1.0, 3.0, -4.0, -2.0, np.nan, 5.0, 9.0, 0.5], index=idx)
    tr = track_record(RULE, states, outcome, outcome_label="next-month return", outcome_unit="pct",
                      hit_threshold=0.0)
    by = {s.state: s for s in tr.by_state}
    assert tr.weeks == 7  # the NO_DATA week is dropped
    assert by["calm"].weeks == 3 and by["calm"].outcome_mean == pytest.approx(3.0)
    assert by["alarm"].weeks == 3 and by["alarm"].outcome_mean == pytest.approx(-3.0)
    assert by["alarm"].outcome_hit == 0.0 and by["calm"].outcome_hit == 1.0
    assert by["watch"].outcome_median == 0.5
    # baseline: all 7 weeks with a measured outcome (6 of them)
    assert tr.baseline.outcome_mean == pytest.approx((1 + 3 - 4 - 2 + 5 + 0.5) / 6)
    assert [s.state for s in tr.by_state] == ["calm", "watch", "alarm"]
    # non-benign episodes: alarm 2020-01-17..2020-01-31, watch 2020-02-21
    assert [(e[0].isoformat(), e[1].isoformat(), e[2]) for e in tr.episodes] == [
        ("2020-01-17", "2020-01-31", "alarm"), ("2020-02-21", "2020-02-21", "watch")]
    json.dumps(tr.to_dict())


def test_track_record_keeps_the_latest_twelve_episodes_and_runs_to_the_last_week():
    # 15 blocks of two weeks: calm, watch, calm, alarm, ... ; the series ends in a watch run
    pattern = ["calm", "watch", "calm", "alarm"] * 4
    states_list = [s for s in pattern[:15] for _ in range(2)]
    idx = pd.date_range("2021-01-01", periods=len(states_list), freq="W-FRI")
    tr = track_record(RULE, pd.Series(states_list, index=idx), pd.Series(0.0, index=idx),
                      outcome_label="x", outcome_unit="pct")
    runs = [(idx[2 * i].date(), idx[2 * i + 1].date(), s) for i, s in enumerate(pattern[:15]) if s != "calm"]
    assert len(runs) == 7  # odd blocks only: watch/alarm alternate
    assert list(tr.episodes) == runs
    one = track_record(RULE, pd.Series(["alarm"], index=idx[:1]), pd.Series([1.0], index=idx[:1]),
                       outcome_label="x", outcome_unit="pct")
    assert one.episodes == ((idx[0].date(), idx[0].date(), "alarm"),)
    many = ["calm", "alarm"] * 14
    trm = track_record(RULE, pd.Series(many, index=pd.date_range("2000-01-07", periods=28, freq="W-FRI")),
                       pd.Series(0.0, index=pd.date_range("2000-01-07", periods=28, freq="W-FRI")),
                       outcome_label="x", outcome_unit="pct")
    assert len(trm.episodes) == 12
    assert trm.episodes[0][0] == date(2000, 1, 7) + pd.Timedelta(weeks=5).to_pytimedelta()
    assert trm.episodes[-1][1] == date(2000, 1, 7) + pd.Timedelta(weeks=27).to_pytimedelta()


def test_every_declared_rule_is_well_formed():
    rules = all_rules()
    assert "curve_inversion" in rules
    for rid, r in rules.items():
        assert r.id == rid and len(r.scale) >= 2 and len(set(r.scale)) == len(r.scale)
        assert NO_DATA not in r.scale
        assert r.section and r.title
