"""Charts in the house style, drawn from :class:`~report.sections.base.ChartSpec` objects.

Every chart is an explicit matplotlib ``Figure`` on the Agg canvas (no pyplot, no global
``rcParams``), laid out from the measured extents of its labels and legend (:func:`_arrange`),
drawn once and saved as PNG at print resolution, with the source line and as-of date under it.
Long series are reduced to about ``theme.chart["max_points"]`` points per line by keeping each
bucket's minimum and maximum, so spikes survive.

A draw function is registered per ``kind`` with :func:`drawer`; it receives the axes, the
spec's ``data`` and the theme. It may add a twin y axis (``twinx``) or axes inset in the plot
area's coordinates (a colour bar); the layout makes room for both.
"""

from __future__ import annotations

import struct
import textwrap
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator
from matplotlib.transforms import Bbox, ScaledTranslation, blended_transform_factory

from .errors import RenderError
from .sections.base import ChartSpec, source_line
from .theme import Theme

__all__ = ["DRAWERS", "build_figure", "downsample", "drawer", "recession_spans", "render_chart"]

DrawFn = Callable[[Figure, Axes, Mapping[str, Any], Theme, ChartSpec], None]
DRAWERS: dict[str, DrawFn] = {}


def drawer(kind: str) -> Callable[[DrawFn], DrawFn]:
    """Register a draw function for a chart ``kind``."""

    def deco(fn: DrawFn) -> DrawFn:
        if kind in DRAWERS:
            raise RuntimeError(f"chart kind {kind!r} registered twice")
        DRAWERS[kind] = fn
        return fn

    return deco


# --- helpers -----------------------------------------------------------------------------------


def downsample(s: pd.Series, max_points: int) -> pd.Series:
    """Keep each bucket's min and max (in time order) so a line of ``max_points`` looks the same.

    The ``max_points // 2`` buckets split the points evenly (``linspace`` edges); of several equal
    extremes the first is kept; the first and last points are always kept.
    """
    s = s.dropna()
    n = len(s)
    if n <= max_points or max_points < 4:
        return s
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    starts = edges[:-1][edges[1:] > edges[:-1]]  # non-empty buckets, which tile 0..n
    vals = s.to_numpy()
    bucket = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    keep = [np.array([0, n - 1])]
    for extreme in (np.minimum.reduceat(vals, starts), np.maximum.reduceat(vals, starts)):
        at = np.flatnonzero(vals == extreme[bucket])
        keep.append(at[np.unique(bucket[at], return_index=True)[1]])  # first occurrence per bucket
    return s.iloc[np.unique(np.concatenate(keep))]


def recession_spans(flag: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Start and end of each run of ``flag == 1`` (monthly NBER flags; end = last month's end)."""
    f = flag.dropna()
    if f.empty:
        return []
    on = (f.to_numpy() > 0.5).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on, [0]))))
    spans = []
    for a, b in zip(edges[::2], edges[1::2]):
        start = f.index[a]
        end = f.index[b - 1] + pd.offsets.MonthEnd(0)
        spans.append((start, end))
    return spans


_TICK_PT = 2.5  # tick marks, outside the plot area (points)


def _style(ax: Axes, theme: Theme) -> None:
    pal = theme.palette
    size = theme.fonts["chart_pt"]
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(pal["rule"])
        ax.spines[side].set_linewidth(0.6)
    ax.tick_params(labelsize=size, colors=pal["muted"], length=_TICK_PT, width=0.5)
    ax.grid(True, axis="y", color=pal["rule"], linewidth=0.4)
    ax.set_axisbelow(True)
    ax.yaxis.label.set_size(size)
    ax.yaxis.label.set_color(pal["muted"])


def _date_axis(ax: Axes) -> None:
    loc = AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc, show_offset=False))


def _legend(ax: Axes, theme: Theme, n: int, handles: Sequence[Any] | None = None,
            labels: Sequence[str] | None = None) -> None:
    """House legend: one row (or two) above the plot area, outside it, so it never covers data.

    The layout (:func:`_arrange`) makes room for it. Nothing is drawn for a single unlabelled series.
    """
    if n <= 1 and handles is None:
        return
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    pt = float(theme.fonts["chart_pt"])
    widest = max(len(str(lab)) for lab in labels) * 0.62 * pt / 72.0 + 3.3 * pt / 72.0  # text + handle + gap
    ncols = max(1, min(len(handles), int(0.92 * ax.figure.get_figwidth() / widest)))
    leg = ax.legend(handles, labels, fontsize=theme.fonts["chart_pt"], frameon=False, ncols=ncols,
                    loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, handlelength=1.6,
                    columnspacing=1.2, handletextpad=0.5)
    for t in leg.get_texts():
        t.set_color(theme.palette["ink"])


def max_points(theme: Theme, spec: ChartSpec) -> int:
    """Points per line the chart can show: about one per device pixel column of the plot."""
    full = int(theme.chart["max_points"])
    return full if spec.width == "full" else full // 2


def _color(theme: Theme, label: str, keys: Mapping[str, str], i: int) -> str:
    key = keys.get(label, label)
    return theme.color(key, i)


# --- draw functions ----------------------------------------------------------------------------


@drawer("timeseries")
def _timeseries(fig: Figure, ax: Axes, data: Mapping[str, Any], theme: Theme, spec: ChartSpec) -> None:
    """Lines over time. data: lines {label: Series}, keys {label: catalog key}, hline, spans,
    span_label, ylabel, secondary {label: Series}, secondary_label, markers [(date, text)]."""
    keys = data.get("keys", {})
    npts = max_points(theme, spec)
    lw = theme.chart["line_width"]
    lines = data.get("lines", {})
    for i, (label, s) in enumerate(lines.items()):
        s = downsample(s, npts)
        ax.plot(s.index, s.to_numpy(), label=label, color=_color(theme, label, keys, i), linewidth=lw)
    for j, (a, b) in enumerate(data.get("spans", ())):
        ax.axvspan(pd.Timestamp(a), pd.Timestamp(b), color=theme.palette["highlight"], alpha=0.8, linewidth=0,
                   zorder=0, label=data.get("span_label") if j == 0 else None)
    if data.get("hline") is not None:
        ax.axhline(data["hline"], color=theme.palette["muted"], linewidth=0.6, linestyle="--")
    n = len(lines) + (1 if data.get("spans") and data.get("span_label") else 0)
    sec = data.get("secondary") or {}
    if sec:
        ax2 = ax.twinx()
        _style(ax2, theme)
        ax2.spines["right"].set_visible(True)
        ax2.grid(False)
        for j, (label, s) in enumerate(sec.items()):
            s = downsample(s, npts)
            ax2.plot(s.index, s.to_numpy(), label=label, color=_color(theme, label, keys, n + j), linewidth=lw,
                     linestyle="-")
        if data.get("secondary_label"):
            ax2.set_ylabel(data["secondary_label"])
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        _legend(ax, theme, len(l1 + l2), h1 + h2, l1 + l2)
    else:
        _legend(ax, theme, n)
    for k, (d, label) in enumerate(data.get("markers", ())):
        ax.axvline(pd.Timestamp(d), color=theme.palette["muted"], linewidth=0.6, linestyle=":")
        # alternate label heights so labels of nearby markers do not overlap
        drop = 1.5 * theme.fonts["small_pt"] * (k % 2)
        ax.annotate(label, (pd.Timestamp(d), 1.0), xycoords=("data", "axes fraction"), fontsize=theme.fonts["small_pt"],
                    color=theme.palette["muted"], ha="left", va="top", xytext=(2, -2 - drop), textcoords="offset points")
    if data.get("ylabel"):
        ax.set_ylabel(data["ylabel"])
    _date_axis(ax)


def _spaced_ticks(years: np.ndarray, labels: Sequence[str], axis_in: float,
                  min_gap_in: float = 0.26) -> tuple[list[float], list[str]]:
    """Tenor ticks on a log axis, dropping a label that would sit closer than ``min_gap_in``
    inches to the one before it (the longest tenor is always labelled)."""
    pos = np.log(np.asarray(years, dtype=float))
    span = float(pos.max() - pos.min()) or 1.0
    inch = (pos - pos.min()) / span * axis_in
    keep: list[int] = []
    for i in range(len(pos)):
        if not keep or inch[i] - inch[keep[-1]] >= min_gap_in:
            keep.append(i)
    last = len(pos) - 1
    if keep[-1] != last:
        if len(keep) > 1 and inch[last] - inch[keep[-1]] < min_gap_in:
            keep.pop()
        keep.append(last)
    return [float(years[i]) for i in keep], [labels[i] for i in keep]


@drawer("curve_snapshot")
def _curve_snapshot(fig: Figure, ax: Axes, data: Mapping[str, Any], theme: Theme, spec: ChartSpec) -> None:
    """Yield by maturity for several dates. data: years, tenors, curves {label: yields}, dates."""
    years = np.asarray(data["years"], dtype=float)
    styles = {"now": ("-", 1.6, theme.palette["accent"]), "1w": ("--", 1.0, theme.cycle[1]),
              "1m": ("-.", 1.0, theme.cycle[2]), "3m": (":", 1.0, theme.cycle[3]),
              "6m": (":", 1.0, theme.cycle[4]), "1y": (":", 1.2, theme.palette["muted"])}
    for label, ys in data["curves"].items():
        y = np.array([np.nan if v is None else v for v in ys], dtype=float)
        ls, lw, col = styles.get(label, ("-", 1.0, theme.cycle[5]))
        name = "latest" if label == "now" else f"{label} ago"
        name += f" ({data['dates'][label]})"
        mask = np.isfinite(y)
        ax.plot(years[mask], y[mask], linestyle=ls, linewidth=lw, color=col, marker="o", markersize=2.2, label=name)
    ax.set_xscale("log")
    ticks, labels = _spaced_ticks(years, list(data["tenors"]), fig.get_figwidth() * 0.8)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.minorticks_off()
    ax.set_ylabel("percent")
    _legend(ax, theme, len(data["curves"]))


@drawer("bars")
def _bars(fig: Figure, ax: Axes, data: Mapping[str, Any], theme: Theme, spec: ChartSpec) -> None:
    """Vertical bars. data: labels, values (or groups {name: values}), ylabel, hline, colors."""
    labels = list(data["labels"])
    groups = data.get("groups") or {"": data["values"]}
    x = np.arange(len(labels))
    width = 0.8 / len(groups)
    for i, (name, vals) in enumerate(groups.items()):
        v = np.array([np.nan if a is None else a for a in vals], dtype=float)
        cols = data.get("colors")
        col = cols if (cols and len(groups) == 1) else theme.cycle[i % len(theme.cycle)]
        ax.bar(x + (i - (len(groups) - 1) / 2) * width, v, width=width, color=col, label=name or None)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=data.get("rotation", 0))
    ax.axhline(data.get("hline", 0.0), color=theme.palette["muted"], linewidth=0.6)
    if data.get("ylabel"):
        ax.set_ylabel(data["ylabel"])
    _legend(ax, theme, len(groups) if any(groups) else 0)


# --- drawers of sections 1-3 (transmission, curve, time value) --------------------------------


@drawer("heatmap")
def _heatmap(fig: Figure, ax: Axes, data: Mapping[str, Any], theme: Theme, spec: ChartSpec) -> None:
    """Rows of values over time as coloured cells. data: frame (DataFrame indexed by date, one
    column per row of the map, top row first; NaN cells tinted as no data), vmin, vmax, colorbar
    (label)."""
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.dates import date2num

    frame = data["frame"]
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex) or frame.empty:
        raise RenderError(f"chart {spec.id}: heatmap data['frame'] must be a non-empty DataFrame indexed by date")
    vals = frame.to_numpy(dtype=float).T
    dates = frame.index
    rows = [str(c) for c in frame.columns]
    pal = theme.palette
    cmap = LinearSegmentedColormap.from_list("house_heat", [pal["paper"], theme.states["watch"],
                                                            theme.states["severe"]])
    cmap = cmap.with_extremes(bad=pal["accent_soft"])  # no data: a pale tint, distinct from a zero score
    step = dates[-1] - dates[-2] if len(dates) > 1 else pd.Timedelta(days=31)
    edges = date2num(dates.append(pd.DatetimeIndex([dates[-1] + step])).to_pydatetime())
    mesh = ax.pcolormesh(edges, np.arange(len(rows) + 1), np.ma.masked_invalid(vals), cmap=cmap,
                         vmin=data.get("vmin", np.nanmin(vals)), vmax=data.get("vmax", np.nanmax(vals)),
                         shading="flat", linewidth=0)
    ax.set_yticks(np.arange(len(rows)) + 0.5)
    ax.set_yticklabels(rows)
    ax.set_ylim(len(rows), 0)
    ax.grid(False)
    ax.xaxis_date()
    _date_axis(ax)
    cax = ax.inset_axes([1.012, 0.0, 0.014, 1.0])  # inside the axes' layout box, so any layout engine copes
    cb = fig.colorbar(mesh, cax=cax)
    cb.ax.tick_params(labelsize=theme.fonts["small_pt"], colors=pal["muted"], length=2)
    cb.outline.set_visible(False)
    if data.get("colorbar"):
        cb.set_label(data["colorbar"], fontsize=theme.fonts["small_pt"], color=pal["muted"])


@drawer("xy")
def _xy(fig: Figure, ax: Axes, data: Mapping[str, Any], theme: Theme, spec: ChartSpec) -> None:
    """Lines against a numeric x axis. data: lines {label: (x values, y values)}, xlabel, ylabel,
    hline, markers (bool: draw points), xticks (values), xticklabels."""
    lw = theme.chart["line_width"]
    lines = data.get("lines", {})
    for i, (label, (x, y)) in enumerate(lines.items()):
        ax.plot(np.asarray(x, dtype=float), np.asarray(y, dtype=float), label=label, linewidth=lw,
                color=theme.cycle[i % len(theme.cycle)], marker="o" if data.get("markers") else None,
                markersize=2.5)
    if data.get("hline") is not None:
        ax.axhline(data["hline"], color=theme.palette["muted"], linewidth=0.6, linestyle="--")
    if data.get("xticks") is not None:
        ax.set_xticks(list(data["xticks"]))
        if data.get("xticklabels") is not None:
            ax.set_xticklabels(list(data["xticklabels"]))
    if data.get("xlabel"):
        ax.set_xlabel(data["xlabel"], fontsize=theme.fonts["chart_pt"], color=theme.palette["muted"])
    if data.get("ylabel"):
        ax.set_ylabel(data["ylabel"])
    _legend(ax, theme, len(lines))


# --- drawers of section 4 (term premium) ------------------------------------------------------


@drawer("curve_fit")
def _curve_fit(fig: Figure, ax: Axes, data: Mapping[str, Any], theme: Theme, spec: ChartSpec) -> None:
    """A fitted yield curve against the quotes it was fitted to, maturity on a log axis.
    data: lines {label: (years, values)}, points {label: (years, values)}, tenors (tick labels
    of the points' maturities), ylabel."""
    lw = theme.chart["line_width"]
    lines = data.get("lines", {})
    styles = ("-", "--", ":", "-.")
    for i, (label, (x, y)) in enumerate(lines.items()):
        ax.plot(np.asarray(x, dtype=float), np.asarray(y, dtype=float), label=label, linewidth=lw,
                linestyle=styles[i % len(styles)], color=theme.cycle[i % len(theme.cycle)])
    points = data.get("points", {})
    for j, (label, (x, y)) in enumerate(points.items()):
        ax.plot(np.asarray(x, dtype=float), np.asarray(y, dtype=float), label=label, linestyle="none", marker="o",
                markersize=3.2, color=theme.palette["ink"] if j == 0 else theme.cycle[(len(lines) + j) % len(theme.cycle)])
    ax.set_xscale("log")
    if points and data.get("tenors"):
        x0 = np.asarray(next(iter(points.values()))[0], dtype=float)
        ticks, labels = _spaced_ticks(x0, list(data["tenors"]), fig.get_figwidth() * 0.8)
        ax.set_xticks(ticks)
        ax.set_xticklabels(labels)
        ax.minorticks_off()
    ax.set_ylabel(data.get("ylabel", "percent"))
    _legend(ax, theme, len(lines) + len(points))


# --- footer and size ---------------------------------------------------------------------------


def figure_size(spec: ChartSpec, theme: Theme) -> tuple[float, float]:
    w = theme.chart["full_width_in"] if spec.width == "full" else theme.chart["half_width_in"]
    h = float(spec.data.get("height_in", theme.chart["height_in"]))
    return float(w), h


def footer_text(spec: ChartSpec, as_of: date, *, recessions_shown: bool = False) -> str:
    """The line under a chart: sources (from the catalog), as-of date, shading key and note."""
    parts = [source_line(spec.series_keys) + "." if spec.series_keys else "", f"As of {as_of.isoformat()}."]
    if recessions_shown:
        parts.append("Grey bands: NBER recessions.")
    if spec.note:
        parts.append(spec.note)
    return " ".join(p for p in parts if p)


def _wrap(text_: str, width_in: float, font_pt: float) -> list[str]:
    """Split the footer into lines that fit ``width_in`` (average glyph width about 0.55 em)."""
    per_line = max(20, int(width_in * 72.0 / (0.55 * font_pt)))
    return textwrap.wrap(text_, per_line) or [""]


# --- layout ------------------------------------------------------------------------------------
#
# Each chart has one plot area (plus, for some kinds, a twin y axis sharing its box or a colour bar
# inset beside it). Its decorations (tick labels, axis labels, legend, annotations, colour bar) are
# measured with the Agg renderer and the plot area is placed so that all of them fit the figure
# above the footer strip, _PAD_IN from its edges. Tick positions and labels are computed once, at
# the size the plot area is drawn at, and fixed, so drawing neither locates nor formats them again.

_PAD_IN = 0.03  # gap between the outermost decoration and the edge of its area (inches)
_GUESS_IN = (0.5, 0.3, 0.15, 0.1)  # first margins tried: left, bottom, right, top (inches)


def _fix_ticks(axis: Axis, originals: dict[Axis, tuple[Any, Any]]) -> None:
    """Replace the axis's major locator and formatter by fixed ones holding the ticks the
    original pair gives at the current size and view, keeping only those inside the view (the
    ones matplotlib would draw). Labels are formatted from all the locator's ticks, as matplotlib
    does, so they read the same; the formatter's offset text is kept."""
    if axis not in originals:
        originals[axis] = (axis.get_major_locator(), axis.get_major_formatter())
    loc, fmt = originals[axis]
    if isinstance(loc, NullLocator):
        return
    locs = np.asarray(loc(), dtype=float)
    labels = fmt.format_ticks(locs)
    offset = fmt.get_offset()
    lo, hi = sorted(axis.get_view_interval())
    tr = axis.get_transform()
    a, b = (float(v) for v in tr.transform(np.array([lo, hi])))
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = np.asarray(tr.transform(locs), dtype=float)
    tol = 1e-10 * (b - a)
    keep = np.flatnonzero(np.isfinite(pos) & (pos >= a - tol) & (pos <= b + tol))
    axis.set_major_locator(FixedLocator(locs[keep]))
    fixed = FixedFormatter([labels[k] for k in keep])
    fixed.set_offset_string(offset)
    axis.set_major_formatter(fixed)


def _label_boxes(axis: Axis, renderer: Any) -> list[Bbox]:
    return [t.get_window_extent(renderer) for t in axis.get_majorticklabels() if t.get_text()]


def _place_axis_label(axis: Axis, boxes: Sequence[Bbox], side: str) -> None:
    """Put the axis label ``labelpad`` beyond the tick labels (or tick marks) on ``side``, at a
    fixed distance from the plot area's edge, as matplotlib's automatic placement would."""
    ax = axis.axes
    fig = ax.get_figure(root=True)
    box = ax.get_window_extent()
    tick_px = _TICK_PT * fig.dpi / 72.0
    if side == "left":
        edge = min([box.x0 - tick_px, *(b.x0 for b in boxes)])
        d = (box.x0 - edge) / fig.dpi + axis.labelpad / 72.0
        tr = blended_transform_factory(ax.transAxes + ScaledTranslation(-d, 0.0, fig.dpi_scale_trans), ax.transAxes)
        axis.set_label_coords(0.0, 0.5, transform=tr)
    elif side == "right":
        edge = max([box.x1 + tick_px, *(b.x1 for b in boxes)])
        d = (edge - box.x1) / fig.dpi + axis.labelpad / 72.0
        tr = blended_transform_factory(ax.transAxes + ScaledTranslation(d, 0.0, fig.dpi_scale_trans), ax.transAxes)
        axis.set_label_coords(1.0, 0.5, transform=tr)
    else:  # bottom
        edge = min([box.y0 - tick_px, *(b.y0 for b in boxes)])
        d = (box.y0 - edge) / fig.dpi + axis.labelpad / 72.0
        tr = blended_transform_factory(ax.transAxes, ax.transAxes + ScaledTranslation(0.0, -d, fig.dpi_scale_trans))
        axis.set_label_coords(0.5, 0.0, transform=tr)


def _axis_boxes(axis: Axis, renderer: Any, side: str) -> list[Bbox]:
    """Extents of an axis's tick labels, label (its length along the axis ignored, as layout
    engines do) and offset text; places the label first."""
    boxes = _label_boxes(axis, renderer)
    _place_axis_label(axis, boxes, side)
    if axis.label.get_visible() and axis.label.get_text():
        bb = axis.label.get_window_extent(renderer)
        mid = axis.axes.get_window_extent()
        if side == "bottom":
            boxes.append(Bbox([[mid.x0, bb.y0], [mid.x0, bb.y1]]))
        else:
            boxes.append(Bbox([[bb.x0, mid.y0], [bb.x1, mid.y0]]))
    if axis.get_major_formatter().get_offset():
        bb = axis.get_tightbbox(renderer)  # the offset text, placed where drawing puts it
        if bb is not None:
            boxes.append(bb)
    return boxes


def _decorations(ax: Axes, twins: Sequence[Axes], renderer: Any, *, x: bool = True, y: bool = True,
                 others: bool = True) -> list[Bbox]:
    """Window extents of what is drawn around the plot area of ``ax``: the x axis, the y axes
    (``ax``'s and its twins'), and the others (legend, texts and annotations, inset axes)."""
    boxes = _axis_boxes(ax.xaxis, renderer, "bottom") if x and ax.xaxis.get_visible() else []
    if y and ax.yaxis.get_visible():
        boxes += _axis_boxes(ax.yaxis, renderer, "left")
    for tw in twins if y else ():
        boxes += _axis_boxes(tw.yaxis, renderer, "right")
    leg = ax.get_legend() if others else None
    if leg is not None:
        boxes.append(leg.get_window_extent(renderer))
    for t in ax.texts if others else ():
        if t.get_visible() and t.get_text():
            boxes.append(t.get_tightbbox(renderer))  # an annotation that is not drawn gives a null box
    for child in ax.child_axes if others else ():
        boxes.append(child.get_tightbbox(renderer))
    return [b for b in boxes if b is not None and np.isfinite(b.get_points()).all()]


def _set_box(ax: Axes, area: Bbox, margins: Sequence[float], size_px: tuple[float, float]) -> None:
    left, bottom, right, top = margins
    w, h = size_px
    x0, y0 = area.x0 + left, area.y0 + bottom
    x1, y1 = max(area.x1 - right, x0 + 1.0), max(area.y1 - top, y0 + 1.0)
    ax.set_position((x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h))  # twin axes follow


def _overhang(ax: Axes, boxes: Sequence[Bbox]) -> list[float]:
    """How far the decorations reach beyond the plot area: left, bottom, right, top (pixels)."""
    box = ax.get_window_extent()
    if not boxes:
        return [0.0, 0.0, 0.0, 0.0]
    u = Bbox.union(list(boxes))
    return [max(0.0, box.x0 - u.x0), max(0.0, box.y0 - u.y0), max(0.0, u.x1 - box.x1), max(0.0, u.y1 - box.y1)]


def _arrange(fig: Figure, ax: Axes, bottom_in: float) -> None:
    """Place the plot area so that it and its decorations fill the figure above ``bottom_in``.

    First the vertical margins (x tick labels, legend), then the y ticks for that height and the
    horizontal margins (y tick labels and labels, twin axis, colour bar, x labels reaching past
    the ends), then the x ticks for that width; the result is checked and the margins widened by
    any excess until everything fits (a tick label can move when the plot area narrows).
    """
    renderer = fig.canvas.get_renderer()
    dpi = fig.dpi
    size = (fig.bbox.width, fig.bbox.height)
    pad = _PAD_IN * dpi
    area = Bbox([[pad, bottom_in * dpi + pad], [size[0] - pad, size[1] - pad]])
    twins = [a for a in fig.axes if a is not ax and a.get_position().bounds == ax.get_position().bounds
             and a not in ax.child_axes]
    originals: dict[Axis, tuple[Any, Any]] = {}
    margins = [g * dpi for g in _GUESS_IN]
    _set_box(ax, area, margins, size)
    # vertical: the x tick labels, legend and annotations do not depend on the plot's height
    _fix_ticks(ax.xaxis, originals)
    over = _overhang(ax, _decorations(ax, twins, renderer, y=False))
    margins = [margins[0], over[1], over[2], over[3]]
    _set_box(ax, area, margins, size)
    # horizontal: the y ticks for this height give the widths of the y tick labels
    for a in (ax, *twins):
        _fix_ticks(a.yaxis, originals)
    over_y = _overhang(ax, _decorations(ax, twins, renderer, x=False, others=False))
    margins = [over_y[0], max(margins[1], over_y[1]), max(margins[2], over_y[2]), max(margins[3], over_y[3])]
    _set_box(ax, area, margins, size)
    # the x ticks for the final width; then check and widen by any excess
    _fix_ticks(ax.xaxis, originals)
    for _ in range(3):
        u = Bbox.union([ax.get_window_extent(), *_decorations(ax, twins, renderer)])
        excess = [area.x0 - u.x0, area.y0 - u.y0, u.x1 - area.x1, u.y1 - area.y1]
        if max(excess) <= 0.5:
            break
        margins = [m + max(0.0, e) for m, e in zip(margins, excess)]
        _set_box(ax, area, margins, size)


# --- rendering ---------------------------------------------------------------------------------


def build_figure(
    spec: ChartSpec,
    *,
    theme: Theme,
    as_of: date,
    recessions: Sequence[tuple[pd.Timestamp, pd.Timestamp]] = (),
    dpi: int = 200,
    sample: bool = False,
) -> Figure:
    """The laid-out figure of one chart (on an Agg canvas, at ``dpi``), ready to draw.
    Raises :class:`RenderError` for an unknown kind.

    The figure keeps a strip at the bottom for the footer (source line, as-of date, shading
    key); the plot area, its labels and legend are arranged in the rest (:func:`_arrange`).
    """
    try:
        fn = DRAWERS[spec.kind]
    except KeyError:
        raise RenderError(f"chart {spec.id}: unknown kind {spec.kind!r} (known: {', '.join(sorted(DRAWERS))})") from None
    width, height = figure_size(spec, theme)
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _style(ax, theme)
    fn(fig, ax, spec.data, theme, spec)
    shaded = False
    if spec.shade_recessions and recessions and ax.xaxis.get_converter() is not None:
        lo, hi = ax.get_xlim()
        from matplotlib.dates import num2date

        x0, x1 = pd.Timestamp(num2date(lo)).tz_localize(None), pd.Timestamp(num2date(hi)).tz_localize(None)
        for a, b in recessions:
            if b >= x0 and a <= x1:
                ax.axvspan(a, b, color=theme.palette["recession"], linewidth=0, zorder=0)
                shaded = True
        ax.set_xlim(lo, hi)
    small = float(theme.fonts["small_pt"])
    lines = _wrap(footer_text(spec, as_of, recessions_shown=shaded), width - 0.1, small)
    foot_in = (len(lines) * small * 1.25 + 4.0) / 72.0
    fig.text(0.05 / width, 2.0 / 72.0 / height, "\n".join(lines), ha="left", va="bottom", fontsize=small,
             color=theme.palette["muted"], linespacing=1.25)
    if sample:
        fig.text(0.5, 0.5, "SAMPLE", fontsize=38, color=theme.palette["sample"], alpha=0.13, ha="center",
                 va="center", rotation=20, weight="bold")
    _arrange(fig, ax, foot_in)
    return fig


def render_chart(
    spec: ChartSpec,
    *,
    theme: Theme,
    as_of: date,
    recessions: Sequence[tuple[pd.Timestamp, pd.Timestamp]] = (),
    dpi: int = 200,
    sample: bool = False,
) -> bytes:
    """Draw one chart (:func:`build_figure`) and return PNG bytes. Raises :class:`RenderError`
    for an unknown kind."""
    fig = build_figure(spec, theme=theme, as_of=as_of, recessions=recessions, dpi=dpi, sample=sample)
    return _png(fig, dpi)


def _png(fig: Figure, dpi: int) -> bytes:
    """Draw the figure once on its Agg canvas and encode the pixels as an opaque RGB PNG.

    Charts are opaque (white figure background), so the alpha channel is dropped, which also
    spares the PDF writer a soft mask. Rows are stored unfiltered and deflated at level 3:
    a chart is mostly long runs of one colour, which deflate finds directly, so this is both
    smaller and about three times faster than adaptive row filters at level 6.
    """
    canvas = fig.canvas
    canvas.draw()
    w, h = canvas.get_width_height(physical=True)
    rgba = np.asarray(canvas.buffer_rgba())
    raw = np.zeros((h, 1 + 3 * w), dtype=np.uint8)  # each row: filter type 0 (None), then RGB
    rgb = raw[:, 1:].reshape(h, w, 3)
    for c in range(3):  # channel by channel: much faster than one strided copy
        rgb[:, :, c] = rgba[:, :, c]
    ppm = int(dpi / 0.0254 + 0.5)  # pixels per metre, for the pHYs chunk
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)),  # 8-bit RGB, no interlace
        _png_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
        _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), 3)),
        _png_chunk(b"IEND", b""),
    ))


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
