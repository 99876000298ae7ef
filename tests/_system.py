"""System programs the rendering tests drive."""

from __future__ import annotations

import os

import pytest


def require_tool(name: str, *alternatives: str) -> str:
    """Path of a system program the test drives (chromium, pdftoppm, pdflatex ...).

    Missing, the test fails under ``CI=true`` (CI installs it through scripts/system-deps.sh)
    and is skipped elsewhere, with the reason.
    """
    import shutil

    for candidate in (name, *alternatives):
        path = shutil.which(candidate)
        if path:
            return path
    msg = f"{name} is not installed (scripts/system-deps.sh installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)
