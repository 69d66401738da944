"""Browser tests: the real ``workbook serve`` (Voila) on 127.0.0.1 driven by Debian's Chromium.

Screenshots land in ``artifacts/screenshots/`` (linked from the README).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, require
from tests.helpers import free_port

CHROMIUM = os.environ.get("WORKBOOK_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"  # full-length pages, a test artefact
DOCS = ROOT / "docs" / "screenshots"  # the first screen of each app, linked from the README
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def wait_for_port(port: int, proc, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"workbook serve exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"Voila did not listen on {port} within {timeout}s")


class Server:
    def __init__(self, url: str, db_url: str, codes: dict, proc, log: Path):
        self.url, self.db_url, self.codes, self.proc, self.log = url, db_url, codes, proc, log

    def app(self, notebook: str, **params) -> str:
        from urllib.parse import urlencode

        return f"{self.url}/voila/render/{notebook}?{urlencode(params)}"

    def member_link(self) -> str:
        c = self.codes
        return self.app("charting_your_path.ipynb", district=c["district"], session=c["session"], code=c["code"])

    def facilitator_link(self, notebook: str = "team_pathways.ipynb") -> str:
        c = self.codes
        return self.app(notebook, district=c["district"], session=c["session"], code=c["facilitator"])

    def store(self):
        from workbook.store import Store

        return Store(self.db_url)

    def own_session(self, slug: str, name: str, label: str):
        """A fictional district and session of a test module's own (the demo session keeps the members others count)."""
        store = self.store()
        try:
            store.create_district(slug, name)
            return store.create_session(slug, label)
        finally:
            store.dispose()


def fresh_server(tmp_path_factory, name: str = "voila"):
    """``workbook serve`` on a free port with a fresh demo store (a generator for fixtures of any scope)."""
    from workbook import demo
    from workbook.store import Store

    folder = tmp_path_factory.mktemp(name)
    db_url = f"sqlite:///{folder / 'browser.sqlite'}"
    store = Store(db_url)
    codes = demo.seed_demo(store)
    store.dispose()
    port = free_port()
    log = folder / "voila.log"
    env = dict(os.environ, WORKBOOK_DB_URL=db_url)
    with log.open("w") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port)], env=env,
                                stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            wait_for_port(port, proc)
            yield Server(f"http://127.0.0.1:{port}", db_url, codes, proc, log)
        finally:
            stop(proc)


def stop(proc) -> None:
    """Stop a server started by a fixture (its kernels and their template go with it)."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The server shared by the charting and fault tests."""
    yield from fresh_server(tmp_path_factory)


@pytest.fixture(scope="session")
def chromium():
    require(Path(CHROMIUM).exists() or bool(shutil.which("chromium")), f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def charts_settled(page, timeout: float = 15) -> None:
    """Wait until no chart is drawing or resizing (each marks itself ``data-busy`` meanwhile)."""
    try:
        # a chart in a hidden box (the overview's movement before a district is picked) waits to draw until shown
        page.wait_for_function("![...document.querySelectorAll('.wb-chart')].some(g => g.offsetParent && "
                               "g.dataset.busy)", timeout=timeout * 1000)
    except Exception:
        pass


def screenshot(page, name: str, width: int | None = None) -> Path:
    """Save a full-length screenshot of the app (Voila scrolls inside the page, so grow the viewport)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    DOCS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if width and width != size["width"]:
        page.set_viewport_size({"width": width, "height": size["height"]})
        page.wait_for_timeout(400)
        charts_settled(page)
    page.screenshot(path=str(DOCS / f"{name}.png"))
    height = page.evaluate("Math.max(document.body.scrollHeight, "
                           "...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": width or size["width"], "height": min(max(height, 900), 8000)})
    page.wait_for_timeout(400)
    charts_settled(page)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def wait_for_app(page, text: str) -> None:
    """Wait until the kernel has rendered the app (its heading is on the page, where a person can see it)."""
    heading = page.get_by_role("heading", name=text, level=1)
    heading.wait_for(timeout=90_000)
    # not only in the DOM: on the screen, not clipped away by a box around it (what the user sees and clicks)
    heading.scroll_into_view_if_needed()
    seen = heading.evaluate("h => { const r = h.getBoundingClientRect();"
                            " const e = document.elementFromPoint(r.left + Math.min(20, r.width / 2),"
                            " r.top + r.height / 2); return !!e && (e === h || h.contains(e)); }")
    assert seen, f"the page's heading {text!r} is in the page but not on the screen (clipped or covered)"


def chart_data(page, index: int = 0) -> list:
    """The traces plotly drew in the browser for the ``index``-th chart."""
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot')[{index}]?.data")
    return page.evaluate(f"[...document.querySelectorAll('.js-plotly-plot')][{index}].data"
                         ".map(t => ({name: t.name, x: t.x, text: t.text}))")
