"""The house theme (templates/theme.toml), read once per build by the CSS and the charts."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from .errors import ConfigError

__all__ = ["Theme", "load_theme"]

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Theme:
    palette: Mapping[str, str]
    states: Mapping[str, str]
    series: Mapping[str, str]
    cycle: tuple[str, ...]
    fonts: Mapping[str, Any]
    chart: Mapping[str, Any]

    def color(self, key: str, i: int = 0) -> str:
        """Colour of a catalog series, or the i-th cycle colour when it has none."""
        return self.series.get(key) or self.cycle[i % len(self.cycle)]

    def state_color(self, severity: float | None) -> str:
        if severity is None:
            return self.states["nodata"]
        if severity <= 0.0:
            return self.states["benign"]
        if severity < 1.0:
            return self.states["watch"]
        return self.states["severe"]

    def tone(self, severity: float | None) -> str:
        """CSS class suffix of a verdict badge: benign, watch, severe or nodata."""
        if severity is None:
            return "nodata"
        return "benign" if severity <= 0.0 else ("watch" if severity < 1.0 else "severe")


def load_theme(overrides: Mapping[str, str] | None = None) -> Theme:
    """Read the shipped theme; ``overrides`` replace palette or state colours by name."""
    raw = tomllib.loads(resources.files("templates").joinpath("theme.toml").read_text(encoding="utf-8"))
    palette = dict(raw["palette"])
    states = dict(raw["states"])
    for k, v in (overrides or {}).items():
        if not _HEX.fullmatch(v):
            raise ConfigError(f"[brief.colors] {k} = {v!r}: colours are hex codes like \"#0b3d6b\"")
        if k in palette:
            palette[k] = v
        elif k in states:
            states[k] = v
        else:
            raise ConfigError(f"[brief.colors] {k!r} is not a theme colour (allowed: "
                              f"{', '.join(sorted(palette) + sorted(states))})")
    return Theme(
        palette=MappingProxyType(palette),
        states=MappingProxyType(states),
        series=MappingProxyType(dict(raw["series"])),
        cycle=tuple(raw["cycle"]["colors"]),
        fonts=MappingProxyType(dict(raw["fonts"])),
        chart=MappingProxyType(dict(raw["chart"])),
    )
