"""Bond arithmetic: DV01 against the closed form, carry and roll-down, the DV01-neutral steepener."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from analytics.bonds import (
    bond_dv01,
    bond_price,
    carry_rolldown,
    dv01_hedge_ratio,
    modified_duration,
    par_bond_dv01,
    steepener_carry,
)
from analytics.nss import NSSParams, nss_par


class Flat:
    """A flat continuously compounded zero curve."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def zero(self, maturities):
        return np.full(np.shape(maturities), self.rate, dtype=float)


def _mod_duration_par(y_pct: float, T: float) -> float:
    """Modified duration of a semiannual par bond: (1/y) [1 - (1 + y/2)^(-2T)] (y decimal)."""
    y = y_pct / 100
    return (1 - (1 + y / 2) ** (-2 * T)) / y


@given(y=st.floats(0.05, 15.0), periods=st.integers(1, 60))
def test_par_dv01_matches_modified_duration_formula(y, periods):
    T = periods / 2
    assert_allclose(par_bond_dv01(y, T), _mod_duration_par(y, T) * 100 * 1e-4, rtol=1e-10)
    assert_allclose(modified_duration(y, T, y), _mod_duration_par(y, T), rtol=1e-10)


@given(y=st.floats(0.0, 12.0), c=st.floats(0.0, 10.0), periods=st.integers(1, 60))
def test_dv01_is_the_price_derivative(y, c, periods):
    T = periods / 2
    h = 1e-4
    fd = (bond_price(y - h, T, c) - bond_price(y + h, T, c)) / (2 * h) * 0.01
    assert_allclose(bond_dv01(y, T, c), fd, rtol=1e-6)


def test_par_bond_prices_at_par():
    for y in (0.5, 4.25, 9.0):
        for T in (0.5, 2, 10, 30):
            assert_allclose(bond_price(y, T, y), 100.0, rtol=1e-13)


def test_carry_and_rolldown_on_a_flat_curve_over_a_coupon_period():
    z = 4.0
    c = 200 * (np.exp(z / 200) - 1)  # par yield of every tenor on a flat curve
    cr = carry_rolldown(Flat(z), [1, 2, 10, 30], funding_rate=3.0, horizon_years=0.5, funding_basis=365)
    t = cr.table
    assert_allclose(t["par_yield"], c, rtol=1e-12)
    assert_allclose(t["rolldown"], 0.0, atol=1e-10)  # nothing to roll down on a flat curve
    assert_allclose(t["income"], c * 0.5, rtol=1e-12)
    assert_allclose(t["funding"], 3.0 * 0.5, rtol=1e-12)
    assert_allclose(t["carry"], c * 0.5 - 1.5, rtol=1e-12)
    assert_allclose(t["total"], t["carry"] + t["rolldown"], rtol=1e-14)
    assert_allclose(t["carry_bp"], t["carry"] / t["dv01"], rtol=1e-14)


def test_funding_day_count():
    cr = carry_rolldown(Flat(4.0), [2], funding_rate=3.6, horizon_years=0.25)
    assert_allclose(cr.table["funding"].iloc[0], 3.6 * 0.25 * 365 / 360, rtol=1e-14)


def test_rolldown_on_a_sloped_curve_is_about_the_yield_drop_times_duration():
    curve = NSSParams(5.0, -2.0, 0.0, 0.0, 2.0)  # upward-sloping Nelson-Siegel curve
    h = 0.25
    cr = carry_rolldown(curve, [2, 5, 10], funding_rate=3.0, horizon_years=h).table
    for T in (2, 5, 10):
        # first order: the bond reprices at the (T - h) par yield of the unchanged curve
        drop_bp = (nss_par(curve, [T])[0] - nss_par(curve, [T - h])[0]) * 100
        assert cr.loc[float(T), "rolldown_bp"] > 0
        assert abs(cr.loc[float(T), "rolldown_bp"] - drop_bp) < 0.1 * drop_bp + 0.2


def test_steepener_is_dv01_neutral_and_adds_its_legs():
    curve = NSSParams(4.8, -0.6, -1.0, 0.0, 1.8)
    s = steepener_carry(curve, funding_rate=4.3)
    assert_allclose(s.hedge_ratio, s.dv01_short / s.dv01_long, rtol=1e-14)
    assert_allclose(s.dv01_short - s.hedge_ratio * s.dv01_long, 0.0, atol=1e-15)
    legs = carry_rolldown(curve, [2, 10], funding_rate=4.3).table
    assert_allclose(s.carry, legs.loc[2.0, "carry"] - s.hedge_ratio * legs.loc[10.0, "carry"], rtol=1e-12)
    assert_allclose(s.rolldown, legs.loc[2.0, "rolldown"] - s.hedge_ratio * legs.loc[10.0, "rolldown"], rtol=1e-12)
    assert_allclose(s.total_bp, s.total / s.dv01_short, rtol=1e-14)
    assert_allclose(s.spread_bp, (legs.loc[10.0, "par_yield"] - legs.loc[2.0, "par_yield"]) * 100, rtol=1e-12)
    # a parallel 1 bp shift of yields leaves the hedged pair's value unchanged to first order
    c2, c10 = legs.loc[2.0, "par_yield"], legs.loc[10.0, "par_yield"]
    pnl = (bond_price(c2 + 0.01, 2, c2) - 100) - s.hedge_ratio * (bond_price(c10 + 0.01, 10, c10) - 100)
    assert abs(pnl) < 1e-3 * s.dv01_short


def test_input_errors():
    with pytest.raises(ValueError, match="whole number of coupon periods"):
        par_bond_dv01(4.0, 2.3)
    with pytest.raises(ValueError, match="freq must be one of"):
        bond_price(4.0, 2, 4.0, freq=3)
    with pytest.raises(ValueError, match="funding_basis must be 360 or 365"):
        carry_rolldown(Flat(4.0), [2], funding_rate=3.0, funding_basis=252)
    with pytest.raises(ValueError, match="longer than horizon_years"):
        carry_rolldown(Flat(4.0), [0.5], funding_rate=3.0, horizon_years=0.5)
    with pytest.raises(ValueError, match="funding_rate must be a finite number"):
        carry_rolldown(Flat(4.0), [2], funding_rate=float("nan"))
    with pytest.raises(TypeError, match="zero\\(maturities\\) method"):
        carry_rolldown(object(), [2], funding_rate=3.0)
    with pytest.raises(ValueError, match="long_tenor must exceed short_tenor"):
        steepener_carry(Flat(4.0), short_tenor=10, long_tenor=2, funding_rate=3.0)
    with pytest.raises(ValueError, match="DV01s must be positive"):
        dv01_hedge_ratio(0.02, 0.0)
