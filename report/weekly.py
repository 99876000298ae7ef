"""The scheduled weekly run: fetch -> publish -> send, one run at a time.

``macrobrief weekly`` takes an exclusive ``fcntl`` lock on ``[archive] lock`` (default
``<archive root>/.weekly.lock``; the kernel releases it when the process dies, so a crashed run
never blocks the next one). A second run started while the first holds the lock exits at once
with exit code 7 (or waits for it with ``--wait``). Each step is logged with a timestamp to
``[archive] log`` and to stderr.

The run is idempotent: when this week's edition is already published it is not rebuilt, and
the send step mails only recipients the send log has not yet served. Re-running after a crash
or a partial failure therefore finishes the job without duplicates.

Exit codes: 0 every step done and every recipient served; 3 data, 5 publishing, 6 mail (some
recipients not served, or the server unreachable), 7 another weekly run holds the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from .config import Config
from .errors import ConfigError, MacrobriefError, PublishError
from .progress import QUIET

__all__ = ["RunLocked", "WeeklyResult", "weekly", "run_lock", "cmd_weekly", "EXIT_LOCKED"]

EXIT_LOCKED = 7


class RunLocked(MacrobriefError):
    """Another weekly run holds the lock."""

    exit_code = EXIT_LOCKED


def lock_path(config: Config) -> Path:
    return config.archive.lock or (config.archive.root / ".weekly.lock")


@contextlib.contextmanager
def run_lock(path: Path, *, wait: bool = False, log: logging.Logger | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the duration of the block.

    Raises :class:`RunLocked` (naming the holder's pid and start time) when another process
    holds it and ``wait`` is false.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
    except OSError as exc:
        raise PublishError(f"weekly lock {path}: cannot create it ({exc.strerror})") from None
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown process"
            if not wait:
                raise RunLocked(f"another weekly run holds the lock {path} ({holder}); this run did nothing "
                                "(use --wait to wait for it)") from None
            if log:
                log.info("waiting for the other weekly run (%s) to release %s", holder, path)
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True)
class WeeklyResult:
    edition: str
    published: bool  # False when the edition was already published before this run
    send: Any | None  # report.mailer.SendReport, or None with send=False

    @property
    def exit_code(self) -> int:
        if self.send is not None and not self.send.complete:
            return 6
        return 0


def weekly(
    config: Config,
    *,
    source: str = "auto",
    data_dirs: Sequence[Path] = (),
    recipients: Path | None = None,
    send: bool = True,
    wait: bool = False,
    as_of: date | None = None,
    week: str | None = None,
    today: date | None = None,
    log: logging.Logger | None = None,
) -> WeeklyResult:
    """Fetch, publish and send this week's edition under the weekly lock."""
    from .archive import Archive, EditionId, publish, week_as_of
    from .mailer import read_recipients, send_edition
    from .pipeline import edition_of, resolve_as_of

    log = log or logging.getLogger("macrobrief.weekly")
    today = today or datetime.now().date()
    recipients = recipients or config.smtp.recipients
    if send:
        if recipients is None:
            raise ConfigError("weekly needs a recipients file to send to: --recipients FILE or [smtp] recipients "
                              "(or --no-send)")
        _, problems = read_recipients(recipients)  # fail before any work when the list is unusable
        for p in problems:
            log.warning("%s", p)
    if week is not None and as_of is not None:
        raise PublishError("give either --as-of or --week, not both")
    as_of = week_as_of(week, today) if week is not None else resolve_as_of(as_of, today)
    edition = edition_of(as_of)
    with run_lock(lock_path(config), wait=wait, log=log):
        log.info("weekly run for %s (as of %s) holds the lock %s", edition, as_of, lock_path(config))
        archive = Archive(config.archive.root)
        existing = archive.history(EditionId(edition))
        if existing:
            log.info("%s is already published (%s, %s): not rebuilt", edition, existing[-1].name,
                     existing[-1].published_at)
            published = False
        else:
            log.info("fetching data (%s) and building %s", source, edition)
            res = publish(config, as_of=as_of, source=source, data_dirs=data_dirs, today=today, progress=QUIET)
            log.info("published %s from %s into %s", res.edition.name, res.source, res.edition.path)
            published = True
        report = None
        if send:
            assert recipients is not None
            log.info("sending %s to the recipients in %s", edition, recipients)
            report = send_edition(config, edition, recipients, progress=_LogProgress(log))
            log.info("%s", report.summary())
        else:
            log.info("sending skipped (--no-send)")
    result = WeeklyResult(edition, published, report)
    log.info("weekly run for %s finished with exit code %d", edition, result.exit_code)
    return result


class _LogProgress:
    """The bits of :class:`report.progress.Progress` the mailer uses, written to the run log."""

    def __init__(self, log: logging.Logger) -> None:
        self.log = log

    def note(self, message: str) -> None:
        self.log.info("%s", message.strip())

    def count(self, done: int, total: int, label: str = "") -> None:
        self.log.info("[%d/%d] %s", done, total, label)

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        self.log.info("%s", label)
        yield


def _logger(config: Config, quiet: bool) -> tuple[logging.Logger, list[logging.Handler]]:
    log = logging.getLogger("macrobrief.weekly")
    log.setLevel(logging.INFO)
    log.propagate = False
    fmt = logging.Formatter("%(asctime)s [pid %(process)d] %(levelname)s %(message)s")
    handlers: list[logging.Handler] = []
    if config.archive.log is not None:
        try:
            config.archive.log.parent.mkdir(parents=True, exist_ok=True)
            fh = logging.FileHandler(config.archive.log, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"[archive] log {config.archive.log}: cannot open it ({exc.strerror})") from None
        fh.setFormatter(fmt)
        handlers.append(fh)
    if not quiet:
        sh = logging.StreamHandler(sys.stderr)
        sh.setFormatter(fmt)
        sh.addFilter(lambda record: not getattr(record, "file_only", False))
        handlers.append(sh)
    for h in handlers:
        log.addHandler(h)
    return log, handlers


def cmd_weekly(args: Any, progress: Any) -> int:
    from .config import load_config

    config = load_config(args.config)
    log, handlers = _logger(config, args.quiet)
    try:
        res = weekly(config, source=args.source, data_dirs=args.data_dir, recipients=args.recipients,
                     send=not args.no_send, wait=args.wait, as_of=args.as_of, week=args.week, log=log)
        return res.exit_code
    except MacrobriefError as exc:
        # to the log file only: the command line prints the same error once on stderr
        log.error("weekly run failed (exit %d): %s", exc.exit_code, " ".join(str(exc).split()),
                  extra={"file_only": True})
        raise
    finally:
        for h in handlers:
            log.removeHandler(h)
            h.close()
