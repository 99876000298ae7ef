"""Term premium: the ACM affine model, the split of a long yield, and the driver verdict.

Units
-----
Yields, risk-neutral yields and term premia are continuously compounded zero-coupon rates in
percent per year; maturities of the model are in months; changes are in basis points.

ACM (Adrian, Crump and Moench 2013, "Pricing the term structure with linear regressions",
JFE 110(1)). With monthly log zero yields :math:`y^{(n)}_t` (per month, decimal) and log
prices :math:`p^{(n)}_t = -n\\,y^{(n)}_t`, the short rate :math:`r_t = y^{(1)}_t` and the
pricing factors :math:`X_t` (the first :math:`K` principal components of the yield
cross-section), the estimator has three regressions:

1. a VAR(1): :math:`X_{t+1} = \\mu + \\Phi X_t + v_{t+1}`, :math:`\\Sigma = \\mathrm{cov}(v)`;
2. one-month excess log returns
   :math:`rx^{(n-1)}_{t+1} = p^{(n-1)}_{t+1} - p^{(n)}_t - r_t` regressed on a constant, the
   innovations and the lagged factors, :math:`rx = a\\,\\iota' + \\beta' V + c X_- + E`, with
   :math:`\\sigma^2 = \\mathrm{tr}(E E') / (N T)`;
3. the prices of risk by cross-sectional regression:
   :math:`\\lambda_1 = (\\beta\\beta')^{-1}\\beta c`,
   :math:`\\lambda_0 = (\\beta\\beta')^{-1}\\beta\\,(a + \\tfrac12 (B^* \\mathrm{vec}\\Sigma + \\sigma^2 \\iota))`,
   where row :math:`n` of :math:`B^*` is :math:`\\mathrm{vec}(\\beta_n\\beta_n')'`.

With :math:`r_t = \\delta_0 + \\delta_1' X_t` (OLS), log prices are affine,
:math:`p^{(n)}_t = A_n + B_n' X_t`, by the recursions

.. math::

    A_{n+1} = A_n + B_n'(\\mu - \\lambda_0) + \\tfrac12 (B_n' \\Sigma B_n + \\sigma^2) - \\delta_0,
    \\qquad B_{n+1}' = B_n' (\\Phi - \\lambda_1) - \\delta_1', \\qquad A_0 = 0,\\ B_0 = 0.

The risk-neutral yields (the average expected short rate, with convexity) follow from the same
recursions with :math:`\\lambda_0 = \\lambda_1 = 0`; the term premium is the model yield minus
the risk-neutral yield.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd

from .rules import NO_DATA, Evidence, Param, RuleSpec, Verdict, make_verdict, no_data_verdict

__all__ = [
    "ACM_RETURN_MATURITIES",
    "ACMModel",
    "ACMResult",
    "estimate_acm",
    "acm_apply",
    "affine_loadings",
    "month_end",
    "CurveModelRun",
    "acm_from_cmt",
    "COMPONENTS",
    "DRIVERS",
    "DRIVER_LABELS",
    "YieldDecomposition",
    "decompose_yield",
    "Attribution",
    "attribute_changes",
    "HORIZONS",
    "HORIZON_LABELS",
    "horizon_starts",
    "ASSET_MAP",
    "RULES",
    "TP_DRIVER_RULE",
    "evaluate_tp_driver",
    "tp_driver_states",
]

#: maturities (months) whose one-month excess returns identify the prices of risk (ACM 2013)
ACM_RETURN_MATURITIES = (6, 12, 18, 24, 30, 36, 42, 48, 54, 60, 84, 120)

_PER_MONTH = 1200.0  # percent per year -> decimal per month


# --- the affine model ----------------------------------------------------------------------


def affine_loadings(
    mu: np.ndarray,
    phi: np.ndarray,
    sigma: np.ndarray,
    delta0: float,
    delta1: np.ndarray,
    lambda0: np.ndarray,
    lambda1: np.ndarray,
    sigma_e2: float,
    n_max: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Log-price loadings :math:`A_n, B_n` for :math:`n = 1..n_{max}` (see the module notes).

    All inputs are per month, decimal. Returns ``A`` of shape (n_max,) and ``B`` of shape
    (n_max, K); the log price of the n-month bond is ``A[n-1] + B[n-1] @ X``.
    """
    k = len(mu)
    A = np.empty(n_max)
    B = np.empty((n_max, k))
    a, b = 0.0, np.zeros(k)
    drift = mu - lambda0
    trans = phi - lambda1
    for n in range(n_max):
        a = a + b @ drift + 0.5 * (b @ sigma @ b + sigma_e2) - delta0
        b = b @ trans - delta1
        A[n], B[n] = a, b
    return A, B


@dataclass(frozen=True)
class ACMModel:
    """Estimated ACM parameters (per month, decimal) and the factor construction.

    Attributes
    ----------
    months : model maturities (1..n_max months) of the loadings.
    pc_months, pc_mean, pc_weights : the factors are
        ``X = (y[pc_months] - pc_mean) @ pc_weights`` with ``y`` in percent per year.
    mu, phi, sigma : VAR(1) of the factors.
    delta0, delta1 : short-rate equation.
    lambda0, lambda1 : prices of risk.
    sigma_e2 : variance of the excess-return pricing errors.
    beta : (K, N) return loadings on the innovations; ``a``, ``c`` the other step-2 coefficients.
    return_months : maturities (months, at purchase) of the excess returns.
    yield_a, yield_b : fitted yields, percent per year: ``yield_a + X @ yield_b.T``.
    rn_a, rn_b : the same for risk-neutral yields.
    start, end, n_obs : estimation sample (monthly observations).
    """

    months: tuple[int, ...]
    pc_months: tuple[int, ...]
    pc_mean: np.ndarray
    pc_weights: np.ndarray
    mu: np.ndarray
    phi: np.ndarray
    sigma: np.ndarray
    delta0: float
    delta1: np.ndarray
    lambda0: np.ndarray
    lambda1: np.ndarray
    sigma_e2: float
    beta: np.ndarray
    a: np.ndarray
    c: np.ndarray
    return_months: tuple[int, ...]
    yield_a: np.ndarray
    yield_b: np.ndarray
    rn_a: np.ndarray
    rn_b: np.ndarray
    start: pd.Timestamp
    end: pd.Timestamp
    n_obs: int

    @property
    def n_factors(self) -> int:
        return len(self.mu)

    def factors(self, yields: pd.DataFrame) -> pd.DataFrame:
        """Pricing factors from zero yields (percent; columns include ``pc_months``)."""
        missing = [m for m in self.pc_months if m not in yields.columns]
        if missing:
            raise ValueError(f"yields: missing maturity column(s) {missing[:5]} (months)")
        y = yields.loc[:, list(self.pc_months)].to_numpy(dtype=float)
        x = (y - self.pc_mean) @ self.pc_weights
        return pd.DataFrame(x, index=yields.index, columns=[f"pc{i + 1}" for i in range(self.n_factors)])


@dataclass(frozen=True)
class ACMResult:
    """Model output on a sample of dates (percent per year; columns are months).

    ``pricing_errors_bp`` is observed minus fitted (basis points) where observed yields were
    given; ``pricing_rmse_bp`` its RMSE by maturity.
    """

    model: ACMModel
    fitted: pd.DataFrame
    risk_neutral: pd.DataFrame
    term_premium: pd.DataFrame
    factors: pd.DataFrame
    pricing_errors_bp: pd.DataFrame
    pricing_rmse_bp: pd.Series


def _check_monthly(yields: pd.DataFrame, needed: Sequence[int]) -> pd.DataFrame:
    if not isinstance(yields, pd.DataFrame):
        raise TypeError("zero_yields must be a DataFrame (dates x maturities in months)")
    if not isinstance(yields.index, pd.DatetimeIndex):
        raise TypeError("zero_yields must be indexed by date (DatetimeIndex)")
    cols = {}
    for c in yields.columns:
        try:
            cols[c] = int(c)
        except (TypeError, ValueError):
            raise ValueError(f"zero_yields: column {c!r} is not a maturity in months") from None
    y = yields.rename(columns=cols).sort_index()
    missing = [m for m in needed if m not in y.columns]
    if missing:
        raise ValueError(f"zero_yields: missing maturity column(s) {missing[:8]} (months); needs {min(needed)}..{max(needed)}")
    y = y.loc[:, sorted(set(needed))]
    bad = ~np.isfinite(y.to_numpy(dtype=float))
    if bad.any():
        first = y.index[bad.any(axis=1)][0]
        raise ValueError(f"zero_yields: missing values (first on {first.date()}); drop or fill those dates first")
    months = y.index.year * 12 + y.index.month
    if len(y) > 1 and not np.all(np.diff(months) == 1):
        gap = y.index[1:][np.diff(months) != 1][0]
        raise ValueError(f"zero_yields: must hold one observation per consecutive month (gap before {gap.date()})")
    return y


def estimate_acm(
    zero_yields: pd.DataFrame,
    *,
    n_factors: int = 5,
    return_months: Sequence[int] = ACM_RETURN_MATURITIES,
    pc_months: Sequence[int] | None = None,
    n_max: int = 120,
) -> ACMResult:
    """Estimate the ACM model by its three regressions (see the module notes).

    Parameters
    ----------
    zero_yields : monthly zero-coupon yields, continuously compounded, percent per year; one
        row per consecutive month (month-end values), one column per maturity in months,
        covering 1..``n_max`` (at least the short rate, the excess-return maturities and the
        maturities one month shorter, and ``pc_months``).
    n_factors : number of principal components used as pricing factors (ACM use 5).
    return_months : maturities at purchase of the bonds whose one-month excess returns are
        priced.
    pc_months : maturities whose yields form the principal components (default: every
        column from 3 to ``n_max`` months present in ``zero_yields``).
    n_max : longest model maturity (months) for the fitted and risk-neutral yields.

    Returns
    -------
    ACMResult
        Fitted, risk-neutral yields and term premia for months 1..n_max on the sample dates.
    """
    if not isinstance(n_factors, (int, np.integer)) or n_factors < 1:
        raise ValueError(f"n_factors must be a positive integer; got {n_factors!r}")
    rm = tuple(int(n) for n in return_months)
    if len(rm) < n_factors or any(n < 2 for n in rm):
        raise ValueError(f"return_months must hold at least n_factors ({n_factors}) maturities >= 2 months")
    if pc_months is None:
        pcm = tuple(int(c) for c in zero_yields.columns if 3 <= int(c) <= n_max)
    else:
        pcm = tuple(int(n) for n in pc_months)
    if len(pcm) < n_factors:
        raise ValueError(f"pc_months: need at least n_factors ({n_factors}) maturities")
    needed = sorted({1, *rm, *(n - 1 for n in rm), *pcm})
    y = _check_monthly(zero_yields, needed)
    T = len(y)
    if T < 3 * (2 * n_factors + 1):
        raise ValueError(f"zero_yields: {T} months is too short for {n_factors} factors")

    # factors: principal components of the yield cross-section (percent)
    ypc = y.loc[:, list(pcm)].to_numpy(dtype=float)
    mean = ypc.mean(axis=0)
    cov = np.cov(ypc - mean, rowvar=False)
    evals, evecs = np.linalg.eigh(cov)
    w = evecs[:, ::-1][:, :n_factors]
    w = w * np.where(w.sum(axis=0) < 0, -1.0, 1.0)  # a level shift raises pc1
    X = (ypc - mean) @ w  # (T, K)

    # step 1: VAR(1)
    Z = np.column_stack([np.ones(T - 1), X[:-1]])
    coef, *_ = np.linalg.lstsq(Z, X[1:], rcond=None)
    mu, phi = coef[0], coef[1:].T
    V = X[1:] - Z @ coef  # (T-1, K) innovations
    sigma = V.T @ V / (T - 1)

    # step 2: excess returns on innovations and lagged factors
    logp = lambda n: -n * y[n].to_numpy(dtype=float) / _PER_MONTH  # noqa: E731
    r = y[1].to_numpy(dtype=float) / _PER_MONTH
    RX = np.column_stack([logp(n - 1)[1:] - logp(n)[:-1] - r[:-1] for n in rm])  # (T-1, N)
    Z2 = np.column_stack([np.ones(T - 1), V, X[:-1]])
    coef2, *_ = np.linalg.lstsq(Z2, RX, rcond=None)
    E = RX - Z2 @ coef2
    a = coef2[0]  # (N,)
    beta = coef2[1 : 1 + n_factors]  # (K, N)
    c = coef2[1 + n_factors :].T  # (N, K)
    N = len(rm)
    sigma_e2 = float(np.sum(E**2) / (N * (T - 1)))

    # step 3: prices of risk
    bstar = np.stack([np.outer(beta[:, j], beta[:, j]).ravel() for j in range(N)])  # (N, K^2)
    bbt_inv_b = np.linalg.solve(beta @ beta.T, beta)  # (K, N)
    lambda1 = bbt_inv_b @ c
    lambda0 = bbt_inv_b @ (a + 0.5 * (bstar @ sigma.ravel() + sigma_e2))

    # short rate
    Z3 = np.column_stack([np.ones(T), X])
    d, *_ = np.linalg.lstsq(Z3, r, rcond=None)
    delta0, delta1 = float(d[0]), d[1:]

    A, B = affine_loadings(mu, phi, sigma, delta0, delta1, lambda0, lambda1, sigma_e2, n_max)
    Arn, Brn = affine_loadings(mu, phi, sigma, delta0, delta1, np.zeros(n_factors),
                               np.zeros((n_factors, n_factors)), sigma_e2, n_max)
    n = np.arange(1, n_max + 1)
    model = ACMModel(
        months=tuple(int(x) for x in n),
        pc_months=pcm,
        pc_mean=mean,
        pc_weights=w,
        mu=mu,
        phi=phi,
        sigma=sigma,
        delta0=delta0,
        delta1=delta1,
        lambda0=lambda0,
        lambda1=lambda1,
        sigma_e2=sigma_e2,
        beta=beta,
        a=a,
        c=c,
        return_months=rm,
        yield_a=-A / n * _PER_MONTH,
        yield_b=-B / n[:, None] * _PER_MONTH,
        rn_a=-Arn / n * _PER_MONTH,
        rn_b=-Brn / n[:, None] * _PER_MONTH,
        start=y.index[0],
        end=y.index[-1],
        n_obs=T,
    )
    return acm_apply(model, zero_yields.loc[y.index])


def acm_apply(model: ACMModel, zero_yields: pd.DataFrame) -> ACMResult:
    """Fitted yields, risk-neutral yields and term premia of an estimated model on any dates.

    This is how daily values come from a monthly estimate: the factors of each day's curve
    are formed with the model's principal-component weights and priced with its loadings.

    Parameters
    ----------
    model : an estimated :class:`ACMModel`.
    zero_yields : zero yields (percent, columns in months) including ``model.pc_months``;
        rows with missing values are dropped.
    """
    cols = {c: int(c) for c in zero_yields.columns}
    y = zero_yields.rename(columns=cols).sort_index()
    y = y.loc[y.loc[:, list(model.pc_months)].notna().all(axis=1)]
    X = model.factors(y)
    x = X.to_numpy()
    months = list(model.months)
    fitted = pd.DataFrame(model.yield_a + x @ model.yield_b.T, index=y.index, columns=months)
    rn = pd.DataFrame(model.rn_a + x @ model.rn_b.T, index=y.index, columns=months)
    tp = fitted - rn
    common = [m for m in months if m in y.columns]
    err = (y.loc[:, common] - fitted.loc[:, common]) * 100.0
    rmse = np.sqrt((err**2).mean(axis=0))
    rmse.name = "rmse_bp"
    return ACMResult(model, fitted, rn, tp, X, err, rmse)


def month_end(frame: pd.DataFrame, *, max_days_before_end: int = 7) -> pd.DataFrame:
    """The last row of each calendar month (the index keeps that row's own date).

    Months whose last row falls more than ``max_days_before_end`` calendar days before the
    month's end (a month cut short by missing data) are dropped rather than passed off as
    month-end values.
    """
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise TypeError("frame must be indexed by date (DatetimeIndex)")
    f = frame.sort_index()
    last = f.groupby(f.index.to_period("M")).tail(1)
    ends = last.index.to_period("M").to_timestamp(how="end").normalize()
    keep = (ends - last.index).days <= max_days_before_end
    return last.loc[keep]


@dataclass(frozen=True)
class CurveModelRun:
    """The production term-structure pipeline on constant-maturity yields.

    ``nss`` holds the daily curve fits; ``monthly_zero`` the month-end zero yields (months
    1..120) the ACM model is estimated on; ``acm`` the monthly estimate; ``daily`` the model
    applied to every fitted day (factors from the day's curve, loadings of the monthly
    estimate).
    """

    nss: object  # analytics.nss.NSSHistory
    monthly_zero: pd.DataFrame
    acm: ACMResult
    daily: ACMResult
    estimation_start: pd.Timestamp
    estimation_end: pd.Timestamp


def acm_from_cmt(
    cmt_yields: pd.DataFrame,
    *,
    estimation_start: str | date = "1962-01-01",
    estimation_end: str | date | None = None,
    n_factors: int = 5,
    nss_options: Mapping | None = None,
    daily_start: str | date | None = None,
) -> CurveModelRun:
    """NSS fits of constant-maturity yields -> month-end zero curves -> ACM, and daily values.

    Parameters
    ----------
    cmt_yields : daily Treasury CMT yields in percent, one column per maturity in years
        (bills up to one year, par yields beyond; see :func:`analytics.nss.fit_nss_history`).
    estimation_start, estimation_end : the monthly estimation sample. The level of the term
        premium depends on it: a sample starting in the 1960s spans the rise and fall of rates,
        later starts bias the estimated mean of the short rate.
    n_factors : principal components priced.
    nss_options : keyword options for :func:`analytics.nss.fit_nss_history`.
    daily_start : first date of the daily values; before it only each month's last curve with
        at least five yields is fitted (the estimation needs month-ends only, and each date is
        fitted on its own, so the model is the same). None fits every date.
    """
    from .nss import fit_nss_history, zero_curve_history

    if daily_start is not None:
        ds = pd.Timestamp(daily_start)
        early = cmt_yields.loc[: ds - pd.Timedelta(days=1)]
        early = early[early.notna().sum(axis=1) >= 5]
        month_ends = early.groupby(early.index.to_period("M")).tail(1)
        cmt_yields = pd.concat([month_ends, cmt_yields.loc[ds:]])
    hist = fit_nss_history(cmt_yields, **dict(nss_options or {}))
    if hist.params.empty:
        raise ValueError("cmt_yields: no date has enough yields to fit a curve")
    daily_zero = zero_curve_history(hist.params)
    monthly = month_end(daily_zero)
    monthly = monthly.loc[pd.Timestamp(estimation_start):]
    if estimation_end is not None:
        monthly = monthly.loc[: pd.Timestamp(estimation_end)]
    acm = estimate_acm(monthly, n_factors=n_factors)
    daily = acm_apply(acm.model, daily_zero)
    return CurveModelRun(hist, monthly, acm, daily, monthly.index[0], monthly.index[-1])


# --- the split of a long yield -------------------------------------------------------------

#: the additive parts of an observed yield, in order (``residual`` = observed - model yield)
COMPONENTS = ("expected_real", "expected_inflation", "term_premium", "residual")
#: the economic drivers among them (the verdict chooses among these)
DRIVERS = ("expected_real", "expected_inflation", "term_premium")
DRIVER_LABELS = MappingProxyType(
    {
        "expected_real": "expected real short rates",
        "expected_inflation": "expected inflation",
        "term_premium": "the term premium",
        "expected_short": "the expected path of short rates",
    }
)


@dataclass(frozen=True)
class YieldDecomposition:
    """A long yield split into expected short rates, expected inflation and term premium.

    ``frame`` (percent; one row per date) has the columns

    * ``observed``: the market yield being explained (e.g. the 10-year CMT yield);
    * ``fitted``: the term-structure model's yield of that maturity;
    * ``expected_short``: the model's risk-neutral yield, the average expected nominal short
      rate over the bond's life;
    * ``term_premium``: ``fitted - expected_short``;
    * ``expected_inflation``: the breakeven inflation rate of the same maturity (NaN without);
    * ``expected_real``: ``expected_short - expected_inflation``;
    * ``residual``: ``observed - fitted`` (model fit error, par-versus-zero and on-the-run
      effects).

    So ``observed = expected_real + expected_inflation + term_premium + residual``. The
    breakeven carries an inflation risk premium and a TIPS liquidity premium; here they are
    counted in expected inflation, and the real-rate part absorbs them with the opposite sign
    (a stated simplification of the Bernanke split, which uses a model of real yields).
    """

    frame: pd.DataFrame
    maturity_years: float
    inflation_source: str
    start: pd.Timestamp
    end: pd.Timestamp
    n_obs: int

    @property
    def has_inflation(self) -> bool:
        return bool(self.frame["expected_inflation"].notna().any())


def _as_series(x, name: str) -> pd.Series:
    if not isinstance(x, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by date")
    if not isinstance(x.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by date (DatetimeIndex)")
    return x.astype(float).sort_index()


def decompose_yield(
    observed: pd.Series,
    risk_neutral: pd.Series,
    term_premium: pd.Series,
    *,
    breakeven: pd.Series | None = None,
    maturity_years: float = 10.0,
    inflation_source: str = "breakeven inflation (nominal minus TIPS yield)",
) -> YieldDecomposition:
    """Split a yield into expected real rates, expected inflation, term premium and residual.

    Parameters
    ----------
    observed : the market yield (percent), e.g. the 10-year CMT yield.
    risk_neutral, term_premium : the model's risk-neutral yield and term premium for the
        same maturity (percent), e.g. columns 120 of :class:`ACMResult`.
    breakeven : breakeven inflation of the same maturity (percent), or None for the two-way
        split (expected short rate + term premium).
    maturity_years : maturity of the yield (for labels).

    Returns
    -------
    YieldDecomposition
        Dates where the observed yield and both model series exist (same-day alignment; the
        breakeven is taken on the same date, NaN where missing).
    """
    obs = _as_series(observed, "observed")
    rn = _as_series(risk_neutral, "risk_neutral")
    tp = _as_series(term_premium, "term_premium")
    f = pd.concat({"observed": obs, "expected_short": rn, "term_premium": tp}, axis=1, sort=True).dropna()
    if f.empty:
        raise ValueError("observed, risk_neutral and term_premium have no date in common")
    if breakeven is not None:
        f["expected_inflation"] = _as_series(breakeven, "breakeven").reindex(f.index)
    else:
        f["expected_inflation"] = np.nan
    f["fitted"] = f["expected_short"] + f["term_premium"]
    f["expected_real"] = f["expected_short"] - f["expected_inflation"]
    f["residual"] = f["observed"] - f["fitted"]
    f = f.loc[:, ["observed", "fitted", "expected_short", "term_premium", "expected_inflation",
                  "expected_real", "residual"]]
    return YieldDecomposition(f, float(maturity_years), inflation_source if breakeven is not None else "",
                              f.index[0], f.index[-1], len(f))


#: look-back horizons of the attribution: label -> calendar offset (``ytd``: previous year-end)
HORIZONS = MappingProxyType(
    {"1w": pd.DateOffset(weeks=1), "1m": pd.DateOffset(months=1), "3m": pd.DateOffset(months=3), "ytd": None}
)
HORIZON_LABELS = MappingProxyType({"1w": "the past week", "1m": "the past month", "3m": "the past three months",
                                   "ytd": "the year to date"})


def horizon_starts(ends: pd.DatetimeIndex, horizon: str) -> pd.DatetimeIndex:
    """The date each of ``ends`` looks back to over ``horizon`` (a key of :data:`HORIZONS`):
    the end minus the horizon, or the previous December 31 for ``ytd`` (vectorised)."""
    offset = HORIZONS[horizon]
    if offset is None:
        return pd.DatetimeIndex(ends.to_numpy().astype("datetime64[Y]") - np.timedelta64(1, "D"))
    return ends - offset


@dataclass(frozen=True)
class Attribution:
    """Change of the yield over one horizon and each component's share of it (basis points).

    ``contributions_bp`` holds the change of each component of :data:`COMPONENTS` (or
    ``expected_short``, ``term_premium`` and ``residual`` without an inflation split); they
    add up to ``change_bp``. ``dominant`` is the driver with the largest absolute change and
    ``dominant_share`` its absolute change over the sum of the drivers' absolute changes.
    """

    horizon: str
    start: date
    end: date
    change_bp: float
    contributions_bp: Mapping[str, float]
    dominant: str
    dominant_share: float
    has_inflation: bool


def _last_on_or_before(index: pd.DatetimeIndex, when: pd.Timestamp) -> pd.Timestamp | None:
    i = index.searchsorted(when, side="right")
    return index[i - 1] if i > 0 else None


def attribute_changes(
    decomposition: YieldDecomposition,
    *,
    as_of: date,
    horizons: Sequence[str] = tuple(HORIZONS),
) -> tuple[Attribution, ...]:
    """Attribute the change of the yield over each horizon to its components.

    The end point is the latest date on or before ``as_of`` with a full split (with expected
    inflation when the decomposition has it); the start point of each horizon is the latest
    such date on or before the end minus the horizon (``ytd``: on or before the previous
    December 31). Horizons without a start point are left out.
    """
    bad = [h for h in horizons if h not in HORIZONS]
    if bad:
        raise ValueError(f"horizons: unknown {bad}; allowed: {', '.join(HORIZONS)}")
    f = decomposition.frame
    use_infl = decomposition.has_inflation
    parts = list(COMPONENTS) if use_infl else ["expected_short", "term_premium", "residual"]
    drivers = list(DRIVERS) if use_infl else ["expected_short", "term_premium"]
    f = f.loc[:, ["observed", *parts]].dropna()
    end = _last_on_or_before(f.index, pd.Timestamp(as_of))
    if end is None:
        return ()
    out = []
    for h in horizons:
        target = pd.Timestamp(end.year - 1, 12, 31) if HORIZONS[h] is None else end - HORIZONS[h]
        start = _last_on_or_before(f.index, target)
        if start is None or start >= end:
            continue
        d = (f.loc[end] - f.loc[start]) * 100.0
        contrib = {p: float(d[p]) for p in parts}
        mags = np.array([abs(contrib[p]) for p in drivers])
        k = int(np.argmax(mags))
        share = float(mags[k] / mags.sum()) if mags.sum() > 0 else 0.0
        out.append(Attribution(h, start.date(), end.date(), float(d["observed"]), MappingProxyType(contrib),
                               drivers[k], share, use_infl))
    return tuple(out)


# --- the driver verdict --------------------------------------------------------------------

#: what a move led by each driver has meant for gold and U.S. equities (direction of the yield
#: move -> (gold, U.S. stocks)). The real-rate and term-premium rows for a rise are the asset
#: map of the framework (seed 002); the inflation row and the falls are the project's reading
#: (inflation-led rises pressure equity valuations and support gold; a fall reverses a rise).
ASSET_MAP = MappingProxyType(
    {
        ("expected_real", "up"): ("bearish", "bullish"),
        ("expected_real", "down"): ("bullish", "bearish"),
        ("term_premium", "up"): ("bullish", "bearish"),
        ("term_premium", "down"): ("bearish", "bullish"),
        ("expected_inflation", "up"): ("bullish", "bearish"),
        ("expected_inflation", "down"): ("bearish", "bullish"),
    }
)

_STATE_OF_DRIVER = MappingProxyType(
    {"expected_real": "real-rate led", "expected_inflation": "inflation led", "term_premium": "term-premium led"}
)

TP_DRIVER_RULE = RuleSpec(
    id="tp_driver",
    section="termpremium",
    title="What is driving the 10-year yield",
    # benign -> severe for Treasuries as the anchor: a small move says nothing; a move led by
    # expected real rates is the anchor working (growth and policy expectations priced);
    # mixed drivers blur that signal; an inflation-led move questions the anchor's real value;
    # a term-premium-led move is the market repricing Treasuries' own risk (supply, fiscal,
    # safe-haven demand) rather than the economy, the case in which yields stop anchoring.
    scale=("small move", "real-rate led", "mixed", "inflation led", "term-premium led"),
    params=(
        Param("horizon", str, choices=tuple(HORIZONS), doc="look-back of the attributed change"),
        Param("min_move_bp", float, lo=0.0, hi=200.0,
              doc="absolute change of the 10-year yield (bp) below which the move is 'small'"),
        Param("dominance_share", float, lo=0.34, hi=1.0,
              doc="share of the drivers' absolute changes the largest must have to lead"),
        Param("max_staleness_days", int, lo=0, hi=366,
              doc="days the split may lag the as-of date before the verdict is marked stale"),
    ),
    description=(
        "The change of the 10-year yield over the horizon is split into expected real short rates, "
        "expected inflation (breakeven) and the ACM term premium. The driver whose change is largest "
        "leads if it moved with the yield and accounts for at least `dominance_share` of the drivers' "
        "absolute changes; otherwise the move is mixed. Moves under `min_move_bp` are small."
    ),
    # positive outcomes agree with the term-premium reading of the asset map, negative ones with the
    # real-rate reading
    outcome=("gold minus S&P 500 return over the next 13 weeks, signed by the direction of the yield move "
             "(positive: gold beat stocks after a rise, or stocks beat gold after a fall)"),
)

RULES = (TP_DRIVER_RULE,)


def _classify_attribution(a: Attribution, params: Mapping) -> tuple[str, str | None]:
    """State and the leading driver (None when small or mixed)."""
    if abs(a.change_bp) < params["min_move_bp"]:
        return "small move", None
    lead = a.contributions_bp[a.dominant]
    if a.dominant_share >= params["dominance_share"] and np.sign(lead) == np.sign(a.change_bp):
        return _STATE_OF_DRIVER[a.dominant], a.dominant
    return "mixed", None


def evaluate_tp_driver(
    decomposition: YieldDecomposition | None,
    *,
    as_of: date,
    params: Mapping,
) -> Verdict:
    """The ``tp_driver`` verdict at ``as_of`` from a 10-year decomposition with breakevens.

    ``params`` are the rule's configured thresholds (``[rules.tp_driver]``). Without a
    decomposition, or without expected inflation at the end date, the verdict is ``no data``
    naming what is missing.
    """
    rule = TP_DRIVER_RULE
    thresholds = dict(params)
    if decomposition is None:
        return no_data_verdict(rule, as_of, ["10-year term premium"], thresholds)
    if not decomposition.has_inflation:
        return no_data_verdict(rule, as_of, ["10-year breakeven inflation"], thresholds)
    atts = attribute_changes(decomposition, as_of=as_of, horizons=[params["horizon"]])
    if not atts:
        return no_data_verdict(rule, as_of, [f"10-year split over {params['horizon']} before {as_of}"], thresholds)
    a = atts[0]
    state, lead = _classify_attribution(a, params)
    row = decomposition.frame.loc[pd.Timestamp(a.end)]
    direction = "up" if a.change_bp > 0 else "down"
    verb = "rose" if a.change_bp > 0 else "fell"
    when = HORIZON_LABELS[a.horizon]
    if state == "small move":
        headline = f"The 10-year yield moved {a.change_bp:+.0f} bp over {when}: too small to name a driver."
    elif lead is None:
        headline = (f"The 10-year yield {verb} {abs(a.change_bp):.0f} bp over {when} with no single driver "
                    f"(largest: {DRIVER_LABELS[a.dominant]}, {a.dominant_share:.0%} of the moves).")
    else:
        gold, stocks = ASSET_MAP[(lead, direction)]
        headline = (f"The 10-year yield {verb} {abs(a.change_bp):.0f} bp over {when}, led by "
                    f"{DRIVER_LABELS[lead]} ({a.contributions_bp[lead]:+.0f} bp): historically {gold} "
                    f"for gold and {stocks} for U.S. stocks.")
    end = a.end
    evidence = [
        Evidence("10-year yield", float(row["observed"]), "percent", end),
        Evidence(f"change over {a.horizon}", a.change_bp, "bp", end, note=f"since {a.start.isoformat()}"),
        Evidence("expected real short rates, change", a.contributions_bp["expected_real"], "bp", end),
        Evidence("expected inflation, change", a.contributions_bp["expected_inflation"], "bp", end),
        Evidence("term premium, change", a.contributions_bp["term_premium"], "bp", end),
        Evidence("model residual, change", a.contributions_bp["residual"], "bp", end),
        Evidence("share of the largest driver", a.dominant_share, "share", end, note=DRIVER_LABELS[a.dominant]),
        Evidence("term premium (ACM, 10-year)", float(row["term_premium"]), "percent", end),
        Evidence("expected inflation (breakeven)", float(row["expected_inflation"]), "percent", end),
        Evidence("expected real short rate", float(row["expected_real"]), "percent", end),
    ]
    stale = (pd.Timestamp(as_of) - pd.Timestamp(end)).days > params["max_staleness_days"]
    note = f"split as of {end.isoformat()}" if stale else ""
    return make_verdict(rule, state, headline, evidence, thresholds, as_of, stale=stale, note=note)


def tp_driver_states(decomposition: YieldDecomposition, dates: Sequence, *, params: Mapping) -> pd.Series:
    """The rule's state at each of ``dates`` (vectorised; the same logic as
    :func:`evaluate_tp_driver`), ``no data`` where it cannot be evaluated. For track records."""
    when = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    out = np.full(len(when), NO_DATA, dtype=object)
    if decomposition is None or not decomposition.has_inflation or not len(when):
        return pd.Series(out, index=when, dtype=object, name=TP_DRIVER_RULE.id)
    f = decomposition.frame.loc[:, ["observed", *DRIVERS]].dropna()
    idx = f.index
    end_pos = idx.searchsorted(when, side="right") - 1
    ends = idx[np.clip(end_pos, 0, None)]
    targets = horizon_starts(ends, params["horizon"])
    start_pos = idx.searchsorted(targets, side="right") - 1
    ok = (end_pos >= 0) & (start_pos >= 0) & (start_pos < end_pos)
    vals = f.to_numpy(dtype=float)
    delta = (vals[np.clip(end_pos, 0, None)] - vals[np.clip(start_pos, 0, None)]) * 100.0
    change, drivers = delta[:, 0], delta[:, 1:]
    mags = np.abs(drivers)
    lead = np.argmax(mags, axis=1)
    total = mags.sum(axis=1)
    share = np.divide(mags[np.arange(len(lead)), lead], total, out=np.zeros(len(lead)), where=total > 0)
    same_sign = np.sign(drivers[np.arange(len(lead)), lead]) == np.sign(change)
    led = (share >= params["dominance_share"]) & same_sign
    names = np.array([_STATE_OF_DRIVER[d] for d in DRIVERS], dtype=object)
    state = np.where(np.abs(change) < params["min_move_bp"], "small move", np.where(led, names[lead], "mixed"))
    out[ok] = state[ok]
    return pd.Series(out, index=when, dtype=object, name=TP_DRIVER_RULE.id)
