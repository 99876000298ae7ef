"""Deterministic synthetic SAMPLE data for every catalog series (the out-of-the-box run).

:func:`generate` simulates one synthetic world from a single seeded
``numpy.random.default_rng`` and returns every catalog series in its catalog units and
frequency, dated the way FRED dates it; :func:`load` writes that set into a store with
source ``"sample"``. Nothing here is real data and nothing is fitted to real data: the
dynamics are stylised so that every section of the brief has something meaningful to
compute, and the brief labels it SAMPLE on every page.

The world
---------
* **Business cycle.** Expansions of 6 to 10 years alternate with recessions of 6 to 16
  months (``recession`` flags). Policy (the fed funds target range, 25 bp steps) is a
  stance against the long-rate anchor: well below it after a recession, just below it
  through the expansion, above it only after the last hikes 8-16 months before the next
  recession; cuts start just before the recession. A recession that starts in the low-rate
  era (2007-2020), or later with a trough under 1%, takes the range to 0-0.25% for years
  (zero lower bound), with asset purchases (QE) and run-off (QT) after liftoff. A
  calendar-anchored inflation surge (2021-2023) forces a fast hiking cycle. IOER carries the
  same rate as IORB throughout (the 2021 switch is not modelled).
* **Treasury curve.** A Svensson zero curve with level ``L``, slope ``S``, curvature ``C``
  and a second hump ``D``: ``y(0) = L + S`` is the expected policy rate over the next three
  months, ``L`` is a secular anchor (neutral real rate + trend inflation + a drifting term
  premium) plus slow noise, so the curve inverts when policy is above the long anchor
  (before every recession) and steepens after the cuts. Constant-maturity yields are par
  yields of that curve (semi-annual coupons; bills on a simple-yield basis), the GSW file
  is the same curve (its zero yields are exactly the Svensson formula on its parameters),
  and the ACM columns split the curve into a term premium and a risk-neutral yield.
* **Risk.** VIX is a mean-reverting log process whose shocks load negatively on equity
  shocks, with blow-ups (VIX more than doubling within days) at each recession's stress
  peak and at random; the S&P 500 is earnings (from nominal GDP and a margin cycle) times
  a mean-reverting P/E whose daily volatility is set by VIX. The correlation of equity
  shocks with Treasury-yield shocks flips sign (stock-bond correlation negative, then
  positive in the final inflation regime). Credit spreads widen with VIX.
* **Everything else** (funding rates and the Fed balance sheet, macro, fiscal,
  international rates and prices, FX, commodities, Shiller and CFTC columns) is derived
  from those states with its own seeded noise; see the block functions below.

Determinism and time
--------------------
The world is simulated on a fixed calendar, business days (Monday to Friday) from
:data:`ORIGIN` to the end of the year of ``max(as_of, HORIZON)``, and then cut to
``[start, as_of]``. The same ``seed`` therefore gives bit-identical output, and for any
``as_of`` up to :data:`HORIZON` the history is the same world: an earlier ``as_of`` shows a
prefix of a later one (except Shiller's real columns, which are in dollars of the latest
published month, as in Shiller's file). Each series keeps only observations that would be
published by ``as_of`` under the catalog's ``release_lag_days`` (the store's
:func:`~report.store.assumed_release` rule).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from ..catalog import CATALOG, validate_keys
from ..store import Store, WriteReport, assumed_release

__all__ = ["SOURCE", "ORIGIN", "HORIZON", "DEFAULT_START", "DEFAULT_SEED", "SampleCoverageWarning", "generate",
           "load"]

SOURCE = "sample"
ORIGIN = date(1962, 1, 1)
HORIZON = date(2035, 12, 31)
DEFAULT_START = date(1985, 1, 1)
DEFAULT_SEED = 20250101

# Treasury constant-maturity tenors (years), in catalog order.
_CMT = {"ust_1m": 1 / 12, "ust_3m": 0.25, "ust_6m": 0.5, "ust_1y": 1.0, "ust_2y": 2.0, "ust_3y": 3.0,
        "ust_5y": 5.0, "ust_7y": 7.0, "ust_10y": 10.0, "ust_20y": 20.0, "ust_30y": 30.0}
_LOW_ERA = (2007.0, 2021.0)  # a recession starting in these years takes policy to the zero lower bound

# --- secular anchors: (decimal year, value), linearly interpolated, flat outside -------------------
_PI_TREND = ((1962, 1.5), (1968, 4.0), (1974, 7.0), (1980, 8.5), (1983, 4.5), (1990, 4.0), (1998, 2.3),
             (2020, 2.0), (2100, 2.2))
_R_STAR = ((1962, 2.0), (1980, 2.5), (1985, 3.2), (1995, 2.5), (2003, 1.5), (2008, 0.7), (2012, 0.2),
           (2020, 0.2), (2023, 0.8), (2100, 0.9))
_TP_BASE = ((1962, 0.6), (1975, 1.5), (1982, 3.2), (1990, 2.0), (2000, 1.2), (2007, 0.5), (2012, 0.2),
            (2016, -0.3), (2020, -0.7), (2023, 0.2), (2027, 0.9), (2100, 1.0))
_STOCK_BOND = ((1962, 0.45), (2019.5, 0.45), (2022.0, -0.45), (2100, -0.45))  # corr(equity shock, yield shock)
_PE_BASE = ((1962, 17), (1975, 9), (1982, 8.5), (1990, 15), (1999, 26), (2003, 19), (2009, 15), (2020, 23),
            (2100, 22))
_MARGIN = ((1962, 0.0), (1990, -0.1), (2000, 0.1), (2010, 0.2), (2020, 0.35), (2100, 0.4))
_GOLD_PREMIUM = ((1962, 0.0), (2022, 0.0), (2026, 0.5), (2100, 0.6))
_BASIS_TRADE = ((1962, 0.0), (2012, 0.0), (2019, 0.6), (2023, 1.0), (2100, 1.0))
_NIKKEI_DRIFT = ((1962, 0.10), (1985.0, 0.10), (1985.01, 0.22), (1989.95, 0.22), (1990.0, -0.30), (1992.6, -0.30),
                 (1992.61, -0.03), (2012.8, -0.03), (2012.9, 0.12), (2015.5, 0.12), (2015.6, 0.06), (2100, 0.06))
_U_STAR = ((1962, 5.0), (1980, 6.2), (1995, 5.2), (2010, 4.8), (2020, 4.2), (2100, 4.2))
_TREND_GROWTH = ((1962, 3.8), (1975, 3.0), (2000, 2.8), (2010, 2.0), (2100, 1.9))
_LABOR_GROWTH = ((1962, 1.8), (1985, 1.6), (2000, 1.0), (2010, 0.5), (2100, 0.5))
_PRIMARY_DEFICIT = ((1962, -1.0), (1975, 0.0), (1985, 1.5), (1993, 0.0), (1998, -2.0), (2001, -0.5),
                    (2008, 0.5), (2019, 2.0), (2100, 2.5))
_M2_RATIO = ((1962, 0.60), (1985, 0.58), (1997, 0.46), (2007, 0.52), (2100, 0.55))
_CURRENCY_RATIO = ((1962, 0.05), (2000, 0.055), (2021, 0.085), (2100, 0.085))
_DSR_BASE = ((1962, 9.5), (1980, 10.5), (2000, 12.2), (2007, 13.0), (2012, 10.2), (2020, 9.5), (2100, 9.8))

# International: 10-year anchors (percent) and the beta of each on U.S. long-rate noise.
_Y10 = {
    "de": ((1962, 6.5), (1970, 8.0), (1978, 6.0), (1981, 10.0), (1986, 6.0), (1990, 8.8), (1996, 6.2), (1999, 4.3),
           (2007, 4.2), (2012, 1.5), (2016, 0.1), (2019.7, -0.5), (2021.5, -0.2), (2023, 2.4), (2100, 2.6)),
    "jp": ((1962, 7.0), (1975, 8.0), (1980, 8.5), (1987, 5.0), (1990.7, 7.5), (1998, 1.5), (2007, 1.7),
           (2012, 0.8), (2016.5, -0.15), (2020, 0.0), (2022, 0.2), (2024, 1.0), (2026, 1.7), (2100, 1.8)),
    "gb": ((1962, 6.0), (1974, 14.0), (1985, 10.5), (1993, 7.5), (1999, 4.8), (2007, 4.8), (2012, 1.8),
           (2016.5, 0.9), (2020.5, 0.3), (2023, 4.0), (2100, 4.1)),
    "au": ((1962, 5.0), (1982, 15.0), (1986, 13.5), (1994, 9.0), (1999, 6.0), (2008, 6.0), (2012, 3.3),
           (2016.5, 2.0), (2020.5, 0.9), (2023, 3.9), (2100, 4.0)),
    "ca": ((1962, 5.0), (1981, 15.0), (1990, 10.0), (1999, 5.5), (2008, 3.8), (2012, 1.9), (2020.5, 0.6),
           (2023, 3.3), (2100, 3.4)),
    "ch": ((1962, 3.5), (1974, 6.5), (1978, 3.2), (1982, 4.8), (1988, 4.0), (1991, 6.5), (1998, 2.8), (2008, 2.9),
           (2012, 0.7), (2015, -0.1), (2019.7, -0.8), (2021.5, -0.3), (2023, 1.2), (2100, 1.1)),
}
_Y10_BETA = {"de": 0.55, "jp": 0.20, "gb": 0.65, "au": 0.75, "ca": 0.85, "ch": 0.35}
_FR_SPREAD = ((1962, 1.0), (1985, 3.5), (1993, 0.5), (1999, 0.15), (2008, 0.1), (2011.9, 1.5), (2013, 0.6),
              (2020, 0.3), (2024.5, 0.8), (2100, 0.7))
_IT_SPREAD = ((1962, 1.5), (1985, 7.0), (1996, 3.5), (1998, 0.3), (2008, 0.4), (2011.9, 5.0), (2013.5, 2.5),
              (2018.5, 2.8), (2021, 1.0), (2022.8, 2.2), (2100, 1.3))
# Policy-rate floors (negative-rate eras) and the policy step.
_FLOOR = {
    "ez": ((1962, 0.0), (2014.4, 0.0), (2014.45, -0.2), (2015.9, -0.3), (2019.7, -0.5), (2022.55, -0.5),
           (2022.6, 0.0), (2100, 0.0)),
    "ch": ((1962, 0.0), (2014.95, 0.0), (2015.0, -0.75), (2022.65, -0.75), (2022.7, 0.0), (2100, 0.0)),
    "jp": ((1962, 0.0), (2016.05, 0.0), (2016.1, -0.1), (2024.2, -0.1), (2024.25, 0.0), (2100, 0.0)),
    "gb": ((1962, 0.1), (2100, 0.1)),
    "au": ((1962, 0.1), (2100, 0.1)),
    "ca": ((1962, 0.25), (2100, 0.25)),
}
_POLICY_ANCHOR = {"ez": "de", "ch": "ch", "jp": "jp", "gb": "gb", "au": "au", "ca": "ca"}
_POLICY_STEP = {"ez": 0.25, "ch": 0.25, "jp": 0.1, "gb": 0.25, "au": 0.25, "ca": 0.25}
_POLICY_US_BETA = {"ez": 0.6, "ch": 0.5, "jp": 0.15, "gb": 0.7, "au": 0.6, "ca": 0.8}
_TERM_SPREAD = {"ez": 1.0, "ch": 1.0, "jp": 1.5, "gb": 1.0, "au": 1.0, "ca": 1.0}
# Consumer-price trend inflation by economy.
_CPI_TREND = {
    "ea": ((1962, 3.0), (1974, 9.0), (1980, 9.0), (1987, 3.0), (1992, 4.0), (1998, 1.3), (2008, 2.2), (2014, 0.4),
           (2020, 0.6), (2024, 2.3), (2100, 2.0)),
    "de": ((1962, 2.5), (1973, 6.0), (1980, 5.0), (1987, 0.5), (1992, 4.5), (1998, 1.2), (2008, 2.0), (2014, 0.5),
           (2020, 0.8), (2024, 2.3), (2100, 2.0)),
    "ch": ((1962, 3.0), (1974, 8.0), (1978, 1.5), (1982, 5.0), (1987, 1.5), (1991, 5.0), (1996, 0.8), (2008, 1.0),
           (2012, -0.5), (2017, 0.4), (2023, 1.5), (2100, 0.8)),
    "jp": ((1962, 5.0), (1974, 12.0), (1980, 5.0), (1987, 0.5), (1991, 3.0), (1995, 0.0), (2012, -0.2),
           (2014, 1.0), (2018, 0.5), (2023, 2.8), (2100, 1.8)),
    "gb": ((1962, 3.5), (1975, 18.0), (1980, 12.0), (1986, 4.0), (1990, 8.0), (1993, 2.5), (2008, 3.0),
           (2015, 0.5), (2019, 1.8), (2024, 3.0), (2100, 2.2)),
    "ca": ((1962, 2.0), (1975, 10.0), (1982, 9.0), (1986, 4.0), (1992, 1.8), (2008, 2.0), (2020, 1.5),
           (2024, 2.8), (2100, 2.0)),
    "au": ((1962, 2.5), (1975, 14.0), (1983, 8.0), (1990, 6.0), (1992, 1.8), (2008, 3.0), (2020, 1.5),
           (2024, 3.8), (2100, 2.6)),
}
_SURGE_AMP = {"ea": 4.0, "de": 4.5, "ch": 1.5, "jp": 1.5, "gb": 4.5, "ca": 2.5, "au": 2.5}
_CREDIT_GDP = {
    "us": ((1962, 95), (1985, 125), (2008, 170), (2012, 152), (2021, 160), (2100, 150)),
    "de": ((1962, 80), (1985, 95), (2000, 122), (2008, 108), (2020, 102), (2100, 103)),
    "jp": ((1962, 120), (1985, 180), (1990, 222), (2000, 190), (2010, 160), (2020, 180), (2100, 175)),
    "gb": ((1962, 60), (1985, 95), (2008, 190), (2015, 162), (2100, 150)),
    "au": ((1962, 60), (1985, 85), (2008, 160), (2020, 185), (2100, 170)),
    "ca": ((1962, 100), (1985, 140), (2008, 170), (2020, 220), (2100, 205)),
    "ch": ((1962, 120), (1985, 170), (2008, 210), (2020, 265), (2100, 260)),
}
# FX: level at 2000-01-03 in foreign currency per USD, beta on the dollar factor, annual log trend.
_FX = {"eurusd": (1.0, 1.2, 0.0), "usdjpy": (105.0, 1.0, 0.0), "gbpusd": (0.625, 1.0, 0.005),
       "usdcad": (1.45, 0.6, 0.0), "audusd": (1.54, 0.9, 0.0), "usdchf": (1.6, 1.1, -0.01)}
_FX_Y10 = {"eurusd": "de", "usdjpy": "jp", "gbpusd": "gb", "usdcad": "ca", "audusd": "au", "usdchf": "ch"}
_CNY = ((1962, 2.4), (1985, 2.9), (1990, 4.7), (1993.99, 5.8), (1994.0, 8.6), (1995.5, 8.3), (2005.5, 8.28),
        (2008.5, 6.83), (2010.5, 6.83), (2014, 6.1), (2016.5, 6.7), (2100, 6.9))
# First trading day of the futures contracts and exchange-traded products (the sample does not
# show products before they existed).
_LISTED = {"cl": "1983-03-30", "ng": "1990-04-03", "gc": "1974-12-31", "vx": "2004-03-26",
           "etf_gld": "2004-11-18", "etf_uso": "2006-04-10", "etf_ung": "2007-04-18", "etf_vxx": "2009-01-30"}
# CFTC Treasury futures: open interest (contracts) when federal debt is at its 2020 level.
_TFF_OI = {"2y": 2.2e6, "5y": 4.0e6, "10y": 3.5e6, "ultra10": 1.4e6, "bond": 1.2e6, "ultrabond": 1.4e6}


class SampleCoverageWarning(UserWarning):
    """The catalog holds series the SAMPLE generator does not model yet (they are left out)."""


# ------------------------------------------------------------------------------------------------
# calendar and small numerical helpers
# ------------------------------------------------------------------------------------------------
def _years(d: np.ndarray) -> np.ndarray:
    """Decimal calendar year of datetime64 dates."""
    return 1970.0 + d.astype("datetime64[D]").astype(np.int64) / 365.2425


def _knots(x: np.ndarray, pts) -> np.ndarray:
    xs, ys = zip(*pts)
    return np.interp(x, xs, ys)


def _ar1(shocks: np.ndarray, a: float, x0: float = 0.0) -> np.ndarray:
    """``x_t = a x_{t-1} + shocks_t`` with ``x_{-1} = x0``."""
    return lfilter([1.0], [1.0, -a], shocks, zi=[a * x0])[0]


def _ou(rng: np.random.Generator, n: int, half_life: float, sd: float, shocks: np.ndarray | None = None):
    """Stationary AR(1) with the given half-life (in steps) and stationary standard deviation."""
    a = 0.5 ** (1.0 / half_life)
    e = rng.standard_normal(n) if shocks is None else shocks
    x0 = sd * rng.standard_normal()
    return _ar1(sd * np.sqrt(1.0 - a * a) * e, a, x0)


def _weekday(d: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6."""
    return (d.astype("datetime64[D]").astype(np.int64) + 3) % 7


@dataclass(frozen=True)
class _Grid:
    """The simulation calendar: business days, calendar days, months, and maps between them."""

    bd: np.ndarray  # business days (Mon-Fri), datetime64[D]
    cal: np.ndarray  # every calendar day
    mon: np.ndarray  # month starts, datetime64[D]
    yr_bd: np.ndarray
    yr_m: np.ndarray  # mid-month decimal year
    bd_month: np.ndarray  # month index of each business day
    bd_count: np.ndarray  # business days per month
    month_last_bd: np.ndarray  # index of each month's last business day
    step_month_bd: np.ndarray  # month whose policy decision applies on each business day
    cal_bd: np.ndarray  # latest business day index on or before each calendar day

    @classmethod
    def build(cls, end_year: int) -> _Grid:
        cal = np.arange(np.datetime64(ORIGIN, "D"), np.datetime64(date(end_year, 12, 31), "D") + 1)
        bd = cal[np.is_busday(cal)]
        mon = np.arange(np.datetime64(ORIGIN, "M"), np.datetime64(f"{end_year}-12", "M") + 1)
        m0 = mon[0]
        bd_month = (bd.astype("datetime64[M]") - m0).astype(np.int64)
        nm = len(mon)
        # a policy decision "of month m" takes effect from the 15th of that month
        step = ((bd - np.timedelta64(14, "D")).astype("datetime64[M]") - m0).astype(np.int64)
        return cls(
            bd=bd, cal=cal, mon=mon.astype("datetime64[D]"), yr_bd=_years(bd),
            yr_m=_years(mon.astype("datetime64[D]")) + 15.0 / 365.2425, bd_month=bd_month,
            bd_count=np.bincount(bd_month, minlength=nm),
            month_last_bd=np.searchsorted(bd_month, np.arange(nm), side="right") - 1,
            step_month_bd=np.maximum(step, 0), cal_bd=np.searchsorted(bd, cal, side="right") - 1,
        )

    @property
    def nbd(self) -> int:
        return len(self.bd)

    @property
    def nm(self) -> int:
        return len(self.mon)

    def to_daily(self, x_m: np.ndarray) -> np.ndarray:
        """Monthly values (dated mid-month) linearly interpolated to business days."""
        return np.interp(self.yr_bd, self.yr_m, x_m)

    def at(self, dates: np.ndarray, x_m: np.ndarray) -> np.ndarray:
        """Monthly values interpolated to arbitrary dates."""
        return np.interp(_years(dates), self.yr_m, x_m)

    def month_mean(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.bd_month, weights=x, minlength=self.nm) / np.maximum(self.bd_count, 1)

    def month_end(self, x: np.ndarray) -> np.ndarray:
        return x[self.month_last_bd]

    def weekly(self, weekday: int) -> np.ndarray:
        """Every date falling on ``weekday`` (Monday = 0) in the calendar."""
        first = self.cal[0] + np.timedelta64(int((weekday - _weekday(self.cal[:1])[0]) % 7), "D")
        return np.arange(first, self.cal[-1] + 1, np.timedelta64(7, "D"))

    def on_bd(self, dates: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Business-day values at ``dates`` (each must be a business day)."""
        return x[np.searchsorted(self.bd, dates)]

    def quarters(self) -> np.ndarray:
        return self.mon[::3]


def _fwd_mean(x: np.ndarray, h: int) -> np.ndarray:
    """Average of ``x`` over the next ``h`` steps (including today; shorter at the end)."""
    n = len(x)
    cs = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(n)
    j = np.minimum(i + h, n)
    return (cs[j] - cs[i]) / (j - i)


def _trailing_mean(x: np.ndarray, h: int) -> np.ndarray:
    n = len(x)
    cs = np.concatenate([[0.0], np.cumsum(x)])
    j = np.arange(1, n + 1)
    i = np.maximum(j - h, 0)
    return (cs[j] - cs[i]) / (j - i)


def _ewma(x: np.ndarray, half_life: float) -> np.ndarray:
    a = 0.5 ** (1.0 / half_life)
    return lfilter([1.0 - a], [1.0, -a], x, zi=[a * x[0]])[0]


def _svensson(tau: np.ndarray | float, beta0, beta1, beta2, beta3, tau1, tau2) -> np.ndarray:
    """Svensson (1994) continuously compounded zero yield at maturity ``tau`` (years).

    ``y(tau) = b0 + b1 (1-e^{-x1})/x1 + b2 [(1-e^{-x1})/x1 - e^{-x1}] + b3 [(1-e^{-x2})/x2 - e^{-x2}]``
    with ``x_i = tau / tau_i``; parameters broadcast (the GSW convention: betas in percent,
    taus in years).
    """
    x1 = np.asarray(tau) / np.asarray(tau1)
    x2 = np.asarray(tau) / np.asarray(tau2)
    e1, e2 = np.exp(-x1), np.exp(-x2)
    g1, g2 = (1.0 - e1) / x1, (1.0 - e2) / x2
    return beta0 + beta1 * g1 + beta2 * (g1 - e1) + beta3 * (g2 - e2)


# ------------------------------------------------------------------------------------------------
# the simulation, block by block; each block reads the state built so far and returns new arrays
# ------------------------------------------------------------------------------------------------
def _surge(y: np.ndarray) -> np.ndarray:
    """The late inflation surge (0..1), peaking in 2022."""
    return np.exp(-0.5 * ((y - 2022.25) / 0.6) ** 2)


def _surge_response(y: np.ndarray) -> np.ndarray:
    """Policy's response to the surge (0..1): rises fast, fades slowly."""
    return np.exp(-0.5 * ((y - 2023.2) / np.where(y < 2023.2, 0.6, 1.3)) ** 2)


def _secular(g: _Grid) -> dict:
    """Deterministic anchors: trend inflation, neutral real rate, term premium, the surge."""
    ym, yd = g.yr_m, g.yr_bd
    pi_m = _knots(ym, _PI_TREND)
    s = {
        "pi_m": pi_m, "rstar_m": _knots(ym, _R_STAR), "tp_m": _knots(ym, _TP_BASE),
        "surge_m": _surge(ym), "surge_d": _surge(yd), "resp_m": _surge_response(ym),
        "pi_d": _knots(yd, _PI_TREND), "rstar_d": _knots(yd, _R_STAR), "tp_d": _knots(yd, _TP_BASE),
    }
    s["neutral_m"] = s["rstar_m"] + pi_m  # neutral nominal policy rate
    s["lbase_m"] = s["neutral_m"] + s["tp_m"]  # long-rate anchor
    s["lbase_d"] = s["rstar_d"] + s["pi_d"] + s["tp_d"]
    return s


def _cycle(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Recession dates and the monthly fed funds target (upper bound of the range)."""
    nm = g.nm
    recs: list[tuple[int, int, float]] = []
    t = int(rng.integers(30, 72))
    while t < nm:
        n = int(rng.integers(6, 17))
        recs.append((t, n, float(rng.uniform(0.6, 1.4))))
        t += n + int(rng.integers(72, 121))
    rec = np.zeros(nm)
    sev = np.zeros(nm)  # severity of the current or latest recession
    for r, n, s in recs:
        rec[r:r + n] = 1.0
        sev[r:] = s
    # the schedule is a stance, policy minus the long-rate anchor: well below it after a
    # recession, just below it through most of the expansion, above it (an inverted curve)
    # only after the last hikes before the recession
    lbase, neutral = w["lbase_m"], w["neutral_m"]
    km: list[float] = [0.0]
    kv: list[float] = [-1.5]
    zlb_mask = np.zeros(nm, dtype=bool)
    zlb_spells = 0
    for k, (r, n, s) in enumerate(recs):
        plateau = r - int(rng.integers(8, 17))
        cut = r - int(rng.integers(1, 5))
        overshoot = rng.uniform(1.0, 1.8)
        bottom = min(r + n + int(rng.integers(0, 7)), nm - 1)
        trough = neutral[bottom] - s * rng.uniform(2.5, 4.0)
        year = g.yr_m[min(r, nm - 1)]
        zlb = _LOW_ERA[0] <= year < _LOW_ERA[1] or (year >= _LOW_ERA[1] and trough < 1.0)
        # leave room for a hiking cycle before the next recession
        room = (recs[k + 1][0] if k + 1 < len(recs) else nm + 120) - bottom - 30
        if zlb:
            trough = 0.125
            hold = int(rng.integers(48, 85)) if zlb_spells == 0 else int(rng.integers(18, 37))
            hold = max(12, min(hold, room))
            zlb_spells += 1
            zlb_mask[bottom:bottom + hold] = True
        else:
            trough = max(trough, 1.0)
            hold = max(3, min(int(rng.integers(6, 25)), room))
        plateau = max(plateau, int(km[-1]) + 8)
        cut = max(cut, plateau + 1)
        late = max(plateau - int(rng.integers(3, 6)), int(km[-1]) + 1)
        end_hold = min(bottom + hold, nm - 1)
        km += [late, plateau, cut, bottom, end_hold]
        kv += [-0.4, overshoot, overshoot, trough - lbase[bottom], trough - lbase[end_hold]]
    km_arr = np.maximum.accumulate(np.asarray(km, dtype=float)) + np.arange(len(km)) * 1e-6
    target = lbase + np.interp(np.arange(nm), km_arr, kv)
    # after the last hold, normalise towards a mildly accommodative stance over three years
    last_end = km_arr[-1]
    tail = np.arange(nm) > last_end
    target[tail] = lbase[tail] + np.interp(np.arange(nm)[tail], [last_end, last_end + 36], [kv[-1], -1.0])
    target[zlb_mask] = 0.125
    target = np.where(g.yr_m > 2021.5, np.maximum(target, neutral + 3.0 * w["resp_m"]), target)
    upper = np.maximum(0.25, np.round(target * 4.0) / 4.0)
    return {"recessions": recs, "rec_m": rec, "sev_m": sev, "upper_m": upper, "zlb_m": (upper <= 0.25) * 1.0}


def _real_macro(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Growth, unemployment, core inflation, GDP and deflators (monthly)."""
    nm, ym = g.nm, g.yr_m
    rec, sev = w["rec_m"], w["sev_m"]
    trend = _knots(ym, _TREND_GROWTH)
    cyc = -5.5 * sev * rec
    for r, n, s in w["recessions"]:
        after = np.arange(r + n, min(r + n + 18, nm))
        cyc[after] += 2.5 * s * np.exp(-(after - r - n) / 12.0)
        before = np.arange(max(r - 12, 0), r)
        cyc[before] -= 1.0
    growth = trend + cyc + _ar1(2.0 * rng.standard_normal(nm), 0.3)  # annualised %
    ugap = _ar1(-0.03 * (growth - trend) + 0.2 * sev * rec + 0.06 * rng.standard_normal(nm), 0.975)
    unemp = np.maximum(2.5, _knots(ym, _U_STAR) + ugap)
    log_real = np.cumsum(growth) / 1200.0
    core = (w["pi_m"] - 0.25 * np.concatenate([np.zeros(6), ugap[:-6]]) + 3.5 * w["surge_m"]
            + _ar1(1.0 * rng.standard_normal(nm), 0.5))
    core_pce = core - 0.35 + _ar1(0.3 * rng.standard_normal(nm), 0.5)
    log_core = np.cumsum(core) / 1200.0
    log_core_pce = np.cumsum(core_pce) / 1200.0
    log_defl = np.cumsum(core_pce + 0.1) / 1200.0
    y17 = (ym >= 2017) & (ym < 2018)
    real_gdp = 18000.0 * np.exp(log_real - log_real[y17].mean())
    deflator = 100.0 * np.exp(log_defl - log_defl[y17].mean())
    gdp = real_gdp * deflator / 100.0
    # output gap proxy: log real GDP against its slow moving average
    gap = log_real - _ewma(log_real, 36.0)
    # earnings cycle: falls through each recession, recovers with a 9-month half-life
    ecyc = _ar1(np.where(rec > 0, -0.35 * sev / 10.0, 0.0), 0.93)
    log_eps = np.log(gdp) + _knots(ym, _MARGIN) + ecyc
    i85 = np.searchsorted(g.yr_m, 1985.0)
    log_eps += np.log(15.0) - log_eps[i85]
    return {"growth_m": growth, "trend_growth_m": trend, "ugap_m": ugap, "unemp_m": unemp, "core_m": core,
            "log_core_m": log_core, "log_core_pce_m": log_core_pce, "real_gdp_m": real_gdp, "gdp_m": gdp,
            "gap_m": gap, "log_eps_m": log_eps, "ecyc_m": ecyc}


def _balance_sheet(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Monthly Fed balance sheet (USD bn): QE during zero-lower-bound spells, QT after liftoff."""
    nm, gdp, zlb = g.nm, w["gdp_m"], w["zlb_m"]
    qe = np.zeros(nm)
    since_zlb, since_liftoff, peak = 0, -1, 0.0
    for m in range(1, nm):
        q = qe[m - 1]
        if zlb[m]:
            since_zlb = since_zlb + 1 if zlb[m - 1] else 1
            since_liftoff = -1
            if since_zlb <= 9:
                q += 0.015 * gdp[m]
            elif since_zlb <= 36:
                q += 0.005 * gdp[m]
        else:
            if zlb[m - 1]:
                since_liftoff = 0
            if since_liftoff >= 0:
                since_liftoff += 1
                if since_liftoff > 12 and q > 0.5 * peak:
                    q -= 0.003 * gdp[m]
        qe[m] = max(q, 0.0)
        peak = max(peak, qe[m])
    currency = _knots(g.yr_m, _CURRENCY_RATIO) * gdp
    base = 1.08 * currency + 0.004 * gdp
    ever_qe = np.maximum.accumulate(qe) > 0
    tga = np.where(ever_qe, 0.03, 0.0015) * gdp * np.exp(_ar1(0.08 * rng.standard_normal(nm), 0.6))
    treasuries = 0.88 * base + 0.6 * qe
    mbs = 0.4 * qe
    other = 0.12 * base
    # M2 (USD bn) grows with nominal GDP and with QE
    m2 = gdp * (_knots(g.yr_m, _M2_RATIO) + 0.9 * qe / gdp) * np.exp(_ar1(0.004 * rng.standard_normal(nm), 0.95))
    excess = treasuries + mbs + other - currency - tga
    rrp = 0.5 * np.maximum(0.0, excess - 0.25 * m2)
    reserves = treasuries + mbs + other - currency - tga - rrp - 0.02 * base
    return {"qe_m": qe, "currency_m": currency, "tga_m": tga, "treasuries_m": treasuries, "mbs_m": mbs,
            "other_m": other, "m2_m": m2, "rrp_m": rrp, "reserves_m": reserves, "base_m": base}


def _risk(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """VIX with blow-ups, the S&P 500 (earnings x P/E) and the standardized equity shock."""
    n = g.nbd
    rec_d = g.to_daily(_ewma(w["rec_m"], 3.0) * w["sev_m"])
    z, v = rng.standard_normal(n), rng.standard_normal(n)
    jump = np.zeros(n)
    first_bd = np.searchsorted(g.bd_month, np.arange(g.nm))
    events = []
    for r, _, s in w["recessions"]:
        m = min(r + int(rng.integers(0, 4)), g.nm - 1)
        events.append((min(first_bd[m] + int(rng.integers(0, 15)), n - 1), np.log(rng.uniform(2.6, 3.6)),
                       int(rng.integers(2, 5))))
    n_random = int(rng.poisson(0.3 * n / 261.0))
    for d, size, k in zip(rng.integers(0, n, n_random), np.log(rng.uniform(2.1, 2.8, n_random)),
                          rng.integers(2, 5, n_random)):
        events.append((int(d), float(size), int(k)))
    for d, size, k in events:
        jump[d:d + k] += size / k
    kappa = 0.03
    theta = np.log(15.5) + 0.45 * rec_d
    shocks = kappa * theta + 0.075 * (-0.75 * z + 0.66 * v) + jump
    logv = np.clip(_ar1(shocks, 1.0 - kappa, theta[0]), np.log(9.0), np.log(85.0))
    vix = np.exp(logv)
    sigma = 0.8 * np.concatenate([[np.exp(theta[0])], vix[:-1]]) / 100.0 / np.sqrt(252.0)
    r_jump = -0.08 * jump
    e_eq = np.clip(z + r_jump / sigma, -6.0, 6.0)
    # log P/E: mean reversion (3-year half-life) to a slow anchor, daily shocks scaled by VIX
    kp = 1.0 - 0.5 ** (1.0 / 750.0)
    pe_bar = np.log(_knots(g.yr_bd, _PE_BASE))
    log_pe = _ar1(kp * pe_bar + sigma * z + r_jump - 0.5 * sigma**2, 1.0 - kp, pe_bar[0])
    log_eps_d = g.to_daily(w["log_eps_m"])
    log_sp = log_eps_d + log_pe
    vix3m = np.exp(np.log(22.5) + 0.6 * (logv - np.log(22.5)) + _ou(rng, n, 10.0, 0.03))
    return {"vix_d": vix, "vix3m_d": vix3m, "logv_d": logv, "sigma_d": sigma, "e_eq_d": e_eq, "r_jump_d": r_jump,
            "log_sp_d": log_sp, "log_pe_d": log_pe, "rec_d": rec_d, "stress_d": np.clip((vix - 20.0) / 30.0, 0, 1),
            "events": events}


def _curve(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Svensson factors, zero and par curves, term premium (daily)."""
    n = g.nbd
    upper = w["upper_m"][g.step_month_bd]
    policy_mid = np.where(upper <= 0.25, 0.125, upper - 0.125)
    p3 = _fwd_mean(policy_mid, 63)
    pin = np.clip(p3 / 1.5, 0.12, 1.0)
    rho = _knots(g.yr_bd, _STOCK_BOND)
    e_c = np.clip(w["e_eq_d"], -5.0, 5.0)
    u = rng.standard_normal((7, n))
    vol = np.clip(0.55 + 0.06 * w["lbase_d"], 0.7, 1.4)
    e_level = rho * e_c + np.sqrt(1.0 - rho**2) * u[0]
    e_tp = 0.5 * rho * e_c + np.sqrt(1.0 - 0.25 * rho**2) * u[1]
    x_exp = _ou(rng, n, 80.0, 0.40, vol * e_level)
    x_tp = _ou(rng, n, 400.0, 0.45, vol * e_tp)
    x_s = _ou(rng, n, 30.0, 0.15, u[2]) * pin
    x_c = _ou(rng, n, 60.0, 0.60, u[3]) * (0.35 + 0.65 * pin)
    zlbw = _ewma((upper <= 0.25) * 1.0, 120.0)
    dip = 0.7 * w["rec_d"]
    level = w["lbase_d"] + x_exp + x_tp - dip + 0.3 * w["surge_d"]
    params = {
        "beta0": level,
        "beta1": p3 + x_s - level,
        "beta2": -1.5 * zlbw + x_c,
        "beta3": _ou(rng, n, 250.0, 0.6, u[4]),
        "tau1": np.clip(1.8 * np.exp(_ou(rng, n, 500.0, 0.15, u[5])), 0.8, 4.0),
        "tau2": np.clip(9.0 * np.exp(_ou(rng, n, 500.0, 0.15, u[6])), 5.0, 20.0),
    }
    # GSW publishes rounded parameters; every curve below is built from the rounded values
    params = {k: np.round(v, 7) for k, v in params.items()}
    p = {k: v[:, None] for k, v in params.items()}
    half = np.arange(1, 61) / 2.0  # every half year to 30 years
    zero_half = _svensson(half[None, :], **p)
    zero_annual = zero_half[:, 1::2]
    # par yields: semi-annual coupons on the zero curve for tenors from 1 year, simple yield below
    disc = np.exp(-zero_half / 100.0 * half[None, :])
    annuity = np.cumsum(disc, axis=1)
    par = {}
    for key, tau in _CMT.items():
        if tau >= 1.0:
            j = int(round(tau * 2)) - 1
            par[key] = 200.0 * (1.0 - disc[:, j]) / annuity[:, j]
        else:
            z = _svensson(tau, **params)
            par[key] = 100.0 * np.expm1(z / 100.0 * tau) / tau
        par[key] = np.maximum(par[key], 0.0)
    z3m = _svensson(0.25, **params)
    tbill = 100.0 * (1.0 - np.exp(-z3m / 100.0 * 91 / 365)) * 360 / 91
    tp10 = w["tp_d"] + x_tp + 0.2 * w["surge_d"]
    return {"params": params, "zero_d": zero_annual, "par_d": par, "tbill_d": np.maximum(tbill, 0.0),
            "tp10_d": tp10, "upper_d": upper, "x_level_d": x_exp + x_tp, "pin_d": pin, "p3_d": p3}


def _markets(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Oil, breakevens and TIPS, gold, credit spreads, the dollar indexes, mortgage spread."""
    n = g.nbd
    yd = g.yr_bd
    e_c = np.clip(w["e_eq_d"], -5.0, 5.0)
    stress = w["stress_d"]
    log_core_d = g.to_daily(w["log_core_m"])
    i85 = np.searchsorted(yd, 1985.0)
    # oil: real price deviation (slow), recessions and the inflation surge, equity-crash coupling
    x_oil = _ou(rng, n, 500.0, 0.35, 0.3 * e_c + 0.95 * rng.standard_normal(n))
    oil_cum = np.cumsum(0.4 * w["r_jump_d"])
    log_wti = (np.log(27.0) + log_core_d - log_core_d[i85] + x_oil + oil_cum - oil_cum[i85] - 0.35 * w["rec_d"]
               + 0.35 * np.exp(-0.5 * ((yd - 2022.0) / 0.5) ** 2))
    log_brent = log_wti + 0.02 + _ou(rng, n, 60.0, 0.04)
    # breakevens and real yields: nominal minus breakeven
    x_b = _ou(rng, n, 120.0, 0.2)
    bei10 = w["pi_d"] + 0.25 + 0.5 * w["surge_d"] + x_b - 0.8 * stress + 0.15 * x_oil
    bei5 = w["pi_d"] + 0.10 + 0.8 * w["surge_d"] + 1.4 * x_b - 1.4 * stress + 0.35 * x_oil
    bei20 = bei10 + 0.05 + _ou(rng, n, 60.0, 0.03)
    bei30 = bei10 + 0.02 + _ou(rng, n, 60.0, 0.03)
    par = w["par_d"]
    tips = {"tips_5y": par["ust_5y"] - bei5, "tips_10y": par["ust_10y"] - bei10,
            "tips_20y": par["ust_20y"] - bei20, "tips_30y": par["ust_30y"] - bei30}
    # dollar factor: risk-off and U.S.-yield loading (the latter fading into a "fiscal frown")
    b_yield = _knots(yd, ((1962, 0.35), (2023.5, 0.35), (2025.5, -0.15), (2100, -0.15)))
    e_level = np.clip(np.diff(w["x_level_d"], prepend=w["x_level_d"][0]) / 0.06, -5, 5)
    e_usd = 0.35 * (-e_c) + b_yield * e_level + 0.85 * rng.standard_normal(n)
    x_usd = _ou(rng, n, 750.0, 0.10, e_usd / np.std(e_usd)) + 0.06 * (w["logv_d"] - np.log(17.0))
    i06 = np.searchsorted(g.bd, np.datetime64("2006-01-02"))
    x_usd = x_usd - x_usd[i06]
    usd_broad = 100.0 * np.exp(x_usd + 0.01 * (yd - 2006.0))
    usd_afe = 100.0 * np.exp(1.15 * x_usd + _ou(rng, n, 500.0, 0.04))
    usd_eme = 100.0 * np.exp(0.8 * x_usd + _ou(rng, n, 500.0, 0.05) + 0.02 * (yd - 2006.0))
    usd_afe /= usd_afe[i06] / 100.0
    usd_eme /= usd_eme[i06] / 100.0
    # gold: negative loading on real yields and the dollar, inflation, a late premium
    tips10 = tips["tips_10y"]
    x_gold = _ou(rng, n, 1000.0, 0.25)
    log_gold = (np.log(300.0) + log_core_d - log_core_d[i85] - 0.12 * (tips10 - tips10[i85]) - 0.4 * x_usd
                + x_gold - x_gold[i85] + _knots(yd, _GOLD_PREMIUM))
    # credit: spreads rise with VIX and in recessions, with a slow common credit cycle
    lv = w["logv_d"] - np.log(16.0)
    x_cr = _ou(rng, n, 250.0, 0.15)
    rec = w["rec_d"]
    hy = np.exp(np.log(3.6) + 0.85 * lv + x_cr + 0.25 * rec)
    ig = np.exp(np.log(1.2) + 0.65 * lv + 0.6 * x_cr + 0.15 * rec + _ou(rng, n, 60.0, 0.05))
    aaa10 = np.exp(np.log(0.9) + 0.25 * lv + 0.3 * x_cr + _ou(rng, n, 120.0, 0.12))
    baa10 = aaa10 + np.exp(np.log(0.9) + 0.6 * lv + 0.5 * x_cr + 0.2 * rec + _ou(rng, n, 120.0, 0.08))
    mortgage_spread = 1.6 + 0.6 * stress + _ou(rng, n, 250.0, 0.2)
    return {"log_wti_d": log_wti, "log_brent_d": log_brent, "x_oil_d": x_oil, "bei": {"bei_5y": bei5, "bei_10y": bei10},
            "tips": tips, "x_usd_d": x_usd, "usd_broad_d": usd_broad, "usd_afe_d": usd_afe, "usd_eme_d": usd_eme,
            "log_gold_d": log_gold, "hy_d": hy, "ig_d": ig, "aaa10_d": aaa10, "baa10_d": baa10,
            "mortgage_spread_d": mortgage_spread}


def _international(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Foreign 10-year yields (daily), policy paths, overnight, 3-month and 2-year rates."""
    n, yd = g.nbd, g.yr_bd
    us_dev = w["x_level_d"] - 0.7 * w["rec_d"]
    y10 = {}
    for c, pts in _Y10.items():
        anchor = _knots(yd, pts)
        scale = np.clip((anchor + 1.0) / 3.0, 0.15, 1.0)
        y10[c] = anchor + _Y10_BETA[c] * us_dev * scale + _ou(rng, n, 250.0, 0.3) * scale
    y10["fr"] = y10["de"] + _knots(yd, _FR_SPREAD) + _ou(rng, n, 120.0, 0.08)
    y10["it"] = y10["de"] + _knots(yd, _IT_SPREAD) + _ou(rng, n, 120.0, 0.25)
    y10["ez"] = 0.5 * y10["de"] + 0.3 * y10["fr"] + 0.2 * y10["it"]
    # policy: a monthly path tied to the local long anchor and the U.S. cycle, floored, stepped
    us_cycle = w["upper_m"] - w["neutral_m"]
    policy, policy_d = {}, {}
    for c, anchor_c in _POLICY_ANCHOR.items():
        anchor = _knots(g.yr_m, _Y10[anchor_c])
        step = _POLICY_STEP[c]
        sd = 0.3 if c == "jp" else 0.7
        raw = (anchor - _TERM_SPREAD[c] + _POLICY_US_BETA[c] * us_cycle
               + _ar1(sd * np.sqrt(1 - 0.97**2) * rng.standard_normal(g.nm), 0.97))
        p = np.maximum(np.round(raw / step) * step, _knots(g.yr_m, _FLOOR[c]))
        policy[c] = np.round(p, 2)
        policy_d[c] = policy[c][g.step_month_bd]
    stress = w["stress_d"]
    overnight = {
        "ez": policy_d["ez"] - 0.09 + 0.005 * rng.standard_normal(n),
        "gb": policy_d["gb"] - 0.05 + 0.005 * rng.standard_normal(n),
        "jp": policy_d["jp"] - 0.02 + 0.005 * rng.standard_normal(n),
        "au": policy_d["au"] + 0.003 * rng.standard_normal(n),
        "ca": policy_d["ca"] - 0.01 + 0.005 * rng.standard_normal(n),
    }
    fwd3 = {c: _fwd_mean(policy_d[c], 63) for c in policy_d}
    fwd2y = {c: _fwd_mean(policy_d[c], 504) for c in policy_d}
    premium = {"ez": 0.10, "jp": 0.05, "gb": 0.15, "au": 0.15, "ca": 0.10, "ch": 0.0}
    interbank = {c: fwd3[c] + premium[c] + 0.5 * stress + _ou(rng, n, 20.0, 0.05) for c in policy_d}
    bills3m = {"de": fwd3["ez"] - 0.05 + _ou(rng, n, 20.0, 0.04), "au": fwd3["au"] + 0.10 + _ou(rng, n, 20.0, 0.04),
               "ca": fwd3["ca"] - 0.05 + _ou(rng, n, 20.0, 0.04)}
    two_year = {"de": 0.6 * fwd2y["ez"] + 0.4 * y10["de"] - 0.2 + _ou(rng, n, 60.0, 0.12),
                "gb": 0.6 * fwd2y["gb"] + 0.4 * y10["gb"] - 0.2 + _ou(rng, n, 60.0, 0.12),
                "jp": 0.6 * fwd2y["jp"] + 0.3 * y10["jp"] - 0.05 + _ou(rng, n, 60.0, 0.05)}
    return {"y10_d": y10, "policy_m": policy, "policy_d": policy_d, "overnight_d": overnight,
            "interbank_d": interbank, "bills3m_d": bills3m, "two_year_d": two_year}


def _fx(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Bilateral rates in foreign currency per USD (converted to catalog quotes at emission)."""
    n, yd = g.nbd, g.yr_bd
    i00 = np.searchsorted(g.bd, np.datetime64("2000-01-03"))
    x_usd = w["x_usd_d"] - w["x_usd_d"][i00]
    us10 = w["par_d"]["ust_10y"]
    out = {}
    for key, (level, beta, trend) in _FX.items():
        diff = us10 - w["y10_d"][_FX_Y10[key]]
        own = _ou(rng, n, 500.0, 0.10)
        log_fx = (np.log(level) + beta * x_usd + trend * (yd - 2000.0) + own - own[i00]
                  + 0.03 * (diff - diff[i00]))
        out[key] = np.exp(log_fx)
    out["usdcny"] = _knots(yd, _CNY) * np.exp(0.3 * x_usd * (yd > 2015.5) + _ou(rng, n, 120.0, 0.01))
    return {"fx_per_usd_d": out}


def _funding(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Target range, EFFR, IORB, SOFR (with one repo spike), RRP and the weekly balance sheet."""
    n = g.nbd
    upper = w["upper_d"]
    lower = upper - 0.25
    abundance_m = np.clip((w["reserves_m"] / w["gdp_m"] - 0.02) / 0.06, 0.0, 1.0)
    a = g.to_daily(abundance_m)
    effr = lower + np.clip(0.125 - 0.045 * a + (0.015 * (1 - a) + 0.004) * rng.standard_normal(n), 0.01, 0.24)
    effr = np.round(effr, 2)
    iorb = upper - 0.10
    dom = (g.bd - g.bd.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    month_end = np.r_[g.bd_month[1:] != g.bd_month[:-1], True]
    quarter_end = month_end & (g.bd_month % 3 == 2)
    sofr = (effr - 0.03 + 0.06 * (1 - a) + month_end * (0.02 + 0.04 * (1 - a)) + quarter_end * (0.02 + 0.05 * (1 - a))
            + 0.01 * rng.standard_normal(n))
    # one repo-spike episode: the month of scarcest reserves (relative to GDP) in the 2012-2024
    # window outside the zero lower bound
    ratio = w["reserves_m"] / w["gdp_m"]
    window = (g.yr_m >= 2012.0) & (g.yr_m < 2024.0) & (w["zlb_m"] == 0)
    cand = np.flatnonzero(window)
    m_spike = int(cand[np.argmin(ratio[cand])]) if len(cand) else int(np.searchsorted(g.yr_m, 2019.7))
    day = int(np.flatnonzero((g.bd_month == m_spike) & (dom >= 15))[0])
    sofr[day:day + 3] += np.array([2.8, 0.9, 0.2])[: max(0, min(3, n - day))]
    sofr = np.round(np.maximum(sofr, np.maximum(lower - 0.05, 0.01)), 2)
    # RRP (USD bn, business days): the monthly glut plus quarter-end bumps and noise
    rrp = g.to_daily(w["rrp_m"]) * (1.0 + 0.15 * quarter_end) * np.exp(_ou(rng, n, 10.0, 0.08))
    rrp = np.where(rrp < 1.0, np.abs(0.3 * rng.standard_normal(n)) * (rng.uniform(size=n) < 0.2), rrp)
    # weekly (Wednesday) balance sheet in USD bn; discount window spikes in the worst recession
    wed = g.weekly(2)
    nw = len(wed)

    def interp(key: str) -> np.ndarray:
        return g.at(wed, w[key])

    def noise(sd: float) -> np.ndarray:
        return np.exp(_ar1(sd * rng.standard_normal(nw), 0.7))

    dw = 0.2 * np.exp(0.8 * rng.standard_normal(nw))
    in_range = [rc for rc in w["recessions"] if 1985.0 <= g.yr_m[min(rc[0], g.nm - 1)] < 2024.0]
    worst = max(in_range, key=lambda rc: rc[2]) if in_range else w["recessions"][0]
    t_yr = _years(wed)
    for rc in w["recessions"]:
        start_yr = g.yr_m[min(rc[0], g.nm - 1)] + 2.0 / 12.0
        peak = 100.0 if rc == worst else 5.0 * rc[2]
        age = (t_yr - start_yr) * 52.0
        dw += np.where(age >= 0, peak * np.minimum(1.0, (age + 1) / 3.0) * np.exp(-np.maximum(age, 0) / 12.0), 0.0)
    treasuries = interp("treasuries_m") * noise(0.004)
    mbs = interp("mbs_m") * noise(0.003)
    other = interp("other_m") * noise(0.02) + dw
    assets = treasuries + mbs + other
    tga = interp("tga_m") * noise(0.12)
    rrp_w = g.on_bd(wed, rrp)
    reserves = np.maximum(assets - interp("currency_m") - tga - rrp_w - 0.02 * interp("base_m"), 5.0)
    return {"lower_d": lower, "effr_d": effr, "iorb_d": iorb, "sofr_d": sofr, "rrp_d": rrp, "spike_day": day,
            "wed": wed, "fed_assets_w": assets, "fed_treasuries_w": treasuries, "fed_mbs_w": mbs,
            "discount_window_w": dw, "tga_w": tga, "reserves_w": reserves}


def _nominal_macro(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Headline prices, money and credit, labor detail, fiscal accounts, financial conditions."""
    nm, ym = g.nm, g.yr_m
    log_oil_m = g.month_mean(w["log_wti_d"])
    d_oil = np.diff(log_oil_m, prepend=log_oil_m[0])
    d_core = np.diff(w["log_core_m"], prepend=0.0)
    d_cpi = d_core + 0.035 * (d_oil - d_core)
    d_core_pce = np.diff(w["log_core_pce_m"], prepend=0.0)
    d_pce = d_core_pce + 0.03 * (d_oil - d_core_pce)
    d_ppi = d_cpi + 0.3 * d_oil + 0.004 * rng.standard_normal(nm)

    def index(d_log, ref_year, ref_value=100.0, span=1):
        lvl = np.cumsum(d_log)
        sel = (ym >= ref_year) & (ym < ref_year + span)
        return ref_value * np.exp(lvl - lvl[sel].mean())

    out = {
        "cpi_m": index(d_cpi, 1982, span=3), "core_cpi_m": index(d_core, 1982, span=3),
        "pce_price_m": index(d_pce, 2017), "core_pce_m": index(d_core_pce, 2017),
        "ppi_m": index(d_ppi, 1982),
    }
    cpi_yoy = 100.0 * (out["cpi_m"] / np.r_[np.full(12, np.nan), out["cpi_m"][:-12]] - 1.0)
    cpi_yoy[:12] = w["pi_m"][:12]
    gdp, growth, trend = w["gdp_m"], w["growth_m"], w["trend_growth_m"]
    unemp, ugap = w["unemp_m"], w["ugap_m"]
    d_emp = (_knots(ym, _LABOR_GROWTH) / 1200.0 - np.diff(unemp, prepend=unemp[0]) / 100.0
             + 0.0008 * rng.standard_normal(nm))
    emp = np.cumsum(d_emp)
    out["payrolls_m"] = 130000.0 * np.exp(emp - emp[np.searchsorted(ym, 2000.0)])
    d_ip = (_knots(ym, ((1962, 3.5), (2000, 2.5), (2008, 1.0), (2100, 1.0))) + 2.2 * (growth - trend)) / 1200.0
    out["indpro_m"] = index(d_ip + 0.005 * rng.standard_normal(nm), 2017)
    out["umich_m"] = np.clip(92.0 - 2.0 * (cpi_yoy - 2.5) - 3.0 * np.maximum(ugap, 0) - 12.0 * _ewma(w["rec_m"], 2.0)
                             + _ar1(3.0 * rng.standard_normal(nm), 0.6), 50.0, 112.0)
    out["m2_m"] = w["m2_m"]
    out["m2_real_m"] = w["m2_m"] / out["cpi_m"] * 100.0
    loan_cycle = _ar1(np.where(np.roll(w["rec_m"], 6) > 0, -0.012 * w["sev_m"], 0.0015), 0.99)
    era = _knots(ym, ((1962, 0.0), (2008, 0.0), (2012, -0.15), (2100, -0.2)))
    out["bus_loans_m"] = gdp * 0.105 * np.exp(loan_cycle + era + _ar1(0.004 * rng.standard_normal(nm), 0.9))
    out["bank_credit_m"] = gdp * 0.55 * np.exp(0.5 * loan_cycle + 0.3 * era + _knots(ym, ((1962, -0.2), (2008, 0.1),
                                                                                         (2100, 0.1))))
    out["investment_m"] = gdp * 0.125 * np.exp(2.5 * w["gap_m"] + _ar1(0.01 * rng.standard_normal(nm), 0.8))
    mortgage_m = g.month_mean(w["par_d"]["ust_10y"]) + 1.7
    out["dsr_m"] = _knots(ym, _DSR_BASE) + 0.25 * (mortgage_m - 7.0) + _ar1(0.05 * rng.standard_normal(nm), 0.9)
    # fiscal: primary deficit, interest at a slow average of the 5-year yield, debt accumulation
    zlb_rec = np.zeros(nm)
    for r, n, s in w["recessions"]:
        big = bool(w["zlb_m"][min(r + n, nm - 1)])
        zlb_rec[r:r + n + 12] += (4.0 * s) if big else 1.5 * s
    primary = _knots(ym, _PRIMARY_DEFICIT) + 0.3 * np.maximum(ugap, 0) + zlb_rec
    r_eff = _ewma(g.month_mean(w["par_d"]["ust_5y"]), 48.0)
    debt = np.empty(nm)
    interest = np.empty(nm)
    debt_prev = 0.30 * gdp[0]
    for m in range(nm):
        interest[m] = r_eff[m] / 100.0 * debt_prev
        # a mild fiscal reaction: primary balances tighten as debt rises above 60% of GDP
        primary[m] -= 0.02 * (100.0 * debt_prev / gdp[m] - 60.0)
        debt_prev = debt_prev + (primary[m] / 100.0 * gdp[m] + interest[m]) / 12.0
        debt[m] = debt_prev
    out.update({"debt_m": debt, "interest_m": interest, "deficit_flow_m": primary / 100.0 * gdp + interest})
    # weekly claims (Saturday): level effect of unemployment and the pace of its rise
    sat = g.weekly(5)
    u_w = g.at(sat, unemp)
    du3 = g.at(sat, unemp - np.r_[np.full(3, unemp[0]), unemp[:-3]])
    lf = g.at(sat, out["payrolls_m"])
    claims = (330000.0 * (lf / 130000.0) ** 0.7 * np.exp(0.10 * (u_w - g.at(sat, _knots(ym, _U_STAR)))
              + 0.6 * np.maximum(du3, 0.0) + _ar1(0.04 * rng.standard_normal(len(sat)), 0.5)))
    out.update({"sat": sat, "claims_w": claims})
    # financial conditions (Friday): a composite of VIX, high-yield spreads and funding stress
    f = (0.55 * (w["logv_d"] - np.log(17.0)) / 0.3 + 0.45 * (np.log(w["hy_d"]) - np.log(4.5)) / 0.35
         + 2.0 * np.clip(w["sofr_d"] - w["effr_d"], 0, None))
    fri = g.weekly(4)
    f_w = g.on_bd(fri, _trailing_mean(f, 5))
    nfci = 0.45 * f_w - 0.35 + _ar1(0.02 * rng.standard_normal(len(fri)), 0.8)
    out.update({"fri": fri, "nfci_w": nfci, "anfci_w": nfci + 0.15 * g.at(fri, ugap) - 0.05,
                "stlfsi_w": 0.9 * f_w - 0.3 + _ar1(0.05 * rng.standard_normal(len(fri)), 0.8)})
    # bank credit weekly (Wednesday)
    wed = w["wed"]
    out["bank_credit_w"] = g.at(wed, out["bank_credit_m"]) * np.exp(_ar1(0.002 * rng.standard_normal(len(wed)), 0.8))
    out["mortgage_w"] = g.on_bd(g.weekly(3), w["par_d"]["ust_10y"] + w["mortgage_spread_d"])
    return out


def _international_macro(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    nm, ym = g.nm, g.yr_m
    log_oil_m = g.month_mean(w["log_wti_d"])
    d_oil = np.diff(log_oil_m, prepend=log_oil_m[0])
    us_dev = w["core_m"] - w["pi_m"] - 3.5 * w["surge_m"]
    cpi = {}
    sel = (ym >= 2015) & (ym < 2016)
    for c, pts in _CPI_TREND.items():
        infl = (_knots(ym, pts) + 0.4 * us_dev + _SURGE_AMP[c] * w["surge_m"]
                + _ar1(1.5 * rng.standard_normal(nm), 0.3))
        lvl = np.cumsum(infl / 1200.0 + 0.08 * d_oil)
        cpi[c] = 100.0 * np.exp(lvl - lvl[sel].mean())
    cpi["ea_cc"] = cpi["ea"] * np.exp(_ar1(0.0015 * rng.standard_normal(nm), 0.95))
    credit = {c: _knots(ym, pts) * np.exp(_ar1(0.01 * rng.standard_normal(nm), 0.97)) for c, pts in _CREDIT_GDP.items()}
    return {"intl_cpi_m": cpi, "credit_gdp_m": credit}


def _positions(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """CFTC Treasury futures (leveraged funds, open interest) and gold, weekly on Tuesdays."""
    tue = g.weekly(1)
    nt = len(tue)
    yr = _years(tue)
    debt = g.at(tue, w["debt_m"])
    debt20 = np.interp(2020.0, g.yr_m, w["debt_m"])
    stress = g.on_bd(tue, _trailing_mean(w["stress_d"], 5))
    basis = _knots(yr, _BASIS_TRADE)
    out = {"tue": tue}
    for fut, oi0 in _TFF_OI.items():
        oi = oi0 * (debt / debt20) ** 0.8 * np.exp(_ar1(0.03 * rng.standard_normal(nt), 0.9))
        short = oi * np.clip(0.12 + 0.20 * basis * (1.0 - 0.5 * stress) + _ar1(0.01 * rng.standard_normal(nt), 0.9),
                             0.02, 0.6)
        long = oi * np.clip(0.08 + _ar1(0.01 * rng.standard_normal(nt), 0.9), 0.01, 0.3)
        out[fut] = (long, short, oi)
    gold = g.on_bd(tue, w["log_gold_d"])
    mom = gold - np.r_[np.full(26, gold[0]), gold[:-26]]
    goi = 250000.0 * np.exp(0.012 * (yr - 1995.0) + _ar1(0.03 * rng.standard_normal(nt), 0.9))
    out["gold"] = (goi * (0.12 + 0.5 * np.tanh(4.0 * mom)), goi)
    return {"positions": out}


def _shiller(g: _Grid, w: dict, cpi_last: float) -> dict:
    """Shiller's monthly columns; real values in dollars of the latest published CPI month."""
    price = g.month_mean(np.exp(w["log_sp_d"]))
    eps = np.exp(w["log_eps_m"])
    dividend = 0.45 * np.exp(_ewma(w["log_eps_m"] - w["ecyc_m"], 24.0))
    cpi = w["cpi_m"]
    real_price = price * cpi_last / cpi
    real_eps = eps * cpi_last / cpi
    trailing = np.full(g.nm, np.nan)
    cs = np.concatenate([[0.0], np.cumsum(real_eps)])
    trailing[120:] = (cs[120:-1] - cs[:-121]) / 120.0  # the previous ten years, excluding the month
    return {"shiller_price": price, "shiller_dividend": dividend, "shiller_earnings": eps,
            "shiller_cpi": cpi, "shiller_long_rate": g.month_mean(np.round(w["par_d"]["ust_10y"], 2)),
            "shiller_real_price": real_price, "shiller_real_earnings": real_eps,
            "shiller_cape": real_price / trailing}


# ------------------------------------------------------------------------------------------------
# mapping the world onto catalog keys
# ------------------------------------------------------------------------------------------------
def _table(g: _Grid, w: dict) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    """Catalog key -> (dates, values, decimals), before cutting to ``[start, as_of]``."""
    bd, cal, mon, q = g.bd, g.cal, g.mon, g.quarters()
    t: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
    par = w["par_d"]
    for key in _CMT:
        t[key] = (bd, np.round(par[key], 2), 2)
    t["tbill_3m"] = (bd, w["tbill_d"], 2)
    t["spread_10y2y"] = (bd, t["ust_10y"][1] - t["ust_2y"][1], 2)
    t["spread_10y3m"] = (bd, t["ust_10y"][1] - t["ust_3m"][1], 2)
    # real yields are rounded first; breakevens are nominal minus real, as FRED computes them
    for key, x in w["tips"].items():
        t[key] = (bd, np.round(x, 2), 2)
    b5 = t["ust_5y"][1] - t["tips_5y"][1]
    b10 = t["ust_10y"][1] - t["tips_10y"][1]
    t["bei_5y"] = (bd, b5, 2)
    t["bei_10y"] = (bd, b10, 2)
    t["bei_5y5y"] = (bd, 100.0 * (((1 + b10 / 100) ** 10 / (1 + b5 / 100) ** 5) ** 0.2 - 1.0), 2)
    # policy and funding; calendar-daily series carry the latest business-day value
    c = g.cal_bd
    t["fed_target_upper"] = (cal, w["upper_d"][c], 2)
    t["fed_target_lower"] = (cal, w["lower_d"][c], 2)
    t["effr"] = (bd, w["effr_d"], 2)
    t["effr_7d"] = (cal, w["effr_d"][c], 2)
    cal_month = (cal.astype("datetime64[M]") - mon[0].astype("datetime64[M]")).astype(np.int64)
    t["fedfunds_m"] = (mon, np.bincount(cal_month, weights=w["effr_d"][c]) / np.bincount(cal_month), 2)
    t["iorb"] = (cal, w["iorb_d"][c], 2)
    t["ioer"] = (cal, w["iorb_d"][c], 2)
    t["sofr"] = (bd, w["sofr_d"], 2)
    sofr_cal = w["sofr_d"][c]
    cs = np.concatenate([[0.0], np.cumsum(np.log1p(sofr_cal / 36000.0))])
    comp = (np.exp(cs[30:] - cs[:-30]) - 1.0) * 36000.0 / 30.0  # window of the 30 days ending each day
    sofr30 = np.full(len(cal), np.nan)
    sofr30[29:] = comp
    t["sofr_30d"] = (bd, sofr30[np.searchsorted(cal, bd)], 5)
    t["ecb_deposit"] = (cal, w["policy_d"]["ez"][c], 2)
    t["rrp"] = (bd, w["rrp_d"], 3)
    wed = w["wed"]
    t["reserves"] = (wed, 1000.0 * w["reserves_w"], 0)
    t["tga"] = (wed, w["tga_w"], 3)
    t["fed_assets"] = (wed, 1000.0 * w["fed_assets_w"], 0)
    t["fed_treasuries"] = (wed, 1000.0 * w["fed_treasuries_w"], 0)
    t["fed_mbs"] = (wed, 1000.0 * w["fed_mbs_w"], 0)
    t["discount_window"] = (wed, 1000.0 * w["discount_window_w"], 0)
    # credit
    t["aaa_10y"] = (bd, np.round(w["aaa10_d"], 2), 2)
    t["baa_10y"] = (bd, np.round(w["baa10_d"], 2), 2)
    t["aaa_yield"] = (bd, t["ust_10y"][1] + t["aaa_10y"][1], 2)
    t["baa_yield"] = (bd, t["ust_10y"][1] + t["baa_10y"][1], 2)
    t["ig_oas"] = (bd, w["ig_d"], 2)
    t["hy_oas"] = (bd, w["hy_d"], 2)
    t["mortgage_30y"] = (g.weekly(3), w["mortgage_w"], 2)
    # equities and volatility
    t["sp500"] = (bd, np.exp(w["log_sp_d"]), 2)
    t["nasdaq"] = (bd, w["nasdaq_d"], 2)
    t["nikkei225"] = (bd, w["nikkei_d"], 2)
    t["topix"] = (bd, w["topix_d"], 2)
    t["vix"] = (bd, w["vix_d"], 2)
    t["vix3m"] = (bd, w["vix3m_d"], 2)
    # dollar and FX (catalog quote conventions)
    t["usd_broad"] = (bd, w["usd_broad_d"], 4)
    t["usd_afe"] = (bd, w["usd_afe_d"], 4)
    t["usd_eme"] = (bd, w["usd_eme_d"], 4)
    for key, x in w["fx_per_usd_d"].items():
        usd_per_fx = CATALOG[key].units == "usd_per_fx"
        t[key] = (bd, 1.0 / x if usd_per_fx else x, 2 if key == "usdjpy" else 4)
    # commodities
    t["wti"] = (bd, np.exp(w["log_wti_d"]), 2)
    t["brent"] = (bd, np.exp(w["log_brent_d"]), 2)
    gold = np.round(np.exp(w["log_gold_d"]), 2)
    t["gold_pm"] = (bd, gold, 2)
    t["gold_monthly"] = (mon, g.month_mean(gold), 2)
    t["ppi_commodities"] = (mon, w["ppi_m"], 1)
    # U.S. macro
    t["cpi"] = (mon, w["cpi_m"], 3)
    t["core_cpi"] = (mon, w["core_cpi_m"], 3)
    t["pce_price"] = (mon, w["pce_price_m"], 3)
    t["core_pce"] = (mon, w["core_pce_m"], 3)

    def qmean(x: np.ndarray) -> np.ndarray:
        return x.reshape(-1, 3).mean(axis=1)

    t["gdp"] = (q, qmean(w["gdp_m"]), 3)
    t["real_gdp"] = (q, qmean(w["real_gdp_m"]), 3)
    t["payrolls"] = (mon, w["payrolls_m"], 0)
    t["unemployment"] = (mon, w["unemp_m"], 1)
    t["indpro"] = (mon, w["indpro_m"], 4)
    t["claims"] = (w["sat"], np.round(w["claims_w"], -3), 0)
    t["umich"] = (mon, w["umich_m"], 1)
    t["m2"] = (mon, w["m2_m"], 1)
    t["m2_real"] = (mon, w["m2_real_m"], 1)
    t["bus_loans"] = (mon, w["bus_loans_m"], 4)
    t["bank_credit"] = (wed, w["bank_credit_w"], 4)
    t["business_investment"] = (q, qmean(w["investment_m"]), 3)
    t["household_dsr"] = (q, qmean(w["dsr_m"]), 3)
    t["recession"] = (mon, w["rec_m"], 0)
    t["nfci"] = (w["fri"], w["nfci_w"], 5)
    t["anfci"] = (w["fri"], w["anfci_w"], 5)
    t["stlfsi"] = (w["fri"], w["stlfsi_w"], 4)
    # fiscal: debt at quarter end, GDP as the quarter's average annual rate
    debt_q = w["debt_m"][2::3]
    gdp_q = qmean(w["gdp_m"])
    t["federal_debt"] = (q, np.round(1000.0 * debt_q), 0)
    t["debt_gdp"] = (q, np.round(1000.0 * debt_q) / 1000.0 / gdp_q * 100.0, 5)
    t["federal_interest"] = (q, qmean(w["interest_m"]), 3)
    years = mon[::12]
    flow = np.r_[np.full(3, np.nan), w["deficit_flow_m"]][: g.nm]  # October .. September fiscal years
    gdp_fy = np.r_[np.full(3, np.nan), w["gdp_m"]][: g.nm]
    fy = -100.0 * flow.reshape(-1, 12).sum(1) / gdp_fy.reshape(-1, 12).sum(1)  # row = fiscal year
    t["deficit_gdp"] = (years, fy, 1)
    # international rates
    y10m = {c: g.month_mean(x) for c, x in w["y10_d"].items()}
    y10m["us"] = g.month_mean(t["ust_10y"][1])
    for cc in ("us", "de", "jp", "gb", "au", "ca", "ch", "fr", "it", "ez"):
        t[f"y10_{cc}"] = (mon, y10m[cc], 2)
    ib = w["interbank_d"]
    for cc, src in (("de", "ez"), ("jp", "jp"), ("gb", "gb"), ("au", "au"), ("ca", "ca"), ("ch", "ch")):
        t[f"st_{cc}"] = (mon, g.month_mean(ib[src]), 2)
    on, pol = w["overnight_d"], w["policy_d"]
    t["policy_jp_m"] = (mon, g.month_mean(on["jp"]), 3)
    t["policy_au_m"] = (mon, g.month_mean(on["au"]), 2)
    g8 = {
        "g8_de_10y": w["y10_d"]["de"], "g8_gb_10y": w["y10_d"]["gb"], "g8_jp_10y": w["y10_d"]["jp"],
        "g8_jp_2y": w["two_year_d"]["jp"], "g8_de_2y": w["two_year_d"]["de"], "g8_gb_2y": w["two_year_d"]["gb"],
        "g8_ez_floor": pol["ez"], "g8_gb_policy": pol["gb"], "g8_jp_policy": pol["jp"], "g8_au_policy": pol["au"],
        "g8_ca_floor": pol["ca"] - 0.25, "g8_ch_policy": pol["ch"], "g8_estr": on["ez"], "g8_sonia": on["gb"],
        "g8_tona": on["jp"], "g8_aonia": on["au"], "g8_corra": on["ca"], "g8_au_3m": w["bills3m_d"]["au"],
        "g8_ca_3m": w["bills3m_d"]["ca"], "g8_de_3m": w["bills3m_d"]["de"],
    }
    for key, x in g8.items():
        t[key] = (bd, x, 4)
    # international prices and credit
    cpi = w["intl_cpi_m"]
    t["hicp_ea"] = (mon, cpi["ea"], 2)
    t["hicp_ea_cc"] = (mon, cpi["ea_cc"], 2)
    t["hicp_de"] = (mon, cpi["de"], 2)
    t["hicp_ch"] = (mon, cpi["ch"], 2)
    for cc in ("jp", "gb", "ca"):
        t[f"cpi_{cc}"] = (mon, cpi[cc], 3)
    t["cpi_au"] = (q, qmean(cpi["au"]), 3)
    for cc, x in w["credit_gdp_m"].items():
        t[f"credit_{cc}"] = (q, qmean(x), 1)
    # term-structure files: ACM (monthly = month end, and daily) and GSW
    zero = w["zero_d"]
    tp10 = np.round(w["tp10_d"], 4)
    for nyr in range(1, 11):
        k = (1.0 - np.exp(-nyr / 4.0)) / (1.0 - np.exp(-10.0 / 4.0))
        y = np.round(g.month_end(zero[:, nyr - 1]), 4)
        tp = np.round(g.month_end(w["tp10_d"]) * k, 4)
        t[f"acm_y{nyr:02d}"] = (mon, y, 4)
        t[f"acm_tp{nyr:02d}"] = (mon, tp, 4)
        t[f"acm_rny{nyr:02d}"] = (mon, y - tp, 4)
    t["acm_tp10_daily"] = (bd, tp10, 4)
    # a second, smoother model of the same premium, a little lower on average (as Kim-Wright reads beside ACM)
    t["kw_tp10"] = (bd, np.round(_ewma(w["tp10_d"], 60.0) * 0.85 - 0.15, 4), 4)
    for nyr in (1, 2, 3, 5, 10):
        t[f"acmd_y{nyr:02d}"] = (bd, zero[:, nyr - 1], 4)
    for name, x in w["params"].items():
        t[f"gsw_{name}"] = (bd, x, 7)
    for nyr in range(1, 31):
        t[f"gsw_zero_{nyr:02d}"] = (bd, zero[:, nyr - 1], 4)
    # Shiller
    for key, x in w["shiller"].items():
        t[key] = (mon, x, 2 if key not in ("shiller_cpi",) else 3)
    # CFTC
    pos = w["positions"]
    for fut in _TFF_OI:
        lo, sh, oi = pos[fut]
        t[f"tff_lev_{fut}_long"] = (pos["tue"], lo, 0)
        t[f"tff_lev_{fut}_short"] = (pos["tue"], sh, 0)
        t[f"tff_oi_{fut}"] = (pos["tue"], oi, 0)
    t["cftc_gold_net"] = (pos["tue"], pos["gold"][0], 0)
    t["cftc_gold_oi"] = (pos["tue"], pos["gold"][1], 0)
    # futures, ETFs and Henry Hub, from the day each contract or fund began trading
    fut = w["futures_d"]
    t["henry_hub"] = (bd, fut["henry_hub_d"], 2)
    for code, (price, days, _) in fut["futures"].items():
        live = bd >= np.datetime64(_LISTED[code])
        for j in range(price.shape[1]):
            t[f"fut_{code}_c{j + 1}"] = (bd[live], price[live, j], 3 if code == "ng" else 2)
            t[f"fut_{code}_d{j + 1}"] = (bd[live], days[live, j], 0)
    for key in ("etf_uso", "etf_ung", "etf_vxx", "etf_gld"):
        live = bd >= np.datetime64(_LISTED[key])
        t[key] = (bd[live], fut[key][live], 4)
    return t


def _equity_extras(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """NASDAQ (higher beta on the S&P 500), Nikkei 225 and TOPIX (own slow trend, U.S. shocks)."""
    n, yd = g.nbd, g.yr_bd
    i00 = np.searchsorted(g.bd, np.datetime64("2000-01-03"))
    i85 = np.searchsorted(yd, 1985.0)
    log_sp = w["log_sp_d"]
    nasdaq = 2.0 * np.exp(log_sp[i00]) * np.exp(1.25 * (log_sp - log_sp[i00]) + _ou(rng, n, 250.0, 0.15))
    drift = np.cumsum(_knots(yd, _NIKKEI_DRIFT)) / 261.0
    e_jp = 0.5 * np.clip(w["e_eq_d"], -5.0, 5.0) + 0.87 * rng.standard_normal(n)
    x_jp = _ou(rng, n, 400.0, 0.25, e_jp)
    jump = np.cumsum(0.8 * w["r_jump_d"])
    log_nk = np.log(11500.0) + drift - drift[i85] + x_jp - x_jp[i85] + jump - jump[i85]
    topix = np.exp(log_nk - np.log(12.5) + _ou(rng, n, 250.0, 0.06))
    return {"nasdaq_d": nasdaq, "nikkei_d": np.exp(log_nk), "topix_d": topix}


def _contracts(code: str, g: _Grid) -> np.ndarray:
    """Expiry dates (datetime64[D], increasing) of every contract of a futures root.

    Stylised exchange calendars: energy contracts (monthly) expire on the last business day
    before their delivery month, gold (even months) on the third-last business day of its
    month, VIX futures (monthly) on the third Wednesday of their month."""
    months = np.arange(np.datetime64(ORIGIN, "M"), np.datetime64(str(g.cal[-1])[:7], "M") + 14)
    first = months.astype("datetime64[D]")
    if code in ("cl", "ng"):
        return np.busday_offset(first, -1, roll="forward")
    if code == "gc":
        even = first[(months.astype(np.int64) % 12) % 2 == 1]  # Feb, Apr, ... (January = 0)
        nxt = (even.astype("datetime64[M]") + 1).astype("datetime64[D]")
        return np.busday_offset(nxt, -3, roll="forward")
    return np.busday_offset(first, 2, roll="forward", weekmask="Wed")


def _futures(rng: np.random.Generator, g: _Grid, w: dict) -> dict:
    """Constant-position futures (settlement, days to expiry), Henry Hub spot and futures ETFs."""
    n, yd = g.nbd, g.yr_bd
    listed = [int(m.group(1)) for m in map(re.compile(r"fut_[a-z]+_c(\d+)$").match, CATALOG) if m]
    positions = 1 + max(listed, default=4)  # one extra position so that a holder can roll into it
    r = w["par_d"]["ust_3m"] / 100.0
    i85 = np.searchsorted(yd, 1985.0)
    log_core_d = g.to_daily(w["log_core_m"])
    # Henry Hub: inflation-linked level, a slow deviation and a winter premium
    def season(d: np.ndarray) -> np.ndarray:  # winter premium, highest in January
        return 0.12 * np.cos(2 * np.pi * (_years(d) % 1.0 - 0.04))

    x_ng = _ou(rng, n, 250.0, 0.35)
    log_hh_core = np.log(2.5) + log_core_d - log_core_d[i85] + x_ng
    out = {"henry_hub_d": np.exp(log_hh_core + season(g.bd))}
    curves = {}
    for code in ("cl", "ng", "gc", "vx"):
        expiry = _contracts(code, g)
        first = np.searchsorted(expiry, g.bd)  # nearest contract still trading (expiry >= date)
        exp_pos = expiry[first[:, None] + np.arange(positions)[None, :]]
        days = (exp_pos - g.bd[:, None]).astype(np.int64).astype(float)
        tau = days / 365.0
        if code == "cl":
            slope = np.clip(r + 0.05 - 0.6 * w["x_oil_d"] + _ou(rng, n, 60.0, 0.08), -0.8, 1.0)
            price = np.exp(w["log_wti_d"])[:, None] * np.exp(slope[:, None] * tau)
        elif code == "ng":
            slope = 0.12 + r - 0.3 * x_ng + _ou(rng, n, 60.0, 0.05)
            price = np.exp(log_hh_core[:, None] + slope[:, None] * tau + season(exp_pos))
        elif code == "gc":
            price = np.exp(w["log_gold_d"])[:, None] * np.exp((r + 0.002)[:, None] * tau)
        else:  # VIX futures converge from spot VIX to a long-run level with a 75-day time constant
            lv = np.log(22.5)
            price = np.exp(lv + np.exp(-days / 75.0) * (w["logv_d"][:, None] - lv))
        curves[code] = (price, days, exp_pos)
    out["futures"] = curves
    # ETFs: roll-adjusted holdings (log returns of the contracts actually held) less fees
    def held_return(code: str, pos: np.ndarray) -> np.ndarray:
        price, _, exp_pos = curves[code]
        rows = np.arange(1, n)
        e_held = exp_pos[rows - 1, pos[:-1]]
        now = np.where(exp_pos[rows, pos[:-1]] == e_held, pos[:-1], np.maximum(pos[:-1] - 1, 0))
        return np.r_[0.0, np.log(price[rows, now]) - np.log(price[rows - 1, pos[:-1]])]

    i25 = np.searchsorted(g.bd, np.datetime64("2025-01-02"))

    def etf(log_ret: np.ndarray, fee: float, level: float) -> np.ndarray:
        cum = np.cumsum(log_ret - fee / 261.0)
        return level * np.exp(cum - cum[i25])

    for key, code, fee, level in (("etf_uso", "cl", 0.0075, 75.0), ("etf_ung", "ng", 0.011, 15.0)):
        days = curves[code][1]
        out[key] = etf(held_return(code, np.where(days[:, 0] > 10, 0, 1)), fee, level)
    price, days, _ = curves["vx"]
    w1 = np.where(days[:, 0] > 1, np.clip((days[:, 1] - 30.0) / (days[:, 1] - days[:, 0]), 0.0, 1.0), 0.0)
    r1 = np.expm1(held_return("vx", np.zeros(n, dtype=int)))
    r2 = np.expm1(held_return("vx", np.ones(n, dtype=int)))
    vxx_ret = np.log1p(np.r_[0.0, w1[:-1]] * r1 + (1.0 - np.r_[0.0, w1[:-1]]) * r2)
    out["etf_vxx"] = etf(vxx_ret, 0.0089, 50.0)
    out["etf_gld"] = np.exp(w["log_gold_d"]) / 10.0 * np.exp(-0.004 * np.maximum(yd - 2004.9, 0.0))
    return {"futures_d": out}


def _simulate(seed: int, end_year: int) -> tuple[_Grid, dict]:
    rng = np.random.default_rng(seed)
    g = _Grid.build(end_year)
    w: dict = {}
    w |= _secular(g)
    w |= _cycle(rng, g, w)
    w |= _real_macro(rng, g, w)
    w |= _balance_sheet(rng, g, w)
    w |= _risk(rng, g, w)
    w |= _curve(rng, g, w)
    w |= _markets(rng, g, w)
    w |= _international(rng, g, w)
    w |= _fx(rng, g, w)
    w |= _equity_extras(rng, g, w)
    w |= _funding(rng, g, w)
    w |= _nominal_macro(rng, g, w)
    w |= _international_macro(rng, g, w)
    w |= _positions(rng, g, w)
    w |= _futures(rng, g, w)
    return g, w


# ------------------------------------------------------------------------------------------------
# public API
# ------------------------------------------------------------------------------------------------
def _as_date(value, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date (or an ISO 'YYYY-MM-DD' string); got {value!r}")


def _check(as_of, start, seed) -> tuple[date, date, int]:
    as_of = _as_date(as_of, "as_of")
    start = _as_date(start, "start")
    if start < ORIGIN:
        raise ValueError(f"start must be on or after {ORIGIN.isoformat()} (the sample's origin); got {start}")
    if start >= as_of:
        raise ValueError(f"start must be before as_of; got start={start}, as_of={as_of}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    return as_of, start, int(seed)


def _published(key: str, idx: pd.DatetimeIndex, as_of: pd.Timestamp) -> np.ndarray:
    """Which observations are published by ``as_of`` under the store's release rule.

    Release days rise with observation dates, so only the tail can be unpublished; the rule
    is evaluated there (every catalog lag is far shorter than 40 periods)."""
    ok = np.ones(len(idx), dtype=bool)
    tail = max(len(idx) - 40, 0)
    ok[tail:] = np.asarray(assumed_release(CATALOG[key], idx[tail:]) <= as_of)
    if tail and not ok[tail]:  # pragma: no cover - a lag longer than 40 periods
        ok[:] = np.asarray(assumed_release(CATALOG[key], idx) <= as_of)
    return ok


def generate(as_of: date, *, start: date = DEFAULT_START, seed: int = DEFAULT_SEED) -> dict[str, pd.Series]:
    """Every catalog series of the synthetic SAMPLE world, as known on ``as_of``.

    Parameters
    ----------
    as_of : the day the data is seen from; each series ends at its last observation that
        is published by then (observation period end + the catalog's ``release_lag_days``).
    start : first observation date kept (the world itself starts at :data:`ORIGIN`).
    seed : seed of the single ``numpy.random.default_rng`` that drives the whole world.

    Returns
    -------
    dict mapping every catalog key to a float Series on a DatetimeIndex named ``date``
    (daily series on Monday-Friday business days, or every calendar day where FRED
    publishes them so; weekly series on FRED's weekday; monthly, quarterly and annual
    series on the first day of their period), in the catalog's units.
    """
    as_of, start, seed = _check(as_of, start, seed)
    g, w = _simulate(seed, max(as_of, HORIZON).year)
    # Shiller's real columns are in dollars of the latest CPI month published by as_of
    cpi_spec = CATALOG["shiller_cpi"]
    cpi_pub = assumed_release(cpi_spec, pd.DatetimeIndex(g.mon)) <= pd.Timestamp(as_of)
    w["shiller"] = _shiller(g, w, float(w["cpi_m"][np.flatnonzero(cpi_pub)[-1]]))
    table = _table(g, w)
    missing = [k for k in CATALOG if k not in table]
    if missing:
        warnings.warn(SampleCoverageWarning(f"the SAMPLE source does not model {len(missing)} catalog series "
                                            f"({', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''}); "
                                            "they are left out"), stacklevel=2)
    start64, as_of_ts = np.datetime64(start, "D"), pd.Timestamp(as_of)
    out: dict[str, pd.Series] = {}
    for key in (k for k in CATALOG if k in table):
        dates, values, decimals = table[key]
        keep = dates >= start64
        idx = pd.DatetimeIndex(dates[keep], name="date")
        vals = np.asarray(values, dtype=float)[keep]
        ok = _published(key, idx, as_of_ts) & np.isfinite(vals)
        out[key] = pd.Series(np.round(vals[ok], decimals), index=idx[ok], name=key)
    return out


def load(
    store: Store,
    as_of: date,
    *,
    start: date = DEFAULT_START,
    seed: int = DEFAULT_SEED,
    keys: Iterable[str] | None = None,
    fetched_at: datetime | None = None,
) -> WriteReport:
    """Generate the SAMPLE set and write it into ``store`` with source ``"sample"``.

    ``keys`` limits the write to some catalog series (default: all). ``fetched_at`` is the
    fetch time recorded in the store; it defaults to the end of ``as_of`` (UTC) so that the
    stored rows do not depend on the wall clock.
    """
    wanted = validate_keys(CATALOG if keys is None else keys)
    data = generate(as_of, start=start, seed=seed)
    data = {k: data[k] for k in wanted if k in data}
    as_of_d = _as_date(as_of, "as_of")
    when = fetched_at or datetime.combine(as_of_d, time(23, 59, 59), tzinfo=timezone.utc)
    return store.write(data, source=SOURCE, origin=f"sample:seed={seed}", fetched_at=when)
