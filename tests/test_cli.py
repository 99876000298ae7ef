"""The command line: help, one-line errors with exit codes, data status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from report.catalog import CATALOG
from report.cli import main


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A desk config whose store and outputs live in tmp_path; cwd moved there too."""
    cfg = tmp_path / "desk.toml"
    cfg.write_text(
        '[data]\nstore = "store.sqlite"\n[output]\ndir = "out"\ncache = "cache"\n[archive]\nroot = "editions"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    monkeypatch.delenv("MACROBRIEF_CONFIG", raising=False)
    return cfg


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_explains_the_commands(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for word in ("build", "data", "rules", "config", "SAMPLE", "exit codes"):
        assert word in text


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "usage: macrobrief" in out


def test_future_as_of_is_one_line_exit_3(capsys, desk):
    code, out, err = run(capsys, "build", "--config", str(desk), "--as-of", "2999-01-01", "-q")
    assert code == 3
    assert err.strip().count("\n") == 0
    assert err.startswith("macrobrief: error: --as-of 2999-01-01 is in the future")


def test_empty_store_with_source_store_says_what_to_do(capsys, desk):
    code, _, err = run(capsys, "build", "--config", str(desk), "--source", "store", "-q")
    assert code == 3
    assert "is empty: run `macrobrief data import DIR` or `macrobrief data fetch` first" in err


def test_bad_config_is_exit_2_naming_the_key(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[brief]\npage_size = "B5"\n', encoding="utf-8")
    code, _, err = run(capsys, "config", "check", "--config", str(bad))
    assert code == 2
    assert "[brief] page_size: must be one of A4, Letter" in err


def test_bad_date_argument_is_a_usage_error(capsys, desk):
    with pytest.raises(SystemExit) as e:
        main(["build", "--config", str(desk), "--as-of", "11/04/2025"])
    assert e.value.code == 2
    assert "'11/04/2025' is not a date in the form YYYY-MM-DD" in capsys.readouterr().err


def test_data_status_lists_every_catalog_series(capsys, desk):
    code, out, _ = run(capsys, "data", "status", "--config", str(desk), "--as-of", "2025-04-11")
    assert code == 0
    lines = out.splitlines()
    assert f"0 current, 0 stale, {len(CATALOG)} missing of {len(CATALOG)} catalog series" in lines[0]
    listed = {ln.split()[0] for ln in lines[2:]}
    assert listed == set(CATALOG)


def test_rules_lists_thresholds(capsys, desk):
    code, out, _ = run(capsys, "rules", "--config", str(desk))
    assert code == 0
    assert "curve_inversion" in out and "inverted_below = 0.0" in out


def test_errors_never_print_a_traceback_in_a_real_process(tmp_path):
    cfg = tmp_path / "desk.toml"
    cfg.write_text('[data]\nstore = "s.sqlite"\n', encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-m", "report.cli", "build", "--config", str(cfg), "--source", "store"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert p.returncode == 3
    assert "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("macrobrief: error: the store")
    assert Path(tmp_path / "s.sqlite").exists()  # opened, nothing else written


def test_the_command_exits_quickly_yet_flushes_its_output_and_runs_exit_handlers(tmp_path):
    # run() ends the process without the interpreter's teardown: what is still buffered must
    # reach the pipe, a thread still working must finish, exit handlers (here one writing a file)
    # must run, and the code must be main's
    mark = tmp_path / "handler-ran"
    cfg = tmp_path / "desk.toml"
    cfg.write_text('[data]\nstore = "s.sqlite"\n', encoding="utf-8")
    script = (
        "import atexit, sys\n"
        "from report import cli\n"
        f"atexit.register(lambda: open({str(mark)!r}, 'w').write('ran'))\n"
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(2.0), print('thread done', flush=True))).start()\n"
        "sys.stdout.write('buffered, no newline')\n"
        "sys.argv = ['macrobrief'] + sys.argv[1:]\n"
        "cli.run()\n"
        "print('never reached')\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    ok = subprocess.run([sys.executable, "-c", script, "config", "show", "--config", str(cfg)],
                        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("buffered, no newline")
    assert "[data]" in ok.stdout and "never reached" not in ok.stdout
    assert "thread done" in ok.stdout  # a thread still working was waited for
    assert mark.read_text() == "ran"
    mark.unlink()
    bad = subprocess.run([sys.executable, "-c", script, "build", "--config", str(cfg), "--source", "store"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert bad.returncode == 3
    assert bad.stderr.strip().splitlines()[-1].startswith("macrobrief: error: the store")
    assert mark.read_text() == "ran"


def test_publish_without_data_is_refused_before_any_sample_is_generated(capsys, desk, monkeypatch):
    import report.sources.sample as sample

    def no_generation(*a, **k):
        raise AssertionError("SAMPLE data generated for a publish that must be refused")

    monkeypatch.setattr(sample, "generate", no_generation)
    monkeypatch.setattr(sample, "load", no_generation)
    code, _, err = run(capsys, "publish", "--config", str(desk), "--as-of", "2025-04-11", "-q")
    assert code == 5
    assert "SAMPLE" in err and err.count("\n") == 1
    assert not (desk.parent / "editions" / "2025-W15").exists()
