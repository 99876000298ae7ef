"""LaTeX source of the brief (``--format tex``): the same context and the same blocks as the
HTML, through the templates in ``templates/tex/``.

The TeX environment uses ``<< >>`` for values and ``<% %>`` for statements (TeX itself uses
braces and percent signs). Every value printed from the context is escaped for LaTeX by the
environment's ``finalize`` hook: text from data (series titles, notes, headlines) can hold
``& % $ # _ { } ~ ^ \\`` and typographic Unicode (minus sign, dashes, arrows) without breaking
the document or injecting commands. Template macros return ready TeX and are not escaped again.

The source compiles with pdflatex (T1 fonts, Latin Modern) and with xelatex/lualatex
(fontspec); charts are the PNG files the pipeline writes beside it, ``charts/<id>.png``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from .errors import RenderError
from .formatting import FILTERS
from .render import templates_dir
from .theme import Theme

__all__ = ["tex_escape", "tex_environment", "render_tex", "TEX_REPLACEMENTS"]

#: characters with a meaning in TeX, and typographic Unicode the formatters and prose use
TEX_REPLACEMENTS: Mapping[str, str] = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\textless{}",
    ">": r"\textgreater{}", "|": r"\textbar{}", '"': r"\textquotedbl{}",
    "\u2212": r"\textminus{}", "\u2013": r"\textendash{}", "\u2014": r"\textemdash{}", "\u00b1": r"\textpm{}",
    "\u00d7": r"\texttimes{}", "\u2192": r"\textrightarrow{}", "\u2190": r"\textleftarrow{}",
    "\u203a": r"\guilsinglright{}", "\u2039": r"\guilsinglleft{}", "\u00b7": r"\textperiodcentered{}",
    "\u2026": r"\dots{}", "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,", "\u00b0": r"\textdegree{}",
    "\u20ac": r"\texteuro{}", "\u00a3": r"\pounds{}", "\u00a5": r"\textyen{}", "\u00a7": r"\S{}",
    "\u2018": "`", "\u2019": "'", "\u201c": "``", "\u201d": "''", "\u2022": r"\textbullet{}",
    "\u0394": r"\ensuremath{\Delta}", "\u03c3": r"\ensuremath{\sigma}", "\u03bc": r"\ensuremath{\mu}",
    "\u03b2": r"\ensuremath{\beta}", "\u03b1": r"\ensuremath{\alpha}", "\u2264": r"\ensuremath{\leq}",
    "\u2265": r"\ensuremath{\geq}", "\u2248": r"\ensuremath{\approx}", "\u2260": r"\ensuremath{\neq}",
    "\u221a": r"\ensuremath{\surd}", "\u2032": r"\ensuremath{'}", "\u2191": r"\ensuremath{\uparrow}",
    "\u2193": r"\ensuremath{\downarrow}", "\u2713": r"\ensuremath{\checkmark}",
    "\n": " ", "\r": " ", "\t": " ",
}
_SPECIAL = re.compile("[" + re.escape("".join(TEX_REPLACEMENTS)) + "]")
_NOT_PLAIN = re.compile(r"[^\x20-\x7e]")


def _fallback(ch: str) -> str:
    """A character pdflatex's T1/utf8 setup has no glyph for: its ASCII decomposition or '?'."""
    code = ord(ch)
    if 0xA0 <= code <= 0x17F:  # Latin-1 supplement and Latin Extended-A: T1 fonts have them
        return ch
    if unicodedata.category(ch).startswith(("C", "Z")):
        return " "
    ascii_ = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
    return tex_escape(ascii_) if ascii_ else "?"


def tex_escape(text: Any) -> str:
    """``text`` as LaTeX that prints it literally (specials escaped, Unicode mapped)."""
    s = str(text)
    s = _SPECIAL.sub(lambda m: TEX_REPLACEMENTS[m.group(0)], s)
    return _NOT_PLAIN.sub(lambda m: _fallback(m.group(0)), s) if _NOT_PLAIN.search(s) else s


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(tex_escape(value))


def _hexcolor(value: str) -> Markup:
    """``#0b3d6b`` -> ``0B3D6B`` for ``\\definecolor{..}{HTML}{..}`` (theme colours are validated hex)."""
    v = str(value).lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", v):
        raise RenderError(f"theme colour {value!r} is not a hex colour like #0b3d6b")
    return Markup(v.upper())


def _colname(value: str) -> Markup:
    """A tone or state name as a TeX colour name (letters only)."""
    return Markup("tone" + re.sub(r"[^a-z]", "", str(value).lower()))


def _texpath(value: str) -> Markup:
    """A relative file path for ``\\includegraphics``: letters, digits, ``_ . - /`` only, unescaped
    (TeX reads file names literally)."""
    v = str(value)
    if not re.fullmatch(r"[A-Za-z0-9_./-]+", v) or ".." in v or v.startswith("/"):
        raise RenderError(f"chart file {v!r}: chart ids may use letters, digits, '_', '-' and '.' only")
    return Markup(v)


def _tex_join(items: Any, sep: str = ", ") -> Markup:
    return Markup(tex_escape(sep).join(tex_escape(i) for i in items))


@lru_cache(maxsize=1)
def tex_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "tex")),
        block_start_string="<%", block_end_string="%>",
        variable_start_string="<<", variable_end_string=">>",
        comment_start_string="<#", comment_end_string="#>",
        autoescape=True,  # makes macro output Markup, so finalize leaves it alone
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters.update({"hexcolor": _hexcolor, "colname": _colname, "tjoin": _tex_join, "tex": tex_escape,
                        "texpath": _texpath})
    return env


def render_tex(context: Mapping[str, Any], theme: Theme) -> str:
    """The brief as one LaTeX document (charts referenced as ``charts/<id>.png``)."""
    env = tex_environment()
    paper = {"A4": "a4paper", "Letter": "letterpaper"}[context["meta"]["page_size"]]
    try:
        return env.get_template("brief.tex.j2").render(**context, theme=theme, paper=paper)
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template tex/brief.tex.j2: missing context value ({exc})") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"template tex/brief.tex.j2: {exc}") from None
