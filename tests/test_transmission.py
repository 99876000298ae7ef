"""Section 1 rules (analytics/transmission.py): hand-built series at every threshold."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import transmission as at
from analytics.rules import NO_DATA, validate_params

AS_OF = date(2020, 6, 30)

CREDIT = {"expanding_at": 4.0, "contracting_below": 0.0, "easing_months": 12, "easing_bp": 50.0}
DEBT = {"debt_gdp_high": 100.0, "interest_gdp_high": 3.0, "household_dsr_high": 12.0}
LONG = {"partly_below": -1.0, "blocked_below": -2.5, "growth_quarters": 4}
INVEST = {"strong_at": 4.0, "weak_below": 0.0, "funding_months": 12}
OVERALL = {"transmits_below": 0.5, "blocked_at": 1.5}
JAPAN = {"long_yield_max": 1.0, "near_band": 0.75, "approach_fall": 0.25, "approach_score": 0.5,
         "persistence_years": 3, "persistence_share": 0.5, "policy_floor": 0.5, "inflation_max": 1.5,
         "credit_change_max": 0.0, "deep_score": 0.75}


def monthly(values, end="2020-06-01") -> pd.Series:
    idx = pd.date_range(end=end, periods=len(values), freq="MS")
    return pd.Series(np.asarray(values, dtype=float), index=idx)


def daily_const(value, start="2018-01-01", end="2020-06-30") -> pd.Series:
    idx = pd.bdate_range(start, end)
    return pd.Series(float(value), index=idx)


def loans_with_growth(last: float) -> pd.Series:
    """Monthly loans at 100 for a year, then ``last`` in the latest month: y/y growth = last - 100 (%)."""
    return monthly([100.0] * 13 + [last])


# --- helpers ----------------------------------------------------------------------------------


def test_yoy_growth_is_the_hand_computed_rate():
    s = monthly([100.0] * 12 + [103.0, 110.0])
    g = at.yoy_growth(s)
    # 2020-05: 103 / 100 - 1; 2020-06: 110 / 100 - 1
    assert g.loc["2020-05-01"] == pytest.approx(3.0)
    assert g.loc["2020-06-01"] == pytest.approx(10.0)
    assert g.index[0] == pd.Timestamp("2020-05-01")  # no growth before a full year exists


def test_yoy_growth_does_not_bridge_a_gap():
    s = monthly([100.0] * 14).drop(pd.Timestamp("2019-06-01"))
    assert pd.Timestamp("2020-06-01") not in at.yoy_growth(s).index


# --- 1. easing -> credit -----------------------------------------------------------------------


@pytest.mark.parametrize("last, state", [
    (104.0, "transmits"),   # growth exactly 4%: at the expansion threshold
    (103.99, "partly"),
    (100.0, "partly"),      # growth exactly 0: not below the contraction threshold
    (99.99, "blocked"),
])
def test_easing_credit_states_at_the_thresholds(last, state):
    v = at.evaluate_easing_credit(daily_const(1.0), loans_with_growth(last), params=CREDIT, as_of=AS_OF)
    assert v.state == state
    ev = {e.label: e.value for e in v.evidence}
    assert ev["business-loan growth (y/y)"] == pytest.approx(last - 100.0, abs=1e-9)


def test_easing_credit_weaker_measure_decides_and_cut_is_reported():
    policy = pd.concat([daily_const(2.0, "2018-01-01", "2019-06-28"), daily_const(0.25, "2019-07-01")])
    loans = loans_with_growth(108.0)
    bank = loans_with_growth(99.0)
    v = at.evaluate_easing_credit(policy, loans, bank, params=CREDIT, as_of=AS_OF)
    assert v.state == "blocked"
    assert "bank-credit growth" in v.headline and "175 bp of cuts" in v.headline
    ev = {e.label: e.value for e in v.evidence}
    assert ev["policy-rate change, 12 months"] == -175.0  # 0.25 - 2.00 pp
    states = at.easing_credit_states(loans, bank, params=CREDIT, dates=[pd.Timestamp(AS_OF)])
    assert states.iloc[0] == "blocked"


def test_easing_credit_without_current_loans_is_no_data():
    old = loans_with_growth(110.0).loc[:"2020-01-01"]  # last value five months before as-of
    v = at.evaluate_easing_credit(daily_const(1.0), old, params=CREDIT, as_of=AS_OF)
    assert v.state == NO_DATA and "business loans" in v.headline


def test_credit_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="contracting_below must be <= expanding_at"):
        at.evaluate_easing_credit(daily_const(1.0), loans_with_growth(104.0),
                                  params=CREDIT | {"contracting_below": 5.0}, as_of=AS_OF)


# --- 2. debt -----------------------------------------------------------------------------------


def quarterly(value, end="2020-01-01", n=8) -> pd.Series:
    return pd.Series(float(value), index=pd.date_range(end=end, periods=n, freq="QS"))


@pytest.mark.parametrize("debt, interest, dsr, state", [
    (99.9, 2.9, 11.9, "transmits"),
    (100.0, 2.9, 11.9, "partly"),     # exactly at the debt limit binds
    (100.0, 3.0, 11.9, "blocked"),
    (50.0, 3.0, 12.0, "blocked"),
])
def test_debt_burden_counts_binding_measures(debt, interest, dsr, state):
    gdp = quarterly(1000.0)
    v = at.evaluate_debt_burden(quarterly(debt), quarterly(interest * 10.0), gdp, quarterly(dsr),
                                params=DEBT, as_of=AS_OF)
    assert v.state == state
    ev = {e.label: e.value for e in v.evidence}
    assert ev["federal interest / GDP"] == pytest.approx(interest)  # 10 x interest / 1000 x 100


def test_debt_burden_with_one_measure_binding_alone_blocks():
    empty = pd.Series(dtype=float)
    v = at.evaluate_debt_burden(empty, empty, empty, quarterly(12.0), params=DEBT, as_of=AS_OF)
    assert v.state == "blocked" and "partial coverage" in v.note
    v = at.evaluate_debt_burden(empty, empty, empty, empty, params=DEBT, as_of=AS_OF)
    assert v.state == NO_DATA
    hist = at.debt_burden_states(empty, empty, empty, quarterly(12.0), params=DEBT,
                                 dates=[pd.Timestamp("2018-01-01"), pd.Timestamp(AS_OF)])
    assert list(hist) == [NO_DATA, "blocked"]


# --- 3. long end vs growth -----------------------------------------------------------------------


def gdp_growing_25pct() -> pd.Series:
    """Quarterly GDP whose every y/y growth rate is exactly 25% (values exact in binary)."""
    vals = [100.0 * 1.25 ** (i // 4) for i in range(16)]
    return pd.Series(vals, index=pd.date_range(end="2020-01-01", periods=16, freq="QS"))


@pytest.mark.parametrize("y10, state", [(24.0, "transmits"), (23.99, "partly"), (22.5, "partly"),
                                        (22.49, "blocked")])
def test_long_end_states_at_the_thresholds(y10, state):
    v = at.evaluate_long_end(daily_const(y10), gdp_growing_25pct(), params=LONG, as_of=AS_OF)
    assert v.state == state
    ev = {e.label: e.value for e in v.evidence}
    assert ev["nominal GDP growth, 4-quarter average of y/y"] == 25.0
    assert ev["yield minus growth"] == pytest.approx(y10 - 25.0)
    hist = at.long_end_states(daily_const(y10), gdp_growing_25pct(), params=LONG, dates=[pd.Timestamp(AS_OF)])
    assert hist.iloc[0] == state


def test_long_end_no_data_names_the_missing_input():
    v = at.evaluate_long_end(daily_const(2.0), pd.Series(dtype=float), params=LONG, as_of=AS_OF)
    assert v.state == NO_DATA and "nominal GDP" in v.headline


# --- 4. investment -----------------------------------------------------------------------------


@pytest.mark.parametrize("last, state", [(104.0, "transmits"), (103.99, "partly"), (100.0, "partly"),
                                         (99.99, "blocked")])
def test_investment_states_at_the_thresholds(last, state):
    inv = pd.Series([100.0] * 4 + [last], index=pd.date_range(end="2020-01-01", periods=5, freq="QS"))
    funding = pd.concat([daily_const(5.0, "2018-01-01", "2019-06-28"), daily_const(4.0, "2019-07-01")])
    v = at.evaluate_investment(inv, funding, params=INVEST, as_of=AS_OF)
    assert v.state == state
    ev = {e.label: e.value for e in v.evidence}
    assert ev["change in Baa yield, 12 months"] == -100.0
    assert v.headline.startswith("Funding costs have fallen")


# --- overall -------------------------------------------------------------------------------------


@pytest.mark.parametrize("answers, state", [
    ({"easing_credit": "transmits", "long_end_growth": "transmits"}, "transmits"),
    ({"easing_credit": "transmits", "long_end_growth": "partly"}, "partly"),          # mean 0.5: not below 0.5
    ({"easing_credit": "blocked", "long_end_growth": "transmits"}, "blocked"),        # credit blocked decides
    ({"easing_credit": "partly", "long_end_growth": "blocked", "debt_burden": "partly"}, "partly"),  # mean 1.33
    ({"easing_credit": "partly", "long_end_growth": "blocked"}, "blocked"),           # mean 1.5
    ({"easing_credit": NO_DATA, "long_end_growth": "transmits"}, "transmits"),
    ({"easing_credit": NO_DATA}, NO_DATA),
])
def test_overall_transmission_state(answers, state):
    assert at.transmission_state(answers, OVERALL) == state


def test_defaults_validate_against_the_declared_parameters():
    import tomllib
    from importlib import resources

    tables = tomllib.loads(resources.files("report").joinpath("defaults.toml").read_text())["rules"]
    for r in at.RULES:
        validate_params(r, tables[r.id])


# --- Japanification ----------------------------------------------------------------------------------


def country(long_vals, *, policy=None, prices=None, credit=None) -> at.CountryData:
    empty = pd.Series(dtype=float)
    return at.CountryData("xx", "Testland", monthly(long_vals), monthly(policy) if policy is not None else empty,
                          monthly(prices) if prices is not None else empty,
                          credit if credit is not None else empty)


def reading(c: at.CountryData, **over) -> at.JapanReading:
    return at.japanification_reading(c, params=JAPAN | over, as_of=AS_OF)


def test_long_yield_at_the_line_for_years_with_all_signs_is_deep():
    n = 48
    r = reading(country([1.0] * n, policy=[0.5] * n, prices=[100.0] * n))
    assert r.state == "deep"
    assert r.score == 1.0 and r.share_below == 1.0 and r.inflation == 0.0
    assert r.coverage == 3 and r.inputs == ("long yield", "policy rate", "inflation")


def test_deep_needs_the_score_and_the_persistence():
    n = 48
    # signs: long 1, persistence 1, policy 0.5 (within the band), inflation 0.5 -> mean 0.75 = deep_score
    prices = [100.0] * (n - 1) + [102.0]  # inflation 2.0%: within 1.5 + 0.75
    r = reading(country([1.0] * n, policy=[1.25] * n, prices=prices))
    assert r.points["policy"] == 0.5 and r.points["inflation"] == 0.5 and r.score == 0.75
    assert r.state == "deep"
    r = reading(country([1.0] * n, policy=[1.26] * n, prices=prices))  # policy 0 -> mean 0.625
    assert r.state == "in"
    # persistence: 18 of the last 36 months at the line = share 0.5 = persistence_share -> met
    r = reading(country([2.0] * 30 + [1.0] * 18))
    assert r.share_below == 0.5 and r.points["persistence"] == 1.0 and r.state == "deep"
    r = reading(country([2.0] * 31 + [1.0] * 17))
    assert r.points["persistence"] == 0.5 and r.state == "in"


@pytest.mark.parametrize("vals, state", [
    ([2.0] * 36 + [1.75] * 12, "approaching"),   # 1.75 = line + band, and down 0.25 pp over 12 months
    ([1.75] * 48, "clear"),                      # near but flat, no other signs (score 0.25)
    ([2.0] * 36 + [1.76] * 12, "clear"),         # above the band
    ([1.01] * 48, "clear"),
    ([1.75] * 47 + [1.0], "in"),
])
def test_approaching_and_in(vals, state):
    assert reading(country(vals)).state == state


def test_near_long_yield_with_other_signs_present_is_approaching():
    n = 48
    r = reading(country([1.75] * n, policy=[0.0] * n, prices=[100.0] * n))
    # long 0.5, persistence 0, policy 1, inflation 1 -> 0.625 >= approach_score
    assert r.score == pytest.approx(0.625) and r.state == "approaching"


def test_weak_credit_sign_uses_the_three_year_change_of_credit_to_gdp():
    q = pd.Series([150.0] * 12 + [150.75], index=pd.date_range(end="2020-01-01", periods=13, freq="QS"))
    r = reading(country([3.0] * 48, credit=q))
    assert r.credit_chg == pytest.approx(0.75) and r.points["credit"] == 0.5 and r.coverage == 2


def test_no_long_yield_is_no_data():
    r = reading(country([], policy=[0.0] * 48))
    assert r.state == NO_DATA and r.score == 1.0  # the other signs still score, the state needs the yield


def test_history_uses_only_data_known_on_each_date():
    vals = [3.0] * 40 + [0.5] * 8
    c = country(vals)
    dates = pd.DatetimeIndex(["2019-09-30", "2020-06-30"])
    h = at.japanification_history(c, params=JAPAN, dates=dates)
    assert list(h["state"]) == ["clear", "in"]
    # the later fall does not change the earlier reading
    c2 = country(vals[:40])
    h2 = at.japanification_history(c2, params=JAPAN, dates=dates[:1])
    assert h2["state"].iloc[0] == h["state"].iloc[0] and h2["score"].iloc[0] == h["score"].iloc[0]


def test_japanification_verdict_reads_the_home_economy():
    n = 48
    us = at.JapanReading("us", "United States", "clear", 0.0, 1, ("long yield",), 2.5, 0.0, 0.0, None, None, None,
                         {})
    de = at.japanification_reading(country([0.0] * n), params=JAPAN, as_of=AS_OF)
    de = at.JapanReading(**{**de.__dict__, "code": "de", "name": "Germany"})
    v = at.evaluate_japanification([us, de], params=JAPAN, as_of=AS_OF)
    assert v.state == "clear" and v.rule_id == "japanification"
    assert "deep: Germany" in v.headline
    v = at.evaluate_japanification([de], params=JAPAN, as_of=AS_OF)
    assert v.state == NO_DATA


def test_monthly_mean_by_hand_and_monthly_series_untouched():
    idx = pd.to_datetime(["2024-01-02", "2024-01-31", "2024-02-15"])
    m = at.monthly_mean(pd.Series([1.0, 2.0, 5.0], index=idx))
    assert m.to_dict() == {pd.Timestamp("2024-01-01"): 1.5, pd.Timestamp("2024-02-01"): 5.0}
    s = monthly([1.0, 2.0, 3.0])
    assert at.monthly_mean(s).equals(s)


def test_vectorised_overall_state_agrees_with_the_single_date_rule():
    scale = [*at.SCALE, NO_DATA]
    rng = np.random.default_rng(9)
    idx = pd.date_range("2020-01-03", periods=200, freq="W-FRI")
    answers = {rid: pd.Series(rng.choice(scale, len(idx)), index=idx)
               for rid in ("easing_credit", "debt_burden", "long_end_growth", "investment_response")}
    hist = at.transmission_states(answers, OVERALL)
    for i in range(len(idx)):
        assert hist.iloc[i] == at.transmission_state({k: v.iloc[i] for k, v in answers.items()}, OVERALL)


def test_a_bad_threshold_is_rejected_with_the_key_and_the_reason():
    from report.config import default_config
    from report.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[rules.japanification\] near_band: must be >= 0.0; got -0.5"):
        default_config(rules={"japanification": {"near_band": -0.5}})
    with pytest.raises(ConfigError, match=r"\[sections.timevalue\] vol_loss_budget: must be <= 0.5; got 0.9"):
        default_config(sections={"timevalue": {"vol_loss_budget": 0.9}})
