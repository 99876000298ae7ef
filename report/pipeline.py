"""The build pipeline: load -> point-in-time frame -> compute -> verdicts -> context -> charts
-> templates -> write.

Everything is computed in memory first (:func:`make_brief`); files are written last, into a
temporary folder that replaces the target folder in one rename (:func:`write_brief`). One
failing section never stops the brief: it renders as an error notice.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from queue import Empty
from types import MappingProxyType
from typing import Any

import pandas as pd

from analytics.rules import Verdict

from .assemble import (
    brief_meta,
    build_context,
    section_context,
    track_records_document,
    verdicts_document,
)
from .cache import Cache, reduce_read_only
from .config import Config
from .errors import DataError, MacrobriefError, RenderError
from .frame import Frame
from .paged import Assembly, appendix_parts, cover_part, lay_out, margin_texts, part_names, part_titles
from .paged import render_brief_pdf
from .paged import lay_out_summary as lay_out_summary_part
from .progress import QUIET, Progress
from .render import image_uri, leave_documents_to_exit, png_data_uri, render_html
from .sections import registry
from .sections.base import SectionInput, SectionResult
from .store import Store
from .theme import Theme, load_theme

__all__ = [
    "SOURCES",
    "Brief",
    "BuildResult",
    "build",
    "compute_and_draw",
    "compute_sections",
    "edition_of",
    "load_data",
    "load_frame",
    "make_brief",
    "package_version",
    "resolve_as_of",
    "resolve_source",
    "write_brief",
]

SOURCES = ("auto", "fred", "csv", "sample", "store")


def package_version() -> str:
    try:
        return metadata.version("macrobrief")
    except metadata.PackageNotFoundError:  # running from a checkout without install
        return "0+unknown"


def resolve_as_of(as_of: date | None, today: date) -> date:
    """The as-of date: the given one (not in the future), else the last weekday on or before today."""
    if as_of is not None:
        if as_of > today:
            raise DataError(f"--as-of {as_of} is in the future (today is {today}); a brief uses only known data")
        return as_of
    d = today
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


def edition_of(as_of: date) -> str:
    """ISO week of the as-of date, e.g. ``2025-W15``."""
    y, w, _ = as_of.isocalendar()
    return f"{y}-W{w:02d}"


def _fred_key(config: Config) -> str | None:
    return os.environ.get("FRED_API_KEY") or config.data.fred_api_key or None


def load_data(
    config: Config,
    *,
    source: str,
    as_of: date,
    data_dirs: Sequence[Path] = (),
    progress: Progress = QUIET,
) -> tuple[Store, str]:
    """Open the store the build reads and bring data into it; return it and the source used.

    ``auto`` fetches from FRED when an API key is set, else uses the store when it holds
    data, else falls back to the synthetic SAMPLE source (in memory, never mixed with a desk's
    store). ``csv`` imports ``data_dirs`` (default: the configured csv_dir and other_dir).
    """
    if source not in SOURCES:
        raise DataError(f"--source must be one of {', '.join(SOURCES)}; got {source!r}")
    if source == "auto":
        source = resolve_source(config, data_dirs, progress)
    if source == "sample":
        from .sources import sample

        store = Store(":memory:")
        with progress.step("Generating SAMPLE data"):
            sample.load(store, as_of)
        return store, "sample"
    store = Store(config.data.store)
    if source == "csv":
        dirs = list(data_dirs) or [d for d in (config.data.csv_dir, config.data.other_dir) if d]
        if not dirs:
            raise DataError("--source csv needs --data-dir DIR (or data.csv_dir in the config)")
        from .sources.csvdir import import_directory

        for d in dirs:
            with progress.step(f"Importing {d}"):
                import_directory(store, Path(d), progress=progress.count)
    elif source == "fred":
        from .sources import fred

        with progress.step("Fetching from FRED"):
            report = fred.fetch(store, config, progress=progress.count)
        failed = getattr(report, "failed", None)
        if failed:
            progress.note(f"FRED: {len(failed)} series could not be fetched: {', '.join(list(failed)[:8])}")
    elif store.is_empty():
        raise DataError(f"the store {config.data.store} is empty: run `macrobrief data import DIR` or "
                        "`macrobrief data fetch` first, or build with --source sample")
    return store, source


def load_frame(
    config: Config,
    *,
    source: str,
    as_of: date,
    data_dirs: Sequence[Path] = (),
    cache: Cache | None = None,
    progress: Progress = QUIET,
) -> tuple[Frame, str]:
    """The point-in-time frame a build reads, and the source it came from.

    The SAMPLE source is generated straight into a frame (it is already dated as it would
    have been published, and never touches a desk's store); the other sources go through the
    store (:func:`load_data`) and a point-in-time read.
    """
    if source == "auto" or source == "sample":
        resolved = resolve_source(config, data_dirs, progress) if source == "auto" else "sample"
        if resolved == "sample":
            from .sources import sample

            with progress.step("Generating SAMPLE data"):
                series = sample.generate(as_of)
            frame = Frame(series, as_of, sources={k: "sample" for k in series})
            return frame, "sample"
        source = resolved
    store, used = load_data(config, source=source, as_of=as_of, data_dirs=data_dirs, progress=progress)
    try:
        with progress.step(f"Reading data as of {as_of}"):
            frame = read_frame(store, as_of, cache=cache)
    finally:
        store.close()
    if not frame.has("ust_10y"):
        raise DataError(f"no 10-year Treasury yield in the data as of {as_of}: nothing to build a brief on")
    return frame, used


def resolve_source(config: Config, data_dirs: Sequence[Path], progress: Progress = QUIET) -> str:
    """What ``--source auto`` means here: FRED with a key, CSV with --data-dir, the store when it
    holds data, else the built-in SAMPLE data."""
    if _fred_key(config):
        return "fred"
    if data_dirs:
        return "csv"
    if config.data.store.exists():
        with Store(config.data.store) as store:
            if not store.is_empty():
                return "store"
    progress.note("No FRED_API_KEY and an empty store: building from the built-in SAMPLE data "
                  "(marked SAMPLE on every page; not publishable).")
    return "sample"


def _build_section(section: Any, frame: Frame, config: Config, cache: Cache | None) -> SectionResult:
    """One section's result; an exception other than a :class:`MacrobriefError` becomes an error
    result (one failing section never stops the brief)."""
    inp = SectionInput(frame, config, section_id=section.id, cache=cache)
    try:
        return section.build(inp)
    except MacrobriefError:
        raise
    except Exception as exc:  # one failing section never stops the brief
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        res = section.result(status="error", error=f"{detail}. The rest of the brief is unaffected.")
        res.gaps = inp.gaps(section.series_keys())
        return res


def compute_sections(frame: Frame, config: Config, *, cache: Cache | None = None,
                     progress: Progress = QUIET,
                     on_result: Callable[[SectionResult], None] | None = None) -> list[SectionResult]:
    """Run every enabled section in this process; a section that raises becomes an error result.

    ``on_result`` sees each result as soon as it is ready (the chart drawer starts on it while
    the next section computes).
    """
    sections = registry()
    results = []
    for sid in config.brief.sections:
        section = sections.get(sid)
        if section is None:
            continue
        with progress.step(f"Section {section.number}: {section.title}"):
            res = _build_section(section, frame, config, cache)
        results.append(res)
        if on_result is not None:
            on_result(res)
    return results


@dataclass
class Brief:
    """A built brief held in memory: nothing is written until :func:`write_brief`."""

    edition: str
    as_of: date
    frame: Frame
    results: list[SectionResult]
    verdicts: list[Verdict]
    context: dict[str, Any]
    charts: dict[str, bytes]
    files: dict[str, bytes] = field(default_factory=dict)  # file name -> content
    built_at: datetime | None = None

    @property
    def sample(self) -> bool:
        return self.frame.is_sample


def _chart_fingerprint(spec: Any, as_of: date, sample: bool, dpi: int, recessions: Any) -> str:
    h = hashlib.sha256()
    h.update(pickle.dumps((spec.id, spec.kind, spec.title, spec.series_keys, spec.shade_recessions, spec.width,
                           spec.note, as_of, sample, dpi), protocol=4))
    for k in sorted(spec.data):
        v = spec.data[k]
        h.update(k.encode())
        if isinstance(v, Mapping):
            for kk in v:
                h.update(str(kk).encode())
                vv = v[kk]
                if isinstance(vv, (pd.Series, pd.DataFrame)):
                    h.update(pd.util.hash_pandas_object(vv).to_numpy().tobytes())
                else:
                    h.update(repr(vv).encode())
        elif isinstance(v, (pd.Series, pd.DataFrame)):
            h.update(pd.util.hash_pandas_object(v).to_numpy().tobytes())
        else:
            h.update(repr(v).encode())
    if spec.shade_recessions:
        h.update(recessions.encode())
    return h.hexdigest()


def _draw_one(spec: Any, kw: Mapping[str, Any]) -> bytes | str:
    """PNG bytes of one chart, or a one-line reason when it cannot be drawn (the brief goes on
    and says so where the chart would have been)."""
    from .charts import render_chart

    try:
        return render_chart(spec, **kw)
    except Exception as exc:  # a drawer's bug or odd data must not stop the brief
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return f"chart {spec.id} ({spec.kind}): {detail}"


def _draw_task(spec: Any, base: Mapping[str, Any]) -> bytes | str:
    """One chart of a :class:`ChartDrawer`, in a worker or here (the theme is rebuilt from its
    colour overrides)."""
    kw = {k: v for k, v in base.items() if k != "colors"}
    return _draw_one(spec, {**kw, "theme": load_theme(base["colors"])})


def chart_workers() -> int:
    """Processes used to draw charts: ``$MACROBRIEF_CHART_WORKERS`` or the usable cores (at most 4)."""
    env = os.environ.get("MACROBRIEF_CHART_WORKERS", "")
    if env.strip():
        try:
            return max(1, int(env))
        except ValueError:
            raise RenderError(f"MACROBRIEF_CHART_WORKERS={env!r}: expected a whole number of processes") from None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


class ChartDrawer:
    """Draws the brief's charts, starting on each section's charts as soon as it is computed.

    A chart found in the cache (same spec data, as-of date, SAMPLE flag, resolution and
    recession dates) is reused. The others go to a pool of forked worker processes (matplotlib
    is CPU-bound), so charts are drawn while later sections compute; with one worker, or
    where ``fork`` is unavailable, they are drawn in this process at :meth:`finish`. A chart
    whose spec cannot be sent to a worker is drawn here too. matplotlib is imported only when
    some chart has to be drawn.
    """

    def __init__(self, frame: Frame, config: Config, *, cache: Cache | None = None,
                 progress: Progress = QUIET, workers: int | None = None) -> None:
        self.frame, self.config, self.cache, self.progress = frame, config, cache, progress
        self.workers = chart_workers() if workers is None else workers
        flags = frame.get("recession")
        self._rec_flags = flags
        self._rec_hash = hashlib.sha256(pd.util.hash_pandas_object(flags).to_numpy().tobytes()).hexdigest()
        self._base: dict[str, Any] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._ids: set[str] = set()
        self._order: list[str] = []
        self._out: dict[str, bytes | str] = {}
        self._todo: list[tuple[Any, str, Any]] = []  # spec, fingerprint, future or None

    def _kwargs(self) -> dict[str, Any]:
        if self._base is None:
            from .charts import recession_spans

            self._base = {"as_of": self.frame.as_of, "recessions": recession_spans(self._rec_flags),
                          "dpi": self.config.output.chart_dpi, "sample": self.frame.is_sample,
                          "colors": dict(self.config.brief.colors)}
        return self._base

    def add(self, specs: Sequence[Any]) -> None:
        for spec in specs:
            if spec.id in self._ids:
                raise RenderError(f"chart id {spec.id!r} is declared twice")
            self._ids.add(spec.id)
            self._order.append(spec.id)
            fp = _chart_fingerprint(spec, self.frame.as_of, self.frame.is_sample, self.config.output.chart_dpi,
                                    self._rec_hash)
            png = self.cache.get_bytes("charts.png", fp) if self.cache else None
            if png is not None:
                self._out[spec.id] = png
                continue
            base = self._kwargs()
            future = None
            if self.workers > 1 and "fork" in multiprocessing.get_all_start_methods():
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                     mp_context=multiprocessing.get_context("fork"))
                future = self._pool.submit(_draw_task, spec, base)
            self._todo.append((spec, fp, future))

    def finish(self) -> dict[str, bytes]:
        """Wait for every chart (those not sent to a worker are drawn here)."""
        total, done = len(self._order), len(self._out)
        for spec, fp, future in self._todo:
            png: bytes | str | None = None
            if future is not None:
                try:
                    png = future.result()
                except Exception:  # the spec could not be pickled, or the worker died: draw it here
                    png = None
            if png is None:
                png = _draw_task(spec, self._kwargs())
            self._out[spec.id] = png
            done += 1
            self.progress.count(done, total, spec.id)
            if isinstance(png, str):
                self.progress.note(f"Could not draw {png}")
            elif self.cache:
                self.cache.put_bytes("charts.png", fp, None, png)
        self.close()
        return {cid: self._out[cid] for cid in self._order if isinstance(self._out.get(cid), bytes)}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def draw_charts(results: Sequence[SectionResult], frame: Frame, config: Config, theme: Theme | None = None, *,
                cache: Cache | None = None, progress: Progress = QUIET,
                workers: int | None = None) -> dict[str, bytes]:
    """PNG bytes of every chart the sections declared (cached by content); see :class:`ChartDrawer`.

    The theme comes from ``config.brief.colors``; ``theme`` is accepted for compatibility.
    """
    drawer = ChartDrawer(frame, config, cache=cache, progress=progress, workers=workers)
    try:
        for r in results:
            drawer.add(r.charts)
        return drawer.finish()
    finally:
        drawer.close()


def _warm_up_pdf_engine(meta: Mapping[str, Any], theme: Theme) -> None:
    """Import WeasyPrint, load the fonts, parse the stylesheets of the PDF's parts and page-number
    sheet, lay out a line of text and compile the brief's templates, so that the forked workers
    that lay out the brief's pages inherit a ready engine; load pypdf for the assembly here."""
    from .render import brief_css, compile_templates, warm_up

    compile_templates()

    try:
        warm_up([brief_css(meta, theme, layer=layer) for layer in ("part", "cover", "margins")])
    except (OSError, MacrobriefError):  # missing system libraries: the real rendering reports it
        pass
    import pypdf.generic  # noqa: F401 - the assembly's (report.paged)


#: what forked section workers inherit (set just before the first fork, cleared after)
_FORK_STATE: dict[str, Any] = {}


def _claim() -> str | None:
    """The next section no worker has taken yet (the early worker and the pool share the count)."""
    counter, ids = _FORK_STATE["claim"], _FORK_STATE["ids"]
    with counter.get_lock():
        i = counter.value
        counter.value = i + 1
    return ids[i] if i < len(ids) else None


def _send(message: tuple) -> None:
    """A message to the parent: from the early worker through its queue (sent in the background,
    so that it goes on while the parent is busy getting ready), from the pool's workers over their
    shared pipe (one writer at a time)."""
    queue = _FORK_STATE.get("queue")
    if queue is not None:
        queue.put(pickle.dumps(message))  # pickled here, so that a failure shows here, not in the queue's thread
        return
    lock, conn = _FORK_STATE["pipe"]
    with lock:
        conn.send(message)


def _charts_and_pages(res: SectionResult) -> tuple[dict[str, bytes], Any]:
    """A computed section's charts drawn and (when the brief has a PDF) its pages laid out, in a
    forked worker: the PNGs and the laid-out part (:class:`report.paged.LaidOutPart`, or None
    when the PDF is to lay it out again and report the error)."""
    frame, config, cache = _FORK_STATE["frame"], _FORK_STATE["config"], _FORK_STATE["cache"]
    drawer = ChartDrawer(frame, config, cache=cache, workers=1)
    try:
        drawer.add(res.charts)
        pngs = drawer.finish()
    finally:
        drawer.close()
    laid = None
    pdf = _FORK_STATE.get("pdf")
    if pdf is not None:
        try:
            laid = _lay_out_part(_section_part(res, pngs, pdf))
        except MacrobriefError:  # laid out again with the whole PDF, which reports the error
            laid = None
    return pngs, laid


def _section_worker() -> tuple[str, SectionResult, dict[str, bytes], tuple[str, ...], float, Any] | None:
    """Pool side of :func:`compute_and_draw`: the next section not taken yet (None when there is
    none), computed (its result sent to the parent at once), its charts drawn and its pages laid
    out (:func:`_charts_and_pages`).

    Returns the section's id, result, the PNGs of its charts, the series it read (for
    provenance), the time it took and the laid-out pages (or None). Verdict thresholds are
    read-only mappings: taught to pickle here, in the worker.
    """
    copyreg.pickle(MappingProxyType, reduce_read_only)
    sid = _claim()
    if sid is None:
        return None
    t0 = time.perf_counter()
    frame = _FORK_STATE["frame"]
    res = _build_section(registry()[sid], frame, _FORK_STATE["config"], _FORK_STATE["cache"])
    try:
        _send(("result", sid, res, frame.used))
    except Exception:  # a result that cannot be pickled: the parent does without it
        _send(("result", sid, None, ()))
    pngs, laid = _charts_and_pages(res)
    return sid, res, pngs, frame.used, time.perf_counter() - t0, laid


def _early_charts_and_pages(res: SectionResult) -> tuple[dict[str, bytes], Any, float, tuple[str, ...]]:
    """Pool side of an early worker's section: :func:`_charts_and_pages` of its result, the time
    they took and the series read meanwhile (the chart drawer reads the recession flags: for
    provenance)."""
    copyreg.pickle(MappingProxyType, reduce_read_only)
    t0 = time.perf_counter()
    pngs, laid = _charts_and_pages(res)
    return pngs, laid, time.perf_counter() - t0, _FORK_STATE["frame"].used


def _early_worker() -> None:
    """The worker forked before the parent loads the PDF engine and matplotlib: until the pool
    starts, it takes sections, computes them and sends each result to the parent, which has the
    pool (forked with both loaded) draw its charts and lay out its pages. A section it cannot
    compute or send is left to the parent."""
    copyreg.pickle(MappingProxyType, reduce_read_only)
    leave_documents_to_exit()  # as in the pool's workers (this one lays out none so far)
    _FORK_STATE["queue"] = _FORK_STATE["early_queue"]
    pool_started = _FORK_STATE["pool_started"]
    frame, config, cache = _FORK_STATE["frame"], _FORK_STATE["config"], _FORK_STATE["cache"]
    if cache is not None:
        cache.write_later()  # the frame read for the build (read_frame), off the parent's path
    while not pool_started.is_set() and (sid := _claim()) is not None:
        t0 = time.perf_counter()
        try:
            res = _build_section(registry()[sid], frame, config, cache)
            _send(("computed", sid, res, frame.used, time.perf_counter() - t0))
        except Exception:  # the parent computes the section again and reports any error
            _send(("failed", sid))
    _send(("exit",))


def _section_part(res: SectionResult, pngs: Mapping[str, bytes], pdf: Mapping[str, Any]) -> Any:
    """The PDF part of one section (``pdf``: ``{"meta", "theme", "previous"}``)."""
    from .paged import section_part

    sctx = section_context(res, chart_entries(pngs, inline=False), pdf["theme"], pdf["previous"])
    return section_part(pdf["meta"], sctx, pdf["theme"], images=pngs)


def _lay_out_part(part: Any) -> Any:
    from .paged import lay_out

    return lay_out(part)


def _preload_for_sections() -> None:
    """Load what the charts load on first use (matplotlib), so that the pool's workers inherit it
    instead of each loading it again."""
    from . import charts  # noqa: F401 - loaded for the workers


def chart_entries(charts: Mapping[str, bytes], *, inline: bool = True) -> dict[str, dict[str, Any]]:
    """The context's view of drawn charts: chart id to ``{"uri", "px_width", "px_height"}``; the
    URI is a ``data:`` URI (``inline``) or the chart's name for a PDF part that carries the PNGs
    (:func:`report.render.image_uri`)."""
    out = {}
    for cid, png in charts.items():
        w, h = _png_size(png)
        out[cid] = {"uri": png_data_uri(png) if inline else image_uri(cid), "px_width": w, "px_height": h}
    return out


def compute_and_draw(frame: Frame, config: Config, *, cache: Cache | None = None, progress: Progress = QUIET,
                     workers: int | None = None, before_fork: Callable[[], Any] | None = None,
                     pages: Mapping[str, Any] | None = None, laid_out: dict[str, Any] | None = None,
                     on_results: Callable[[list[SectionResult], Callable[..., Any]], Any] | None = None,
                     on_sections: Callable[[list[SectionResult], dict[str, bytes]], Any] | None = None
                     ) -> tuple[list[SectionResult], dict[str, bytes]]:
    """Every enabled section's result and the PNGs of their charts.

    With several cores the sections are shared among forked worker processes, each computing a
    section and then drawing its charts; results come back in brief order, and the series each
    worker read are marked used in ``frame`` (provenance). A section whose result cannot be sent
    back is computed again here. With one core everything runs here, charts drawn by a
    :class:`ChartDrawer` while the next section computes. ``before_fork`` runs here just before
    the workers start (it prepares what they inherit).

    ``pages`` (``{"meta", "theme", "previous"}``) asks the workers to lay out each section's PDF
    pages too (:mod:`report.paged`); they go into ``laid_out`` by part name. ``on_results`` is
    called, in brief order, with every result as soon as all are computed (before their charts
    and pages are done) and with the workers' ``submit``: work that needs every result but no
    chart (the cover, the appendix) joins the queue while the last charts are drawn.
    ``on_sections`` is called with the results and the charts once every section has both, while
    the workers may still be laying out what ``on_results`` gave them.

    With a cache, the whole outcome is also kept under a key covering all the data and the
    configuration, so a rebuild with unchanged inputs neither computes nor forks.
    """
    memo = _memo_key(frame, config) if cache is not None else None
    if memo is not None:
        hit = _memo_load(cache, memo, frame)
        if hit is not None:
            return hit

    def sections_done(results: list[SectionResult], charts: dict[str, bytes]) -> None:
        if cache is not None:  # kept while the workers lay out the last parts
            cache.write_later()
        if memo is not None:
            _memo_store(cache, memo, frame, results, charts)
        if on_sections is not None:
            on_sections(results, charts)

    return _compute_and_draw(frame, config, cache=cache, progress=progress, workers=workers,
                             before_fork=before_fork, pages=pages, laid_out=laid_out,
                             on_results=on_results, on_sections=sections_done)


def _memo_key(frame: Frame, config: Config) -> str:
    """What the sections and their charts depend on: every series' data and the as-of date (the
    frame's fingerprint), the SAMPLE flag, and the configuration (sections on, their options,
    rule thresholds, chart resolution and colours). The cache adds the code version."""
    cfg = (repr(config.brief), sorted((k, sorted(v.items())) for k, v in config.sections.items()),
           sorted((k, sorted(v.items())) for k, v in config.rules.items()), config.output.chart_dpi,
           sorted(config.brief.colors.items()), [(e.name, e.date) for e in config.events])
    return hashlib.sha256((frame.fingerprint(frame.keys) + repr((frame.is_sample, cfg))).encode()).hexdigest()


def _memo_load(cache: Cache, memo: str, frame: Frame) -> tuple[list[SectionResult], dict[str, bytes]] | None:
    data = cache.get_bytes("brief.sections", memo)
    if data is None:
        return None
    try:
        results, charts, used = pickle.loads(data)
    except Exception:  # unreadable entry: compute again
        return None
    for k in used:
        frame.get(k)  # the provenance of the build that stored it
    return results, charts


def _memo_store(cache: Cache, memo: str, frame: Frame, results: list[SectionResult], charts: dict[str, bytes]) -> None:
    from .cache import dumps

    try:
        data = dumps((results, charts, frame.used))
    except Exception:  # a result that cannot be pickled: no whole-brief memo, the pieces stay cached
        return
    cache.put_bytes("brief.sections", memo, None, data)


def _compute_and_draw(frame: Frame, config: Config, *, cache: Cache | None, progress: Progress,
                      workers: int | None, before_fork: Callable[[], Any] | None,
                      pages: Mapping[str, Any] | None, laid_out: dict[str, Any] | None,
                      on_results: Callable[[list[SectionResult], Callable[..., Any]], Any] | None,
                      on_sections: Callable[[list[SectionResult], dict[str, bytes]], Any]
                      ) -> tuple[list[SectionResult], dict[str, bytes]]:
    workers = chart_workers() if workers is None else workers
    sections = registry()
    ids = [sid for sid in config.brief.sections if sid in sections]
    if workers <= 1 or len(ids) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        drawer = ChartDrawer(frame, config, cache=cache, progress=progress, workers=workers)
        try:
            results = compute_sections(frame, config, cache=cache, progress=progress,
                                       on_result=lambda r: drawer.add(r.charts))
            with progress.step("Drawing charts"):
                charts = drawer.finish()
        finally:
            drawer.close()
        on_sections(results, charts)
        return results, charts
    ctx = multiprocessing.get_context("fork")
    # the early worker's results go to the pool from here: read-only mappings (verdict thresholds)
    # pickled as workers pickle them, for multiprocessing's transfers only
    ForkingPickler.register(MappingProxyType, reduce_read_only)
    reader, writer = ctx.Pipe(duplex=False)
    _FORK_STATE.update(frame=frame, config=config, cache=cache, pdf=pages, ids=ids, claim=ctx.Value("i", 0),
                       pipe=(ctx.Lock(), writer), pool_started=ctx.Event(), early_queue=ctx.Queue())
    # one worker starts on the sections at once, until the pool starts: the pool, forked once the
    # PDF engine and the sections' libraries are loaded here, inherits them
    early_worker = ctx.Process(target=_early_worker, daemon=True)
    # what exists now is frozen before each fork: the workers' collections then never traverse the
    # heap they inherit (nor write to its pages); it is collectable again here once they are done
    gc.freeze()
    early_worker.start()
    if cache is not None:
        cache.forget_later()  # the early worker writes it
    try:
        if before_fork is not None:
            before_fork()
        _preload_for_sections()
        gc.freeze()
        with ProcessPoolExecutor(max_workers=min(workers, len(ids)), mp_context=ctx,
                                 initializer=leave_documents_to_exit) as pool:
            futures = [pool.submit(_section_worker) for _ in ids]
            _FORK_STATE["pool_started"].set()

            def submit(fn: Callable[..., Any], *args: Any) -> Future | None:
                try:
                    return pool.submit(fn, *args)
                except RuntimeError:  # the pool broke (a worker died): the PDF lays the part out later
                    return None

            got = _collect((reader, _FORK_STATE["early_queue"]), futures, early_worker, frame, ids, progress,
                           submit=submit,
                           on_results=(lambda done: on_results(done, submit)) if on_results else None)
            results, charts = _gather(got, frame, config, cache, ids, progress, laid_out)
            on_sections(results, charts)
    except BaseException:
        early_worker.kill()  # what it still has to send is not wanted any more
        raise
    finally:
        gc.unfreeze()
        early_worker.join(timeout=10)
        if early_worker.is_alive():  # pragma: no cover - it has nothing left to do by now
            early_worker.kill()
        _FORK_STATE["early_queue"].close()
        _FORK_STATE.clear()
        for conn in (reader, writer):
            conn.close()
    return results, charts


@dataclass
class _Outcome:
    """What the workers delivered for one section."""

    result: SectionResult | None = None
    pngs: dict[str, bytes] | None = None
    laid: Any = None  # a LaidOutPart, or None


def _collect(inboxes: tuple[Any, Any], futures: Sequence[Any], early_worker: Any, frame: Frame, ids: Sequence[str],
             progress: Progress, *, submit: Callable[..., Future | None],
             on_results: Callable[[list[SectionResult]], Any] | None) -> dict[str, _Outcome]:
    """The workers' messages and outcomes until no section is in the works: each result as soon as
    it is computed (``on_results`` gets them all, in brief order, once every section has one), the
    early worker's results (whose charts and pages go to the pool through ``submit``), the pool's
    outcomes. The series the workers read are marked used in ``frame``."""
    sections = registry()
    got: dict[str, _Outcome] = {sid: _Outcome() for sid in ids}
    early_done, told = False, on_results is None
    waiting = list(futures)
    early: dict[Future, tuple[str, float]] = {}  # the pool's futures of the early worker's sections
    reader, queue = inboxes  # the pool's pipe, the early worker's queue

    def receive() -> tuple | None:
        if reader.poll(0.01):
            return reader.recv()
        try:
            return pickle.loads(queue.get(timeout=0.01))
        except Empty:
            return None

    while True:
        message = receive()
        if message is not None:
            kind, *rest = message
            if kind == "result":
                sid, res, used = rest
                got[sid].result = res
            elif kind == "computed":  # by the early worker: the pool draws and lays it out
                sid, res, used, secs = rest
                got[sid].result = res
                future = submit(_early_charts_and_pages, res)
                if future is not None:  # None: the pool broke, see _gather
                    early[future] = (sid, secs)
                    waiting.append(future)
            elif kind == "failed":
                got[rest[0]] = _Outcome()
                used = ()
            else:  # "exit"
                early_done, used = True, ()
            for k in used:
                frame.get(k)
            continue
        if not early_done and not early_worker.is_alive() and queue.empty():
            early_done = True  # died: the section it held is done again by the parent
        for future in [f for f in waiting if f.done()]:
            waiting.remove(future)
            try:
                out = future.result()
            except MacrobriefError:  # raised by a section: the build stops here
                raise
            except Exception:  # its outcome could not be sent back, or its worker died: see _gather
                continue
            if future in early:
                sid, secs = early[future]
                got[sid].pngs, got[sid].laid, drawn, used = out
                for k in used:
                    frame.get(k)
                laid, secs = got[sid].laid, secs + drawn
            elif out is None:
                continue
            else:
                sid, res, pngs, used, secs, laid = out
                got[sid] = _Outcome(res, pngs, laid)
                for k in used:
                    frame.get(k)
            section = sections[sid]
            progress.note(f"Section {section.number}: {section.title} ... {secs:.1f} s "
                          f"(with its charts{' and pages' if laid is not None else ''})")
        if not told and all(o.result is not None for o in got.values()):
            frame.get("recession")  # read by every worker's chart drawer (provenance)
            on_results([got[sid].result for sid in ids])
            told = True
        if not waiting and early_done:
            return got


def _gather(got: Mapping[str, _Outcome], frame: Frame, config: Config, cache: Cache | None, ids: Sequence[str],
            progress: Progress, laid_out: dict[str, Any] | None) -> tuple[list[SectionResult], dict[str, bytes]]:
    """Results in brief order and every chart; a section no worker finished is done here."""
    sections = registry()
    results: list[SectionResult] = []
    charts: dict[str, bytes] = {}
    seen: set[str] = set()
    for sid in ids:
        out = got[sid]
        res, pngs, laid = out.result, out.pngs, out.laid
        if res is None or pngs is None:  # not picklable, or its worker failed or died: done here
            t0 = time.perf_counter()
            res = _build_section(sections[sid], frame, config, cache)
            pngs = draw_charts([res], frame, config, cache=cache, workers=1)
            laid = None
            progress.note(f"Section {sections[sid].number}: {sections[sid].title} ... "
                          f"{time.perf_counter() - t0:.1f} s (computed again here)")
        if laid is not None and laid_out is not None:
            laid_out[laid.name] = laid
        for spec in res.charts:
            if spec.id in seen:
                raise RenderError(f"chart id {spec.id!r} is declared twice")
            seen.add(spec.id)
        charts.update(pngs)
        results.append(res)
    return results, charts


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


#: collect the youngest generation every this many net allocations during a build (Python: 700)
GC_YOUNG_THRESHOLD = 10_000


@contextmanager
def _collecting_less() -> Iterator[None]:
    """The cyclic garbage collector's pace during a build.

    A build allocates millions of objects and keeps many of them (the data, the results,
    matplotlib's artists). At Python's default pace a cold build ran about 800 collections over its
    processes, 5 of them over a whole process's heap (20-100 ms each): 0.64 s of CPU. Collecting
    the youngest generation every 10,000 net allocations instead of 700, and freezing what the
    workers inherit (:func:`_compute_and_draw`), brings that to about 0.37 s with one full
    collection; cyclic garbage (a matplotlib figure is one) waits a little longer. WeasyPrint's
    layout runs with the collector off (:func:`report.render.weasy_document`).
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_YOUNG_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@_collecting_less()
def make_brief(
    frame: Frame,
    config: Config,
    *,
    formats: Sequence[str] = ("html", "pdf"),
    previous: Mapping[str, Any] | None = None,
    cache: Cache | None = None,
    progress: Progress = QUIET,
    built_at: datetime | None = None,
    results: Sequence[SectionResult] | None = None,
) -> Brief:
    """Compute, chart and render a brief in memory.

    ``results`` replaces the computation of the sections with ready results (tests and
    benchmarks render constructed sections this way).
    """
    built_at = built_at or datetime.now(timezone.utc).replace(microsecond=0)
    theme = load_theme(config.brief.colors)
    edition = edition_of(frame.as_of)
    logo_uri = _logo_uri(config.brief.logo) if config.brief.logo else None
    version = package_version()
    meta = brief_meta(frame=frame, config=config, edition=edition, built_at=built_at, version=version,
                      logo_uri=logo_uri)
    want_pdf = "pdf" in formats
    laid_out: dict[str, Any] = {}  # PDF parts laid out by the section workers (report.paged)
    # the cover and appendix (futures) and the summary, laid out while the last charts are drawn,
    # from a context made before the charts were in
    early: dict[str, Any] = {"context": None, "parts": {}, "summary": None, "margins": None, "final": None,
                             "assembly": None}
    want_html = "html" in formats or want_pdf  # the PDF is cached under the HTML's hash

    def context_and_html(done: Sequence[SectionResult], charts: Mapping[str, bytes]) -> tuple[dict[str, Any], Any]:
        context = build_context(frame=frame, config=config, theme=theme, results=done, charts=chart_entries(charts),
                                edition=edition, built_at=built_at, version=version, previous=previous,
                                logo_uri=logo_uri)
        if not want_html:
            return context, None
        with progress.step("Rendering HTML"):
            return context, render_html(context, theme)

    def lay_out_cover_and_appendix(done: list[SectionResult], submit: Callable[..., Any]) -> None:
        ctx = build_context(frame=frame, config=config, theme=theme, results=done, charts={}, edition=edition,
                            built_at=built_at, version=version, previous=previous, logo_uri=logo_uri)
        early["context"] = ctx
        # the cover first (the summary waits for its length), then the longest, then the texts of
        # the pages' margins
        for part in [cover_part(ctx, theme), *sorted(appendix_parts(ctx, theme), key=lambda p: -len(p.html))]:
            future = submit(lay_out, part)
            if future is not None:  # None: the pool broke; the PDF lays the part out later
                early["parts"][part.name] = future
        early["margins"] = submit(margin_texts, meta, theme, part_titles(ctx))

    def sections_done(done: list[SectionResult], charts: dict[str, bytes]) -> None:
        # here, while the workers finish the appendix: the brief's context and HTML, then the
        # summary (its contents need the cover's and the sections' lengths, now known), then the
        # PDF begun with the parts before the appendix
        early["final"] = context_and_html(done, charts)
        if "cover" not in early["parts"]:
            return
        try:
            laid = {**laid_out, "cover": early["parts"]["cover"].result()}
            early["summary"] = laid["summary"] = lay_out_summary_part(early["context"], theme, laid)
            assembly = Assembly()
            for name in part_names(early["context"]):
                if name not in laid or name.startswith("appendix"):
                    break
                assembly.add(laid[name])
            early["assembly"] = assembly
        except Exception:  # laid out or put together again with the rest of the PDF, which reports any error
            pass

    if results is None:
        results, charts = compute_and_draw(
            frame, config, cache=cache, progress=progress,
            before_fork=(lambda: _warm_up_pdf_engine(meta, theme)) if want_pdf else None,
            pages={"meta": meta, "theme": theme, "previous": previous} if want_pdf else None, laid_out=laid_out,
            on_results=lay_out_cover_and_appendix if want_pdf else None, on_sections=sections_done)
    else:
        results = list(results)
        with progress.step("Drawing charts"):
            charts = draw_charts(results, frame, config, cache=cache, progress=progress)
    verdicts = [v for r in results for v in r.verdicts]
    # made when the sections were done, unless they came from the cache or ready-made
    context, html = early["final"] or context_and_html(results, charts)
    if early["context"] is not None and _same_front_and_back(early["context"], context):
        for name, future in early["parts"].items():  # done: the workers shut down with their queue empty
            try:
                laid_out[name] = future.result()
            except Exception:  # laid out again with the rest of the PDF, which reports any error
                pass
        if early["summary"] is not None:
            laid_out["summary"] = early["summary"]
        try:
            margins = early["margins"].result() if early["margins"] is not None else None
        except Exception:  # made again with the rest of the PDF, which reports any error
            margins = None
        started = early["assembly"]
    else:
        margins = started = None
    files: dict[str, bytes] = {}
    if "html" in formats:
        files["brief.html"] = html.encode("utf-8")
    if "pdf" in formats:
        with progress.step("Rendering PDF"):
            files["brief.pdf"] = _cached_pdf(html, cache, lambda: render_brief_pdf(
                context, theme, ready=laid_out, workers=chart_workers(), margins=margins, started=started))
    if "tex" in formats:
        from .latex import render_tex

        with progress.step("Writing LaTeX source"):
            files["brief.tex"] = render_tex(context, theme).encode("utf-8")
    doc = verdicts_document(verdicts, edition=edition, as_of=frame.as_of, sample=frame.is_sample,
                            key_rows=context["cover"]["key_numbers"])
    files["verdicts.json"] = json.dumps(doc, indent=2, default=str).encode("utf-8")
    tracks = track_records_document(results, edition=edition, as_of=frame.as_of)
    files["track_records.json"] = json.dumps(tracks, indent=2, default=str).encode("utf-8")
    for cid, png in charts.items():
        files[f"charts/{cid}.png"] = png
    return Brief(edition=edition, as_of=frame.as_of, frame=frame, results=results, verdicts=verdicts,
                 context=context, charts=charts, files=files, built_at=built_at)


def _same_front_and_back(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two brief contexts give the same cover, summary and appendix (what the parts laid
    out before the charts were in show: everything but the sections' bodies)."""
    return all(a[k] == b[k] for k in ("meta", "cover", "appendix")) and \
        [(s["id"], s["number"], s["title"]) for s in a["sections"]] == \
        [(s["id"], s["number"], s["title"]) for s in b["sections"]]


def _cached_pdf(html: str, cache: Cache | None, render: Callable[[], bytes]) -> bytes:
    """The PDF (made by ``render``) of the brief whose HTML is ``html``, reused when exactly the
    same HTML was rendered before.

    The HTML holds everything the PDF shows (charts inline, CSS inline, the build date to the
    day), so an unchanged brief rebuilt the same day skips WeasyPrint entirely.
    """
    if cache is None:
        return render()
    fp = hashlib.sha256(html.encode("utf-8")).hexdigest()
    pdf = cache.get_bytes("pdf.brief", fp)
    if pdf is None:
        pdf = render()
        cache.put_bytes("pdf.brief", fp, None, pdf)
    return pdf


def _logo_uri(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RenderError(f"logo file {path}: {exc.strerror}; fix [brief] logo in the config") from None
    if path.suffix.lower() == ".svg":
        import base64

        return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    if not data.startswith(b"\x89PNG"):
        raise RenderError(f"logo file {path}: not a PNG or SVG file")
    return png_data_uri(data)


def write_brief(brief: Brief, target: Path) -> dict[str, Path]:
    """Write the brief's files into ``target`` atomically (temporary folder, then rename).

    An existing ``target`` is replaced only once the new folder is complete.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise RenderError(f"cannot write to {target.parent}: {exc.strerror}") from None
    try:
        for name, data in brief.files.items():
            p = tmp / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RenderError(f"cannot write the brief to {target}: {exc.strerror}") from None
    return {name: target / name for name in brief.files}


@dataclass(frozen=True)
class BuildResult:
    edition: str
    as_of: date
    source: str
    sample: bool
    out_dir: Path
    files: Mapping[str, Path]
    verdicts: tuple[Verdict, ...]
    brief: Brief


def build(
    config: Config,
    *,
    as_of: date | None = None,
    source: str = "auto",
    data_dirs: Sequence[Path] = (),
    out_dir: Path | None = None,
    formats: Sequence[str] | None = None,
    today: date | None = None,
    progress: Progress = QUIET,
) -> BuildResult:
    """``macrobrief build``: load data, build the brief as of a date and write it under ``out_dir``."""
    today = today or datetime.now().date()
    as_of = resolve_as_of(as_of, today)
    formats = tuple(formats or config.output.formats)
    cache = Cache(config.output.cache) if config.output.cache else None
    frame, used = load_frame(config, source=source, as_of=as_of, data_dirs=data_dirs, cache=cache,
                             progress=progress)
    brief = make_brief(frame, config, formats=formats, cache=cache, progress=progress,
                       previous=_previous_edition(config, brief_edition=edition_of(as_of)))
    if cache is not None:
        cache.write_later()  # what no worker wrote (the frame, when the sections came from the cache)
    target = Path(out_dir or config.output.dir) / (brief.edition + ("-SAMPLE" if brief.sample else ""))
    with progress.step(f"Writing {target}"):
        files = write_brief(brief, target)
    return BuildResult(brief.edition, as_of, used, brief.sample, target, files, tuple(brief.verdicts), brief)


def store_state(store: Store) -> str | None:
    """A token that changes whenever the store's content may have changed, or None when the
    store cannot be identified across runs (in-memory stores).

    Every write appends to the store's fetch log, so the log's highest id and row count, with
    the database file's identity, name one state of the data.
    """
    if store.path == ":memory:":
        return None
    try:
        st = os.stat(store.path)
        max_id, n = store._conn.execute("SELECT MAX(id), COUNT(*) FROM fetch_log").fetchone()
    except (OSError, AttributeError, sqlite3.Error):
        return None
    return f"{os.path.realpath(store.path)}|{st.st_ino}|{max_id}|{n}"


def read_frame(store: Store, as_of: date, *, cache: Cache | None = None) -> Frame:
    """The point-in-time frame of the whole catalog, reused from the cache while the store is
    unchanged (reading every series out of SQLite is the slowest step of a warm rebuild)."""
    state = store_state(store) if cache is not None else None
    if state is None:
        return Frame.from_store(store, as_of)
    # a copy straight after the read, so its record of used series is empty; written by the
    # build's first worker, or at the end (Cache.write_later): not before the build forks
    return cache.get_or_compute("frame.catalog", state, as_of.isoformat(), lambda: Frame.from_store(store, as_of),
                                later=True)


def _previous_edition(config: Config, *, brief_edition: str) -> dict[str, Any] | None:
    """``verdicts.json`` of the latest published revision of the newest edition before
    ``brief_edition`` (for "what changed since the last edition"), or None.

    SAMPLE editions are never compared with real ones; see :func:`report.archive.previous_verdicts`.
    """
    from .archive import previous_verdicts

    return previous_verdicts(config.archive.root, before=brief_edition)
