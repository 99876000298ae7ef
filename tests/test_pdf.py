"""The PDF as a reader gets it: the full brief on the shared data, turned into page images with
pdftoppm (no blank page, page count in range) and into text (every section heading, every
verdict state on the board, page x of y); a SAMPLE build carries SAMPLE on every page."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import numpy as np
import pypdf
import pytest
from _system import require_tool
from _brief_fixtures import BUILT, brief_config, every_block_section, synthetic_frame
from PIL import Image

from report.config import default_config
from report.pipeline import make_brief
from report.sections import registry

pytestmark = pytest.mark.slow

AS_OF = "2025-04-11"


def page_images(pdf: bytes, tmp_path: Path, dpi: int = 40) -> list[np.ndarray]:
    require_tool("pdftoppm")
    src = tmp_path / "brief.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(tmp_path / "page")], check=True,
                   timeout=300)
    files = sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [np.asarray(Image.open(f)) for f in files]


def inked_share(img: np.ndarray) -> float:
    """Share of pixels that are not paper-white."""
    return float((img < 235).mean())


@pytest.fixture(scope="module")
def real_brief(shared_store):
    """The whole brief (every section) on the shared data as of 2025-04-11."""
    from datetime import date

    from report.frame import Frame

    frame = Frame.from_store(shared_store, date.fromisoformat(AS_OF))
    return make_brief(frame, default_config(), formats=("html", "pdf", "tex"), built_at=BUILT)


def test_full_brief_pages_are_inked_and_in_range(real_brief, tmp_path):
    n_sections = len(real_brief.results)
    images = page_images(real_brief.files["brief.pdf"], tmp_path)
    # cover + summary + at least one page per section + appendix; a runaway layout would blow the top
    assert n_sections + 3 <= len(images) <= 12 * n_sections + 20
    for i, img in enumerate(images, 1):
        assert inked_share(img) > 0.01, f"page {i} is blank"
    # the cover band is the darkest block of the first page: the cover is really there
    assert (images[0][: images[0].shape[0] // 4] < 100).mean() > 0.2


def test_full_brief_text_has_every_heading_and_verdict_state(real_brief):
    reader = pypdf.PdfReader(io.BytesIO(real_brief.files["brief.pdf"]))
    texts = [p.extract_text() for p in reader.pages]
    full = "\n".join(texts)
    flat = re.sub(r"\s+", " ", full)
    for r in real_brief.results:
        assert f"{r.number}. {r.title}" in flat, r.title
    for heading in ("Verdict board", "Key numbers", "Contents", "Appendix", "Method notes", "Data provenance",
                    "Disclaimer"):
        assert heading in flat
    # every rule's state is printed on the board (badges are upper-cased by CSS, text stays)
    board = re.sub(r"\s+", " ", texts[0] + (texts[1] if "Contents" not in texts[0] else ""))
    for v in real_brief.verdicts:
        assert v.state.upper() in board.upper() or v.state.upper() in flat.upper(), v.rule_id
        assert v.title.split()[0] in flat
    n = len(texts)
    for i, t in enumerate(texts, 1):
        assert f"Page {i} of {n}" in t
    assert "SAMPLE" not in full
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    for r in real_brief.results:
        assert f"{r.number}. {r.title}" in titles


def test_sample_pdf_marks_every_page_in_text_and_image(tmp_path):
    frame = synthetic_frame(sample=True)
    b = make_brief(frame, brief_config(), formats=("pdf",), built_at=BUILT, results=[every_block_section(frame)])
    reader = pypdf.PdfReader(io.BytesIO(b.files["brief.pdf"]))
    for i, page in enumerate(reader.pages, 1):
        assert "SAMPLE — NOT FOR DISTRIBUTION" in page.extract_text(), i
    # the marking is visible on every page image too (watermark and header): each page of the
    # SAMPLE build carries more ink than the same page built from the same data marked real
    real_frame = synthetic_frame(sample=False)
    real = make_brief(real_frame, brief_config(), formats=("pdf",), built_at=BUILT,
                      results=[every_block_section(real_frame)])
    (tmp_path / "s").mkdir()
    (tmp_path / "r").mkdir()
    sample_imgs = page_images(b.files["brief.pdf"], tmp_path / "s")
    real_imgs = page_images(real.files["brief.pdf"], tmp_path / "r")
    assert len(sample_imgs) == len(real_imgs)
    for i, (s, r) in enumerate(zip(sample_imgs, real_imgs), 1):
        assert inked_share(s) > inked_share(r), f"page {i} carries no SAMPLE marking"


def test_sections_registry_is_what_the_brief_renders(real_brief):
    assert [r.id for r in real_brief.results] == [sid for sid in default_config().brief.sections if sid in registry()]


def test_full_brief_tex_compiles_with_the_same_headings(real_brief, tmp_path):
    """The LaTeX source of the real brief (every section's blocks, real series titles) compiles
    with pdflatex and its PDF holds every section heading and verdict state."""
    from report.pipeline import write_brief

    require_tool("pdflatex")
    out = tmp_path / "tex"
    files = {k: v for k, v in real_brief.files.items() if k != "brief.pdf"}
    write_brief(type(real_brief)(**{**real_brief.__dict__, "files": files}), out)
    for _ in range(2):
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "brief.tex"], cwd=out,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout[-3000:]
    texts = [re.sub(r"\s+", " ", p.extract_text()) for p in pypdf.PdfReader(out / "brief.pdf").pages]
    flat = " ".join(texts)
    for r in real_brief.results:
        assert r.title in flat, r.title
    for v in real_brief.verdicts:
        assert v.state.upper() in flat.upper(), v.rule_id
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]


def test_the_real_briefs_measured_table_widths_are_the_automatic_layouts(real_brief, monkeypatch):
    """Every section's data tables and evidence tables of the brief on real data: those measured
    beforehand (most) lay out with the columns WeasyPrint's automatic layout gives them, to half a
    point, at the same height, on as many pages."""
    from test_colwidths import assert_as_automatic, sized_and_automatic

    from report.theme import load_theme

    from report.colwidths import EVIDENCE_SLACK_PT

    theme, meta = load_theme(), real_brief.context["meta"]
    pairs = [p for s in real_brief.context["sections"] for p in sized_and_automatic(meta, s, theme, monkeypatch)]
    assert assert_as_automatic(pairs, at_least=15) >= 0.7 * len(pairs)
    pairs = [p for s in real_brief.context["sections"]
             for p in sized_and_automatic(meta, s, theme, monkeypatch, "evidence")]
    assert assert_as_automatic(pairs, at_least=15, slack=EVIDENCE_SLACK_PT) >= 0.9 * len(pairs)
