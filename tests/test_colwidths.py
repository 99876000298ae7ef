"""Measured column widths of the PDF's data tables (report/colwidths.py): what WeasyPrint's own
automatic layout gives those tables, to a fraction of a point, without its measuring; tables
that would wrap, and fonts that cannot be measured, keep the automatic layout."""

from __future__ import annotations

import re
from datetime import date

import pytest
from _brief_fixtures import BUILT, brief_config, every_block_section, synthetic_frame

from report import colwidths, paged
from report.pipeline import make_brief
from report.render import weasy_document
from report.sections.base import cell, table
from report.theme import load_theme


def _tables(box):
    if type(box).__name__ == "TableBox":
        yield box
    for child in getattr(box, "children", ()) or ():
        yield from _tables(child)


def data_tables(part, kind="data"):
    """(classes, column widths in pt, page count, height in pt) of the part's tables of a class
    (``data`` tables, or verdicts' ``evidence``), laid out."""
    out = []
    with weasy_document(part.html, css=part.css, images=part.images) as doc:
        for page in doc.pages:
            for t in _tables(page._page_box):
                classes = (t.element.get("class") or "").split()
                if kind in classes:
                    out.append((classes, [w * 0.75 for w in t.column_widths], len(doc.pages), t.height * 0.75))
    return out


def sized_and_automatic(meta, section, theme, monkeypatch, kind="data"):
    """The section's tables laid out with measured widths, and by WeasyPrint's automatic layout
    (no widths): the reference."""
    sized = data_tables(paged.section_part(meta, section, theme), kind)
    with monkeypatch.context() as m:
        m.setattr(colwidths, "print_widths" if kind == "data" else "evidence_widths", lambda *a: None)
        automatic = data_tables(paged.section_part(meta, section, theme), kind)
    assert len(sized) == len(automatic)
    return list(zip(sized, automatic))


def assert_as_automatic(pairs, *, at_least, slack=0.0):
    """Measured tables have the automatic layout's columns (to half a point, besides the room
    ``slack`` added to each) and height (no cell wraps otherwise), on as many pages."""
    n = 0
    for (classes, widths, pages, height), (auto_classes, auto_widths, auto_pages, auto_height) in pairs:
        assert "sized" not in auto_classes
        assert pages == auto_pages
        if "sized" in classes:
            n += 1
            assert widths == pytest.approx(auto_widths, abs=0.5 + slack), classes
            assert height == pytest.approx(auto_height, abs=0.01), classes
    assert n >= at_least
    return n


def test_labels_states_and_plain_first_columns(monkeypatch):
    """A state as a row's label is set as plain bold text, not as a badge; a table without row
    labels sets its first column like the others (badges included)."""
    frame = synthetic_frame()
    res = every_block_section(frame)
    states = [[cell(s, "state", tone=t), cell(1.5 * i, "pct"), cell(s, "state", tone=t)]
              for i, (s, t) in enumerate([("stressed", "severe"), ("calm", "benign"), ("tense", "watch")])]
    res.blocks = [table(["State", "Level", "Badge"], states),
                  table(["State", "Level", "Badge"], states, first_col_label=False)]
    res.verdicts = []
    brief = make_brief(frame, brief_config(), formats=("html",), results=[res], built_at=BUILT)
    pairs = sized_and_automatic(brief.context["meta"], brief.context["sections"][0], load_theme(), monkeypatch)
    assert assert_as_automatic(pairs, at_least=2) == len(pairs) == 2


def long_block(n_rows=45):
    rows = [[cell(f"Series {i} (weekly)", "text"), cell(1.5 + i / 7, "pct"), cell(-3.0 * i, "bp", tone="neg"),
             cell(["calm", "tense", "stressed"][i % 3], "state", tone=["benign", "watch", "severe"][i % 3]),
             cell(date(2025, 1, 1 + i % 28), "date")] for i in range(n_rows)]
    return table(["Series", "Level", "1w change", "State", "Since"], rows, caption="Long")


def test_constructed_tables_get_the_automatic_layouts_widths(monkeypatch):
    """A table with a bold row label, coloured bold and plain cells and state badges (smaller bold
    capitals, spaced, padded), and a long one in chunks."""
    frame = synthetic_frame()
    res = every_block_section(frame)
    res.blocks = [*res.blocks, long_block()]
    brief = make_brief(frame, brief_config(), formats=("html",), results=[res], built_at=BUILT)
    theme = load_theme()
    pairs = sized_and_automatic(brief.context["meta"], brief.context["sections"][0], theme, monkeypatch)
    assert assert_as_automatic(pairs, at_least=3) >= len(pairs) - 1  # the first, with its long label, may not fit


def test_constructed_evidence_tables_get_the_automatic_layouts_widths(monkeypatch):
    """Verdicts' evidence (label, value, date; values of every kind, dates missing), in tables as
    wide as their content."""
    frame = synthetic_frame()
    brief = make_brief(frame, brief_config(), formats=("html",), results=[every_block_section(frame)], built_at=BUILT)
    pairs = sized_and_automatic(brief.context["meta"], brief.context["sections"][0], load_theme(), monkeypatch,
                                "evidence")
    assert assert_as_automatic(pairs, at_least=2, slack=colwidths.EVIDENCE_SLACK_PT) == len(pairs)


def test_the_chunks_of_a_long_table_share_one_set_of_columns():
    """(The automatic layout sizes each chunk on its own.)"""
    frame = synthetic_frame()
    res = every_block_section(frame)
    res.blocks = [long_block(65)]
    brief = make_brief(frame, brief_config(), formats=("html",), results=[res], built_at=BUILT)
    tables = data_tables(paged.section_part(brief.context["meta"], brief.context["sections"][0], load_theme()))
    assert len(tables) >= 4 and all("sized" in classes for classes, *_ in tables)
    assert all(w == pytest.approx(tables[0][1], abs=1e-6) for _, w, *_ in tables)


def test_a_table_too_wide_to_fit_unwrapped_keeps_the_automatic_layout():
    theme = load_theme()
    prose = "a sentence long enough to need wrapping in a column of a table " * 2
    wide = table(["Name", "Comment"], [[cell("x", "text"), cell(prose, "text")]])
    narrow = table(["Name", "Comment"], [[cell("x", "text"), cell(prose[:60], "text")]])
    assert colwidths.print_widths(wide, theme, "A4") is None
    widths = colwidths.print_widths(narrow, theme, "A4")
    assert widths is not None and len(widths) == 1 and 0 < widths[0] < 100
    # on the wider Letter page the columns (padding included) keep their shares of the table
    pad = 2 * colwidths.CELL_PAD_PT
    a4, letter = ((210 - 32) * 72 / 25.4, (215.9 - 32) * 72 / 25.4)
    assert colwidths.print_widths(narrow, theme, "Letter")[0] / 100 + pad / letter == pytest.approx(
        widths[0] / 100 + pad / a4, abs=1e-4)


def test_widths_follow_the_cells_measures():
    """A hand check: a column twice as wide as its neighbour in text gets the larger share."""
    theme = load_theme()
    block = table(["A", "B"], [[cell("WWWW", "text"), cell("ii", "text")]])
    (first,) = colwidths.print_widths(block, theme, "A4")
    face = colwidths._face("DejaVu Sans", True, 9.5 * colwidths.TABLE_EM)
    regular = colwidths._face("DejaVu Sans", False, 9.5 * colwidths.TABLE_EM)
    a = face.width("WWWW") + 2 * colwidths.CELL_PAD_PT  # the row label is bold
    b = max(regular.width("ii"), face.width("B")) + 2 * colwidths.CELL_PAD_PT  # the heading is bold too
    page = (210 - 32) * 72 / 25.4
    assert first == pytest.approx(100 * (a / (a + b) - 2 * colwidths.CELL_PAD_PT / page), abs=1e-3)


def test_a_font_that_cannot_be_measured_keeps_the_automatic_layout():
    theme = load_theme()
    other = type(theme)(**{**theme.__dict__, "fonts": {**theme.fonts, "family": "No Such Family Sans"}})
    block = table(["A", "B"], [[cell("x", "text"), cell(1.0, "pct")]])
    evidence = [{"label": "gap", "value": 1.0, "unit": "pp", "as_of": "2025-04-11"}]
    assert colwidths.print_widths(block, theme, "A4") is not None
    assert colwidths.evidence_widths(evidence, theme, "A4") is not None
    assert colwidths.print_widths(block, other, "A4") is None
    assert colwidths.evidence_widths(evidence, other, "A4") is None


def test_the_html_brief_keeps_tables_fitting_the_screen():
    """Measured widths are the PDF's only: the HTML file's tables have neither fixed widths nor
    the class that fixes their layout."""
    frame = synthetic_frame()
    res = every_block_section(frame)
    res.blocks = [*res.blocks, long_block()]
    brief = make_brief(frame, brief_config(), formats=("html",), results=[res], built_at=BUILT)
    html = brief.files["brief.html"].decode()
    assert not re.search(r'<table class="[^"]*\bsized\b', html)
    assert 'style="width:' not in html
    part = paged.section_part(brief.context["meta"], brief.context["sections"][0], load_theme())
    assert re.search(r'<table class="[^"]*\bsized\b', part.html) and 'style="width:' in part.html
