"""The PDF of the brief, laid out in parts and put together.

WeasyPrint lays out a document in one thread at about a tenth of a second per page, so a
40-page brief laid out in one piece costs several seconds once everything else is done. Every
part of the brief opens on a new page (the cover with the verdict board, each section, the
appendix), so each part is laid out on its own, in another process, as soon as its content is
known: a section's pages are laid out by the worker that computed the section while other
sections are still being computed (see :func:`report.pipeline.compute_and_draw`).

What spans the parts is left to a light *frame* document (``templates/brief_frame.html.j2``):
one empty page for every page of the parts, carrying that page's anchors, links and bookmarks at
the same positions; the summary with the contents, laid out in the frame itself so that the page
numbers of the contents come from WeasyPrint's ``target-counter``; the running header and footer
with "Page x of y"; and the document's metadata. Each part page is then drawn onto its frame page
as a form XObject (:func:`assemble`): its text, fonts and images unchanged, above the frame's paper,
header and footer. The reader gets one PDF, as if laid out in one piece.
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
    "Part",
    "appendix_parts",
    "assemble",
    "brief_parts",
    "cover_part",
    "lay_out",
    "lay_out_summary",
    "part_names",
    "render_brief_pdf",
    "section_part",
    "summary_part",
]

#: the appendix's parts, in order
APPENDIX_PARTS = ("methods", "provenance", "records")
#: CSS pixels per millimetre (96 px to the inch)
_PX_PER_MM = 96 / 25.4


@dataclass(frozen=True)
class Part:
    """One part of the PDF: a name, the running-header title from its first page on (None keeps
    the title of the pages before), the HTML laid out alone and its stylesheet (the same for
    every part but the cover, so a process parses it once)."""

    name: str
    title: str | None
    html: str
    css: str = ""


@dataclass(frozen=True)
class PageMarks:
    """What a laid-out page holds that the frame document must carry: anchors ``(id, x, y)``,
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


def _part(name: str, title: str | None, meta: Mapping[str, Any], theme: Theme, **part: Any) -> Part:
    html = render_template("brief_part.html.j2", meta=meta, part=part)
    return Part(name, title, html, brief_css(meta, theme, layer="cover" if part["kind"] == "cover" else "part"))


def cover_part(context: Mapping[str, Any], theme: Theme) -> Part:
    """The cover with the verdict board (no running header)."""
    return _part("cover", None, context["meta"], theme, kind="cover", cover=context["cover"])


def section_part(meta: Mapping[str, Any], section: Mapping[str, Any], theme: Theme) -> Part:
    """One section, from its context (:func:`report.assemble.section_context`)."""
    return _part(f"section:{section['id']}", f"{section['number']}. {section['title']}", meta, theme,
                 kind="section", section=section)


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
    with weasy_document(part.html, css=part.css or None) as doc:
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


# --- the frame and the assembly ---------------------------------------------------------------------


def _frame_pages(laid: Sequence[LaidOutPart], *, targets: set[str]) -> list[dict[str, Any]]:
    """The frame's empty pages standing for the pages of ``laid``, with their marks moved from the
    page's corner to the content box's (where a frame page's marks are positioned). Of the anchors,
    only the ``targets`` of some link are kept."""
    top, _, _, left = (m * _PX_PER_MM for m in PAGE_MARGINS_MM)
    out = []
    for part in laid:
        for j, marks in enumerate(part.pages):
            out.append({
                "id": _frame_id(part.name, j), "first": not out,
                "anchors": [{"id": a, "x": round(x - left, 3), "y": round(y - top, 3)}
                            for a, x, y in marks.anchors if a in targets],
                "links": [{"href": h, "x": round(x - left, 3), "y": round(y - top, 3), "w": round(w, 3),
                           "h": round(hgt, 3)} for h, x, y, w, hgt in marks.links],
                "bookmarks": [{"level": lv, "label": lb, "x": round(x - left, 3), "y": round(y - top, 3), "state": st}
                              for lv, lb, x, y, st in marks.bookmarks],
            })
    return out


def _frame_id(name: str, page: int) -> str:
    return f"mb-frame-{name.replace(':', '-')}-{page + 1}"


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
    > 1; the summary here, once the cover's length is known), the frame document laid out around
    them, and the two put together."""
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
    targets = {h[1:] for part in ordered for marks in part.pages for h, *_ in marks.links if h.startswith("#")}
    html = render_template("brief_frame.html.j2", meta=context["meta"], pages=_frame_pages(ordered, targets=targets))
    with weasy_document(html, css=brief_css(context["meta"], theme, layer="frame")) as doc:
        placement = _placement({name: i for i, page in enumerate(doc.pages) for name in page.anchors}, ordered,
                               len(doc.pages))
        frame_pdf = write_pdf(doc)
    return assemble(frame_pdf, [p.pdf for p in ordered], placement)


def _placement(where: Mapping[str, int], ordered: Sequence[LaidOutPart], n_pages: int) -> dict[int, tuple[int, int]]:
    """Frame page of every part page, ``{frame page: (part, page)}``, from the pages on which the
    frame's page markers (``where``: anchor to page) landed: one frame page each, none left over."""
    placement: dict[int, tuple[int, int]] = {}
    for k, part in enumerate(ordered):
        for j in range(len(part.pages)):
            i = where.get(_frame_id(part.name, j))
            if i is None or i in placement:
                raise RenderError(f"PDF assembly: page {j + 1} of part {part.name!r} has no page of its own "
                                  "in the frame document")
            placement[i] = (k, j)
    if len(placement) != n_pages:
        raise RenderError("PDF assembly: the frame document has pages that stand for no part's page")
    return placement


def assemble(frame_pdf: bytes, parts: Sequence[bytes], placement: Mapping[int, tuple[int, int]]) -> bytes:
    """Draw page ``j`` of ``parts[k]`` onto page ``i`` of the frame for every ``i: (k, j)`` of
    ``placement``: the part page becomes a form XObject (its content stream, still compressed,
    and its resources) painted after the frame page's own content, whose graphics state is saved
    and restored around it. Annotations (links), the outline and metadata are the frame's."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        StreamObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(frame_pdf)))
    readers = [PdfReader(io.BytesIO(pdf)) for pdf in parts]

    def add_stream(data: bytes) -> Any:
        s = DecodedStreamObject()
        s.set_data(data)
        return writer._add_object(s)

    for i, (k, j) in sorted(placement.items()):
        src = readers[k].pages[j]
        contents = src.get("/Contents")
        if contents is not None and isinstance(contents.get_object(), StreamObject):
            form_ref = contents.clone(writer, force_duplicate=True).indirect_reference
            form = form_ref.get_object()
        else:  # several content streams (or none): joined into one
            data = src.get_contents().get_data() if contents is not None else b""
            form = DecodedStreamObject()
            form.set_data(data)
            form_ref = writer._add_object(form)
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject([FloatObject(v) for v in src.mediabox])
        if "/Resources" in src:
            form[NameObject("/Resources")] = src["/Resources"].clone(writer)
        page = writer.pages[i]
        resources = page["/Resources"].get_object() if "/Resources" in page else DictionaryObject()
        page[NameObject("/Resources")] = resources
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        name = f"/MbPart{i + 1}"
        resources["/XObject"].get_object()[NameObject(name)] = form_ref
        own = page.get("/Contents")
        own = list(own.get_object()) if own is not None and isinstance(own.get_object(), ArrayObject) else \
            ([own] if own is not None else [])
        page[NameObject("/Contents")] = ArrayObject([add_stream(b"q\n"), *own,
                                                    add_stream(f"\nQ\nq {name} Do Q\n".encode("ascii"))])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
