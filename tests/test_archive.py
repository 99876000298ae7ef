"""The editions archive: immutable, atomic publishing, revisions, index, verify and rebuild."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from _reference import csv_value
from archive_helpers import (CLI, KEYS, ROOT, desk_toml, fast_config, small_frame, subprocess_env,
                             tree_digest, write_store)
from report import archive as A
from report.cli import main
from report.errors import ConfigError, DataError, PublishError
from report.frame import Frame
from report.pipeline import _previous_edition, make_brief

AS_OF_W15 = "2025-04-11"
AS_OF_W14 = "2025-04-04"


@pytest.fixture(scope="module")
def briefs(shared_store, tmp_path_factory):
    """Briefs of 2025-W14 and 2025-W15 built once from the shared data (curve section only)."""
    cfg = fast_config(tmp_path_factory.mktemp("unused"))
    w15 = make_brief(small_frame(shared_store, AS_OF_W15), cfg)
    w14 = make_brief(small_frame(shared_store, AS_OF_W14), cfg)
    return {"W14": w14, "W15": w15}


def publish(brief, root, store=None, **kw):
    return A.publish_brief(brief, fast_config(root), source="csv", store=store, **kw)


def make_writable(path: Path) -> None:
    for d, _, files in os.walk(path):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)


# --- edition ids and weeks --------------------------------------------------------------------


def test_week_as_of_is_the_fridays_date_or_the_last_weekday_so_far():
    # 2025-W15 runs Monday 7 April to Sunday 13 April 2025
    assert A.week_as_of("2025-W15", date(2025, 6, 1)) == date(2025, 4, 11)
    assert A.week_as_of("2025-W15", date(2025, 4, 9)) == date(2025, 4, 9)  # Wednesday of the same week
    assert A.week_as_of("2025-W15", date(2025, 4, 7)) == date(2025, 4, 7)
    # ISO week 1 of 2025 starts on Monday 30 December 2024; 2020 has a week 53 (Friday 1 Jan 2021)
    assert A.week_as_of("2025-W01", date(2025, 6, 1)) == date(2025, 1, 3)
    assert A.week_as_of("2020-W53", date(2025, 6, 1)) == date(2021, 1, 1)
    with pytest.raises(DataError, match=r"--week 2025-W16 has not started yet \(today is 2025-04-11\)"):
        A.week_as_of("2025-W16", date(2025, 4, 11))
    with pytest.raises(ConfigError, match=r"--week '2025-15' is not an ISO week like 2025-W15"):
        A.week_as_of("2025-15", date(2025, 6, 1))
    with pytest.raises(ConfigError, match=r"2025 has no ISO week 53"):
        A.week_as_of("2025-W53", date(2026, 6, 1))
    with pytest.raises(ConfigError, match=r"2025 has no ISO week 0"):
        A.week_as_of("2025-W00", date(2026, 6, 1))


def test_edition_ids():
    assert A.parse_edition("2025-W15") == A.EditionId("2025-W15", False, None)
    assert A.parse_edition("2025-W15-r3") == A.EditionId("2025-W15", False, 3)
    assert A.parse_edition("2025-W15-SAMPLE-r2") == A.EditionId("2025-W15", True, 2)
    assert A.EditionId("2025-W15").dirname(1) == "2025-W15"
    assert A.EditionId("2025-W15", True).dirname(2) == "2025-W15-SAMPLE-r2"
    for bad in ("2025W15", "2025-W15-r0", "2025-W15-x", "../2025-W15", ""):
        with pytest.raises(ConfigError, match="is not an edition id like 2025-W15"):
            A.parse_edition(bad)


# --- publishing ---------------------------------------------------------------------------------


def test_publish_writes_a_complete_edition_with_manifest_and_snapshot(briefs, tmp_path, shared_store, fred_dir):
    root = tmp_path / "editions"
    ed = publish(briefs["W15"], root, store=shared_store)
    assert ed.path == root / "2025-W15" and ed.revision == 1
    names = {p.relative_to(ed.path).as_posix() for p in ed.path.rglob("*") if p.is_file()}
    assert {"brief.html", "brief.pdf", "verdicts.json", "data.csv.gz", "manifest.json"} <= names
    assert {f"charts/{c}.png" for c in briefs["W15"].charts} <= names

    man = json.loads((ed.path / "manifest.json").read_text())
    assert (man["name"], man["edition"], man["revision"], man["as_of"], man["sample"]) == \
        ("2025-W15", "2025-W15", 1, AS_OF_W15, False)
    assert man["package"]["version"] and len(man["package"]["code_hash"]) == 16
    assert man["built_at"] == briefs["W15"].built_at.isoformat()
    # every file but the manifest is listed with its sha256, computed here independently
    assert set(man["files"]) == names - {"manifest.json"}
    for name, meta in man["files"].items():
        data = (ed.path / name).read_bytes()
        assert meta == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert (ed.path / "verdicts.json").read_bytes() == briefs["W15"].files["verdicts.json"]
    # last observation and vintage of the 10-year yield: the CSV's value on the as-of date, known that day
    y10 = csv_value(fred_dir, "DGS10", AS_OF_W15)
    assert man["series"]["ust_10y"]["last"] == AS_OF_W15 and man["series"]["ust_10y"]["last_value"] == y10
    assert man["series"]["ust_10y"]["vintage"] == AS_OF_W15
    assert man["sources"]["ust_10y"] == "csv"
    # the effective configuration is recorded (thresholds and sections) without credentials
    assert man["config"]["brief"]["sections"] == ["curve"]
    assert man["config"]["rules"]["curve_inversion"] == {"inverted_below": 0.0, "flat_below": 0.25}
    assert "fred_api_key" not in json.dumps(man["config"])

    # the data snapshot is a gzip CSV that plain pandas reads, holding exactly the frame's numbers
    snap = pd.read_csv(ed.path / "data.csv.gz")
    assert list(snap.columns) == ["key", "date", "value"]
    assert set(snap["key"]) == set(briefs["W15"].frame.keys)
    s10 = snap[snap["key"] == "ust_10y"]
    frame_10y = briefs["W15"].frame.get("ust_10y")
    assert list(s10["date"]) == [d.strftime("%Y-%m-%d") for d in frame_10y.index]
    np.testing.assert_array_equal(s10["value"].to_numpy(), frame_10y.to_numpy())
    assert s10["value"].iloc[-1] == y10

    # read-only on disk, and verification passes
    assert not os.access(ed.path / "brief.pdf", os.W_OK) or os.geteuid() == 0
    assert (ed.path / "brief.pdf").stat().st_mode & 0o222 == 0
    assert A.Archive(root).verify(ed).ok


def test_publishing_an_existing_edition_is_refused_and_changes_nothing(briefs, tmp_path):
    root = tmp_path / "editions"
    publish(briefs["W15"], root)
    before = tree_digest(root)
    with pytest.raises(PublishError, match=r"edition 2025-W15 is already published \(2025-W15, .*--revise REASON"):
        publish(briefs["W15"], root)
    assert tree_digest(root) == before


def test_revision_is_written_beside_the_edition_with_its_reason(briefs, tmp_path):
    root = tmp_path / "editions"
    with pytest.raises(PublishError, match="edition 2025-W15 is not published yet: nothing to revise"):
        publish(briefs["W15"], root, revise="typo")
    first = publish(briefs["W15"], root)
    r1 = tree_digest(first.path)
    with pytest.raises(PublishError, match="--revise needs a reason"):
        publish(briefs["W15"], root, revise="  ")
    second = publish(briefs["W15"], root, revise="Corrected the 2s10s headline")
    third = publish(briefs["W15"], root, revise="Second correction")
    assert (second.name, third.name) == ("2025-W15-r2", "2025-W15-r3")
    assert tree_digest(first.path) == r1  # the original is untouched
    m2 = json.loads((second.path / "manifest.json").read_text())
    assert (m2["revision"], m2["reason"], m2["supersedes"]) == (2, "Corrected the 2s10s headline", "2025-W15")

    arch = A.Archive(root)
    assert arch.find("2025-W15").name == "2025-W15-r3"
    assert arch.find("2025-W15-r1").name == "2025-W15"
    assert arch.find("2025-W15-r2").name == "2025-W15-r2"
    with pytest.raises(PublishError, match=r"edition 2025-W15 has no revision 7 \(revisions: 1, 2, 3\)"):
        arch.find("2025-W15-r7")
    # the index shows the latest revision once, with its history
    feed = json.loads((root / "feed.json").read_text())
    assert [i["id"] for i in feed["items"]] == ["2025-W15-r3"]
    hist = feed["items"][0]["_macrobrief"]["history"]
    assert [(h["revision"], h["reason"]) for h in hist] == [
        (1, ""), (2, "Corrected the 2s10s headline"), (3, "Second correction")]
    html = (root / "index.html").read_text()
    assert "Second correction" in html and "Corrected the 2s10s headline" in html and "3 revisions" in html


def test_index_lists_editions_newest_first_with_their_verdicts(briefs, tmp_path):
    root = tmp_path / "editions"
    publish(briefs["W15"], root)
    publish(briefs["W14"], root)  # published later, but an older week
    feed = json.loads((root / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["id"] for i in feed["items"]] == ["2025-W15", "2025-W14"]
    for item, key in zip(feed["items"], ("W15", "W14")):
        want = [(v.rule_id, v.state) for v in briefs[key].verdicts]
        assert [(v["rule_id"], v["state"]) for v in item["_macrobrief"]["verdicts"]] == want
        assert item["attachments"] == [{"url": f"{item['id']}/brief.pdf", "mime_type": "application/pdf"}]
    html = (root / "index.html").read_text()
    assert html.index('id="2025-W15"') < html.index('id="2025-W14"')
    for v in briefs["W15"].verdicts:
        assert str(escape(v.headline)) in html


def test_previous_edition_is_the_latest_revision_before_the_one_being_built(briefs, tmp_path):
    root = tmp_path / "editions"
    cfg = fast_config(root)
    assert _previous_edition(cfg, brief_edition="2025-W15") is None
    publish(briefs["W14"], root)
    publish(briefs["W15"], root)
    prev = _previous_edition(cfg, brief_edition="2025-W15")
    assert (prev["edition"], prev["revision"]) == ("2025-W14", 1)
    assert prev["verdicts"] == json.loads(briefs["W14"].files["verdicts.json"])["verdicts"]
    publish(briefs["W14"], root, revise="fix")
    assert _previous_edition(cfg, brief_edition="2025-W15")["name"] == "2025-W14-r2"
    assert _previous_edition(cfg, brief_edition="2025-W16")["edition"] == "2025-W15"
    assert _previous_edition(cfg, brief_edition="2025-W14") is None
    # SAMPLE editions never count as the previous edition of a real one
    A.Archive(root).write_edition(A.EditionId("2025-W16", sample=True), {"verdicts.json": b"{}"},
                                  {"as_of": "2025-04-18"})
    assert _previous_edition(cfg, brief_edition="2025-W17")["edition"] == "2025-W15"


def test_a_sample_brief_is_refused_unless_explicitly_allowed(briefs, tmp_path):
    real = briefs["W15"].frame
    sample_frame = Frame({k: real.get(k) for k in real.keys}, real.as_of, sources={k: "sample" for k in real.keys})
    brief = dataclasses.replace(briefs["W15"], frame=sample_frame)  # what matters here is the frame's provenance
    assert brief.sample
    root = tmp_path / "editions"
    with pytest.raises(PublishError, match="built from SAMPLE .* cannot be published"):
        publish(brief, root)
    assert not root.exists() or not any(p for p in root.iterdir() if not p.name.startswith("."))
    ed = publish(brief, root, allow_sample=True)
    assert ed.name == "2025-W15-SAMPLE" and ed.sample
    assert json.loads((ed.path / "manifest.json").read_text())["sources"]["ust_10y"] == "sample"
    assert "SAMPLE (test edition, not for distribution)" in (root / "index.html").read_text()
    # a real edition of the same week is still publishable beside it
    assert publish(briefs["W15"], root).name == "2025-W15"


# --- verification ---------------------------------------------------------------------------------


def test_verify_catches_a_changed_byte_a_missing_file_and_an_extra_file(briefs, tmp_path, capsys):
    root = tmp_path / "editions"
    ed = publish(briefs["W15"], root)
    publish(briefs["W14"], root)
    arch = A.Archive(root)
    assert all(arch.verify(e).ok for e in arch.editions())
    make_writable(ed.path)
    pdf = bytearray((ed.path / "brief.pdf").read_bytes())
    pdf[len(pdf) // 2] ^= 0x01
    (ed.path / "brief.pdf").write_bytes(bytes(pdf))
    chart = sorted((ed.path / "charts").iterdir())[0]
    chart.unlink()
    (ed.path / "notes.txt").write_text("added later")
    res = arch.verify(arch.find("2025-W15"))
    assert not res.ok
    assert any(p.startswith("changed: brief.pdf (sha256 ") for p in res.problems)
    assert f"missing: charts/{chart.name}" in res.problems
    assert "unexpected file: notes.txt" in res.problems
    assert len(res.problems) == 3

    cfg = desk_toml(tmp_path)
    code = main(["archive", "verify", "--config", str(cfg), "-q"])
    out, err = capsys.readouterr()
    assert code == 5
    assert "  OK       2025-W14" in out and "  DAMAGED  2025-W15: changed: brief.pdf" in out
    assert err.strip() == "macrobrief: error: 1 of 2 editions failed verification (changed or missing files)"


def test_verify_catches_an_edited_manifest(briefs, tmp_path):
    root = tmp_path / "editions"
    ed = publish(briefs["W15"], root)
    make_writable(ed.path)
    man = json.loads((ed.path / "manifest.json").read_text())
    man["verdicts"][0]["state"] = "normal" if man["verdicts"][0]["state"] != "normal" else "inverted"
    (ed.path / "manifest.json").write_text(json.dumps(man, indent=2))
    res = A.Archive(root).verify(A.Archive(root).find("2025-W15"))
    assert res.problems == ("changed: manifest.json (its content no longer matches its own digest)",)


# --- rebuild ----------------------------------------------------------------------------------------


def test_rebuild_from_the_snapshot_reproduces_verdicts_and_numbers(briefs, tmp_path):
    root = tmp_path / "editions"
    publish(briefs["W14"], root)
    ed = publish(briefs["W15"], root)
    res = A.rebuild(fast_config(root), "2025-W15")
    assert res.identical and res.verdicts_equal and res.key_numbers_equal and not res.differences
    assert res.n_verdicts == len(briefs["W15"].verdicts) and res.n_key_numbers == 13
    assert res.files["verdicts.json"] and res.files["data.csv.gz"]
    assert all(res.files[f"charts/{c}.png"] for c in briefs["W15"].charts)
    assert not res.code_changed

    # the snapshot alone gives the same frame: every series, date and value
    snap = A.read_snapshot(ed.path / "data.csv.gz")
    again = Frame.from_snapshot(snap, date.fromisoformat(AS_OF_W15))
    for key in briefs["W15"].frame.keys:
        pd.testing.assert_series_equal(again.get(key), briefs["W15"].frame.get(key), check_freq=False,
                                       check_index_type=False)
    assert A.Archive(root).verify(A.Archive(root).find("2025-W15")).ok  # nothing written into the archive


def _forge(ed_path: Path, new_snapshot: bytes) -> None:
    """Replace an edition's data and re-sign its manifest (what verify cannot catch)."""
    make_writable(ed_path)
    (ed_path / "data.csv.gz").write_bytes(new_snapshot)
    man = json.loads((ed_path / "manifest.json").read_text())
    man["files"]["data.csv.gz"] = {"sha256": hashlib.sha256(new_snapshot).hexdigest(), "bytes": len(new_snapshot)}
    man["self_sha256"] = A.manifest_digest(man)
    (ed_path / "manifest.json").write_text(json.dumps(man, indent=2))


def test_rebuild_reports_different_numbers_when_the_data_differs(briefs, tmp_path):
    root = tmp_path / "editions"
    ed = publish(briefs["W15"], root)
    snap = A.read_snapshot(ed.path / "data.csv.gz")
    last = (snap["key"] == "ust_10y") & (snap["date"] == pd.Timestamp(AS_OF_W15))
    snap.loc[last, "value"] += 0.5  # 50 bp higher 10-year yield on the as-of date
    buf = io.BytesIO()
    snap.to_csv(buf, index=False, date_format="%Y-%m-%d", compression={"method": "gzip", "mtime": 0})
    _forge(ed.path, buf.getvalue())
    assert A.Archive(root).verify(A.Archive(root).find("2025-W15")).ok
    res = A.rebuild(fast_config(root), "2025-W15", formats=("html",))
    assert not res.identical and not res.key_numbers_equal
    assert any(d.startswith("key_numbers[ust_10y].level: published ") for d in res.differences)


def test_rebuild_refuses_a_damaged_edition(briefs, tmp_path):
    root = tmp_path / "editions"
    ed = publish(briefs["W15"], root)
    make_writable(ed.path)
    (ed.path / "data.csv.gz").unlink()
    with pytest.raises(PublishError, match=r"edition 2025-W15 fails verification \(missing: data.csv.gz\)"):
        A.rebuild(fast_config(root), "2025-W15")


# --- bad input and failures ---------------------------------------------------------------------------


def test_an_unwritable_archive_root_is_one_clear_error_and_nothing_is_lost(briefs, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the archive's parent folder should be")
    with pytest.raises(PublishError, match=r"archive root .*not-a-dir/editions is not writable \(.*\); "
                                           "nothing was published"):
        publish(briefs["W15"], blocker / "editions")
    assert blocker.read_text() == "a file where the archive's parent folder should be"
    if os.geteuid() != 0:  # root ignores permission bits
        root = tmp_path / "editions"
        publish(briefs["W14"], root)
        before = tree_digest(root)
        os.chmod(root, 0o555)
        try:
            with pytest.raises(PublishError, match="is not writable"):
                publish(briefs["W15"], root)
        finally:
            os.chmod(root, 0o755)
        assert tree_digest(root) == before


def test_command_line_errors_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = desk_toml(tmp_path)
    cases = [
        (["archive", "show", "2025-W20"], 5, "macrobrief: error: edition 2025-W20 is not in the archive "
                                             f"{tmp_path / 'editions'} (the archive is empty)"),
        (["archive", "show", "2025-20"], 2, "macrobrief: error: '2025-20' is not an edition id like 2025-W15 "
                                            "(or 2025-W15-r2 for a revision)"),
        (["archive", "rebuild", "2025-W20"], 5, "macrobrief: error: edition 2025-W20 is not in the archive"),
        (["publish", "--week", "2025-15"], 2, "macrobrief: error: --week '2025-15' is not an ISO week like 2025-W15"),
        (["publish", "--week", "2025-W60"], 2, "macrobrief: error: --week '2025-W60': 2025 has no ISO week 60"),
    ]
    (tmp_path / "blocker").write_text("a file, not a folder")
    (tmp_path / "blocker-desk").mkdir()
    unwritable = desk_toml(tmp_path / "blocker-desk")
    unwritable.write_text(unwritable.read_text().replace('root = "editions"', f'root = "{tmp_path}/blocker/editions"'))
    got = main(["publish", "--source", "store", "--config", str(unwritable), "-q"])
    err = capsys.readouterr().err
    assert got == 5 and err == (f"macrobrief: error: archive root {tmp_path}/blocker/editions is not writable "
                                "(Not a directory); nothing was published\n")
    for argv, code, line in cases:
        got = main([*argv, "--config", str(cfg), "-q"])
        err = capsys.readouterr().err
        assert got == code, (argv, err)
        assert err.count("\n") == 1 and err.startswith(line), (argv, err)


def test_temporary_folders_of_killed_publishes_are_ignored_then_cleaned(briefs, tmp_path):
    root = tmp_path / "editions"
    publish(briefs["W14"], root)
    partial = root / ".publish-2025-W15-abc123"
    (partial / "charts").mkdir(parents=True)
    (partial / "brief.html").write_text("<html>half")
    arch = A.Archive(root)
    assert [e.name for e in arch.editions()] == ["2025-W14"]
    assert [i["id"] for i in json.loads((root / "feed.json").read_text())["items"]] == ["2025-W14"]
    publish(briefs["W15"], root)
    assert not partial.exists()
    assert [e.name for e in arch.editions()] == ["2025-W15", "2025-W14"]


def test_no_credential_reaches_the_archive(briefs, tmp_path, monkeypatch):
    secret = "fred-key-0123456789abcdef-secret"
    monkeypatch.setenv("FRED_API_KEY", secret)
    root = tmp_path / "editions"
    cfg = fast_config(root, data={"fred_api_key": secret})
    ed = A.publish_brief(briefs["W15"], cfg, source="csv")
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            if p.suffix == ".gz":
                data = gzip.decompress(data)
            assert secret.encode() not in data, p
    assert ed.manifest is not None


# --- killed publishes (subprocesses) --------------------------------------------------------------------

_WRITER = """
import pickle, sys, time
from pathlib import Path
from report.archive import Archive, EditionId
files, manifest = pickle.load(open(sys.argv[2], "rb"))
print("ready", flush=True)
t0 = time.perf_counter()
Archive(Path(sys.argv[1])).write_edition(EditionId("2025-W15"), files, manifest)
print("done %.4f" % (time.perf_counter() - t0), flush=True)
"""


def _check_all_or_nothing(root: Path) -> str:
    """The archive holds complete, verifiable editions only; returns 'complete' or 'absent'."""
    arch = A.Archive(root)
    eds = arch.editions()
    assert [e.name for e in eds] in ([], ["2025-W15"])
    visible = [p.name for p in root.iterdir() if not p.name.startswith(".")] if root.exists() else []
    assert set(visible) <= {"2025-W15", "index.html", "feed.json"}
    if eds:
        assert arch.verify(eds[0]).ok
        return "complete"
    assert "2025-W15" not in visible
    return "absent"


@pytest.mark.slow
def test_a_publish_killed_at_random_moments_leaves_all_or_nothing(briefs, tmp_path):
    brief = briefs["W15"]
    rng = np.random.default_rng(20250411)
    files = dict(brief.files)
    files["data.csv.gz"] = A.snapshot_bytes(brief.frame)
    for i in range(40):  # bulk, so the writing phase lasts long enough to be hit
        files[f"charts/extra_{i:02d}.png"] = rng.bytes(150_000)
    manifest = A.build_manifest(brief, fast_config(tmp_path))
    payload = tmp_path / "payload.pkl"
    payload.write_bytes(pickle.dumps((files, manifest)))
    env = subprocess_env(tmp_path)

    def start(root: Path) -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, "-c", _WRITER, str(root), str(payload)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        assert p.stdout.readline().strip() == "ready"
        return p

    p = start(tmp_path / "timing")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    duration = float(out.split()[1])
    outcomes = []
    for trial in range(10):
        root = tmp_path / f"arch{trial}"
        p = start(root)
        time.sleep(float(rng.uniform(0, duration * 1.3)))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        outcomes.append(_check_all_or_nothing(root))
        # the next publish succeeds (or is refused because the killed one had finished) and cleans up
        if outcomes[-1] == "absent":
            p = start(root)
            assert p.wait(timeout=120) == 0
            assert _check_all_or_nothing(root) == "complete"
            assert not [q for q in root.iterdir() if q.name.startswith(".publish-")]
    assert "absent" in outcomes  # at least one kill landed before the rename


@pytest.mark.slow
def test_the_publish_command_killed_mid_run_then_rerun(shared_store, tmp_path):
    write_store(tmp_path / "store.sqlite", shared_store, KEYS)
    cfg = desk_toml(tmp_path)
    env = subprocess_env(tmp_path)
    argv = [*CLI, "publish", "--config", str(cfg), "--week", "2025-W15", "--source", "store", "-q"]
    rng = np.random.default_rng(7)
    for delay in rng.uniform(0.5, 4.0, size=3):
        p = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(float(delay))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        if _check_all_or_nothing(tmp_path / "editions") == "complete":
            break
    p = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    root = tmp_path / "editions"
    if p.returncode == 5:  # a killed run had finished: publishing again is refused
        assert "already published" in p.stderr
    else:
        assert p.returncode == 0, p.stderr
    assert _check_all_or_nothing(root) == "complete"
    listing = subprocess.run([*CLI, "archive", "list", "--config", str(cfg)], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and "2025-W15" in listing.stdout and ".publish" not in listing.stdout


@pytest.mark.slow
def test_publish_command_end_to_end(shared_store, tmp_path, capsys, monkeypatch, fred_dir):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    write_store(tmp_path / "store.sqlite", shared_store, KEYS)
    cfg = str(desk_toml(tmp_path))
    assert main(["publish", "--config", cfg, "--week", "2025-W14", "--source", "store", "-q"]) == 0
    assert main(["publish", "--config", cfg, "--as-of", AS_OF_W15, "--source", "store", "-q"]) == 0
    out = capsys.readouterr().out
    assert f"Published 2025-W15 as of {AS_OF_W15} from store: {tmp_path / 'editions' / '2025-W15'}" in out
    man = json.loads((tmp_path / "editions" / "2025-W15" / "manifest.json").read_text())
    assert man["previous"] == "2025-W14"  # what changed is measured against the previous edition
    assert man["series"]["ust_2y"]["last_value"] == csv_value(fred_dir, "DGS2", AS_OF_W15)
    if (ROOT / ".git").exists() and shutil.which("git"):
        assert len(man["package"]["git_commit"]) == 40
    assert main(["archive", "list", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert out.index("2025-W15") < out.index("2025-W14")
    assert main(["archive", "show", "2025-W15", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert "Edition 2025-W15, revision 1" in out and "curve_inversion:" in out
    assert main(["archive", "verify", "--config", cfg]) == 0
    assert "2 editions verified" in capsys.readouterr().out
    before = tree_digest(tmp_path / "editions")
    assert main(["archive", "rebuild", "2025-W15", "--config", cfg, "-q", "--out", str(tmp_path / "rebuilt")]) == 0
    out = capsys.readouterr().out
    assert "verdicts: identical (" in out and "key numbers: identical (13 rows)" in out
    assert (tmp_path / "rebuilt" / "brief.pdf").is_file()
    assert tree_digest(tmp_path / "editions") == before  # a rebuild writes nothing into the archive


@pytest.mark.slow
def test_rebuild_of_the_full_brief_reproduces_every_verdict(shared_frame, shared_store, tmp_path):
    """Every section and rule, all the shared data: the archived snapshot alone gives the same brief."""
    from report.config import default_config

    root = tmp_path / "editions"
    cfg = default_config(archive={"root": str(root)}, output={"cache": ""})
    brief = make_brief(shared_frame(AS_OF_W15), cfg)
    assert len(brief.verdicts) >= 8
    A.publish_brief(brief, cfg, source="csv", store=shared_store)
    res = A.rebuild(cfg, "2025-W15", formats=("html",))
    assert res.identical, res.differences
    assert res.n_verdicts == len(brief.verdicts)
    assert res.files["verdicts.json"] and res.files["data.csv.gz"]
    assert all(res.files[f"charts/{c}.png"] for c in brief.charts)
