"""The verdict engine: rules, their parameters, verdicts as data, and track records.

A *rule* (:class:`RuleSpec`) has an id, the brief section it belongs to, an ordered scale of
states (first = benign, last = most severe), and declared parameters (:class:`Param`) whose
values come from the configuration file (``[rules.<rule id>]``). The rule's logic lives in the
analytics module of its framework area, as a pure function that returns a :class:`Verdict`.

A *verdict* is data: rule id, section, state, headline, the evidence (named numbers with units
and dates), the thresholds used and the as-of date. ``NO_DATA`` is the state of a rule whose
inputs are missing; ``stale=True`` marks a verdict computed from data that stopped updating.

Area modules expose ``RULES`` (a tuple of :class:`RuleSpec`); :func:`all_rules` collects them.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NO_DATA",
    "AREA_MODULES",
    "Evidence",
    "Param",
    "RuleSpec",
    "Verdict",
    "StateStats",
    "TrackRecord",
    "all_rules",
    "rule",
    "classify",
    "make_verdict",
    "no_data_verdict",
    "validate_params",
    "track_record",
    "weekly_dates",
    "asof_values",
    "forward_return",
    "forward_change",
    "forward_max",
]

NO_DATA = "no data"

#: Analytics modules that declare rules (``RULES``); imported lazily by :func:`all_rules`.
AREA_MODULES = (
    "analytics.transmission",
    "analytics.curve",
    "analytics.timevalue",
    "analytics.termpremium",
    "analytics.crossasset",
    "analytics.anchor",
    "analytics.fiscal",
    "analytics.convenience",
    "analytics.liquidity",
    "analytics.stress",
)


@dataclass(frozen=True)
class Evidence:
    """One number behind a verdict.

    ``unit`` is one of ``percent`` (a level in percent), ``pp`` (a change in percentage
    points), ``bp`` (basis points), ``ratio``, ``corr``, ``index``, ``usd_bn``, ``count``,
    ``days``, ``years``, ``share`` (fraction in [0, 1]) or ``text`` (``value`` is a string).
    """

    label: str
    value: float | int | str | None
    unit: str
    as_of: date | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if isinstance(self.value, float) and not math.isfinite(self.value):
            d["value"] = None
        if isinstance(self.value, (np.floating, np.integer)):
            d["value"] = self.value.item()
        d["as_of"] = self.as_of.isoformat() if self.as_of else None
        return d


@dataclass(frozen=True)
class Param:
    """A declared rule parameter: its type, bounds and meaning. Values come from the config."""

    name: str
    kind: type = float
    lo: float | None = None
    hi: float | None = None
    choices: tuple[Any, ...] | None = None
    doc: str = ""

    def check(self, value: Any) -> Any:
        """Return ``value`` coerced to ``kind`` or raise ``ValueError`` saying why."""
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"must be a number, got {value!r}")
            value = float(value)
            if not math.isfinite(value):
                raise ValueError("must be finite")
        elif self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"must be an integer, got {value!r}")
        elif self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false, got {value!r}")
        elif self.kind is str:
            if not isinstance(value, str):
                raise ValueError(f"must be a string, got {value!r}")
        elif self.kind is list:
            if not isinstance(value, (list, tuple)):
                raise ValueError(f"must be a list, got {value!r}")
            value = tuple(value)
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(map(str, self.choices))}; got {value!r}")
        if self.lo is not None and value < self.lo:
            raise ValueError(f"must be >= {self.lo}; got {value}")
        if self.hi is not None and value > self.hi:
            raise ValueError(f"must be <= {self.hi}; got {value}")
        return value


@dataclass(frozen=True)
class RuleSpec:
    """Declaration of a rule.

    ``scale`` is ordered from benign to severe. ``outcome`` says what the track record
    measures after each verdict (e.g. "next 12 months' S&P 500 return").
    """

    id: str
    section: str
    title: str
    scale: tuple[str, ...]
    params: tuple[Param, ...] = ()
    description: str = ""
    outcome: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"rule {self.id} has no parameter {name!r}")


@dataclass(frozen=True)
class Verdict:
    """A rule's verdict at one date. Plain data; ``to_dict`` gives the JSON form."""

    rule_id: str
    section: str
    title: str
    state: str
    scale: tuple[str, ...]
    headline: str
    evidence: tuple[Evidence, ...]
    thresholds: Mapping[str, Any]
    as_of: date
    stale: bool = False
    note: str = ""

    @property
    def level(self) -> int | None:
        """Position of ``state`` on the scale (0 = benign), None for ``NO_DATA``."""
        return self.scale.index(self.state) if self.state in self.scale else None

    @property
    def severity(self) -> float | None:
        """``level`` scaled to [0, 1] (for colouring); None for ``NO_DATA``."""
        lvl = self.level
        if lvl is None:
            return None
        return lvl / (len(self.scale) - 1) if len(self.scale) > 1 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "section": self.section,
            "title": self.title,
            "state": self.state,
            "scale": list(self.scale),
            "level": self.level,
            "headline": self.headline,
            "evidence": [e.to_dict() for e in self.evidence],
            "thresholds": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.thresholds.items()},
            "as_of": self.as_of.isoformat(),
            "stale": self.stale,
            "note": self.note,
        }


def make_verdict(
    rule: RuleSpec,
    state: str,
    headline: str,
    evidence: Iterable[Evidence],
    thresholds: Mapping[str, Any],
    as_of: date,
    *,
    stale: bool = False,
    note: str = "",
) -> Verdict:
    """Build a verdict for ``rule``, checking ``state`` is on its scale."""
    if state not in rule.scale and state != NO_DATA:
        raise ValueError(f"rule {rule.id}: state must be one of {', '.join(rule.scale)}; got {state!r}")
    return Verdict(
        rule_id=rule.id,
        section=rule.section,
        title=rule.title,
        state=state,
        scale=rule.scale,
        headline=headline,
        evidence=tuple(evidence),
        thresholds=MappingProxyType(dict(thresholds)),
        as_of=as_of,
        stale=stale,
        note=note,
    )


def no_data_verdict(rule: RuleSpec, as_of: date, missing: Sequence[str], thresholds: Mapping[str, Any] = ()) -> Verdict:
    """The verdict of a rule whose inputs are missing: says which, never guesses."""
    what = ", ".join(missing) if missing else "its inputs"
    return make_verdict(
        rule,
        NO_DATA,
        f"Not evaluated: no data for {what}.",
        (),
        dict(thresholds),
        as_of,
        note="missing: " + what,
    )


def classify(value: float, cutoffs: Sequence[float], states: Sequence[str]) -> str:
    """Map ``value`` onto ``states`` by ascending ``cutoffs``.

    ``states[i]`` holds for ``cutoffs[i-1] <= value < cutoffs[i]``: a value exactly on a
    cutoff belongs to the state above it. ``len(states) == len(cutoffs) + 1``.

    >>> classify(1.0, [0.5, 1.0], ["low", "mid", "high"])
    'high'
    """
    if len(states) != len(cutoffs) + 1:
        raise ValueError("states must have exactly one more entry than cutoffs")
    if any(b < a for a, b in zip(cutoffs, cutoffs[1:])):
        raise ValueError("cutoffs must be ascending")
    if value is None or not math.isfinite(value):
        raise ValueError(f"value must be a finite number, got {value!r}")
    i = int(np.searchsorted(np.asarray(cutoffs, dtype=float), value, side="right"))
    return states[i]


def validate_params(spec: RuleSpec | Sequence[Param], values: Mapping[str, Any]) -> dict[str, Any]:
    """Check configured parameter values against a declaration (a rule's or a section's).

    Every declared parameter must be present and valid; unknown names are rejected.
    Raises ``ValueError("<name>: <reason>")``; the config loader adds the file and table.
    """
    params = spec.params if isinstance(spec, RuleSpec) else tuple(spec)
    declared = {p.name: p for p in params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown parameter (allowed: {', '.join(sorted(declared)) or 'none'})")
    out: dict[str, Any] = {}
    for name, p in declared.items():
        if name not in values:
            raise ValueError(f"{name}: missing (no value in the configuration)")
        try:
            out[name] = p.check(values[name])
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return out


def all_rules(modules: Sequence[str] = AREA_MODULES) -> dict[str, RuleSpec]:
    """Collect ``RULES`` from the area modules that exist, keyed by rule id."""
    out: dict[str, RuleSpec] = {}
    for name in modules:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for r in getattr(mod, "RULES", ()):
            if r.id in out:
                raise RuntimeError(f"rule id {r.id} declared twice")
            out[r.id] = r
    return out


def rule(rule_id: str) -> RuleSpec:
    """The declaration of one rule (``KeyError`` lists the known ids)."""
    rules = all_rules()
    try:
        return rules[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r} (known: {', '.join(sorted(rules))})") from None


# --- track records -------------------------------------------------------------------------


@dataclass(frozen=True)
class StateStats:
    """Outcome statistics over the weeks a rule was in one state."""

    state: str
    weeks: int
    share: float
    outcome_mean: float | None
    outcome_median: float | None
    outcome_hit: float | None  # share of weeks where the outcome exceeded ``hit_threshold``


@dataclass(frozen=True)
class TrackRecord:
    """A rule evaluated weekly over history, with the outcome it speaks to measured afterwards.

    ``baseline`` is the same statistics over all weeks with a measured outcome, so each
    state's numbers read against the unconditional ones.
    """

    rule_id: str
    outcome: str
    outcome_unit: str
    start: date
    end: date
    weeks: int
    by_state: tuple[StateStats, ...]
    baseline: StateStats
    hit_threshold: float | None = None
    episodes: tuple[tuple[date, date, str], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        d["episodes"] = [(a.isoformat(), b.isoformat(), s) for a, b, s in self.episodes]
        return d


def _stats(state: str, outcomes: pd.Series, total: int, hit: float | None) -> StateStats:
    o = outcomes.dropna()
    n = int(len(outcomes))
    return StateStats(
        state=state,
        weeks=n,
        share=n / total if total else 0.0,
        outcome_mean=float(o.mean()) if len(o) else None,
        outcome_median=float(o.median()) if len(o) else None,
        outcome_hit=float((o > hit).mean()) if (hit is not None and len(o)) else None,
    )


def track_record(
    rule_spec: RuleSpec,
    states: pd.Series,
    outcome: pd.Series,
    *,
    outcome_label: str,
    outcome_unit: str,
    hit_threshold: float | None = None,
) -> TrackRecord:
    """Summarise a rule's weekly states against the outcome measured after each week.

    Parameters
    ----------
    states : weekly states (strings) on a DatetimeIndex; ``NO_DATA`` weeks are dropped.
    outcome : the forward outcome for each week, on the same index (NaN where the window
        has not yet elapsed). Aligned by index; it is not shifted here.
    hit_threshold : optional level; ``outcome_hit`` is the share of weeks above it.
    """
    if not isinstance(states.index, pd.DatetimeIndex):
        raise TypeError("states must be indexed by date")
    states = states[states != NO_DATA].dropna()
    if states.empty:
        raise ValueError(f"rule {rule_spec.id}: no weeks with a verdict")
    outcome = outcome.reindex(states.index)
    total = len(states)
    vals = states.to_numpy(dtype=object)
    by_state = tuple(
        _stats(s, outcome[m], total, hit_threshold) for s in rule_spec.scale if (m := vals == s).any()
    )
    # episodes: runs of one state, from the week it began to its last week; the benign state's
    # runs are left out and the latest 12 kept
    first = np.flatnonzero(np.r_[True, vals[1:] != vals[:-1]])
    last = np.r_[first[1:] - 1, len(vals) - 1]
    keep = np.flatnonzero(vals[first] != rule_spec.scale[0])[-12:]
    days = states.index
    episodes = tuple((days[first[i]].date(), days[last[i]].date(), vals[first[i]]) for i in keep)
    return TrackRecord(
        rule_id=rule_spec.id,
        outcome=outcome_label,
        outcome_unit=outcome_unit,
        start=states.index[0].date(),
        end=states.index[-1].date(),
        weeks=total,
        by_state=by_state,
        baseline=_stats("all weeks", outcome, total, hit_threshold),
        hit_threshold=hit_threshold,
        episodes=episodes,
    )


def weekly_states(evaluate: Callable[[pd.Timestamp], str], dates: Iterable[pd.Timestamp]) -> pd.Series:
    """Evaluate a state function at each date (helper for rules without a vectorised history)."""
    dates = list(dates)
    return pd.Series([evaluate(d) for d in dates], index=pd.DatetimeIndex(dates), dtype=object)


# --- the track-record pattern: weekly dates, point-in-time inputs, forward outcomes ------------
#
# A rule's history is evaluated by a vectorised state function ``<rule>_states(inputs, params=,
# dates=)`` that reads, for each date, only the last observation on or before it
# (:func:`asof_values`); the outcome the rule speaks to is measured over the window *after*
# each date (:func:`forward_return`, :func:`forward_change`, :func:`forward_max`), NaN while that
# window has not elapsed in the data. :func:`track_record` then summarises states against
# outcomes. Sections compute this once per data fingerprint through ``inp.cached``.


def weekly_dates(start: date | pd.Timestamp, end: date | pd.Timestamp, *, weekday: int = 4) -> pd.DatetimeIndex:
    """Every ``weekday`` (0 = Monday, 4 = Friday) from ``start`` to ``end`` inclusive.

    The dates of ``pd.date_range(start, end, freq="W-FRI")`` (for Friday), built as the first
    such day on or after ``start`` plus multiples of seven days: a fixed step is generated in
    one array operation, where a weekly anchored frequency steps date by date in Python. The
    index carries no ``freq``.
    """
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0..6; got {weekday!r}")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    first = start + pd.Timedelta(days=(weekday - start.weekday()) % 7)
    return pd.DatetimeIndex(pd.date_range(first, end, freq="7D"), freq=None)


def asof_values(s: pd.Series, dates: Iterable[pd.Timestamp], *, max_age_days: int | None = None) -> pd.Series:
    """The last observation of ``s`` on or before each date (no look-ahead).

    A date whose last observation is more than ``max_age_days`` calendar days old gets NaN
    (a stale input is not carried forward indefinitely).
    """
    idx = pd.DatetimeIndex(dates)
    s = s.dropna().sort_index()
    if s.empty or len(idx) == 0:
        return pd.Series(np.nan, index=idx, dtype=float)
    pos = s.index.searchsorted(idx, side="right") - 1
    ok = pos >= 0
    vals = np.full(len(idx), np.nan)
    vals[ok] = s.to_numpy(dtype=float)[pos[ok]]
    if max_age_days is not None:
        obs = np.full(len(idx), np.datetime64("NaT"), dtype="datetime64[ns]")
        obs[ok] = s.index.to_numpy()[pos[ok]]
        age = (idx.to_numpy() - obs) / np.timedelta64(1, "D")
        vals[~(age <= max_age_days)] = np.nan
    return pd.Series(vals, index=idx, dtype=float)


def _horizon_end(idx: pd.DatetimeIndex, days: int | None, months: int | None) -> pd.DatetimeIndex:
    if (days is None) == (months is None):
        raise ValueError("give exactly one of days or months for the horizon")
    if days is not None:
        if days < 1:
            raise ValueError(f"days must be >= 1; got {days}")
        return idx + pd.Timedelta(days=days)
    if months < 1:
        raise ValueError(f"months must be >= 1; got {months}")
    return idx + pd.DateOffset(months=months)


def forward_return(
    prices: pd.Series, dates: Iterable[pd.Timestamp], *, days: int | None = None, months: int | None = None
) -> pd.Series:
    """Percent return from each date to the horizon: ``100 (P_end / P_start - 1)``.

    ``P_start`` is the last price on or before the date and ``P_end`` the last price on or
    before date + horizon. NaN when the data ends before the horizon (the window has not
    elapsed) or a price is missing.
    """
    idx = pd.DatetimeIndex(dates)
    end = _horizon_end(idx, days, months)
    p = prices.dropna().sort_index()
    start_v = asof_values(p, idx).to_numpy()
    end_v = asof_values(p, end).to_numpy()
    out = 100.0 * (end_v / start_v - 1.0)
    if p.empty:
        return pd.Series(np.nan, index=idx, dtype=float)
    out[end > p.index[-1]] = np.nan
    return pd.Series(out, index=idx, dtype=float)


def forward_change(
    s: pd.Series, dates: Iterable[pd.Timestamp], *, days: int | None = None, months: int | None = None,
    scale: float = 1.0,
) -> pd.Series:
    """Change of a level from each date to the horizon, times ``scale`` (100 turns pp into bp).

    Same windows and NaN rules as :func:`forward_return`.
    """
    idx = pd.DatetimeIndex(dates)
    end = _horizon_end(idx, days, months)
    v = s.dropna().sort_index()
    out = scale * (asof_values(v, end).to_numpy() - asof_values(v, idx).to_numpy())
    if v.empty:
        return pd.Series(np.nan, index=idx, dtype=float)
    out[end > v.index[-1]] = np.nan
    return pd.Series(out, index=idx, dtype=float)


def forward_max(
    s: pd.Series, dates: Iterable[pd.Timestamp], *, days: int | None = None, months: int | None = None
) -> pd.Series:
    """Highest value of ``s`` observed after each date and up to the horizon (date excluded).

    NaN when the data ends before the horizon or no observation falls in the window.
    """
    idx = pd.DatetimeIndex(dates)
    end = _horizon_end(idx, days, months)
    v = s.dropna().sort_index()
    if v.empty or len(idx) == 0:
        return pd.Series(np.nan, index=idx, dtype=float)
    t = v.index
    a = t.searchsorted(idx, side="right")
    b = t.searchsorted(end, side="right")
    vals = v.to_numpy(dtype=float)
    # sparse table of running maxima for O(1) range-maximum queries
    n = len(vals)
    levels = [vals]
    k = 1
    while 2 * k <= n:
        prev = levels[-1]
        levels.append(np.maximum(prev[:-k], prev[k:]))
        k *= 2
    out = np.full(len(idx), np.nan)
    ok = (b > a) & (end <= t[-1])
    lo, hi = a[ok], b[ok]
    span = hi - lo
    j = np.floor(np.log2(span)).astype(int)
    res = np.empty(len(lo))
    for lvl in np.unique(j):
        m = j == lvl
        tab = levels[lvl]
        res[m] = np.maximum(tab[lo[m]], tab[hi[m] - (1 << lvl)])
    out[ok] = res
    return pd.Series(out, index=idx, dtype=float)
