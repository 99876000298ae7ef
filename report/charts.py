"""Charts in the house style, drawn from :class:`~report.sections.base.ChartSpec` objects.

Every chart is an explicit matplotlib ``Figure`` on the Agg canvas (no pyplot, no global
``rcParams``), laid out with ``constrained`` layout, saved as PNG at print resolution, with
the source line and as-of date under it. Long series are reduced to about
``theme.chart["max_points"]`` points per line by keeping each bucket's minimum and maximum,
so spikes survive.

A draw function is registered per ``kind`` with :func:`drawer`; it receives the axes, the
spec's ``data`` and the theme.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from .errors import RenderError
from .sections.base import ChartSpec, source_line
from .theme import Theme

__all__ = ["DRAWERS", "drawer", "render_chart", "downsample", "recession_spans"]

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
    """Keep each bucket's min and max (in time order) so a line of ``max_points`` looks the same."""
    s = s.dropna()
    n = len(s)
    if n <= max_points or max_points < 4:
        return s
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    vals = s.to_numpy()
    keep = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        seg = vals[a:b]
        i, j = a + int(np.argmin(seg)), a + int(np.argmax(seg))
        keep.extend(sorted({i, j}))
    keep = sorted(set(keep) | {0, n - 1})
    return s.iloc[keep]


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


def _style(ax: Axes, theme: Theme) -> None:
    pal = theme.palette
    size = theme.fonts["chart_pt"]
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(pal["rule"])
        ax.spines[side].set_linewidth(0.6)
    ax.tick_params(labelsize=size, colors=pal["muted"], length=2.5, width=0.5)
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

    Constrained layout makes room for it. Nothing is drawn for a single unlabelled series.
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
    cmap.set_bad(pal["accent_soft"])  # no data: a pale tint, distinct from a zero score
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


# --- rendering ---------------------------------------------------------------------------------


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


def render_chart(
    spec: ChartSpec,
    *,
    theme: Theme,
    as_of: date,
    recessions: Sequence[tuple[pd.Timestamp, pd.Timestamp]] = (),
    dpi: int = 200,
    sample: bool = False,
) -> bytes:
    """Draw one chart and return PNG bytes. Raises :class:`RenderError` for an unknown kind.

    The figure keeps a strip at the bottom for the footer (source line, as-of date, shading
    key); constrained layout arranges the axes, labels and legend in the rest.
    """
    try:
        fn = DRAWERS[spec.kind]
    except KeyError:
        raise RenderError(f"chart {spec.id}: unknown kind {spec.kind!r} (known: {', '.join(sorted(DRAWERS))})") from None
    width, height = figure_size(spec, theme)
    fig = Figure(figsize=(width, height))
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
    fig.set_layout_engine("constrained", rect=(0.0, foot_in / height, 1.0, 1.0 - foot_in / height),
                          h_pad=0.03, w_pad=0.03)
    fig.text(0.05 / width, 2.0 / 72.0 / height, "\n".join(lines), ha="left", va="bottom", fontsize=small,
             color=theme.palette["muted"], linespacing=1.25)
    if sample:
        fig.text(0.5, 0.5, "SAMPLE", fontsize=38, color=theme.palette["sample"], alpha=0.13, ha="center",
                 va="center", rotation=20, weight="bold")
    return _png(fig, dpi)


def _png(fig: Figure, dpi: int) -> bytes:
    """Draw the figure once on its Agg canvas and encode the pixels as PNG.

    ``savefig`` would draw twice when a layout engine is set (a dry run, then the real draw),
    doubling the constrained-layout work, which is a third of a chart's cost.
    """
    from PIL import Image

    fig.set_dpi(dpi)
    canvas = fig.canvas
    canvas.draw()
    w, h = canvas.get_width_height(physical=True)
    # charts are opaque (white figure background): an RGB image spares the PDF writer a soft mask
    img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi), compress_level=6)
    return buf.getvalue()
