"""A small on-disk cache for expensive, deterministic work (analytics, charts, track records).

Entries are keyed by a hash of: the name of the computation, the fingerprint of its input
data, its parameters and the code version (a hash of the package sources), so a change in any
of them misses. Values are pickled; a corrupt or unreadable entry is recomputed.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import pickle
import tempfile
import types
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["Cache", "CacheWarning", "code_version", "dumps", "read_only", "reduce_read_only"]


class CacheWarning(UserWarning):
    """A computed result could not be stored in the cache (it will be recomputed every build)."""


class _Pickler(pickle.Pickler):
    """Pickler that also handles read-only mappings (``MappingProxyType``), which analytics
    results use for their frozen fields."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is types.MappingProxyType:
            return reduce_read_only(obj)
        return NotImplemented


def read_only(d: dict) -> types.MappingProxyType:
    """Rebuild a read-only mapping when unpickling."""
    return types.MappingProxyType(d)


def reduce_read_only(m: types.MappingProxyType) -> tuple[Any, tuple[dict]]:
    """Pickle reduction of a read-only mapping (also registered by worker processes)."""
    return read_only, (dict(m),)


def dumps(value: Any) -> bytes:
    """Pickle ``value`` for the cache."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buf.getvalue()


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the source files of the analytics, report and templates packages."""
    h = hashlib.sha256()
    for pkg in ("analytics", "report", "templates"):
        import importlib

        root = Path(importlib.import_module(pkg).__file__).parent
        for p in sorted(root.rglob("*")):
            if p.suffix in (".py", ".j2", ".toml", ".css") and p.is_file():
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _key(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()


class Cache:
    """Pickle cache under ``root`` (created on first write)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.hits = 0
        self.misses = 0
        self._later: list[tuple[Path, Any]] = []  # writes put off (get_or_compute's ``later``)

    def path(self, name: str, fingerprint: str, extra: Any = None) -> Path:
        return self.root / name.split(".")[0] / f"{_key(name, fingerprint, extra, code_version())}.pkl"

    def get_or_compute(self, name: str, fingerprint: str, extra: Any, compute: Callable[[], Any], *,
                       later: bool = False) -> Any:
        """The cached value, or ``compute()`` written to the cache: at once, or with ``later`` when
        :meth:`write_later` is called (a shallow copy is kept meanwhile, so that what later
        happens to the value's attributes is not cached; until then the value is not found)."""
        p = self.path(name, fingerprint, extra)
        try:
            with open(p, "rb") as fh:
                value = pickle.load(fh)
            self.hits += 1
            return value
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            pass
        value = compute()
        self.misses += 1
        if later:
            self._later.append((p, copy.copy(value)))
        else:
            self.put(p, value)
        return value

    def write_later(self) -> None:
        """Write what :meth:`get_or_compute` put off (a process that forks one worker to do it
        calls :meth:`forget_later` after the fork)."""
        while self._later:
            self.put(*self._later.pop(0))

    def forget_later(self) -> None:
        self._later.clear()

    def get_bytes(self, name: str, fingerprint: str, extra: Any = None) -> bytes | None:
        p = self.path(name, fingerprint, extra).with_suffix(".bin")
        try:
            data = p.read_bytes()
            self.hits += 1
            return data
        except OSError:
            return None

    def put_bytes(self, name: str, fingerprint: str, extra: Any, data: bytes) -> None:
        self.misses += 1
        self._atomic_write(self.path(name, fingerprint, extra).with_suffix(".bin"), data)

    def put(self, p: Path, value: Any) -> None:
        try:
            data = dumps(value)
        except (pickle.PickleError, TypeError, AttributeError) as exc:
            # the build goes on, but a result that can never be cached is a performance bug
            warnings.warn(CacheWarning(f"{p.parent.name}: result not cached ({exc})"), stacklevel=3)
            return
        self._atomic_write(p, data)

    @staticmethod
    def _atomic_write(p: Path, data: bytes) -> None:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, p)
        except OSError:
            pass  # a cache that cannot be written only costs time
