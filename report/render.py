"""Rendering: the brief context through Jinja2 templates to HTML, PDF (WeasyPrint) and LaTeX.

Templates get plain data and format it with the filters of :mod:`report.formatting`; they do
no arithmetic. ``StrictUndefined`` turns a missing context value into an error. HTML output
is autoescaped. WeasyPrint renders the same HTML with print CSS and may fetch nothing but
``data:`` URIs, files under the templates folder or the build folder, and the chart images it is
given.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import logging
import struct
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .errors import RenderError
from .formatting import FILTERS
from .theme import Theme

__all__ = [
    "BRIEF_TEMPLATES",
    "IMAGE_SCHEME",
    "PAGE_MARGINS_MM",
    "RestrictedFetcher",
    "compile_templates",
    "html_environment",
    "image_uri",
    "leave_documents_to_exit",
    "png_data_uri",
    "render_css",
    "render_html",
    "render_pdf",
    "stylesheet",
    "warm_up",
    "weasy_document",
]

#: page margins, top, right, bottom, left (mm): the stylesheet's and the PDF assembly's
PAGE_MARGINS_MM = (20, 16, 18, 16)


def templates_dir() -> Path:
    return Path(str(resources.files("templates")))


@lru_cache(maxsize=1)
def html_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters["css_quote"] = lambda text: '"' + css_string(str(text)) + '"'
    return env


def png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def css_string(text: str) -> str:
    """``text`` escaped for the inside of a double-quoted CSS string placed in a ``<style>``
    element: backslash, quote, angle brackets and line breaks become CSS hex escapes."""
    out = []
    for ch in text:
        if ch in '\\"<>&' or ch in "\n\r\f" or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def render_css(theme: Theme, *, page_size: str, footer: str, header: str = "", sample: bool = False,
               layer: str = "whole") -> str:
    """The stylesheet for one brief (page size, running header and footer texts, escaped with
    :func:`css_string`, and SAMPLE marking filled in).

    ``layer`` is ``"whole"`` for the brief as one document, ``"part"`` (``"cover"`` for the cover)
    for a part of the PDF laid out alone (no margin boxes) or ``"margins"`` for the sheet of margin
    texts the PDF's assembly stamps on the parts' pages (see :mod:`report.paged`).
    """
    env = html_environment()
    try:
        return env.get_template("brief.css.j2").render(theme=theme, page_size=page_size, footer=footer, header=header,
                                                       sample=sample, layer=layer, margins_mm=PAGE_MARGINS_MM)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template brief.css.j2: {exc}") from None


def brief_css(meta: Mapping[str, Any], theme: Theme, *, layer: str = "whole") -> str:
    """:func:`render_css` for the brief described by ``meta`` (the context's ``meta``)."""
    footer = f"{meta['desk']} · Edition {meta['edition']}" + (" · SAMPLE — not for distribution" if meta["sample"] else "")
    return render_css(theme, page_size=meta["page_size"], footer=css_string(footer),
                      header=css_string(f"{meta['title']} · {meta['edition']}"), sample=bool(meta["sample"]), layer=layer)


#: the templates a brief is rendered with (compiled before the build's workers are forked)
BRIEF_TEMPLATES = ("brief.html.j2", "brief_part.html.j2", "_blocks.html.j2", "_parts.html.j2", "brief.css.j2")


def compile_templates(names: Iterable[str] = BRIEF_TEMPLATES) -> None:
    """Compile templates now (about 0.15 s for the brief's), so that processes forked afterwards
    inherit them compiled instead of each compiling them again."""
    env = html_environment()
    for name in names:
        try:
            env.get_template(name)
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {name}: {exc}") from None


def render_template(name: str, **values: Any) -> str:
    """An HTML template rendered with ``values``; template errors become :class:`RenderError`."""
    try:
        return html_environment().get_template(name).render(**values)
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template {name}: missing context value ({exc})") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from None


def render_html(context: Mapping[str, Any], theme: Theme) -> str:
    """The self-contained HTML brief (CSS and charts inline)."""
    return render_template("brief.html.j2", **context, css=brief_css(context["meta"], theme), theme=theme)


#: the URL scheme of images handed to :func:`weasy_document` by name (``mb-image:<name>``)
IMAGE_SCHEME = "mb-image"


def image_uri(name: str) -> str:
    """The URL under which :func:`weasy_document` serves the image ``name`` from its ``images``."""
    from urllib.parse import quote

    return f"{IMAGE_SCHEME}:{quote(name, safe='')}"


class RestrictedFetcher:
    """WeasyPrint URL fetcher that serves ``data:`` URIs, files under ``roots`` and the PNG
    images in ``images`` (as :func:`image_uri`) only.

    Anything else (http, https, files elsewhere, unknown images) is refused and recorded in
    ``refused``.
    """

    def __init__(self, roots: Iterable[Path], images: Mapping[str, bytes] | None = None) -> None:
        from weasyprint.urls import URLFetcher

        self._inner = URLFetcher(allowed_protocols=("data", "file"), timeout=5)
        self._fail_on_errors = False
        self.roots = [Path(r).resolve() for r in roots]
        self.images = images or {}
        self.refused: list[str] = []

    def __call__(self, url: str):
        from urllib.parse import unquote, urlparse

        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return self._inner.fetch(url)
        if scheme == IMAGE_SCHEME and (name := unquote(url[len(IMAGE_SCHEME) + 1:])) in self.images:
            from weasyprint.urls import URLFetcherResponse

            return URLFetcherResponse(url, body=self.images[name], headers={"Content-Type": "image/png"})
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(r) for r in self.roots):
                return self._inner.fetch(url)
        self.refused.append(url)
        raise ValueError(f"refused to fetch {url} while rendering (only inline data and template files)")


def _png_idat(image: Any) -> bytes | None:
    """The IDAT data of a PNG opened by Pillow (read from its still-open file), when the PDF can
    take it as it is: 8-bit RGB or grey, not interlaced; else None."""
    fp = getattr(image, "fp", None)
    if getattr(image, "format", None) != "PNG" or image.mode not in ("RGB", "L") or not hasattr(fp, "getvalue"):
        return None
    data = fp.getvalue()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    depth, colour, _, _, interlace = data[24:29]
    if depth != 8 or colour not in (0, 2) or interlace != 0 or colour != (2 if image.mode == "RGB" else 0):
        return None
    out, pos = [], 8
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            out.append(data[pos + 8:pos + 8 + length])
        elif kind == b"IEND":
            break
        pos += 12 + length
    return b"".join(out) or None


def _pass_png_through(engine: Any) -> None:
    """Let WeasyPrint embed the brief's PNG charts without decoding and deflating them again.

    To embed a PNG, WeasyPrint decodes it and has Pillow write it again only to take the IDAT
    data (``images.RasterImage._get_png_data``), about 20 ms per chart. For an 8-bit RGB or grey,
    non-interlaced PNG (the charts), the IDAT data of the file itself is what a PDF image with
    FlateDecode and PNG predictors expects, so it is taken as it is; any other image goes the
    library's way. Installed once, on first use of WeasyPrint.
    """
    images = getattr(engine, "images", None)
    raster = getattr(images, "RasterImage", None)
    original = getattr(raster, "_get_png_data", None)
    if original is None or getattr(original, "macrobrief_passthrough", False):
        return

    def get_png_data(pillow_image: Any) -> bytes:
        data = _png_idat(pillow_image)
        return data if data is not None else original(pillow_image)

    get_png_data.macrobrief_passthrough = True  # type: ignore[attr-defined]
    raster._get_png_data = staticmethod(get_png_data)


class _OpenArrays:
    """cffi's ``ffi`` as WeasyPrint's font subsetting sees it: ``new("T[n]", items)`` with as many
    items as ``n`` becomes ``new("T[]", items)``, the same array.

    cffi parses each C type it has not seen, through pycparser (a few milliseconds), and the
    subsetting asks for arrays typed by their length (``hb_codepoint_t[157]``, as many types as
    there are glyph counts): about 0.2 s of parsing per brief, spread over the parts. The open
    array type is parsed once. Everything else goes to ``ffi`` unchanged.
    """

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)

    def new(self, cdecl: Any, init: Any = None) -> Any:
        if init is not None and isinstance(cdecl, str) and cdecl.endswith("]"):
            head, _, size = cdecl[:-1].rpartition("[")
            if size.isdigit() and head and int(size) == len(init):
                cdecl = head + "[]"
        return self._ffi.new(cdecl, init)


def _subset_with_open_arrays(engine: Any) -> None:
    """Give WeasyPrint's font subsetting :class:`_OpenArrays` (installed once, on first use)."""
    fonts = getattr(getattr(engine, "pdf", None), "fonts", None)
    ffi = getattr(fonts, "ffi", None)
    if ffi is not None and not isinstance(ffi, _OpenArrays):
        fonts.ffi = _OpenArrays(ffi)


@contextmanager
def _libraries_by_file_name() -> Iterator[None]:
    """While WeasyPrint loads GObject, Pango, HarfBuzz and fontconfig (Linux): no library search.

    WeasyPrint tries several names for each library (``libpango-1.0-0``, ``pango-1.0-0``, ...,
    ``libpango-1.0.so.0``), and cffi answers every name the dynamic loader does not know by
    :func:`ctypes.util.find_library`, which on Linux runs ldconfig, gcc and ld: 20-35 ms a name,
    about 0.45 s for the 22 names a Debian system goes through. The libraries' own file names come
    later in each list, and the dynamic loader finds those itself (its cache, the system folders,
    ``LD_LIBRARY_PATH``). So the search answers "not found" meanwhile, and WeasyPrint's output is
    held back: if a library cannot be loaded this way, the import is tried again normally.
    """
    import ctypes.util
    import io
    import sys

    searching = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    held = io.StringIO()
    saved = sys.stdout
    sys.stdout = held  # WeasyPrint prints its installation hints there before it gives up
    try:
        yield
    finally:
        sys.stdout = saved
        ctypes.util.find_library = searching


def _import_weasyprint() -> Any:
    import sys

    if "weasyprint" not in sys.modules and sys.platform.startswith("linux"):
        try:
            with _libraries_by_file_name():
                import weasyprint
            return weasyprint
        except OSError:  # a library known by another name here: forget the half-done import
            for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
    import weasyprint

    return weasyprint


def _engine() -> Any:
    """WeasyPrint, imported once (and taught to pass the charts' PNG data through)."""
    try:
        weasyprint = _import_weasyprint()
    except OSError as exc:  # missing Pango/HarfBuzz system libraries
        raise RenderError(f"WeasyPrint cannot load its system libraries ({exc}); install Pango") from None
    import weasyprint.images
    import weasyprint.pdf.fonts

    _pass_png_through(weasyprint)
    _subset_with_open_arrays(weasyprint)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint


#: what this process keeps between the documents it lays out (forked workers inherit it): one
#: font configuration, so fonts are found and loaded once, and stylesheets parsed once each
_KEPT: dict[str, Any] = {"stylesheets": {}, "collect": True}


def leave_documents_to_exit() -> None:
    """For a process that lays out a few documents and then exits (a build's forked workers): the
    cyclic garbage a laid-out document leaves (WeasyPrint's boxes and styles, 10-60 thousand
    objects a part) is set aside with the rest of the heap when its layout ends (:func:`gc.freeze`)
    instead of being collected. The collector's first pass after a layout would traverse all of
    it, about 15 ms a part, to free a few MB that the exit frees anyway (some 5 MB a part stay)."""
    _KEPT["collect"] = False


def _font_config() -> Any:
    if "fonts" not in _KEPT:
        from weasyprint.text.fonts import FontConfiguration

        _KEPT["fonts"] = FontConfiguration()
    return _KEPT["fonts"]


def stylesheet(css: str) -> Any:
    """``css`` parsed by WeasyPrint, once per process (kept, a few at a time, by their text)."""
    kept = _KEPT["stylesheets"]
    key = hashlib.sha256(css.encode("utf-8")).hexdigest()
    if key not in kept:
        weasyprint = _engine()
        fetcher = RestrictedFetcher([templates_dir()])
        try:
            sheet = weasyprint.CSS(string=css, base_url=str(templates_dir()), url_fetcher=fetcher,
                                   font_config=_font_config())
        except Exception as exc:  # WeasyPrint raises assorted errors on bad input
            raise RenderError(f"stylesheet: {type(exc).__name__}: {exc}") from None
        _check_fetches(fetcher)
        if len(kept) >= 8:
            kept.pop(next(iter(kept)))
        kept[key] = sheet
    return kept[key]


def warm_up(css: Iterable[str] = ()) -> None:
    """Import WeasyPrint, load the fonts and parse the stylesheets ``css`` now, and lay out a line
    of text (so that processes forked afterwards inherit a ready engine)."""
    sheets = list(css)
    with weasy_document("<p>macrobrief 0123456789</p>", css=sheets[0] if sheets else None) as doc:
        write_pdf(doc)
    for s in sheets[1:]:
        stylesheet(s)


@contextmanager
def weasy_document(html: str, *, base_dir: Path | None = None, css: str | None = None,
                   images: Mapping[str, bytes] | None = None) -> Iterator[Any]:
    """WeasyPrint's laid-out document of ``html`` (print media), with the fetcher restricted;
    ``css``, when given, is a stylesheet applied to it (parsed once per process, see
    :func:`stylesheet`) beside any in the HTML; ``images`` are PNGs the HTML refers to by
    :func:`image_uri` (spared the parsing of their text as ``data:`` URIs).

    Use the document (its pages, ``write_pdf``) inside the ``with`` block: the cyclic garbage
    collector is paused meanwhile (WeasyPrint allocates millions of short-lived objects, and with
    the build's data in memory the collector would rescan that heap again and again). WeasyPrint's
    errors, and any reference to a resource outside the allowed ones, become :class:`RenderError`.
    """
    weasyprint = _engine()
    sheets = [stylesheet(css)] if css else []
    roots = [templates_dir()] + ([base_dir] if base_dir else [])
    fetcher = RestrictedFetcher(roots, images)
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        try:
            doc = weasyprint.HTML(string=html, base_url=str(base_dir or templates_dir()), url_fetcher=fetcher,
                                  encoding="utf-8").render(stylesheets=sheets, font_config=_font_config())
        except Exception as exc:  # WeasyPrint raises assorted errors on bad input
            raise RenderError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from None
        _check_fetches(fetcher)
        yield doc
        _check_fetches(fetcher)  # anything fetched while the PDF was written
    finally:
        if gc_was_on:
            if not _KEPT["collect"]:
                gc.freeze()  # the document's cyclic garbage with the rest: see leave_documents_to_exit
            gc.enable()


def _check_fetches(fetcher: RestrictedFetcher) -> None:
    if fetcher.refused:
        raise RenderError(f"the brief referenced external resources: {', '.join(fetcher.refused[:3])}")


def write_pdf(doc: Any) -> bytes:
    """PDF bytes of a document laid out by :func:`weasy_document` (call inside its block)."""
    try:
        return doc.write_pdf()
    except Exception as exc:  # WeasyPrint raises assorted errors on bad input
        raise RenderError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from None


def render_pdf(html: str, *, base_dir: Path | None = None) -> bytes:
    """PDF bytes of the HTML through WeasyPrint (print media), with the fetcher restricted."""
    with weasy_document(html, base_dir=base_dir) as doc:
        return write_pdf(doc)
