"""Brief assembly: turn section results into the one context the templates render.

The context is the templates' API: plain dicts, lists, strings, numbers and dates. Section 0
(cover: verdict board, key numbers, what changed) and section 9 (appendix: methods,
provenance, track records, disclaimer) are built here from all the sections.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from analytics.rules import NO_DATA, TrackRecord, Verdict
from analytics.stats import key_number

from .catalog import CATALOG, FREQUENCIES, spec
from .config import Config
from .frame import Frame
from .sections.base import SectionResult, cell
from .theme import Theme

__all__ = ["build_context", "verdict_context", "key_numbers", "provenance", "biggest_moves", "layout_blocks",
           "BLOCK_KINDS", "GENERAL_METHODS"]

#: block kinds the templates render (made by the helpers in report/sections/base.py)
BLOCK_KINDS = ("text", "heading", "bullets", "table", "chart", "verdicts", "keyvalues", "callout")

#: method notes that apply to the whole brief (the sections add their own)
GENERAL_METHODS = (
    {"title": "Point in time",
     "text": ("Every number in this edition is computed from the data as it was known at the end of the as-of "
              "date. Observations published later, and later revisions of macro series, are left out, so an "
              "edition rebuilt for a past week reproduces what a reader could have known that week.")},
    {"title": "Key numbers",
     "text": ("The level is the latest observation on or before the as-of date. Changes compare it with the last "
              "observation at least 7 and 28 calendar days earlier: in basis points for yields, spreads and rates, "
              "in percent for prices and indexes. The 52-week percentile is the share of the past year's "
              "observations at or below the latest level, so 100% means the highest reading of the year.")},
    {"title": "Verdicts",
     "text": ("Each rule maps measured inputs onto a short ordered scale of states, from benign to severe, with "
              "thresholds set in the desk's configuration and printed under each verdict. A rule whose inputs are "
              "missing says so and takes no state; a verdict drawn from a series that stopped updating is marked "
              "stale. Badges carry the state's name as text as well as its colour.")},
    {"title": "Biggest moves",
     "text": ("Moves since the previous edition are ranked by their size relative to the series' own weekly "
              "volatility over the past 52 weeks (change divided by the standard deviation of weekly changes, "
              "scaled by the square root of the number of weeks between the editions).")},
    {"title": "Staleness",
     "text": ("A series counts as stale when its latest observation is older than two of its periods plus its "
              "usual publication lag and a grace period. Stale and missing series are listed under the section "
              "that wanted them and in the data provenance table below.")},
)

_SOURCE_NAMES = {
    "fred": "FRED", "csv": "FRED (CSV files)", "sample": "SAMPLE (synthetic)", "file": "desk file",
    "acm": "NY Fed ACM", "acm_daily": "NY Fed ACM", "shiller": "Shiller", "lbma": "LBMA", "gold_monthly": "gold file",
    "g8": "central banks (G8 file)", "gsw": "Federal Reserve GSW", "cftc_tff": "CFTC TFF", "cftc_legacy": "CFTC COT",
    "futures": "futures settlements",
}


def verdict_context(v: Verdict, theme: Theme, section_number: int | None = None) -> dict[str, Any]:
    """A verdict as the templates see it: its JSON form plus tone, section and scale steps."""
    d = v.to_dict()
    d["tone"] = theme.tone(v.severity)
    d["section_number"] = section_number
    d["steps"] = [{"state": s, "current": s == v.state} for s in v.scale]
    d["change"] = ""
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


def _changes(verdicts: Sequence[Verdict], previous: Mapping[str, Any] | None, moves: list[dict[str, Any]]
             ) -> dict[str, Any] | None:
    if not previous:
        return None
    before = {v["rule_id"]: v for v in previous.get("verdicts", [])}
    changed = []
    for v in verdicts:
        b = before.get(v.rule_id)
        if b is None or b["state"] == v.state:
            continue
        old_level = b.get("level")
        direction = ""
        if old_level is not None and v.level is not None:
            direction = "worse" if v.level > old_level else "better"
        changed.append({"rule_id": v.rule_id, "title": v.title, "before": b["state"], "after": v.state,
                        "direction": direction, "headline": v.headline})
    new_rules = [v.title for v in verdicts if v.rule_id not in before]
    return {"previous_edition": previous.get("edition", "the previous edition"),
            "previous_as_of": previous.get("as_of"), "verdicts": changed, "new_rules": new_rules, "moves": moves}


def biggest_moves(frame: Frame, keys: Sequence[str], previous: Mapping[str, Any] | None, *,
                  top: int = 5) -> list[dict[str, Any]]:
    """The headline series that moved most since the previous edition, by standardised size.

    For each series the change since the previous edition's level (basis points for
    percent-unit series, percent otherwise) is divided by ``sd * sqrt(w)``, where ``sd`` is
    the standard deviation of the series' weekly changes over the 52 weeks to the as-of date
    and ``w`` the number of weeks between the two editions (at least 1). Series without a
    previous level or with fewer than 20 weekly changes are left out.
    """
    if not previous:
        return []
    prev = {r["key"]: r for r in previous.get("key_numbers", []) if r.get("level") is not None}
    prev_asof = previous.get("as_of")
    rows = []
    for k in keys:
        if k not in prev:
            continue
        s = frame.get(k).dropna()
        if s.empty:
            continue
        sp = spec(k)
        bp = sp.units == "percent"
        level, before = float(s.iloc[-1]), float(prev[k]["level"])
        if bp:
            change = (level - before) * 100.0
        elif before != 0:
            change = (level / before - 1.0) * 100.0
        else:
            continue
        weekly = s.loc[s.index[-1] - pd.Timedelta(weeks=53):].resample("W-FRI").last().dropna()
        wchg = weekly.diff() * 100.0 if bp else weekly.pct_change() * 100.0
        wchg = wchg.dropna().iloc[-52:]
        if len(wchg) < 20:
            continue
        sd = float(np.std(wchg.to_numpy(), ddof=1))
        if not math.isfinite(sd) or sd <= 0:
            continue
        try:
            gap_days = (s.index[-1].date() - date.fromisoformat(str(prev_asof)[:10])).days
        except ValueError:
            gap_days = 7
        weeks = max(1.0, gap_days / 7.0)
        z = change / (sd * math.sqrt(weeks))
        rows.append({"key": k, "label": sp.title, "before": cell(before, "pct" if bp else "num", digits=2),
                     "level": cell(level, "pct" if bp else "num", digits=2),
                     "change": cell(change, "bp" if bp else "spct"), "z": cell(z, "num", digits=1),
                     "zabs": abs(z)})
    rows.sort(key=lambda r: r["zabs"], reverse=True)
    return rows[:top]


def layout_blocks(blocks: Sequence[Mapping[str, Any]], charts: Mapping[str, Mapping[str, Any]],
                  verdict_ids: Sequence[str], section_title: str) -> list[dict[str, Any]]:
    """Blocks ready for the templates (HTML and LaTeX alike).

    * two consecutive half-width charts become one ``chartrow`` block (side by side);
    * a chart that could not be drawn becomes a ``missing_chart`` block saying so;
    * ``verdicts`` blocks get the explicit list of rule ids to show;
    * an unknown block kind becomes a warning callout instead of breaking the brief.
    """
    out: list[dict[str, Any]] = []
    for b in blocks:
        kind = b.get("kind")
        if kind not in BLOCK_KINDS:
            out.append({"kind": "callout", "tone": "warn", "title": "Content not shown.",
                        "text": f"{section_title}: a block of unknown kind {kind!r} was skipped."})
            continue
        if kind == "chart":
            cid = b["id"]
            if cid not in charts:
                out.append({"kind": "missing_chart", "id": cid})
                continue
            prev = out[-1] if out else None
            if (charts[cid]["width"] == "half" and prev is not None and prev["kind"] == "chart"
                    and charts[prev["id"]]["width"] == "half"):
                out[-1] = {"kind": "chartrow", "ids": [prev["id"], cid]}
                continue
            out.append({"kind": "chart", "id": cid})
            continue
        if kind == "verdicts":
            ids = b.get("ids")
            out.append({"kind": "verdicts", "ids": [i for i in verdict_ids if ids is None or i in ids]})
            continue
        out.append(dict(b))
    return out


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


def track_summary_row(t: TrackRecord, title: str, section_number: int) -> dict[str, Any]:
    """One line of the appendix's track-record table: the outcome after weeks in the benign
    state, after weeks in the most severe state the rule reached, and after all weeks."""
    fmt = {"pct": "spct", "percent": "spct", "bp": "bp", "index": "num", "pp": "pp"}.get(t.outcome_unit, "num")
    benign = t.by_state[0] if t.by_state else None
    severe = t.by_state[-1] if len(t.by_state) > 1 else None
    return {
        "rule_id": t.rule_id, "title": title, "section_number": section_number, "outcome": t.outcome,
        "start": t.start, "end": t.end, "weeks": t.weeks,
        "benign_state": benign.state if benign else None,
        "benign_mean": cell(benign.outcome_mean if benign else None, fmt),
        "severe_state": severe.state if severe else None,
        "severe_weeks": severe.weeks if severe else 0,
        "severe_mean": cell(severe.outcome_mean if severe else None, fmt),
        "all_mean": cell(t.baseline.outcome_mean, fmt),
    }


def track_records_document(results: Sequence[SectionResult], *, edition: str, as_of: date) -> dict[str, Any]:
    """``track_records.json``: every rule's weekly track record by state (the appendix shows a digest)."""
    return {"edition": edition, "as_of": as_of.isoformat(),
            "track_records": [t.to_dict() for r in results for t in r.track_records]}


def section_context(r: SectionResult, charts: Mapping[str, Mapping[str, Any]], theme: Theme,
                    previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One section's part of the brief context (it depends on that section's result alone, so a
    worker that computed the section can lay out its pages). ``charts`` as in :func:`build_context`."""
    vctx = [verdict_context(v, theme, r.number) for v in r.verdicts]
    for d, v in zip(vctx, r.verdicts):
        d["change"] = _change_label(v, previous)
    chart_ctx = {}
    for c in r.charts:
        if c.id in charts:
            alt = c.alt.strip() or f"Chart: {c.title}"  # never an image without a text alternative
            chart_ctx[c.id] = {"id": c.id, "title": c.title, "alt": alt, "width": c.width,
                               "file": f"charts/{c.id}.png", **charts[c.id]}
    blocks = layout_blocks(r.blocks, chart_ctx, [v.rule_id for v in r.verdicts], r.title) \
        if r.status != "error" else []
    return {
        "id": r.id, "number": r.number, "title": r.title, "status": r.status, "lead": r.lead,
        "blocks": blocks, "verdicts": {d["rule_id"]: d for d in vctx}, "verdict_list": vctx,
        "charts": chart_ctx, "gaps": [g.to_dict() for g in r.gaps], "error": r.error,
    }


def brief_meta(*, frame: Frame, config: Config, edition: str, built_at: datetime, version: str,
               logo_uri: str | None = None) -> dict[str, Any]:
    """The brief context's ``meta``: title, desk, edition, dates, page size (no section results)."""
    return {
        "title": config.brief.title, "subtitle": config.brief.subtitle, "desk": config.brief.desk,
        "edition": edition, "as_of": frame.as_of, "built_at": built_at.isoformat(timespec="seconds"),
        "built_on": built_at.date(), "version": version, "sample": frame.is_sample,
        "page_size": config.brief.page_size, "logo_uri": logo_uri,
    }


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
    methods: list[dict[str, Any]] = []
    track_records = []
    track_summary = []
    for r in results:
        sections.append(section_context(r, charts, theme, previous))
        all_verdicts += [(r.number, v) for v in r.verdicts]
        if r.methods:
            methods.append({"section": f"{r.number}. {r.title}", "notes": list(r.methods)})
        titles = {v.rule_id: v.title for v in r.verdicts}
        track_records += [_track_record_context(t, titles.get(t.rule_id, t.rule_id)) for t in r.track_records]
        track_summary += [track_summary_row(t, titles.get(t.rule_id, t.rule_id), r.number) for t in r.track_records]
    board = []
    for num, v in sorted(all_verdicts, key=lambda nv: nv[0]):
        d = verdict_context(v, theme, num)
        d["change"] = _change_label(v, previous)
        board.append(d)
    verdicts = [v for _, v in all_verdicts]
    used = [k for k in CATALOG if k in set(frame.used) | set(config.brief.headline_series)]
    tones = [d["tone"] for d in board]
    moves = biggest_moves(frame, config.brief.headline_series, previous)
    return {
        "meta": brief_meta(frame=frame, config=config, edition=edition, built_at=built_at, version=version,
                           logo_uri=logo_uri),
        "cover": {
            "board": board,
            "key_numbers": key_numbers(frame, config.brief.headline_series),
            "changes": _changes(verdicts, previous, moves),
            "counts": {"rules": len(verdicts), "no_data": sum(v.state == NO_DATA for v in verdicts),
                       "stale": sum(v.stale for v in verdicts),
                       "benign": tones.count("benign"), "watch": tones.count("watch"),
                       "severe": tones.count("severe")},
        },
        "sections": sections,
        "appendix": {
            "general_methods": list(GENERAL_METHODS),
            "methods": methods,
            "provenance": provenance(frame, used),
            "track_records": track_records,
            "track_summary": track_summary,
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
