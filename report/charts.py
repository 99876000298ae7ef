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


def _legend(ax: Axes, theme: Theme, n: int) -> None:
    if n > 1:
        leg = ax.legend(fontsize=theme.fonts["chart_pt"], frameon=False, ncols=min(n, 4), loc="best",
                        handlelength=1.6)
        for t in leg.get_texts():
            t.set_color(theme.palette["ink"])


def _color(theme: Theme, label: str, keys: Mapping[str, str], i: int) -> str:
    key = keys.get(label, label)
    return theme.color(key, i)


# --- draw functions ----------------------------------------------------------------------------


@drawer("timeseries")
def _timeseries(fig: Figure, ax: Axes, data: Mapping[str, Any], theme: Theme, spec: ChartSpec) -> None:
    """Lines over time. data: lines {label: Series}, keys {label: catalog key}, hline, spans,
    span_label, ylabel, secondary {label: Series}, secondary_label, markers [(date, text)]."""
    keys = data.get("keys", {})
    max_points = int(theme.chart["max_points"])
    lw = theme.chart["line_width"]
    lines = data.get("lines", {})
    for i, (label, s) in enumerate(lines.items()):
        s = downsample(s, max_points)
        ax.plot(s.index, s.to_numpy(), label=label, color=_color(theme, label, keys, i), linewidth=lw)
    for a, b in data.get("spans", ()):
        ax.axvspan(pd.Timestamp(a), pd.Timestamp(b), color=theme.palette["highlight"], alpha=0.8, linewidth=0,
                   zorder=0)
    if data.get("hline") is not None:
        ax.axhline(data["hline"], color=theme.palette["muted"], linewidth=0.6, linestyle="--")
    n = len(lines)
    sec = data.get("secondary") or {}
    if sec:
        ax2 = ax.twinx()
        _style(ax2, theme)
        ax2.spines["right"].set_visible(True)
        ax2.grid(False)
        for j, (label, s) in enumerate(sec.items()):
            s = downsample(s, max_points)
            ax2.plot(s.index, s.to_numpy(), label=label, color=_color(theme, label, keys, n + j), linewidth=lw,
                     linestyle="-")
        if data.get("secondary_label"):
            ax2.set_ylabel(data["secondary_label"])
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        leg = ax.legend(h1 + h2, l1 + l2, fontsize=theme.fonts["chart_pt"], frameon=False,
                        ncols=min(len(l1 + l2), 4), loc="best")
        for t in leg.get_texts():
            t.set_color(theme.palette["ink"])
    else:
        _legend(ax, theme, n)
    for d, label in data.get("markers", ()):
        ax.axvline(pd.Timestamp(d), color=theme.palette["muted"], linewidth=0.6, linestyle=":")
        ax.annotate(label, (pd.Timestamp(d), 1.0), xycoords=("data", "axes fraction"), fontsize=theme.fonts["small_pt"],
                    color=theme.palette["muted"], ha="left", va="top", xytext=(2, -2), textcoords="offset points")
    if data.get("ylabel"):
        ax.set_ylabel(data["ylabel"])
    _date_axis(ax)


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
    ax.set_xticks(years)
    ax.set_xticklabels(data["tenors"])
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
    """Rows of values over time as coloured cells. data: rows [labels], dates [timestamps, one per
    column], values (rows x dates, NaN blank), vmin, vmax, colorbar (label)."""
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.dates import date2num

    vals = np.asarray(data["values"], dtype=float)
    dates = pd.DatetimeIndex(data["dates"])
    rows = list(data["rows"])
    if vals.shape != (len(rows), len(dates)):
        raise RenderError(f"chart {spec.id}: values must be {len(rows)} x {len(dates)}; got {vals.shape}")
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


# --- rendering ---------------------------------------------------------------------------------


def figure_size(spec: ChartSpec, theme: Theme) -> tuple[float, float]:
    w = theme.chart["full_width_in"] if spec.width == "full" else theme.chart["half_width_in"]
    h = float(spec.data.get("height_in", theme.chart["height_in"]))
    return float(w), h


def render_chart(
    spec: ChartSpec,
    *,
    theme: Theme,
    as_of: date,
    recessions: Sequence[tuple[pd.Timestamp, pd.Timestamp]] = (),
    dpi: int = 200,
    sample: bool = False,
) -> bytes:
    """Draw one chart and return PNG bytes. Raises :class:`RenderError` for an unknown kind."""
    try:
        fn = DRAWERS[spec.kind]
    except KeyError:
        raise RenderError(f"chart {spec.id}: unknown kind {spec.kind!r} (known: {', '.join(sorted(DRAWERS))})") from None
    fig = Figure(figsize=figure_size(spec, theme), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _style(ax, theme)
    fn(fig, ax, spec.data, theme, spec)
    if spec.shade_recessions and recessions:
        lo, hi = ax.get_xlim()
        from matplotlib.dates import num2date

        x0, x1 = pd.Timestamp(num2date(lo)).tz_localize(None), pd.Timestamp(num2date(hi)).tz_localize(None)
        for a, b in recessions:
            if b >= x0 and a <= x1:
                ax.axvspan(a, b, color=theme.palette["recession"], linewidth=0, zorder=0)
        ax.set_xlim(lo, hi)
    foot = " ".join(x for x in (source_line(spec.series_keys) + "." if spec.series_keys else "",
                                f"As of {as_of.isoformat()}.", spec.note) if x)
    fig.get_layout_engine().set(h_pad=0.02, w_pad=0.02)
    fig.supxlabel(foot, x=0.01, ha="left", fontsize=theme.fonts["small_pt"], color=theme.palette["muted"])
    if sample:
        fig.text(0.5, 0.5, "SAMPLE", fontsize=38, color=theme.palette["sample"], alpha=0.13, ha="center",
                 va="center", rotation=20, weight="bold")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
