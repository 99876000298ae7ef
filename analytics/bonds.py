"""Treasury bond arithmetic: prices, DV01, carry and roll-down, the DV01-neutral 2s10s trade.

Units
-----
Maturities and horizons are in years; yields and rates in percent per year; prices in points
per 100 face; DV01 in price points per 100 face per basis point (the price gain for a 1 bp
fall in yield); carry and roll-down returns in price points per 100 face over the horizon,
and also in basis points of yield (return divided by DV01: the yield rise the position can
absorb before it loses money over the horizon).

Bonds pay ``freq`` coupons a year (2 for Treasuries) and mature on a coupon date. Curves are
given as any object with a ``zero(maturities)`` method returning continuously compounded zero
yields in percent (e.g. :class:`analytics.nss.NSSParams`).

Carry and roll-down (the "curve unchanged" scenario): a par bond of maturity :math:`T` bought
today at 100 is held for a horizon :math:`h`, financed at the funding rate :math:`r_f` (a repo,
SOFR or bill rate, simple interest on an ``act/funding_basis`` day count), and at the horizon
is priced off the same zero curve as a function of remaining maturity. Over the horizon

* income: coupon accrual :math:`c\\,h`;
* funding cost: :math:`r_f\\,h\\,365/\\text{basis}`;
* carry: income minus funding cost;
* roll-down: the change of the clean price, :math:`P_{clean}(T - h) - 100`, from the bond
  rolling down the unchanged curve (coupons paid during the horizon are counted as received);
* total: carry plus roll-down.

The DV01-neutral 2s10s steepener (long the short tenor, short the long tenor) sells
:math:`\\text{DV01}_{short}/\\text{DV01}_{long}` of long-tenor face per unit of short-tenor face,
so a parallel shift leaves it flat; its carry and roll-down are those of the two legs with
that ratio, and its breakeven is quoted per basis point of the spread (divided by the short
leg's DV01).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

__all__ = [
    "ZeroCurve",
    "bond_price",
    "bond_dv01",
    "par_bond_dv01",
    "modified_duration",
    "CarryRoll",
    "carry_rolldown",
    "Steepener",
    "dv01_hedge_ratio",
    "steepener_carry",
]


class ZeroCurve(Protocol):
    """Anything that returns continuously compounded zero yields (percent) for maturities (years)."""

    def zero(self, maturities) -> np.ndarray: ...


_FREQS = (1, 2, 4, 12)


def _check_freq(freq: int) -> None:
    if freq not in _FREQS:
        raise ValueError(f"freq must be one of {', '.join(map(str, _FREQS))}; got {freq!r}")


def _check_maturity(maturity, freq: int, name: str = "maturity") -> np.ndarray:
    m = np.asarray(maturity, dtype=float)
    if np.any(~np.isfinite(m)) or np.any(m <= 0):
        raise ValueError(f"{name} must be > 0 (years); got {maturity!r}")
    periods = m * freq
    if np.any(np.abs(periods - np.round(periods)) > 1e-6):
        raise ValueError(f"{name} must be a whole number of coupon periods (multiples of 1/{freq} year); "
                         f"got {maturity!r}")
    return m


def _cashflows(maturity: float, coupon: float, freq: int) -> tuple[np.ndarray, np.ndarray]:
    n = int(round(maturity * freq))
    t = np.arange(1, n + 1) / freq
    cf = np.full(n, coupon / freq)
    cf[-1] += 100.0
    return t, cf


def bond_price(yield_, maturity, coupon, *, freq: int = 2) -> float:
    """Price (points per 100 face) of a bond on a coupon date from its yield to maturity.

    .. math:: P = \\sum_{i=1}^{fT} CF_i\\,(1 + y/f)^{-i}, \\quad CF_i = c/f\\ (+100\\text{ at } T)

    ``yield_`` and ``coupon`` in percent, ``maturity`` in years.
    """
    _check_freq(freq)
    m = float(_check_maturity(maturity, freq))
    t, cf = _cashflows(m, float(coupon), freq)
    return float(np.sum(cf * (1.0 + float(yield_) / 100.0 / freq) ** (-t * freq)))


def bond_dv01(yield_, maturity, coupon, *, freq: int = 2) -> float:
    """DV01 (points per 100 face per bp): minus the derivative of the price by the yield.

    Computed from the cash flows, :math:`-\\partial P / \\partial y \\times 10^{-4}` with
    :math:`\\partial P / \\partial y = -\\sum_i t_i\\,CF_i\\,(1 + y/f)^{-f t_i - 1}` (y decimal).
    """
    _check_freq(freq)
    m = float(_check_maturity(maturity, freq))
    t, cf = _cashflows(m, float(coupon), freq)
    g = 1.0 + float(yield_) / 100.0 / freq
    dprice = -np.sum(t * cf * g ** (-t * freq - 1.0))
    return float(-dprice * 1e-4)


def par_bond_dv01(par_yield, maturity, *, freq: int = 2) -> float:
    """DV01 of a par bond (coupon equal to its yield), points per 100 face per bp."""
    return bond_dv01(par_yield, maturity, par_yield, freq=freq)


def modified_duration(yield_, maturity, coupon, *, freq: int = 2) -> float:
    """Modified duration (years): DV01 / price x 10^4."""
    return bond_dv01(yield_, maturity, coupon, freq=freq) / bond_price(yield_, maturity, coupon, freq=freq) * 1e4


def _zero(curve: ZeroCurve, t: np.ndarray) -> np.ndarray:
    if not hasattr(curve, "zero"):
        raise TypeError("curve must have a zero(maturities) method (e.g. analytics.nss.NSSParams)")
    z = np.asarray(curve.zero(t), dtype=float)
    if z.shape != t.shape or not np.all(np.isfinite(z)):
        raise ValueError("curve.zero returned non-finite or misshaped yields")
    return z


def _curve_par(curve: ZeroCurve, maturity: float, freq: int) -> tuple[float, np.ndarray, np.ndarray]:
    t = np.arange(1, int(round(maturity * freq)) + 1) / freq
    disc = np.exp(-_zero(curve, t) * t / 100.0)
    c = 100.0 * freq * (1.0 - disc[-1]) / disc.sum()
    return float(c), t, disc


def _horizon_value(curve: ZeroCurve, t: np.ndarray, coupon: float, horizon: float, freq: int) -> tuple[float, float]:
    """(coupons paid in (0, h], dirty value at h of the rest on the unchanged curve)."""
    cf = np.full(len(t), coupon / freq)
    cf[-1] += 100.0
    paid = t <= horizon + 1e-12
    rest = t[~paid] - horizon
    value = float(np.sum(cf[~paid] * np.exp(-_zero(curve, rest) * rest / 100.0))) if rest.size else 0.0
    return float(cf[paid].sum()), value


@dataclass(frozen=True)
class CarryRoll:
    """Carry and roll-down by tenor over a horizon (see the module notes for the definitions).

    ``table`` has one row per tenor (index: maturity in years) and columns ``par_yield``
    (percent), ``dv01`` (points per 100 per bp), ``income``, ``funding``, ``carry``,
    ``rolldown``, ``total`` (points per 100 face over the horizon), and ``carry_bp``,
    ``rolldown_bp``, ``total_bp`` (the same divided by DV01, basis points of yield).
    """

    table: pd.DataFrame
    horizon_years: float
    funding_rate: float
    funding_basis: int
    freq: int


def carry_rolldown(
    curve: ZeroCurve,
    tenors: Sequence[float],
    *,
    funding_rate: float,
    horizon_years: float = 0.25,
    funding_basis: int = 360,
    freq: int = 2,
) -> CarryRoll:
    """Carry and roll-down of par Treasuries by tenor, curve unchanged, over ``horizon_years``.

    Parameters
    ----------
    curve : zero curve of the day (e.g. ``fit_nss(...).params``).
    tenors : maturities in years, whole numbers of coupon periods, longer than the horizon.
    funding_rate : financing rate in percent (SOFR, repo or the bill yield of the horizon).
    horizon_years : holding period (0.25 = three months).
    funding_basis : 360 (money-market act/360, SOFR and repo) or 365.
    freq : coupons per year.
    """
    _check_freq(freq)
    if funding_basis not in (360, 365):
        raise ValueError(f"funding_basis must be 360 or 365; got {funding_basis!r}")
    if not (np.isfinite(horizon_years) and 0 < horizon_years < 30):
        raise ValueError(f"horizon_years must be in (0, 30); got {horizon_years!r}")
    if funding_rate is None or not np.isfinite(funding_rate):
        raise ValueError(f"funding_rate must be a finite number (percent); got {funding_rate!r}")
    ten = np.atleast_1d(_check_maturity(tenors, freq, "tenors"))
    if np.any(ten <= horizon_years):
        raise ValueError(f"tenors must be longer than horizon_years ({horizon_years}); got {ten.tolist()}")
    rows = []
    funding = float(funding_rate) * horizon_years * 365.0 / funding_basis
    for T in ten:
        c, t, _ = _curve_par(curve, float(T), freq)
        paid, value = _horizon_value(curve, t, c, horizon_years, freq)
        last_coupon = np.floor(horizon_years * freq + 1e-9) / freq
        accrued = c * (horizon_years - last_coupon)
        clean = value - accrued
        income = paid + accrued  # = c * horizon_years: coupons received plus accrued interest
        roll = clean - 100.0
        dv01 = par_bond_dv01(c, float(T), freq=freq)
        carry = income - funding
        rows.append({"tenor": float(T), "par_yield": c, "dv01": dv01, "income": income, "funding": funding,
                     "carry": carry, "rolldown": roll, "total": carry + roll, "carry_bp": carry / dv01,
                     "rolldown_bp": roll / dv01, "total_bp": (carry + roll) / dv01})
    table = pd.DataFrame(rows).set_index("tenor")
    return CarryRoll(table, float(horizon_years), float(funding_rate), funding_basis, freq)


def dv01_hedge_ratio(dv01_short: float, dv01_long: float) -> float:
    """Face of the long-tenor bond per unit face of the short-tenor bond that makes the pair
    DV01-neutral: :math:`\\text{DV01}_{short} / \\text{DV01}_{long}`."""
    if not (np.isfinite(dv01_short) and np.isfinite(dv01_long)) or dv01_short <= 0 or dv01_long <= 0:
        raise ValueError(f"DV01s must be positive; got {dv01_short!r}, {dv01_long!r}")
    return float(dv01_short / dv01_long)


@dataclass(frozen=True)
class Steepener:
    """The DV01-neutral curve steepener (long ``short_tenor``, short ``long_tenor``).

    Per 100 face of the short leg: ``hedge_ratio`` face of the long leg is sold; ``carry``,
    ``rolldown`` and ``total`` are points over the horizon; ``*_bp`` are per basis point of
    the spread (divided by the short leg's DV01): the flattening the trade can absorb.
    """

    short_tenor: float
    long_tenor: float
    hedge_ratio: float
    dv01_short: float
    dv01_long: float
    spread_bp: float
    carry: float
    rolldown: float
    total: float
    carry_bp: float
    rolldown_bp: float
    total_bp: float
    horizon_years: float
    funding_rate: float


def steepener_carry(
    curve: ZeroCurve,
    *,
    short_tenor: float = 2.0,
    long_tenor: float = 10.0,
    funding_rate: float,
    horizon_years: float = 0.25,
    funding_basis: int = 360,
    freq: int = 2,
) -> Steepener:
    """DV01-neutral hedge ratio of the 2s10s (or any pair) and the steepener's carry and roll-down.

    Both legs are par bonds of the day's curve, each financed (or lent) at ``funding_rate``;
    the long-tenor leg is short, so its carry and roll-down enter with the minus sign and
    the hedge ratio.
    """
    if not long_tenor > short_tenor:
        raise ValueError(f"long_tenor must exceed short_tenor; got {short_tenor!r}, {long_tenor!r}")
    cr = carry_rolldown(curve, [short_tenor, long_tenor], funding_rate=funding_rate, horizon_years=horizon_years,
                        funding_basis=funding_basis, freq=freq).table
    s, lg = cr.loc[float(short_tenor)], cr.loc[float(long_tenor)]
    h = dv01_hedge_ratio(float(s["dv01"]), float(lg["dv01"]))
    carry = float(s["carry"] - h * lg["carry"])
    roll = float(s["rolldown"] - h * lg["rolldown"])
    return Steepener(
        short_tenor=float(short_tenor),
        long_tenor=float(long_tenor),
        hedge_ratio=h,
        dv01_short=float(s["dv01"]),
        dv01_long=float(lg["dv01"]),
        spread_bp=float(lg["par_yield"] - s["par_yield"]) * 100.0,
        carry=carry,
        rolldown=roll,
        total=carry + roll,
        carry_bp=carry / float(s["dv01"]),
        rolldown_bp=roll / float(s["dv01"]),
        total_bp=(carry + roll) / float(s["dv01"]),
        horizon_years=float(horizon_years),
        funding_rate=float(funding_rate),
    )
