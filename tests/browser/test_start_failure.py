"""A page whose kernel dies while it starts: the member reads a plain message with a reload link.

Voila keeps such a visit open with heartbeats, and the member waits on a loading page for good.
The server here is the workbook's Voila (``python -m workbook.serve.voila_server``) serving two
notebooks whose kernel exits at once: one started on demand, one from the preheated pool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT
from tests.helpers import free_port

from .conftest import stop, wait_for_port

pytestmark = pytest.mark.browser

HEADING = "This page could not start"


@pytest.fixture(scope="module")
def dying(tmp_path_factory):
    """Voila serving ``page.ipynb`` (a kernel per visit) and ``pooled.ipynb`` (a preheated pool of one)."""
    import nbformat

    root = tmp_path_factory.mktemp("dying")
    spec = root / "share" / "jupyter" / "kernels" / "dies"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "raise SystemExit(3)", "-f", "{connection_file}"],
        "display_name": "A kernel that exits at once", "language": "python"}))
    notebooks = root / "notebooks"
    notebooks.mkdir()
    for name in ("page.ipynb", "pooled.ipynb"):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('never shown')")])
        nb.metadata["kernelspec"] = {"name": "dies", "display_name": "A kernel that exits at once",
                                     "language": "python"}
        nbformat.write(nb, notebooks / name)
    port = free_port()
    pools = {"default": {"pool_size": 0}, "pooled.ipynb": {"pool_size": 1}}
    log = root / "voila.log"
    env = dict(os.environ, JUPYTER_PATH=str(root / "share" / "jupyter"))
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.serve.voila_server", str(notebooks), "--no-browser",
                                 f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.token=",
                                 "--VoilaConfiguration.preheat_kernel=True",
                                 f"--VoilaKernelManager.kernel_pools_config={pools!r}",
                                 "--VoilaKernelManager.fill_delay=1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/voila/render", log
    finally:
        stop(proc)


def read_whole_answer(url: str, within: float) -> str:
    """The page's whole HTML; a failure if the answer has not ended within ``within`` seconds.

    Voila's heartbeats keep a stuck answer's socket busy, so a socket timeout alone would wait for good.
    """
    deadline = time.monotonic() + within
    chunks = []
    with urllib.request.urlopen(url, timeout=within) as response:
        while chunk := response.read1(65536):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                html = b"".join(chunks).decode(errors="replace")
                pytest.fail(f"the page's answer had not ended after {within:.0f} s; it ends with:\n{html[-300:]}")
    return b"".join(chunks).decode()


@pytest.mark.parametrize("notebook", ["page.ipynb", "pooled.ipynb"])
def test_a_page_whose_kernel_dies_says_so_and_offers_a_reload(dying, page, notebook):
    url, log = dying
    assert HEADING in read_whole_answer(f"{url}/{notebook}", within=90)
    page.goto(f"{url}/{notebook}")
    heading = page.get_by_role("heading", name=HEADING)
    heading.wait_for(state="visible", timeout=60_000)
    assert page.get_by_role("alert").is_visible()
    assert page.locator("#loading").count() == 0  # Voila's spinner is gone: the member is not left waiting
    assert page.get_by_role("link", name="Reload the page").is_visible()
    assert "Kernel died before replying to kernel_info" in log.read_text()  # the server's log keeps the error
