"""HTML and PDF rendering of constructed briefs: every block kind, escaping, SAMPLE marking,
no external resources, page size, metadata and bookmarks; chart house style."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest
from _brief_fixtures import (
    BUILT,
    NASTY,
    brief_config,
    error_section,
    every_block_section,
    previous_edition,
    synthetic_frame,
)
from matplotlib.figure import Figure
from PIL import Image

from report.charts import (
    DRAWERS,
    downsample,
    footer_text,
    recession_spans,
    render_chart,
)
from report.errors import RenderError
from report.pipeline import make_brief
from report.render import render_html, render_pdf
from report.sections.base import ChartSpec
from report.theme import load_theme


def build(sample=False, formats=("html",), previous=True, **brief):
    frame = synthetic_frame(sample=sample)
    results = [every_block_section(frame), error_section()]
    return make_brief(frame, brief_config(**brief), formats=formats, results=results, built_at=BUILT,
                      previous=previous_edition(frame) if previous else None)


@pytest.fixture(scope="module")
def brief():
    return build(formats=("html", "pdf"))


@pytest.fixture(scope="module")
def html(brief):
    return brief.files["brief.html"].decode("utf-8")


def test_data_text_is_escaped_everywhere(html):
    assert "<script>" not in html and "<b>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 10  # headline, prose, table, alt text, notes...
    # attribute values cannot be broken out of
    for alt in re.findall(r'<img [^>]*alt="([^"]*)"', html):
        assert "<" not in alt and '"' not in alt


def test_every_block_kind_is_rendered(html):
    body = html.split('id="section-testsec"', 1)[1].split("</section>", 1)[0]
    assert "<p>Plain paragraph with Spread" in body  # text
    assert "<h3>Sub heading Spread" in body  # heading
    assert "<li>first Spread" in body and "<li>second</li>" in body  # bullets
    assert "<caption>Table caption Spread" in body and "Table note Spread" in body  # table
    assert body.count('<div class="chart-row">') == 1  # the two half charts side by side
    assert body.count('<figure class="chart half"') == 2 and body.count('<figure class="chart full"') == 1
    assert "could not be drawn" in body and "not_declared" in body  # chart without a spec
    assert [m for m in re.findall(r'id="verdict-([a-z_]+)"', body)] == ["test_alpha", "test_beta", "test_gamma"]
    assert '<dl class="kv">' in body and "<dd>63%</dd>" in body and "$1,235 bn" not in body and "$1,234 bn" in body
    assert '<aside class="callout tone-warn"><strong>Heads up.</strong>' in body  # callout
    assert "block of unknown kind &#39;mystery&#39; was skipped" in body
    assert "Treasury General Account: stale since 2024-12-31" in body and "GSW 10-year zero: not loaded" in body
    # the state cell is a badge carrying its text; numbers are formatted by their format names
    assert '<span class="badge tone-watch">tense</span>' in body
    assert "\u221212 bp" in body and "4.20%" in body


def test_verdicts_carry_text_labels_not_colour_alone(html):
    board = re.split(r'<table class="board[^"]*">', html, maxsplit=1)[1].split("</table>", 1)[0]
    assert '<span class="badge tone-severe">stressed</span>' in board
    assert '<span class="badge tone-benign">fine · stale</span>' in board
    assert '<span class="badge tone-nodata">no data</span>' in board
    assert "was calm" in board and "unchanged" in board and ">new<" in board
    assert "Since 2025-W14" in board
    # the scale line names the current state in text (underlined) as well as in colour
    assert '<span class="step current tone-severe">stressed</span>' in html


def test_error_section_renders_a_notice(html):
    sec = html.split('id="section-broken"', 1)[1].split("</section>", 1)[0]
    assert "This section could not be computed." in sec and "constructed failure" in sec


def test_images_are_inline_pngs_and_nothing_is_fetched(html, brief):
    srcs = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert len(srcs) == len(brief.charts) == 3
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'(src|href)="(?!data:|#)', html)  # no link or image leaves the file
    assert "@import" not in html and "url(" not in html


def test_missing_context_value_is_an_error(brief):
    ctx = dict(brief.context)
    ctx["meta"] = {k: v for k, v in ctx["meta"].items() if k != "subtitle"}
    with pytest.raises(RenderError, match="missing context value"):
        render_html(ctx, load_theme())


def test_sample_marking_in_html():
    sample = build(sample=True, previous=False).files["brief.html"].decode()
    assert '<div class="sample-banner" role="note">SAMPLE' in sample
    assert '<div class="watermark" aria-hidden="true">SAMPLE</div>' in sample
    assert '@top-center { content: "SAMPLE — NOT FOR DISTRIBUTION"' in sample  # on every printed page
    real = build(sample=False, previous=False).files["brief.html"].decode()
    assert "SAMPLE" not in real


def test_desk_name_cannot_break_the_stylesheet():
    html = build(previous=False, desk='Desk "Q" </style><script>x</script>').files["brief.html"].decode()
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "<script>" not in style and "</" not in style
    assert "<script>" not in html


def test_fetcher_refuses_network_and_outside_files(tmp_path):
    for url in ("http://example.com/x.png", "https://example.com/x.css", "file:///etc/hostname"):
        with pytest.raises(RenderError, match="external resources"):
            render_pdf(f'<html><body><p>x</p><img src="{url}"></body></html>')


@pytest.fixture(scope="module")
def pdf(brief):
    return pypdf.PdfReader(io.BytesIO(brief.files["brief.pdf"]))


def test_pdf_metadata_outline_and_page_numbers(pdf):
    meta = pdf.metadata
    assert meta.title == "Treasuries as the Anchor — 2025-W15"
    assert meta.author == "Macro Strategy Desk"
    outline = [o.title for o in pdf.outline if not isinstance(o, list)]
    assert outline[0] == "Cover and verdict board"
    assert "5. Constructed section" in outline and "6. Broken section" in outline and "Appendix" in outline
    n = len(pdf.pages)
    texts = [p.extract_text() for p in pdf.pages]
    for i, t in enumerate(texts, 1):
        assert f"Page {i} of {n}" in t
    # the contents page prints the page on which each section starts
    toc = texts[1]
    start = next(i for i, t in enumerate(texts, 1) if "5. Constructed section" in t and i > 2)
    assert re.search(rf"5\. Constructed section[\s.]*{start}\b", toc)


@pytest.fixture(scope="module")
def sample_letter_pdf():
    b = build(sample=True, formats=("pdf",), previous=False, page_size="Letter")
    return pypdf.PdfReader(io.BytesIO(b.files["brief.pdf"]))


def test_page_size_from_the_configuration(pdf, sample_letter_pdf):
    a4, letter = pdf.pages[0].mediabox, sample_letter_pdf.pages[0].mediabox
    assert (float(a4.width), float(a4.height)) == pytest.approx((595.3, 841.9), abs=0.2)  # 210 x 297 mm
    assert (float(letter.width), float(letter.height)) == pytest.approx((612.0, 792.0), abs=0.2)  # 8.5 x 11 in


def test_sample_on_every_pdf_page(sample_letter_pdf):
    pages = sample_letter_pdf.pages
    assert len(pages) >= 5
    for p in pages:
        assert "SAMPLE — NOT FOR DISTRIBUTION" in p.extract_text()


# --- charts --------------------------------------------------------------------------------------


def test_downsample_keeps_extremes_and_order():
    rng = np.random.default_rng(3)
    s = pd.Series(rng.normal(size=20_000).cumsum(), index=pd.bdate_range("1950-01-02", periods=20_000))
    d = downsample(s, 1000)
    assert len(d) <= 1002 and d.index.is_monotonic_increasing
    assert d.max() == s.max() and d.min() == s.min()
    assert d.index[0] == s.index[0] and d.index[-1] == s.index[-1]
    assert downsample(s.iloc[:50], 1000).equals(s.iloc[:50])


def test_same_series_same_colour_in_every_chart():
    theme = load_theme()
    idx = pd.bdate_range("2020-01-01", periods=300)
    colours = []
    for labels in (("10y", "2y"), ("2y", "10y", "30y")):
        fig = Figure()
        ax = fig.add_subplot()
        keys = {"10y": "ust_10y", "2y": "ust_2y", "30y": "ust_30y"}
        spec = ChartSpec(id="c", kind="timeseries", title="t", data={}, alt="a")
        DRAWERS["timeseries"](fig, ax, {"lines": {lab: pd.Series(1.0, index=idx) for lab in labels}, "keys": keys},
                              theme, spec)
        colours.append({line.get_label(): line.get_color() for line in ax.lines})
    assert colours[0]["10y"] == colours[1]["10y"] == theme.series["ust_10y"]
    assert colours[0]["2y"] == colours[1]["2y"] == theme.series["ust_2y"]


def test_half_width_charts_lay_out_without_warnings():
    """The footer sits in its own strip: no constrained-layout collapse, even at half width."""
    theme = load_theme()
    idx = pd.bdate_range("1990-01-01", periods=9000)
    rng = np.random.default_rng(11)
    specs = [
        ChartSpec(id="h1", kind="timeseries", title="t", alt="a", width="half", series_keys=("spread_10y2y", "hy_oas"),
                  shade_recessions=True, note="A long note that has to wrap onto a second line under a half chart.",
                  data={"lines": {f"line {i} with a long label": pd.Series(rng.normal(size=9000).cumsum(), index=idx)
                                  for i in range(4)}, "ylabel": "percentage points"}),
        ChartSpec(id="h2", kind="curve_snapshot", title="t", alt="a", width="half",
                  data={"years": [1 / 12, 0.25, 0.5, 1, 2, 3, 5, 7, 10, 20, 30],
                        "tenors": ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"],
                        "curves": {"now": list(np.linspace(4, 5, 11)), "1w": list(np.linspace(4.1, 4.9, 11)),
                                   "1m": list(np.linspace(3.9, 4.8, 11)), "1y": list(np.linspace(5, 4, 11))},
                        "dates": {"now": "2025-04-11", "1w": "2025-04-04", "1m": "2025-03-11", "1y": "2024-04-11"}}),
        ChartSpec(id="h3", kind="bars", title="t", alt="a", width="half",
                  data={"labels": ["a", "b"], "groups": {"g1": [1, 2], "g2": [2, -1]}}),
    ]
    rec = recession_spans(pd.Series([0, 1, 1, 0], index=pd.date_range("2001-02-01", periods=4, freq="MS")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for spec in specs:
            png = render_chart(spec, theme=theme, as_of=pd.Timestamp("2025-04-11").date(), recessions=rec, dpi=100)
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            width_px = int.from_bytes(png[16:20], "big")
            assert width_px == round(theme.chart["half_width_in"] * 100)


def test_recession_spans_and_footer():
    flags = pd.Series([0, 1, 1, 0, 0, 1], index=pd.date_range("2008-01-01", periods=6, freq="MS"))
    assert recession_spans(flags) == [(pd.Timestamp("2008-02-01"), pd.Timestamp("2008-03-31")),
                                      (pd.Timestamp("2008-06-01"), pd.Timestamp("2008-06-30"))]
    spec = ChartSpec(id="c", kind="timeseries", title="t", data={}, alt="a", series_keys=("ust_10y", "gold_pm"),
                     note="Note.")
    day = pd.Timestamp("2025-04-11").date()
    assert footer_text(spec, day, recessions_shown=True) == \
        "Source: FRED, LBMA. As of 2025-04-11. Grey bands: NBER recessions. Note."
    assert footer_text(spec, day) == "Source: FRED, LBMA. As of 2025-04-11. Note."


def test_every_chart_has_alt_text(brief):
    for s in brief.context["sections"]:
        for c in s["charts"].values():
            assert c["alt"].strip()
    assert NASTY in brief.context["sections"][0]["charts"]["test_line"]["alt"]


def test_logo_and_colours_come_from_the_configuration(tmp_path):
    from PIL import Image

    logo = tmp_path / "desk-logo.png"
    Image.new("RGB", (40, 20), (200, 30, 30)).save(logo)
    html = build(previous=False, logo=str(logo), desk="Rates Desk", colors={"accent": "#123456"}).files["brief.html"]
    html = html.decode()
    m = re.search(r'<img class="logo" src="(data:image/png;base64,[^"]+)" alt="Rates Desk logo">', html)
    assert m and base64.b64decode(m.group(1).split(",", 1)[1]) == logo.read_bytes()
    assert "background: #123456" in html and "#0b3d6b" not in html  # the shipped accent is replaced everywhere
    with pytest.raises(Exception, match="not a theme colour"):
        build(previous=False, colors={"bogus": "#123456"})


def test_chart_without_alt_text_gets_its_title(brief):
    frame = synthetic_frame()
    res = every_block_section(frame)
    res.charts[2] = ChartSpec(id="test_full", kind="timeseries", title="Full width", alt="  ",
                              data={"lines": {"S&P": frame.get("sp500")}})
    b = make_brief(frame, brief_config(), formats=("html",), results=[res], built_at=BUILT)
    assert b.context["sections"][0]["charts"]["test_full"]["alt"] == "Chart: Full width"


def test_long_tables_go_out_in_chunks_with_every_row(brief):
    """A 45-row table is three tables of at most 20 rows (WeasyPrint re-lays a page-spanning table
    on every page); the caption comes once, later chunks repeat the headings in print only."""
    from report.sections.base import cell, table

    frame = synthetic_frame()
    res = every_block_section(frame)
    res.blocks = [table(["Row", "Value"], [[f"row {i:02d}", cell(float(i), "num")] for i in range(45)],
                        caption="Long table")]
    html = make_brief(frame, brief_config(), formats=("html",), results=[res], built_at=BUILT
                      ).files["brief.html"].decode()
    body = html.split('id="section-testsec"', 1)[1].split("</section>", 1)[0]
    assert body.count("<table ") == 3 and body.count("<caption>Long table</caption>") == 1
    assert body.count('<thead class="again">') == 2
    assert re.findall(r'<th scope="row">row (\d\d)</th>', body) == [f"{i:02d}" for i in range(45)]
    assert "@media screen { thead.again { display: none; } }" in html


def _png_bytes(img: Image.Image, **save) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", **save)
    return buf.getvalue()


def _idat(png: bytes) -> bytes:
    out, pos = [], 8
    while pos < len(png):
        n = int.from_bytes(png[pos:pos + 4], "big")
        if png[pos + 4:pos + 8] == b"IDAT":
            out.append(png[pos + 8:pos + 8 + n])
        pos += 12 + n
    return b"".join(out)


def test_pngs_reach_the_pdf_pixel_for_pixel_whichever_way_they_are_embedded():
    """8-bit RGB and grey PNGs (the charts among them) go into the PDF with their own compressed
    data, not deflated a second time; a palette PNG is converted by WeasyPrint as before: every
    image reads back with the pixels it was given."""
    rng = np.random.default_rng(5)
    rgb = Image.fromarray(rng.integers(0, 256, (37, 53, 3), dtype=np.uint8), "RGB")
    grey = Image.fromarray(rng.integers(0, 256, (29, 41), dtype=np.uint8), "L")
    chart = render_chart(ChartSpec(id="c", kind="bars", title="Bars", alt="Two bars",
                                   data={"labels": ["a", "b"], "values": [1.0, -2.0]}), theme=load_theme(),
                         as_of=pd.Timestamp("2025-04-11").date(), dpi=60)
    cases = {
        "chart": (chart, np.asarray(Image.open(io.BytesIO(chart)).convert("RGB")), True),
        # saved unlike WeasyPrint would save them again, so that a second deflate would show
        "rgb": (_png_bytes(rgb, compress_level=1), np.asarray(rgb), True),
        "grey": (_png_bytes(grey, compress_level=9), np.asarray(grey), True),
        "palette": (_png_bytes(rgb.quantize(16)), np.asarray(rgb.quantize(16).convert("RGB")), False),
    }
    imgs = "".join(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" style="width: 30mm">'
                   for png, _, _ in cases.values())
    pdf = render_pdf(f"<html><body>{imgs}</body></html>")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    got = [np.asarray(im.image) for im in reader.pages[0].images]
    assert len(got) == len(cases)
    for (name, (png, want, passed)), pixels in zip(cases.items(), got):
        assert pixels.shape[:2] == want.shape[:2], name
        assert np.array_equal(pixels.reshape(want.shape), want), name
        assert (_idat(png) in pdf) is passed, name


def test_only_plain_8_bit_pngs_are_passed_through():
    from report.render import _png_idat

    rng = np.random.default_rng(6)
    rgb = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), "RGB")
    png = _png_bytes(rgb)
    assert _png_idat(Image.open(io.BytesIO(png))) == _idat(png)
    # the same header marked interlaced, or 16-bit, is left to WeasyPrint
    for offset, value in ((28, 1), (24, 16)):
        bad = bytearray(png)
        bad[offset] = value
        img = Image.open(io.BytesIO(png))
        img.fp = io.BytesIO(bytes(bad))
        assert _png_idat(img) is None
    assert _png_idat(Image.open(io.BytesIO(_png_bytes(rgb.convert("RGBA"))))) is None


# --- loading WeasyPrint ---------------------------------------------------------------------------

_LOAD_ENGINE = """
import ctypes.util, sys
import cffi

searched = []
search = ctypes.util.find_library
def counted(name):
    searched.append(name)
    return search(name)
ctypes.util.find_library = counted
if sys.argv[1] == "pango-by-another-name":
    # this loader knows Pango only through the library search, not by its file name
    real = cffi.FFI.dlopen
    def dlopen(self, name, flags=0):
        if name == "libpango-1.0.so.0" and ctypes.util.find_library is not counted:
            raise OSError("cannot open shared object file libpango-1.0.so.0")
        return real(self, name, flags)
    cffi.FFI.dlopen = dlopen
from report import render
engine = render._engine()
import weasyprint.text.ffi as ffi
assert ctypes.util.find_library is counted
with render.weasy_document("<p>loaded</p>") as doc:
    assert render.write_pdf(doc).startswith(b"%PDF")
print("searched", len(searched), "pango", ffi.pango is not None)
"""


@pytest.mark.parametrize("case", ["normal", "pango-by-another-name"])
def test_weasyprint_loads_its_libraries_by_file_name_and_searches_only_when_that_fails(case):
    root = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-c", _LOAD_ENGINE, case], capture_output=True, text=True, timeout=120,
                       cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[-1].startswith("searched ") and lines[-1].endswith(" pango True")
    searched = int(lines[-1].split()[1])
    if case == "normal":  # every library found by the dynamic loader: no ldconfig, gcc or ld run
        assert searched == 0
        assert len(lines) == 1
    else:  # tried again with the search, and WeasyPrint's installation hints from the first try held back
        assert searched > 0
        assert len(lines) == 1 and "could not import" not in p.stdout


def test_the_brief_templates_are_compiled_before_the_workers_fork(monkeypatch):
    """Compiled once in the parent, the templates are not compiled again where they are used."""
    import jinja2

    from report import render

    env = render.html_environment()
    env.cache.clear()
    render.compile_templates()
    compiled = []
    original = jinja2.Environment._compile

    def counting(self, source, filename):
        compiled.append(filename)
        return original(self, source, filename)

    monkeypatch.setattr(jinja2.Environment, "_compile", counting)
    build(formats=("html", "pdf"))
    assert compiled == []
    env.cache.clear()
    build(formats=("html",))
    assert any(f.endswith("brief.html.j2") for f in compiled)  # the count does see compiling


def test_images_handed_over_by_name_reach_the_pdf_and_unknown_names_are_refused():
    from report.render import image_uri, weasy_document, write_pdf

    rng = np.random.default_rng(8)
    rgb = Image.fromarray(rng.integers(0, 256, (23, 31, 3), dtype=np.uint8), "RGB")
    png = _png_bytes(rgb, compress_level=1)
    html = f'<html><body><img src="{image_uri("a chart")}" style="width: 30mm"></body></html>'
    with weasy_document(html, images={"a chart": png}) as doc:
        pdf = write_pdf(doc)
    (image,) = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images
    assert np.array_equal(np.asarray(image.image), np.asarray(rgb))
    with pytest.raises(RenderError, match="external resources"), weasy_document(html, images={"other": png}):
        pass


_SUBSET_FONTS = """
import re
from report import render
render._engine()
import weasyprint.pdf.fonts as fonts
from weasyprint.text.ffi import ffi
parsed = []
parse = ffi._typeof_locked
def counted(cdecl, *args):
    parsed.append(cdecl)
    return parse(cdecl, *args)
ffi._typeof_locked = counted
def pdf(text):
    with render.weasy_document(f"<p>{text}</p><p><b>{text[::-1]}</b></p>") as doc:
        return render.write_pdf(doc)
def by_length():
    return len([c for c in parsed if re.fullmatch(r"hb_codepoint_t\\[\\d+\\]", c)])
texts = ["Treasuries 0123", "the anchor of cross-asset pricing", "Term premium, curve & dollar liquidity: 4.48%"]
opened = [pdf(t) for t in texts]
print("typed by length", by_length())
parsed.clear()
fonts.ffi = ffi  # the library's own way
render._subset_with_open_arrays = lambda engine: None
plain = [pdf(t) for t in texts]
print("typed by length", by_length())
print("same PDFs", opened == plain)
"""


def test_font_subsetting_parses_no_array_type_per_glyph_count_and_writes_the_same_pdf():
    """WeasyPrint's font subsetting, given open-array types, parses no C type per glyph count (the
    library's own way parses one for every count it meets) and writes byte-identical PDFs."""
    root = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-c", _SUBSET_FONTS], capture_output=True, text=True, timeout=120,
                       cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert p.returncode == 0, p.stderr
    opened, plain, same = p.stdout.splitlines()
    assert opened == "typed by length 0"
    assert int(plain.split()[-1]) >= 3  # a count per font and text at least, each parsed
    assert same == "same PDFs True"


def test_open_arrays_hold_the_same_items_and_leave_other_calls_alone():
    import cffi

    from report.render import _OpenArrays

    ffi = cffi.FFI()
    arrays = _OpenArrays(ffi)
    a = arrays.new("unsigned int[4]", [3, 1, 4, 1])
    assert ffi.typeof(a) is ffi.typeof("unsigned int[]") and list(a) == [3, 1, 4, 1]
    b = arrays.new("unsigned int[6]", (2, 7))  # fewer items than the length: the sized type, zero-filled
    assert ffi.typeof(b) is ffi.typeof("unsigned int[6]") and list(b) == [2, 7, 0, 0, 0, 0]
    c = arrays.new("char[4]")  # no items
    assert len(c) == 4
    assert arrays.NULL == ffi.NULL and arrays.sizeof("int") == ffi.sizeof("int")


_LEAVE_GARBAGE = """
import gc, sys
from report import render
from report.paged import Part, lay_out
if sys.argv[1] == "leave":
    render.leave_documents_to_exit()
rows = "".join(f"<tr><td>row {i}</td><td>{i * 1.5:.2f}</td></tr>" for i in range(60))
part = Part("section:x", "X", f"<!DOCTYPE html><html><body><h2>X</h2><table>{rows}</table></body></html>", "", {})
lay_out(part)  # the engine loaded, its caches filled
gc.collect()
frozen, collected = gc.get_freeze_count(), []
gc.callbacks.append(lambda phase, info: collected.append(info["collected"]) if phase == "stop" else None)
lay_out(part)
gc.collect()
print(gc.isenabled(), gc.get_freeze_count() - frozen, sum(collected))
"""


@pytest.mark.parametrize("mode", ["collect", "leave"])
def test_a_documents_garbage_is_collected_or_left_to_the_exit(mode):
    """A laid-out document leaves cyclic garbage. By default the collector frees it; in a process
    that leaves documents to its exit (a build's workers) it is set aside with the heap instead,
    and the collector finds nothing of it. Either way the collector is on again."""
    root = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-c", _LEAVE_GARBAGE, mode], capture_output=True, text=True, timeout=120,
                       cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert p.returncode == 0, p.stderr
    enabled, set_aside, collected = p.stdout.split()
    assert enabled == "True"
    if mode == "collect":
        assert int(set_aside) == 0 and int(collected) > 1000
    else:
        assert int(set_aside) > 1000 and int(collected) < 100
