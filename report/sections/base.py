"""The section contract: what a brief section declares, receives and returns.

A section is a small class (one module per section in ``report/sections/``) that

* declares the series it ``needs`` (required) and ``uses`` (optional), the rules it evaluates,
  and its configurable options (``PARAMS``, validated from ``[sections.<id>]``);
* in :meth:`Section.build` reads data from the point-in-time frame, calls the pure functions
  of ``analytics/``, and returns a :class:`SectionResult`: verdicts, chart specifications and
  a list of content *blocks* (plain dicts made by the helpers below) that the templates render
  to HTML and LaTeX alike.

Sections never format numbers into strings: a table cell carries the value and the name of
a format (``cell(4.2, "pct")``); the templates apply the registered filters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from analytics.rules import NO_DATA, Param, TrackRecord, Verdict

from ..catalog import CATALOG, spec
from ..config import Config
from ..frame import Frame

__all__ = [
    "Gap",
    "ChartSpec",
    "SectionInput",
    "SectionResult",
    "Section",
    "FORMATS",
    "cell",
    "text",
    "heading",
    "table",
    "chart",
    "verdict_cards",
    "keyvalues",
    "callout",
    "bullets",
    "source_line",
]

#: format names a cell may carry (see report/formatting.py for how each renders)
FORMATS = ("num", "int", "pct", "spct", "pp", "bp", "ratio", "corr", "share", "date", "text", "usd_bn",
           "usd_tn", "index", "x", "state", "days", "years")


@dataclass(frozen=True)
class Gap:
    """A series a section wanted but could not use (missing, or stale since ``last``)."""

    key: str
    title: str
    reason: str  # "missing" or "stale"
    last: date | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "reason": self.reason,
                "last": self.last.isoformat() if self.last else None, "note": self.note}


@dataclass(frozen=True)
class ChartSpec:
    """What to draw, not how: the chart stage draws it in the house style (and caches it).

    ``kind`` names a draw function in ``report.charts``; ``data`` holds what it needs (pandas
    objects, numbers, labels). ``series_keys`` are the catalog keys plotted: they give the
    source line under the chart and the consistent colours of the same series across charts.
    """

    id: str
    kind: str
    title: str
    data: Mapping[str, Any]
    alt: str
    series_keys: tuple[str, ...] = ()
    shade_recessions: bool = False
    width: str = "full"  # "full" or "half"
    note: str = ""


@dataclass
class SectionResult:
    """Everything a section contributes to the brief. ``analysis`` keeps the typed analytics
    results for tests and track records; it never reaches the templates."""

    id: str
    number: int
    title: str
    status: str = "ok"  # ok | partial | unavailable | error
    lead: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    methods: list[dict[str, str]] = field(default_factory=list)
    track_records: list[TrackRecord] = field(default_factory=list)
    error: str | None = None
    analysis: dict[str, Any] = field(default_factory=dict)

    def settle_status(self) -> str:
        """Mark an ``ok`` result ``partial`` when a series is missing or stale, or a verdict
        has no data or rests on stale data; return the status."""
        if self.status == "ok" and (self.gaps or any(v.state == NO_DATA or v.stale for v in self.verdicts)):
            self.status = "partial"
        return self.status


class SectionInput:
    """What a section receives: the frame, the configuration and helpers around them."""

    def __init__(self, frame: Frame, config: Config, *, section_id: str, cache: Any | None = None) -> None:
        self.frame = frame
        self.config = config
        self.as_of: date = frame.as_of
        self.options: Mapping[str, Any] = config.section_options(section_id)
        self.cache = cache
        self._section_id = section_id

    def series(self, key: str) -> pd.Series:
        return self.frame.get(key)

    def params(self, rule_id: str) -> Mapping[str, Any]:
        return self.config.rule_params(rule_id)

    def gaps(self, keys: Iterable[str]) -> list[Gap]:
        """Missing or stale series among ``keys`` (each marked used for provenance)."""
        out = []
        for k in keys:
            self.frame.get(k)
            st = self.frame.status(k)
            if st.missing:
                out.append(Gap(k, st.title, "missing", None, st.note))
            elif st.stale:
                out.append(Gap(k, st.title, "stale", st.last, st.note))
        return out

    def missing(self, keys: Iterable[str]) -> list[str]:
        return [k for k in keys if not self.frame.has(k)]

    def cached(self, name: str, keys: Iterable[str], compute: Callable[[], Any], *, extra: Any = None) -> Any:
        """Run ``compute`` or reuse its result from an earlier build with identical inputs.

        The cache key covers the data of ``keys`` in the frame, the as-of date, ``extra``
        (parameters) and the code version; with no cache configured this just computes.
        The ``keys`` count as used by the brief either way, so the data provenance of a
        rebuild from the cache lists the same series as the first build.
        """
        keys = tuple(keys)
        for k in keys:
            self.frame.get(k)  # marks the series used (provenance)
        if self.cache is None:
            return compute()
        return self.cache.get_or_compute(f"{self._section_id}.{name}", self.frame.fingerprint(keys), extra, compute)


class Section:
    """Base class of a brief section. Subclasses set the class attributes and ``build``."""

    id: ClassVar[str]
    number: ClassVar[int]
    title: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    uses: ClassVar[tuple[str, ...]] = ()
    rules: ClassVar[tuple[str, ...]] = ()
    PARAMS: ClassVar[tuple[Param, ...]] = ()

    def build(self, inp: SectionInput) -> SectionResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self, **kw: Any) -> SectionResult:
        """A result pre-filled with this section's id, number and title."""
        return SectionResult(id=self.id, number=self.number, title=self.title, **kw)

    @classmethod
    def series_keys(cls) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*cls.needs, *cls.uses)))


# --- content blocks ------------------------------------------------------------------------------


def _clean(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def cell(value: Any, fmt: str = "num", *, digits: int | None = None, tone: str | None = None) -> dict[str, Any]:
    """A table cell: the value, the name of its format, optional digits and a tone.

    ``tone`` is ``"pos"``, ``"neg"``, ``"warn"`` or a verdict state; templates colour by it
    and always print the text too (never colour alone). ``None``/NaN render as an en dash.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return {"v": _clean(value), "f": fmt, "d": digits, "tone": tone}


def text(body: str) -> dict[str, Any]:
    """A paragraph of prose (plain text; the templates escape it)."""
    return {"kind": "text", "text": body}


def heading(title: str) -> dict[str, Any]:
    """A sub-heading inside a section."""
    return {"kind": "heading", "text": title}


def bullets(items: Sequence[str]) -> dict[str, Any]:
    return {"kind": "bullets", "items": list(items)}


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[dict[str, Any] | str]],
    *,
    caption: str = "",
    note: str = "",
    first_col_label: bool = True,
) -> dict[str, Any]:
    """A compact table. Cells are :func:`cell` dicts; plain strings become text cells."""
    norm = [[c if isinstance(c, dict) else cell(c, "text") for c in r] for r in rows]
    for i, r in enumerate(norm):
        if len(r) != len(columns):
            raise ValueError(f"table {caption!r}: row {i} has {len(r)} cells for {len(columns)} columns")
    return {"kind": "table", "columns": list(columns), "rows": norm, "caption": caption, "note": note,
            "first_col_label": first_col_label}


def chart(chart_id: str) -> dict[str, Any]:
    """Place the chart with this id (declared in ``SectionResult.charts``)."""
    return {"kind": "chart", "id": chart_id}


def verdict_cards(rule_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """Place verdict cards: the listed rules, or all of the section's verdicts when None."""
    return {"kind": "verdicts", "ids": list(rule_ids) if rule_ids is not None else None}


def keyvalues(items: Sequence[tuple[str, dict[str, Any]]], *, caption: str = "") -> dict[str, Any]:
    """A short list of labelled figures (label, :func:`cell`)."""
    return {"kind": "keyvalues", "items": [{"label": a, "cell": b} for a, b in items], "caption": caption}


def callout(title: str, body: str, *, tone: str = "info") -> dict[str, Any]:
    """A boxed note (context, playbook, caveat). ``tone`` is info, warn or sample."""
    return {"kind": "callout", "title": title, "text": body, "tone": tone}


def source_line(keys: Iterable[str]) -> str:
    """'Source: ...' line for a chart or table, from the catalog (source names, never ids)."""
    names = {
        "fred": "FRED", "file": "desk file", "acm": "NY Fed (ACM)", "acm_daily": "NY Fed (ACM)",
        "shiller": "R. Shiller", "lbma": "LBMA", "gold_monthly": "gold price file", "g8": "central banks",
        "gsw": "Federal Reserve (GSW)", "cftc_tff": "CFTC", "cftc_legacy": "CFTC", "futures": "exchange settlements",
    }
    srcs = []
    for k in keys:
        s = spec(k)
        name = names.get(s.source, s.source)
        if name not in srcs:
            srcs.append(name)
    return "Source: " + ", ".join(srcs) if srcs else ""


def catalog_titles(keys: Iterable[str]) -> dict[str, str]:
    return {k: CATALOG[k].title for k in keys}
