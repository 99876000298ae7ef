"""Formatting filters, the LaTeX escaper and the CSS string escaper, against hand-written output."""

from __future__ import annotations

import subprocess
from datetime import date, datetime

import pytest
from _system import require_tool

from report.formatting import evidence_value, fmt_cell, fmt_date, format_value
from report.latex import tex_escape
from report.render import css_string
from report.sections.base import FORMATS, cell

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "fmt", "digits", "expected"),
    [
        (4.2, "pct", None, "4.20%"),
        (-0.125, "pct", 1, MINUS + "0.1%"),  # round half to even on the binary value 0.125
        (3.14159, "num", None, "3.14"),
        (1234567.891, "num", 1, "1,234,567.9"),
        (12.4, "bp", None, "+12 bp"),
        (-12.6, "bp", None, MINUS + "13 bp"),
        (0.2, "bp", None, "0 bp"),  # rounds to zero: no sign, no minus
        (-3.14, "spct", None, MINUS + "3.1%"),
        (2.0, "spct", None, "+2.0%"),
        (0.25, "pp", None, "+0.25 pp"),
        (0.634, "share", None, "63%"),
        (1.0, "share", 1, "100.0%"),
        (-0.4234, "corr", None, MINUS + "0.42"),
        (1.5, "x", None, "1.50\u00d7"),
        (1234.4, "usd_bn", None, "$1,234 bn"),
        (-2.5, "usd_tn", None, "$" + MINUS + "2.50 tn"),
        (12.0, "days", None, "12 d"),
        (7.25, "years", None, "7.2 y"),  # 7.25 is exact in binary: half to even
        (3.6, "int", None, "4"),
        (101.26, "index", None, "101.3"),
        (None, "pct", None, "\u2013"),
        (float("nan"), "bp", None, "\u2013"),
        (float("inf"), "num", None, "\u2013"),
        ("inverted", "state", None, "inverted"),
        (date(2025, 4, 11), "date", None, "2025-04-11"),
    ],
)
def test_format_value_by_name(value, fmt, digits, expected):
    assert format_value(value, fmt, digits) == expected


def test_every_cell_format_is_known_to_the_formatter():
    for fmt in FORMATS:
        format_value(1.0 if fmt not in ("date", "text", "state") else "x", fmt)  # no KeyError
    with pytest.raises(ValueError, match="fmt must be one of"):
        cell(1.0, "percent")


def test_cell_and_evidence_and_dates():
    assert fmt_cell(cell(4.567, "pct", digits=1)) == "4.6%"
    assert evidence_value({"value": -25.0, "unit": "bp"}) == MINUS + "25 bp"
    assert evidence_value({"value": 0.31, "unit": "share"}) == "31%"
    assert evidence_value({"value": 12, "unit": "count"}) == "12"
    assert evidence_value({"value": "steepening", "unit": "text"}) == "steepening"
    assert fmt_date(date(2025, 4, 11), "long") == "11 April 2025"
    assert fmt_date(datetime(2025, 1, 3, 9, 0), "short") == "3 Jan 2025"
    assert fmt_date("2024-02-29T10:00:00") == "2024-02-29"
    assert fmt_date(None) == "\u2013"


@pytest.mark.parametrize(
    ("raw", "tex"),
    [
        ("50% & $5", r"50\% \& \$5"),
        ("a_b #1 {x}", r"a\_b \#1 \{x\}"),
        ("~^\\", r"\textasciitilde{}\textasciicircum{}\textbackslash{}"),
        ("<b>", r"\textless{}b\textgreater{}"),
        (MINUS + "3.1%", r"\textminus{}3.1\%"),
        ("1w \u2192 4w \u2013 \u00b1", r"1w \textrightarrow{} 4w \textendash{} \textpm{}"),
        ("\u0394 1y", r"\ensuremath{\Delta} 1y"),
        ("caf\u00e9 Z\u00fcrich", "caf\u00e9 Z\u00fcrich"),  # Latin-1 letters pass through (T1 fonts)
        ("\u65e5\u672c", "??"),  # no glyph in the TeX setup: replaced, never a compile error
        ("line\nbreak", "line break"),
    ],
)
def test_tex_escape(raw, tex):
    assert tex_escape(raw) == tex


def test_css_string_cannot_close_the_string_or_the_style_element():
    out = css_string('Desk "A" </style><script>\\')
    assert '"' not in out and "<" not in out and ">" not in out
    assert out == r"Desk \22 A\22  \3c /style\3e \3c script\3e \5c "


@pytest.mark.slow
def test_escaped_specials_compile_with_pdflatex(tmp_path):
    """Every escaped special character typesets: pdflatex accepts the document."""
    require_tool("pdflatex")
    body = tex_escape('All: \\ { } $ & # % _ ^ ~ < > | " \u2212 \u2013 \u2014 \u00b1 \u00d7 \u2192 \u203a \u00b7 \u2026 '
                      '\u00b0 \u20ac \u00a3 \u0394 \u2264 \u2265 \u2713 \u2191 \u03c3 \u2018q\u2019 \u201cqq\u201d \u65e5 caf\u00e9')
    doc = ("\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage[utf8]{inputenc}\\usepackage{lmodern}"
           "\\usepackage{textcomp}\\usepackage{amssymb}\\begin{document}" + body + "\\end{document}\n")
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
