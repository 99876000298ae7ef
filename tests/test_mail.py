"""Mailing an edition: recipients, message structure, a real SMTP server (STARTTLS/TLS + AUTH),
the send log (exactly once, resumable after a kill), retries, refusals and dry runs."""

from __future__ import annotations

import email
import email.policy
import io
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pypdf
import pytest

from _reference import csv_value
from archive_helpers import CLI, desk_toml, fast_config, small_frame, subprocess_env
from report import archive as A
from report import mailer as M
from report.cli import main
from report.errors import MailError, PublishError
from report.pipeline import make_brief
from smtp_testserver import PASSWORD, USER, Mailbox, free_port, smtp_server

AS_OF = "2025-04-11"


@pytest.fixture(scope="module")
def published(shared_store, tmp_path_factory):
    """An archive holding the real 2025-W15 edition (curve section only) and a SAMPLE copy of it."""
    root = tmp_path_factory.mktemp("mail") / "editions"
    cfg = fast_config(root)
    brief = make_brief(small_frame(shared_store, AS_OF), cfg)
    A.publish_brief(brief, cfg, source="csv")
    files = {**brief.files, "data.csv.gz": A.snapshot_bytes(brief.frame)}
    A.Archive(root).write_edition(A.EditionId("2025-W15", sample=True), files,
                                  A.build_manifest(brief, cfg, source="sample"))
    return root, brief


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("MACROBRIEF_SMTP_USER", USER)
    monkeypatch.setenv("MACROBRIEF_SMTP_PASSWORD", PASSWORD)


def config_for(root: Path, tmp_path: Path, server=None, **smtp):
    table = server.smtp_config(**smtp) if server else {"sender": "Macro Desk <desk@example.com>", **smtp}
    return fast_config(root, smtp={"send_log": str(tmp_path / "sendlog.sqlite"), "outbox": str(tmp_path / "outbox"),
                                   **table})


def recipients_file(tmp_path: Path, n: int, *, name: str = "clients.csv", extra: str = "") -> Path:
    p = tmp_path / name
    rows = ["email,name,format"] + [f"client{i:02d}@example.com,Client {i:02d}," for i in range(n)]
    p.write_text("\n".join(rows) + "\n" + extra, encoding="utf-8")
    return p


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def log_rows(path: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(path) as c:
        return {r: (s, a) for r, s, a in c.execute("SELECT recipient, status, attempts FROM deliveries")}


# --- recipients -------------------------------------------------------------------------------------


def test_recipients_file_reports_bad_lines_with_their_numbers(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(
        "Email, Name, Format\n"             # 1 (header matched without case or spaces)
        "ann@example.com,Ann Lee,html\n"    # 2
        "# a comment line\n"                # 3
        "bob@example,Bob,\n"                # 4 no top-level domain
        "\n"                                # 5
        "carl@example.co.uk,\"Carl, Jr.\",text\n"  # 6
        "dee@@example.com,Dee,\n"           # 7
        "ANN@example.com,Ann again,\n"      # 8 duplicate of line 2 (case-insensitive)
        "eve@example.com,Eve,fax\n"         # 9 unknown format: default used
        "fay..x@example.com,Fay,\n"         # 10 two dots in a row
        "gus@example.com\n",                # 11 no name
        encoding="utf-8")
    got, problems = M.read_recipients(p)
    assert [(r.email, r.name, r.format, r.line) for r in got] == [
        ("ann@example.com", "Ann Lee", "html", 2), ("carl@example.co.uk", "Carl, Jr.", "text", 6),
        ("eve@example.com", "Eve", "html", 9), ("gus@example.com", "", "html", 11)]
    assert problems == [
        f"{p} line 4: 'bob@example' is not a valid email address; skipped",
        f"{p} line 7: 'dee@@example.com' is not a valid email address; skipped",
        f"{p} line 8: ANN@example.com is already listed on line 2; skipped",
        f"{p} line 9: format 'fax' is not one of html, text, pdf; sending the default (HTML summary with the PDF)",
        f"{p} line 10: 'fay..x@example.com' is not a valid email address; skipped",
    ]


def test_unusable_recipients_files_are_one_clear_error(tmp_path):
    with pytest.raises(MailError, match=r"recipients file .*nope.csv not found"):
        M.read_recipients(tmp_path / "nope.csv")
    with pytest.raises(MailError, match=r"is a directory, not a CSV file"):
        M.read_recipients(tmp_path)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("email,name\nzoe@example.com,Zo\xe9\n".encode("latin-1"))
    with pytest.raises(MailError, match=r"latin1.csv line 2: not UTF-8 text; save it as UTF-8 CSV"):
        M.read_recipients(latin)
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("mail,name\nzoe@example.com,Zoe\n")
    with pytest.raises(MailError, match=r"line 1: the header has no 'email' column \(found: mail, name\)"):
        M.read_recipients(nocol)
    empty = tmp_path / "empty.csv"
    empty.write_text("email,name\nnot-an-address,X\n")
    with pytest.raises(MailError, match=r"lists no valid recipient \(.* line 2: 'not-an-address' is not a valid"):
        M.read_recipients(empty)


# --- composing --------------------------------------------------------------------------------------


def test_message_has_pdf_html_summary_text_and_headers(published, tmp_path, fred_dir):
    root, brief = published
    cfg = config_for(root, tmp_path, unsubscribe="https://desk.example.com/unsub?u={email}")
    ed = A.Archive(root).find("2025-W15")
    summary = M.summary_context(ed, cfg)
    r = M.Recipient("ann.lee@example.com", "Ann Lee", "html", 2)
    msg = parse(M.compose(ed, r, cfg, pdf=(ed.path / "brief.pdf").read_bytes(), summary=summary).as_bytes())
    assert msg["To"] == "Ann Lee <ann.lee@example.com>" and msg["From"] == "Macro Desk <desk@example.com>"
    assert msg["Subject"].startswith("Treasuries as the Anchor, 2025-W15 (as of 11 Apr 2025)")
    assert msg["Message-ID"] == M.message_id("2025-W15", "ann.lee@example.com", "example.com")
    assert msg["Message-ID"].endswith("@example.com>") and msg["Date"]
    assert msg["List-Unsubscribe"] == "<https://desk.example.com/unsub?u=ann.lee@example.com>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/mixed"
    kinds = [p.get_content_type() for p in msg.walk() if not p.is_multipart()]
    assert kinds == ["text/plain", "text/html", "application/pdf"]
    att = next(msg.iter_attachments())
    assert att.get_filename() == "treasuries-as-the-anchor-2025-W15.pdf"
    assert att.get_content() == brief.files["brief.pdf"]
    # the summary carries the verdict board and key numbers (the 10-year yield read from FRED's file)
    y10 = csv_value(fred_dir, "DGS10", AS_OF)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    for v in brief.verdicts:
        assert v.state in text and v.title in text
    assert f"{y10:.2f}%" in html and f"10-year Treasury constant-maturity yield: {y10:.2f}%" in text
    # the same recipient always gets the same Message-ID; another one a different ID
    assert M.message_id("2025-W15", "ANN.LEE@example.com", "example.com") == msg["Message-ID"]
    assert M.message_id("2025-W15", "bob@example.com", "example.com") != msg["Message-ID"]
    # a plain-text reader gets no HTML part
    plain = parse(M.compose(ed, M.Recipient("t@example.com", "", "text"), cfg, pdf=b"%PDF-1.7 x",
                            summary=summary).as_bytes())
    assert [p.get_content_type() for p in plain.walk() if not p.is_multipart()] == ["text/plain",
                                                                                     "application/pdf"]


# --- sending over a real server -------------------------------------------------------------------------


def test_starttls_and_auth_deliver_exactly_one_message_per_recipient(published, tmp_path, creds):
    root, brief = published
    rec = recipients_file(tmp_path, 6, extra="broken-address,Nobody,\n")
    with smtp_server(tmp_path) as srv:
        cfg = config_for(root, tmp_path, srv)
        rep = M.send_edition(cfg, "2025-W15", rec)
        assert rep.complete and len(rep.sent) == 6 and rep.invalid == [
            f"{rec} line 8: 'broken-address' is not a valid email address; skipped"]
        box = srv.mailbox
        assert box.per_recipient() == {f"client{i:02d}@example.com": 1 for i in range(6)}
        assert all(m.tls and m.login == USER for m in box.messages)  # encrypted and authenticated
        assert box.logins == [USER]  # one connection for the whole list
        for m in box.messages:
            msg = parse(m.data)
            pdf = next(msg.iter_attachments()).get_content()
            assert pdf == brief.files["brief.pdf"]
            assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 2
            assert msg["To"].addresses[0].addr_spec == m.rcpt_tos[0]
        assert {r: s for r, (s, _) in log_rows(tmp_path / "sendlog.sqlite").items()} == {
            f"client{i:02d}@example.com": "sent" for i in range(6)}
        # a second run serves nobody twice
        again = M.send_edition(cfg, "2025-W15", rec)
        assert again.sent == [] and len(again.already) == 6 and box.count() == 6


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # see smtp_testserver
def test_implicit_tls(published, tmp_path, creds):
    root, _ = published
    with smtp_server(tmp_path, implicit_tls=True) as srv:
        rep = M.send_edition(config_for(root, tmp_path, srv), "2025-W15", recipients_file(tmp_path, 2))
        assert rep.complete and srv.mailbox.per_recipient() == {"client00@example.com": 1, "client01@example.com": 1}
        assert all(m.tls for m in srv.mailbox.messages)


def test_a_permanent_and_a_transient_refusal(published, tmp_path, creds):
    root, _ = published
    rec = recipients_file(tmp_path, 4)
    box = Mailbox(permanent={"client01@example.com": "550 5.1.1 No such user"},
                  transient={"client02@example.com": 2})
    waits: list[float] = []
    with smtp_server(tmp_path, mailbox=box) as srv:
        cfg = config_for(root, tmp_path, srv, max_retries=3, backoff_seconds=0.5)
        rep = M.send_edition(cfg, "2025-W15", rec, sleep=waits.append)
        assert waits == [0.5, 1.0]  # two 451 replies, then accepted: backoff doubles
        assert box.per_recipient() == {"client00@example.com": 1, "client02@example.com": 1,
                                       "client03@example.com": 1}
        assert rep.failed == [("client01@example.com", 550, "5.1.1 No such user")]
        assert not rep.complete
        rows = log_rows(tmp_path / "sendlog.sqlite")
        assert rows["client01@example.com"] == ("failed", 1) and rows["client02@example.com"] == ("sent", 3)
        # a re-run does not knock again on the refused address, nor resend to anyone
        attempts = len(box.rcpt_attempts)
        again = M.send_edition(cfg, "2025-W15", rec, sleep=waits.append)
        assert again.sent == [] and len(again.already) == 3 and len(again.failed) == 1
        assert len(box.rcpt_attempts) == attempts
        # unless asked to
        retried = M.send_edition(cfg, "2025-W15", rec, retry_failed=True, sleep=waits.append)
        assert retried.failed == [("client01@example.com", 550, "5.1.1 No such user")]
        assert box.rcpt_attempts[attempts:] == ["client01@example.com"]
        assert box.count() == 3


def test_transient_failures_beyond_the_retries_are_deferred_to_the_next_run(published, tmp_path, creds, capsys):
    root, _ = published
    rec = recipients_file(tmp_path, 3)
    box = Mailbox(transient={"client01@example.com": 5})
    with smtp_server(tmp_path, mailbox=box) as srv:
        cfg = config_for(root, tmp_path, srv, max_retries=2, backoff_seconds=0.0)
        rep = M.send_edition(cfg, "2025-W15", rec)
        assert [d[0] for d in rep.deferred] == ["client01@example.com"] and len(rep.sent) == 2
        assert log_rows(tmp_path / "sendlog.sqlite")["client01@example.com"] == ("deferred", 3)
        rep2 = M.send_edition(cfg, "2025-W15", rec)  # two more 451s, then the server accepts
        assert rep2.sent == ["client01@example.com"] and rep2.deferred == [] and len(rep2.already) == 2
        assert box.per_recipient() == {f"client{i:02d}@example.com": 1 for i in range(3)}
        assert log_rows(tmp_path / "sendlog.sqlite")["client01@example.com"] == ("sent", 6)


def test_connection_and_login_problems_are_clear_errors(published, tmp_path, creds, monkeypatch):
    root, _ = published
    rec = recipients_file(tmp_path, 2)
    with smtp_server(tmp_path) as srv:
        untrusted = config_for(root, tmp_path, srv, ca_file="")
        with pytest.raises(MailError, match=r"SMTP server 127.0.0.1:\d+: its TLS certificate is not trusted "
                                            r"\(.*\); set \[smtp\] ca_file"):
            M.send_edition(untrusted, "2025-W15", rec)
        monkeypatch.setenv("MACROBRIEF_SMTP_PASSWORD", "wrong-password-value")
        with pytest.raises(MailError, match=r"refused the login of the user in \$MACROBRIEF_SMTP_USER \(535 ") as e:
            M.send_edition(config_for(root, tmp_path, srv), "2025-W15", rec)
        assert "wrong-password-value" not in str(e.value)
        monkeypatch.delenv("MACROBRIEF_SMTP_PASSWORD")
        with pytest.raises(MailError, match=r"\$MACROBRIEF_SMTP_USER is set but \$MACROBRIEF_SMTP_PASSWORD is not"):
            M.send_edition(config_for(root, tmp_path, srv), "2025-W15", rec)
        monkeypatch.delenv("MACROBRIEF_SMTP_USER")
        with pytest.raises(MailError, match=r"SMTP server 127.0.0.1:\d+ requires authentication \(530 .*\): set "
                                            r"\$MACROBRIEF_SMTP_USER and \$MACROBRIEF_SMTP_PASSWORD"):
            M.send_edition(config_for(root, tmp_path, srv, max_retries=0), "2025-W15", rec)
        assert srv.mailbox.count() == 0
    monkeypatch.setenv("MACROBRIEF_SMTP_USER", USER)
    monkeypatch.setenv("MACROBRIEF_SMTP_PASSWORD", PASSWORD)
    with pytest.raises(MailError, match=r'security = "none" would send the password unencrypted'):
        M.send_edition(config_for(root, tmp_path, security="none"), "2025-W15", rec)
    port = free_port()  # nothing listens there
    with pytest.raises(MailError, match=rf"SMTP server 127.0.0.1:{port} unreachable after 2 attempts .*"
                                        r"0 sent, 0 already served"):
        M.send_edition(config_for(root, tmp_path, host="127.0.0.1", port=port, max_retries=1, backoff_seconds=0.0),
                       "2025-W15", rec)


def test_sample_damaged_and_unknown_editions_are_never_sent(published, tmp_path, creds):
    root, _ = published
    rec = recipients_file(tmp_path, 1)
    cfg = config_for(root, tmp_path, port=1)  # no server needed: each is refused before connecting
    with pytest.raises(MailError, match=r"edition 2025-W15-SAMPLE is built from SAMPLE .* never mailed"):
        M.send_edition(cfg, "2025-W15-SAMPLE", rec)
    with pytest.raises(PublishError, match=r"edition 2025-W16 is not in the archive"):
        M.send_edition(cfg, "2025-W16", rec)
    damaged = tmp_path / "damaged"
    shutil.copytree(root, damaged)
    for p in (damaged / "2025-W15").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    (damaged / "2025-W15").chmod(0o755)
    pdf = damaged / "2025-W15" / "brief.pdf"
    pdf.write_bytes(pdf.read_bytes()[:-10])
    with pytest.raises(MailError, match=r"edition 2025-W15 fails verification \(changed: brief.pdf .*nothing was sent"):
        M.send_edition(config_for(damaged, tmp_path, port=1), "2025-W15", rec)
    assert not (tmp_path / "sendlog.sqlite").exists()


def test_a_sample_test_send_does_not_count_as_serving_the_real_edition(published, tmp_path, creds):
    root, _ = published
    rec = recipients_file(tmp_path, 2)
    with smtp_server(tmp_path) as srv:
        cfg = config_for(root, tmp_path, srv)
        sample = M.send_edition(cfg, "2025-W15-SAMPLE", rec, allow_sample=True)
        real = M.send_edition(cfg, "2025-W15", rec)
        assert len(sample.sent) == 2 and len(real.sent) == 2 and real.already == []
        sent = sorted(parse(m.data)["X-Macrobrief-Edition"] for m in srv.mailbox.messages)
        assert sent == ["2025-W15", "2025-W15", "2025-W15-SAMPLE", "2025-W15-SAMPLE"]
        assert all(parse(m.data)["Subject"].endswith("[SAMPLE]") for m in srv.mailbox.messages
                   if parse(m.data)["X-Macrobrief-Edition"].endswith("SAMPLE"))


def test_dry_run_writes_one_eml_per_recipient_and_sends_nothing(published, tmp_path, capsys, monkeypatch):
    root, brief = published
    monkeypatch.delenv("MACROBRIEF_SMTP_USER", raising=False)
    rec = recipients_file(tmp_path, 3)
    cfg = desk_toml(tmp_path, smtp={"host": "127.0.0.1", "port": 1}, extra="")
    text = cfg.read_text().replace('root = "editions"', f'root = "{root}"')
    cfg.write_text(text)
    code = main(["send", "2025-W15", "--recipients", str(rec), "--dry-run", "--config", str(cfg), "-q"])
    out = capsys.readouterr().out
    assert code == 0
    files = sorted((tmp_path / "outbox" / "2025-W15").iterdir())
    assert [f.name for f in files] == ["0002-client00@example.com.eml", "0003-client01@example.com.eml",
                                       "0004-client02@example.com.eml"]
    msg = parse(files[1].read_bytes())
    assert msg["To"] == "Client 01 <client01@example.com>"
    assert next(msg.iter_attachments()).get_content() == brief.files["brief.pdf"]
    assert "3 written to the outbox, 0 already served" in out
    assert not (tmp_path / "sendlog.sqlite").exists()  # the send log is untouched by a dry run


def test_send_command_exit_codes(published, tmp_path, capsys, creds, monkeypatch):
    root, _ = published
    monkeypatch.chdir(tmp_path)
    box = Mailbox(permanent={"client00@example.com": "550 5.1.1 No such user"})
    with smtp_server(tmp_path, mailbox=box) as srv:
        cfg = desk_toml(tmp_path, smtp=srv.smtp_config())
        cfg.write_text(cfg.read_text().replace('root = "editions"', f'root = "{root}"'))
        rec = recipients_file(tmp_path, 2)
        assert main(["send", "2025-W15", "--recipients", str(rec), "--config", str(cfg), "-q"]) == 6
        out = capsys.readouterr().out
        assert "1 sent, 0 already served, 1 refused permanently" in out
        assert "refused: client00@example.com (550 5.1.1 No such user)" in out
        code = main(["send", "2025-W15", "--recipients", str(tmp_path / "missing.csv"), "--config", str(cfg), "-q"])
        err = capsys.readouterr().err
        assert code == 6 and err == f"macrobrief: error: recipients file {tmp_path / 'missing.csv'} not found\n"


def test_credentials_are_never_written_anywhere(published, tmp_path, creds, capsys):
    root, _ = published
    rec = recipients_file(tmp_path, 2)
    box = Mailbox(transient={"client01@example.com": 1})
    with smtp_server(tmp_path, mailbox=box) as srv:
        cfg = config_for(root, tmp_path, srv)
        M.send_edition(cfg, "2025-W15", rec, progress=__import__("report.progress").progress.Progress())
        M.send_edition(cfg, "2025-W15", rec, dry_run=True)
    captured = capsys.readouterr()
    for secret in (PASSWORD, USER):
        assert secret not in captured.out and secret not in captured.err
        for p in [*tmp_path.rglob("*"), *root.rglob("*")]:
            if p.is_file():
                assert secret.encode() not in p.read_bytes(), p


# --- a sender killed mid-list -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_sender_killed_mid_list_resumes_without_duplicates_or_gaps(published, tmp_path):
    root, brief = published
    n, killed_after = 12, 5
    rec = recipients_file(tmp_path, n)
    box = Mailbox(hold_after=killed_after)  # hold the client in RCPT once 5 messages were accepted
    with smtp_server(tmp_path, mailbox=box) as srv:
        cfg = desk_toml(tmp_path, smtp=srv.smtp_config())
        cfg.write_text(cfg.read_text().replace('root = "editions"', f'root = "{root}"'))
        env = subprocess_env(tmp_path, MACROBRIEF_SMTP_USER=USER, MACROBRIEF_SMTP_PASSWORD=PASSWORD)
        argv = [*CLI, "send", "2025-W15", "--recipients", str(rec), "--config", str(cfg), "-q"]
        p = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert box.holding.wait(timeout=120), p.stderr.read() if p.poll() is not None else "sender stuck"
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        box.release.set()
        time.sleep(0.2)
        assert box.count() == killed_after
        rows = log_rows(tmp_path / "sendlog.sqlite")
        assert sorted(r for r, (s, _) in rows.items() if s == "sent") == [
            f"client{i:02d}@example.com" for i in range(killed_after)]
        assert rows[f"client{killed_after:02d}@example.com"][0] == "sending"  # in flight when killed
        box.hold_after = None
        again = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        assert f"{n - killed_after} sent, {killed_after} already served" in again.stdout
        assert box.per_recipient() == {f"client{i:02d}@example.com": 1 for i in range(n)}
        for m in box.messages:
            assert next(parse(m.data).iter_attachments()).get_content() == brief.files["brief.pdf"]
