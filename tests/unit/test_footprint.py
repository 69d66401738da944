"""What a member's kernel loads: the page a whole room opens at once stays light.

pandas alone is about 55 MiB per kernel; Charting Your Path (open, restore from a personal
link, mark, rank gaps) never needs it, so it must not be imported on that path. Nor are plotly's
validators loaded (a 3 MB JSON file, about 10 MiB per kernel): the page draws its pathway from plain
dicts (``charts.pathway.spec``), and neither the kernel template's warm-up nor a preheated kernel's
loads them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from workbook.demo import seed_demo

SCRIPT = textwrap.dedent("""
    import os, sys
    from workbook.store import Store
    from workbook.apps.charting_your_path import charting_your_path

    from plotly.validator_cache import ValidatorCache
    from workbook.content.frameworks import load_content
    from workbook.widgets.access import warm_up

    store = Store(os.environ["WORKBOOK_DB_URL"])
    warm_up(store, load_content())  # what a preheated kernel does before its visit
    link = {"district": os.environ["D"], "session": os.environ["S"], "code": os.environ["C"]}
    if os.environ.get("FOLLOW_UP"):  # a follow-up session: the page also draws the marks agreed last time
        earlier = store.session(int(link["session"]))
        store.save_team_mark(earlier, earlier.facilitator_code, "pace", "current", 2)
        later = store.create_session(link["district"], "Check-in", follows=earlier.id)
        link = {**link, "session": str(later.id), "code": later.join_code}
    page = charting_your_path(store, link)
    if os.environ.get("FOLLOW_UP"):
        assert page.last_time is not None, "the follow-up page draws last time's agreed marks"
    page.name.value, page.role.value = "Footprint Example", "Teacher"
    page._on_start()
    page.cards[0].now.value = 2.0
    page.cards[0].aspiration.value = 4.0
    again = charting_your_path(store, {**link, "me": page.member.token})
    assert again.cards[0].aspiration.value == 4.0, "the personal link restored the marks"
    assert "toward" in again.gaps.value
    heavy = sorted(m for m in ("pandas", "numpy", "scipy", "nbformat", "jsonschema") if m in sys.modules)
    print("HEAVY=" + ",".join(heavy))
    from workbook.serve.page_warm import warm_up as template_warm_up

    template_warm_up()  # what every forked kernel inherits (its imports are every kernel's: not counted above)
    print("VALIDATORS=" + ("loaded" if ValidatorCache._json_cache is not None else "no"))
""")


@pytest.mark.parametrize("follow_up", ["", "1"], ids=["first-session", "follow-up"])
def test_member_page_never_imports_pandas(store, sqlite_url, tmp_path, follow_up):
    codes = seed_demo(store)
    env = {"WORKBOOK_DB_URL": sqlite_url, "VOILA_BASE_URL": "/", "D": codes["district"], "S": str(codes["session"]),
           "C": codes["code"], "PATH": "/usr/bin:/bin", "FOLLOW_UP": follow_up}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY=\n" in done.stdout, done.stdout
    assert "VALIDATORS=no\n" in done.stdout, done.stdout


WORKER = textwrap.dedent("""
    import sys
    import nbformat
    from workbook.reports import batch as reports

    nb = nbformat.v4.new_notebook()
    chart = {"data": [{"type": "bar", "x": [1, 2], "y": ["a", "b"]}], "layout": {"height": 300}}
    nb.cells.append(nbformat.v4.new_code_cell("report()", outputs=[
        nbformat.v4.new_output("display_data", {"text/html": "<h2>Team pathway</h2>"}),
        nbformat.v4.new_output("display_data", {"application/vnd.plotly.v1+json": chart}),
    ]))
    page = reports.notebook_html(nb, "District report: Example", plotlyjs="inline")
    assert "<h2>Team pathway</h2>" in page and 'class="plotly-graph-div"' in page and "Plotly.newPlot" in page
    heavy = sorted(m for m in (
        "pandas", "plotly", "workbook.reports.district_report", "workbook.charts") if m in sys.modules)
    print("HEAVY=" + ",".join(heavy))
""")


def test_a_report_workers_page_building_never_imports_pandas_or_plotly(tmp_path):
    """A batch's worker process turns each kernel's outputs into the page: it needs neither the analysis nor plotly
    (about a second of imports per worker, paid before its first district)."""
    done = subprocess.run([sys.executable, "-c", WORKER], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY=\n" in done.stdout, done.stdout


PAGE = textwrap.dedent("""
    import importlib, os
    from plotly.validator_cache import ValidatorCache
    from workbook.store import Store
    from workbook.widgets.chart import Chart
    from tests.helpers import walk

    app = os.environ["APP"]
    build = getattr(importlib.import_module("workbook.apps." + app), app)
    page = build(Store(os.environ["WORKBOOK_DB_URL"]),
                 {"district": os.environ["D"], "session": os.environ["S"], "code": os.environ["C"]})
    drawn = [w for w in walk(page) if isinstance(w, Chart) and w.spec.get("data")]
    assert drawn, "the page drew no chart: the check below would prove nothing"
    print("VALIDATORS=" + ("loaded" if ValidatorCache._json_cache is not None else "no"))
""")


@pytest.mark.parametrize("app", ["conditions_for_scale"])  # Laying the Foundation's member page draws no chart
def test_the_other_member_pages_never_load_plotlys_validators(store, sqlite_url, tmp_path, app):
    """Every member page sends its charts as plain dicts: no member's kernel loads plotly's validators."""
    import os
    from pathlib import Path

    codes = seed_demo(store)
    env = {"WORKBOOK_DB_URL": sqlite_url, "VOILA_BASE_URL": "/", "D": codes["district"], "S": str(codes["session"]),
           "C": codes["code"], "APP": app, "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2]) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", PAGE], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "VALIDATORS=no\n" in done.stdout, done.stdout
