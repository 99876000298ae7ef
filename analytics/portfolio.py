"""Portfolio arithmetic: Treasury returns from yields, rebalanced portfolios and their statistics.

Units
-----
Yields and short rates come in percent per year; returns are simple returns per period as
decimals (0.01 = 1%); annualised figures use ``periods_per_year`` (252 for business-daily data).

Treasury returns
----------------
A constant-maturity Treasury index is approximated by a par bond bought at each observation and
sold at the next one. With semiannual coupons, the price per unit face of a bond paying coupon
:math:`c` (decimal per year) with :math:`m` years left, at yield :math:`y`, is

.. math::

    P(c, y, m) = \\frac{c}{y}\\left[1 - (1 + y/2)^{-2m}\\right] + (1 + y/2)^{-2m},

(:math:`P = 1 + c\\,m` in the limit :math:`y \\to 0`). Bought at par at :math:`y_{t-1}`
(:math:`c = y_{t-1}`) and held for :math:`\\tau` years (calendar days / 365.25), the holding
return is

.. math::

    R_t = P(y_{t-1}, y_t, n - \\tau) - 1 + y_{t-1}\\,\\tau ,

price change plus coupon accrual. Accrued-interest conventions and the roll-down along the curve
are ignored; for small moves :math:`R_t \\approx -D\\,\\Delta y + y_{t-1}\\tau` with the par
bond's modified duration :math:`D = [1 - (1 + y/2)^{-2n}]/y`.

Portfolios
----------
Weights are reset to their targets on the first observation of each rebalancing period
(calendar month by default) and drift with the assets' returns until the next reset.
Inverse-volatility ("naive risk parity") targets set :math:`w_i \\propto 1/\\sigma_i`, with
:math:`\\sigma_i` the standard deviation of the asset's returns over the ``vol_window``
observations before the period starts (no look-ahead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .stats import series_input

__all__ = [
    "par_bond_price",
    "par_bond_returns",
    "modified_duration",
    "accrual_returns",
    "price_returns",
    "rebalanced_returns",
    "inverse_vol_weights",
    "PerfStats",
    "perf_stats",
    "window_start",
]



def par_bond_price(coupon: np.ndarray | float, yld: np.ndarray | float, years: np.ndarray | float) -> np.ndarray:
    """Price per unit face of a semiannual bond (decimal coupon and yield, years to maturity).

    ``P = c/y * (1 - (1 + y/2)**(-2m)) + (1 + y/2)**(-2m)``; ``P = 1 + c*m`` where ``y == 0``.
    """
    c = np.asarray(coupon, dtype=float)
    y = np.asarray(yld, dtype=float)
    m = np.asarray(years, dtype=float)
    disc = (1.0 + y / 2.0) ** (-2.0 * m)
    small = np.abs(y) < 1e-12
    safe_y = np.where(small, 1.0, y)
    annuity = np.where(small, m, (1.0 - disc) / safe_y)
    return c * annuity + disc


def modified_duration(yld_pct: float, maturity: float = 10.0) -> float:
    """Modified duration (years) of a semiannual par bond: ``(1 - (1 + y/2)**(-2n)) / y``."""
    y = yld_pct / 100.0
    if abs(y) < 1e-12:
        return float(maturity)
    return float((1.0 - (1.0 + y / 2.0) ** (-2.0 * maturity)) / y)


def par_bond_returns(yields: pd.Series, *, maturity: float = 10.0) -> pd.Series:
    """Holding-period returns (decimal) of a constant-maturity par bond from its yields (percent).

    The return on each date is from the previous observation to that date (see the module
    docstring for the formula); the first date has no return and is dropped.
    """
    y = series_input(yields, "yields")
    if maturity <= 0:
        raise ValueError(f"maturity must be positive, got {maturity}")
    if len(y) < 2:
        return pd.Series([], index=pd.DatetimeIndex([], name=y.index.name), dtype=float)
    prev = y.to_numpy()[:-1] / 100.0
    now = y.to_numpy()[1:] / 100.0
    tau = np.diff(y.index.to_numpy()) / np.timedelta64(1, "D") / 365.25
    price = par_bond_price(prev, now, maturity - tau)
    out = price - 1.0 + prev * tau
    return pd.Series(out, index=y.index[1:], name="treasury_return")


def accrual_returns(rate_pct: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """Return of cash earning ``rate_pct`` (percent a year, simple) between consecutive dates of ``index``.

    Each period earns the last rate known at its start times the calendar days / 360 (money
    market convention); the first date of ``index`` has no return and is dropped.
    """
    r = series_input(rate_pct, "rate_pct")
    idx = pd.DatetimeIndex(index).sort_values()
    if len(idx) < 2:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype=float)
    known = r.reindex(r.index.union(idx)).ffill().reindex(idx)
    start_rate = known.to_numpy()[:-1] / 100.0
    days = np.diff(idx.to_numpy()) / np.timedelta64(1, "D")
    return pd.Series(start_rate * days / 360.0, index=idx[1:], name="cash_return")


def price_returns(prices: pd.Series) -> pd.Series:
    """Simple returns ``P_t / P_{t-1} - 1`` of a price or index level series."""
    p = series_input(prices, "prices")
    if (p <= 0).any():
        raise ValueError("prices must be positive")
    return p.pct_change().iloc[1:]


def inverse_vol_weights(returns: pd.DataFrame, *, vol_window: int = 63, freq: str = "MS") -> pd.DataFrame:
    """Inverse-volatility target weights for each rebalancing period.

    Returns a frame indexed like ``returns``: on every date, the weights set on the period's
    first date from the ``vol_window`` returns strictly before it. Dates before enough
    history exists are NaN.
    """
    if vol_window < 2:
        raise ValueError(f"vol_window must be >= 2, got {vol_window}")
    r = returns.sort_index()
    sigma = r.rolling(vol_window, min_periods=vol_window).std().shift(1)
    inv = 1.0 / sigma
    w = inv.div(inv.sum(axis=1, skipna=False), axis=0)
    period = r.index.to_period(_period_code(freq))
    first = ~period.duplicated()
    w_first = w[first]
    w_first.index = period[first]
    return pd.DataFrame(w_first.reindex(period).to_numpy(), index=r.index, columns=r.columns)


def _period_code(freq: str) -> str:
    codes = {"MS": "M", "M": "M", "ME": "M", "QS": "Q", "Q": "Q", "W": "W", "D": "D", "YS": "Y", "Y": "Y"}
    try:
        return codes[freq]
    except KeyError:
        raise ValueError(f"freq must be one of {', '.join(codes)}; got {freq!r}") from None


def rebalanced_returns(
    returns: pd.DataFrame,
    weights: Mapping[str, float] | pd.DataFrame,
    *,
    freq: str = "MS",
) -> pd.Series:
    """Returns of a portfolio reset to target weights at the start of each period.

    Parameters
    ----------
    returns : simple returns (decimal) of the assets, one column each, on common dates.
    weights : fixed targets ``{column: weight}`` (summing to 1), or a frame of targets per date
        (the targets on each period's first date are used, e.g. :func:`inverse_vol_weights`).
    freq : rebalancing period: ``MS`` (month), ``QS``, ``W``, ``D`` or ``YS``.

    Within a period the holdings drift: with :math:`G_{i,t}` the cumulative gross return of
    asset :math:`i` since the period began and :math:`w_i` the targets, the portfolio value is
    :math:`V_t = \\sum_i w_i G_{i,t}` and its return :math:`V_t / V_{t-1} - 1` (with
    :math:`V = 1` before the period's first date). Dates whose targets are NaN are dropped.
    """
    r = returns.sort_index()
    if r.isna().any().any():
        raise ValueError("returns must have no missing values (align the assets on common dates first)")
    if isinstance(weights, Mapping):
        unknown = set(weights) - set(r.columns)
        if unknown:
            raise ValueError(f"weights name unknown assets {sorted(unknown)}; columns are {list(r.columns)}")
        total = sum(weights.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, got {total}")
        w = pd.DataFrame({c: float(weights.get(c, 0.0)) for c in r.columns}, index=r.index)
    else:
        w = weights.reindex(index=r.index, columns=r.columns)
    period = r.index.to_period(_period_code(freq))
    first = ~period.duplicated()
    w_first = w[first]
    w_first.index = period[first]
    w = pd.DataFrame(w_first.reindex(period).to_numpy(), index=r.index, columns=r.columns)
    ok = w.notna().all(axis=1).to_numpy()
    r, w, period = r[ok], w[ok], period[ok]
    if r.empty:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype=float, name="portfolio_return")
    gross = (1.0 + r).groupby(period).cumprod()
    value = (gross * w).sum(axis=1)
    prev = value.groupby(period).shift(1).fillna(1.0)
    return (value / prev - 1.0).rename("portfolio_return")


@dataclass(frozen=True)
class PerfStats:
    """Performance of a return series over one window.

    ``ann_return`` is the geometric annualised return and ``ann_vol`` the annualised standard
    deviation (both decimals); ``sharpe`` is the annualised mean excess return over its
    standard deviation; ``max_drawdown`` is the worst fall from a running peak of cumulative
    wealth (a fraction in [-1, 0]).
    """

    start: date
    end: date
    n_obs: int
    total_return: float
    ann_return: float
    ann_vol: float
    sharpe: float | None
    max_drawdown: float


def perf_stats(
    returns: pd.Series,
    *,
    risk_free: pd.Series | float = 0.0,
    periods_per_year: float = 252.0,
) -> PerfStats:
    """Sharpe ratio, volatility, drawdown and returns of ``returns`` (decimal per period).

    Formulas, with :math:`n` returns :math:`r_t`, excess returns :math:`e_t = r_t - r^f_t` and
    :math:`k` = ``periods_per_year``:

    * total return :math:`W_n - 1` with :math:`W_t = \\prod_{s \\le t} (1 + r_s)`;
    * annualised return :math:`W_n^{k/n} - 1`; volatility :math:`\\mathrm{sd}(r)\\sqrt{k}` (ddof 1);
    * Sharpe ratio :math:`\\bar e / \\mathrm{sd}(e) \\cdot \\sqrt{k}` (None when sd is zero);
    * maximum drawdown :math:`\\min_t W_t / \\max_{s \\le t} W_s - 1` with :math:`W_0 = 1`.

    ``risk_free`` is a per-period return (decimal) aligned by date, or a constant.
    """
    r = series_input(returns, "returns")
    if len(r) < 2:
        raise ValueError(f"returns need at least 2 observations, got {len(r)}")
    if isinstance(risk_free, pd.Series):
        rf = risk_free.reindex(r.index)
        if rf.isna().any():
            raise ValueError("risk_free has no value on some return dates")
    else:
        rf = pd.Series(float(risk_free), index=r.index)
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + r.to_numpy())))
    peak = np.maximum.accumulate(wealth)
    excess = r - rf
    sd = float(excess.std(ddof=1))
    n = len(r)
    return PerfStats(
        start=r.index[0].date(),
        end=r.index[-1].date(),
        n_obs=n,
        total_return=float(wealth[-1] - 1.0),
        ann_return=float(wealth[-1] ** (periods_per_year / n) - 1.0),
        ann_vol=float(r.std(ddof=1) * np.sqrt(periods_per_year)),
        sharpe=float(excess.mean() / sd * np.sqrt(periods_per_year)) if sd > 0 else None,
        max_drawdown=float(np.min(wealth / peak - 1.0)),
    )


def window_start(as_of: date, window: str) -> pd.Timestamp:
    """First date (exclusive) of a statistics window ending at ``as_of``.

    ``window`` is ``"ytd"`` (returns after the last day of the previous year) or ``"<n>y"``
    (returns after the same calendar day ``n`` years earlier).
    """
    t = pd.Timestamp(as_of)
    if window == "ytd":
        return pd.Timestamp(t.year - 1, 12, 31)
    if window.endswith("y") and window[:-1].isdigit():
        return t - pd.DateOffset(years=int(window[:-1]))
    raise ValueError(f"window must be 'ytd' or '<n>y' (e.g. '3y'), got {window!r}")
