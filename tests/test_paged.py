"""The PDF laid out in parts (report/paged.py): the parts put together read as one document,
whichever process laid them out, with every link, bookmark and page number where it belongs."""

from __future__ import annotations

import io
import os
import re
import subprocess

import numpy as np
import pypdf
import pytest
from _brief_fixtures import (
    BUILT,
    brief_config,
    error_section,
    every_block_section,
    previous_edition,
    synthetic_frame,
)
from _system import require_tool
from PIL import Image

from report import paged
from report.pipeline import make_brief
from report.theme import load_theme


@pytest.fixture(scope="module")
def brief():
    frame = synthetic_frame()
    return make_brief(frame, brief_config(), formats=("html",), results=[every_block_section(frame), error_section()],
                      built_at=BUILT, previous=previous_edition(frame))


@pytest.fixture(scope="module")
def serial(brief):
    return pypdf.PdfReader(io.BytesIO(paged.render_brief_pdf(brief.context, load_theme(), workers=1)))


@pytest.fixture(scope="module")
def parallel(brief):
    return pypdf.PdfReader(io.BytesIO(paged.render_brief_pdf(brief.context, load_theme(), workers=2)))


def _texts(reader):
    return [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]


def _outline(reader, items=None, depth=0):
    out = []
    for o in reader.outline if items is None else items:
        if isinstance(o, list):
            out += _outline(reader, o, depth + 1)
        else:
            out.append((depth, o.title, reader.get_destination_page_number(o)))
    return out


def test_parts_laid_out_in_parallel_give_the_same_pdf_as_one_process(serial, parallel):
    assert _texts(serial) == _texts(parallel)
    assert _outline(serial) == _outline(parallel)


def test_the_parts_make_one_document_in_brief_order(serial, brief):
    texts = _texts(serial)
    n = len(texts)
    # one page number per page, counted over the whole document
    for i, t in enumerate(texts, 1):
        assert t.count(f"Page {i} of {n}") == 1, i
    starts, after = {}, -1
    for name, marker in [("cover", "Verdict board"), ("summary", "Key numbers"), ("section", "5. Constructed section"),
                         ("error", "6. Broken section"), ("methods", "Method notes"), ("records", "Data provenance")]:
        starts[name] = after = next(i for i, t in enumerate(texts) if marker in t and i > after)
    assert list(starts.values()) == sorted(starts.values())
    assert "Disclaimer" in texts[-1]
    # each part draws its own running header: the brief's title and edition on every page but
    # the cover (a part's first page included), and a section's title on its pages
    meta = brief.context["meta"]
    header = f"{meta['title']} · {meta['edition']}"
    assert header not in texts[0] and all(header in t for t in texts[1:])
    sec = starts["section"]
    follow = [t for t in texts[sec:starts["error"]]]
    assert len(follow) > 1 and all(t.count("5. Constructed section") >= 1 for t in follow)


def test_contents_page_numbers_and_outline_point_at_the_right_pages(serial):
    texts = _texts(serial)
    toc = next(t for t in texts if "Contents" in t)
    for title in ("5. Constructed section", "6. Broken section"):
        listed = int(re.search(rf"{re.escape(title)}[\s.]*(\d+)", toc).group(1))
        first = next(i for i, t in enumerate(texts, 1) if t.lstrip().startswith(f"Page {i}") and title in t
                     and "Contents" not in t)
        assert listed == first, title
    outline = {title: page for _, title, page in _outline(serial)}
    assert outline["5. Constructed section"] + 1 == int(re.search(r"5\. Constructed section[\s.]*(\d+)",
                                                                  toc).group(1))
    for depth, title, page in _outline(serial):
        if depth == 1:  # a subheading's bookmark is on the page that prints it
            assert title.split()[0] in texts[page], title


def _link_targets(reader):
    """{source page: [target page of each internal link on it]}."""
    names = reader.named_destinations
    out = {}
    for p, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") != "/Link":
                continue
            dest = a.get("/Dest") if "/Dest" in a else a.get("/A", {}).get("/D")
            if dest is None:
                continue
            if isinstance(dest, str):
                target = reader.get_destination_page_number(names[dest])
            else:
                target = reader.get_page_number(dest[0].get_object())
            out.setdefault(p, []).append(target)
    return out


def test_links_jump_to_the_page_of_their_target(serial, brief):
    texts = _texts(serial)
    links = _link_targets(serial)
    toc_page = next(i for i, t in enumerate(texts) if "Contents" in t)
    section_start = next(i for i, t in enumerate(texts) if i > toc_page and "5. Constructed section" in t)
    broken_start = next(i for i, t in enumerate(texts) if i > toc_page and "6. Broken section" in t)
    # the contents lead to the pages where the sections start
    assert {section_start, broken_start} <= set(links[toc_page])
    # the verdict board's rows lead to the verdict cards, printed on the section's pages
    board = set(links[0])
    assert section_start in board
    assert all(section_start <= t < broken_start for t in board), board
    assert all("Alpha signal" in texts[t] or "Beta" in texts[t] for t in board)


_META = {"title": "Brief", "edition": "2025-W15", "desk": "Desk", "sample": False, "page_size": "A4"}


def _pages_png(pdf, tmp_path, stem, dpi=72):
    (tmp_path / f"{stem}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(tmp_path / f"{stem}.pdf"), str(tmp_path / stem)],
                   check=True, timeout=120)
    return [np.asarray(Image.open(f).convert("L")) for f in sorted(tmp_path.glob(f"{stem}-*.png"))]


@pytest.mark.parametrize("sample", [False, True])
def test_margins_are_drawn_where_weasyprint_draws_its_own(tmp_path, sample):
    """The assembly stamps the margins of parts laid out alone (which have no margin boxes) exactly
    as WeasyPrint's margin boxes print them in a document laid out in one piece: the running
    header, the part's title (kept on the pages after its first), the SAMPLE mark, the footer and
    the page number, rendered, are the same pixels (pages with one- and two-digit numbers), and
    the text reads "Page x of y" with y counted over all parts."""
    from report.render import brief_css, weasy_document, write_pdf

    require_tool("pdftoppm")
    theme = load_theme()
    meta = {**_META, "sample": sample}
    titles = ("1. Curve & <premium>", "Appendix")
    if sample:  # texts too long for their margin boxes beside the SAMPLE mark: they wrap there
        meta["title"] = "The curve, the term premium and the dollar: a weekly brief for the desk"
        titles = ("1. Curve & <premium>, and a section title much longer than its box", "Appendix")
    bodies = [f'<h2 class="section-title">{t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}</h2>'
              + "".join(f"<p>{word} {i}: the curve, the term premium and the dollar.</p>" for i in range(300))
              for t, word in zip(titles, ("Paragraph", "Line"))]

    def html(body):
        return f'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>{body}</body></html>'

    one, two = (paged.lay_out(paged.Part(f"section:{k}", t, html(b), brief_css(meta, theme, layer="part")))
                for k, (t, b) in enumerate(zip(titles, bodies)))
    n = len(one.pages) + len(two.pages)
    assert len(one.pages) >= 5 and n >= 10
    pdf = paged.assemble([one, two], paged.margin_texts(meta, theme, titles), paged.page_numbers(meta, theme, n))
    # the same two parts laid out as one document by WeasyPrint, with its own margin boxes
    with weasy_document(html(f'{bodies[0]}<div style="break-before: page">{bodies[1]}</div>'),
                        css=brief_css(meta, theme, layer="whole")) as doc:
        whole = write_pdf(doc)
    # at 150 dpi, where a text a third of a point off its place shows
    ours, theirs = _pages_png(pdf, tmp_path, "ours", 150), _pages_png(whole, tmp_path, "whole", 150)
    assert len(ours) == len(theirs) == n
    height = ours[0].shape[0]
    header = slice(None, int(height * 20 / 297))  # above the page's content box (top margin 20 mm)
    footer = slice(int(height * 0.93), None)  # below it (bottom margin 18 mm)
    for i in range(n):
        for zone in (header, footer):
            assert (theirs[i][zone] < 128).any() or (zone == header and i == 0)  # a margin text to compare
            assert np.array_equal(ours[i][zone], theirs[i][zone]), i + 1
    texts = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    assert [t.count(f"Page {i} of {n}") for i, t in enumerate(texts, 1)] == [1] * n
    assert "Line 0:" in texts[len(one.pages)] and f"Page {len(one.pages) + 1} of {n}" in texts[len(one.pages)]
    # the title: printed by the heading on the part's first page (the brief's first: no running
    # header there), by the running header on the others
    assert [t.count("1. Curve & <premium>") for t in texts[:len(one.pages)]] == [1] * len(one.pages)
    assert [t.count("Appendix") for t in texts[len(one.pages):]] == [2] + [1] * (len(two.pages) - 1)
    assert all(("SAMPLE — NOT FOR DISTRIBUTION" in " ".join(t.split())) is sample for t in texts)


def test_page_numbers_must_match_the_pages_and_every_title_must_be_set():
    from report.errors import RenderError

    theme = load_theme()
    numbers = paged.page_numbers(_META, theme, 3)
    assert len(numbers.lines) == 3 and len({run.y for line in numbers.lines for run in line}) == 1
    margins = paged.margin_texts(_META, theme, ["1. X"])
    blank = paged.PageMarks((), (), ())
    part = paged.LaidOutPart("section:x", "1. X", b"", (blank, blank))
    # numbers for three pages on a document of two: refused, never a silently shifted count
    with pytest.raises(RenderError, match="3 page numbers for 2 pages"):
        paged.assemble([part], margins, numbers)
    # a part whose title the margins do not hold: refused, never a page without its title
    with pytest.raises(RenderError, match="no running title set for 2. Y"):
        paged.assemble([part, paged.LaidOutPart("section:y", "2. Y", b"", (blank,))], margins, numbers)


def test_part_titles_are_those_of_the_parts(brief):
    theme = load_theme()
    parts = [paged.summary_part(brief.context, theme, {}), *paged.brief_parts(brief.context, theme)]
    assert paged.part_titles(brief.context) == list(dict.fromkeys(p.title for p in parts if p.title))


#: parts laid out in the test's own process (see the test below)
_LAID_OUT_HERE: list[str] = []
_MAIN_PID = os.getpid()


def _spy_lay_out(part):
    if os.getpid() == _MAIN_PID:
        _LAID_OUT_HERE.append(part.name)
    return _REAL_LAY_OUT(part)


_REAL_LAY_OUT = paged.lay_out
_REAL_MARGIN_TEXTS = paged.margin_texts


def _spy_margin_texts(*args):
    if os.getpid() == _MAIN_PID:
        _LAID_OUT_HERE.append("margin texts")
    return _REAL_MARGIN_TEXTS(*args)


def test_a_cold_build_lays_out_only_the_summary_in_the_main_process(monkeypatch):
    """With workers, each section's pages are laid out by the worker that computed it and the
    cover, the appendix and the margin texts by the workers while the last charts are drawn: the
    main process lays out the summary only (its contents need the other parts' lengths), besides
    the page numbers."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("workers are forked processes")
    from report.config import default_config

    frame = synthetic_frame()
    monkeypatch.setenv("MACROBRIEF_CHART_WORKERS", "2")
    monkeypatch.setattr(paged, "lay_out", _spy_lay_out)
    monkeypatch.setattr("report.pipeline.lay_out", _spy_lay_out)
    monkeypatch.setattr(paged, "margin_texts", _spy_margin_texts)
    monkeypatch.setattr("report.pipeline.margin_texts", _spy_margin_texts)
    left = []
    real_parts = paged.brief_parts
    monkeypatch.setattr(paged, "brief_parts", lambda *a, **k: left.extend(real_parts(*a, **k)) or [])
    _LAID_OUT_HERE.clear()
    b = make_brief(frame, default_config(), formats=("html", "pdf"), built_at=BUILT)
    assert _LAID_OUT_HERE == ["summary"]
    assert [p.name for p in left] == []  # nothing was left for the PDF assembly to lay out
    texts = _texts(pypdf.PdfReader(io.BytesIO(b.files["brief.pdf"])))
    assert all(f"Page {i} of {len(texts)}" in t for i, t in enumerate(texts, 1))
    assert "Verdict board" in texts[0] and "Disclaimer" in texts[-1]
    header = f"{b.context['meta']['title']} · {b.context['meta']['edition']}"
    assert header not in texts[0] and all(header in t for t in texts[1:])


def test_a_pdf_begun_with_the_first_parts_is_the_pdf_put_together_at_once(brief):
    """An assembly given the first parts early and the rest later writes the same bytes as one
    given them all at the end; a finished assembly takes no more parts."""
    from report.errors import RenderError

    theme = load_theme()
    laid = {p.name: paged.lay_out(p) for p in paged.brief_parts(brief.context, theme)}
    laid["summary"] = paged.lay_out_summary(brief.context, theme, laid)
    ordered = [laid[n] for n in paged.part_names(brief.context)]
    meta = brief.context["meta"]
    margins = paged.margin_texts(meta, theme, paged.part_titles(brief.context))
    numbers = paged.page_numbers(meta, theme, sum(len(p.pages) for p in ordered))
    at_once = paged.assemble(ordered, margins, numbers)
    begun = paged.Assembly()
    for part in ordered[:3]:
        begun.add(part)
    by_parts = paged.render_brief_pdf(brief.context, theme, ready=laid, margins=margins, started=begun)
    assert by_parts == at_once and begun.parts == ordered
    with pytest.raises(RenderError, match="finished"):
        begun.add(ordered[0])
    # begun with parts that are not the brief's first: put together anew, the same
    other = paged.Assembly()
    other.add(ordered[1])
    assert paged.render_brief_pdf(brief.context, theme, ready=laid, margins=margins, started=other) == at_once


def test_a_cold_build_begins_the_pdf_before_the_workers_are_done(monkeypatch):
    """The cover, summary and sections go into the PDF while the workers lay out the appendix;
    the appendix's parts follow once they are laid out."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("workers are forked processes")
    from report import pipeline
    from report.config import default_config

    monkeypatch.setenv("MACROBRIEF_CHART_WORKERS", "2")
    added, real_add, real_compute = [], paged.Assembly.add, pipeline.compute_and_draw
    monkeypatch.setattr(paged.Assembly, "add", lambda self, part: added.append(part.name) or real_add(self, part))
    monkeypatch.setattr(pipeline, "compute_and_draw",
                        lambda *a, **k: (real_compute(*a, **k), added.append("workers done"))[0])
    b = make_brief(synthetic_frame(), default_config(), formats=("pdf",), built_at=BUILT)
    names = paged.part_names(b.context)
    first_appendix = next(i for i, n in enumerate(names) if n.startswith("appendix"))
    assert added == [*names[:first_appendix], "workers done", *names[first_appendix:]]
    texts = _texts(pypdf.PdfReader(io.BytesIO(b.files["brief.pdf"])))
    assert all(f"Page {i} of {len(texts)}" in t for i, t in enumerate(texts, 1))
    assert "Verdict board" in texts[0] and "Disclaimer" in texts[-1]


def test_every_table_fits_the_page_width(brief):
    """No table of any part is wider than the page's content box (fixed column widths must leave
    room for the cells' padding)."""
    from report.render import weasy_document

    theme = load_theme()
    parts = [*paged.brief_parts(brief.context, theme), paged.summary_part(brief.context, theme, {})]
    seen: set[str] = set()

    def tables(box):
        if type(box).__name__ == "TableBox":
            yield box
        for child in getattr(box, "children", ()) or ():
            yield from tables(child)

    for part in parts:
        with weasy_document(part.html, css=part.css, images=part.images) as doc:
            for page in doc.pages:
                html = page._page_box.children[0]  # the root element's box, as wide as the content box
                for table in tables(html):
                    seen.update((table.element.get("class") or "").split())
                    right = table.position_x + table.border_width()
                    assert right <= html.content_box_x() + html.width + 0.01, (part.name, table.element.get("class"))
    assert {"keynumbers", "track", "board", "provenance", "evidence"} <= seen
