"""The layout check itself: it finds what is broken and stays quiet about what is not.

Each fault is planted in a small page of its own (the same CSS ipywidgets gives its controls), then once
in a real app: a dropdown squeezed until its choice is cut off must fail the check at the size it is
planted, with a message that says what and where.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import wait_for_app
from .layout import check_layout, layout_problems

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "layout"

PAGE = """<!doctype html><html><head><style>
body {{ margin: 0; font: 16px sans-serif; }}
.wb-card {{ width: 400px; border: 1px solid #ccc; padding: 8px; margin: 8px; }}
.widget-button {{ overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 0 8px; }}
select {{ padding: 2px 20px 2px 4px; }}
</style></head><body><div class="wb-page">{body}</div></body></html>"""

CLEAN = """
<div class="wb-card"><h2>A card</h2><p>Some text that wraps inside its card as text should.</p>
  <button class="widget-button" style="width: auto">Use the team's top votes</button>
  <select style="width: auto"><option>Professional Development &amp; Learning</option></select>
  <details><summary>More</summary><p style="position:relative">Hidden until opened</p></details>
</div>
<div class="js-plotly-plot" style="width: 400px"><svg width="400" height="300">
  <text x="10" y="20">Centralized</text><text x="300" y="20">Decentralized</text>
  <!-- two long labels at a slant, side by side: their level boxes overlap, the labels themselves do not -->
  <text x="100" y="290" transform="rotate(-45 100 290)">Professional Development</text>
  <text x="130" y="290" transform="rotate(-45 130 290)">Student Support Programming</text>
</svg></div>
"""


def problems_of(page, body: str) -> list[str]:
    page.set_viewport_size({"width": 600, "height": 800})
    page.set_content(PAGE.format(body=body))
    return layout_problems(page)


def test_a_clean_page_has_no_problems(page):
    assert problems_of(page, CLEAN) == []


@pytest.mark.parametrize(("planted", "expected"), [
    ('<div class="wb-card"><button class="widget-button" style="width: 80px">Use the team\'s top votes</button>'
     "</div>", "cut off: <button.widget-button> \"Use the team's top votes\""),
    ('<div class="wb-card"><select style="width: 90px"><option>Professional Development &amp; Learning</option>'
     "</select></div>", 'cut off: dropdown showing "Professional Development & Learning"'),
    ('<div class="wb-card"><div style="margin-left: 330px; white-space: nowrap"><button>Prepare Excel download'
     "</button></div></div>", "past its card: <button> \"Prepare Excel download\""),
    ('<div class="wb-card" style="position:relative"><p>Where we are now</p>'
     '<div style="position:absolute; top:0; left:0; width:300px; height:60px; background:#fff">A hint</div></div>',
     'covered: <p> "Where we are now" lies under <div> "A hint"'),
    ('<div class="js-plotly-plot"><svg width="400" height="100"><text x="10" y="20">Fast and Furious</text>'
     '<text x="40" y="24">Slow and Steady</text></svg></div>',
     'overlapping chart labels: "Fast and Furious" and "Slow and Steady"'),
    ('<div style="width: 900px">A table too wide for a phone</div>', "the page scrolls sideways"),
    ('<div class="wb-card"><div style="display: grid; grid-template-columns: minmax(70px, 9em) 1fr minmax(70px, 9em);'
     ' gap: 10px; width: 300px"><span>Centralized decisions</span>'
     '<input type="range" aria-label="Pace, now" style="width: 100%"><span>Decentralized decisions</span></div></div>',
     'squeezed to nothing: <input> "Pace, now"'),
    ('<div class="wb-card"><div style="display: flex; flex-wrap: wrap"><div style="height: 20px">'
     '<select style="margin-top: 10px"><option>Choose your role</option></select></div>'
     '<button style="flex: 1 1 100%; width: 120px">Start</button></div></div>',
     'overlapping controls: <select> "Choose your role" and <button> "Start"'),
    ('<div class="wb-card"><h2>Priority votes</h2><div class="js-plotly-plot"><svg width="300" height="60">'
     '<g class="g-gtitle"><text class="gtitle" x="5" y="20">Priority votes</text></g></svg></div></div>',
     'repeated heading: the chart "Priority votes" under "Priority votes"'),
])
def test_each_planted_fault_is_found_and_named(page, planted, expected):
    found = problems_of(page, CLEAN + planted)
    assert any(p.startswith(expected) for p in found), found


def test_a_squeezed_control_in_a_real_app_fails_the_check(server, page):
    page.goto(server.app("framework_explorer.ipynb"))
    wait_for_app(page, "Framework explorer")
    small = {"768": (768, 1024)}
    check_layout(page, "layout-check-clean", sizes=small, docs=False)  # as shipped: passes
    page.add_style_tag(content=".wb-page .widget-dropdown > select { width: 70px !important; "
                               "min-width: 0 !important; flex: 0 0 70px !important; }")
    with pytest.raises(AssertionError) as failed:
        check_layout(page, "layout-check-planted", sizes=small, docs=False)
    message = str(failed.value)
    assert "at 768" in message and 'cut off: dropdown showing "Q1: Locus of Control"' in message, message


def test_a_mark_over_a_pole_label_is_found(page):
    chart = ('<div class="js-plotly-plot"><svg width="400" height="100"><g class="scatterlayer">'
             '<g class="trace"><g class="textpoint"><text x="10" y="40">Centralized</text></g></g>'
             '<g class="trace"><g class="points"><path class="point" d="M20,34 m-6,0 a6,6 0 1,0 12,0 a6,6 0 1,0 -12,0">'
             '</path></g></g></g></svg></div>')
    assert 'a mark covers the chart label "Centralized"' in " ".join(problems_of(page, CLEAN + chart))
    apart = chart.replace('M20,34', 'M20,70')
    assert not [p for p in problems_of(page, CLEAN + apart) if "a mark covers" in p]


def first_card(page, fixture: str, width: int, height: int) -> list[str]:
    """The layout check on a static copy of the member's first card (``tests/fixtures/layout/``) at one size."""
    page.set_viewport_size({"width": width, "height": height})
    page.set_content((FIXTURES / fixture).read_text(encoding="utf-8"))
    return layout_problems(page)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (360, 780)])
def test_the_start_button_over_the_role_dropdown_on_a_phone_is_found(page, width, height):
    """The first screen as it was: on a phone the start button lay over the role a member had to choose. No text
    of either was covered (the button's own text is on top, a dropdown's choice is not text of its own), so only
    comparing every control with every other finds it."""
    found = first_card(page, "identity-before.html", width, height)
    assert any(p.startswith('overlapping controls: <select> "Choose your role" and <button> "Start charting"')
               for p in found), found


@pytest.mark.parametrize(("width", "height"), [(360, 780), (390, 844), (768, 1024), (1280, 800)])
def test_the_first_card_as_fixed_passes_at_every_size(page, width, height):
    assert first_card(page, "identity-after.html", width, height) == []


def test_a_control_and_the_controls_inside_it_are_not_an_overlap(page):
    """A slider's handle lies within the slider, a checkbox within its label's box: not one control over another."""
    nested = ('<div class="wb-card"><div role="slider" aria-label="Pace" style="position: relative; width: 300px;'
              ' height: 20px"><button aria-label="handle" style="position: absolute; left: 40px; width: 20px;'
              ' height: 20px"></button></div><button>Next</button> <button>Back</button></div>')
    assert not [p for p in problems_of(page, CLEAN + nested) if p.startswith("overlapping controls")]
