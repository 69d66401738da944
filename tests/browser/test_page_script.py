"""The member pages' own page script (js/) on a page it cannot wholly draw: the member is told, in the page.

A light page (notebook metadata ``workbook.page = "light"``) carries the controls the member pages use
(``js/src/controls.js``) and anywidget; a widget it does not carry (here ipywidgets' Output, from
``@jupyter-widgets/output``, which no member page uses) is replaced by a plain message where it would have been,
and the rest of the page is drawn as usual.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT
from tests.helpers import free_port
from workbook.content import paths
from workbook.serve.plan import NOTEBOOKS, voila_argv

from .conftest import stop, wait_for_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def light_page(tmp_path_factory):
    import nbformat

    root = tmp_path_factory.mktemp("light")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import ipywidgets as w\nw.VBox([w.HTML('<p id=\"drawn\">Drawn</p>')])"),
        nbformat.v4.new_code_cell("out = w.Output()\nout.append_stdout('hello')\nout")])
    nb.metadata["workbook"] = {"plotly": "basic", "page": "light"}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "page.ipynb")
    port = free_port()
    argv = [str(root) if a == str(NOTEBOOKS) else a for a in voila_argv(port, "127.0.0.1", None, fork=False)]
    env = dict(os.environ, JUPYTER_PATH=os.pathsep.join(
        p for p in (str(paths.jupyter_share()), os.environ.get("JUPYTER_PATH")) if p))
    log = root / "voila.log"
    with log.open("w") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/voila/render/page.ipynb"
    finally:
        stop(proc)


def test_a_widget_the_page_script_does_not_carry_is_said_in_the_page(light_page, page):
    page.goto(light_page)
    page.locator("#drawn").wait_for()
    note = page.get_by_role("alert")
    note.wait_for()
    assert "could not be shown" in note.inner_text()
    assert page.evaluate("document.body.dataset.wbPage") == "ready"
    assert page.locator("script#wb-page-js").count() == 1  # the page script, not Voila's application
