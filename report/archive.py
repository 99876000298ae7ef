"""The editions archive: publish immutable editions, index them, verify and rebuild them.

Layout under the archive root (``[archive] root``, default ``output/editions``)::

    index.html            editions newest first with their verdict boards (regenerated on publish)
    feed.json             the same as a JSON Feed 1.1 document
    2025-W15/             revision 1 of edition 2025-W15
    2025-W15-r2/          revision 2 (a correction), beside it; the reason is in its manifest
    2025-W16-SAMPLE/      a SAMPLE edition (only with ``--allow-sample``, for testing)
    .publish.lock         held while a publish writes (fcntl lock, released when the process dies)
    .publish-*/           temporary folder of a publish in progress (or killed): never listed

An edition folder holds ``brief.html``, ``brief.pdf``, ``charts/*.png``, ``verdicts.json``,
``data.csv.gz`` (the frame the build read: one row per observation, columns ``key``, ``date``,
``value``; ``pandas.read_csv`` reads it) and ``manifest.json`` (edition, as-of date, build time,
package version, code hash and git commit, the effective configuration without credentials,
each series' source, last observation and vintage, and the sha256 of every other file).

Publishing writes everything into a temporary folder beside the target, syncs it to disk and
renames it into place in one step: a crash or kill at any moment leaves either the complete
edition or none. Nothing in an existing edition is ever overwritten or deleted; a correction is
a new revision. A rebuild re-renders an edition from its own ``data.csv.gz`` and configuration
and compares the verdicts and numbers with the published ones.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from .config import Config
from .errors import ConfigError, DataError, MacrobriefError, PublishError
from .progress import QUIET, Progress

__all__ = [
    "Archive",
    "Edition",
    "EditionId",
    "VerifyResult",
    "RebuildResult",
    "PublishResult",
    "parse_edition",
    "manifest_digest",
    "week_as_of",
    "previous_verdicts",
    "config_record",
    "config_from_record",
    "publish",
    "publish_brief",
    "rebuild",
    "read_snapshot",
    "cmd_publish",
    "cmd_archive",
]

MANIFEST = "manifest.json"
SNAPSHOT = "data.csv.gz"
MANIFEST_FORMAT = 1
_TMP_PREFIX = ".publish-"
_LOCK_NAME = ".publish.lock"

_WEEK = r"(?P<year>\d{4})-W(?P<week>\d{2})"
_ID_RE = re.compile(rf"{_WEEK}(?P<sample>-SAMPLE)?(?:-r(?P<rev>[1-9]\d{{0,3}}))?")
_WEEK_RE = re.compile(_WEEK)


# --- edition ids ----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class EditionId:
    """An edition (ISO week), whether it is SAMPLE, and optionally one revision of it."""

    week: str
    sample: bool = False
    revision: int | None = None  # None: the latest revision

    @property
    def base(self) -> str:
        """The edition's name without revision: ``2025-W15`` or ``2025-W15-SAMPLE``."""
        return self.week + ("-SAMPLE" if self.sample else "")

    def dirname(self, revision: int) -> str:
        """Folder name of one revision: revision 1 has no suffix, later ones ``-r<N>``."""
        return self.base + (f"-r{revision}" if revision > 1 else "")


def _check_week(year: int, week: int, text: str, what: str) -> None:
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ConfigError(f"{what} {text!r}: {year} has no ISO week {week}") from None


def parse_edition(text: str) -> EditionId:
    """Parse ``2025-W15``, ``2025-W15-r2``, ``2025-W15-SAMPLE`` or ``2025-W15-SAMPLE-r2``."""
    m = _ID_RE.fullmatch(text.strip())
    if not m:
        raise ConfigError(f"{text!r} is not an edition id like 2025-W15 (or 2025-W15-r2 for a revision)")
    _check_week(int(m["year"]), int(m["week"]), text, "edition")
    rev = int(m["rev"]) if m["rev"] else None
    return EditionId(f"{m['year']}-W{m['week']}", bool(m["sample"]), rev)


def week_as_of(week: str, today: date) -> date:
    """As-of date of an ISO week: its Friday, or the last weekday up to ``today`` if later.

    Raises ``ConfigError`` for a malformed or non-existent week and ``DataError`` for a week that
    has not started by ``today``.
    """
    m = _WEEK_RE.fullmatch(week.strip())
    if not m:
        raise ConfigError(f"--week {week!r} is not an ISO week like 2025-W15")
    year, wk = int(m["year"]), int(m["week"])
    _check_week(year, wk, week, "--week")
    monday = date.fromisocalendar(year, wk, 1)
    friday = monday + timedelta(days=4)
    if friday <= today:
        return friday
    if monday > today:
        raise DataError(f"--week {week} has not started yet (today is {today}); a brief uses only known data")
    return today  # a weekday of the current week (Saturday and Sunday are after Friday)


# --- small file helpers -----------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename (for the derived index files only)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _force_rmtree(path: Path) -> None:
    """Remove a temporary folder even when publishing already made it read-only."""
    for d, _subdirs, _files in os.walk(path):
        with contextlib.suppress(OSError):
            os.chmod(d, 0o755)
    shutil.rmtree(path)


def _safe_name(name: str) -> str:
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or any(p in ("..", ".", "") for p in parts):
        raise PublishError(f"refusing to write file {name!r} into an edition (not a plain relative path)")
    return "/".join(parts)


# --- the archive --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """One published revision on disk. ``manifest`` is None when it is missing or unreadable."""

    root: Path
    name: str
    id: EditionId  # with revision set
    manifest: Mapping[str, Any] | None

    @property
    def path(self) -> Path:
        return self.root / self.name

    @property
    def week(self) -> str:
        return self.id.week

    @property
    def revision(self) -> int:
        return self.id.revision or 1

    @property
    def sample(self) -> bool:
        return self.id.sample

    def _m(self, key: str, default: Any = None) -> Any:
        return (self.manifest or {}).get(key, default)

    @property
    def as_of(self) -> date | None:
        try:
            return date.fromisoformat(self._m("as_of"))
        except (TypeError, ValueError):
            return None

    @property
    def published_at(self) -> str:
        return self._m("published_at", "")

    @property
    def reason(self) -> str:
        return self._m("reason") or ""

    @property
    def verdicts(self) -> list[Mapping[str, Any]]:
        return list(self._m("verdicts", []))


@dataclass(frozen=True)
class VerifyResult:
    name: str
    problems: tuple[str, ...]
    n_files: int

    @property
    def ok(self) -> bool:
        return not self.problems


class Archive:
    """The editions under one root folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------------------------
    def editions(self) -> list[Edition]:
        """Every published revision, newest edition first, latest revision first within it.

        Temporary folders of publishes in progress or killed (``.publish-*``) and anything that
        is not named like an edition are ignored.
        """
        if not self.root.is_dir():
            return []
        out = []
        for p in self.root.iterdir():
            if p.name.startswith(".") or not p.is_dir():
                continue
            m = _ID_RE.fullmatch(p.name)
            if not m or m["rev"] == "1":
                continue
            eid = EditionId(f"{m['year']}-W{m['week']}", bool(m["sample"]), int(m["rev"]) if m["rev"] else 1)
            out.append(Edition(self.root, p.name, eid, _read_manifest(p)))
        out.sort(key=lambda e: (e.week, not e.sample, e.revision), reverse=True)
        return out

    def latest(self) -> list[Edition]:
        """The latest revision of every edition, newest first."""
        seen: set[str] = set()
        out = []
        for e in self.editions():
            if e.id.base not in seen:
                seen.add(e.id.base)
                out.append(e)
        return out

    def history(self, eid: EditionId) -> list[Edition]:
        """Every revision of one edition, oldest first."""
        return sorted((e for e in self.editions() if e.id.base == eid.base), key=lambda e: e.revision)

    def find(self, ident: str | EditionId) -> Edition:
        """An edition by id: ``2025-W15`` is its latest revision, ``2025-W15-r2`` one revision."""
        eid = parse_edition(ident) if isinstance(ident, str) else ident
        revs = self.history(eid)
        if not revs:
            known = [e.name for e in self.latest()[:5]]
            hint = f" (latest: {', '.join(known)})" if known else " (the archive is empty)"
            raise PublishError(f"edition {eid.base} is not in the archive {self.root}{hint}")
        if eid.revision is None:
            return revs[-1]
        for e in revs:
            if e.revision == eid.revision:
                return e
        raise PublishError(f"edition {eid.base} has no revision {eid.revision} (revisions: "
                           f"{', '.join(str(e.revision) for e in revs)})")

    # -- locking ---------------------------------------------------------------------------------
    def ensure_writable(self) -> None:
        """Create the root if needed and check a file can be created in it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".probe-", dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise PublishError(f"archive root {self.root} is not writable ({exc.strerror}); "
                               "nothing was published") from None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the archive's publish lock (blocks while another publish writes)."""
        self.ensure_writable()
        try:
            fh = open(self.root / _LOCK_NAME, "a+b")
        except OSError as exc:
            raise PublishError(f"archive root {self.root}: cannot open its lock file ({exc.strerror})") from None
        with fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _clean_temporaries(self) -> None:
        """Remove folders of publishes that were killed (only called under the lock)."""
        for p in self.root.iterdir():
            if p.name.startswith(_TMP_PREFIX) and p.is_dir():
                with contextlib.suppress(OSError):
                    _force_rmtree(p)

    # -- writing ---------------------------------------------------------------------------------
    def check_new(self, eid: EditionId, *, revise: str | None) -> int:
        """The revision a publish of ``eid`` would write, or ``PublishError`` when it is refused."""
        revs = self.history(eid)
        if revise is None:
            if revs:
                last = revs[-1]
                raise PublishError(
                    f"edition {eid.base} is already published ({last.name}, {last.published_at}); editions are "
                    "never overwritten: publish a correction with --revise REASON")
            return 1
        if not revise.strip():
            raise PublishError("--revise needs a reason (it is recorded in the manifest and shown in the index)")
        if not revs:
            raise PublishError(f"edition {eid.base} is not published yet: nothing to revise (publish it without "
                               "--revise)")
        return revs[-1].revision + 1

    def write_edition(self, eid: EditionId, files: Mapping[str, bytes], manifest: Mapping[str, Any], *,
                      revise: str | None = None) -> Edition:
        """Write one revision atomically; the manifest gets the revision, hashes and publish time.

        Under the archive lock: refuse an existing edition (unless revising), write every file into
        ``.publish-*`` beside the target, fsync, make it read-only, rename it into place, then
        regenerate the index. Any failure before the rename leaves the archive as it was.
        """
        with self.locked():
            self._clean_temporaries()
            revision = self.check_new(eid, revise=revise)
            name = eid.dirname(revision)
            target = self.root / name
            if target.exists():  # not an edition folder we recognise, but never overwrite it
                raise PublishError(f"{target} exists; refusing to overwrite it")
            prev = self.history(eid)
            head = {
                "format": MANIFEST_FORMAT, "name": name, "edition": eid.week, "revision": revision,
                "sample": eid.sample, "as_of": manifest.get("as_of"),
                "published_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                "reason": revise.strip() if revise else None, "supersedes": prev[-1].name if prev else None,
            }
            man = {**head, **{k: v for k, v in manifest.items() if k not in head}}
            try:
                tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{name}-", dir=self.root))
            except OSError as exc:
                raise PublishError(f"archive root {self.root} is not writable ({exc.strerror}); "
                                   "nothing was published") from None
            try:
                hashes = {}
                dirs = {tmp}
                for fname in sorted(files):
                    rel = _safe_name(fname)
                    if rel == MANIFEST:
                        raise PublishError(f"an edition file may not be named {MANIFEST}")
                    data = files[fname]
                    p = tmp / rel
                    p.parent.mkdir(parents=True, exist_ok=True)
                    dirs.add(p.parent)
                    with open(p, "xb") as fh:
                        fh.write(data)
                        fh.flush()
                        os.fsync(fh.fileno())
                    os.chmod(p, 0o444)
                    hashes[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                man["files"] = hashes
                man = json.loads(json.dumps(man, default=str))  # exactly what is written and read back
                man["self_sha256"] = manifest_digest(man)
                mpath = tmp / MANIFEST
                with open(mpath, "xb") as fh:
                    fh.write(json.dumps(man, indent=2).encode("utf-8"))
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(mpath, 0o444)
                for d in sorted(dirs, key=lambda d: len(d.parts), reverse=True):
                    _fsync_dir(d)
                    os.chmod(d, 0o555)
                os.rename(tmp, target)
                _fsync_dir(self.root)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    _force_rmtree(tmp)
                raise PublishError(f"cannot write edition {name} into {self.root} ({exc.strerror}); "
                                   "nothing was published") from None
            except BaseException:
                with contextlib.suppress(OSError):
                    _force_rmtree(tmp)
                raise
            edition = Edition(self.root, name, EditionId(eid.week, eid.sample, revision), _read_manifest(target))
            try:
                self.write_index()
            except (OSError, MacrobriefError, jinja2.TemplateError) as exc:
                raise PublishError(f"edition {name} is published, but the archive index could not be regenerated "
                                   f"({exc}); run `macrobrief archive index`") from None
        return edition

    # -- verification ----------------------------------------------------------------------------
    def verify(self, edition: Edition) -> VerifyResult:
        """Re-hash every file against the manifest: changed, missing and unexpected files."""
        problems: list[str] = []
        man = edition.manifest
        if man is None:
            return VerifyResult(edition.name, (f"{MANIFEST} is missing or unreadable",), 0)
        if man.get("self_sha256") != manifest_digest(man):
            problems.append(f"changed: {MANIFEST} (its content no longer matches its own digest)")
        if man.get("name") != edition.name or man.get("revision") != edition.revision:
            problems.append(f"{MANIFEST} describes {man.get('name')!r}, not {edition.name!r}")
        listed = man.get("files")
        if not isinstance(listed, dict):
            return VerifyResult(edition.name, (*problems, f"{MANIFEST} has no file list"), 0)
        for rel, meta in sorted(listed.items()):
            p = edition.path / rel
            if not p.is_file():
                problems.append(f"missing: {rel}")
                continue
            try:
                digest = sha256_file(p)
            except OSError as exc:
                problems.append(f"unreadable: {rel} ({exc.strerror})")
                continue
            if not isinstance(meta, dict) or digest != meta.get("sha256"):
                meta = meta if isinstance(meta, dict) else {}
                problems.append(f"changed: {rel} (sha256 {digest[:12]}…, manifest {str(meta.get('sha256'))[:12]}…)")
        for p in sorted(edition.path.rglob("*")):
            if p.is_file():
                rel = p.relative_to(edition.path).as_posix()
                if rel != MANIFEST and rel not in listed:
                    problems.append(f"unexpected file: {rel}")
        return VerifyResult(edition.name, tuple(problems), len(listed))

    # -- index -------------------------------------------------------------------------------------
    def index_entries(self) -> list[dict[str, Any]]:
        """One entry per edition (its latest revision) with its revision history, newest first."""
        entries = []
        for e in self.latest():
            hist = [{"name": h.name, "revision": h.revision, "published_at": h.published_at, "reason": h.reason,
                     "as_of": h.as_of} for h in self.history(e.id)]
            entries.append({
                "name": e.name, "edition": e.week, "revision": e.revision, "sample": e.sample,
                "as_of": e.as_of, "published_at": e.published_at, "reason": e.reason,
                "damaged": e.manifest is None,
                "verdicts": [dict(v) for v in e.verdicts],
                "files": sorted((e.manifest or {}).get("files", {})),
                "history": hist,
            })
        return entries

    def write_index(self) -> tuple[Path, Path]:
        """Regenerate ``index.html`` and ``feed.json`` from the manifests (each replaced atomically)."""
        from .render import html_environment
        from .theme import load_theme

        entries = self.index_entries()
        now = datetime.now(timezone.utc).replace(microsecond=0)
        title = "macrobrief editions"
        for e in entries:
            if not e["damaged"]:
                title = (_read_manifest(self.root / e["name"]) or {}).get("config", {}).get("brief", {}).get(
                    "title", title)
                break
        env = html_environment()
        html = env.get_template("archive_index.html.j2").render(
            title=title, entries=entries, generated_at=now.isoformat(), theme=load_theme(),
            tone=_tone)
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": f"{title}: editions",
            "home_page_url": "index.html",
            "items": [
                {
                    "id": e["name"],
                    "url": f"{e['name']}/brief.html",
                    "title": f"{title} {e['edition']}" + (f" (revision {e['revision']})" if e["revision"] > 1 else "")
                             + (" SAMPLE" if e["sample"] else ""),
                    "content_text": "; ".join(f"{v.get('title', v.get('rule_id'))}: {v.get('state')}"
                                              for v in e["verdicts"]),
                    "date_published": e["published_at"],
                    "attachments": [{"url": f"{e['name']}/brief.pdf", "mime_type": "application/pdf"}]
                    if "brief.pdf" in e["files"] else [],
                    "_macrobrief": {
                        "edition": e["edition"], "revision": e["revision"], "sample": e["sample"],
                        "as_of": e["as_of"].isoformat() if e["as_of"] else None, "reason": e["reason"],
                        "verdicts": e["verdicts"],
                        "history": [{**h, "as_of": h["as_of"].isoformat() if h["as_of"] else None}
                                    for h in e["history"]],
                    },
                }
                for e in entries
            ],
        }
        index, feed_path = self.root / "index.html", self.root / "feed.json"
        _write_file_atomic(index, html.encode("utf-8"))
        _write_file_atomic(feed_path, json.dumps(feed, indent=2, default=str).encode("utf-8"))
        return index, feed_path


def _tone(level: Any, scale: Sequence[str] | None) -> str:
    if level is None or not scale:
        return "nodata"
    sev = level / (len(scale) - 1) if len(scale) > 1 else 0.0
    return "benign" if sev <= 0 else ("watch" if sev < 1 else "severe")


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """sha256 of the manifest's canonical JSON without its own ``self_sha256`` field.

    Catches an edited manifest (a changed verdict, threshold or file hash); like every digest
    stored beside the data, it does not stop someone who rewrites the digest as well.
    """
    body = {k: v for k, v in manifest.items() if k != "self_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        with open(path / MANIFEST, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def previous_verdicts(root: Path, *, before: str, sample: bool = False) -> dict[str, Any] | None:
    """``verdicts.json`` of the latest revision of the newest edition older than ``before``.

    This is what the cover's "what changed since the last edition" compares with. SAMPLE and
    real editions are never compared with each other. The document gets ``revision`` and
    ``name`` keys (the folder it came from).
    """
    for e in Archive(root).latest():
        if e.sample != sample or e.week >= before or e.manifest is None:
            continue
        try:
            doc = json.loads((e.path / "verdicts.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        doc["revision"], doc["name"] = e.revision, e.name
        return doc
    return None


# --- configuration record (what a rebuild needs) ------------------------------------------------


def _plain(v: Any) -> Any:
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def config_record(config: Config) -> dict[str, Any]:
    """The configuration that shapes a brief, as plain JSON data (never credentials or SMTP).

    Recorded in every manifest so that a rebuild uses the thresholds, options, sections and
    events of the published edition, not today's.
    """
    import dataclasses

    brief = {f.name: _plain(getattr(config.brief, f.name)) for f in dataclasses.fields(config.brief)}
    if brief.get("logo") is None:
        brief["logo"] = ""
    return {
        "brief": brief,
        "output": {"formats": list(config.output.formats), "chart_dpi": config.output.chart_dpi},
        "data": {"history_start": config.data.history_start.isoformat()},
        "events": [{"name": e.name, "date": e.date.isoformat()} for e in config.events],
        "sections": _plain(config.sections),
        "rules": _plain(config.rules),
        "files": list(config.files),
    }


def config_from_record(record: Mapping[str, Any]) -> Config:
    """Rebuild a :class:`Config` from :func:`config_record` output (shipped defaults underneath)."""
    from .config import load_config

    brief = dict(record.get("brief", {}))
    logo = brief.get("logo") or ""
    if logo and not Path(logo).is_file():
        brief["logo"] = ""  # the logo file is gone: the rebuild shows no logo (verdicts are unaffected)
    overrides = {
        "brief": brief,
        "output": {**record.get("output", {}), "cache": ""},
        "data": dict(record.get("data", {})),
        "events": list(record.get("events", [])),
        "sections": dict(record.get("sections", {})),
        "rules": dict(record.get("rules", {})),
    }
    return load_config(None, overrides=overrides, use_env=False)


# --- data snapshot ------------------------------------------------------------------------------------


def snapshot_bytes(frame: Any) -> bytes:
    """``data.csv.gz``: the frame as a long table ``key,date,value`` in catalog order.

    The same table as :meth:`report.frame.Frame.snapshot`, written directly: dates as
    ``YYYY-MM-DD`` and values as Python's shortest round-trip representation, so reading it
    back gives exactly the same floats. The gzip header carries no time stamp: the same data
    always gives the same bytes.
    """
    parts = ["key,date,value\n"]
    for key in frame.keys:
        s = frame.get(key)
        days = np.datetime_as_string(s.index.values.astype("datetime64[D]"), unit="D").tolist()
        parts.append("".join(f"{key},{d},{v!r}\n" for d, v in zip(days, s.to_numpy(dtype=float).tolist())))
    return gzip.compress("".join(parts).encode("ascii"), compresslevel=6, mtime=0)


def read_snapshot(data: bytes | Path) -> pd.DataFrame:
    """Read ``data.csv.gz`` back: columns ``key`` (str), ``date`` (datetime64), ``value`` (float)."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    df = pd.read_csv(io.BytesIO(gzip.decompress(raw)), dtype={"key": str, "date": str, "value": float})
    df["date"] = pd.to_datetime(df["date"].to_numpy(), format="%Y-%m-%d")
    return df


# --- manifest -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _git_info() -> dict[str, Any]:
    """Commit and dirtiness of the checkout the package runs from (empty when not a git checkout)."""
    here = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
        if head.returncode != 0:
            return {}
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"git_commit": head.stdout.strip(), "git_dirty": bool(dirty.stdout.strip()) if dirty.returncode == 0
            else None}


def series_record(frame: Any, store: Any | None) -> dict[str, Any]:
    """Per series with data: source, first/last observation, last value, staleness and vintage.

    The vintage is the day the value used for the last observation became known in the store
    (``realtime_start`` of the row a point-in-time read returned) and whether that day came from
    the source (ALFRED) or from the catalog's publication rule.
    """
    out: dict[str, Any] = {}
    for key in frame.keys:
        st = frame.status(key)
        last = frame.last(key)
        rec = {"source": st.source, "first": st.first.isoformat() if st.first else None,
               "last": st.last.isoformat() if st.last else None, "n_obs": st.n_obs,
               "last_value": last[1] if last else None, "stale": st.stale, "vintage": None, "vintage_kind": None}
        if store is not None and st.last is not None:
            v = store.vintages(key, st.last)
            if len(v):
                v = v[v["realtime_start"] <= frame.as_of.isoformat()]
                if len(v):
                    row = v.iloc[-1]
                    rec["vintage"], rec["vintage_kind"] = row["realtime_start"], row["vintage_kind"]
        out[key] = rec
    return out


def build_manifest(brief: Any, config: Config, *, source: str = "", store: Any | None = None,
                   previous: str | None = None) -> dict[str, Any]:
    """Everything about an edition except revision, publish time and file hashes (added on write)."""
    from .cache import code_version
    from .catalog import CATALOG
    from .pipeline import package_version

    frame = brief.frame
    return {
        "edition": brief.edition,
        "as_of": brief.as_of.isoformat(),
        "built_at": brief.built_at.isoformat() if brief.built_at else None,
        "sample": brief.sample,
        "source": source,
        "package": {"name": "macrobrief", "version": package_version(), "code_hash": code_version(),
                    **_git_info()},
        "formats": sorted(n.split(".", 1)[1] for n in brief.files if n.startswith("brief.")),
        "previous": previous,
        "verdicts": [{"rule_id": v.rule_id, "section": v.section, "title": v.title, "state": v.state,
                      "level": v.level, "scale": list(v.scale), "headline": v.headline, "stale": v.stale}
                     for v in brief.verdicts],
        "config": config_record(config),
        "sources": dict(frame.sources),
        "series": series_record(frame, store),
        "missing_series": [k for k in CATALOG if not frame.has(k)],
    }


# --- publish ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishResult:
    edition: Edition
    source: str
    index: Path


def _sample_refusal(what: str) -> PublishError:
    return PublishError(f"this brief is built from SAMPLE (synthetic) data and cannot be {what}; load real data "
                        "(macrobrief data fetch / data import) or pass --allow-sample for a test archive")


def publish_brief(brief: Any, config: Config, *, source: str = "", store: Any | None = None,
                  revise: str | None = None, allow_sample: bool = False, previous: str | None = None,
                  root: Path | None = None) -> Edition:
    """Publish a brief built in memory (``report.pipeline.make_brief``) as an immutable edition."""
    if brief.sample and not allow_sample:
        raise _sample_refusal("published")
    for needed in ("brief.html", "brief.pdf", "verdicts.json"):
        if needed not in brief.files:
            raise PublishError(f"an edition needs {needed}; the brief was built without it")
    files = dict(brief.files)
    files[SNAPSHOT] = snapshot_bytes(brief.frame)
    manifest = build_manifest(brief, config, source=source, store=store, previous=previous)
    archive = Archive(root or config.archive.root)
    return archive.write_edition(EditionId(brief.edition, brief.sample), files, manifest, revise=revise)


def publish(
    config: Config,
    *,
    as_of: date | None = None,
    week: str | None = None,
    source: str = "auto",
    data_dirs: Sequence[Path] = (),
    revise: str | None = None,
    allow_sample: bool = False,
    today: date | None = None,
    progress: Progress = QUIET,
) -> PublishResult:
    """``macrobrief publish``: load data, build the edition's brief and publish it."""
    from .cache import Cache
    from .frame import Frame
    from .pipeline import edition_of, load_data, make_brief, resolve_as_of, resolve_source

    today = today or datetime.now().date()
    if week is not None and as_of is not None:
        raise PublishError("give either --as-of or --week, not both")
    as_of = week_as_of(week, today) if week is not None else resolve_as_of(as_of, today)
    if source == "auto":
        source = resolve_source(config, data_dirs, progress)
    if source == "sample" and not allow_sample:
        raise _sample_refusal("published")
    archive = Archive(config.archive.root)
    archive.ensure_writable()
    store, used = load_data(config, source=source, as_of=as_of, data_dirs=data_dirs, progress=progress)
    try:
        with progress.step(f"Reading data as of {as_of}"):
            frame = Frame.from_store(store, as_of)
        if not frame.has("ust_10y"):
            raise DataError(f"no 10-year Treasury yield in the data as of {as_of}: nothing to publish")
        if frame.is_sample and not allow_sample:
            raise _sample_refusal("published")
        eid = EditionId(edition_of(as_of), frame.is_sample)
        archive.check_new(eid, revise=revise)  # refuse before the slow build; checked again under the lock
        prev = previous_verdicts(archive.root, before=eid.week, sample=eid.sample)
        formats = tuple(dict.fromkeys(("html", "pdf", *config.output.formats)))
        cache = Cache(config.output.cache) if config.output.cache else None
        brief = make_brief(frame, config, formats=formats, previous=prev, cache=cache, progress=progress)
        with progress.step(f"Publishing {eid.base} into {archive.root}"):
            edition = publish_brief(brief, config, source=used, store=store, revise=revise,
                                    allow_sample=allow_sample, previous=prev["name"] if prev else None,
                                    root=archive.root)
    finally:
        store.close()
    return PublishResult(edition, used, archive.root / "index.html")


# --- rebuild -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    """How a rebuild from the archived data compares with the published edition."""

    name: str
    identical: bool  # verdicts, evidence numbers and key numbers all equal
    verdicts_equal: bool
    key_numbers_equal: bool
    differences: tuple[str, ...]
    files: Mapping[str, bool]  # file name -> byte-identical to the published one
    n_verdicts: int
    n_key_numbers: int
    code_changed: bool
    notes: tuple[str, ...] = field(default=())


def _diff_docs(a: Any, b: Any, path: str, out: list[str], limit: int = 20) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'published' if k in a else 'rebuilt'}")
            else:
                _diff_docs(a[k], b[k], f"{path}.{k}", out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items published, {len(b)} rebuilt")
        for i, (x, y) in enumerate(zip(a, b)):
            label = x.get("rule_id") or x.get("key") or x.get("label") if isinstance(x, Mapping) else None
            _diff_docs(x, y, f"{path}[{label or i}]", out, limit)
    elif a != b:
        out.append(f"{path}: published {a!r}, rebuilt {b!r}")


def rebuild(config: Config, ident: str, *, out_dir: Path | None = None, formats: Sequence[str] | None = None,
            progress: Progress = QUIET) -> RebuildResult:
    """Re-render an edition from its own ``data.csv.gz`` and recorded configuration and compare.

    The verdicts (states, headlines, evidence numbers, thresholds) and the key numbers must be
    identical. HTML and PDF bytes are compared too but need not match (the PDF writer stamps its
    own creation time). Nothing is written into the archive; ``out_dir`` receives the rebuilt
    files when given. ``formats`` defaults to the published ones; fewer (``("html",)``) is
    quicker and still compares every verdict and number.
    """
    from .cache import code_version
    from .frame import Frame
    from .pipeline import make_brief, write_brief

    archive = Archive(config.archive.root)
    ed = archive.find(ident)
    check = archive.verify(ed)
    if not check.ok:
        raise PublishError(f"edition {ed.name} fails verification ({check.problems[0]}); a rebuild needs the "
                           "intact published data")
    man = ed.manifest
    assert man is not None
    try:
        cfg = config_from_record(man["config"])
    except MacrobriefError as exc:
        raise PublishError(f"edition {ed.name}: its recorded configuration no longer loads ({exc})") from None
    as_of = date.fromisoformat(man["as_of"])
    with progress.step(f"Reading {ed.name}/{SNAPSHOT}"):
        snap = read_snapshot(ed.path / SNAPSHOT)
        frame = Frame.from_snapshot(snap, as_of, sources=man.get("sources", {}))
    prev = None
    if man.get("previous"):
        with contextlib.suppress(OSError, ValueError):
            prev = json.loads((archive.root / man["previous"] / "verdicts.json").read_text(encoding="utf-8"))
            prev["revision"] = int(man["previous"].rsplit("-r", 1)[1]) if "-r" in man["previous"] else 1
            prev["name"] = man["previous"]
    built_at = datetime.fromisoformat(man["built_at"]) if man.get("built_at") else None
    formats = tuple(formats or man.get("formats") or ("html", "pdf"))
    brief = make_brief(frame, cfg, formats=formats, previous=prev,
                       built_at=built_at, progress=progress)
    published = json.loads((ed.path / "verdicts.json").read_text(encoding="utf-8"))
    rebuilt = json.loads(brief.files["verdicts.json"].decode("utf-8"))
    diffs: list[str] = []
    _diff_docs(published.get("verdicts"), rebuilt.get("verdicts"), "verdicts", diffs)
    v_equal = not diffs
    kdiffs: list[str] = []
    _diff_docs(published.get("key_numbers"), rebuilt.get("key_numbers"), "key_numbers", kdiffs)
    k_equal = not kdiffs
    rest: list[str] = []
    _diff_docs({k: v for k, v in published.items() if k not in ("verdicts", "key_numbers")},
               {k: v for k, v in rebuilt.items() if k not in ("verdicts", "key_numbers")}, "verdicts.json", rest)
    files = {}
    for name, data in sorted(brief.files.items()):
        p = ed.path / name
        files[name] = p.is_file() and sha256_file(p) == hashlib.sha256(data).hexdigest()
    snap_again = snapshot_bytes(frame)
    files[SNAPSHOT] = hashlib.sha256(snap_again).hexdigest() == man["files"][SNAPSHOT]["sha256"]
    notes = []
    code_changed = man.get("package", {}).get("code_hash") != code_version()
    if code_changed:
        notes.append(f"the code differs from the published edition's (code hash {man['package'].get('code_hash')} "
                     f"then, {code_version()} now)")
    if out_dir is not None:
        write_brief(brief, Path(out_dir))
        notes.append(f"rebuilt files written to {out_dir}")
    return RebuildResult(ed.name, v_equal and k_equal and not rest, v_equal, k_equal, tuple(diffs + kdiffs + rest),
                         files, len(rebuilt.get("verdicts", [])), len(rebuilt.get("key_numbers", [])),
                         code_changed, tuple(notes))


# --- command line ---------------------------------------------------------------------------------------------


def _config(args: Any) -> Config:
    from .config import load_config

    return load_config(args.config)


def cmd_publish(args: Any, progress: Progress) -> int:
    config = _config(args)
    res = publish(config, as_of=args.as_of, week=args.week, source=args.source, data_dirs=args.data_dir,
                  revise=args.revise, allow_sample=args.allow_sample, progress=progress)
    e = res.edition
    what = f"revision {e.revision} of {e.week}" if e.revision > 1 else e.week
    print(f"Published {what}{' (SAMPLE)' if e.sample else ''} as of {e.as_of} from {res.source}: {e.path}")
    print(f"  {len((e.manifest or {}).get('files', {}))} files + {MANIFEST}; index: {res.index}")
    print("  verdicts: " + _state_summary(e.verdicts))
    return 0


def _state_summary(verdicts: Sequence[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.get("state", "?")] = counts.get(v.get("state", "?"), 0) + 1
    return ", ".join(f"{n} {s}" for s, n in counts.items()) or "none"


def cmd_archive(args: Any, progress: Progress) -> int:
    config = _config(args)
    archive = Archive(config.archive.root)
    action = args.archive_command
    if action == "list":
        eds = archive.latest()
        if not eds:
            print(f"No editions in {archive.root}")
            return 0
        print(f"{len(eds)} editions in {archive.root} (newest first):")
        for e in eds:
            label = e.week + (f" r{e.revision}" if e.revision > 1 else "") + (" SAMPLE" if e.sample else "")
            if e.manifest is None:
                print(f"  {label:<20} DAMAGED: {MANIFEST} missing or unreadable")
                continue
            print(f"  {label:<20} as of {e.as_of}  published {e.published_at}  {_state_summary(e.verdicts)}")
        return 0
    if action == "show":
        e = archive.find(args.edition)
        if e.manifest is None:
            raise PublishError(f"edition {e.name}: {MANIFEST} is missing or unreadable")
        m = e.manifest
        pkg = m.get("package", {})
        print(f"Edition {e.week}{' (SAMPLE)' if e.sample else ''}, revision {e.revision}: {e.path}")
        print(f"  as of {m.get('as_of')}, built {m.get('built_at')}, published {m.get('published_at')}, "
              f"data from {m.get('source') or '?'}")
        print(f"  macrobrief {pkg.get('version')} (code {pkg.get('code_hash')}"
              + (f", git {pkg['git_commit'][:12]}{' dirty' if pkg.get('git_dirty') else ''}" if pkg.get("git_commit")
                 else "") + ")")
        for h in archive.history(e.id):
            print(f"  revision {h.revision}: {h.name}, published {h.published_at}"
                  + (f", reason: {h.reason}" if h.reason else ""))
        series = m.get("series", {})
        stale = [k for k, s in series.items() if s.get("stale")]
        print(f"  {len(series)} series, {len(stale)} stale, {len(m.get('missing_series', []))} not loaded")
        print("  verdicts:")
        for v in e.verdicts:
            print(f"    {v.get('rule_id')}: {v.get('state')}{' (stale)' if v.get('stale') else ''} - {v.get('headline')}")
        print(f"  files: {', '.join(sorted(m.get('files', {})))}")
        return 0
    if action == "verify":
        eds = [archive.find(args.edition)] if args.edition else archive.editions()
        if not eds:
            print(f"No editions in {archive.root}")
            return 0
        bad = 0
        for e in eds:
            r = archive.verify(e)
            if r.ok:
                print(f"  OK       {e.name} ({r.n_files} files)")
            else:
                bad += 1
                print(f"  DAMAGED  {e.name}: " + "; ".join(r.problems))
        if bad:
            raise PublishError(f"{bad} of {len(eds)} editions failed verification (changed or missing files)")
        print(f"{len(eds)} editions verified: every file matches its manifest")
        return 0
    if action == "rebuild":
        r = rebuild(config, args.edition, out_dir=args.out, progress=progress)
        print(f"Rebuilt {r.name} from its own data snapshot:")
        print(f"  verdicts: {'identical' if r.verdicts_equal else 'DIFFERENT'} ({r.n_verdicts} verdicts with "
              "their evidence numbers and thresholds)")
        print(f"  key numbers: {'identical' if r.key_numbers_equal else 'DIFFERENT'} ({r.n_key_numbers} rows)")
        same = sorted(n for n, ok in r.files.items() if ok)
        diff = sorted(n for n, ok in r.files.items() if not ok)
        print(f"  byte-identical files: {len(same)} of {len(r.files)}"
              + (f"; differing: {', '.join(diff)}" if diff else ""))
        if "brief.pdf" in diff:
            print("  (the PDF differs in its embedded creation time; its content is rendered from the same numbers)")
        for d in r.differences:
            print(f"  difference: {d}")
        for n in r.notes:
            print(f"  note: {n}")
        if not r.identical:
            raise PublishError(f"the rebuild of {r.name} does not reproduce the published verdicts and numbers")
        return 0
    if action == "index":
        index, feed = Archive(config.archive.root).write_index()
        print(f"Wrote {index} and {feed}")
        return 0
    raise PublishError(f"unknown archive action {action!r}")

