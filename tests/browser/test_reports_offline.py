"""District reports in a real browser: the pages draw offline, and JupyterLab draws an executed notebook's charts.

The batch writes into a folder on disk as a coach would keep it; every request that is not a file
of that folder is aborted, so a chart that needs the network would not draw.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import free_port, stop, wait_for_port
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The demo district's report, both ways: a shared plotly.js file, and self-contained (with its notebook)."""
    from workbook import cli, demo
    from workbook.store import Store

    folder = tmp_path_factory.mktemp("offline")
    store = Store(f"sqlite:///{folder / 'reports.sqlite'}")
    demo.seed_demo(store)
    store.dispose()
    outs = {}
    for mode, extra in (("shared", ["--notebooks"]), ("inline", ["--self-contained"])):
        outs[mode] = folder / mode
        with contextlib.redirect_stdout(io.StringIO()):
            rc = cli.main(["--db", store.url, "report", "--out", str(outs[mode]), "--district", demo.DEMO_SLUG, *extra])
        assert rc == 0
    return outs


def only_files_under(page, folder: Path, allowed: set[str]) -> list[str]:
    """Abort every request but the named files of ``folder``; the list of what was refused."""
    refused: list[str] = []
    base = folder.resolve().as_uri() + "/"

    def route(r):
        url = r.request.url
        if url.startswith(base) and url[len(base):] in allowed:
            r.continue_()
        else:
            refused.append(url)
            r.abort()

    page.route("**/*", route)
    return refused


def drawn_charts(page) -> int:
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6", timeout=30_000)
    return page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].filter(g => g.querySelector('.main-svg'))"
                         ".length")


@pytest.mark.parametrize("mode", ["shared", "inline"])
def test_report_draws_offline(batch, page, mode):
    out = batch[mode]
    scripts = {p.name for p in out.glob("*.js")}
    assert scripts == ({"plotly-cartesian.min.js"} if mode == "shared" else set()) or scripts == {"plotly.min.js"}
    refused = only_files_under(page, out, {"example-usd.html", *scripts})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((out / "example-usd.html").resolve().as_uri())
    assert drawn_charts(page) == 6
    assert page.get_by_role("heading", name="Action plan", level=2).is_visible()
    assert errors == [] and refused == [], (errors, refused)


@pytest.fixture()
def lab(batch, tmp_path):
    """JupyterLab on 127.0.0.1 over the folder holding the executed notebook (its own settings and runtime dirs)."""
    port, token = free_port(), secrets.token_hex(16)
    # every cell laid out at once (JupyterLab otherwise renders only the cells scrolled into view)
    tracker = tmp_path / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"))
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--allow-root",
                             f"--ServerApp.root_dir={batch['shared']}", "--LabApp.news_url=None",
                             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc, timeout=120)
        yield f"http://127.0.0.1:{port}", token
    finally:
        stop(proc)
        log.close()


def test_jupyterlab_draws_the_executed_notebooks_charts(lab, page):
    url, token = lab
    page.goto(f"{url}/lab/tree/example-usd.ipynb?token={token}")
    # the saved notebook is not trusted and no cell is run: the charts come from plotly's mime outputs
    drawn = "[...document.querySelectorAll('.jp-OutputArea-output')].filter(o => o.querySelector('.main-svg')).length"
    page.wait_for_function(f"{drawn} >= 6", timeout=120_000)
    assert page.evaluate(drawn) == 6
    assert page.locator(".jp-OutputArea-output h2", has_text="Action plan").count() == 1
