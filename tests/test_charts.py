"""Chart layout and encoding: every drawer's labels, legend and footer fit the figure without
overlapping, ticks are the ones matplotlib's own locators choose, the PNG holds exactly the
pixels drawn, and downsampling keeps each bucket's extremes."""

from __future__ import annotations

import io
from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

from report.charts import (
    build_figure,
    downsample,
    figure_size,
    recession_spans,
    render_chart,
)
from report.sections.base import ChartSpec
from report.theme import load_theme

AS_OF = date(2025, 4, 11)
DPI = 100
RECESSIONS = recession_spans(pd.Series([0, 1, 1, 1, 0, 0, 1, 1, 0],
                                       index=pd.to_datetime(["2001-02-01", "2001-03-01", "2001-06-01", "2001-11-01",
                                                             "2001-12-01", "2008-01-01", "2008-02-01", "2009-06-01",
                                                             "2009-07-01"])))


def _walk(n: int, seed: int, scale: float = 1.0, level: float = 0.0) -> np.ndarray:
    return level + scale * np.random.default_rng(seed).normal(size=n).cumsum()


def _specs(width: str) -> list[ChartSpec]:
    """One demanding chart per drawer: long labels and legends, large numbers, markers at the
    right end, a twin axis, rotated and long category labels, an offset on the y axis."""
    days = pd.bdate_range("1990-01-02", "2025-04-11")
    n = len(days)
    long = {f"series {i} with a rather long legend label": pd.Series(_walk(n, i, 0.05, 3.0), index=days)
            for i in range(4)}
    months = pd.date_range("1995-01-31", "2025-03-31", freq="ME")
    heat = pd.DataFrame(np.random.default_rng(5).random((len(months), 5)), index=months,
                        columns=["United States", "Germany", "United Kingdom", "Japan", "Canada"])
    heat.iloc[:40, 2] = np.nan
    tenors = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
    years = [1 / 12, 0.25, 0.5, 1, 2, 3, 5, 7, 10, 20, 30]
    return [
        ChartSpec(id="ts_long", kind="timeseries", title="t", alt="a", width=width, shade_recessions=True,
                  series_keys=("ust_10y", "hy_oas"), note="A note long enough to wrap onto a second footer line "
                  "under a half-width chart, and maybe a third.",
                  data={"lines": long, "ylabel": "percentage points", "hline": 3.0,
                        "spans": [("2019-06-01", "2019-12-31")], "span_label": "inverted curve",
                        "markers": [("2008-09-15", "Lehman"), ("2025-04-02", "Tariff shock, 2 April")]}),
        ChartSpec(id="ts_large", kind="timeseries", title="t", alt="a", width=width,
                  data={"lines": {"level": pd.Series(_walk(n, 9, 50.0, 250_000.0), index=days)},
                        "ylabel": "USD bn"}),
        ChartSpec(id="ts_twin", kind="timeseries", title="t", alt="a", width=width, shade_recessions=True,
                  data={"lines": {"spread": pd.Series(_walk(n, 1, 0.02), index=days)},
                        "secondary": {"index level, right scale": pd.Series(_walk(n, 2, 40.0, 12_000.0), index=days)},
                        "secondary_label": "index points", "ylabel": "percent"}),
        ChartSpec(id="heat", kind="heatmap", title="t", alt="a", width=width,
                  data={"frame": heat, "vmin": 0.0, "vmax": 1.0, "colorbar": "score (0 none, 1 all signs)",
                        "height_in": 0.45 + 0.24 * heat.shape[1]}),
        ChartSpec(id="bars_rot", kind="bars", title="t", alt="a", width=width,
                  data={"labels": ["Germany", "France", "United Kingdom", "Switzerland", "Japan", "Canada"],
                        "groups": {"last 36 months": [0.8, 0.8, 0.7, 0.4, 0.35, 0.9],
                                   "since 1990": [0.7, 0.65, 0.68, 0.41, 0.38, 0.83]},
                        "ylabel": "correlation", "rotation": 30}),
        ChartSpec(id="bars_flat", kind="bars", title="t", alt="a", width=width,
                  data={"labels": ["Lehman", "Taper", "Covid", "Tariff shock"],
                        "values": [-27.0, 9.0, -20.0, 1234.5], "ylabel": "basis points"}),
        ChartSpec(id="snapshot", kind="curve_snapshot", title="t", alt="a", width=width,
                  data={"years": years, "tenors": tenors,
                        "curves": {"now": list(np.linspace(4.0, 4.8, 11)), "1w": list(np.linspace(4.1, 4.7, 11)),
                                   "1m": list(np.linspace(3.9, 4.6, 11)), "1y": list(np.linspace(5.3, 4.4, 11))},
                        "dates": {"now": "2025-04-11", "1w": "2025-04-04", "1m": "2025-03-11", "1y": "2024-04-11"}}),
        ChartSpec(id="fit", kind="curve_fit", title="t", alt="a", width=width,
                  data={"lines": {"Nelson-Siegel-Svensson fit": (np.linspace(0.1, 30, 60), np.linspace(4, 4.8, 60))},
                        "points": {"quoted yields": (years, list(np.linspace(4, 4.8, 11)))},
                        "tenors": tenors, "ylabel": "percent"}),
        ChartSpec(id="xy_offset", kind="xy", title="t", alt="a", width=width,
                  data={"lines": {"front = 100": (np.arange(0, 300, 30), 100_000.0 + np.linspace(0.1, 0.9, 10))},
                        "xlabel": "days to expiry", "ylabel": "price, front = 100", "markers": True}),
    ]


def _drawn_texts(fig: Figure) -> dict[str, list]:
    """The text artists drawing puts on the figure, by role (tick labels of the ticks drawn only)."""
    out: dict[str, list] = {"ticks": [], "axis_labels": [], "legend": [], "annotations": [], "figure": []}
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            axis.get_majorticklabels()  # brings the ticks' labels up to date
            locs = axis.get_majorticklocs()
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * (hi - lo)
            drawn = [t for t, v in zip(axis.get_major_ticks(len(locs)), locs) if lo - tol <= v <= hi + tol]
            out["ticks"] += [lab for t in drawn for lab in (t.label1, t.label2) if lab.get_visible() and lab.get_text()]
            out["axis_labels"] += [t for t in (axis.label, axis.offsetText) if t.get_visible() and t.get_text()]
        if ax.get_legend() is not None:
            out["legend"] += [t for t in ax.get_legend().get_texts() if t.get_text()]
        out["annotations"] += [t for t in ax.texts if t.get_visible() and t.get_text()]
    out["figure"] = [t for t in fig.texts if t.get_text()]
    return out


def _overlap(a: Bbox, b: Bbox, tol: float = 0.5) -> bool:
    return a.x0 < b.x1 - tol and b.x0 < a.x1 - tol and a.y0 < b.y1 - tol and b.y0 < a.y1 - tol


@pytest.mark.parametrize("width", ["full", "half"])
def test_every_text_fits_the_figure_and_nothing_overlaps(width):
    theme = load_theme()
    for spec in _specs(width):
        fig = build_figure(spec, theme=theme, as_of=AS_OF, recessions=RECESSIONS, dpi=DPI, sample=True)
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        w_px, h_px = fig.bbox.width, fig.bbox.height
        texts = _drawn_texts(fig)
        assert texts["ticks"] and texts["figure"], spec.id
        for role, items in texts.items():
            for t in items:
                bb = t.get_window_extent(r)
                assert bb.x0 >= -0.5 and bb.y0 >= -0.5 and bb.x1 <= w_px + 0.5 and bb.y1 <= h_px + 0.5, \
                    f"{spec.id} ({width}): {role} {t.get_text()!r} at {bb.bounds} outside {w_px}x{h_px}"
        footer = texts["figure"][0]
        assert footer.get_text().endswith(AS_OF.isoformat() + ".") or f"As of {AS_OF.isoformat()}." in footer.get_text()
        fb = footer.get_window_extent(r)
        main = fig.axes[0]
        boxes = [ax.get_window_extent(r) for ax in fig.axes]
        others = [t.get_window_extent(r) for role in ("ticks", "axis_labels", "legend", "annotations") for t in texts[role]]
        for bb in boxes + others:
            assert not _overlap(fb, bb), f"{spec.id} ({width}): footer overlaps {bb.bounds}"
        leg = main.get_legend()
        if leg is not None:
            lb = leg.get_window_extent(r)
            assert not _overlap(lb, boxes[0]), f"{spec.id} ({width}): legend covers the plot"
            for t in texts["axis_labels"] + texts["annotations"]:  # axis labels, offset texts ("1e5")
                assert not _overlap(lb, t.get_window_extent(r)), f"{spec.id} ({width}): legend on {t.get_text()!r}"
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                own = [t.get_window_extent(r) for t in texts["ticks"] if t.axes is ax and t in axis.get_majorticklabels()]
                assert not any(_overlap(a, b) for i, a in enumerate(own) for b in own[i + 1:]), \
                    f"{spec.id} ({width}): tick labels overlap"
            ticks = [t.get_window_extent(r) for t in texts["ticks"] if t.axes is ax]
            if ax.yaxis.label.get_text():
                lab = ax.yaxis.label.get_window_extent(r)
                assert not any(_overlap(lab, t) for t in ticks), f"{spec.id} ({width}): y label on tick labels"
                assert not _overlap(lab, ax.get_window_extent(r))


def test_layout_uses_the_room_it_has():
    """The plot area is not pushed in further than its decorations need: the outermost label on
    the left and the legend on top sit near the figure's edges."""
    theme = load_theme()
    spec = _specs("full")[0]
    fig = build_figure(spec, theme=theme, as_of=AS_OF, recessions=RECESSIONS, dpi=DPI)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    texts = _drawn_texts(fig)
    left = min(t.get_window_extent(r).x0 for t in texts["ticks"] + texts["axis_labels"])
    top = fig.axes[0].get_legend().get_window_extent(r).y1
    assert left < 0.1 * DPI
    assert fig.bbox.height - top < 0.1 * DPI


def test_ticks_are_the_ones_matplotlib_chooses():
    """Fixing the ticks at layout time keeps the dates matplotlib's own locator picks for the
    drawn view, with its labels."""
    theme = load_theme()
    days = pd.bdate_range("2003-03-03", "2024-10-31")
    spec = ChartSpec(id="c", kind="timeseries", title="t", alt="a",
                     data={"lines": {"x": pd.Series(_walk(len(days), 4), index=days)}})
    fig = build_figure(spec, theme=theme, as_of=AS_OF, dpi=DPI)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    loc = AutoDateLocator(minticks=3, maxticks=7)
    ref = Figure().add_subplot()
    ref.plot(days, np.zeros(len(days)))
    ref.set_xlim(lo, hi)
    ref.xaxis.set_major_locator(loc)
    expected = [v for v in loc() if lo <= v <= hi]
    labels = ConciseDateFormatter(loc, show_offset=False).format_ticks(loc())
    expected_labels = [lab for v, lab in zip(loc(), labels) if lo <= v <= hi]
    assert list(ax.xaxis.get_majorticklocs()) == expected
    assert [t.get_text() for t in ax.xaxis.get_majorticklabels()] == expected_labels
    # by hand: ~21.7 years with at most 7 ticks; of the yearly steps 1, 2, 4, 5, 10, ... the first
    # giving no more than 7 ticks is 4 (2 would give 11)
    assert expected_labels == ["2004", "2008", "2012", "2016", "2020", "2024"]


def test_png_holds_the_drawn_pixels_at_the_house_size():
    theme = load_theme()
    spec = _specs("half")[2]
    png = render_chart(spec, theme=theme, as_of=AS_OF, recessions=RECESSIONS, dpi=DPI)
    fig = build_figure(spec, theme=theme, as_of=AS_OF, recessions=RECESSIONS, dpi=DPI)
    fig.canvas.draw()
    drawn = np.asarray(fig.canvas.buffer_rgba())[:, :, :3]
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.mode == "RGB"
    w_in, h_in = figure_size(spec, theme)
    assert img.size == (round(w_in * DPI), round(h_in * DPI)) == (325, 250)
    assert img.info["dpi"] == pytest.approx((DPI, DPI), abs=0.01)
    np.testing.assert_array_equal(np.asarray(img), drawn)


def _downsample_reference(values: np.ndarray, max_points: int) -> list[int]:
    """Positions kept, by a plain loop over the buckets."""
    n = len(values)
    if n <= max_points or max_points < 4:
        return list(range(n))
    edges = np.linspace(0, n, max_points // 2 + 1).astype(int)  # the buckets, as documented
    kept = {0, n - 1}
    for a, b in pairwise(edges):
        if b > a:
            seg = list(values[a:b])
            kept.add(a + seg.index(min(seg)))
            kept.add(a + seg.index(max(seg)))
    return sorted(kept)


@pytest.mark.parametrize("n,max_points", [(10, 20), (10, 3), (1401, 1400), (5000, 1400), (9000, 700), (333, 5)])
def test_downsample_keeps_each_buckets_first_extremes(n, max_points):
    rng = np.random.default_rng(n)
    values = rng.normal(size=n).round(1)  # many ties: the first of equal extremes is kept
    s = pd.Series(values, index=pd.date_range("2000-01-01", periods=n))
    out = downsample(s, max_points)
    ref = _downsample_reference(values, max_points)
    assert list(out.index) == list(s.index[ref])
    np.testing.assert_array_equal(out.to_numpy(), values[ref])
    if n > max_points >= 4:
        assert len(out) <= max_points + 2


def test_downsample_drops_missing_values_first():
    s = pd.Series([1.0, np.nan, 3.0, np.nan, 2.0], index=pd.date_range("2000-01-01", periods=5))
    assert list(downsample(s, 1400)) == [1.0, 3.0, 2.0]


@pytest.mark.slow
def test_the_briefs_own_charts_keep_their_texts_apart(shared_frame):
    """Every chart of the brief built from the shared data in a stressed week (March 2020: wide
    ranges, long labels): no tick label, axis label, offset text, legend, annotation or footer
    lands on another, and each text stays inside the figure."""
    from itertools import combinations

    from report.config import load_config
    from report.pipeline import compute_sections

    frame = shared_frame("2020-03-20")
    config = load_config(None)
    theme = load_theme(config.brief.colors)
    recessions = recession_spans(frame.get("recession"))
    specs = [spec for res in compute_sections(frame, config) for spec in res.charts]
    assert len(specs) >= 20
    for spec in specs:
        fig = build_figure(spec, theme=theme, as_of=frame.as_of, recessions=recessions, dpi=DPI)
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        texts = _drawn_texts(fig)
        boxes = [(role, t.get_text(), t.get_window_extent(r)) for role, items in texts.items() if role != "legend"
                 for t in items]
        boxes += [("legend", "", ax.get_legend().get_window_extent(r)) for ax in fig.axes if ax.get_legend()]
        for _, text, bb in boxes:
            assert bb.x0 >= -0.5 and bb.y0 >= -0.5 and bb.x1 <= fig.bbox.width + 0.5 \
                and bb.y1 <= fig.bbox.height + 0.5, f"{spec.id}: {text!r} outside the figure"
        for (role_a, a, box_a), (role_b, b, box_b) in combinations(boxes, 2):
            assert not _overlap(box_a, box_b), f"{spec.id}: {role_a} {a!r} overlaps {role_b} {b!r}"
