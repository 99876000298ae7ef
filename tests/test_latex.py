"""The LaTeX output: rendered from the same context as the HTML, it compiles with pdflatex and
its PDF holds the same headings, verdict states and SAMPLE marking on every page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pypdf
import pytest
from _system import require_tool
from _brief_fixtures import BUILT, NASTY, brief_config, error_section, every_block_section, previous_edition, synthetic_frame

from report.latex import render_tex
from report.pipeline import make_brief, write_brief
from report.theme import load_theme


def build(sample: bool, formats=("tex",)):
    frame = synthetic_frame(sample=sample)
    return make_brief(frame, brief_config(), formats=formats, built_at=BUILT, previous=previous_edition(frame),
                      results=[every_block_section(frame), error_section()])


def test_tex_source_escapes_data_and_references_chart_files():
    b = build(sample=False)
    tex = b.files["brief.tex"].decode("utf-8")
    assert "<script>" in NASTY and "\\textless{}script\\textgreater{}" in tex
    assert "50\\% of \\$1\\_000 \\#1 \\{x\\} \\textasciitilde{}y\\textasciicircum{}2 \\textbackslash{}path" in tex
    assert "$1_000" not in tex and "50% of" not in tex
    for cid in b.charts:
        assert f"\\includegraphics[width=\\linewidth]{{charts/{cid}.png}}" in tex
        assert f"charts/{cid}.png" in b.files
    assert "\\setcounter{section}{4}\n\\section{Constructed section}" in tex
    assert "SAMPLE" not in tex
    assert "\\usepackage{draftwatermark}" in build(sample=True).files["brief.tex"].decode()


def test_letter_paper_from_the_configuration():
    b = build(sample=False)
    ctx = dict(b.context)
    ctx["meta"] = {**ctx["meta"], "page_size": "Letter"}
    tex = render_tex(ctx, load_theme())
    assert "\\documentclass[10pt,letterpaper]{article}" in tex and "[letterpaper," in tex


def compile_tex(folder: Path, engine: str = "pdflatex") -> Path:
    require_tool(engine)
    for _ in range(2):  # second pass: contents and "page x of y"
        run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "brief.tex"], cwd=folder,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-3000:]
    # every character typeset: a glyph the font lacks is only a warning in the log
    log = (folder / "brief.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log, [line for line in log.splitlines() if "Missing character" in line][:5]
    return folder / "brief.pdf"


@pytest.mark.slow
@pytest.mark.parametrize(("engine", "sample"), [("pdflatex", False), ("pdflatex", True), ("xelatex", False),
                                                ("xelatex", True)])
def test_tex_compiles_and_holds_the_headings(tmp_path, engine, sample):
    b = build(sample=sample, formats=("html", "pdf", "tex"))
    html_pdf = b.files.pop("brief.pdf")
    out = tmp_path / "tex"
    write_brief(b, out)
    reader = pypdf.PdfReader(compile_tex(out, engine))
    texts = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
    flat = " ".join(texts)
    for heading in ("Verdict board", "Contents", "Key numbers", "What changed since 2025-W14", "5 Constructed section",
                    "6 Broken section", "Appendix", "Method notes", "Data provenance", "Track records", "Disclaimer"):
        assert heading.replace(" ", "") in flat.replace(" ", "").replace(".", ""), heading
    for state in ("STRESSED", "FINE", "NO DATA"):
        assert state in flat
    assert "This section could not be computed." in flat
    n = len(texts)
    for i, t in enumerate(texts, 1):
        assert f"Page {i} of {n}" in t
        assert ("SAMPLE — NOT FOR DISTRIBUTION" in t) is sample  # TeX's --- is an em dash in the PDF
    # the same section headings as the WeasyPrint PDF of the same context
    import io

    html_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(html_pdf)).pages))
    for s in b.context["sections"]:
        assert f"{s['number']}. {s['title']}" in html_text
        assert s["title"] in flat
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Cover and verdict board" in titles and any("Constructed section" in t for t in titles)
    meta = reader.metadata
    assert meta.title.startswith("Treasuries as the Anchor") and meta.author == "Macro Strategy Desk"
