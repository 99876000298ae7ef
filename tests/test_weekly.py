"""The scheduled weekly run: fetch -> publish -> send under a lock; exit codes, log, deploy files."""

from __future__ import annotations

import email
import re
import shlex
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from archive_helpers import CLI, KEYS, ROOT, desk_toml, subprocess_env, write_store
from report.cli import build_parser, main
from report.config import load_config
from report.weekly import EXIT_LOCKED, lock_path, run_lock
from smtp_testserver import PASSWORD, USER, smtp_server


@pytest.fixture(scope="module")
def store_file(shared_store, tmp_path_factory) -> Path:
    """A desk store holding the series the curve section and the cover need."""
    return write_store(tmp_path_factory.mktemp("weekly") / "store.sqlite", shared_store, KEYS)


@pytest.fixture
def bare_desk(tmp_path, monkeypatch):
    """A desk folder with a recipients list and credentials in the environment, but no data."""
    (tmp_path / "clients.csv").write_text("email,name\n" + "".join(f"c{i}@example.com,C {i}\n" for i in range(3)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    monkeypatch.delenv("MACROBRIEF_CONFIG", raising=False)
    monkeypatch.setenv("MACROBRIEF_SMTP_USER", USER)
    monkeypatch.setenv("MACROBRIEF_SMTP_PASSWORD", PASSWORD)
    return tmp_path


@pytest.fixture
def desk(bare_desk, store_file):
    """The same with a store holding the shared data's curve and cover series."""
    shutil.copy(store_file, bare_desk / "store.sqlite")
    return bare_desk


def editions(tmp: Path) -> list[str]:
    root = tmp / "editions"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.exists() else []


@pytest.mark.slow
def test_weekly_publishes_and_sends_then_a_rerun_does_nothing_twice(desk, capsys):
    with smtp_server(desk) as srv:
        cfg = desk_toml(desk, smtp=srv.smtp_config())
        argv = ["weekly", "--config", str(cfg), "--week", "2025-W15", "--source", "store",
                "--recipients", "clients.csv"]
        assert main(argv) == 0
        assert editions(desk) == ["2025-W15"]
        assert srv.mailbox.per_recipient() == {"c0@example.com": 1, "c1@example.com": 1, "c2@example.com": 1}
        err = capsys.readouterr().err
        assert "published 2025-W15 from store" in err and "2025-W15 revision 1: 3 sent, 0 already served" in err
        assert main(argv) == 0  # the same week again: not rebuilt, nobody mailed twice
        assert editions(desk) == ["2025-W15"] and srv.mailbox.count() == 3
        assert "2025-W15 is already published (2025-W15, " in capsys.readouterr().err
    log = (desk / "weekly.log").read_text()
    lines = log.splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[pid \d+\] (INFO|WARNING|ERROR) ", ln) for ln in lines)
    assert log.count("finished with exit code 0") == 2
    assert "0 sent, 3 already served" in log
    for secret in (USER, PASSWORD):
        assert secret not in log


def test_a_second_run_exits_with_7_while_the_lock_is_held(bare_desk, capsys):
    desk = bare_desk
    cfg_path = desk_toml(desk)
    cfg = load_config(cfg_path)
    with run_lock(lock_path(cfg)):
        code = main(["weekly", "--config", str(cfg_path), "--no-send", "--source", "store", "--week", "2025-W15"])
    err = capsys.readouterr().err
    assert code == EXIT_LOCKED == 7
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(rf"macrobrief: error: another weekly run holds the lock {re.escape(str(lock_path(cfg)))} "
                        r"\(pid \d+, started [0-9T:+-]+\); this run did nothing \(use --wait to wait for it\)", last)
    assert editions(desk) == []
    assert "ERROR weekly run failed (exit 7): another weekly run holds the lock" in (desk / "weekly.log").read_text()


@pytest.mark.slow
def test_wait_lets_the_running_one_finish_first(desk, capsys):
    cfg_path = desk_toml(desk)
    cfg = load_config(cfg_path)
    held = threading.Event()
    released_at: list[float] = []

    def holder():
        with run_lock(lock_path(cfg)):
            held.set()
            time.sleep(1.0)
            released_at.append(time.monotonic())

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    code = main(["weekly", "--config", str(cfg_path), "--no-send", "--wait", "--source", "store",
                 "--week", "2025-W15", "--quiet"])
    done = time.monotonic()
    t.join()
    assert code == 0 and released_at and done >= released_at[0]
    assert editions(desk) == ["2025-W15"]
    assert "waiting for the other weekly run" in (desk / "weekly.log").read_text()


def test_unusable_recipients_stop_the_run_before_any_work(bare_desk, capsys):
    desk = bare_desk
    cfg = desk_toml(desk)
    code = main(["weekly", "--config", str(cfg), "--source", "store", "--recipients", "nobody.csv", "-q"])
    err = capsys.readouterr().err
    assert code == 6 and err == "macrobrief: error: recipients file nobody.csv not found\n"
    assert editions(desk) == []
    code = main(["weekly", "--config", str(cfg), "--source", "store", "-q"])
    assert code == 2 and "weekly needs a recipients file to send to" in capsys.readouterr().err


def test_sample_data_is_never_published_or_sent(bare_desk, capsys):
    desk = bare_desk
    cfg = desk_toml(desk)
    code = main(["weekly", "--config", str(cfg), "--source", "sample", "--recipients", "clients.csv", "-q"])
    assert code == 5 and "SAMPLE" in capsys.readouterr().err
    assert editions(desk) == []
    assert not (desk / "sendlog.sqlite").exists()


@pytest.mark.slow
def test_two_concurrent_runs_never_overlap_and_nothing_is_written_twice(desk):
    with smtp_server(desk) as srv:
        cfg = desk_toml(desk, smtp=srv.smtp_config())
        env = subprocess_env(desk, MACROBRIEF_SMTP_USER=USER, MACROBRIEF_SMTP_PASSWORD=PASSWORD)
        argv = [*CLI, "weekly", "--config", str(cfg), "--source", "store", "--recipients", "clients.csv"]

        def start(*extra: str) -> subprocess.Popen:
            return subprocess.Popen([*argv, *extra], cwd=desk, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)

        # 1. while run a holds the lock (held by the server in its first RCPT), run b exits at once with 7
        srv.mailbox.hold_after = 0
        a = start("--week", "2025-W15")
        assert srv.mailbox.holding.wait(timeout=300), "run a never reached the send step"
        b = start("--week", "2025-W15")
        _, b_err = b.communicate(timeout=120)
        assert b.returncode == 7, b_err
        assert "another weekly run holds the lock" in b_err
        srv.mailbox.release.set()
        _, a_err = a.communicate(timeout=300)
        assert a.returncode == 0, a_err
        srv.mailbox.hold_after = None

        # 2. two runs started together with --wait: one works, the other waits and then finds nothing to do
        c, d = start("--week", "2025-W14", "--wait"), start("--week", "2025-W14", "--wait")
        assert c.wait(timeout=300) == 0 and d.wait(timeout=300) == 0
        assert editions(desk) == ["2025-W14", "2025-W15"]
        assert srv.mailbox.per_recipient() == {"c0@example.com": 2, "c1@example.com": 2, "c2@example.com": 2}
        editions_sent = sorted(email.message_from_bytes(m.data)["X-Macrobrief-Edition"] for m in srv.mailbox.messages)
        assert editions_sent == ["2025-W14"] * 3 + ["2025-W15"] * 3
        log = (desk / "weekly.log").read_text()
        assert log.count("published 2025-W14 from store") == 1 and log.count("published 2025-W15 from store") == 1
        assert log.count("2025-W14 is already published") == 1


# --- the documented schedule ---------------------------------------------------------------------------


def _cli_args(command: str) -> list[str]:
    words = shlex.split(command)
    i = next(i for i, w in enumerate(words) if w.endswith("/macrobrief") or w == "macrobrief")
    return words[i + 1:]


def test_the_deploy_files_run_a_valid_weekly_command():
    service = (ROOT / "deploy" / "macrobrief-weekly.service").read_text()
    exec_line = next(ln for ln in service.splitlines() if ln.startswith("ExecStart="))
    args = build_parser().parse_args(_cli_args(exec_line.split("=", 1)[1]))
    assert args.command == "weekly" and args.recipients == Path("/srv/macrobrief/clients.csv") and args.quiet
    assert "SuccessExitStatus=7" in service and "Type=oneshot" in service
    timer = (ROOT / "deploy" / "macrobrief-weekly.timer").read_text()
    on_calendar = next(ln.split("=", 1)[1] for ln in timer.splitlines() if ln.startswith("OnCalendar="))
    assert on_calendar == "Fri *-*-* 18:30:00 America/New_York"
    if shutil.which("systemd-analyze"):
        chk = subprocess.run(["systemd-analyze", "calendar", on_calendar], capture_output=True, text=True)
        assert chk.returncode == 0, chk.stderr
    cron = [ln for ln in (ROOT / "deploy" / "crontab").read_text().splitlines()
            if ln.strip() and not ln.startswith("#") and "=" not in ln.split()[0]]
    assert len(cron) == 1
    fields = cron[0].split(None, 5)
    assert fields[:5] == ["30", "18", "*", "*", "5"]  # minute hour day month weekday(Friday)
    args = build_parser().parse_args(_cli_args(fields[5].rsplit("&&", 1)[1]))
    assert args.command == "weekly" and args.quiet
