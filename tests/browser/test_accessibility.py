"""Accessibility of every app and of the district report: axe-core, slider names, focus order, no notebook chrome.

axe-core comes bundled inside ``axe-playwright-python`` (``axe.min.js``) and is injected into the page, so the
checks run offline. Serious and critical violations fail; moderate and minor ones (e.g. ``region``: Voila's page
has no landmarks) are left to review.
"""

from __future__ import annotations

import re

import pytest

from .conftest import fresh_server, wait_for_app
from .test_apps import LOAD, wait_for_charts

pytestmark = pytest.mark.browser

FAIL_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from fresh_server(tmp_path_factory)


def _member(server, notebook):
    c = server.codes
    return server.app(notebook, district=c["district"], session=c["session"], code=c["code"])


def _facilitator(server, notebook):
    c = server.codes
    return server.app(notebook, district=c["district"], session=c["session"], code=c["facilitator"])


# view id -> (link, heading, number of charts drawn when the page has rendered)
VIEWS = {
    "charting_your_path": (lambda s: _member(s, "charting_your_path.ipynb"), "Charting Your Path", 1),
    "team_pathways": (lambda s: _facilitator(s, "team_pathways.ipynb"), "Team pathways", 5),
    "foundation_member": (lambda s: _member(s, "laying_the_foundation.ipynb"), "Laying the Foundation", 0),
    "foundation_team": (lambda s: _facilitator(s, "laying_the_foundation.ipynb"), "Laying the Foundation: the team", 1),
    "conditions_member": (lambda s: _member(s, "conditions_for_scale.ipynb"), "Conditions for Scale", 1),
    "conditions_team": (lambda s: _facilitator(s, "conditions_for_scale.ipynb"), "Conditions for Scale: the team", 4),
    "action_planning": (lambda s: _facilitator(s, "action_planning.ipynb"), "Action planning", 0),
    "framework_explorer": (lambda s: s.app("framework_explorer.ipynb"), "Framework explorer", 1),
    "network_overview": (lambda s: s.app("network_overview.ipynb", code=s.store().coach_code()), "Network overview", 1),
    "presenter": (lambda s: _facilitator(s, "presenter.ipynb"), None, 1),
}


@pytest.fixture(scope="module", params=list(VIEWS))
def view(request, server, chromium):
    """One rendered app with its charts drawn, shared by the checks below (each app loads once)."""
    link, heading, charts = VIEWS[request.param]
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(link(server))
    if heading:
        wait_for_app(page, heading)
    else:  # the presenter view is titled with the district's name
        page.get_by_role("heading", level=1).first.wait_for(timeout=LOAD)
    wait_for_charts(page, charts)
    page.wait_for_load_state("networkidle")
    yield request.param, page
    context.close()


def axe_failures(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines = []
    for v in results.response["violations"]:
        if v.get("impact") not in FAIL_IMPACTS:
            continue
        targets = [", ".join(n["target"]) for n in v["nodes"][:3]]
        snippet = re.sub(r"\s+", " ", v["nodes"][0].get("html", ""))[:240]
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} node(s)): {v['help']}\n"
                     f"    targets: {targets}\n    first: {snippet}")
    return lines


def known_names() -> list[str]:
    from workbook.content.frameworks import load_content

    content = load_content()
    return [s.dimension for s in content.spectra] + [c.name for c in content.conditions]


# ---------------------------------------------------------------- per app
def test_axe_no_serious_violations(view):
    name, page = view
    failures = axe_failures(page)
    assert not failures, f"{name}: axe-core found serious/critical violations:\n" + "\n".join(failures)


def test_sliders_named_with_valuetext(view):
    name, page = view
    # the sliders on the screen (Charting Your Path shows the aspiration sliders in its second pass only)
    ranges = page.evaluate("[...document.querySelectorAll('input[type=range]')].filter(e => e.checkVisibility())"
                           ".map(e => ({label: e.getAttribute('aria-label'), text: e.getAttribute('aria-valuetext')}))")
    if name in ("charting_your_path", "conditions_member", "team_pathways"):
        assert ranges, f"{name}: expected mark sliders"
    names = known_names()
    problems = []
    for r in ranges:
        label, text = r["label"] or "", r["text"] or ""
        if not any(n in label for n in names):
            problems.append(f"name {label!r} names no spectrum or condition")
        elif page.get_by_role("slider", name=label, exact=True).count() < 1:
            problems.append(f"{label!r} is not the slider's computed accessible name")
        if not text.startswith(label) or len(text) <= len(label):
            problems.append(f"{label!r}: aria-valuetext {text!r}")
    assert not problems, f"{name}: " + "; ".join(problems)


def test_no_positive_tabindex(view):
    name, page = view
    bad = page.evaluate("[...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0)"
                        ".map(e => e.outerHTML.slice(0, 160))")
    assert not bad, f"{name}: elements with tabindex > 0: {bad}"


def test_no_code_or_notebook_chrome(view):
    name, page = view
    chrome = page.locator(".jp-InputArea, .jp-Cell-inputWrapper, .jp-InputPrompt, .jp-OutputPrompt, .CodeMirror, "
                          ".cm-editor")
    visible = [chrome.nth(i).evaluate("e => e.outerHTML.slice(0, 160)") for i in range(chrome.count())
               if chrome.nth(i).is_visible()]
    assert not visible, f"{name}: notebook chrome is visible: {visible}"
    text = page.locator("body").inner_text()
    assert "from workbook" not in text and "Traceback" not in text, f"{name}: code or a traceback is shown"


# ---------------------------------------------------------------- keyboard wording of the mark slider
def test_locus_of_control_slider_wording(server, page):
    page.goto(server.member_link())
    wait_for_app(page, "Charting Your Path")
    slider = page.get_by_role("slider", name="Locus of Control, now", exact=True)
    assert slider.get_attribute("aria-valuetext") == ("Locus of Control, now: not marked yet, press Enter to mark "
                                                      "the middle")
    page.get_by_role("textbox", name="Your name").fill("Ari Access")
    page.get_by_role("combobox", name="Your role").select_option("Teacher leader")
    page.get_by_role("button", name="Start charting").click()
    page.wait_for_function("!document.querySelector('input[type=range]').disabled", timeout=LOAD)
    slider.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert slider.get_attribute("aria-valuetext") == "Locus of Control, now: 2 of 5, toward Centralized"
    # the kernel echoes the saved value back: the wording stays
    page.get_by_text("All changes saved").wait_for(timeout=LOAD)
    assert slider.get_attribute("aria-valuetext") == "Locus of Control, now: 2 of 5, toward Centralized"
    assert page.locator("output.wb-mark-value").first.inner_text() == "2 of 5, toward Centralized"

    # a 3 is recorded from the unmarked state: Enter on the keyboard, a tap on the handle where it rests
    pace = page.get_by_role("slider", name="Pace, now", exact=True)
    pace.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('input[type=range]')].some(i => "
                           "(i.getAttribute('aria-valuetext') || '').startsWith('Pace, now: 3 of 5'))", timeout=LOAD)
    page.get_by_role("slider", name="Resource Allocation, now", exact=True).click()  # at its centre: the handle
    page.get_by_text("All changes saved").wait_for(timeout=LOAD)
    page.wait_for_timeout(300)
    page.get_by_text("All changes saved").wait_for(timeout=LOAD)
    mine = server.store().spectrum_marks(int(server.codes["session"]))
    mine = mine[mine["name"] == "Ari Access"].set_index("spectrum")
    assert mine.loc["pace", "current"] == 3.0
    assert mine.loc["resource_allocation", "current"] == 3.0


# ---------------------------------------------------------------- the district report (static HTML)
def test_district_report_axe(server, page, tmp_path):
    from workbook.reports.batch import page as report_page
    from workbook.reports.district_report import render_report

    html = report_page("District report: example-usd", render_report("example-usd", db_url=server.db_url))
    path = tmp_path / "example-usd.html"
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri())
    charts = page.locator(".plotly-graph-div").count()
    assert charts, "the report has no charts"
    page.wait_for_function(f"[...document.querySelectorAll('.plotly-graph-div')].filter(p => p.data && "
                           f"p.querySelector('.main-svg')).length === {charts}", timeout=LOAD)
    failures = axe_failures(page)
    assert not failures, "district report: axe-core found serious/critical violations:\n" + "\n".join(failures)
    bad = page.evaluate("[...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0).length")
    assert bad == 0
