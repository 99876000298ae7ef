"""The PDF of the brief, laid out in parts and put together.

WeasyPrint lays out a document in one thread at about a tenth of a second per page, so a
40-page brief laid out in one piece costs several seconds once everything else is done. Every
part of the brief opens on a new page (the cover with the verdict board, each section, the
appendix), so each part is laid out on its own, in another process, as soon as its content is
known: a section's pages are laid out by the worker that computed the section while other
sections are still being computed (see :func:`report.pipeline.compute_and_draw`).

What spans the parts is done when they are put together (:func:`assemble`, with pypdf): the
summary's contents print the page on which each part starts, so the summary is laid out last,
from the other parts' page counts (:func:`lay_out_summary`); every page gets its "Page x of y",
drawn from a sheet of those lines that WeasyPrint sets in the footer's type (:func:`page_numbers`);
the links between parts go to named destinations at the anchors the parts report; the parts'
bookmarks make one outline. Each page keeps its own text, fonts and images unchanged. The reader
gets one PDF, as if laid out in one piece.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from .errors import RenderError
from .render import (
    PAGE_MARGINS_MM,
    brief_css,
    render_template,
    weasy_document,
    write_pdf,
)
from .theme import Theme

__all__ = [
    "LaidOutPart",
    "PageMarks",
    "PageNumbers",
    "Part",
    "appendix_parts",
    "assemble",
    "brief_parts",
    "cover_part",
    "lay_out",
    "lay_out_summary",
    "page_numbers",
    "part_names",
    "render_brief_pdf",
    "section_part",
    "summary_part",
]

#: the appendix's parts, in order
APPENDIX_PARTS = ("methods", "provenance", "records")
#: CSS pixels per millimetre and PDF points per CSS pixel (96 and 72 to the inch)
_PX_PER_MM = 96 / 25.4
_PT_PER_PX = 0.75


@dataclass(frozen=True)
class Part:
    """One part of the PDF: a name, the running-header title from its first page on (None keeps
    the title of the pages before), the HTML laid out alone, its stylesheet (the same for every
    part but the cover, so a process parses it once) and the images it refers to by name."""

    name: str
    title: str | None
    html: str
    css: str = ""
    images: Mapping[str, bytes] | None = None  # PNGs the HTML refers to by render.image_uri


@dataclass(frozen=True)
class PageMarks:
    """What a laid-out page holds that spans the parts: anchors ``(id, x, y)``,
    links ``(href, x, y, width, height)`` and bookmarks ``(level, label, x, y, state)``, in CSS
    pixels from the page's top-left corner."""

    anchors: tuple[tuple[str, float, float], ...]
    links: tuple[tuple[str, float, float, float, float], ...]
    bookmarks: tuple[tuple[int, str, float, float, str], ...]


@dataclass(frozen=True)
class LaidOutPart:
    """A part laid out: its PDF and what each of its pages carries."""

    name: str
    title: str | None
    pdf: bytes
    pages: tuple[PageMarks, ...]


# --- the parts ------------------------------------------------------------------------------------


def _part(name: str, title: str | None, meta: Mapping[str, Any], theme: Theme, *,
          images: Mapping[str, bytes] | None = None, **part: Any) -> Part:
    html = render_template("brief_part.html.j2", meta=meta, part=part)
    return Part(name, title, html, brief_css(meta, theme, layer="cover" if part["kind"] == "cover" else "part"),
                images)


def cover_part(context: Mapping[str, Any], theme: Theme) -> Part:
    """The cover with the verdict board (no running header)."""
    return _part("cover", None, context["meta"], theme, kind="cover", cover=context["cover"])


def section_part(meta: Mapping[str, Any], section: Mapping[str, Any], theme: Theme, *,
                 images: Mapping[str, bytes] | None = None) -> Part:
    """One section, from its context (:func:`report.assemble.section_context`); ``images`` are the
    charts its context refers to by :func:`report.render.image_uri`, if any."""
    return _part(f"section:{section['id']}", f"{section['number']}. {section['title']}", meta, theme,
                 images=images, kind="section", section=section)


def appendix_parts(context: Mapping[str, Any], theme: Theme) -> list[Part]:
    """The appendix in three parts laid out side by side: the method notes, the data provenance,
    and the track records with the disclaimer, each from a new page."""
    meta, appendix = context["meta"], context["appendix"]
    return [_part(f"appendix:{which}", "Appendix", meta, theme, kind="appendix", appendix=appendix, which=which)
            for which in APPENDIX_PARTS]


def summary_part(context: Mapping[str, Any], theme: Theme, pages: Mapping[str, int]) -> Part:
    """The summary: contents (with the page numbers in ``pages``, anchor to page), key numbers
    and what changed since the last edition."""
    return _part("summary", "Summary", context["meta"], theme, kind="summary", cover=context["cover"],
                 sections=context["sections"], pages=pages)


def part_names(context: Mapping[str, Any]) -> list[str]:
    """The parts' names in brief order."""
    return (["cover", "summary"] + [f"section:{s['id']}" for s in context["sections"]]
            + [f"appendix:{which}" for which in APPENDIX_PARTS])


def brief_parts(context: Mapping[str, Any], theme: Theme, *, skip: Sequence[str] = ()) -> list[Part]:
    """Every part of the brief in order but the summary (whose contents need the other parts'
    page counts; see :func:`render_brief_pdf`) and those named in ``skip`` (already laid out)."""
    meta = context["meta"]
    parts = [cover_part(context, theme)] if "cover" not in skip else []
    parts += [section_part(meta, s, theme) for s in context["sections"] if f"section:{s['id']}" not in skip]
    parts += [p for p in appendix_parts(context, theme) if p.name not in skip]
    return parts


# --- laying out -----------------------------------------------------------------------------------


def lay_out(part: Part) -> LaidOutPart:
    """Lay one part out with WeasyPrint: its PDF and the marks of each page."""
    with weasy_document(part.html, css=part.css or None, images=part.images) as doc:
        pages = tuple(_marks(p) for p in doc.pages)
        pdf = write_pdf(doc)
    return LaidOutPart(part.name, part.title, pdf, pages)


def _marks(page: Any) -> PageMarks:
    anchors = tuple((name, rect[0], rect[1]) for name, rect in page.anchors.items())
    links = []
    for kind, target, rect, *_ in page.links:
        if kind == "internal":
            href = "#" + target
        elif kind == "external":
            href = target
        else:  # attachments: the brief has none
            continue
        x1, y1, x2, y2 = rect
        links.append((href, x1, y1, x2 - x1, y2 - y1))
    bookmarks = tuple((int(level), str(label), pos[0], pos[1], str(state))
                      for level, label, pos, state in page.bookmarks)
    return PageMarks(anchors, tuple(links), bookmarks)


def lay_out_summary(context: Mapping[str, Any], theme: Theme, laid: Mapping[str, LaidOutPart]) -> LaidOutPart:
    """The summary, its contents numbered from the page counts of the cover and the sections.

    The numbers depend on the summary's own length and on the page its key numbers start on,
    both guessed (one page; the first) and checked once laid out; a wrong guess is laid out again.
    """
    start = len(laid["cover"].pages) + 1  # the summary's first page
    sections = [laid[f"section:{s['id']}"] for s in context["sections"]]
    own, key_page = 1, 0
    for _ in range(3):
        pages, at = {"key-numbers": start + key_page}, start + own
        for s, part in zip(context["sections"], sections):
            pages[f"section-{s['id']}"] = at
            at += len(part.pages)
        pages["appendix"] = at
        summary = lay_out(summary_part(context, theme, pages))
        found = next((i for i, m in enumerate(summary.pages) if any(a == "key-numbers" for a, *_ in m.anchors)), 0)
        if (len(summary.pages), found) == (own, key_page):
            return summary
        own, key_page = len(summary.pages), found
    raise RenderError("PDF assembly: the contents' page numbers do not settle")


def render_brief_pdf(context: Mapping[str, Any], theme: Theme, *,
                     ready: Mapping[str, LaidOutPart] | None = None, workers: int = 1) -> bytes:
    """The brief's PDF: the parts not in ``ready`` laid out (in forked processes with ``workers``
    > 1; the summary here, once the cover's length is known), then put together and numbered."""
    laid = dict(ready or {})
    todo = brief_parts(context, theme, skip=tuple(laid))
    if workers > 1 and len(todo) > 1 and "fork" in multiprocessing.get_all_start_methods():
        # what the summary waits for first (the cover and the sections: its contents count their
        # pages), then the longest
        todo.sort(key=lambda p: (p.name.startswith("appendix"), p.name != "cover", -len(p.html)))
        with ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {p.name: pool.submit(lay_out, p) for p in todo}
            laid.update({name: f.result() for name, f in futures.items() if not name.startswith("appendix")})
            if "summary" not in laid:
                laid["summary"] = lay_out_summary(context, theme, laid)
            laid.update({name: f.result() for name, f in futures.items()})
    else:
        laid.update({p.name: lay_out(p) for p in todo})
        if "summary" not in laid:
            laid["summary"] = lay_out_summary(context, theme, laid)
    ordered = [laid[n] for n in part_names(context)]
    numbers = page_numbers(sum(len(p.pages) for p in ordered), brief_css(context["meta"], theme, layer="numbers"))
    return assemble(ordered, numbers)


# --- page numbers and the assembly -----------------------------------------------------------------


@dataclass(frozen=True)
class PageNumbers:
    """"Page x of y" for every page, set by WeasyPrint in the footer's type (see :func:`page_numbers`):
    the sheet's PDF, the name and size of its font, the fill colour, the baseline of the footer
    (CSS pixels from the page's top) and, for each page, the left end of its line and its text
    (a ``TJ`` array: glyph codes and kerning)."""

    pdf: bytes
    font: str
    size: float
    colour: tuple[float, ...]
    baseline: float
    lines: tuple[tuple[float, Any], ...]


def page_numbers(n: int, css: str) -> PageNumbers:
    """Lay out "Page 1 of n" to "Page n of n" with the ``"numbers"`` stylesheet: one right-aligned
    line each on the sheet's pages, whose own page footer gives the baseline. The lines keep the
    horizontal position WeasyPrint gives the footer (both end at the content box's right edge)."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    html = "".join(f'<p class="page-number">Page {i} of {n}</p>' for i in range(1, n + 1))
    with weasy_document(f"<!DOCTYPE html><html><body>{html}</body></html>", css=css) as doc:
        pdf = write_pdf(doc)
        # where each sheet page's footer area starts
        bottom = [p.height - PAGE_MARGINS_MM[2] * _PX_PER_MM for p in doc.pages]
    reader = PdfReader(io.BytesIO(pdf))
    lines: list[tuple[float, Any]] = []
    fonts: set[str] = set()
    font, size, colour, baseline = None, 0.0, (0.0,), None
    for k, page in enumerate(reader.pages):
        x = y = 0.0
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"rg":
                colour = tuple(float(v) for v in operands)
            elif op == b"Tf":
                font, size = str(operands[0]), float(operands[1])
            elif op == b"Tm":
                x, y = float(operands[4]), float(operands[5])
            elif op == b"TJ":
                if y >= bottom[k]:  # the sheet page's own footer
                    baseline = y if baseline is None else baseline
                else:
                    lines.append((x, operands[0]))
                    fonts.add(f"{font} {size}")
    if len(fonts) != 1 or baseline is None or len(lines) != n:
        raise RenderError(f"PDF assembly: the page-number sheet holds {len(lines)} numbers for {n} pages")
    return PageNumbers(pdf, font, size, colour, baseline, tuple(lines))


def assemble(parts: Sequence[LaidOutPart], numbers: PageNumbers) -> bytes:
    """The parts' pages in order as one PDF, each page numbered from ``numbers``, with the parts'
    links (internal ones to named destinations), their bookmarks as one outline, and the document
    information and language of the first part."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        Fit,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    n = sum(len(p.pages) for p in parts)
    if len(numbers.lines) != n:
        raise RenderError(f"PDF assembly: {len(numbers.lines)} page numbers for {n} pages")
    writer = PdfWriter()
    sheet = PdfReader(io.BytesIO(numbers.pdf))
    font = sheet.pages[0]["/Resources"]["/Font"][numbers.font].clone(writer).indirect_reference
    colour = " ".join(f"{c:g}" for c in numbers.colour)
    first = PdfReader(io.BytesIO(parts[0].pdf))
    marks: list[PageMarks] = []
    for part in parts:
        reader = first if part is parts[0] else PdfReader(io.BytesIO(part.pdf))
        for j, page in enumerate(reader.pages):
            out = writer.add_page(page)
            i = len(marks)
            height = float(out.mediabox.height)
            x, tj = numbers.lines[i]
            text = io.BytesIO()
            tj.write_to_stream(text)
            stream = DecodedStreamObject()
            stream.set_data(f"q 1 0 0 -1 0 {height:f} cm {_PT_PER_PX:g} 0 0 {_PT_PER_PX:g} 0 0 cm {colour} rg BT "
                            f"/MbPageNumber {numbers.size:g} Tf 1 0 0 -1 {x:f} {numbers.baseline:f} Tm ".encode()
                            + text.getvalue() + b" TJ ET Q\n")
            resources = DictionaryObject(out["/Resources"].get_object()) if "/Resources" in out else DictionaryObject()
            fonts = DictionaryObject(resources["/Font"].get_object()) if "/Font" in resources else DictionaryObject()
            fonts[NameObject("/MbPageNumber")] = font
            resources[NameObject("/Font")] = fonts
            out[NameObject("/Resources")] = resources
            own = out.get("/Contents")
            own = list(own.get_object()) if own is not None and isinstance(own.get_object(), ArrayObject) else \
                ([own] if own is not None else [])
            # the number first: text extraction reads "Page x of y" before the page's own text
            out[NameObject("/Contents")] = ArrayObject([writer._add_object(stream), *own])
            marks.append(part.pages[j])

    heights = [float(p.mediabox.height) for p in writer.pages]

    def where(i: int, x: float, y: float) -> tuple[Any, FloatObject, FloatObject]:
        return writer.pages[i].indirect_reference, FloatObject(x * _PT_PER_PX), FloatObject(heights[i] - y * _PT_PER_PX)

    anchors: dict[str, tuple[int, float, float]] = {}
    for i, m in enumerate(marks):
        for a, x, y in m.anchors:
            anchors.setdefault(a, (i, x, y))  # where the element starts
    targets = sorted({h[1:] for m in marks for h, *_ in m.links if h.startswith("#") and h[1:] in anchors})
    for name in targets:
        page, left, top = where(*anchors[name])
        writer.add_named_destination_array(TextStringObject(name),
                                           ArrayObject([page, NameObject("/XYZ"), left, top, NumberObject(0)]))
    for i, m in enumerate(marks):
        for href, x, y, w, h in m.links:
            if href.startswith("#") and href[1:] not in anchors:
                continue
            _, x1, y1 = where(i, x, y + h)
            _, x2, y2 = where(i, x + w, y)
            link = DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([x1, y1, x2, y2]),
                NameObject("/BS"): DictionaryObject({NameObject("/W"): NumberObject(0)}),
            })
            if href.startswith("#"):
                link[NameObject("/Dest")] = TextStringObject(href[1:])
            else:
                link[NameObject("/A")] = DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                                          NameObject("/URI"): TextStringObject(href)})
            writer.add_annotation(i, link)
    parents: list[tuple[int, Any]] = []  # the open outline levels: (level, item)
    for i, m in enumerate(marks):
        for level, label, x, y, state in m.bookmarks:
            while parents and parents[-1][0] >= level:
                parents.pop()
            _, left, top = where(i, x, y)
            item = writer.add_outline_item(title=label, page_number=i, parent=parents[-1][1] if parents else None,
                                           fit=Fit.xyz(left=left, top=top, zoom=0), is_open=state == "open")
            parents.append((level, item))
    info = first.metadata
    if info:
        writer.add_metadata({k: v for k, v in info.items()})
    lang = first.trailer["/Root"].get("/Lang")
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = TextStringObject(str(lang))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
