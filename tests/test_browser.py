"""The HTML brief in headless Chromium, driven over the DevTools protocol: no console errors,
every image loaded, nothing fetched from outside the file, readable on a phone; screenshots of
the first screen are saved under the test's temporary directory."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from _system import require_tool
from _brief_fixtures import BUILT, brief_config, error_section, every_block_section, previous_edition, synthetic_frame

from report.pipeline import make_brief, write_brief

import websocket  # websocket-client, in the test extra

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-allow-origins=*", "--remote-debugging-port=0", "--hide-scrollbars"]


class DevTools:
    """A minimal DevTools-protocol client over one page's websocket (commands and events)."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.events: list[dict] = []
        self._id = 0

    def send(self, method: str, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def evaluate(self, expr: str):
        res = self.send("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        return res["result"].get("value")

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    exe = require_tool("chromium", "chromium-browser")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > end or proc.poll() is not None:
                pytest.fail("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        dt = DevTools(pages[0]["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            dt.send(f"{domain}.enable")
        yield dt
        dt.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def brief_file(tmp_path_factory):
    frame = synthetic_frame(sample=True)
    b = make_brief(frame, brief_config(), formats=("html",), built_at=BUILT, previous=previous_edition(frame),
                   results=[every_block_section(frame), error_section()])
    out = tmp_path_factory.mktemp("brief") / "out"
    write_brief(b, out)
    return out / "brief.html", len(b.charts)


def load(dt: DevTools, path: Path) -> None:
    dt.events.clear()
    dt.send("Page.navigate", url=path.as_uri())
    dt.wait_for("Page.loadEventFired")


def screenshot(dt: DevTools, target: Path) -> bytes:
    import base64

    png = base64.b64decode(dt.send("Page.captureScreenshot", format="png")["data"])
    target.write_bytes(png)
    return png


def problems(events: list[dict]) -> list[str]:
    out = []
    for ev in events:
        m, p = ev.get("method"), ev.get("params", {})
        if m == "Runtime.exceptionThrown":
            out.append(str(p["exceptionDetails"].get("text")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(" ".join(str(a.get("value")) for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            out.append(p["entry"]["text"])
    return out


def test_desktop_view_loads_cleanly(chromium, brief_file, tmp_path):
    path, n_charts = brief_file
    chromium.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    load(chromium, path)
    images = chromium.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt.length])")
    assert len(images) == n_charts
    assert all(done and width > 0 and alt > 0 for done, width, alt in images), images
    assert problems(chromium.events) == []
    urls = [ev["params"]["request"]["url"] for ev in chromium.events if ev.get("method") == "Network.requestWillBeSent"]
    assert urls and all(u.startswith(("file:", "data:")) for u in urls), urls
    assert chromium.evaluate("document.title") == "Treasuries as the Anchor — 2025-W15 (SAMPLE)"
    # the SAMPLE banner stays on screen while reading (sticky at the top)
    chromium.evaluate("window.scrollTo(0, 3000)")
    top = chromium.evaluate("document.querySelector('.sample-banner').getBoundingClientRect().top")
    assert top == pytest.approx(0, abs=1)
    chromium.evaluate("window.scrollTo(0, 0)")
    png = screenshot(chromium, tmp_path / "first-screen-desktop.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "first-screen-desktop.png").stat().st_size > 10_000


def test_phone_view_has_no_sideways_scrolling(chromium, brief_file, tmp_path):
    path, _ = brief_file
    chromium.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
    load(chromium, path)
    assert problems(chromium.events) == []
    assert chromium.evaluate("document.documentElement.scrollWidth") <= 390
    # charts shrink to the screen; half-width charts stack instead of sitting side by side
    widths = chromium.evaluate("Array.from(document.images).map(i => i.getBoundingClientRect().width)")
    assert all(0 < w <= 390 for w in widths)
    assert min(widths) > 300
    body_px = chromium.evaluate("parseFloat(getComputedStyle(document.querySelector('section.section p')).fontSize)")
    assert body_px >= 13  # readable without zooming
    screenshot(chromium, tmp_path / "first-screen-phone.png")
