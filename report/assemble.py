"""Brief assembly: turn section results into the one context the templates render.

The context is the templates' API: plain dicts, lists, strings, numbers and dates. Section 0
(cover: verdict board, key numbers, what changed) and section 9 (appendix: methods,
provenance, track records, disclaimer) are built here from all the sections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from analytics.rules import NO_DATA, TrackRecord, Verdict
from analytics.stats import key_number

from .catalog import CATALOG, FREQUENCIES, spec
from .config import Config
from .frame import Frame
from .sections.base import SectionResult, cell
from .theme import Theme

__all__ = ["build_context", "verdict_context", "key_numbers", "provenance"]

_SOURCE_NAMES = {
    "fred": "FRED", "csv": "FRED (CSV files)", "sample": "SAMPLE (synthetic)", "file": "desk file",
    "acm": "NY Fed ACM", "acm_daily": "NY Fed ACM", "shiller": "Shiller", "lbma": "LBMA", "gold_monthly": "gold file",
    "g8": "central banks (G8 file)", "gsw": "Federal Reserve GSW", "cftc_tff": "CFTC TFF", "cftc_legacy": "CFTC COT",
    "futures": "futures settlements",
}


def verdict_context(v: Verdict, theme: Theme, section_number: int | None = None) -> dict[str, Any]:
    d = v.to_dict()
    d["tone"] = theme.tone(v.severity)
    d["section_number"] = section_number
    return d


def key_numbers(frame: Frame, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Key-numbers rows: level, 1w and 4w change, 52-week percentile, date and staleness."""
    rows = []
    for k in keys:
        sp = spec(k)
        kn = key_number(frame.get(k), as_of=frame.as_of, units=sp.units)
        st = frame.status(k)
        if kn is None:
            rows.append({"key": k, "label": sp.title, "level": cell(None), "chg_1w": cell(None), "chg_4w": cell(None),
                         "pct_52w": cell(None), "date": None, "stale": True})
            continue
        level_fmt = "pct" if sp.units == "percent" else "num"
        chg_fmt = "bp" if kn.change_unit == "bp" else "spct"
        rows.append({
            "key": k, "label": sp.title,
            "level": cell(kn.level, level_fmt, digits=2),
            "chg_1w": cell(kn.chg_1w, chg_fmt), "chg_4w": cell(kn.chg_4w, chg_fmt),
            "pct_52w": cell(kn.pct_52w, "share"),
            "date": kn.date, "stale": st.stale,
        })
    return rows


def provenance(frame: Frame, keys: Sequence[str]) -> list[dict[str, Any]]:
    """One row per series used: title, source, frequency, last observation, status."""
    rows = []
    for k in keys:
        st = frame.status(k)
        sp = CATALOG[k]
        src = _SOURCE_NAMES.get(st.source, st.source) if st.source else _SOURCE_NAMES.get(sp.source, sp.source)
        status = "missing" if st.missing else ("stale" if st.stale else "current")
        rows.append({"key": k, "title": sp.title, "source": src, "frequency": FREQUENCIES[sp.frequency],
                     "first": st.first, "last": st.last, "status": status, "age_days": st.age_days,
                     "note": sp.note})
    return rows


def _changes(verdicts: Sequence[Verdict], previous: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not previous:
        return None
    before = {v["rule_id"]: v["state"] for v in previous.get("verdicts", [])}
    changed = [{"rule_id": v.rule_id, "title": v.title, "before": before[v.rule_id], "after": v.state}
               for v in verdicts if v.rule_id in before and before[v.rule_id] != v.state]
    return {"previous_edition": previous.get("edition", "the previous edition"), "verdicts": changed}


def _change_label(v: Verdict, previous: Mapping[str, Any] | None) -> str:
    if not previous:
        return ""
    before = {x["rule_id"]: x["state"] for x in previous.get("verdicts", [])}
    if v.rule_id not in before:
        return "new"
    return "unchanged" if before[v.rule_id] == v.state else f"was {before[v.rule_id]}"


def _track_record_context(t: TrackRecord, title: str) -> dict[str, Any]:
    fmt = {"pct": "spct", "percent": "spct", "bp": "bp", "index": "num", "pp": "pp"}.get(t.outcome_unit, "num")
    rows = [{"state": s.state, "weeks": s.weeks, "share": s.share, "mean": cell(s.outcome_mean, fmt),
             "median": cell(s.outcome_median, fmt)} for s in (*t.by_state, t.baseline)]
    return {"rule_id": t.rule_id, "title": title, "outcome": t.outcome, "start": t.start, "end": t.end,
            "weeks": t.weeks, "rows": rows}


def build_context(
    *,
    frame: Frame,
    config: Config,
    theme: Theme,
    results: Sequence[SectionResult],
    charts: Mapping[str, Mapping[str, Any]],
    edition: str,
    built_at: datetime,
    version: str,
    previous: Mapping[str, Any] | None = None,
    logo_uri: str | None = None,
) -> dict[str, Any]:
    """The whole brief context. ``charts`` maps chart id to ``{"uri", "px_width", "px_height"}``."""
    sections = []
    all_verdicts: list[tuple[int, Verdict]] = []
    methods: list[dict[str, str]] = []
    track_records = []
    for r in results:
        vctx = [verdict_context(v, theme, r.number) for v in r.verdicts]
        all_verdicts += [(r.number, v) for v in r.verdicts]
        chart_ctx = {}
        for c in r.charts:
            if c.id in charts:
                chart_ctx[c.id] = {"id": c.id, "title": c.title, "alt": c.alt, "width": c.width, **charts[c.id]}
        sections.append({
            "id": r.id, "number": r.number, "title": r.title, "status": r.status, "lead": r.lead,
            "blocks": r.blocks, "verdicts": vctx, "charts": chart_ctx, "gaps": [g.to_dict() for g in r.gaps],
            "error": r.error,
        })
        methods += r.methods
        titles = {v.rule_id: v.title for v in r.verdicts}
        track_records += [_track_record_context(t, titles.get(t.rule_id, t.rule_id)) for t in r.track_records]
    board = []
    for num, v in all_verdicts:
        d = verdict_context(v, theme, num)
        d["change"] = _change_label(v, previous)
        board.append(d)
    verdicts = [v for _, v in all_verdicts]
    used = [k for k in CATALOG if k in set(frame.used) | set(config.brief.headline_series)]
    return {
        "meta": {
            "title": config.brief.title, "subtitle": config.brief.subtitle, "desk": config.brief.desk,
            "edition": edition, "as_of": frame.as_of, "built_at": built_at.isoformat(timespec="seconds"),
            "version": version, "sample": frame.is_sample, "page_size": config.brief.page_size, "logo_uri": logo_uri,
        },
        "cover": {
            "board": board,
            "key_numbers": key_numbers(frame, config.brief.headline_series),
            "changes": _changes(verdicts, previous),
            "counts": {"rules": len(verdicts), "no_data": sum(v.state == NO_DATA for v in verdicts),
                       "stale": sum(v.stale for v in verdicts)},
        },
        "sections": sections,
        "appendix": {
            "methods": methods,
            "provenance": provenance(frame, used),
            "track_records": track_records,
            "disclaimer": config.brief.disclaimer,
        },
    }


def verdicts_document(verdicts: Sequence[Verdict], *, edition: str, as_of: date, sample: bool,
                      key_rows: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The machine-readable ``verdicts.json`` written beside every build."""
    return {
        "edition": edition,
        "as_of": as_of.isoformat(),
        "sample": sample,
        "verdicts": [v.to_dict() for v in verdicts],
        "key_numbers": [
            {"key": r["key"], "date": r["date"].isoformat() if r["date"] else None, "level": r["level"]["v"],
             "chg_1w": r["chg_1w"]["v"], "chg_4w": r["chg_4w"]["v"], "pct_52w": r["pct_52w"]["v"]}
            for r in key_rows
        ],
    }
