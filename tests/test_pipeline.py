"""End to end: CSV directory -> store -> brief (HTML, PDF, verdicts.json) as of a past date."""

from __future__ import annotations

import json
from datetime import date

import pypdf
import pytest
from _reference import csv_value

from report.cli import main
from report.config import load_config
from report.pipeline import build, edition_of, resolve_as_of

AS_OF = "2025-04-11"



@pytest.fixture
def desk(tmp_path, monkeypatch):
    cfg = tmp_path / "desk.toml"
    cfg.write_text('[data]\nstore = "store.sqlite"\n[output]\ndir = "out"\ncache = "cache"\n'
                   '[archive]\nroot = "editions"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    monkeypatch.delenv("MACROBRIEF_CONFIG", raising=False)
    return cfg


def test_edition_and_default_as_of():
    assert edition_of(date(2025, 4, 11)) == "2025-W15"
    assert edition_of(date(2024, 12, 30)) == "2025-W01"  # ISO week-numbering year
    assert resolve_as_of(None, date(2026, 11, 22)) == date(2026, 11, 20)  # Sunday -> Friday
    assert resolve_as_of(None, date(2026, 11, 23)) == date(2026, 11, 23)


@pytest.mark.slow
def test_csv_build_as_of_2025_04_11_shows_the_csv_yields(desk, fred_dir, tmp_path, capsys):
    code = main(["build", "--config", str(desk), "--source", "csv", "--data-dir", str(fred_dir),
                 "--as-of", AS_OF, "-q"])
    assert code == 0, capsys.readouterr().err
    out = tmp_path / "out" / "2025-W15"
    assert {"brief.html", "brief.pdf", "verdicts.json"} <= {p.name for p in out.iterdir()}

    y2, y10 = csv_value(fred_dir, "DGS2", AS_OF), csv_value(fred_dir, "DGS10", AS_OF)
    pdf_text = "\n".join(page.extract_text() for page in pypdf.PdfReader(out / "brief.pdf").pages)
    assert f"2-year Treasury constant-maturity yield {y2:.2f}%" in pdf_text
    assert f"10-year Treasury constant-maturity yield {y10:.2f}%" in pdf_text
    assert "SAMPLE" not in pdf_text

    doc = json.loads((out / "verdicts.json").read_text())
    assert doc["as_of"] == AS_OF and doc["edition"] == "2025-W15" and doc["sample"] is False
    keys = {k["key"]: k for k in doc["key_numbers"]}
    assert keys["ust_2y"]["level"] == y2 and keys["ust_10y"]["level"] == y10
    assert keys["ust_10y"]["date"] == AS_OF
    inv = next(v for v in doc["verdicts"] if v["rule_id"] == "curve_inversion")
    ev = {e["label"]: e["value"] for e in inv["evidence"]}
    assert ev["2s10s spread"] == pytest.approx(csv_value(fred_dir, "T10Y2Y", AS_OF) * 100, abs=0.05)
    html = (out / "brief.html").read_text(encoding="utf-8")
    assert f"{y10:.2f}%" in html


@pytest.mark.slow
def test_a_past_build_uses_only_data_known_then(desk, fred_dir, tmp_path):
    cfg = load_config(desk)
    res = build(cfg, as_of=date(2019, 6, 28), source="csv", data_dirs=[fred_dir], formats=("html",))
    frame = res.brief.frame
    for key in frame.keys:
        st = frame.status(key)
        assert st.last <= date(2019, 6, 28), key
    # CPI for May 2019 was published in mid-June 2019; June's value was not yet known
    assert frame.get("cpi").index[-1] == __import__("pandas").Timestamp("2019-05-01")
