"""Mail a published edition to a recipient list: one message per recipient, exactly once.

Each message carries the edition's PDF, an HTML summary (verdict board and key numbers) and a
plain-text part, with ``Message-ID``, ``Date`` and ``List-Unsubscribe`` headers. The SMTP
server, port and security (STARTTLS or implicit TLS) come from ``[smtp]``; the user name and
password only from the environment variables named there (``user_env``, ``password_env``).
They are never written to logs, the send log, the outbox or the archive.

The send log (SQLite, ``[smtp] send_log``) records every delivery keyed by (edition, revision,
recipient); a SAMPLE edition is its own edition there (``2025-W15-SAMPLE``). Before a message is handed to the server its row is marked ``sending``; as soon as
the server accepts it (its reply to the end of DATA), the row becomes ``sent`` in one committed
statement. A re-run skips everyone already ``sent``, so after a crash or a partial failure only
those not yet served get the edition. The one unavoidable window is between the server's
acceptance and that commit (a few milliseconds): a kill exactly then leaves the row ``sending``,
and the re-run sends that one message again, with the same ``Message-ID``, so mail clients that
de-duplicate by Message-ID show it once. Transient SMTP errors (4xx, dropped connections,
timeouts) are retried with exponential backoff; permanent ones (5xx) are recorded as ``failed``
and not retried by later runs unless asked (``--retry-failed``). A correction (revision 2, 3, ...)
is a new delivery for everyone.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import os
import re
import smtplib
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .config import Config, SmtpConfig
from .errors import MailError
from .progress import QUIET, Progress

__all__ = [
    "Recipient",
    "read_recipients",
    "valid_address",
    "SendLog",
    "Delivery",
    "SendReport",
    "compose",
    "message_id",
    "send_edition",
    "cmd_send",
    "FORMATS",
]

#: recipient format preferences: ``html`` (HTML summary + plain text + PDF; the default) or
#: ``text`` (plain text + PDF, no HTML part). ``pdf`` is accepted as a synonym of ``html``.
FORMATS = ("html", "text", "pdf")

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR_RE = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}")


def valid_address(addr: str) -> bool:
    """True for a plain ASCII ``local@domain.tld`` address (RFC 5321 dot-atom, at most 254 characters)."""
    return len(addr) <= 254 and len(addr.split("@", 1)[0]) <= 64 and bool(_ADDR_RE.fullmatch(addr))


# --- recipients ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    format: str = "html"
    line: int = 0

    @property
    def key(self) -> str:
        """The address as the send log stores it (lower case)."""
        return self.email.lower()


def read_recipients(path: Path) -> tuple[list[Recipient], list[str]]:
    """Read a recipients CSV (header ``email,name[,format]``); return recipients and problems.

    A line with an invalid address or a repeated address is reported with its line number and
    skipped; an unknown format preference is reported and the default (``html``) is used. Blank
    lines and lines starting with ``#`` are ignored. An unreadable file, a file without an
    ``email`` column or without any valid recipient raises ``MailError``.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise MailError(f"recipients file {path} not found") from None
    except IsADirectoryError:
        raise MailError(f"recipients file {path} is a directory, not a CSV file") from None
    except PermissionError:
        raise MailError(f"recipients file {path} is not readable (permission denied)") from None
    except UnicodeDecodeError as exc:
        line = text_line_of(path, exc.start)
        raise MailError(f"recipients file {path} line {line}: not UTF-8 text; save it as UTF-8 CSV") from None
    except OSError as exc:
        raise MailError(f"recipients file {path}: cannot read it ({exc.strerror})") from None
    rows = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not rows:
        raise MailError(f"recipients file {path} is empty; expected a header line email,name[,format]")
    header_line, header = rows[0]
    cols = [c.strip().lower() for c in next(csv.reader([header]))]
    if "email" not in cols:
        raise MailError(f"recipients file {path} line {header_line}: the header has no 'email' column "
                        f"(found: {', '.join(cols) or 'nothing'}); expected email,name[,format]")
    ie, iname = cols.index("email"), cols.index("name") if "name" in cols else None
    ifmt = cols.index("format") if "format" in cols else None
    out: list[Recipient] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for lineno, raw in rows[1:]:
        try:
            fields = next(csv.reader([raw]))
        except csv.Error as exc:
            problems.append(f"{path} line {lineno}: not valid CSV ({exc}); skipped")
            continue
        cell = lambda i: fields[i].strip() if i is not None and i < len(fields) else ""  # noqa: E731
        email, name, fmt = cell(ie), cell(iname), cell(ifmt).lower()
        if not valid_address(email):
            problems.append(f"{path} line {lineno}: {email!r} is not a valid email address; skipped")
            continue
        if email.lower() in seen:
            problems.append(f"{path} line {lineno}: {email} is already listed on line {seen[email.lower()]}; skipped")
            continue
        if fmt and fmt not in FORMATS:
            problems.append(f"{path} line {lineno}: format {fmt!r} is not one of {', '.join(FORMATS)}; "
                            "sending the default (HTML summary with the PDF)")
            fmt = ""
        seen[email.lower()] = lineno
        out.append(Recipient(email, name, "text" if fmt == "text" else "html", lineno))
    if not out:
        raise MailError(f"recipients file {path} lists no valid recipient"
                        + (f" ({problems[0]})" if problems else ""))
    return out, problems


def text_line_of(path: Path, offset: int) -> int:
    """1-based line number of a byte offset in a file (for decoding errors)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(offset).count(b"\n") + 1
    except OSError:
        return 0


# --- the send log ------------------------------------------------------------------------------------

_SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS deliveries (
    edition TEXT NOT NULL,
    revision INTEGER NOT NULL,
    recipient TEXT NOT NULL,          -- lower-case address
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'deferred')),
    attempts INTEGER NOT NULL DEFAULT 0,
    message_id TEXT NOT NULL,
    smtp_code INTEGER,
    smtp_reply TEXT,
    first_attempt_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (edition, revision, recipient)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    edition TEXT NOT NULL,
    revision INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    recipients_file TEXT NOT NULL,
    n_sent INTEGER, n_already INTEGER, n_failed INTEGER, n_deferred INTEGER, n_invalid INTEGER,
    outcome TEXT
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Delivery:
    recipient: str
    status: str
    attempts: int
    message_id: str
    smtp_code: int | None
    smtp_reply: str | None
    sent_at: str | None


class SendLog:
    """Who was sent which edition revision, with the server's last reply."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            self._conn.executescript(_SCHEMA)
            self._conn.execute("PRAGMA synchronous=FULL")
        except (OSError, sqlite3.Error) as exc:
            raise MailError(f"send log {self.path}: cannot open it ({exc})") from None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def get(self, edition: str, revision: int, recipient: str) -> Delivery | None:
        row = self._conn.execute(
            "SELECT recipient, status, attempts, message_id, smtp_code, smtp_reply, sent_at FROM deliveries"
            " WHERE edition = ? AND revision = ? AND recipient = ?", (edition, revision, recipient.lower())).fetchone()
        return Delivery(*row) if row else None

    def deliveries(self, edition: str, revision: int | None = None) -> list[Delivery]:
        q = ("SELECT recipient, status, attempts, message_id, smtp_code, smtp_reply, sent_at FROM deliveries"
             " WHERE edition = ?")
        args: list[Any] = [edition]
        if revision is not None:
            q += " AND revision = ?"
            args.append(revision)
        return [Delivery(*r) for r in self._conn.execute(q + " ORDER BY recipient", args)]

    def mark_sending(self, edition: str, revision: int, r: Recipient, message_id: str) -> None:
        now = _now()
        self._conn.execute(
            "INSERT INTO deliveries (edition, revision, recipient, name, status, attempts, message_id,"
            " first_attempt_at, updated_at) VALUES (?, ?, ?, ?, 'sending', 1, ?, ?, ?)"
            " ON CONFLICT (edition, revision, recipient) DO UPDATE SET status = 'sending',"
            " attempts = attempts + 1, updated_at = excluded.updated_at, message_id = excluded.message_id",
            (edition, revision, r.key, r.name, message_id, now, now))

    def mark(self, edition: str, revision: int, recipient: str, status: str, code: int | None,
             reply: str | None) -> None:
        now = _now()
        self._conn.execute(
            "UPDATE deliveries SET status = ?, smtp_code = ?, smtp_reply = ?, updated_at = ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
            " WHERE edition = ? AND revision = ? AND recipient = ?",
            (status, code, (reply or "")[:500], now, status, now, edition, revision, recipient.lower()))

    def start_run(self, edition: str, revision: int, recipients_file: str) -> int:
        cur = self._conn.execute("INSERT INTO runs (edition, revision, started_at, recipients_file) VALUES (?,?,?,?)",
                                 (edition, revision, _now(), recipients_file))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, report: SendReport, outcome: str) -> None:
        self._conn.execute(
            "UPDATE runs SET finished_at = ?, n_sent = ?, n_already = ?, n_failed = ?, n_deferred = ?,"
            " n_invalid = ?, outcome = ? WHERE id = ?",
            (_now(), len(report.sent), len(report.already), len(report.failed), len(report.deferred),
             len(report.invalid), outcome, run_id))


@contextlib.contextmanager
def _send_lock(log_path: Path, progress: Progress) -> Iterator[None]:
    """One send run at a time per send log (a second run waits for the first)."""
    lock = Path(str(log_path) + ".lock")
    try:
        fh = open(lock, "a+b")
    except OSError as exc:
        raise MailError(f"send log {log_path}: cannot open its lock file {lock} ({exc.strerror})") from None
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress.note(f"Another send run holds {lock}; waiting for it to finish")
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --- composing ---------------------------------------------------------------------------------------


def _sender(cfg: SmtpConfig) -> tuple[str, str]:
    name, addr = parseaddr(cfg.sender)
    if not valid_address(addr):
        raise MailError(f"[smtp] sender {cfg.sender!r} has no valid address; use \"Desk name <desk@example.com>\"")
    return name, addr


def message_id(edition_name: str, recipient: str, domain: str) -> str:
    """Message-ID fixed by the edition revision and the recipient (a resend repeats it)."""
    digest = hashlib.sha256(f"{edition_name}\n{recipient.lower()}".encode()).hexdigest()[:24]
    return f"<macrobrief.{edition_name}.{digest}@{domain}>"


def summary_context(edition: Any, config: Config) -> dict[str, Any]:
    """Plain data for the HTML and text summaries, from the edition's verdicts.json and manifest."""
    from .catalog import CATALOG
    from .sections.base import cell

    doc = json.loads((edition.path / "verdicts.json").read_text(encoding="utf-8"))
    man = edition.manifest or {}
    title = man.get("config", {}).get("brief", {}).get("title") or config.brief.title
    desk = man.get("config", {}).get("brief", {}).get("desk") or config.brief.desk
    keys = []
    for k in doc.get("key_numbers", []):
        sp = CATALOG.get(k["key"])
        pct_units = sp is not None and sp.units == "percent"
        keys.append({
            "label": sp.title if sp else k["key"],
            "level": cell(k.get("level"), "pct" if pct_units else "num", digits=2),
            "chg_1w": cell(k.get("chg_1w"), "bp" if pct_units else "spct"),
            "chg_4w": cell(k.get("chg_4w"), "bp" if pct_units else "spct"),
            "pct_52w": cell(k.get("pct_52w"), "share"),
            "date": k.get("date"),
        })
    from .archive import _tone

    verdicts = [{**v, "tone": _tone(v.get("level"), v.get("scale"))} for v in doc.get("verdicts", [])]
    return {"title": title, "desk": desk, "edition": edition.week, "revision": edition.revision,
            "reason": edition.reason, "as_of": edition.as_of, "sample": edition.sample,
            "verdicts": verdicts, "key_numbers": keys, "disclaimer": man.get("config", {}).get("brief", {}).get(
                "disclaimer", "")}


def _render(name: str, ctx: Mapping[str, Any]) -> str:
    from .render import html_environment
    from .theme import load_theme

    return html_environment().get_template(name).render(**ctx, theme=load_theme())


def compose(edition: Any, recipient: Recipient, config: Config, *, pdf: bytes, summary: Mapping[str, Any],
            html: str | None = None, text: str | None = None, now: datetime | None = None) -> EmailMessage:
    """One recipient's message: plain text (+ HTML summary unless they prefer text) + the PDF."""
    cfg = config.smtp
    sender_name, sender_addr = _sender(cfg)
    domain = sender_addr.rsplit("@", 1)[1]
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = Address(display_name=sender_name, addr_spec=sender_addr)
    msg["To"] = Address(display_name=recipient.name, addr_spec=recipient.email)
    prefix = f"Correction (revision {edition.revision}): " if edition.revision > 1 else ""
    as_of = summary["as_of"]
    msg["Subject"] = (f"{prefix}{summary['title']}, {edition.week}"
                      + (f" (as of {as_of:%d %b %Y})" if as_of else "") + (" [SAMPLE]" if edition.sample else ""))
    msg["Date"] = format_datetime(now or datetime.now(timezone.utc))
    msg["Message-ID"] = message_id(edition.name, recipient.email, domain)
    if cfg.reply_to:
        msg["Reply-To"] = cfg.reply_to
    if cfg.unsubscribe:
        url = cfg.unsubscribe.replace("{email}", quote(recipient.email, safe="@"))
        msg["List-Unsubscribe"] = f"<{url}>"
        if url.startswith("https://"):
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["X-Macrobrief-Edition"] = edition.name
    msg.set_content(text if text is not None else _render("mail_summary.txt.j2", summary))
    if recipient.format != "text":
        msg.add_alternative(html if html is not None else _render("mail_summary.html.j2", summary), subtype="html")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", summary["title"]).strip("-").lower() or "brief"
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{slug}-{edition.name}.pdf")
    return msg


# --- SMTP --------------------------------------------------------------------------------------------------


class _Transient(Exception):
    """A failure worth retrying (4xx reply, dropped connection, timeout)."""

    def __init__(self, code: int | None, reply: str, connection: bool = False) -> None:
        super().__init__(reply)
        self.code, self.reply, self.connection = code, reply, connection


class _Permanent(Exception):
    """A 5xx reply for this recipient or message."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(reply)
        self.code, self.reply = code, reply


def _reply_text(resp: Any) -> str:
    return resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)


def credentials(cfg: SmtpConfig) -> tuple[str | None, str | None]:
    """User and password from the environment variables named in ``[smtp]`` (None when unset)."""
    user = os.environ.get(cfg.user_env) or None
    password = os.environ.get(cfg.password_env) or None
    if user and not password:
        raise MailError(f"${cfg.user_env} is set but ${cfg.password_env} is not: set both (or neither for a server "
                        "without authentication)")
    if password and not user:
        raise MailError(f"${cfg.password_env} is set but ${cfg.user_env} is not: set both")
    if user and cfg.security == "none":
        raise MailError("[smtp] security = \"none\" would send the password unencrypted; use starttls or tls")
    return user, password


class SmtpTransport:
    """One SMTP connection: connect, STARTTLS or implicit TLS, login, send one message at a time."""

    def __init__(self, cfg: SmtpConfig, *, user: str | None, password: str | None) -> None:
        self.cfg = cfg
        self._user, self._password = user, password
        self._smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if self.cfg.ca_file:
            try:
                ctx.load_verify_locations(cafile=str(self.cfg.ca_file))
            except (OSError, ssl.SSLError) as exc:
                raise MailError(f"[smtp] ca_file {self.cfg.ca_file}: cannot load it ({exc})") from None
        return ctx

    def connect(self) -> None:
        cfg = self.cfg
        where = f"{cfg.host}:{cfg.port}"
        try:
            if cfg.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_seconds,
                                                      context=self._context())
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
            smtp.ehlo()
            if cfg.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise MailError(f"SMTP server {where} does not offer STARTTLS; fix [smtp] security")
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self._user:
                smtp.login(self._user, self._password or "")
        except ssl.SSLCertVerificationError as exc:
            raise MailError(f"SMTP server {where}: its TLS certificate is not trusted ({exc.verify_message}); "
                            "set [smtp] ca_file or fix the host name") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"SMTP server {where} refused the login of the user in ${cfg.user_env} "
                            f"({exc.smtp_code} {_reply_text(exc.smtp_error)})") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"SMTP server {where}: {exc}; check [smtp] security and the credentials") from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise _Transient(exc.smtp_code, _reply_text(exc.smtp_error), connection=True) from None
            raise MailError(f"SMTP server {where} answered {exc.smtp_code} {_reply_text(exc.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Transient(None, f"cannot reach {where}: {exc}", connection=True) from None
        self._smtp = smtp

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None

    def ensure_connected(self) -> None:
        if self._smtp is None:
            self.connect()

    def send(self, msg: EmailMessage, sender: str, to: str) -> tuple[int, str]:
        """Send one message; return the server's acceptance (code, reply) or raise."""
        self.ensure_connected()
        smtp = self._smtp
        assert smtp is not None
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                smtp.rset()
                if code == 530:
                    raise MailError(f"SMTP server {self.cfg.host}:{self.cfg.port} requires authentication ({code} "
                                    f"{_reply_text(reply)}): set ${self.cfg.user_env} and ${self.cfg.password_env}")
                if code >= 500:
                    raise MailError(f"SMTP server refused the sender {sender} ({code} {_reply_text(reply)}); "
                                    "fix [smtp] sender")
                return self._classify(code, reply)
            code, reply = smtp.rcpt(to)
            if code not in (250, 251):
                smtp.rset()
                return self._classify(code, reply)
            code, reply = smtp.data(msg.as_bytes())  # the server's acceptance of the message
            return code, _reply_text(reply)
        except smtplib.SMTPResponseException as exc:  # SMTPDataError and the like
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.rset()
            return self._classify(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException) as exc:  # dropped connection, timeout
            self._smtp = None
            with contextlib.suppress(Exception):
                smtp.close()
            raise _Transient(None, f"connection lost: {exc}", connection=True) from None

    @staticmethod
    def _classify(code: int, reply: Any) -> tuple[int, str]:
        text = _reply_text(reply)
        if 400 <= code < 500:
            raise _Transient(code, text)
        raise _Permanent(code, text)


# --- sending -------------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    edition: str
    revision: int
    dry_run: bool = False
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, int, str]] = field(default_factory=list)  # permanent, now or in an earlier run
    deferred: list[tuple[str, int | None, str]] = field(default_factory=list)  # transient after all retries
    resent_in_flight: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    outbox: Path | None = None
    aborted: str = ""

    @property
    def complete(self) -> bool:
        """Every valid recipient holds the edition (sent now or before)."""
        return not (self.failed or self.deferred or self.aborted)

    def summary(self) -> str:
        what = "written to the outbox" if self.dry_run else "sent"
        parts = [f"{len(self.sent)} {what}", f"{len(self.already)} already served"]
        if self.failed:
            parts.append(f"{len(self.failed)} refused permanently")
        if self.deferred:
            parts.append(f"{len(self.deferred)} deferred (temporary errors; re-run to retry)")
        if self.invalid:
            parts.append(f"{len(self.invalid)} invalid lines skipped")
        return f"{self.edition} revision {self.revision}: " + ", ".join(parts)


def _safe_filename(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]+", "_", s)


def send_edition(
    config: Config,
    ident: str,
    recipients_file: Path,
    *,
    dry_run: bool = False,
    outbox: Path | None = None,
    retry_failed: bool = False,
    allow_sample: bool = False,
    progress: Progress = QUIET,
    sleep: Callable[[float], None] = time.sleep,
    transport_factory: Callable[..., SmtpTransport] | None = None,
) -> SendReport:
    """``macrobrief send``: mail a published edition to every recipient not yet served.

    The edition is verified against its manifest first (a changed or missing file is never
    sent). ``dry_run`` writes one ``.eml`` file per recipient under ``outbox/<edition>/`` and
    touches neither the server nor the send log.
    """
    from .archive import Archive

    recipients, problems = read_recipients(recipients_file)
    for p in problems:
        progress.note(p)
    archive = Archive(config.archive.root)
    edition = archive.find(ident)
    if edition.sample and not allow_sample:
        raise MailError(f"edition {edition.name} is built from SAMPLE (synthetic) data and is never mailed to "
                        "clients; pass --allow-sample only for a test list")
    check = archive.verify(edition)
    if not check.ok:
        raise MailError(f"edition {edition.name} fails verification ({'; '.join(check.problems[:3])}); "
                        "nothing was sent")
    try:
        pdf = (edition.path / "brief.pdf").read_bytes()
    except OSError as exc:
        raise MailError(f"edition {edition.name}: cannot read brief.pdf ({exc.strerror})") from None
    summary = summary_context(edition, config)
    html_body = _render("mail_summary.html.j2", summary)
    text_body = _render("mail_summary.txt.j2", summary)
    _, sender_addr = _sender(config.smtp)
    report = SendReport(edition.id.base, edition.revision, dry_run=dry_run,
                        invalid=[p for p in problems if "skipped" in p])

    def build(r: Recipient) -> EmailMessage:
        return compose(edition, r, config, pdf=pdf, summary=summary, html=html_body, text=text_body)

    if dry_run:
        return _dry_run(config, edition, recipients, build, report, outbox or config.smtp.outbox, progress)

    user, password = credentials(config.smtp)
    log_path = config.smtp.send_log
    with _send_lock(log_path, progress), SendLog(log_path) as log:
        run_id = log.start_run(edition.id.base, edition.revision, str(recipients_file))
        todo: list[Recipient] = []
        for r in recipients:
            d = log.get(edition.id.base, edition.revision, r.key)
            if d is not None and d.status == "sent":
                report.already.append(r.email)
            elif d is not None and d.status == "failed" and not retry_failed:
                report.failed.append((r.email, d.smtp_code or 0, d.smtp_reply or ""))
            else:
                if d is not None and d.status == "sending":
                    report.resent_in_flight.append(r.email)
                todo.append(r)
        if report.resent_in_flight:
            progress.note(f"{len(report.resent_in_flight)} message(s) were in flight when an earlier run stopped; "
                          "sending them again with the same Message-ID")
        factory = transport_factory or SmtpTransport
        transport = factory(config.smtp, user=user, password=password)
        try:
            _deliver(config.smtp, edition, todo, build, transport, log, report, sender_addr, progress, sleep)
        except MailError as exc:
            report.aborted = str(exc)
            log.finish_run(run_id, report, f"aborted: {exc}")
            raise MailError(f"{exc}; {report.summary()}; a re-run sends only to those not yet served") from None
        finally:
            transport.close()
        log.finish_run(run_id, report, "complete" if report.complete else "incomplete")
    return report


def _deliver(cfg: SmtpConfig, edition: Any, todo: Sequence[Recipient], build: Callable[[Recipient], EmailMessage],
             transport: SmtpTransport, log: SendLog, report: SendReport, sender: str, progress: Progress,
             sleep: Callable[[float], None]) -> None:
    for i, r in enumerate(todo, 1):
        msg = build(r)
        mid = str(msg["Message-ID"])
        attempt = 0
        while True:
            try:
                transport.ensure_connected()  # connection problems are not a delivery in flight
                log.mark_sending(edition.id.base, edition.revision, r, mid)
                code, reply = transport.send(msg, sender, r.email)
            except _Permanent as exc:
                log.mark(edition.id.base, edition.revision, r.key, "failed", exc.code, exc.reply)
                report.failed.append((r.email, exc.code, exc.reply))
                progress.note(f"  {r.email}: refused permanently ({exc.code} {exc.reply})")
                break
            except _Transient as exc:
                attempt += 1
                if attempt > cfg.max_retries:
                    log.mark(edition.id.base, edition.revision, r.key, "deferred", exc.code, exc.reply)
                    if exc.connection:
                        raise MailError(f"SMTP server {cfg.host}:{cfg.port} unreachable after {attempt} attempts "
                                        f"({exc.reply})") from None
                    report.deferred.append((r.email, exc.code, exc.reply))
                    progress.note(f"  {r.email}: deferred after {attempt} attempts ({exc.code} {exc.reply})")
                    break
                wait = cfg.backoff_seconds * 2 ** (attempt - 1)
                progress.note(f"  {r.email}: temporary failure ({exc.code or '-'} {exc.reply}); retry {attempt} of "
                              f"{cfg.max_retries} in {wait:.1f} s")
                sleep(wait)
                continue
            log.mark(edition.id.base, edition.revision, r.key, "sent", code, reply)
            report.sent.append(r.email)
            break
        progress.count(i, len(todo), r.email)


def _dry_run(config: Config, edition: Any, recipients: Sequence[Recipient],
             build: Callable[[Recipient], EmailMessage], report: SendReport, outbox: Path,
             progress: Progress) -> SendReport:
    log_path = config.smtp.send_log
    served: set[str] = set()
    if log_path.exists():
        with SendLog(log_path) as log:
            served = {d.recipient for d in log.deliveries(edition.id.base, edition.revision) if d.status == "sent"}
    target = Path(outbox) / edition.name
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MailError(f"outbox {target}: cannot create it ({exc.strerror})") from None
    for r in recipients:
        if r.key in served:
            report.already.append(r.email)
            continue
        data = build(r).as_bytes()
        p = target / f"{r.line:04d}-{_safe_filename(r.email)}.eml"
        try:
            tmp = p.with_name(p.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, p)
        except OSError as exc:
            raise MailError(f"outbox {target}: cannot write {p.name} ({exc.strerror})") from None
        report.sent.append(r.email)
    report.outbox = target
    return report


# --- command line ---------------------------------------------------------------------------------------------


def cmd_send(args: Any, progress: Progress) -> int:
    from .config import load_config

    config = load_config(args.config)
    rep = send_edition(config, args.edition, args.recipients, dry_run=args.dry_run, outbox=args.outbox,
                       retry_failed=args.retry_failed, allow_sample=args.allow_sample, progress=progress)
    print(rep.summary())
    if rep.dry_run:
        print(f"  .eml files in {rep.outbox}")
    for email, code, reply in rep.failed:
        print(f"  refused: {email} ({code} {reply})")
    for email, code, reply in rep.deferred:
        print(f"  deferred: {email} ({code or '-'} {reply})")
    return 0 if rep.complete else MailError.exit_code
