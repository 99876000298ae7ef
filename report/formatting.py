"""Formatting filters shared by the HTML and LaTeX templates.

Every number in the brief is formatted here, by the name of its format (``cell(v, "pct")``)
or by a named filter in a template (``{{ x | pct }}``). Missing values print as an en dash.
Negative numbers use the typographic minus sign (U+2212); the LaTeX escaper maps it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

__all__ = ["FILTERS", "fmt_cell", "format_value", "MISSING"]

MISSING = "\u2013"  # en dash
MINUS = "\u2212"


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _fixed(x: float, digits: int, signed: bool = False) -> str:
    s = f"{abs(x):,.{digits}f}"
    if float(s.replace(",", "")) == 0.0:
        return ("\u00b1" if signed and digits else "") + s if signed else s
    if x < 0:
        return MINUS + s
    return ("+" + s) if signed else s


def num(v: Any, digits: int = 2) -> str:
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits)


def signed(v: Any, digits: int = 2) -> str:
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits, signed=True)


def integer(v: Any, digits: int = 0) -> str:
    x = _num(v)
    return MISSING if x is None else _fixed(round(x), 0)


def pct(v: Any, digits: int = 2) -> str:
    """A level in percent: 4.2 -> '4.20%'."""
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits) + "%"


def spct(v: Any, digits: int = 1) -> str:
    """A signed percent change: -3.1 -> '−3.1%'."""
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits, signed=True) + "%"


def pp(v: Any, digits: int = 2) -> str:
    """A change in percentage points."""
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits, signed=True) + " pp"


def bp(v: Any, digits: int = 0) -> str:
    """A value already in basis points, signed: 12.4 -> '+12 bp'."""
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits, signed=True) + " bp"


def ratio(v: Any, digits: int = 2) -> str:
    return num(v, digits)


def corr(v: Any, digits: int = 2) -> str:
    return signed(v, digits)


def share(v: Any, digits: int = 0) -> str:
    """A fraction in [0, 1] as a percent: 0.634 -> '63%'."""
    x = _num(v)
    return MISSING if x is None else _fixed(100.0 * x, digits) + "%"


def times(v: Any, digits: int = 2) -> str:
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits) + "\u00d7"


def usd_bn(v: Any, digits: int = 0) -> str:
    x = _num(v)
    return MISSING if x is None else "$" + _fixed(x, digits) + " bn"


def usd_tn(v: Any, digits: int = 2) -> str:
    x = _num(v)
    return MISSING if x is None else "$" + _fixed(x, digits) + " tn"


def days(v: Any, digits: int = 0) -> str:
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits) + " d"


def years(v: Any, digits: int = 1) -> str:
    x = _num(v)
    return MISSING if x is None else _fixed(x, digits) + " y"


def fmt_date(v: Any, style: str = "iso") -> str:
    if v is None:
        return MISSING
    if isinstance(v, str):
        try:
            v = date.fromisoformat(v[:10])
        except ValueError:
            return v
    if isinstance(v, datetime):
        v = v.date()
    if style == "long":
        return f"{v.day} {v.strftime('%B %Y')}"
    if style == "short":
        return f"{v.day} {v.strftime('%b %Y')}"
    return v.isoformat()


def text(v: Any, digits: int | None = None) -> str:
    return MISSING if v is None else str(v)


_BY_FORMAT: dict[str, tuple[Callable[..., str], int | None]] = {
    "num": (num, 2), "int": (integer, 0), "pct": (pct, 2), "spct": (spct, 1), "pp": (pp, 2), "bp": (bp, 0),
    "ratio": (ratio, 2), "corr": (corr, 2), "share": (share, 0), "usd_bn": (usd_bn, 0), "usd_tn": (usd_tn, 2),
    "index": (num, 1), "x": (times, 2), "days": (days, 0), "years": (years, 1),
}


def format_value(v: Any, fmt: str, digits: int | None = None) -> str:
    """Format one value by the name of its format (see ``report.sections.base.FORMATS``)."""
    if fmt == "date":
        return fmt_date(v)
    if fmt in ("text", "state"):
        return text(v)
    fn, default = _BY_FORMAT[fmt]
    return fn(v, default if digits is None else digits)


def fmt_cell(c: dict[str, Any]) -> str:
    """Format a table cell made by ``report.sections.base.cell``."""
    return format_value(c.get("v"), c.get("f", "num"), c.get("d"))


def evidence_value(e: dict[str, Any]) -> str:
    """Format a verdict's evidence item by its unit."""
    unit = e.get("unit", "")
    v = e.get("value")
    if unit == "text" or isinstance(v, str):
        return text(v)
    table = {"percent": "pct", "pp": "pp", "bp": "bp", "ratio": "ratio", "corr": "corr", "share": "share",
             "usd_bn": "usd_bn", "usd_tn": "usd_tn", "days": "days", "years": "years", "index": "index",
             "count": "int", "x": "x", "pct_change": "spct"}
    return format_value(v, table.get(unit, "num"))


FILTERS: dict[str, Callable[..., str]] = {
    "num": num, "signed": signed, "int": integer, "pct": pct, "spct": spct, "pp": pp, "bp": bp, "ratio": ratio,
    "corr": corr, "share": share, "usd_bn": usd_bn, "usd_tn": usd_tn, "date": fmt_date, "cell": fmt_cell,
    "evidence": evidence_value, "fmt": format_value, "times": times,
}
