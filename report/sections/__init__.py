"""Brief sections 1-8, one module each; :func:`registry` lists those that exist, in brief order.

Section 0 (cover, verdict board, key numbers) and section 9 (appendix) are assembled from
all the others in ``report/assemble.py``.
"""

from __future__ import annotations

import importlib

from .base import Section

__all__ = ["SECTION_MODULES", "registry"]

#: section id -> module, in brief order
SECTION_MODULES = {
    "transmission": "report.sections.transmission",  # 1 monetary transmission and Japanification
    "curve": "report.sections.curve",  # 2 curve structure and strategy
    "timevalue": "report.sections.timevalue",  # 3 time value across assets
    "termpremium": "report.sections.termpremium",  # 4 term premium
    "crossasset": "report.sections.crossasset",  # 5 cross-asset transmission
    "anchor": "report.sections.anchor",  # 6 when Treasuries stop anchoring
    "safedebt": "report.sections.safedebt",  # 7 safe or risky debt
    "liquidity": "report.sections.liquidity",  # 8 dollar liquidity and plumbing
}


def registry() -> dict[str, Section]:
    """Instances of the sections whose modules exist, keyed by id, in brief order."""
    out: dict[str, Section] = {}
    for sid, modname in SECTION_MODULES.items():
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                continue
            raise
        section = mod.SECTION
        if section.id != sid:
            raise RuntimeError(f"{modname} declares section id {section.id!r}, expected {sid!r}")
        out[sid] = section
    return dict(sorted(out.items(), key=lambda kv: kv[1].number))
