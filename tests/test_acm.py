"""ACM estimator on a known affine model; the 10-year split, its attribution and the driver verdict."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.rules import NO_DATA, all_rules, validate_params
from analytics.termpremium import (
    ASSET_MAP,
    RULES,
    TP_DRIVER_RULE,
    acm_apply,
    attribute_changes,
    decompose_yield,
    estimate_acm,
    evaluate_tp_driver,
    month_end,
    tp_driver_states,
)

DEFAULTS = Path(__file__).resolve().parents[1] / "report" / "defaults.toml"

# --- a Gaussian affine model, priced here by its own recursions ------------------------------

K = 3
PHI_Q = np.diag([0.995, 0.95, 0.85])
LAMBDA1 = np.array([[-0.03, 0.0, 0.0], [0.0, -0.03, 0.0], [0.01, 0.0, -0.05]])
PHI = PHI_Q + LAMBDA1  # physical persistence below the risk-neutral one
MEAN_P = np.array([0.003, 0.0005, 0.0])  # per month, decimal
MEAN_Q = np.array([0.0042, 0.0005, 0.0])
MU = (np.eye(K) - PHI) @ MEAN_P
MU_Q = (np.eye(K) - PHI_Q) @ MEAN_Q
CHOL = 0.0002 * np.eye(K)
DELTA1 = np.ones(K)  # short rate = sum of the factors


def _yield_loadings(mu_q, phi_q, n_max):
    """Yield loadings a_n, b_n (percent per year) under drift mu_q and persistence phi_q.

    log P(n) = A_n + B_n'X with A_{n+1} = A_n + B_n' mu_q + B_n' S B_n / 2 - delta0 and
    B_{n+1}' = B_n' phi_q - delta1' (delta0 = 0): the textbook discrete-time Gaussian model.
    """
    S = CHOL @ CHOL.T
    A, B = 0.0, np.zeros(K)
    a, b = [], []
    for n in range(1, n_max + 1):
        A = A + B @ mu_q + 0.5 * B @ S @ B
        B = phi_q.T @ B - DELTA1
        a.append(-A / n * 1200)
        b.append(-B / n * 1200)
    return np.array(a), np.array(b)


def _simulate(T, seed, noise=0.01):
    rng = np.random.default_rng(seed)
    x = np.empty((T, K))
    x[0] = MEAN_P
    for t in range(1, T):
        x[t] = MU + PHI @ x[t - 1] + CHOL @ rng.standard_normal(K)
    a, b = _yield_loadings(MU_Q, PHI_Q, 120)
    a_rn, b_rn = _yield_loadings(MU, PHI, 120)  # expectations under the physical measure
    y = a + x @ b.T
    tp = y - (a_rn + x @ b_rn.T)
    idx = pd.date_range("1000-01-31", periods=T, freq="ME", unit="s")
    cols = list(range(1, 121))
    noisy = y + noise * rng.standard_normal(y.shape)
    return pd.DataFrame(noisy, index=idx, columns=cols), pd.DataFrame(tp, index=idx, columns=cols)


@pytest.fixture(scope="module")
def simulated():
    yields, tp = _simulate(20000, seed=11)
    return yields, tp, estimate_acm(yields, n_factors=K)


def test_recovers_the_true_term_premium(simulated):
    yields, tp, res = simulated
    assert tp[120].std() > 0.3  # the premium moves: recovering it is not trivial
    for n in (24, 60, 120):
        err = res.term_premium[n] - tp[n]
        assert np.corrcoef(res.term_premium[n], tp[n])[0, 1] >= 0.995
        assert np.sqrt(np.mean(err**2)) <= 0.10  # percentage points
    # the model prices the cross-section to the measurement noise (1 bp)
    assert res.pricing_rmse_bp.loc[[12, 60, 120]].max() < 1.5


def test_estimation_error_shrinks_with_the_sample():
    errs = []
    for T in (600, 20000):
        yields, tp = _simulate(T, seed=5)
        res = estimate_acm(yields, n_factors=K)
        errs.append(float(np.sqrt(np.mean((res.term_premium[120] - tp[120]) ** 2))))
    assert errs[1] < errs[0]


def test_one_month_premium_is_zero_and_parts_add_up(simulated):
    _, _, res = simulated
    assert_allclose(res.term_premium[1], 0.0, atol=1e-12)
    assert_allclose(res.fitted - res.risk_neutral, res.term_premium, atol=1e-12)


def test_apply_reproduces_the_estimation_sample(simulated):
    yields, _, res = simulated
    again = acm_apply(res.model, yields.iloc[-300:])
    assert_allclose(again.term_premium.to_numpy(), res.term_premium.iloc[-300:].to_numpy(), atol=1e-12)
    assert res.model.n_obs == 20000 and res.model.n_factors == K


def test_estimator_input_errors():
    yields, _ = _simulate(200, seed=1)
    with pytest.raises(ValueError, match="one observation per consecutive month"):
        estimate_acm(yields.drop(yields.index[50]), n_factors=3)
    with pytest.raises(ValueError, match="missing maturity column"):
        estimate_acm(yields.drop(columns=[60]), n_factors=3)
    bad = yields.copy()
    bad.iloc[10, 5] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        estimate_acm(bad, n_factors=3)
    with pytest.raises(ValueError, match="n_factors must be a positive integer"):
        estimate_acm(yields, n_factors=0)
    with pytest.raises(TypeError, match="indexed by date"):
        estimate_acm(yields.reset_index(drop=True))


def test_month_end_keeps_last_row_and_drops_cut_months():
    idx = pd.to_datetime(["2024-01-15", "2024-01-31", "2024-02-27", "2024-03-05"])
    f = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]}, index=idx)
    out = month_end(f)
    assert list(out.index) == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-27")]
    assert list(out["v"]) == [2.0, 3.0]


# --- the split and its attribution ---------------------------------------------------------


def _split_inputs(days=400, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-01-01", periods=days)
    rn = pd.Series(3.5 + np.cumsum(rng.normal(0, 0.02, days)), idx)
    tp = pd.Series(0.5 + np.cumsum(rng.normal(0, 0.02, days)), idx)
    bei = pd.Series(2.3 + np.cumsum(rng.normal(0, 0.01, days)), idx)
    obs = rn + tp + rng.normal(0, 0.03, days)
    return obs, rn, tp, bei


def test_decomposition_adds_up():
    obs, rn, tp, bei = _split_inputs()
    d = decompose_yield(obs, rn, tp, breakeven=bei)
    f = d.frame
    assert_allclose(f["expected_real"] + f["expected_inflation"] + f["term_premium"] + f["residual"], f["observed"],
                    atol=1e-12)
    assert_allclose(f["expected_real"], rn - bei, atol=1e-12)
    assert d.has_inflation and d.n_obs == len(obs)


def test_attribution_over_each_horizon():
    obs, rn, tp, bei = _split_inputs()
    d = decompose_yield(obs, rn, tp, breakeven=bei)
    as_of = date(2025, 6, 20)  # a Friday
    atts = {a.horizon: a for a in attribute_changes(d, as_of=as_of)}
    assert set(atts) == {"1w", "1m", "3m", "ytd"}
    assert atts["1w"].end == as_of and atts["1w"].start == date(2025, 6, 13)
    assert atts["1m"].start == date(2025, 5, 20)
    assert atts["ytd"].start == date(2024, 12, 31)
    for a in atts.values():
        assert_allclose(sum(a.contributions_bp.values()), a.change_bp, atol=1e-9)
        expected = (obs.loc[pd.Timestamp(a.end)] - obs.loc[pd.Timestamp(a.start)]) * 100
        assert_allclose(a.change_bp, expected, atol=1e-9)
        mags = {k: abs(a.contributions_bp[k]) for k in ("expected_real", "expected_inflation", "term_premium")}
        assert a.dominant == max(mags, key=mags.get)
        assert_allclose(a.dominant_share, mags[a.dominant] / sum(mags.values()), rtol=1e-12)


def test_two_way_split_without_breakevens():
    obs, rn, tp, _ = _split_inputs()
    d = decompose_yield(obs, rn, tp)
    (a,) = attribute_changes(d, as_of=date(2025, 6, 20), horizons=["1m"])
    assert not a.has_inflation
    assert set(a.contributions_bp) == {"expected_short", "term_premium", "residual"}
    with pytest.raises(ValueError, match="horizons: unknown"):
        attribute_changes(d, as_of=date(2025, 6, 20), horizons=["2w"])


# --- the verdict ---------------------------------------------------------------------------

PARAMS = {"horizon": "1m", "min_move_bp": 10.0, "dominance_share": 0.5, "max_staleness_days": 10}


def _scenario(d_real=0.0, d_infl=0.0, d_tp=0.0, d_resid=0.0):
    """Each part moves linearly by the given amounts (percentage points) over the month to
    2025-06-30 and is flat before."""
    idx = pd.bdate_range("2025-03-03", "2025-06-30")
    t0, t1 = pd.Timestamp("2025-05-30"), pd.Timestamp("2025-06-30")
    w = np.clip((idx - t0) / (t1 - t0), 0.0, 1.0)
    bei = pd.Series(2.3 + d_infl * w, idx)
    rn = pd.Series(4.0 + (d_real + d_infl) * w, idx)
    tp = pd.Series(0.6 + d_tp * w, idx)
    return decompose_yield(rn + tp + d_resid * w, rn, tp, breakeven=bei)


@pytest.mark.parametrize(
    ("moves", "state", "words"),
    [
        ((0.25, 0.03, 0.02), "real-rate led", ["rose", "bearish for gold", "bullish for U.S. stocks"]),
        ((0.02, 0.03, 0.30), "term-premium led", ["rose", "bullish for gold", "bearish for U.S. stocks"]),
        ((0.0, -0.20, -0.05), "inflation led", ["fell", "bearish for gold"]),
        ((0.10, 0.02, 0.10), "mixed", ["no single driver"]),
        ((0.02, 0.01, 0.02), "small move", ["too small"]),
        ((0.0, 0.0, -0.15, 0.30), "mixed", ["no single driver"]),  # the leader must move with the yield
    ],
)
def test_verdict_states(moves, state, words):
    v = evaluate_tp_driver(_scenario(*moves), as_of=date(2025, 6, 30), params=PARAMS)
    assert v.state == state
    for w in words:
        assert w in v.headline
    assert v.rule_id == "tp_driver" and v.section == "termpremium"
    ev = {e.label: e.value for e in v.evidence}
    assert_allclose(ev["term premium, change"], moves[2] * 100, rtol=1e-9)
    assert_allclose(ev["change over 1m"], sum(moves) * 100, rtol=1e-9)


def test_asset_map_follows_the_framework():
    assert ASSET_MAP[("expected_real", "up")] == ("bearish", "bullish")
    assert ASSET_MAP[("term_premium", "up")] == ("bullish", "bearish")


def test_no_data_and_stale():
    assert evaluate_tp_driver(None, as_of=date(2025, 6, 30), params=PARAMS).state == NO_DATA
    obs, rn, tp, _ = _split_inputs()
    v = evaluate_tp_driver(decompose_yield(obs, rn, tp), as_of=date(2025, 6, 30), params=PARAMS)
    assert v.state == NO_DATA and "breakeven" in v.headline
    stale = evaluate_tp_driver(_scenario(0.3), as_of=date(2025, 8, 29), params=PARAMS)
    assert stale.stale and stale.state == "real-rate led"


def test_states_over_dates():
    d = _scenario(0.0, 0.0, 0.3)
    s = tp_driver_states(d, pd.to_datetime(["2025-02-28", "2025-04-30", "2025-06-30"]), params=PARAMS)
    assert list(s) == [NO_DATA, "small move", "term-premium led"]


def test_rule_is_declared_and_configured():
    assert RULES == (TP_DRIVER_RULE,)
    assert all_rules()["tp_driver"] is TP_DRIVER_RULE
    assert TP_DRIVER_RULE.scale[0] == "small move" and TP_DRIVER_RULE.scale[-1] == "term-premium led"
    table = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))["rules"]["tp_driver"]
    assert validate_params(TP_DRIVER_RULE, table) == PARAMS


@pytest.mark.parametrize("horizon", ["1w", "1m", "3m", "ytd"])
def test_vectorised_states_match_the_verdict(horizon):
    obs, rn, tp, bei = _split_inputs(days=700, seed=4)
    bei.iloc[:40] = np.nan  # breakevens start later
    d = decompose_yield(obs, rn, tp, breakeven=bei)
    params = {**PARAMS, "horizon": horizon, "min_move_bp": 5.0}
    dates = pd.date_range("2023-12-01", "2026-09-30", freq="W-FRI")
    vec = tp_driver_states(d, dates, params=params)
    one = [evaluate_tp_driver(d, as_of=t.date(), params=params).state for t in dates]
    assert list(vec) == one
    assert {"small move", "mixed"} & set(one) and NO_DATA in one


def test_daily_start_fits_month_ends_only_before_it_and_gives_the_same_model():
    """Month-end curves are all the estimation uses, and each date is fitted on its own, so
    fitting only month-ends before ``daily_start`` changes nothing but the daily span."""
    import pandas as pd

    from analytics import nss
    from analytics.termpremium import acm_from_cmt

    rng = np.random.default_rng(11)
    days = pd.bdate_range("1995-01-02", "2012-12-31")
    n = len(days)
    params = np.column_stack([5.0 + np.cumsum(rng.normal(0, 0.02, n)), -1.5 + np.cumsum(rng.normal(0, 0.02, n)),
                              np.full(n, 0.8), np.full(n, -0.5), np.full(n, 1.6), np.full(n, 9.0)])
    mats = np.array([0.25, 0.5, 1, 2, 3, 5, 7, 10, 20, 30], dtype=float)
    cmt = pd.DataFrame(np.round(nss.nss_par(params, mats), 3), index=days, columns=mats)
    full = acm_from_cmt(cmt, estimation_start="1995-01-01", n_factors=3)
    part = acm_from_cmt(cmt, estimation_start="1995-01-01", n_factors=3, daily_start="2010-01-04")
    np.testing.assert_allclose(part.acm.term_premium[120], full.acm.term_premium[120], atol=1e-10)
    d_full = full.daily.term_premium[120].loc["2010-01-04":]
    np.testing.assert_allclose(part.daily.term_premium[120].loc["2010-01-04":], d_full, atol=1e-10)
    assert part.daily.term_premium[120].index[0] < pd.Timestamp("2010-01-01")  # month-ends before it
    assert len(part.daily.term_premium[120].loc[:"2009-12-31"]) == 15 * 12
