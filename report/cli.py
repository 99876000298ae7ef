"""The ``macrobrief`` command line: parse, load the configuration, call one library function.

Expected failures (:class:`~report.errors.MacrobriefError`) print one line,
``macrobrief: error: ...``, and exit with the error's code; see ``macrobrief --help``.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from .errors import MacrobriefError
from .progress import Progress

# A build runs its own worker processes, one per core: BLAS helper threads inside them would only
# contend for the same cores (and spin idle after every product). One thread each, unless the
# environment says otherwise; set before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__all__ = ["build_parser", "main", "run"]

EPILOG = """\
typical week:
  macrobrief data fetch                      # or: macrobrief data import DIR
  macrobrief build                           # this week's brief into output/<edition>/
  macrobrief publish                         # archive it as an immutable edition
  macrobrief send 2025-W15 --recipients clients.csv   # mail it; a re-run mails only those not served
  (or all three, locked, from cron or a systemd timer: macrobrief weekly --recipients clients.csv)

without a FRED key or stored data, `macrobrief build` uses the built-in SAMPLE data (marked
SAMPLE on every page). Configuration: --config FILE, $MACROBRIEF_CONFIG or ./macrobrief.toml
override the shipped defaults (`macrobrief config show` prints the result).

exit codes: 0 ok, 1 error, 2 configuration or usage, 3 data, 4 rendering, 5 publishing, 6 mail,
7 another `weekly` run holds the lock
"""


def _date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a date in the form YYYY-MM-DD") from None


def _formats(s: str) -> tuple[str, ...]:
    out = tuple(x.strip() for x in s.split(",") if x.strip())
    bad = [x for x in out if x not in ("html", "pdf", "tex")]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"formats must be a comma list of html, pdf, tex; got {s!r}")
    return out


# --- commands ----------------------------------------------------------------------------------


def _load_config(args: argparse.Namespace):
    from .config import load_config

    return load_config(args.config)


def cmd_build(args: argparse.Namespace, progress: Progress) -> int:
    from .pipeline import build

    config = _load_config(args)
    res = build(config, as_of=args.as_of, source=args.source, data_dirs=args.data_dir, out_dir=args.out,
                formats=args.format, progress=progress)
    print(f"Built {res.edition} as of {res.as_of} from {res.source}{' (SAMPLE)' if res.sample else ''}:")
    for name in ("brief.html", "brief.pdf", "brief.tex", "verdicts.json"):
        if name in res.files:
            print(f"  {res.files[name]}")
    counts: dict[str, int] = {}
    for v in res.verdicts:
        counts[v.state] = counts.get(v.state, 0) + 1
    print("  verdicts: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return 0


def cmd_data_fetch(args: argparse.Namespace, progress: Progress) -> int:
    from .sources import fred
    from .store import Store

    config = _load_config(args)
    with Store(config.data.store) as store, progress.step("Fetching from FRED"):
        report = fred.fetch(store, config, keys=args.series or None, progress=progress.count)
    print(report.summary() if hasattr(report, "summary") else report)
    return 3 if getattr(report, "failed", None) else 0


def cmd_data_import(args: argparse.Namespace, progress: Progress) -> int:
    from .sources.csvdir import import_directory
    from .store import Store

    config = _load_config(args)
    with Store(config.data.store) as store:
        for d in args.dirs:
            with progress.step(f"Importing {d}"):
                report = import_directory(store, Path(d), progress=progress.count)
            print(report.summary() if hasattr(report, "summary") else report)
    return 0


def cmd_data_status(args: argparse.Namespace, progress: Progress) -> int:
    from .catalog import CATALOG, FREQUENCIES
    from .frame import Frame, max_age_days
    from .pipeline import resolve_as_of
    from .store import Store

    config = _load_config(args)
    as_of = resolve_as_of(args.as_of, date.today())
    path = config.data.store
    store = Store(path) if path.exists() else Store(":memory:")
    with store:
        frame = Frame.from_store(store, as_of)
    rows = []
    for k, sp in CATALOG.items():
        st = frame.status(k)
        if args.stored_only and st.missing:
            continue
        state = "missing" if st.missing else ("STALE" if st.stale else "ok")
        rows.append((k, sp.source if not st.source else st.source, FREQUENCIES[sp.frequency],
                     st.first.isoformat() if st.first else "-", st.last.isoformat() if st.last else "-",
                     f"{st.age_days}d" if st.age_days is not None else "-", f"{max_age_days(sp)}d", state))
    header = ("series", "source", "freq", "first", "last", "age", "max age", "status")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"Store {path} as of {as_of}: {sum(r[-1] == 'ok' for r in rows)} current, "
          f"{sum(r[-1] == 'STALE' for r in rows)} stale, {sum(r[-1] == 'missing' for r in rows)} missing "
          f"of {len(CATALOG)} catalog series")
    for r in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0


def cmd_rules(args: argparse.Namespace, progress: Progress) -> int:
    from analytics.rules import all_rules

    config = _load_config(args)
    for rid, r in all_rules().items():
        print(f"{rid}  [section {r.section}]  {r.title}")
        print(f"    scale: {' -> '.join(r.scale)}")
        for p in r.params:
            print(f"    {p.name} = {config.rules[rid][p.name]!r}    {p.doc}")
        if r.outcome:
            print(f"    track record: {r.outcome}")
    return 0


def cmd_config(args: argparse.Namespace, progress: Progress) -> int:
    import dataclasses

    config = _load_config(args)
    if args.action == "check":
        print(f"configuration OK ({' + '.join(config.files)})")
        return 0
    for name in ("brief", "data", "output", "archive", "smtp"):
        print(f"[{name}]")
        for f in dataclasses.fields(getattr(config, name)):
            v = getattr(getattr(config, name), f.name)
            if name == "data" and f.name == "fred_api_key" and v:
                v = "(set)"
            print(f"{f.name} = {v if not isinstance(v, Path) else str(v)!r}")
        print()
    for ev in config.events:
        print(f"[[events]] {ev.name} {ev.date}")
    for rid, params in config.rules.items():
        if params:
            print(f"[rules.{rid}] " + ", ".join(f"{k} = {v!r}" for k, v in params.items()))
    return 0


def cmd_validate(args: argparse.Namespace, progress: Progress) -> int:
    from .validate import cmd_validate as run

    return run(args, progress)


# --- parser ------------------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace, Progress], int]


def _lazy(module: str, name: str) -> Handler:
    """A handler imported only when its command runs (keeps ``--help`` fast)."""

    def run(args: argparse.Namespace, progress: Progress) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args, progress)

    return run


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="desk configuration (TOML) overriding the defaults")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress output")

    p = argparse.ArgumentParser(
        prog="macrobrief",
        description="Weekly research brief on U.S. Treasuries as the anchor of cross-asset pricing.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import pipeline

    p.add_argument("--version", action="version", version=f"macrobrief {pipeline.package_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", parents=[common], help="build the brief (HTML, PDF, LaTeX) as of a date",
                       description="Build the brief as of a date into OUT/<edition>/ (brief.html, brief.pdf, "
                                   "verdicts.json, charts/). Builds from SAMPLE data are written to "
                                   "OUT/<edition>-SAMPLE/.")
    b.add_argument("--as-of", type=_date, metavar="DATE", help="as-of date YYYY-MM-DD (default: the last weekday)")
    b.add_argument("--source", choices=pipeline.SOURCES, default="auto",
                   help="where the data comes from: auto (FRED if FRED_API_KEY is set, else the store, else "
                        "SAMPLE), fred, csv (import --data-dir first), sample, store (as stored). Default: auto")
    b.add_argument("--data-dir", type=Path, action="append", default=[], metavar="DIR",
                   help="directory of FRED-format CSV files (and published files such as the ACM or Shiller "
                        "data) to import before building; repeatable")
    b.add_argument("--out", type=Path, metavar="DIR", help="output directory (default: output/)")
    b.add_argument("--format", type=_formats, metavar="LIST", help="comma list of html, pdf, tex (default: html,pdf)")
    b.set_defaults(handler=cmd_build)

    d = sub.add_parser("data", help="fetch, import and inspect the local data store")
    dsub = d.add_subparsers(dest="data_command", metavar="ACTION")
    f = dsub.add_parser("fetch", parents=[common], help="fetch new observations from FRED/ALFRED into the store",
                        description="Fetch observations newer than the store holds (and new vintages of revised "
                                    "series). Needs FRED_API_KEY.")
    f.add_argument("--series", nargs="+", metavar="KEY", help="catalog keys to fetch (default: all FRED series)")
    f.set_defaults(handler=cmd_data_fetch)
    i = dsub.add_parser("import", parents=[common], help="import a directory of CSV / published files",
                        description="Import FRED-format CSV files (observation_date,<ID>) and the published "
                                    "non-FRED files (ACM, Shiller, LBMA gold, GSW, CFTC ...) into the store. A "
                                    "malformed file is reported with its line and nothing is written.")
    i.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    i.set_defaults(handler=cmd_data_import)
    s = dsub.add_parser("status", parents=[common], help="per series: source, first/last observation, staleness")
    s.add_argument("--as-of", type=_date, metavar="DATE", help="judge staleness as of this date (default: today)")
    s.add_argument("--stored-only", action="store_true", help="list only series the store holds")
    s.set_defaults(handler=cmd_data_status)

    r = sub.add_parser("rules", parents=[common], help="list the rules, their scales and thresholds")
    r.set_defaults(handler=cmd_rules)

    c = sub.add_parser("config", parents=[common], help="show or check the effective configuration")
    c.add_argument("action", choices=("show", "check"), nargs="?", default="show")
    c.set_defaults(handler=cmd_config)

    v = sub.add_parser("validate", parents=[common], help="model validation of the term-structure models",
                       description="Validate the NSS curves and the ACM term premium against the published NY Fed "
                                   "ACM series and closed forms; print each figure with its threshold and pass/fail. "
                                   "Exit 0 when all pass, 1 when any fails, 3 when data is missing.")
    v.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="directory of FRED CSVs and the ACM files (also read from its fred/ and other/ "
                        "subdirectories), imported into a temporary store; default: the configured store")
    v.add_argument("--as-of", type=_date, metavar="DATE", help="use data known by this date (default: today)")
    v.add_argument("--estimation-start", default="1962-01-01", metavar="DATE",
                   help="first month of the end-to-end ACM estimation (default: 1962-01-01)")
    v.add_argument("--groups", type=lambda s: [g.strip() for g in s.split(",") if g.strip()], metavar="LIST",
                   help="comma list of estimator, end_to_end, nss, closed_form (default: all)")
    v.set_defaults(handler=cmd_validate)

    # publishing, archive, mail and the scheduled run (report/archive.py, mailer.py, weekly.py)
    source_help = "where the data comes from (as for build); default: auto"
    pb = sub.add_parser("publish", parents=[common], help="build this week's edition and publish it into the archive",
                        description="Build the brief and write it as an immutable edition under the archive root "
                                    "(HTML, PDF, charts, the data snapshot, verdicts.json and a manifest with "
                                    "hashes), then regenerate the archive index. An edition is never overwritten: "
                                    "a correction is published with --revise REASON as the next revision. SAMPLE "
                                    "data is refused unless --allow-sample.")
    when = pb.add_mutually_exclusive_group()
    when.add_argument("--as-of", type=_date, metavar="DATE", help="as-of date YYYY-MM-DD (default: the last weekday)")
    when.add_argument("--week", metavar="YYYY-Www", help="ISO week, e.g. 2025-W15: as of its Friday (or the last "
                                                          "weekday so far for the current week)")
    pb.add_argument("--source", choices=pipeline.SOURCES, default="auto", help=source_help)
    pb.add_argument("--data-dir", type=Path, action="append", default=[], metavar="DIR",
                    help="directory of CSV / published files to import first; repeatable")
    pb.add_argument("--revise", metavar="REASON", help="publish a correction as the next revision, recording REASON")
    pb.add_argument("--allow-sample", action="store_true", help="allow SAMPLE data (test archives only)")
    pb.set_defaults(handler=_lazy("report.archive", "cmd_publish"))

    ar = sub.add_parser("archive", help="list, show, verify and rebuild published editions")
    asub = ar.add_subparsers(dest="archive_command", metavar="ACTION")
    actions = [
        asub.add_parser("list", parents=[common], help="editions, newest first, with their verdict states"),
        asub.add_parser("show", parents=[common], help="one edition: manifest, revisions, verdicts, files"),
        asub.add_parser("verify", parents=[common], help="re-hash every file against its manifest",
                        description="Re-hash every file of one edition (or of every edition) against its manifest "
                                    "and report changed, missing and unexpected files (exit 5 when any)."),
        asub.add_parser("rebuild", parents=[common], help="re-render an edition from its own data and compare",
                        description="Re-render an edition from its archived data snapshot and configuration and "
                                    "report whether the verdicts and numbers are identical (exit 5 when not). "
                                    "Nothing in the archive is changed."),
        asub.add_parser("index", parents=[common], help="regenerate index.html and feed.json"),
    ]
    actions[1].add_argument("edition", metavar="EDITION", help="e.g. 2025-W15 (latest revision) or 2025-W15-r2")
    actions[2].add_argument("edition", metavar="EDITION", nargs="?", help="default: every edition")
    actions[3].add_argument("edition", metavar="EDITION")
    actions[3].add_argument("--out", type=Path, metavar="DIR", help="also write the rebuilt files into DIR")
    for a in actions:
        a.set_defaults(handler=_lazy("report.archive", "cmd_archive"))

    sd = sub.add_parser("send", parents=[common], help="mail a published edition's PDF to a recipient list",
                        description="Mail one message per recipient (PDF attached, HTML summary, plain text) over "
                                    "the SMTP server in [smtp]; credentials come from the environment variables "
                                    "named there. The send log makes it resumable: a re-run mails only those not "
                                    "yet served. Exit 6 when any recipient was not served.")
    sd.add_argument("edition", metavar="EDITION", help="e.g. 2025-W15 (latest revision) or 2025-W15-r2")
    sd.add_argument("--recipients", type=Path, required=True, metavar="FILE",
                    help="CSV with a header: email,name[,format] (format: html or text)")
    sd.add_argument("--dry-run", action="store_true", help="write .eml files to the outbox instead of sending")
    sd.add_argument("--outbox", type=Path, metavar="DIR", help="outbox for --dry-run (default: [smtp] outbox)")
    sd.add_argument("--retry-failed", action="store_true", help="retry recipients refused permanently before")
    sd.add_argument("--allow-sample", action="store_true", help="allow a SAMPLE edition (test lists only)")
    sd.set_defaults(handler=_lazy("report.mailer", "cmd_send"))

    w = sub.add_parser("weekly", parents=[common], help="the scheduled run: fetch, publish, send (locked)",
                       description="Fetch data, publish this week's edition (unless already published) and send it "
                                   "to every recipient not yet served, holding a lock so two runs never overlap. "
                                   "Logs to [archive] log and stderr. Exit 7 when another run holds the lock.")
    wwhen = w.add_mutually_exclusive_group()
    wwhen.add_argument("--as-of", type=_date, metavar="DATE", help="as-of date (default: the last weekday)")
    wwhen.add_argument("--week", metavar="YYYY-Www", help="ISO week to publish and send")
    w.add_argument("--source", choices=pipeline.SOURCES, default="auto", help=source_help)
    w.add_argument("--data-dir", type=Path, action="append", default=[], metavar="DIR",
                   help="directory of CSV / published files to import first; repeatable")
    w.add_argument("--recipients", type=Path, metavar="FILE", help="recipients CSV (default: [smtp] recipients)")
    w.add_argument("--no-send", action="store_true", help="fetch and publish only")
    w.add_argument("--wait", action="store_true", help="wait for a running weekly run instead of exiting with 7")
    w.set_defaults(handler=_lazy("report.weekly", "cmd_weekly"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    progress = Progress(enabled=not getattr(args, "quiet", False))
    try:
        return handler(args, progress)
    except MacrobriefError as exc:
        msg = " ".join(str(exc).split())
        print(f"macrobrief: error: {msg}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("macrobrief: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    """The ``macrobrief`` command: :func:`main`, then a quick exit.

    When a command is done there is nothing left to clean up, yet the interpreter's teardown of
    the libraries a build loads (pandas, matplotlib, WeasyPrint) takes about 0.4 s, a twentieth of a
    build. So what a normal exit does first is done (threads still working are waited for, the
    exit handlers run: multiprocessing's, temporary folders', logging's), the output is flushed,
    and the process ends without that teardown.
    """
    code = main()
    try:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream: nothing more to say there
                pass
        os._exit(int(code or 0))


if __name__ == "__main__":  # pragma: no cover
    run()

