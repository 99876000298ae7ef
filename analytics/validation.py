"""Model validation of the term-structure models against published series and closed forms.

Every figure is a :class:`Check`: what was measured, the number, its threshold and whether it
passes; informational figures (no threshold) say so. The functions take the series and return
the checks; reading the files is the caller's business. The thresholds are those of the
project's model-validation standard (:data:`THRESHOLDS`).

Groups
------
Published series enter as frames whose columns are maturities in years (the caller maps the
files' columns to them).

``estimator``
    The published ACM fitted yields (1- to 10-year, monthly since 1961) are interpolated to
    monthly maturities by NSS and fed to :func:`analytics.termpremium.estimate_acm`, with the
    factors taken from the published maturities; the resulting 2-, 5- and 10-year term premia
    are compared with the published ACMTP02/05/10. This isolates the estimator from the curve
    data.
``end_to_end``
    The production path: NSS fits of the Treasury constant-maturity yields, month-end zero
    curves, ACM estimated from 1962; compared monthly from 1990 with the published ACM term
    premia and, at month-ends, with the NY Fed's daily 10-year term premium.
``nss``
    Fit quality of the daily NSS curves, and their 2-, 5- and 10-year zero yields against the
    NY Fed's daily ACM fitted yields.
``closed_form``
    Identities with exact answers: NSS limits and parameter recovery, DV01 against the
    modified-duration formula, and ACM on yields simulated from a known affine model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from .bonds import par_bond_dv01
from .nss import NSSHistory, NSSParams, fit_nss, fit_nss_history, nss_forward, nss_zero, zero_curve_history
from .termpremium import CurveModelRun, affine_loadings, estimate_acm

__all__ = [
    "THRESHOLDS",
    "Check",
    "ValidationReport",
    "Agreement",
    "agreement",
    "estimator_checks",
    "end_to_end_checks",
    "nss_checks",
    "closed_form_checks",
    "simulate_affine_yields",
    "validate_term_structure",
]

#: the model-validation thresholds (correlations; RMSE in percentage points unless ``_bp``)
THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {
        "estimator_corr_min": 0.995,
        "estimator_rmse_max": 0.06,
        "e2e_tp10_corr_min": 0.97,
        "e2e_tp10_rmse_max": 0.35,
        "e2e_tp05_corr_min": 0.95,
        "e2e_tp05_rmse_max": 0.30,
        "e2e_tp02_corr_min": 0.90,
        "e2e_tp02_rmse_max": 0.25,
        "daily_tp10_corr_min": 0.90,
        "daily_tp10_rmse_max": 0.30,
        "nss_median_rmse_bp_max": 5.0,
        "nss_zero_gap_bp": 15.0,
        "nss_zero_share_min": 0.95,
        "simulated_tp_corr_min": 0.995,
        "simulated_tp_rmse_max": 0.10,
    }
)


@dataclass(frozen=True)
class Check:
    """One validation figure.

    ``comparator`` is ``">="`` or ``"<="`` (the figure must be at least / at most the
    threshold) or ``""`` for an informational figure (``threshold`` and ``passed`` None).
    ``sample`` describes the data behind it (dates, count).
    """

    id: str
    group: str
    description: str
    figure: float
    unit: str
    threshold: float | None = None
    comparator: str = ""
    passed: bool | None = None
    sample: str = ""
    note: str = ""

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _check(id: str, group: str, description: str, figure: float, unit: str, threshold: float | None = None,
           comparator: str = "", sample: str = "", note: str = "") -> Check:
    if comparator not in (">=", "<=", ""):
        raise ValueError(f"comparator must be '>=', '<=' or ''; got {comparator!r}")
    passed = None
    if comparator:
        passed = bool(np.isfinite(figure) and (figure >= threshold if comparator == ">=" else figure <= threshold))
    return Check(id, group, description, float(figure), unit, threshold, comparator, passed, sample, note)


@dataclass(frozen=True)
class ValidationReport:
    """The checks of a validation run and, for charts, the compared series.

    ``comparison`` (monthly, percent) holds the project's and the published term premia
    (columns ``project_tp02`` ... ``published_tp10``) of the end-to-end run, when it ran.
    """

    title: str
    checks: tuple[Check, ...]
    comparison: pd.DataFrame | None = None

    @property
    def passed(self) -> bool:
        """True when every check with a threshold passes."""
        return all(c.passed for c in self.checks if c.passed is not None)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.passed is False)

    def get(self, check_id: str) -> Check:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(f"no check {check_id!r} (known: {', '.join(c.id for c in self.checks)})")


@dataclass(frozen=True)
class Agreement:
    """Agreement of an estimate with a reference on their common dates.

    ``corr`` Pearson correlation; ``rmse`` and ``mean_diff`` (estimate minus reference) in the
    series' units.
    """

    corr: float
    rmse: float
    mean_diff: float
    n: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None

    @property
    def sample(self) -> str:
        if not self.n:
            return "no common dates"
        return f"{self.start.date()} to {self.end.date()}, n={self.n}"


def agreement(estimate: pd.Series, reference: pd.Series, *, start=None, end=None) -> Agreement:
    """Correlation, RMSE and mean difference of two series on their common (non-missing) dates."""
    for name, s in (("estimate", estimate), ("reference", reference)):
        if not isinstance(s, pd.Series):
            raise TypeError(f"{name} must be a pandas Series")
    d = pd.concat([estimate.astype(float), reference.astype(float)], axis=1, join="inner", sort=True).dropna()
    if start is not None:
        d = d.loc[pd.Timestamp(start):]
    if end is not None:
        d = d.loc[: pd.Timestamp(end)]
    if len(d) < 3:
        return Agreement(float("nan"), float("nan"), float("nan"), len(d), None, None)
    diff = d.iloc[:, 0] - d.iloc[:, 1]
    corr = float(np.corrcoef(d.iloc[:, 0], d.iloc[:, 1])[0, 1])
    return Agreement(corr, float(np.sqrt(np.mean(diff**2))), float(diff.mean()), len(d), d.index[0], d.index[-1])


def _by_month(s: pd.Series) -> pd.Series:
    """Re-date a monthly series to calendar month-ends, so business-day month-ends need not match."""
    out = s.copy()
    out.index = s.index.to_period("M").to_timestamp(how="end").normalize()
    return out[~out.index.duplicated(keep="last")]


def _years_frame(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Columns as maturities in years (floats); a DatetimeIndex is required."""
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be a DataFrame indexed by date, one column per maturity in years")
    try:
        return frame.rename(columns={c: float(c) for c in frame.columns})
    except (TypeError, ValueError):
        raise ValueError(f"{name}: columns must be maturities in years") from None


def _pair_checks(group: str, label: str, ag: Agreement, corr_min: float, rmse_max: float, what: str,
                 sample: str | None = None) -> list[Check]:
    sample = ag.sample if sample is None else sample
    return [
        _check(f"{group}.{label}.corr", group, f"{what}: correlation", ag.corr, "corr", corr_min, ">=", sample,
               note=f"mean difference {ag.mean_diff:+.3f} pp"),
        _check(f"{group}.{label}.rmse", group, f"{what}: RMSE", ag.rmse, "pp", rmse_max, "<=", sample),
    ]


# --- estimator check -----------------------------------------------------------------------


def estimator_checks(
    published_yields: pd.DataFrame,
    published_tp: pd.DataFrame,
    *,
    thresholds: Mapping[str, float] = THRESHOLDS,
) -> tuple[Check, ...]:
    """Feed the published ACM fitted yields to the project's estimator; compare term premia.

    Parameters
    ----------
    published_yields : monthly ACM fitted zero yields (percent), one column per maturity in
        years (1 to 10), one row per month.
    published_tp : monthly ACM term premia (percent), columns in years including 2, 5 and 10.

    The ten yields of each month are interpolated to months 1..120 by an NSS fit of zero
    yields without the ridge penalty (they are model output, smooth and noise-free), and the
    pricing factors are the principal components of the published maturities (the
    interpolated months lie off the factor space of the published model by a few hundredths of
    a basis point, which would tilt the components).
    """
    y = _years_frame(published_yields, "published_yields")
    tp = _years_frame(published_tp, "published_tp")
    if not {1.0, 2.0, 10.0} <= set(y.columns):
        raise ValueError("published_yields: needs the 1- to 10-year maturities (columns in years)")
    missing = [n for n in (2.0, 5.0, 10.0) if n not in tp.columns]
    if missing:
        raise ValueError(f"published_tp: missing maturity column(s) {missing} (years)")
    y = y.dropna()
    hist = fit_nss_history(y, kind="zero", ridge=0.0)
    zero = zero_curve_history(hist.params)
    pc = tuple(int(round(12 * m)) for m in y.columns)
    res = estimate_acm(zero, pc_months=pc)
    out: list[Check] = []
    for n in (2, 5, 10):
        ag = agreement(res.term_premium[12 * n], tp[float(n)])
        out += _pair_checks("estimator", f"tp{n:02d}", ag, thresholds["estimator_corr_min"],
                            thresholds["estimator_rmse_max"], f"ACM {n}-year term premium from published yields")
    out.append(_check("estimator.nss_rmse_bp", "estimator", "NSS interpolation of the published yields: mean RMSE",
                      float(hist.rmse_bp.mean()), "bp", sample=f"{len(hist.rmse_bp)} months"))
    return tuple(out)


# --- end to end ----------------------------------------------------------------------------


def end_to_end_checks(
    run: CurveModelRun,
    published_tp: pd.DataFrame,
    published_tp10_daily: pd.Series,
    *,
    compare_start: str = "1990-01-01",
    daily_start: str = "2021-08-01",
    thresholds: Mapping[str, float] = THRESHOLDS,
) -> tuple[Check, ...]:
    """Compare the production-path ACM term premia with the published ones.

    ``run`` is :func:`analytics.termpremium.acm_from_cmt` on the CMT yields; ``published_tp``
    the monthly ACM term premia (percent, columns in years including 2, 5, 10);
    ``published_tp10_daily`` the NY Fed's daily 10-year term premium. Monthly values are
    matched by calendar month from ``compare_start``; the 10-year at the run's month-end dates
    is matched by date with the daily series from ``daily_start``.
    """
    ptp = _years_frame(published_tp, "published_tp")
    tp = run.acm.term_premium
    out: list[Check] = []
    for n in (10, 5, 2):
        ag = agreement(_by_month(tp[12 * n]), _by_month(ptp[float(n)]), start=compare_start)
        out += _pair_checks("end_to_end", f"tp{n:02d}", ag, thresholds[f"e2e_tp{n:02d}_corr_min"],
                            thresholds[f"e2e_tp{n:02d}_rmse_max"],
                            f"ACM {n}-year term premium from CMT yields vs published (monthly)")
    ag = agreement(tp[120], published_tp10_daily, start=daily_start)
    out += _pair_checks("end_to_end", "daily_tp10", ag, thresholds["daily_tp10_corr_min"],
                        thresholds["daily_tp10_rmse_max"],
                        "ACM 10-year term premium at month-ends vs NY Fed daily")
    rm = run.acm.pricing_rmse_bp
    for n in (1, 12, 24, 60, 120):
        out.append(_check(f"end_to_end.pricing_rmse_{n:03d}m", "end_to_end",
                          f"ACM pricing error RMSE, {n}-month yield", float(rm.loc[n]), "bp",
                          sample=f"{run.estimation_start.date()} to {run.estimation_end.date()}, "
                                 f"n={run.acm.model.n_obs}"))
    return tuple(out)


# --- NSS fits ------------------------------------------------------------------------------


def nss_checks(
    history: NSSHistory,
    published_zero_daily: pd.DataFrame,
    *,
    start: str = "1990-01-01",
    thresholds: Mapping[str, float] = THRESHOLDS,
) -> tuple[Check, ...]:
    """Fit quality of the daily NSS fits of CMT yields and their zero yields vs ACM's.

    ``published_zero_daily`` holds the NY Fed's daily ACM fitted zero yields (percent), columns
    in years including 2, 5 and 10. The 10-year gap is reported without a threshold: the CMT
    curve is built from on-the-run issues, which trade rich to the off-the-run bonds behind the
    Fed's curve, so a persistent gap of several basis points is expected there.
    """
    pub = _years_frame(published_zero_daily, "published_zero_daily")
    r = history.rmse_bp.loc[pd.Timestamp(start):]
    out = [_check("nss.median_rmse_bp", "nss", "NSS fit of CMT yields: median RMSE across business days",
                  float(r.median()), "bp", thresholds["nss_median_rmse_bp_max"], "<=",
                  f"{r.index[0].date()} to {r.index[-1].date()}, n={len(r)}" if len(r) else "no dates",
                  note=f"95th percentile {r.quantile(0.95):.2f} bp")]
    params = history.params.loc[pd.Timestamp(start):]
    z = pd.DataFrame(nss_zero(params, [2.0, 5.0, 10.0]), index=params.index, columns=[2, 5, 10])
    gap = thresholds["nss_zero_gap_bp"]
    for n in (2, 5, 10):
        if float(n) not in pub.columns:
            raise ValueError(f"published_zero_daily: missing the {n}-year column")
        d = pd.concat([z[n], pub[float(n)]], axis=1, join="inner", sort=True).dropna()
        diff = (d.iloc[:, 0] - d.iloc[:, 1]) * 100.0
        share = float((diff.abs() <= gap).mean()) if len(diff) else float("nan")
        sample = f"{d.index[0].date()} to {d.index[-1].date()}, n={len(d)}" if len(d) else "no common dates"
        note = f"mean gap {diff.mean():+.1f} bp, median absolute gap {diff.abs().median():.1f} bp"
        if n == 10:
            out.append(_check("nss.zero10.share_within", "nss",
                              f"10-year NSS zero yield within {gap:g} bp of ACM's", share, "share", sample=sample,
                              note=note))
            out.append(_check("nss.zero10.mean_gap_bp", "nss", "10-year NSS zero yield minus ACM's: mean",
                              float(diff.mean()), "bp", sample=sample))
        else:
            out.append(_check(f"nss.zero{n:02d}.share_within", "nss",
                              f"{n}-year NSS zero yield within {gap:g} bp of ACM's", share, "share",
                              thresholds["nss_zero_share_min"], ">=", sample, note))
    return tuple(out)


# --- closed forms --------------------------------------------------------------------------


def simulate_affine_yields(
    *,
    months: int = 120,
    n_periods: int = 20000,
    noise_pct: float = 0.01,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly zero yields and true term premia from a three-factor Gaussian affine model.

    The factors follow a VAR(1) with persistence below the risk-neutral one (so the term
    premium varies), the short rate is their sum, and yields carry i.i.d. measurement noise
    of ``noise_pct`` percentage points. Returns ``(yields, term_premia)`` in percent, columns
    1..``months``. (Parameters are per month, decimal; see the function body.)
    """
    k = 3
    phi_q = np.diag([0.995, 0.95, 0.85])
    lambda1 = np.array([[-0.03, 0.0, 0.0], [0.0, -0.03, 0.0], [0.01, 0.0, -0.05]])
    phi = phi_q + lambda1
    mean_p = np.array([0.003, 0.0005, 0.0])
    mean_q = np.array([0.0042, 0.0005, 0.0])
    mu = (np.eye(k) - phi) @ mean_p
    lambda0 = mu - (np.eye(k) - phi_q) @ mean_q
    chol = np.diag([0.0002, 0.0002, 0.0002])
    sigma = chol @ chol.T
    delta1 = np.ones(k)
    A, B = affine_loadings(mu, phi, sigma, 0.0, delta1, lambda0, lambda1, 0.0, months)
    Arn, Brn = affine_loadings(mu, phi, sigma, 0.0, delta1, np.zeros(k), np.zeros((k, k)), 0.0, months)
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal((n_periods, k)) @ chol.T
    x = np.empty((n_periods, k))
    x[0] = mean_p
    for t in range(1, n_periods):
        x[t] = mu + phi @ x[t - 1] + shocks[t]
    n = np.arange(1, months + 1)
    y = -(A + x @ B.T) / n * 1200.0
    tp = y - (-(Arn + x @ Brn.T) / n * 1200.0)
    idx = pd.date_range("1000-01-31", periods=n_periods, freq="ME", unit="s")
    cols = [int(i) for i in n]
    noisy = y + noise_pct * rng.standard_normal(y.shape)
    return pd.DataFrame(noisy, index=idx, columns=cols), pd.DataFrame(tp, index=idx, columns=cols)


def closed_form_checks(*, seed: int = 0, thresholds: Mapping[str, float] = THRESHOLDS) -> tuple[Check, ...]:
    """Exact identities of the curve and bond tools, and the ACM estimator on a known model."""
    out: list[Check] = []
    m = np.array([0.01, 0.25, 1, 2, 5, 10, 30, 60])
    flat = NSSParams(4.25, 0.0, 0.0, 0.0, 1.7, 9.0)
    dev = max(np.abs(nss_zero(flat, m) - 4.25).max(), np.abs(nss_forward(flat, m) - 4.25).max())
    out.append(_check("closed_form.nss_flat", "closed_form", "NSS with only beta0: max deviation from beta0",
                      float(dev), "pp", 1e-12, "<="))
    p = NSSParams(4.0, -1.5, 2.0, -1.0, 1.5, 8.0)
    lim = abs(float(nss_zero(p, [1e-9])[0]) - 2.5) + abs(float(nss_forward(p, [1e-9])[0]) - 2.5)
    out.append(_check("closed_form.nss_short_limit", "closed_form",
                      "NSS zero and forward at m -> 0 minus beta0 + beta1", lim, "pp", 1e-6, "<="))
    tenors = [0.25, 0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30]
    fit = fit_nss(tenors, nss_zero(p, tenors), kind="zero", ridge=0.0)
    err = float(np.abs(fit.params.to_array() - p.to_array()).max())
    out.append(_check("closed_form.nss_recovery", "closed_form",
                      "NSS fit of yields from known parameters: max parameter error", err, "param units", 1e-3, "<=",
                      note="betas in pp, taus in years"))
    worst = 0.0
    for y in (0.5, 2.0, 4.5, 8.0):
        for T in (1, 2, 5, 10, 30):
            formula = 100.0 * (1.0 - (1.0 + y / 200.0) ** (-2 * T)) / (y / 100.0) * 1e-4
            worst = max(worst, abs(par_bond_dv01(y, T) / formula - 1.0))
    out.append(_check("closed_form.dv01", "closed_form",
                      "Par-bond DV01 vs modified-duration formula: max relative difference", worst, "ratio",
                      1e-10, "<="))
    yields, tp = simulate_affine_yields(seed=seed)
    res = estimate_acm(yields, n_factors=3)
    for n in (2, 5, 10):
        ag = agreement(res.term_premium[12 * n], tp[12 * n])
        out += _pair_checks("closed_form", f"simulated_tp{n:02d}", ag, thresholds["simulated_tp_corr_min"],
                            thresholds["simulated_tp_rmse_max"],
                            f"ACM on a simulated affine model: {n}-year premium vs truth",
                            sample=f"{ag.n} simulated months, 3 factors, 1 bp noise, seed {seed}")
    return tuple(out)


# --- everything ----------------------------------------------------------------------------


def validate_term_structure(
    cmt_yields: pd.DataFrame,
    published_yields: pd.DataFrame,
    published_tp: pd.DataFrame,
    published_tp10_daily: pd.Series,
    published_zero_daily: pd.DataFrame,
    *,
    run: CurveModelRun | None = None,
    estimation_start: str = "1962-01-01",
    compare_start: str = "1990-01-01",
    daily_start: str = "2021-08-01",
    thresholds: Mapping[str, float] = THRESHOLDS,
    groups: Sequence[str] = ("estimator", "end_to_end", "nss", "closed_form"),
) -> ValidationReport:
    """Run the validation groups and collect their checks.

    Parameters
    ----------
    cmt_yields : daily CMT yields (percent), one column per maturity in years.
    published_yields, published_tp : the published monthly ACM fitted yields (1..10 years)
        and term premia (columns in years).
    published_tp10_daily : the NY Fed's daily ACM 10-year term premium (percent).
    published_zero_daily : the NY Fed's daily ACM fitted yields (columns in years: 2, 5, 10).
    run : a precomputed :func:`analytics.termpremium.acm_from_cmt` result (else computed here
        from ``estimation_start``).
    groups : which groups to run.
    """
    from .termpremium import acm_from_cmt

    allowed = ("estimator", "end_to_end", "nss", "closed_form")
    bad = [g for g in groups if g not in allowed]
    if bad:
        raise ValueError(f"groups: unknown {bad}; allowed: {', '.join(allowed)}")
    missing = [k for k in THRESHOLDS if k not in thresholds]
    if missing:
        raise ValueError(f"thresholds: missing {missing}")
    checks: list[Check] = []
    comparison = None
    if "estimator" in groups:
        checks += estimator_checks(published_yields, published_tp, thresholds=thresholds)
    if "end_to_end" in groups or "nss" in groups:
        if run is None:
            run = acm_from_cmt(cmt_yields, estimation_start=estimation_start)
        if "end_to_end" in groups:
            checks += end_to_end_checks(run, published_tp, published_tp10_daily, compare_start=compare_start,
                                        daily_start=daily_start, thresholds=thresholds)
            ptp = _years_frame(published_tp, "published_tp")
            comparison = pd.concat(
                {**{f"project_tp{n:02d}": _by_month(run.acm.term_premium[12 * n]) for n in (2, 5, 10)},
                 **{f"published_tp{n:02d}": _by_month(ptp[float(n)]) for n in (2, 5, 10)}},
                axis=1, sort=True)
        if "nss" in groups:
            checks += nss_checks(run.nss, published_zero_daily, start=compare_start, thresholds=thresholds)
    if "closed_form" in groups:
        checks += closed_form_checks(thresholds=thresholds)
    return ValidationReport("Term-structure models: validation against published series", tuple(checks),
                            comparison)
