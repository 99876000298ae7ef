"""`pip install .` into a fresh virtual environment gives a working `macrobrief` command that
finds its templates and defaults from any working directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_runs_from_another_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, timeout=600, capture_output=True)
    (wheel,) = wheels.glob("macrobrief-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    # the dependencies come from this environment's site-packages (a path entry, so the
    # checkout's own editable install is not picked up); macrobrief itself from the wheel
    purelib = Path(sysconfig.get_paths()["purelib"])
    vsite = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                check=True, capture_output=True, text=True).stdout.strip())
    (vsite / "deps.pth").write_text(str(purelib) + "\n", encoding="utf-8")
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FRED_API_KEY", "MACROBRIEF_CONFIG")}
    located = subprocess.run([str(py), "-c", "import report, templates; print(report.__file__); "
                              "print(templates.__file__)"], cwd=elsewhere, env=env, check=True,
                             capture_output=True, text=True).stdout.split()
    assert all(str(vsite) in p for p in located), located  # the installed copy, not the checkout

    exe = venv / "bin" / "macrobrief"
    check = subprocess.run([str(exe), "config", "check"], cwd=elsewhere, env=env, capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stderr
    assert "configuration OK" in check.stdout

    run = subprocess.run([str(exe), "build", "--source", "sample", "--as-of", "2025-04-11", "--format", "html",
                          "-q"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    html = (elsewhere / "output" / "2025-W15-SAMPLE" / "brief.html").read_text(encoding="utf-8")
    assert "SAMPLE" in html and "Curve structure and strategy" in html
    assert (elsewhere / "output" / "2025-W15-SAMPLE" / "verdicts.json").is_file()
