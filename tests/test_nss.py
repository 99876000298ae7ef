"""Nelson-Siegel-Svensson curves: closed forms, parameter recovery, history fits, GSW parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _reference import csv_value
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate
from scipy.optimize import least_squares

from analytics import nss
from analytics.nss import (
    PARAM_NAMES,
    NSSParams,
    cmt_to_zero,
    fit_nss,
    fit_nss_history,
    gsw_zero_yields,
    nss_discount,
    nss_forward,
    nss_par,
    nss_zero,
    zero_curve_history,
)

TRUE = NSSParams(beta0=4.6, beta1=-1.2, beta2=-1.8, beta3=2.4, tau1=1.4, tau2=9.0)
TENORS = np.array([1 / 12, 0.25, 0.5, 1, 2, 3, 5, 7, 10, 20, 30])

betas = st.floats(-8, 8, allow_nan=False)
taus = st.floats(0.2, 25, allow_nan=False)


def _hand_zero(p: NSSParams, m):
    """The Svensson formula written out directly (independent of the module)."""
    m = np.asarray(m, dtype=float)
    x1, x2 = m / p.tau1, m / p.tau2
    g1 = (1 - np.exp(-x1)) / x1
    g2 = (1 - np.exp(-x2)) / x2
    return p.beta0 + p.beta1 * g1 + p.beta2 * (g1 - np.exp(-x1)) + p.beta3 * (g2 - np.exp(-x2))


# --- closed forms --------------------------------------------------------------------------


def test_only_beta0_is_flat():
    p = NSSParams(3.7, 0.0, 0.0, 0.0, 2.0, 11.0)
    m = np.array([1e-6, 0.1, 1, 5, 30, 100])
    assert_allclose(nss_zero(p, m), 3.7, rtol=0, atol=1e-13)
    assert_allclose(nss_forward(p, m), 3.7, rtol=0, atol=1e-13)
    # a flat continuous rate z has the semiannual par yield 200 (e^{z/200} - 1) at every maturity
    assert_allclose(nss_par(p, [1, 2, 10, 30]), 200 * (np.exp(3.7 / 200) - 1), rtol=0, atol=1e-12)


@given(b0=betas, b1=betas, b2=betas, b3=betas, t1=taus, t2=taus)
def test_short_end_limit_is_beta0_plus_beta1(b0, b1, b2, b3, t1, t2):
    p = NSSParams(b0, b1, b2, b3, t1, t2)
    assert_allclose(nss_zero(p, [1e-9])[0], b0 + b1, atol=1e-6)
    assert_allclose(nss_forward(p, [1e-9])[0], b0 + b1, atol=1e-6)


@given(b0=betas, b1=betas, b2=betas, b3=betas, t1=st.floats(0.2, 5), t2=st.floats(0.2, 5))
def test_long_end_limit_is_beta0(b0, b1, b2, b3, t1, t2):
    p = NSSParams(b0, b1, b2, b3, t1, t2)
    assert_allclose(nss_forward(p, [500.0])[0], b0, atol=1e-9)
    assert_allclose(nss_zero(p, [1e6])[0], b0, atol=1e-4)


def test_zero_matches_the_formula_and_is_the_average_forward():
    m = np.array([0.1, 0.5, 2, 7, 15, 30])
    assert_allclose(nss_zero(TRUE, m), _hand_zero(TRUE, m), rtol=1e-13)
    for mi in m:
        avg = integrate.quad(lambda s: float(nss_forward(TRUE, [s])[0]), 0, mi, epsabs=1e-12)[0] / mi
        assert_allclose(float(nss_zero(TRUE, [mi])[0]), avg, rtol=1e-9)


def test_nelson_siegel_is_svensson_with_zero_beta3():
    ns = NSSParams(4.0, -1.0, 2.0, 0.0, 1.5)
    assert not ns.is_svensson
    assert_allclose(ns.zero(TENORS), NSSParams(4.0, -1.0, 2.0, 0.0, 1.5, 7.0).zero(TENORS), rtol=1e-14)


def test_par_yield_prices_the_bond_at_par():
    for T in (2.0, 5.0, 10.0, 30.0, 2.75):
        c = float(nss_par(TRUE, [T])[0])
        t = np.sort(T - 0.5 * np.arange(int(np.floor(T * 2 + 1e-9)) + 1))
        t = t[t > 1e-9]
        disc = np.exp(-_hand_zero(TRUE, t) * t / 100)
        accrued = c * (0.5 - t[0])  # time since the last (notional) coupon date
        clean = (c / 2 * disc.sum() + 100 * disc[-1]) - accrued
        assert_allclose(clean, 100.0, rtol=1e-12)


def test_discount_factor():
    assert_allclose(nss_discount(TRUE, [10.0]), np.exp(-_hand_zero(TRUE, [10.0]) * 10 / 100), rtol=1e-14)


def test_cmt_bill_conversion_by_hand():
    # 3-month bill at 5% bond-equivalent: simple interest -> continuous
    assert_allclose(cmt_to_zero([0.25], [5.0]), [400 * np.log(1 + 0.05 * 0.25)], rtol=1e-14)
    # 1-year bill at 5%: semiannual compounding -> continuous
    assert_allclose(cmt_to_zero([1.0], [5.0]), [200 * np.log(1.025)], rtol=1e-14)
    with pytest.raises(ValueError, match="at most one year"):
        cmt_to_zero([2.0], [5.0])


# --- parameter recovery --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zero", "par"])
def test_fit_recovers_known_parameters(kind):
    tenors = np.array([0.25, 0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30])
    y = nss_zero(TRUE, tenors) if kind == "zero" else nss_par(TRUE, tenors)
    fit = fit_nss(tenors, y, kind=kind, ridge=0.0)
    assert fit.model == "NSS"
    assert_allclose(fit.params.to_array(), TRUE.to_array(), atol=1e-4)
    assert fit.rmse_bp < 1e-4


def test_fit_of_cmt_quotes_generated_from_a_curve():
    bills = TENORS[TENORS <= 1]
    zero_bills = nss_zero(TRUE, bills)
    # invert the bond-equivalent conventions by hand
    bey = np.where(bills <= 0.5, (np.exp(zero_bills * bills / 100) - 1) / bills * 100,
                   200 * (np.exp(zero_bills / 200) - 1))
    quotes = np.concatenate([bey, nss_par(TRUE, TENORS[TENORS > 1])])
    fit = fit_nss(TENORS, quotes, kind="cmt", ridge=0.0)
    assert fit.kinds == ("zero",) * 4 + ("par",) * 7
    assert_allclose(fit.params.zero(np.arange(1, 121) / 12), TRUE.zero(np.arange(1, 121) / 12), atol=1e-4)


def test_noisy_fit_stays_close_and_reports_residuals():
    rng = np.random.default_rng(3)
    y = nss_par(TRUE, TENORS) + rng.normal(0, 0.03, len(TENORS))
    fit = fit_nss(TENORS, y, kind="par")
    assert fit.rmse_bp < 3.0
    assert_allclose(fit.rmse_bp, np.sqrt(np.mean(np.square(fit.residuals_bp))), rtol=1e-12)
    assert np.abs(fit.params.zero([2, 5, 10]) - TRUE.zero([2, 5, 10])).max() < 0.05


def test_nelson_siegel_where_too_few_yields():
    tenors = np.array([1.0, 3, 5, 10, 20])
    ns = NSSParams(5.0, -1.0, 1.0, 0.0, 2.0)
    fit = fit_nss(tenors, ns.zero(tenors), kind="zero", ridge=0.0)
    assert fit.model == "NS" and np.isnan(fit.params.tau2)
    assert_allclose(fit.params.to_array()[:5], ns.to_array()[:5], atol=1e-4)
    with pytest.raises(ValueError, match="needs at least 5"):
        fit_nss(tenors[:4], ns.zero(tenors[:4]), kind="zero")


# --- histories -----------------------------------------------------------------------------


def _history_frame(n_days=60, seed=0):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=n_days)
    params = []
    rows = []
    for i in range(n_days):
        p = NSSParams(4.5 + 0.01 * i, -1.0 + rng.normal(0, 0.2), -1.5, 2.0, 1.3, 9.0)
        params.append(p)
        rows.append(nss_zero(p, TENORS))
    return pd.DataFrame(rows, index=dates, columns=list(TENORS)), params


def test_history_fits_each_date_on_the_tenors_it_has():
    frame, params = _history_frame()
    frame.iloc[10:20, 0] = np.nan  # 1-month missing: still NSS
    frame.iloc[30:35, [0, 1, 2, 5, 9]] = np.nan  # six tenors left: Nelson-Siegel
    frame.iloc[40, 1:] = np.nan  # one tenor: skipped
    hist = fit_nss_history(frame, kind="zero", ridge=0.0)
    assert hist.skipped == (frame.index[40],)
    assert (hist.model.iloc[30:35] == "NS").all() and (hist.model.drop(hist.model.index[30:35]) == "NSS").all()
    assert hist.n_obs.loc[frame.index[15]] == 10
    months = np.arange(1, 121) / 12
    # the decays are searched on a grid: exact curves are matched to a fraction of a basis point
    for i in (0, 15, 59):
        assert_allclose(nss_zero(hist.params.loc[frame.index[i]].to_numpy(), months), params[i].zero(months),
                        atol=5e-3)
    assert hist.rmse_bp.drop(hist.rmse_bp.index[30:35]).max() < 0.5


def test_history_refinement_recovers_parameters():
    frame, params = _history_frame(n_days=4)
    hist = fit_nss_history(frame, kind="zero", ridge=0.0, refine=True)
    assert hist.refined
    assert_allclose(hist.params.to_numpy(), np.vstack([p.to_array() for p in params]), atol=1e-4)
    assert list(hist.params.columns) == list(PARAM_NAMES)


# --- the refinement's bounded least squares ---------------------------------------------------


def test_box_least_squares_solves_a_linear_problem_like_lstsq():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(12, 4)), rng.normal(size=12)
    big = np.full(4, np.inf)
    x = nss._least_squares_in_box(lambda v: a @ v - b, np.zeros(4), -big, big)
    assert_allclose(x, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-6, atol=1e-8)


def test_box_least_squares_stops_on_a_bound_where_the_minimum_lies_beyond_it():
    # residuals (x0 + x1 - 2, x0 - x1, x1 - 3): unconstrained minimum (1, 5/3); with x1 <= 1 the
    # convex objective is least on that bound, where d/dx0 = 4 x0 - 4 = 0 gives x0 = 1
    def fun(v):
        return np.array([v[0] + v[1] - 2.0, v[0] - v[1], v[1] - 3.0])

    free = nss._least_squares_in_box(fun, np.zeros(2), np.full(2, -np.inf), np.full(2, np.inf))
    assert_allclose(free, [1.0, 5.0 / 3.0], atol=1e-7)
    bounded = nss._least_squares_in_box(fun, np.zeros(2), np.array([-np.inf, -np.inf]), np.array([np.inf, 1.0]))
    assert_allclose(bounded, [1.0, 1.0], atol=1e-7)


def test_box_least_squares_on_rosenbrock_inside_and_against_a_bound():
    # Rosenbrock's residuals (10 (x1 - x0^2), 1 - x0): minimum (1, 1); with x0 <= 0.5 the first
    # residual can still be zero (x1 = x0^2) and the second is least at x0 = 0.5: (0.5, 0.25)
    def fun(v):
        return np.array([10.0 * (v[1] - v[0] ** 2), 1.0 - v[0]])

    start, inf = np.array([-1.2, 1.0]), np.full(2, np.inf)
    assert_allclose(nss._least_squares_in_box(fun, start, -inf, inf), [1.0, 1.0], atol=1e-6)
    x = nss._least_squares_in_box(fun, start, -inf, np.array([0.5, np.inf]))
    assert_allclose(x, [0.5, 0.25], atol=1e-6)


def test_refinement_never_leaves_a_fit_worse_than_its_grid_start():
    rng = np.random.default_rng(11)
    for _ in range(25):
        true = NSSParams(beta0=rng.uniform(2, 7), beta1=rng.uniform(-4, 2), beta2=rng.uniform(-4, 4),
                         beta3=rng.uniform(-3, 3), tau1=rng.uniform(0.3, 4), tau2=rng.uniform(5, 25))
        quotes = nss_par(true, TENORS) + rng.normal(0, 0.04, len(TENORS))
        grid, refined = (fit_nss(TENORS, quotes, kind="par", refine=r) for r in (False, True))

        def objective(f):  # squared errors (percent) plus the ridge penalty, as fitted
            p = f.params
            return np.sum(np.square(f.residuals_bp)) / 1e4 + 1e-5 * (p.beta1**2 + p.beta2**2 + p.beta3**2)

        assert objective(refined) <= objective(grid) * (1 + 1e-12)
        assert 0.15 <= refined.params.tau1 <= 8.0 and 0.5 <= refined.params.tau2 <= 30.0


@settings(max_examples=20, deadline=None)
@given(shift=st.floats(-3, 3, allow_nan=False))
def test_history_zero_fit_is_shift_equivariant(shift):
    """Adding c to every zero yield adds c to beta0 and leaves the rest (beta0 is unpenalised)."""
    frame, _ = _history_frame(n_days=5)
    base = fit_nss_history(frame, kind="zero").params
    moved = fit_nss_history(frame + shift, kind="zero").params
    assert_allclose(moved["beta0"] - base["beta0"], shift, atol=1e-8)
    assert_allclose(moved.drop(columns="beta0"), base.drop(columns="beta0"), atol=1e-8)


def test_zero_curve_history_columns_are_months():
    frame, params = _history_frame(n_days=3)
    hist = fit_nss_history(frame, kind="zero", ridge=0.0)
    z = zero_curve_history(hist.params, months=[1, 24, 120])
    assert list(z.columns) == [1, 24, 120]
    assert_allclose(z.iloc[0].to_numpy(), params[0].zero([1 / 12, 2, 10]), atol=5e-3)


def test_zero_curve_history_equals_each_curve_evaluated_on_its_own():
    """Curves sharing decay pairs (and Nelson-Siegel rows): the same numbers as evaluating every
    row's loadings (exactly) and as each curve on its own (to rounding)."""
    rng = np.random.default_rng(7)
    n = 300
    p = np.column_stack([rng.normal(4, 1, n), rng.normal(-1, 1, n), rng.normal(0, 1, n), rng.normal(0, 1, n),
                         rng.choice([0.4, 1.3, 2.5], n), rng.choice([np.nan, 4.0, 9.0], n)])
    p[np.isnan(p[:, 5]), 3] = 0.0
    params = pd.DataFrame(p, index=pd.date_range("2001-01-01", periods=n), columns=list(PARAM_NAMES))
    months = np.array([1, 6, 24, 120, 360])
    z = zero_curve_history(params, months=months)
    np.testing.assert_array_equal(z.to_numpy(), nss_zero(params, months / 12))
    for i in (0, 1, 77, n - 1):
        assert_allclose(z.iloc[i].to_numpy(), NSSParams.from_array(p[i]).zero(months / 12), rtol=1e-14, atol=0)


def test_history_fit_does_not_depend_on_how_dates_are_chunked(monkeypatch):
    import analytics.nss as nss_module

    frame, _ = _history_frame(n_days=60)
    cmt = frame.copy()
    cmt.iloc[:, 4:] = nss_par(np.vstack([NSSParams(4.5 + 0.01 * i, -1.0, -1.5, 2.0, 1.3, 9.0).to_array()
                                         for i in range(60)]), TENORS[4:])
    base = fit_nss_history(cmt, kind="cmt")
    monkeypatch.setattr(nss_module, "_CHUNK_ELEMENTS", 1)  # one date per grid-search block
    one_by_one = fit_nss_history(cmt, kind="cmt")
    pd.testing.assert_frame_equal(one_by_one.params, base.params)
    assert len(base.params) == 60 and (base.model == "NSS").all()


def test_input_errors():
    frame, _ = _history_frame(n_days=3)
    with pytest.raises(ValueError, match="kind must be one of"):
        fit_nss_history(frame, kind="forward")
    with pytest.raises(TypeError, match="indexed by date"):
        fit_nss_history(frame.reset_index(drop=True))
    with pytest.raises(ValueError, match="columns must be maturities"):
        fit_nss_history(frame.rename(columns=str).add_prefix("y"))
    with pytest.raises(ValueError, match="tau_ratio must be >= 1"):
        fit_nss_history(frame, tau_ratio=0.5)
    with pytest.raises(ValueError, match="model must be one of"):
        fit_nss(TENORS, nss_zero(TRUE, TENORS), model="cubic")
    with pytest.raises(ValueError, match="maturities must be finite and > 0"):
        fit_nss([-1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="tau1 must be > 0"):
        NSSParams(1, 1, 1, 1, 0.0, 2.0)


# --- GSW parameters ------------------------------------------------------------------------


def test_gsw_parameters_to_zero_yields():
    """A hand-written excerpt in the layout of the Fed's feds200628 file (its parameter columns;
    the Nelson-Siegel era leaves BETA3/TAU2 empty or at the file's -999.99 code)."""
    gsw = pd.DataFrame(
        {
            "BETA0": [4.05, 5.10, 3.90],
            "BETA1": [-0.52, -1.10, 1.20],
            "BETA2": [-1.40, 0.80, -3.10],
            "BETA3": [np.nan, -999.99, 6.75],
            "TAU1": [1.83, 0.95, 1.12],
            "TAU2": [np.nan, -999.99, 9.71],
            "SVENY01": [1.0, 2.0, 3.0],  # other columns of the file are ignored
        },
        index=pd.to_datetime(["1975-06-30", "1979-01-02", "2019-06-28"]),
    )
    z = gsw_zero_yields(gsw, months=[1, 12, 60, 120])
    for i in range(3):
        row = gsw.iloc[i]
        svensson = i == 2
        p = NSSParams(row.BETA0, row.BETA1, row.BETA2, row.BETA3 if svensson else 0.0, row.TAU1,
                      row.TAU2 if svensson else 1.0)
        expected = _hand_zero(p, np.array([1, 12, 60, 120]) / 12)
        assert_allclose(z.iloc[i].to_numpy(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="missing column"):
        gsw_zero_yields(gsw.drop(columns="TAU1"))


@pytest.mark.parametrize("day", ["1982-08-03", "1992-12-02", "2004-05-10", "2019-10-07", "2023-03-15", "2025-04-11"])
def test_refinement_matches_scipy_on_treasury_quotes(shared_data, day):
    """Against scipy's trust-region reflective solver (an independent implementation) on the
    day's constant-maturity quotes from FRED: the same objective to a part in 1e5 or better, and
    zero curves within 0.05 bp from 1 to 30 years."""
    years = {"DGS1MO": 1 / 12, "DGS3MO": 0.25, "DGS6MO": 0.5, "DGS1": 1, "DGS2": 2, "DGS3": 3, "DGS5": 5,
             "DGS7": 7, "DGS10": 10, "DGS20": 20, "DGS30": 30}
    quotes = {}
    for sid, m in years.items():
        try:
            quotes[m] = csv_value(shared_data / "fred", sid, day)
        except (AssertionError, ValueError):  # not quoted that day
            pass
    mats, ys = list(quotes), list(quotes.values())
    start = fit_nss(mats, ys, kind="cmt", refine=False)
    ours = fit_nss(mats, ys, kind="cmt")
    obs_kinds = np.array([k == "par" for k in start.kinds])
    obs = nss._obs(np.array(mats, dtype=float), obs_kinds, 2)
    y = np.array(start.observed)
    svensson = start.model == "NSS"
    idx = [0, 1, 2, 3, 4, 5] if svensson else [0, 1, 2, 4]

    def fun(x):
        p = np.full(6, np.nan)
        p[3] = 0.0
        p[idx] = x
        return np.concatenate([nss._resid(y[None, :], p[None, :], obs)[0], np.sqrt(nss.DEFAULT_RIDGE) * p[1:4]])

    lo = [-np.inf] * (len(idx) - (2 if svensson else 1)) + [0.15] + ([0.5] if svensson else [])
    hi = [np.inf] * (len(idx) - (2 if svensson else 1)) + [8.0] + ([30.0] if svensson else [])
    x0 = np.clip(start.params.to_array()[idx], np.array(lo) + 1e-12, np.array(hi) - 1e-12)
    ref = least_squares(fun, x0, bounds=(lo, hi), method="trf", x_scale="jac", max_nfev=2000).x
    cost_ref = float(np.sum(fun(ref) ** 2))
    cost_ours = float(np.sum(fun(ours.params.to_array()[idx]) ** 2))
    assert cost_ours <= cost_ref * (1 + 1e-5)
    p_ref = np.full(6, np.nan)
    p_ref[3] = 0.0
    p_ref[idx] = ref
    z = np.linspace(1, 30, 59)
    assert np.abs(nss_zero(ours.params, z) - nss_zero(NSSParams.from_array(p_ref), z)).max() < 0.05 / 100
