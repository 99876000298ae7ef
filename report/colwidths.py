"""Column widths of the brief's tables in print, measured here instead of by WeasyPrint.

WeasyPrint's automatic table layout measures every cell's text several times (its narrowest
and widest forms) before it lays a row out; for the sections' data tables and the verdicts'
evidence tables that is a twelfth of their layout time. When a table's cells fit the page's
width unwrapped, the automatic layout gives each column its widest cell, and a table as wide as
the page shares what is left in proportion to those widths. :func:`print_widths` (data tables)
and :func:`evidence_widths` work that out from the cells' texts and the font's metrics, and the
PDF's section parts set those widths with a fixed layout; a table that would wrap keeps the
automatic layout, which balances the wrapping. The widths come out as the automatic layout's to
a fraction of a point (tested against it); chunks of one long table share them.

The measures mirror the stylesheet (``templates/brief.css.j2``): table type size, cell padding,
bold cells and the state badges' type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from .formatting import evidence_value, fmt_cell, fmt_date
from .render import PAGE_MARGINS_MM
from .theme import Theme

__all__ = ["evidence_widths", "print_widths"]

#: page widths (mm) of the configuration's page sizes
PAGE_WIDTH_MM = {"A4": 210.0, "Letter": 215.9}
#: type size of a table, and of a wide one (over six columns), in ems of the body's
TABLE_EM, WIDE_TABLE_EM = 0.86, 0.76
#: horizontal padding of a cell on each side (pt), in a table and in a wide one
CELL_PAD_PT, WIDE_CELL_PAD_PT = 5.0, 3.0
#: a state badge: type size (ems of the cell's), padding each side (pt), letter spacing (ems)
BADGE_EM, BADGE_PAD_PT, BADGE_SPACING_EM = 0.8, 5.0, 0.03
#: a verdict's evidence table: type size (ems of the body's), horizontal padding of its label,
#: value and date cells (pt, both sides), and the card's padding and left border (pt)
EVIDENCE_EM, EVIDENCE_PAD_PT, CARD_INSET_PT = 0.86, (10.0, 12.0, 12.0), 2 * 9.0 + 3.5
#: room added to each measured column of an evidence table, which is as wide as its columns:
#: a label measured a hair short would wrap
EVIDENCE_SLACK_PT = 0.5
#: columns wider than the page's width times this keep the automatic layout (a margin for
#: measures that differ from the engine's by rounding)
FIT = 0.97


class _Face:
    """One font at one size: the width of a line of text from its glyphs' unhinted advances and
    the font's kerning pairs (as a shaper sets plain Latin text), each glyph looked up once."""

    def __init__(self, font: Any, size_pt: float) -> None:
        from matplotlib.ft2font import Kerning, LoadFlags

        font.set_size(size_pt, 72)
        self._font, self._flags, self._kerning = font, LoadFlags.NO_HINTING, Kerning.UNFITTED
        self._glyphs: dict[str, tuple[int, float]] = {}

    def width(self, text: str) -> float:
        total, previous = 0.0, None
        for ch in text:
            glyph = self._glyphs.get(ch)
            if glyph is None:
                index = self._font.get_char_index(ord(ch))
                advance = self._font.load_char(ord(ch), flags=self._flags).linearHoriAdvance / 65536
                glyph = self._glyphs[ch] = (index, advance)
            if previous is not None:
                total += self._font.get_kerning(previous, glyph[0], self._kerning) / 64
            total += glyph[1]
            previous = glyph[0]
        return total


@lru_cache(maxsize=16)
def _face(family: str, bold: bool, size_pt: float) -> _Face | None:
    """``family`` (bold or regular) at ``size_pt``, or None when matplotlib's font list does not
    hold that family (its measures would be another font's)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    try:
        path = font_manager.findfont(font_manager.FontProperties(family=family, weight="bold" if bold else "normal"),
                                     fallback_to_default=False)
        font = FT2Font(path)
    except (ValueError, OSError, RuntimeError):
        return None
    return _Face(font, size_pt) if font.family_name.lower() == family.lower() else None


def _text_pt(text: str, family: str, size_pt: float, bold: bool) -> float | None:
    """The width of ``text`` set in one line, or None without the font."""
    face = _face(family, bold, size_pt)
    return None if face is None else face.width(text)


def _content_width_pt(page_size: str) -> float:
    """The width of the page's content box (pt)."""
    return (PAGE_WIDTH_MM[page_size] - PAGE_MARGINS_MM[1] - PAGE_MARGINS_MM[3]) * 72 / 25.4


def print_widths(block: Mapping[str, Any], theme: Theme, page_size: str) -> list[float] | None:
    """The widths, in percent of the table's, of a data table's columns but the last (which takes
    the rest) when its cells fit the page unwrapped; None when the table keeps the automatic
    layout (too wide to fit unwrapped, or a font this process cannot measure).

    ``block`` is a table block (:func:`report.sections.base.table`).
    """
    columns: Sequence[str] = block["columns"]
    rows: Sequence[Sequence[Mapping[str, Any]]] = block["rows"]
    if len(columns) < 2 or page_size not in PAGE_WIDTH_MM:
        return None
    wide = len(columns) > 6
    family = str(theme.fonts["family"])
    size = float(theme.fonts["body_pt"]) * (WIDE_TABLE_EM if wide else TABLE_EM)
    pad = 2 * (WIDE_CELL_PAD_PT if wide else CELL_PAD_PT)
    bold_tones = set(theme.states) | {"warn"}
    widest = [0.0] * len(columns)

    def take(i: int, width: float | None) -> bool:
        if width is None:
            return False
        widest[i] = max(widest[i], width + pad)
        return True

    for i, name in enumerate(columns):  # the headings, in bold
        if not take(i, _text_pt(str(name), family, size, True)):
            return None
    for row in rows:
        for i, c in enumerate(row):
            text = fmt_cell(c)
            label = i == 0 and block.get("first_col_label", True)  # the row's label, in bold
            if c.get("f") == "state" and not label:  # a badge: smaller bold capitals, spaced, with padding
                upper = text.upper()
                w = _text_pt(upper, family, size * BADGE_EM, True)
                w = None if w is None else w + len(upper) * BADGE_SPACING_EM * size * BADGE_EM + 2 * BADGE_PAD_PT
            else:
                w = _text_pt(text, family, size, label or c.get("tone") in bold_tones)
            if not take(i, w):
                return None
    page_pt = _content_width_pt(page_size)
    total = sum(widest)
    if total > page_pt * FIT or total <= 0:
        return None
    # the automatic layout's share: each column its widest cell and a part of the rest in
    # proportion; a cell's width property is its content's, without the padding
    return [round(100 * (w / total - pad / page_pt), 3) for w in widest[:-1]]


def evidence_widths(evidence: Sequence[Mapping[str, Any]], theme: Theme, page_size: str) -> list[float] | None:
    """A verdict's evidence table (label, value, date; as wide as its content) measured for a
    fixed layout: the content widths of its label and value columns and the table's width (pt),
    the date column taking the rest; None when it keeps the automatic layout."""
    if not evidence or page_size not in PAGE_WIDTH_MM:
        return None
    family = str(theme.fonts["family"])
    size = float(theme.fonts["body_pt"]) * EVIDENCE_EM
    widest = [0.0, 0.0, 0.0]
    for e in evidence:
        texts = (str(e.get("label", "")), evidence_value(e), fmt_date(e["as_of"]) if e.get("as_of") else "")
        for i, text in enumerate(texts):
            w = _text_pt(text, family, size, False)
            if w is None:
                return None
            widest[i] = max(widest[i], w + EVIDENCE_SLACK_PT * (i < 2))
    page_pt = _content_width_pt(page_size)
    total = sum(widest) + sum(EVIDENCE_PAD_PT)
    if total > (page_pt - CARD_INSET_PT) * FIT:
        return None
    return [round(widest[0], 3), round(widest[1], 3), round(total, 3)]
