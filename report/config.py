"""Configuration: shipped defaults (``defaults.toml``) merged with a desk's TOML file.

The result is a frozen :class:`Config`. Every key is validated up front: unknown keys, wrong
types and out-of-range values raise :class:`~report.errors.ConfigError` naming the file, the
key and the reason. Rule thresholds (``[rules.<id>]``) are checked against each rule's declared
parameters (:class:`analytics.rules.Param`); section options (``[sections.<id>]``) against the
section's declared ``PARAMS``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args, get_origin

from .errors import ConfigError

__all__ = [
    "Config",
    "BriefConfig",
    "DataConfig",
    "OutputConfig",
    "ArchiveConfig",
    "SmtpConfig",
    "Event",
    "load_config",
    "default_config",
    "DEFAULTS_NAME",
]

DEFAULTS_NAME = "defaults.toml (shipped)"
ENV_CONFIG = "MACROBRIEF_CONFIG"


def _opt(default: Any, doc: str = "", **meta: Any) -> Any:
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples / mappings for defaults")
    return field(default=default, metadata={"doc": doc, **meta})


@dataclass(frozen=True)
class BriefConfig:
    title: str = _opt("Treasuries as the Anchor")
    subtitle: str = _opt("")
    desk: str = _opt("Macro Strategy Desk")
    logo: Path | None = _opt(None, path=True)
    page_size: str = _opt("A4", choices=("A4", "Letter"))
    sections: tuple[str, ...] = _opt(())
    headline_series: tuple[str, ...] = _opt(())
    disclaimer: str = _opt("")
    colors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), metadata={"doc": ""})


@dataclass(frozen=True)
class DataConfig:
    store: Path = _opt(Path("output/store.sqlite"), path=True)
    csv_dir: Path | None = _opt(None, path=True)
    other_dir: Path | None = _opt(None, path=True)
    fred_url: str = _opt("https://api.stlouisfed.org/fred")
    fred_api_key: str = _opt("")
    fred_requests_per_second: float = _opt(2.0, lo=0.01, hi=100.0)
    fred_max_retries: int = _opt(5, lo=0, hi=20)
    fred_backoff_seconds: float = _opt(1.0, lo=0.0, hi=120.0)
    fred_timeout_seconds: float = _opt(30.0, lo=0.1, hi=600.0)
    alfred_max_vintages: int = _opt(1000, lo=1, hi=2000)
    history_start: date = _opt(date(1960, 1, 1))


@dataclass(frozen=True)
class OutputConfig:
    dir: Path = _opt(Path("output"), path=True)
    formats: tuple[str, ...] = _opt(("html", "pdf"), each=("html", "pdf", "tex"))
    cache: Path | None = _opt(Path("output/cache"), path=True)
    chart_dpi: int = _opt(200, lo=72, hi=600)


@dataclass(frozen=True)
class ArchiveConfig:
    root: Path = _opt(Path("output/editions"), path=True)
    lock: Path | None = _opt(None, path=True)  # weekly-run lock file; None: <root>/.weekly.lock
    log: Path | None = _opt(Path("output/weekly.log"), path=True)  # weekly-run log file; None: stderr only


@dataclass(frozen=True)
class SmtpConfig:
    host: str = _opt("localhost")
    port: int = _opt(587, lo=1, hi=65535)
    security: str = _opt("starttls", choices=("starttls", "tls", "none"))
    sender: str = _opt("research@example.com")
    reply_to: str = _opt("")
    user_env: str = _opt("MACROBRIEF_SMTP_USER")
    password_env: str = _opt("MACROBRIEF_SMTP_PASSWORD")
    timeout_seconds: float = _opt(30.0, lo=0.1, hi=600.0)
    max_retries: int = _opt(3, lo=0, hi=20)
    backoff_seconds: float = _opt(2.0, lo=0.0, hi=600.0)
    unsubscribe: str = _opt("")
    send_log: Path = _opt(Path("output/sendlog.sqlite"), path=True)
    ca_file: Path | None = _opt(None, path=True)  # extra CA certificates (PEM) trusted for the server
    outbox: Path = _opt(Path("output/outbox"), path=True)  # where `send --dry-run` writes .eml files
    recipients: Path | None = _opt(None, path=True)  # default recipients CSV for `weekly`


@dataclass(frozen=True)
class Event:
    name: str
    date: date


@dataclass(frozen=True)
class Config:
    """The whole validated configuration. Cheap to build; never mutated."""

    brief: BriefConfig = BriefConfig()
    data: DataConfig = DataConfig()
    output: OutputConfig = OutputConfig()
    archive: ArchiveConfig = ArchiveConfig()
    smtp: SmtpConfig = SmtpConfig()
    events: tuple[Event, ...] = ()
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    files: tuple[str, ...] = ()  # where it was read from, for messages

    def rule_params(self, rule_id: str) -> Mapping[str, Any]:
        """Validated thresholds of one rule."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise ConfigError(f"no [rules.{rule_id}] table in the configuration") from None

    def section_options(self, section_id: str) -> Mapping[str, Any]:
        return self.sections.get(section_id, MappingProxyType({}))

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


# --- loading ------------------------------------------------------------------------------------


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {label} not found") from None
    except PermissionError:
        raise ConfigError(f"config file {label} is not readable (permission denied)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {label} is not valid TOML: {exc}") from None


def _shipped_defaults() -> dict[str, Any]:
    text = resources.files("report").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(dict(out[k]), v)
        else:
            out[k] = v
    return out


def _coerce(value: Any, tp: Any, f: dataclasses.Field, where: str, base_dir: Path | None) -> Any:
    meta = f.metadata
    origin = get_origin(tp)
    args = get_args(tp)
    if meta.get("path"):
        if value in ("", None):
            if type(None) in args:
                return None
            raise ConfigError(f"{where}: must be a path, got an empty value")
        if not isinstance(value, str):
            raise ConfigError(f"{where}: must be a path string, got {value!r}")
        p = Path(value).expanduser()
        if not p.is_absolute() and base_dir is not None:
            p = base_dir / p
        return p
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: must be a string, got {value!r}")
    elif tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false, got {value!r}")
    elif tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: must be an integer, got {value!r}")
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: must be a number, got {value!r}")
        value = float(value)
    elif tp is date:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise ConfigError(f"{where}: must be a date YYYY-MM-DD, got {value!r}") from None
        if not isinstance(value, date):
            raise ConfigError(f"{where}: must be a date YYYY-MM-DD, got {value!r}")
    elif origin is tuple:
        if not isinstance(value, (list, tuple)) or not all(isinstance(x, str) for x in value):
            raise ConfigError(f"{where}: must be a list of strings, got {value!r}")
        allowed = meta.get("each")
        for x in value:
            if allowed and x not in allowed:
                raise ConfigError(f"{where}: {x!r} is not one of {', '.join(allowed)}")
        value = tuple(value)
    elif origin is Mapping or tp is Mapping:
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{where}: must be a table of strings, got {value!r}")
        value = MappingProxyType(dict(value))
    if "choices" in meta and value not in meta["choices"]:
        raise ConfigError(f"{where}: must be one of {', '.join(meta['choices'])}; got {value!r}")
    if meta.get("lo") is not None and value < meta["lo"]:
        raise ConfigError(f"{where}: must be >= {meta['lo']}; got {value}")
    if meta.get("hi") is not None and value > meta["hi"]:
        raise ConfigError(f"{where}: must be <= {meta['hi']}; got {value}")
    return value


def _build(cls: type, data: Mapping[str, Any], table: str, label: str, bases: Mapping[str, Path | None]) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{label}: [{table}] must be a table")
    hints = {f.name: f for f in dataclasses.fields(cls)}
    import typing

    types = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(hints))
    if unknown:
        raise ConfigError(
            f"{label}: [{table}] unknown key {unknown[0]!r} (allowed: {', '.join(sorted(hints))})"
        )
    kwargs = {}
    for name, value in data.items():
        where = f"{label}: [{table}] {name}"
        kwargs[name] = _coerce(value, types[name], hints[name], where, bases.get(f"{table}.{name}"))
    return cls(**kwargs)


def _key_sources(user: Mapping[str, Any], user_dir: Path | None) -> dict[str, Path | None]:
    """Which base directory resolves each relative path: the desk file's folder for its keys."""
    out: dict[str, Path | None] = {}
    for table, body in user.items():
        if isinstance(body, Mapping):
            for k in body:
                out[f"{table}.{k}"] = user_dir
    return out


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    use_env: bool = True,
) -> Config:
    """Load the shipped defaults, then a desk file, then in-code overrides.

    ``path`` is the desk file; when None, ``$MACROBRIEF_CONFIG`` and then ``./macrobrief.toml``
    are tried (``use_env=False`` skips both: tests use that).
    """
    merged = _shipped_defaults()
    files = [DEFAULTS_NAME]
    user: dict[str, Any] = {}
    user_dir: Path | None = None
    label = DEFAULTS_NAME
    if path is None and use_env:
        env = os.environ.get(ENV_CONFIG)
        if env:
            path = env
        elif Path("macrobrief.toml").is_file():
            path = "macrobrief.toml"
    if path is not None:
        p = Path(path).expanduser()
        label = str(p)
        user = _read_toml(p, label)
        user_dir = p.resolve().parent
        files.append(label)
        _reject_unknown_tables(user, label)
        if "events" in user:
            merged.pop("events", None)  # a desk's event list replaces the default one
        merged = _merge(merged, user)
    if overrides:
        merged = _merge(merged, overrides)
        files.append("overrides")
        label = " + ".join(files[1:]) if len(files) > 1 else label
    return _from_dict(merged, label, _key_sources(user, user_dir), tuple(files))


_TABLES = {"brief": BriefConfig, "data": DataConfig, "output": OutputConfig, "archive": ArchiveConfig,
           "smtp": SmtpConfig}


def _reject_unknown_tables(data: Mapping[str, Any], label: str) -> None:
    allowed = set(_TABLES) | {"events", "sections", "rules"}
    for k in data:
        if k not in allowed:
            raise ConfigError(f"{label}: unknown table [{k}] (allowed: {', '.join(sorted(allowed))})")


def _from_dict(data: Mapping[str, Any], label: str, bases: Mapping[str, Path | None], files: tuple[str, ...]) -> Config:
    _reject_unknown_tables(data, label)
    parts = {name: _build(cls, data.get(name, {}), name, label, bases) for name, cls in _TABLES.items()}
    events = []
    for i, ev in enumerate(data.get("events", [])):
        if not isinstance(ev, Mapping) or set(ev) != {"name", "date"}:
            raise ConfigError(f"{label}: [[events]] entry {i + 1} must have exactly `name` and `date`")
        events.append(_build(Event, ev, f"events #{i + 1}", label, {}))
    rules = _validate_rules(data.get("rules", {}), label)
    sections = _validate_sections(data.get("sections", {}), label, parts["brief"].sections)
    _validate_series(parts["brief"].headline_series, label)
    return Config(**parts, events=tuple(events), rules=rules, sections=sections, files=files)


def _validate_series(keys: tuple[str, ...], label: str) -> None:
    from .catalog import CATALOG

    for k in keys:
        if k not in CATALOG:
            raise ConfigError(f"{label}: [brief] headline_series: {k!r} is not a catalog series key")


def _validate_rules(data: Mapping[str, Any], label: str) -> Mapping[str, Mapping[str, Any]]:
    from analytics.rules import all_rules, validate_params

    declared = all_rules()
    out: dict[str, Mapping[str, Any]] = {}
    for rule_id, values in data.items():
        if rule_id not in declared:
            raise ConfigError(f"{label}: [rules.{rule_id}] is not a known rule (known: {', '.join(sorted(declared))})")
        if not isinstance(values, Mapping):
            raise ConfigError(f"{label}: [rules.{rule_id}] must be a table")
        try:
            out[rule_id] = MappingProxyType(validate_params(declared[rule_id], values))
        except ValueError as exc:
            raise ConfigError(f"{label}: [rules.{rule_id}] {exc}") from None
    for rule_id, r in declared.items():
        if rule_id not in out:
            if r.params:
                raise ConfigError(f"{label}: no [rules.{rule_id}] table (rule {rule_id} needs its thresholds)")
            out[rule_id] = MappingProxyType({})
    return MappingProxyType(out)


def _validate_sections(data: Mapping[str, Any], label: str, enabled: tuple[str, ...]) -> Mapping[str, Mapping[str, Any]]:
    from analytics.rules import validate_params

    from .sections import SECTION_MODULES, registry

    known = registry()
    for sid in enabled:
        if sid not in SECTION_MODULES:
            raise ConfigError(f"{label}: [brief] sections: unknown section {sid!r} "
                              f"(known: {', '.join(SECTION_MODULES)})")
    out: dict[str, Mapping[str, Any]] = {}
    for sid, values in data.items():
        if sid not in SECTION_MODULES:
            raise ConfigError(f"{label}: [sections.{sid}] is not a known section (known: {', '.join(SECTION_MODULES)})")
        if sid not in known:
            continue  # section module not installed in this build
        section = known[sid]
        try:
            out[sid] = MappingProxyType(validate_params(section.PARAMS, values))
        except ValueError as exc:
            raise ConfigError(f"{label}: [sections.{sid}] {exc}") from None
    for sid, section in known.items():
        if sid not in out:
            if section.PARAMS:
                raise ConfigError(f"{label}: no [sections.{sid}] table (section {sid} needs its options)")
            out[sid] = MappingProxyType({})
    return MappingProxyType(out)


def default_config(**table_overrides: Mapping[str, Any]) -> Config:
    """The shipped configuration with optional table overrides; ignores the environment (tests)."""
    return load_config(None, overrides=table_overrides or None, use_env=False)
