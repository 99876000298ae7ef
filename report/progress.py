"""Progress on stderr for steps a user waits on.

``step`` prints the step's name when it starts and its duration when it ends; ``count``
updates an ``[i/n]`` counter in place on a terminal (and prints every tenth item otherwise).
Quiet mode prints nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["Progress", "QUIET"]


class Progress:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.timings: dict[str, float] = {}
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._open_line = False

    def _write(self, s: str) -> None:
        if self.enabled:
            self.stream.write(s)
            self.stream.flush()

    def _end_line(self) -> None:
        if self._open_line:
            self._write("\n")
            self._open_line = False

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        self._end_line()
        self._write(f"{label} ...")
        self._open_line = True
        t0 = time.perf_counter()
        try:
            yield
        except BaseException:
            self._end_line()
            raise
        dt = time.perf_counter() - t0
        self.timings[label] = dt
        if self._open_line:
            self._write(f" {dt:.1f} s\n")
        else:
            self._write(f"{label}: done in {dt:.1f} s\n")
        self._open_line = False

    def count(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled:
            return
        if self._tty:
            self._write(f"\r  [{done}/{total}] {label[:60]:<60}")
            if done == total:
                self._write("\r" + " " * 72 + "\r")
        elif done == total or done % max(1, total // 10) == 0:
            self._end_line()
            self._write(f"  [{done}/{total}] {label}\n")

    def note(self, message: str) -> None:
        self._end_line()
        self._write(message + "\n")


QUIET = Progress(enabled=False)
