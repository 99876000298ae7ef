"""Nelson-Siegel(-Svensson) yield curves: curves from parameters, one-day fits, whole histories.

Units
-----
Maturities are in years. Zero-coupon yields and instantaneous forward rates are continuously
compounded, in percent per year. Par yields are coupon-equivalent yields with ``freq`` coupons
per year (2: semiannual, the Treasury convention), in percent. Fit errors are reported in basis
points.

The model (Nelson and Siegel 1987; Svensson 1994; the parametrisation of Gurkaynak, Sack and
Wright 2007) gives the zero-coupon yield of maturity :math:`m` as

.. math::

    z(m) = \\beta_0 + \\beta_1 \\frac{1 - e^{-m/\\tau_1}}{m/\\tau_1}
         + \\beta_2 \\Big[\\frac{1 - e^{-m/\\tau_1}}{m/\\tau_1} - e^{-m/\\tau_1}\\Big]
         + \\beta_3 \\Big[\\frac{1 - e^{-m/\\tau_2}}{m/\\tau_2} - e^{-m/\\tau_2}\\Big]

and the instantaneous forward rate as

.. math::

    f(m) = \\beta_0 + \\beta_1 e^{-m/\\tau_1} + \\beta_2 \\frac{m}{\\tau_1} e^{-m/\\tau_1}
         + \\beta_3 \\frac{m}{\\tau_2} e^{-m/\\tau_2}.

Both tend to :math:`\\beta_0 + \\beta_1` as :math:`m \\to 0` and to :math:`\\beta_0` as
:math:`m \\to \\infty`. Nelson-Siegel is the special case :math:`\\beta_3 = 0` (``tau2`` is then
NaN). The discount factor is :math:`P(m) = \\exp(-z(m)\\, m / 100)`.

Fitting
-------
For fixed decay parameters the zero curve is linear in the betas, so the fit searches a grid of
decay parameters (bounded, with ``tau2 >= tau_ratio * tau1`` so that the two humps stay
distinct) and solves a linear least-squares problem for the betas at each grid point,
vectorised across dates. Par-yield observations are non-linear in the betas: the grid stage
fits them as zero yields shifted by the current model's zero-minus-par spread (a fixed-point
iteration that converges because that spread depends weakly on the betas), and a final
Gauss-Newton step on the betas at the chosen decays minimises the par-yield errors themselves.
A one-day fit (:func:`fit_nss`) then refines all six parameters continuously from the best grid
point (bounded least squares), which the history fit does optionally.

The objective adds a small ridge penalty ``ridge * (beta1^2 + beta2^2 + beta3^2)`` (percent^2) to
the sum of squared errors. On market quotes, decay pairs that make the loadings nearly collinear
over 0-30 years otherwise win by a fraction of a basis point with betas in the hundreds of
percent, whose short- and long-end extrapolations are wild; the default penalty (1e-5: a beta of
10 pp costs 10 bp^2, as much as one yield missed by about 3 bp) removes them at a cost of about
0.1 bp in median RMSE. Use ``ridge=0`` for exact, noise-free curves (model output).

Treasury constant-maturity (CMT) yields (``kind="cmt"``): tenors of one year or less are bills,
quoted as bond-equivalent yields of zero-coupon instruments (simple interest up to six months,
semiannual compounding above); longer tenors are par yields of semiannual coupon bonds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "NSSParams",
    "NSSFit",
    "NSSHistory",
    "PARAM_NAMES",
    "nss_loadings",
    "nss_zero",
    "nss_forward",
    "nss_discount",
    "nss_par",
    "cmt_to_zero",
    "fit_nss",
    "fit_nss_history",
    "zero_curve_history",
    "gsw_zero_yields",
    "DEFAULT_TAU1_GRID",
    "DEFAULT_TAU2_GRID",
]

PARAM_NAMES = ("beta0", "beta1", "beta2", "beta3", "tau1", "tau2")

#: decay-parameter grids (years) searched by the fits; log-spaced within the bounds
DEFAULT_TAU1_GRID = tuple(float(x) for x in np.geomspace(0.15, 8.0, 26))
DEFAULT_TAU2_GRID = tuple(float(x) for x in np.geomspace(0.5, 30.0, 26))

#: weight of the penalty on beta1..beta3 (a beta of 10 pp adds 1e-3 pp^2 = 10 bp^2 to the SSE)
DEFAULT_RIDGE = 1e-5

Kind = Literal["zero", "par", "cmt"]
_KINDS = ("zero", "par", "cmt")
_BILL_MAX = 1.0 + 1e-9  # CMT tenors up to one year are bills
_FD_STEP = float(np.sqrt(np.finfo(float).eps))  # relative step of the refinement's finite differences
_CHUNK_ELEMENTS = 1 << 14  # grid-search work array size (doubles, 128 KB) per block of dates: stays in cache


# --- curves from parameters ----------------------------------------------------------------


def _as_params(params) -> np.ndarray:
    """Parameters as a float array of shape (..., 6); NaN tau2 means Nelson-Siegel."""
    if isinstance(params, NSSParams):
        return params.to_array()
    if isinstance(params, pd.DataFrame):
        missing = [c for c in PARAM_NAMES if c not in params.columns]
        if missing:
            raise ValueError(f"params: missing column(s) {missing}; expected {', '.join(PARAM_NAMES)}")
        return params.loc[:, list(PARAM_NAMES)].to_numpy(dtype=float)
    arr = np.asarray(params, dtype=float)
    if arr.shape[-1] != 6:
        raise ValueError(f"params: last dimension must be 6 ({', '.join(PARAM_NAMES)}); got shape {arr.shape}")
    return arr


def _maturities(maturities, name: str = "maturities") -> np.ndarray:
    m = np.atleast_1d(np.asarray(maturities, dtype=float))
    if m.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (years)")
    if not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise ValueError(f"{name} must be finite and > 0 (years); got {m.tolist()}")
    return m


def _hump(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(1 - e^{-x}) / x`` and ``e^{-x}`` with the ``x -> 0`` limit handled."""
    ex = np.exp(-x)
    big = x > 1e-8
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(big, -np.expm1(-x) / np.where(big, x, 1.0), 1.0 - x / 2.0)
    return slope, ex


def nss_loadings(maturities, tau1, tau2=np.nan) -> np.ndarray:
    """Zero-yield loadings on (beta0, beta1, beta2, beta3) for given decays.

    Parameters
    ----------
    maturities : array of m maturities in years.
    tau1, tau2 : decay parameters in years (scalars or arrays broadcasting against each
        other; ``tau2`` NaN gives a zero fourth column, i.e. Nelson-Siegel).

    Returns
    -------
    ndarray of shape ``broadcast(tau1, tau2).shape + (m, 4)``.
    """
    m = np.asarray(maturities, dtype=float)
    t1 = np.asarray(tau1, dtype=float)[..., None]
    t2 = np.asarray(tau2, dtype=float)[..., None]
    s1, e1 = _hump(m / t1)
    s2, e2 = _hump(m / np.where(np.isnan(t2), 1.0, t2))
    l3 = np.where(np.isnan(t2), 0.0, s2 - e2)
    shape = np.broadcast_shapes(s1.shape, l3.shape)
    out = np.empty(shape + (4,))
    out[..., 0] = 1.0
    out[..., 1] = s1
    out[..., 2] = s1 - e1
    out[..., 3] = l3
    return out


def nss_zero(params, maturities) -> np.ndarray:
    """Continuously compounded zero-coupon yields (percent) at ``maturities`` (years).

    ``params`` is an :class:`NSSParams`, an array of shape (..., 6) in the order of
    :data:`PARAM_NAMES`, or a DataFrame with those columns (one row per date). The result has
    shape ``params.shape[:-1] + (len(maturities),)``.
    """
    return _zero(_as_params(params), _maturities(maturities))


def _zero(p: np.ndarray, m: np.ndarray) -> np.ndarray:
    """:func:`nss_zero` on checked inputs: ``p`` a float array (..., 6), ``m`` positive years."""
    return _zero_from_loadings(nss_loadings(m, p[..., 4], p[..., 5]), p)


def _pair_loadings(m: np.ndarray, tau1: np.ndarray, tau2: np.ndarray) -> np.ndarray:
    """:func:`nss_loadings` of many dates' decays (1-d ``tau1``, ``tau2``), computed once per
    distinct pair: curves fitted on a decay grid share a few hundred pairs over thousands of
    dates."""
    nan2 = np.isnan(tau2)
    key = np.column_stack([tau1, np.where(nan2, 0.0, tau2), nan2])
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    return nss_loadings(m, uniq[:, 0], np.where(uniq[:, 2] > 0, np.nan, uniq[:, 1]))[inv.ravel()]


def _zero_from_loadings(load: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Zero yields from the loadings (..., m, 4) of the decays in ``p`` (..., 6) and its betas."""
    betas = np.where(np.isnan(p[..., 5:6]), np.concatenate([p[..., :3], np.zeros_like(p[..., 3:4])], -1), p[..., :4])
    return np.einsum("...mk,...k->...m", load, betas)


def nss_forward(params, maturities) -> np.ndarray:
    """Instantaneous forward rates (continuously compounded, percent) at ``maturities`` (years)."""
    p = _as_params(params)
    m = _maturities(maturities)
    x1 = m / p[..., 4:5]
    e1 = np.exp(-x1)
    t2 = p[..., 5:6]
    x2 = m / np.where(np.isnan(t2), 1.0, t2)
    b3 = np.where(np.isnan(t2), 0.0, p[..., 3:4])
    return p[..., 0:1] + p[..., 1:2] * e1 + p[..., 2:3] * x1 * e1 + b3 * x2 * np.exp(-x2)


def nss_discount(params, maturities) -> np.ndarray:
    """Discount factors :math:`P(m) = e^{-z(m) m / 100}`."""
    m = _maturities(maturities)
    return np.exp(-nss_zero(params, m) * m / 100.0)


@dataclass(frozen=True)
class _Schedule:
    """Coupon schedules of several bonds on a union grid of payment times."""

    times: np.ndarray  # (n,) payment times in years
    weights: np.ndarray  # (m, n) 1 where the time is a coupon date of bond j
    accrued: np.ndarray  # (m,) accrued fraction of a year since the last coupon
    last: np.ndarray  # (m,) index of the maturity in ``times``


def _schedule(maturities: np.ndarray, freq: int) -> _Schedule:
    per = 1.0 / freq
    rows = []
    for T in maturities:
        k = int(np.floor(T * freq + 1e-9))
        ts = T - per * np.arange(k + 1)
        ts = ts[ts > 1e-9]
        rows.append(np.round(ts, 10))
    times = np.unique(np.concatenate(rows))
    weights = np.zeros((len(maturities), len(times)))
    accrued = np.zeros(len(maturities))
    last = np.zeros(len(maturities), dtype=int)
    for j, ts in enumerate(rows):
        idx = np.searchsorted(times, ts)
        weights[j, idx] = 1.0
        accrued[j] = max(per - ts.min(), 0.0) if ts.min() < per - 1e-9 else 0.0
        last[j] = np.searchsorted(times, np.round(maturities[j], 10))
    return _Schedule(times, weights, accrued, last)


def _check_freq(freq: int) -> None:
    if freq not in (1, 2, 4, 12):
        raise ValueError(f"freq must be one of 1, 2, 4, 12; got {freq!r}")


def _par_from_discount(disc: np.ndarray, sched: _Schedule, freq: int) -> np.ndarray:
    """Par yields (percent) from discount factors on ``sched.times`` (shape (..., n))."""
    annuity = disc @ sched.weights.T / freq - sched.accrued  # (..., m)
    return 100.0 * (1.0 - disc[..., sched.last]) / annuity


def nss_par(params, maturities, *, freq: int = 2) -> np.ndarray:
    """Par yields (percent, ``freq`` coupons a year) implied by the zero curve.

    A bond of maturity :math:`T` pays :math:`c/f` at :math:`T, T - 1/f, \\dots > 0` and 1 at
    :math:`T`; its clean price, dirty price less accrued interest :math:`c\\,a` (with
    :math:`a` the time since the last coupon date), equals 1 at the par coupon

    .. math:: c(T) = \\frac{1 - P(T)}{\\tfrac{1}{f}\\sum_i P(t_i) - a}.
    """
    _check_freq(freq)
    m = _maturities(maturities)
    sched = _schedule(m, freq)
    disc = nss_discount(params, sched.times)
    return _par_from_discount(disc, sched, freq)


# --- parameter container -------------------------------------------------------------------


@dataclass(frozen=True)
class NSSParams:
    """One curve's parameters: betas in percent, decays in years (``tau2`` NaN: Nelson-Siegel)."""

    beta0: float
    beta1: float
    beta2: float
    beta3: float = 0.0
    tau1: float = 1.0
    tau2: float = float("nan")

    def __post_init__(self) -> None:
        if not (np.isfinite(self.tau1) and self.tau1 > 0):
            raise ValueError(f"tau1 must be > 0 (years); got {self.tau1!r}")
        if not (np.isnan(self.tau2) or self.tau2 > 0):
            raise ValueError(f"tau2 must be > 0 (years) or NaN for Nelson-Siegel; got {self.tau2!r}")

    @property
    def is_svensson(self) -> bool:
        return not np.isnan(self.tau2)

    def to_array(self) -> np.ndarray:
        return np.array([self.beta0, self.beta1, self.beta2, self.beta3, self.tau1, self.tau2], dtype=float)

    @classmethod
    def from_array(cls, a) -> NSSParams:
        a = np.asarray(a, dtype=float)
        return cls(*(float(x) for x in a))

    def zero(self, maturities) -> np.ndarray:
        """Zero-coupon yields (continuously compounded, percent)."""
        return nss_zero(self, maturities)

    def forward(self, maturities) -> np.ndarray:
        """Instantaneous forward rates (continuously compounded, percent)."""
        return nss_forward(self, maturities)

    def discount(self, maturities) -> np.ndarray:
        return nss_discount(self, maturities)

    def par(self, maturities, *, freq: int = 2) -> np.ndarray:
        """Par yields (percent, ``freq`` coupons a year)."""
        return nss_par(self, maturities, freq=freq)


# --- observations --------------------------------------------------------------------------


def cmt_to_zero(maturities, yields) -> np.ndarray:
    """Continuously compounded zero yields (percent) of Treasury bills quoted bond-equivalent.

    Up to six months the bond-equivalent yield :math:`y` is simple interest,
    :math:`z = 100 \\ln(1 + y m / 100) / m`; from six months to a year it is compounded
    semiannually, :math:`z = 200 \\ln(1 + y / 200)`. Maturities above a year are rejected.
    """
    m = _maturities(maturities)
    y = np.asarray(yields, dtype=float)
    if np.any(m > _BILL_MAX):
        raise ValueError("maturities: bills are at most one year")
    simple = 100.0 * np.log1p(y * m / 100.0) / m
    semi = 200.0 * np.log1p(y / 200.0)
    return np.where(m <= 0.5 + 1e-9, simple, semi)


def _obs_kinds(maturities: np.ndarray, kind: str) -> np.ndarray:
    """Boolean mask: True where the observation is a par yield."""
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}; got {kind!r}")
    if kind == "zero":
        return np.zeros(len(maturities), dtype=bool)
    if kind == "par":
        return np.ones(len(maturities), dtype=bool)
    return maturities > _BILL_MAX


def _obs_values(maturities: np.ndarray, y: np.ndarray, is_par: np.ndarray, kind: str) -> np.ndarray:
    """Observed yields in fitting units: zero yields continuous, par yields as quoted."""
    out = np.array(y, dtype=float, copy=True)
    if kind == "cmt":
        bills = ~is_par
        if bills.any():
            out[..., bills] = cmt_to_zero(maturities[bills], y[..., bills])
    return out


# --- grid + least squares (vectorised across dates) ------------------------------------------


def _grid_pairs(tau1_grid: Sequence[float], tau2_grid: Sequence[float], ratio: float, svensson: bool):
    t1 = np.asarray(tau1_grid, dtype=float)
    if not svensson:
        return t1, np.full_like(t1, np.nan)
    t2 = np.asarray(tau2_grid, dtype=float)
    a, b = np.meshgrid(t1, t2, indexing="ij")
    keep = b >= ratio * a
    return a[keep], b[keep]


@dataclass(frozen=True)
class _Obs:
    """One set of observed maturities (checked, ascending) and the coupon schedule of its par
    yields (None when all are zero yields), set up once per fit and reused by every model
    evaluation."""

    mats: np.ndarray  # (m,) years
    is_par: np.ndarray  # (m,) True where the observation is a par yield
    freq: int
    sched: _Schedule | None
    points: np.ndarray  # (m + n,) the maturities, then the n coupon times


def _obs(mats: np.ndarray, is_par: np.ndarray, freq: int) -> _Obs:
    if not is_par.any():
        return _Obs(mats, is_par, freq, None, mats)
    _check_freq(freq)
    sched = _schedule(mats[is_par], freq)
    return _Obs(mats, is_par, freq, sched, np.concatenate([mats, sched.times]))


def _model_values(params: np.ndarray, obs: _Obs, *,
                  loadings: tuple[np.ndarray, np.ndarray | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Model zero and fitting-unit values for per-date parameters ``params`` (D, 6).

    Returns ``(zero, value)``, each (D, m): ``value`` is the par yield (as :func:`nss_par`)
    where ``obs.is_par`` and the zero yield elsewhere. ``loadings``, when given, are
    :func:`nss_loadings` of the dates' decays at ``obs.mats`` and at the coupon times
    (None without par yields), shapes (D, m, 4) and (D, n, 4); otherwise they are evaluated
    here, at both sets of points at once.
    """
    if loadings is None:
        load = nss_loadings(obs.points, params[:, 4], params[:, 5])
        m = len(obs.mats)
        zload, cload = load[:, :m], (load[:, m:] if obs.sched is not None else None)
    else:
        zload, cload = loadings
    zero = _zero_from_loadings(zload, params)
    value = zero.copy()
    if obs.sched is not None:
        t = obs.sched.times
        disc = np.exp(-_zero_from_loadings(cload, params) * t / 100.0)
        value[:, obs.is_par] = _par_from_discount(disc, obs.sched, obs.freq)
    return zero, value


def _gauss_newton_par(y: np.ndarray, betas: np.ndarray, zload: np.ndarray, cload: np.ndarray,
                      obs: _Obs, iters: int, ridge: float) -> np.ndarray:
    """Gauss-Newton on the betas (taus fixed per date) for mixed zero/par observations.

    ``zload`` and ``cload`` are the dates' loadings at ``obs.mats`` (D, m, k) and at the coupon
    times (D, n, k), ``k`` the number of betas.
    """
    k = betas.shape[1]
    pen = np.diag([0.0] + [ridge] * (k - 1))
    is_par, freq, sched = obs.is_par, obs.freq, obs.sched
    t = sched.times
    for _ in range(iters):
        z_t = np.matmul(cload, betas[:, :, None])[:, :, 0]
        disc = np.exp(-z_t * t / 100.0)  # (D, n)
        ddisc = -(disc * t / 100.0)[..., None] * cload  # (D, n, k)
        annuity = disc @ sched.weights.T / freq - sched.accrued  # (D, p)
        dann = np.matmul(sched.weights, ddisc) / freq  # (D, p, k)
        p_T = disc[:, sched.last]
        dp_T = ddisc[:, sched.last, :]
        c = 100.0 * (1.0 - p_T) / annuity
        dc = 100.0 * (-dp_T * annuity[..., None] - (1.0 - p_T)[..., None] * dann) / annuity[..., None] ** 2
        model = np.matmul(zload, betas[:, :, None])[:, :, 0]
        jac = zload.copy()
        model[:, is_par] = c
        jac[:, is_par, :] = dc
        resid = y - model
        jt = jac.transpose(0, 2, 1)
        jtj = np.matmul(jt, jac) + pen
        jtr = np.matmul(jt, resid[:, :, None])[:, :, 0] - betas @ pen
        step = np.linalg.solve(jtj + 1e-12 * np.eye(k), jtr[..., None])[..., 0]
        betas = betas + step
    return betas


def _fit_block(y: np.ndarray, obs: _Obs, svensson: bool, *,
               tau1_grid, tau2_grid, tau_ratio: float, outer: int, gn_iters: int, ridge: float):
    """Fit dates that share one set of observed maturities. ``y`` is (D, m) in fitting units."""
    mats, is_par = obs.mats, obs.is_par
    D, m = y.shape
    k = 4 if svensson else 3
    g1, g2 = _grid_pairs(tau1_grid, tau2_grid, tau_ratio, svensson)
    # loadings of every grid point at the observed maturities and the coupon times: a date's
    # loadings are those of its grid point, picked rather than recomputed
    zgrid = nss_loadings(mats, g1, g2)  # (G, m, 4)
    cgrid = nss_loadings(obs.sched.times, g1, g2) if obs.sched is not None else None  # (G, n, 4)
    load = zgrid[..., :k]
    pen = np.zeros((k - 1, k))
    pen[np.arange(k - 1), np.arange(1, k)] = np.sqrt(ridge)
    aug = np.concatenate([load, np.broadcast_to(pen, (len(g1), k - 1, k))], axis=1)  # (G, m+k-1, k)
    q, _ = np.linalg.qr(aug)
    G = len(g1)
    # rows ordered (beta index, grid point) so the sum over betas adds contiguous blocks;
    # the penalty rows of the augmented system meet a zero target and drop out
    qt = np.ascontiguousarray(q[:, :m, :].transpose(2, 0, 1)).reshape(k * G, m)
    pinv = np.linalg.pinv(aug)[:, :, :m]  # (G, k, m)
    adj = np.zeros_like(y)
    best = np.zeros(D, dtype=int)
    betas = np.zeros((D, k))
    chunk = max(1, _CHUNK_ELEMENTS // (k * G))
    for _ in range(outer):
        target = y + adj  # (D, m)
        for lo in range(0, D, chunk):
            t = target[lo : lo + chunk]
            proj = qt @ t.T  # (k * G, d): one matrix product for the whole grid
            np.square(proj, out=proj)
            # residual sum of squares at each grid point: |target|^2 - |projection|^2
            sse = np.square(t).sum(axis=1)[None, :] - proj.reshape(k, G, len(t)).sum(axis=0)
            best[lo : lo + chunk] = np.argmin(sse, axis=0)
        betas = np.matmul(pinv[best], target[:, :, None])[:, :, 0]
        if not is_par.any():
            break
        full = np.zeros((D, 4))
        full[:, :k] = betas
        zero, value = _model_values(np.column_stack([full, g1[best], g2[best]]), obs,
                                    loadings=(zgrid[best], cgrid[best]))
        adj = np.where(is_par[None, :], zero - value, 0.0)
    taus1, taus2 = g1[best], g2[best]
    if is_par.any() and gn_iters:
        betas = _gauss_newton_par(y, betas, zgrid[best][..., :k], cgrid[best][..., :k], obs, gn_iters, ridge)
    full = np.zeros((D, 4))
    full[:, :k] = betas
    return full, taus1, taus2


def _resid(y: np.ndarray, params: np.ndarray, obs: _Obs, *, by_pair: bool = False) -> np.ndarray:
    """Observed minus model values; ``by_pair`` computes the loadings once per distinct decay
    pair (for many dates)."""
    loadings = None
    if by_pair:
        t1, t2 = params[:, 4], params[:, 5]
        loadings = (_pair_loadings(obs.mats, t1, t2),
                    _pair_loadings(obs.sched.times, t1, t2) if obs.sched is not None else None)
    _, value = _model_values(params, obs, loadings=loadings)
    return y - value


def _forward_jacobian(fun, x: np.ndarray, r: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobian of ``fun`` at ``x`` (``r = fun(x)``); at an upper bound the
    step goes inward."""
    jac = np.empty((len(r), len(x)))
    for j in range(len(x)):
        h = _FD_STEP * max(1.0, abs(x[j]))
        if x[j] + h > hi[j]:
            h = -h
        xh = x.copy()
        xh[j] += h
        jac[:, j] = (fun(xh) - r) / h
    return jac


def _least_squares_in_box(fun, x0: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, max_iter: int = 100) -> np.ndarray:
    """Minimise ``|fun(x)|^2`` over the box ``lo <= x <= hi`` from ``x0`` (inside it).

    Levenberg-Marquardt with Marquardt's scaling (the damping is proportional to the diagonal of
    J'J, so it does not depend on the parameters' units); a parameter on a bound that the descent
    pushes outward is held there for the step, and each trial step is projected onto the box. A
    step is taken only if it lowers the sum of squares; the damping falls tenfold after a step
    taken and rises tenfold after one refused. It stops when a step no longer lowers the sum by
    more than a part in 1e14 or moves the parameters by more than a part in 1e10, or when no
    damping gives a lower sum.
    """
    x = x0.astype(float).copy()
    r = fun(x)
    cost = float(r @ r)
    damping = 1e-3
    for _ in range(max_iter):
        jac = _forward_jacobian(fun, x, r, hi)
        jtj, grad = jac.T @ jac, jac.T @ r
        # a parameter on a bound that the descent would push further out stays there this step
        free = ~(((x <= lo) & (grad > 0.0)) | ((x >= hi) & (grad < 0.0)))
        sub, g = jtj[np.ix_(free, free)], grad[free]
        scale = np.diag(sub).copy()
        scale[scale <= 0.0] = 1.0
        while damping < 1e12:
            step = np.zeros_like(x)
            try:
                step[free] = np.linalg.solve(sub + damping * np.diag(scale), -g)
            except np.linalg.LinAlgError:
                damping *= 10.0
                continue
            trial = np.clip(x + step, lo, hi)
            r_trial = fun(trial)
            cost_trial = float(r_trial @ r_trial)
            if np.isfinite(cost_trial) and cost_trial < cost:
                break
            damping *= 10.0
        else:
            return x  # no damping lowers the sum: a minimum (to the differences' precision)
        small = (cost - cost_trial <= 1e-14 * cost
                 or np.all(np.abs(trial - x) <= 1e-10 * np.maximum(np.abs(x), 1e-8)))
        x, r, cost = trial, r_trial, cost_trial
        damping = max(damping / 10.0, 1e-12)
        if small:
            break
    return x


def _refine_one(y: np.ndarray, p0: np.ndarray, obs: _Obs,
                tau_bounds: tuple[float, float], tau2_bounds: tuple[float, float], ridge: float) -> np.ndarray:
    """Continuous bounded least squares over all parameters from a grid start (one date)."""
    svensson = not np.isnan(p0[5])
    idx = [0, 1, 2, 3, 4, 5] if svensson else [0, 1, 2, 4]

    def fun(x):
        p = np.full(6, np.nan)
        p[3] = 0.0
        p[idx] = x
        r = _resid(y[None, :], p[None, :], obs)[0]
        return np.concatenate([r, np.sqrt(ridge) * p[1:4]])

    lo = np.array([-np.inf] * (4 if svensson else 3) + [tau_bounds[0]] + ([tau2_bounds[0]] if svensson else []))
    hi = np.array([np.inf] * (4 if svensson else 3) + [tau_bounds[1]] + ([tau2_bounds[1]] if svensson else []))
    x0 = np.clip(p0[idx], lo, hi)
    with np.errstate(all="ignore"):  # a trial step far out can overflow: its sum is then not finite, refused
        x = _least_squares_in_box(fun, x0, lo, hi)
    out = p0.copy()
    out[idx] = x
    return out


# --- public fits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NSSFit:
    """A one-day fit.

    Attributes
    ----------
    params : the fitted curve.
    maturities, observed, fitted : the observations (years; yields in percent, in the units of
        ``kinds``: bills converted to continuous zero yields when ``kind="cmt"``) and the model's
        values for them.
    kinds : per observation ``"zero"`` or ``"par"``.
    residuals_bp : observed minus fitted, basis points.
    rmse_bp : root mean squared residual, basis points.
    model : ``"NSS"`` or ``"NS"``.
    """

    params: NSSParams
    maturities: tuple[float, ...]
    observed: tuple[float, ...]
    fitted: tuple[float, ...]
    kinds: tuple[str, ...]
    residuals_bp: tuple[float, ...]
    rmse_bp: float
    model: str
    freq: int = 2


def _validate_tau_bounds(tau1_grid, tau2_grid, tau_ratio) -> None:
    for name, g in (("tau1_grid", tau1_grid), ("tau2_grid", tau2_grid)):
        a = np.asarray(g, dtype=float)
        if a.ndim != 1 or a.size < 2 or np.any(~np.isfinite(a)) or np.any(a <= 0):
            raise ValueError(f"{name} must hold at least two positive decay values (years)")
    if not (np.isfinite(tau_ratio) and tau_ratio >= 1.0):
        raise ValueError(f"tau_ratio must be >= 1; got {tau_ratio!r}")


def _choose_model(n_obs: int, model: str, min_svensson: int) -> str | None:
    if model not in ("auto", "NSS", "NS"):
        raise ValueError(f"model must be one of auto, NSS, NS; got {model!r}")
    if model == "auto":
        model = "NSS" if n_obs >= min_svensson else "NS"
    need = 7 if model == "NSS" else 5
    return model if n_obs >= need else None


def fit_nss(
    maturities,
    yields,
    *,
    kind: Kind = "cmt",
    model: str = "auto",
    min_svensson: int = 8,
    freq: int = 2,
    tau1_grid: Sequence[float] = DEFAULT_TAU1_GRID,
    tau2_grid: Sequence[float] = DEFAULT_TAU2_GRID,
    tau_ratio: float = 1.5,
    ridge: float = DEFAULT_RIDGE,
    refine: bool = True,
) -> NSSFit:
    """Fit a Nelson-Siegel-Svensson curve to one day's yields.

    Parameters
    ----------
    maturities : maturities in years (any set; NaN yields are dropped).
    yields : observed yields in percent.
    kind : ``"zero"`` (continuously compounded zero yields), ``"par"`` (par yields, ``freq``
        coupons a year) or ``"cmt"`` (Treasury constant-maturity: bills up to one year as
        bond-equivalent zero yields, longer tenors as semiannual par yields).
    model : ``"NSS"`` (six parameters), ``"NS"`` (four) or ``"auto"``: NSS when at least
        ``min_svensson`` yields are observed, else NS. NSS needs 7 observations, NS 5.
    tau1_grid, tau2_grid, tau_ratio : decay grids (years) and the minimum ratio tau2/tau1;
        the grid's ends are also the bounds of the continuous refinement.
    ridge : weight of the penalty on beta1..beta3 (see the module notes); 0 for none.
    refine : refine all parameters by bounded non-linear least squares from the best grid point.

    Returns
    -------
    NSSFit

    Raises
    ------
    ValueError
        If the inputs are malformed or too few yields are observed for the model.
    """
    m = _maturities(maturities)
    y = np.asarray(yields, dtype=float)
    if y.shape != m.shape:
        raise ValueError(f"yields must have one value per maturity ({len(m)}); got shape {y.shape}")
    _validate_tau_bounds(tau1_grid, tau2_grid, tau_ratio)
    ok = np.isfinite(y)
    m, y = m[ok], y[ok]
    order = np.argsort(m)
    m, y = m[order], y[order]
    chosen = _choose_model(len(m), model, min_svensson)
    if chosen is None:
        raise ValueError(f"yields: {len(m)} observed; model {model} needs at least "
                         f"{7 if model == 'NSS' else 5}")
    is_par = _obs_kinds(m, kind)
    yv = _obs_values(m, y, is_par, kind)
    obs = _obs(m, is_par, freq)
    betas, t1, t2 = _fit_block(yv[None, :], obs, chosen == "NSS", tau1_grid=tau1_grid,
                               tau2_grid=tau2_grid, tau_ratio=tau_ratio, outer=4, gn_iters=4, ridge=ridge)
    p = np.concatenate([betas[0], [t1[0], t2[0]]])
    if refine:
        p = _refine_one(yv, p, obs, (min(tau1_grid), max(tau1_grid)), (min(tau2_grid), max(tau2_grid)), ridge)
    _, fitted = _model_values(p[None, :], obs)
    resid = (yv - fitted[0]) * 100.0
    return NSSFit(
        params=NSSParams.from_array(p),
        maturities=tuple(m.tolist()),
        observed=tuple(yv.tolist()),
        fitted=tuple(fitted[0].tolist()),
        kinds=tuple("par" if b else "zero" for b in is_par),
        residuals_bp=tuple(resid.tolist()),
        rmse_bp=float(np.sqrt(np.mean(resid**2))),
        model=chosen,
        freq=freq,
    )


@dataclass(frozen=True)
class NSSHistory:
    """Fits of many dates.

    Attributes
    ----------
    params : DataFrame (dates x :data:`PARAM_NAMES`); rows of dates with too few yields are
        absent. ``tau2`` is NaN and ``beta3`` 0 where the model is Nelson-Siegel.
    rmse_bp : fit RMSE per date (basis points).
    n_obs : yields used per date.
    model : ``"NSS"`` or ``"NS"`` per date.
    residuals_bp : DataFrame (dates x input maturities) of observed minus fitted, bp.
    skipped : dates with too few observations to fit.
    kind, freq, min_svensson, tau_ratio, refined : the options used.
    """

    params: pd.DataFrame
    rmse_bp: pd.Series
    n_obs: pd.Series
    model: pd.Series
    residuals_bp: pd.DataFrame
    skipped: tuple[pd.Timestamp, ...]
    kind: str
    freq: int
    min_svensson: int
    tau_ratio: float
    refined: bool = False
    start: pd.Timestamp | None = field(default=None)
    end: pd.Timestamp | None = field(default=None)


def _check_yield_frame(yields: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(yields, pd.DataFrame):
        raise TypeError("yields must be a DataFrame (dates x maturities in years)")
    if not isinstance(yields.index, pd.DatetimeIndex):
        raise TypeError("yields must be indexed by date (DatetimeIndex)")
    try:
        mats = np.asarray([float(c) for c in yields.columns])
    except (TypeError, ValueError):
        raise ValueError("yields: columns must be maturities in years (numbers)") from None
    _maturities(mats, "yields columns")
    if len(set(mats.tolist())) != len(mats):
        raise ValueError("yields: duplicate maturity columns")
    order = np.argsort(mats)
    frame = yields.iloc[:, order].sort_index()
    return frame, mats[order]


def fit_nss_history(
    yields: pd.DataFrame,
    *,
    kind: Kind = "cmt",
    model: str = "auto",
    min_svensson: int = 8,
    freq: int = 2,
    tau1_grid: Sequence[float] = DEFAULT_TAU1_GRID,
    tau2_grid: Sequence[float] = DEFAULT_TAU2_GRID,
    tau_ratio: float = 1.5,
    ridge: float = DEFAULT_RIDGE,
    refine: bool = False,
) -> NSSHistory:
    """Fit every date of a yield history, vectorised across dates.

    Dates are grouped by the set of maturities they observe (tenors start in different years
    and have gaps); each group is fitted at once on the decay grid (see the module notes), NSS
    where at least ``min_svensson`` yields are observed and NS with 5 to ``min_svensson - 1``.
    Dates with fewer than 5 yields are listed in ``skipped``.

    Parameters
    ----------
    yields : DataFrame indexed by date, one column per maturity in years, percent.
    kind, model, min_svensson, freq, tau1_grid, tau2_grid, tau_ratio, ridge : as in :func:`fit_nss`.
    refine : also run the continuous refinement of :func:`fit_nss` on each date (slow: tens of
        milliseconds per date; the grid alone is within a fraction of a basis point of it).

    Returns
    -------
    NSSHistory
    """
    frame, mats = _check_yield_frame(yields)
    _validate_tau_bounds(tau1_grid, tau2_grid, tau_ratio)
    if model not in ("auto", "NSS", "NS"):
        raise ValueError(f"model must be one of auto, NSS, NS; got {model!r}")
    is_par_all = _obs_kinds(mats, kind)
    values = frame.to_numpy(dtype=float)
    mask = np.isfinite(values)
    D = len(frame)
    params = np.full((D, 6), np.nan)
    resid = np.full_like(values, np.nan)
    models = np.full(D, "", dtype=object)
    if mask.shape[1] > 62:
        raise ValueError("yields: at most 62 maturity columns")
    keys = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    patterns, inverse = np.unique(keys, return_inverse=True)
    for g in range(len(patterns)):
        rows = np.flatnonzero(inverse == g)
        cols = mask[rows[0]]
        chosen = _choose_model(int(cols.sum()), model, min_svensson)
        if chosen is None:
            continue
        mm, ip = mats[cols], is_par_all[cols]
        yv = _obs_values(mm, values[np.ix_(rows, np.flatnonzero(cols))], ip, kind)
        obs = _obs(mm, ip, freq)
        betas, t1, t2 = _fit_block(yv, obs, chosen == "NSS", tau1_grid=tau1_grid, tau2_grid=tau2_grid,
                                   tau_ratio=tau_ratio, outer=3, gn_iters=3, ridge=ridge)
        p = np.column_stack([betas, t1, t2])
        if refine:
            b1, b2 = (min(tau1_grid), max(tau1_grid)), (min(tau2_grid), max(tau2_grid))
            p = np.vstack([_refine_one(yv[i], p[i], obs, b1, b2, ridge) for i in range(len(rows))])
        params[rows] = p
        resid[np.ix_(rows, np.flatnonzero(cols))] = _resid(yv, p, obs, by_pair=True) * 100.0
        models[rows] = chosen
    fitted = np.isfinite(params[:, 0])
    idx = frame.index
    n_obs = mask.sum(axis=1)
    rmse = np.full(D, np.nan)
    if fitted.any():
        rmse[fitted] = np.sqrt(np.nanmean(resid[fitted] ** 2, axis=1))
    cols_out = [float(x) for x in mats]
    return NSSHistory(
        params=pd.DataFrame(params[fitted], index=idx[fitted], columns=list(PARAM_NAMES)),
        rmse_bp=pd.Series(rmse[fitted], index=idx[fitted], name="rmse_bp", dtype=float),
        n_obs=pd.Series(n_obs[fitted], index=idx[fitted], name="n_obs"),
        model=pd.Series(models[fitted], index=idx[fitted], name="model", dtype=object),
        residuals_bp=pd.DataFrame(resid[fitted], index=idx[fitted], columns=cols_out),
        skipped=tuple(idx[~fitted & (n_obs > 0)]),
        kind=kind,
        freq=freq,
        min_svensson=min_svensson,
        tau_ratio=tau_ratio,
        refined=refine,
        start=idx[fitted][0] if fitted.any() else None,
        end=idx[fitted][-1] if fitted.any() else None,
    )


def zero_curve_history(params: pd.DataFrame, *, months: Sequence[int] = tuple(range(1, 121))) -> pd.DataFrame:
    """Zero-coupon yields (continuously compounded, percent) at monthly maturities.

    Parameters
    ----------
    params : DataFrame with columns :data:`PARAM_NAMES`, one row per date (e.g.
        ``NSSHistory.params``).
    months : maturities in months.

    Returns
    -------
    DataFrame (dates x months), columns are the integer months.
    """
    mo = np.asarray(months, dtype=int)
    if mo.ndim != 1 or mo.size == 0 or np.any(mo <= 0):
        raise ValueError("months must be positive integers")
    p = _as_params(params)
    z = _zero_from_loadings(_pair_loadings(_maturities(mo / 12.0), p[:, 4], p[:, 5]), p)
    return pd.DataFrame(z, index=params.index, columns=[int(x) for x in mo])


#: column names of the Federal Reserve's GSW parameter file (feds200628)
_GSW_COLUMNS = ("BETA0", "BETA1", "BETA2", "BETA3", "TAU1", "TAU2")


def gsw_zero_yields(gsw: pd.DataFrame, *, months: Sequence[int] = tuple(range(1, 121))) -> pd.DataFrame:
    """Zero-coupon yields at monthly maturities from Gurkaynak-Sack-Wright parameters.

    Parameters
    ----------
    gsw : DataFrame indexed by date with the GSW file's columns BETA0, BETA1, BETA2, BETA3,
        TAU1, TAU2 (percent and years). In the file's Nelson-Siegel years BETA3 and TAU2 are
        missing (or hold the file's missing-value code, a negative number); those rows are
        evaluated as Nelson-Siegel. Rows without BETA0..BETA2/TAU1 are dropped.
    months : maturities in months.

    Returns
    -------
    DataFrame (dates x months) of continuously compounded zero yields in percent, the
    convention of the file's SVENYnn columns.
    """
    missing = [c for c in _GSW_COLUMNS if c not in gsw.columns]
    if missing:
        raise ValueError(f"gsw: missing column(s) {missing}; expected {', '.join(_GSW_COLUMNS)}")
    p = gsw.loc[:, list(_GSW_COLUMNS)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
    ns = ~np.isfinite(p[:, 5]) | (p[:, 5] <= 0) | ~np.isfinite(p[:, 3]) | (p[:, 3] <= -999)
    p[ns, 3] = 0.0
    p[ns, 5] = np.nan
    ok = np.all(np.isfinite(p[:, [0, 1, 2, 4]]), axis=1) & (p[:, 4] > 0)
    params = pd.DataFrame(p[ok], index=gsw.index[ok], columns=list(PARAM_NAMES))
    return zero_curve_history(params, months=months)
