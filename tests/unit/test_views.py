"""The facilitator app notebooks under papermill's command line: a static team view for a district.

In Voila (and under nbval, tests/notebooks) the parameters stay empty and the page reads its link;
these runs pass ``-p district`` as a coach would and check what the output notebook holds.
"""

from __future__ import annotations

import json
import os
import re
from html import escape
from pathlib import Path

import pytest

from tests.helpers import failure_text, run_papermill
from workbook.demo import DEMO_NAME, DEMO_SLUG, seed_demo
from workbook.reports.district_report import PLOTLY_MIME
from workbook.store import Store

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# notebook -> (headings its static view shows, charts drawn for the demo team)
VIEWS = {
    "team_pathways": (["Team pathway", "Alignment and roles", "Compared with the national survey",
                       "The team's written answers"], 4),
    "laying_the_foundation": (["Laying the Foundation"], 0),
    "conditions_for_scale": (["Conditions for scale"], 2),
    "action_planning": (["Action plan"], 0),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each app notebook through ``python -m papermill`` for the demo district, and once for an unknown one."""
    folder = tmp_path_factory.mktemp("views")
    store = Store(f"sqlite:///{folder / 'views.sqlite'}")
    codes = seed_demo(store)
    store.dispose()
    env = dict(os.environ, WORKBOOK_DB_URL=store.url)
    env.pop("QUERY_STRING", None)
    jobs = {name: ["-p", "district", DEMO_SLUG] for name in VIEWS}
    jobs["team_pathways-unknown"] = ["-p", "district", "no-such-district"]
    jobs = {key: (NOTEBOOKS / f"{key.split('-')[0]}.ipynb", folder / f"{key}.ipynb", params)
            for key, params in jobs.items()}
    return run_papermill(jobs, env, ROOT), codes


def outputs(nb: dict) -> list[dict]:
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_app_notebook_runs_under_papermill_for_a_district(runs, name):
    results, codes = runs
    rc, nb, stderr = results[name]
    assert rc == 0, failure_text(stderr)
    assert nb["metadata"]["papermill"]["parameters"] == {"district": DEMO_SLUG}
    outs = outputs(nb)
    assert outs and all(o["output_type"] == "display_data" for o in outs), outs
    html = "".join("".join(o["data"].get("text/html", "")) for o in outs)
    heads, charts = VIEWS[name]
    assert re.findall(r"<h2>(.*?)</h2>", html) == heads
    assert escape(DEMO_NAME) in html
    assert sum(PLOTLY_MIME in o["data"] for o in outs) == charts
    assert not any("application/vnd.jupyter.widget-view+json" in o["data"] for o in outs)  # static, read-only
    text = json.dumps(nb)
    for secret in (codes["code"], codes["facilitator"], "sqlite:///"):  # no code or connection string travels
        assert secret not in text


def test_app_notebook_fails_for_an_unknown_district(runs):
    rc, nb, stderr = runs[0]["team_pathways-unknown"]
    assert rc != 0
    assert "papermill-error-cell-tag" in nb["cells"][0]["metadata"].get("tags", [])
    errors = [o for o in outputs(nb) if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["ReportError"]
    assert errors[0]["evalue"].startswith("District report for 'no-such-district' (latest session): There is no "
                                          "district called 'no-such-district'")


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_app_notebook_has_a_papermill_parameters_cell(name):
    import nbformat

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and nb.cells[0] is tagged[0]
    assert "district = None" in tagged[0].source and "session = None" in tagged[0].source
    assert f"{name}(district, session)" in nb.cells[1].source


def test_each_view_is_one_entry_of_the_table_and_without_a_district_opens_its_page(monkeypatch):
    import importlib

    from workbook.reports import views

    assert set(views.VIEWS) == set(VIEWS)
    for name, view in views.VIEWS.items():
        call = getattr(views, name)
        assert call.__name__ == name and call.__doc__ == view.doc
        monkeypatch.setattr(importlib.import_module(f"workbook.apps.{name}"), name, lambda name=name: f"page {name}")
        assert call() == f"page {name}"
        assert call(None, 2) == f"page {name}"
