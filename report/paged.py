"""The PDF of the brief, laid out in parts and put together.

WeasyPrint lays out a document in one thread at about a tenth of a second per page, so a
40-page brief laid out in one piece costs several seconds once everything else is done. Every
part of the brief opens on a new page (the cover with the verdict board, each section, the
appendix), so each part is laid out on its own, in another process, as soon as its content is
known: a section's pages are laid out by the worker that computed the section while other
sections are still being computed (see :func:`report.pipeline.compute_and_draw`).

What spans the parts is done when they are put together (:func:`assemble`, with pypdf): the
summary's contents print the page on which each part starts, so the summary is laid out last,
from the other parts' page counts (:func:`lay_out_summary`); every page gets its running header,
title, footer and "Page x of y", copied from sheets on which WeasyPrint's margin boxes drew them
(:func:`margin_texts`, :func:`page_numbers`), so that the parts need no margin boxes of their own;
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
    leave_documents_to_exit,
    render_template,
    weasy_document,
    write_pdf,
)
from .theme import Theme

__all__ = [
    "Assembly",
    "LaidOutPart",
    "MarginText",
    "Margins",
    "PageMarks",
    "PageNumbers",
    "Part",
    "Run",
    "appendix_parts",
    "assemble",
    "brief_parts",
    "cover_part",
    "lay_out",
    "lay_out_summary",
    "margin_texts",
    "page_numbers",
    "part_names",
    "part_titles",
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
    charts its context refers to by :func:`report.render.image_uri`, if any. Its data tables and
    verdicts' evidence tables that fit the page unwrapped get their columns' widths
    (:mod:`report.colwidths`)."""
    from .colwidths import evidence_widths, print_widths

    size = meta["page_size"]
    blocks = [dict(b, print_widths=print_widths(b, theme, size)) if b.get("kind") == "table" else b
              for b in section.get("blocks", ())]
    verdicts = {rid: dict(v, print_widths=evidence_widths(v.get("evidence") or (), theme, size))
                for rid, v in section.get("verdicts", {}).items()}
    return _part(f"section:{section['id']}", f"{section['number']}. {section['title']}", meta, theme,
                 images=images, kind="section", section={**section, "blocks": blocks, "verdicts": verdicts})


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
                     ready: Mapping[str, LaidOutPart] | None = None, workers: int = 1,
                     margins: Margins | None = None, started: Assembly | None = None) -> bytes:
    """The brief's PDF: the parts not in ``ready`` laid out (in forked processes with ``workers``
    > 1; the summary here, once the cover's length is known), then put together with their
    margins (``margins``, when made beforehand: :func:`margin_texts`) and numbered. ``started``
    is an assembly begun with the brief's first parts (those of ``ready``, in order), if any."""
    laid = dict(ready or {})
    todo = brief_parts(context, theme, skip=tuple(laid))
    if workers > 1 and len(todo) > 1 and "fork" in multiprocessing.get_all_start_methods():
        # what the summary waits for first (the cover and the sections: its contents count their
        # pages), then the longest
        todo.sort(key=lambda p: (p.name.startswith("appendix"), p.name != "cover", -len(p.html)))
        with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=leave_documents_to_exit) as pool:
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
    if margins is None or any(p.title and p.title not in margins.titles for p in ordered):
        margins = margin_texts(context["meta"], theme, [p.title for p in ordered if p.title])
    numbers = page_numbers(context["meta"], theme, sum(len(p.pages) for p in ordered))
    begun = started is not None and len(started.parts) <= len(ordered) and \
        all(a is b for a, b in zip(started.parts, ordered))
    if not begun:
        return assemble(ordered, margins, numbers)
    for part in ordered[len(started.parts):]:
        started.add(part)
    return started.finish(margins, numbers)


# --- margin texts and the assembly -----------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Text WeasyPrint set on a sheet of margin texts: its font (the sheet's resource name), size,
    fill colour, left end and baseline (CSS pixels from the page's top-left corner) and glyphs (a
    ``TJ`` array: glyph codes and kerning)."""

    font: str
    size: float
    colour: tuple[float, ...]
    x: float
    y: float
    tj: Any


#: what one page's margins hold: the runs of text drawn there
MarginText = tuple[Run, ...]


@dataclass(frozen=True)
class Margins:
    """What the assembly stamps in a page's margins besides its number (see :func:`margin_texts`):
    the sheet's PDF (for its fonts) and the texts of the brief's first page (the cover: no running
    header), of a page without a part title, and of a page of each part title."""

    pdf: bytes
    first: MarginText
    untitled: MarginText
    titles: Mapping[str, MarginText]


@dataclass(frozen=True)
class PageNumbers:
    """"Page x of y" for every page (see :func:`page_numbers`) and the sheet's PDF (for its font)."""

    pdf: bytes
    lines: tuple[MarginText, ...]


def part_titles(context: Mapping[str, Any]) -> list[str]:
    """The running-header titles of the brief's parts (those of :func:`brief_parts` and the summary)."""
    return ["Summary", *(f"{s['number']}. {s['title']}" for s in context["sections"]), "Appendix"]


def margin_texts(meta: Mapping[str, Any], theme: Theme, titles: Sequence[str]) -> Margins:
    """The margins of the brief's pages but their numbers, as WeasyPrint's margin boxes draw them
    (running header, part title, SAMPLE mark, footer; texts too long for their box wrap there):
    a sheet with a page like the brief's first, a page without a part title and a page for each
    of ``titles``, whose margin boxes are those of the brief (the ``"margins"`` stylesheet). Known
    before any part is laid out, so laid out beside them."""
    from html import escape

    titles = list(dict.fromkeys(t for t in titles if t))
    body = '<p class="mb-page">1</p><p class="mb-page">2</p>' + "".join(
        f'<p class="mb-page mb-title">{escape(t)}</p>' for t in titles)
    pdf, sheet = _sheet(meta, theme, body)
    pages = [margin for margin, _ in sheet]
    if len(pages) != 2 + len(titles) or not all(pages[1:]) or any(len(p) < len(pages[1]) + 1 for p in pages[2:]):
        raise RenderError(f"PDF assembly: the margin-text sheet has {len(pages)} pages for {2 + len(titles)} margins")
    return Margins(pdf, pages[0], pages[1], dict(zip(titles, pages[2:])))


def page_numbers(meta: Mapping[str, Any], theme: Theme, n: int) -> PageNumbers:
    """"Page 1 of n" to "Page n of n", set by WeasyPrint in the type and place of the page
    footer's number: one right-aligned line each (the page number's box ends at the content
    box's right edge too), on sheet pages whose own number box gives the baseline."""
    body = '<div class="mb-number">' + "".join(f"<p>Page {i} of {n}</p>" for i in range(1, n + 1)) + "</div>"
    pdf, sheet = _sheet(meta, theme, body)
    lines = [run for _, content in sheet for run in content]
    baselines = {run.y for margin, _ in sheet for run in margin}
    if len(lines) != n or len(baselines) != 1:
        raise RenderError(f"PDF assembly: the page-number sheet holds {len(lines)} numbers for {n} pages")
    y = baselines.pop()
    return PageNumbers(pdf, tuple((Run(r.font, r.size, r.colour, r.x, y, r.tj),) for r in lines))


def _sheet(meta: Mapping[str, Any], theme: Theme, body: str) -> tuple[bytes, list[tuple[MarginText, MarginText]]]:
    """``body`` laid out with the ``"margins"`` stylesheet: the PDF and, for each page, the text
    runs in its margins and those inside its content box."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    with weasy_document(f"<!DOCTYPE html><html><body>{body}</body></html>",
                        css=brief_css(meta, theme, layer="margins")) as doc:
        pdf = write_pdf(doc)
    reader = PdfReader(io.BytesIO(pdf))
    top = PAGE_MARGINS_MM[0] * _PX_PER_MM  # where a page's header area ends
    pages: list[tuple[MarginText, MarginText]] = []
    for page in reader.pages:
        bottom = float(page.mediabox.height) / _PT_PER_PX - PAGE_MARGINS_MM[2] * _PX_PER_MM  # where its footer starts
        x = y = 0.0
        font, size, colour = "", 0.0, (0.0,)
        margin: list[Run] = []
        content: list[Run] = []
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"rg":
                colour = tuple(float(v) for v in operands)
            elif op == b"Tf":
                font, size = str(operands[0]), float(operands[1])
            elif op == b"Tm":
                x, y = float(operands[4]), float(operands[5])
            elif op == b"TJ":
                (margin if y <= top or y >= bottom else content).append(Run(font, size, colour, x, y, operands[0]))
        pages.append((tuple(margin), tuple(content)))
    return pdf, pages


def assemble(parts: Sequence[LaidOutPart], margins: Margins, numbers: PageNumbers) -> bytes:
    """The parts' pages in order as one PDF, each page's margins stamped from ``margins`` and
    ``numbers`` (the header and the title of the part, or of the last part with one, on every
    page but the first; the SAMPLE mark, the footer and the page number on every page; a title
    missing from ``margins`` is an error), with the parts' links (internal ones to named
    destinations), their bookmarks as one outline, and the document information and language of
    the first part. (:class:`Assembly` does the same a part at a time.)"""
    _check(parts, margins, numbers)
    assembly = Assembly()
    for part in parts:
        assembly.add(part)
    return assembly.finish(margins, numbers)


def _check(parts: Sequence[LaidOutPart], margins: Margins, numbers: PageNumbers) -> None:
    n = sum(len(p.pages) for p in parts)
    if len(numbers.lines) != n:
        raise RenderError(f"PDF assembly: {len(numbers.lines)} page numbers for {n} pages")
    missing = sorted({p.title for p in parts if p.title and p.title not in margins.titles})
    if missing:
        raise RenderError(f"PDF assembly: no running title set for {', '.join(missing)}")


class Assembly:
    """The brief's PDF put together a part at a time, in order, as the parts are laid out (the
    pages of a part read and copied when it is added); its margins and page numbers stamped, its
    links and outline made once every part is in (:meth:`finish`, once): :func:`assemble`."""

    def __init__(self) -> None:
        from pypdf import PdfWriter

        self.parts: list[LaidOutPart] = []
        self._writer = PdfWriter()
        self._pages: list[tuple[Any, LaidOutPart, int]] = []  # the writer's page, its part, its index there
        self._first: Any = None  # the first part's reader (document information, language)
        self._done = False

    def add(self, part: LaidOutPart) -> None:
        from pypdf import PdfReader

        if self._done:
            raise RenderError("PDF assembly: a part added to a finished document")
        reader = PdfReader(io.BytesIO(part.pdf))
        if len(reader.pages) != len(part.pages):
            raise RenderError(f"PDF assembly: {part.name} has {len(reader.pages)} pages and {len(part.pages)} marks")
        if self._first is None:
            self._first = reader
        for j, page in enumerate(reader.pages):
            self._pages.append((self._writer.add_page(page), part, j))
        self.parts.append(part)

    def finish(self, margins: Margins, numbers: PageNumbers) -> bytes:
        """The PDF (see :func:`assemble`)."""
        if self._done or not self.parts:
            raise RenderError("PDF assembly: nothing to finish")
        _check(self.parts, margins, numbers)
        self._done = True
        return _finish(self._writer, self._pages, self._first, margins, numbers)


def _finish(writer: Any, pages: Sequence[tuple[Any, LaidOutPart, int]], first: Any, margins: Margins,
            numbers: PageNumbers) -> bytes:
    from pypdf import PdfReader
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

    # each sheet's font resources by the name it gives them (each sheet has its own subsets, under
    # names that may be the same), cloned into the brief once each
    sheet_fonts: dict[tuple[int, str], Any] = {}
    for k, sheet in enumerate((margins.pdf, numbers.pdf)):
        for page in PdfReader(io.BytesIO(sheet)).pages:
            for name, ref in page["/Resources"].get("/Font", {}).items():
                sheet_fonts.setdefault((k, name), ref)
    stamp_fonts: dict[tuple[int, str], tuple[NameObject, Any]] = {}
    stamped: dict[tuple, tuple[Any, dict[NameObject, Any]]] = {}  # the same margins, one stream

    def stamp(text: MarginText, height: float, sheet: int) -> tuple[Any, dict[NameObject, Any]]:
        """A content stream drawing ``text`` of the ``sheet``-th sheet (and the fonts it names)."""
        out = io.BytesIO()
        used: dict[NameObject, Any] = {}
        out.write(f"q 1 0 0 -1 0 {height:f} cm {_PT_PER_PX:g} 0 0 {_PT_PER_PX:g} 0 0 cm ".encode())
        for run in text:
            font = (sheet, run.font)
            if font not in stamp_fonts:
                stamp_fonts[font] = (NameObject(f"/MbMargin{len(stamp_fonts)}"),
                                     sheet_fonts[font].get_object().clone(writer).indirect_reference)
            name, ref = stamp_fonts[font]
            used[name] = ref
            colour = " ".join(f"{c:g}" for c in run.colour)
            out.write(f"{colour} rg BT {name} {run.size:g} Tf 1 0 0 -1 {run.x:f} {run.y:f} Tm ".encode())
            run.tj.write_to_stream(out)
            out.write(b" TJ ET\n")
        out.write(b"Q\n")
        stream = DecodedStreamObject()
        stream.set_data(out.getvalue())
        return writer._add_object(stream.flate_encode()), used

    save, restore = DecodedStreamObject(), DecodedStreamObject()
    save.set_data(b"q\n")
    restore.set_data(b"Q\n")
    save, restore = writer._add_object(save), writer._add_object(restore)
    marks: list[PageMarks] = []
    title: str | None = None
    for i, (out, part, j) in enumerate(pages):
        if j == 0:
            title = part.title if part.title is not None else title
        height = float(out.mediabox.height)
        key = (i > 0, title, height)
        if key not in stamped:
            text = margins.first if i == 0 else (margins.titles[title] if title else margins.untitled)
            stamped[key] = stamp(text, height, 0)
        rest, rest_fonts = stamped[key]
        number, number_fonts = stamp(numbers.lines[i], height, 1)
        resources = DictionaryObject(out["/Resources"].get_object()) if "/Resources" in out else DictionaryObject()
        fonts = DictionaryObject(resources["/Font"].get_object()) if "/Font" in resources else DictionaryObject()
        fonts.update({**number_fonts, **rest_fonts})
        resources[NameObject("/Font")] = fonts
        out[NameObject("/Resources")] = resources
        own = out.get("/Contents")
        own = list(own.get_object()) if own is not None and isinstance(own.get_object(), ArrayObject) else \
            ([own] if own is not None else [])
        # the number first, the other margins after the page's own text (text extraction
        # reads "Page x of y", the page, then its header and footer); the page's own content
        # leaves its coordinate system set, so it runs inside a saved graphics state
        out[NameObject("/Contents")] = ArrayObject([number, save, *own, restore, rest])
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
