"""Shared pieces of the archive, mail and weekly tests: a small real-data frame, a fast
configuration (the curve section only) and a desk directory for command-line runs."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import date
from pathlib import Path

from report.config import default_config
from report.frame import Frame
from report.store import Store

ROOT = Path(__file__).resolve().parents[1]

#: the curve section's series and the cover's key numbers: enough for a complete brief
KEYS = ("ust_1m", "ust_3m", "ust_6m", "ust_1y", "ust_2y", "ust_3y", "ust_5y", "ust_7y", "ust_10y", "ust_20y",
        "ust_30y", "spread_10y2y", "spread_10y3m", "recession", "tips_10y", "bei_10y", "sofr", "usd_broad", "sp500",
        "vix", "hy_oas")


def small_frame(store: Store, as_of: date | str) -> Frame:
    d = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    return Frame.from_store(store, d, keys=KEYS)


def fast_config(root: Path, **tables):
    """The shipped configuration with only the curve section, no cache, the archive under ``root``."""
    brief = {"sections": ["curve"], **tables.pop("brief", {})}
    return default_config(brief=brief, archive={"root": str(root), **tables.pop("archive", {})},
                          output={"cache": "", **tables.pop("output", {})}, **tables)



def write_store(path: Path, shared_store: Store, keys=KEYS) -> Path:
    """A desk store file holding ``keys`` of the shared data (for command-line runs in a subprocess)."""
    with Store(path) as st:
        st.write({k: shared_store.read(k) for k in keys}, source="csv", origin="shared data")
    return path


def desk_toml(tmp: Path, smtp: dict | None = None, extra: str = "") -> Path:
    """A desk configuration file whose store, archive, logs and send log live in ``tmp``."""
    lines = ['[brief]', 'sections = ["curve"]', '[data]', 'store = "store.sqlite"', '[output]', 'dir = "out"',
             'cache = ""', '[archive]', 'root = "editions"', 'log = "weekly.log"', '[smtp]',
             'send_log = "sendlog.sqlite"', 'outbox = "outbox"']
    for k, v in (smtp or {}).items():
        lines.append(f"{k} = {json.dumps(v)}")
    path = tmp / "desk.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def subprocess_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment of a ``python -m report.cli`` child: this checkout first on the path, no desk config."""
    env = {k: v for k, v in os.environ.items() if k not in ("MACROBRIEF_CONFIG", "FRED_API_KEY")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["HOME"] = str(tmp)
    env["MACROBRIEF_CHART_WORKERS"] = "1"
    env.update(extra)
    return env


CLI = [sys.executable, "-m", "report.cli"]


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative path -> digest): to show nothing changed."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out
