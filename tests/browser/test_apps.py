"""Every app in a real browser, used as a person would: the keyboard where a member types, the store checked after.

These tests add members and plan items, so the module runs its own ``workbook serve`` with its own demo
store (the session-wide server of ``conftest.py`` keeps the exact member counts other tests rely on).
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import eventually

from .conftest import chart_data, fresh_server, wait_for_app
from .layout import check_layout

pytestmark = pytest.mark.browser

LOAD = 90_000  # ms: a kernel start on a busy two-core machine


# ---------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: these tests add members the charting tests would count."""
    yield from fresh_server(tmp_path_factory, "voila-apps")


def personal_url(page, server) -> str:
    """The personal link the page shows, pointed at this test's server."""
    link = page.locator(".wb-link").inner_text().strip()
    return re.sub(r"^https?://[^/]+", server.url, link)


def session_of(server):
    return int(server.codes["session"])


def member_named(store, session: int, name: str):
    return next(r for r in store.respondents(session) if r.name == name)


def active(page) -> dict:
    """What has the keyboard focus: tag, type, accessible label, text."""
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName, type: e.type || '', label: e.getAttribute('aria-label') || '',
                text: (e.textContent || '').trim(), placeholder: e.placeholder || ''}; }""")


def wait_for_charts(page, count: int) -> None:
    if count:
        page.wait_for_function(
            f"(() => {{ const p = [...document.querySelectorAll('.js-plotly-plot')];"
            f" return p.length >= {count} && p.every(x => x.data && x.querySelector('.main-svg')); }})()",
            timeout=LOAD)
        # every trace drawn with the plotly.js bundle the page loaded (a missing trace type draws nothing)
        missing = page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(p => p.dataset.missingTraces)"
                                ".filter(Boolean)")
        assert not missing, f"charts with trace types this page's plotly.js bundle lacks: {missing}"


def screens(page, name: str) -> None:
    """The layout check at the four sizes (laptop, tablet, phone, projector), with the screenshots it saves."""
    check_layout(page, name)


def identify(page, name: str, start: str) -> None:
    """Type the name, pick the first role and press the start button, all from the keyboard."""
    field = page.get_by_role("textbox", name="Your name")
    field.focus()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    assert active(page)["tag"] == "SELECT", active(page)
    page.keyboard.press("ArrowDown")  # first role: Superintendent
    page.keyboard.press("Tab")
    assert active(page)["text"] == start, active(page)
    page.keyboard.press("Enter")
    page.get_by_text("Your personal link").wait_for(timeout=LOAD)


# ---------------------------------------------------------------- Laying the Foundation
def test_foundation_member_and_team(server, page, chromium):
    from playwright.sync_api import expect

    from workbook.content.frameworks import load_content

    content = load_content()
    first_q = content.guides.guide_1.sections[0].questions[0]
    qid = f"rg1.{first_q.id}"
    sid = session_of(server)
    answer = "Every student known well by at least one adult."
    c = server.codes

    page.goto(server.app("laying_the_foundation.ipynb", district=c["district"], session=c["session"], code=c["code"]))
    wait_for_app(page, "Laying the Foundation")
    identify(page, "Quinn Foundation", "Start")
    area = page.get_by_placeholder("Your answer…").first
    expect(area).to_be_enabled(timeout=LOAD)
    area.focus()
    page.keyboard.type(answer)

    store = server.store()
    member = member_named(store, sid, "Quinn Foundation")
    assert member.role == "Superintendent"

    def saved():
        notes = store.notes(sid)
        mine = notes[(notes["respondent_id"] == member.id) & (notes["question_id"] == qid)]
        return len(mine) == 1 and mine["text"].iloc[0] == answer
    eventually(saved, what="the member's answer in the store")
    page.get_by_text("All changes saved").wait_for()
    screens(page, "laying_the_foundation")

    # the personal link brings the answer back
    link = personal_url(page, server)
    assert f"me={member.token}" in link
    page.goto(link)
    wait_for_app(page, "Laying the Foundation")
    expect(page.get_by_placeholder("Your answer…").first).to_have_value(answer, timeout=LOAD)

    # the facilitator sees the answer and records the team's agreed answer and a desired outcome
    team = page.context.new_page()
    team.set_default_timeout(30_000)
    team.goto(server.app("laying_the_foundation.ipynb", district=c["district"], session=c["session"],
                         code=c["facilitator"]))
    wait_for_app(team, "Laying the Foundation: the team")
    team.get_by_text(answer).wait_for()
    agreed_text = "Students first: every decision starts from a named student."
    agreed = team.get_by_placeholder("The team's agreed answer…").first
    agreed.focus()
    team.keyboard.press("Control+A")  # the demo team may have an answer already: replace it
    team.keyboard.type(agreed_text)
    before = store.desired_outcomes(sid)
    outcome = team.get_by_role("textbox", name=f"Outcome {len(before) + 1}")
    outcome.focus()
    team.keyboard.type("Ninth-grade on-track rate up ten points in two years")
    team.keyboard.press("Tab")  # the outcome box saves when it loses focus

    def team_saved():
        notes = store.notes(sid)
        row = notes[(notes["respondent_id"] == 0) & (notes["question_id"] == qid)]
        return len(row) == 1 and row["text"].iloc[0] == agreed_text
    eventually(team_saved, what="the team's agreed answer (respondent 0)")
    eventually(lambda: store.desired_outcomes(sid) == [*before, "Ninth-grade on-track rate up ten points in two years"],
               what="the desired outcome")
    team.close()


# ---------------------------------------------------------------- Conditions for Scale
def heat_rows_js() -> str:
    return ("[...document.querySelectorAll('.js-plotly-plot')].flatMap(p => (p.data || [])"
            ".filter(t => t.type === 'heatmap').map(t => t.y))[0] || null")


def test_conditions_keyboard_only_and_team_heatmap(server, page, chromium):
    from workbook.analysis import member_labels
    from workbook.content.frameworks import load_content

    content = load_content()
    conditions = [c for layer in content.framework.layers for c in layer.conditions]
    assert len(conditions) == 16
    sid = session_of(server)
    c = server.codes
    store = server.store()

    # the facilitator's view is open before the member starts
    team = page.context.new_page()
    team.set_default_timeout(30_000)
    team.goto(server.app("conditions_for_scale.ipynb", district=c["district"], session=c["session"],
                         code=c["facilitator"]))
    wait_for_app(team, "Conditions for Scale: the team")
    wait_for_charts(team, 4)
    before = team.evaluate(heat_rows_js())
    assert before, "the team view draws no heat map"

    page.goto(server.app("conditions_for_scale.ipynb", district=c["district"], session=c["session"], code=c["code"]))
    wait_for_app(page, "Conditions for Scale")
    identify(page, "Sam Conditions", "Start")
    page.wait_for_function("[...document.querySelectorAll('input[type=range]')].every(e => !e.disabled)",
                           timeout=LOAD)

    # Tab from where Start was to the first condition slider (past the framework chart's toolbar)
    for _ in range(30):
        page.keyboard.press("Tab")
        if active(page)["type"] == "range":
            break
    focus = active(page)
    assert focus["type"] == "range", f"Tab never reached a condition slider; focus is on {focus}"

    picks = {0, 6, 12}
    expected = {}
    for i, cond in enumerate(conditions):
        focus = active(page)
        assert focus["type"] == "range" and focus["label"].startswith(cond.name), \
            f"step {i}: expected the slider of {cond.name!r}, focus is on {focus}"
        key, value = ("ArrowRight", 3.5) if i % 2 == 0 else ("ArrowLeft", 2.5)
        page.keyboard.press(key)
        expected[cond.id] = value
        page.keyboard.press("Tab")
        focus = active(page)
        assert focus["type"] == "checkbox", f"after the slider of {cond.name!r} focus is on {focus}"
        if i in picks:
            page.keyboard.press("Space")
        page.keyboard.press("Tab")

    page.get_by_text("16 of 16 conditions marked · 3 of 3 priorities picked").wait_for(timeout=LOAD)
    member = member_named(store, sid, "Sam Conditions")

    def all_saved():
        marks = store.condition_marks(sid)
        mine = marks[marks["respondent_id"] == member.id].set_index("condition")
        return (mine["rating"].notna().sum() == 16 and int(mine["priority"].sum()) == 3
                and mine["rating"].to_dict() == expected)
    eventually(all_saved, what="16 ratings and 3 priorities in the store")
    marks = store.condition_marks(sid)
    mine = marks[marks["respondent_id"] == member.id].set_index("condition")
    assert sorted(mine.index[mine["priority"]]) == sorted(conditions[i].id for i in picks)
    screens(page, "conditions_for_scale")

    # the facilitator presses Refresh and the heat map gains the member's row
    session = store.session(sid)
    label = member_labels(None, store.respondents(sid), session.show_authors, session.min_group_size)[member.id]
    assert label not in before
    team.bring_to_front()
    team.get_by_role("button", name="Refresh").click()
    team.wait_for_function(f"({heat_rows_js()} || []).includes({label!r})", timeout=LOAD)
    wait_for_charts(team, 4)
    screens(team, "conditions_team")
    team.close()


# ---------------------------------------------------------------- Action planning
def test_action_planning(server, page):
    from playwright.sync_api import expect

    from workbook import analysis
    from workbook.analysis import condition_frames
    from workbook.content.frameworks import load_content

    content = load_content()
    sid = session_of(server)
    store = server.store()
    c = server.codes
    preset = store.plan_areas(sid)
    _, csum, _ = condition_frames(store, content, store.session(sid), False)
    votes = analysis.top_priorities(csum, 3)
    expected = preset or votes
    assert expected, "the demo has priority votes"

    page.goto(server.app("action_planning.ipynb", district=c["district"], session=c["session"], code=c["facilitator"]))
    wait_for_app(page, "Action planning")
    shown = []
    for i in range(5):
        picker = page.get_by_role("combobox", name=f"Priority {i + 1}")
        shown.append(picker.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " "))
    names = [content.condition(cid).name for cid in expected]
    assert shown == names + ["—"] * (5 - len(names))
    assert store.plan_areas(sid) == expected
    if not preset:
        assert expected == votes

    first = content.condition(expected[0])
    horizon = content.framework.horizons[0]
    card = page.locator(".wb-card", has=page.get_by_role("heading", name=first.name, exact=True))
    horizon_heading = page.get_by_role("heading", name=re.compile(re.escape(horizon.label)))
    block = card.locator(".widget-vbox", has=horizon_heading).last
    rows = block.locator(".widget-hbox").filter(has=page.get_by_role("button", name="Delete"))

    def items():
        """This test's items (the demo plan may already hold some in the same horizon)."""
        frame = store.action_items(sid, include_deleted=True)
        frame = frame[(frame["condition"] == first.id) & (frame["horizon"] == horizon.id)
                      & ~frame["id"].isin(existing)]
        return frame[~frame["deleted"].astype(bool)]

    existing = set(store.action_items(sid, include_deleted=True)["id"])
    rows_before = len(store.action_items(sid).query("condition == @first.id and horizon == @horizon.id"))

    def add_with_keyboard(text, timeline, owner):
        block.get_by_placeholder("New action item").focus()
        page.keyboard.type(text)
        page.keyboard.press("Tab")
        assert active(page)["placeholder"] == "e.g. by March", active(page)
        page.keyboard.type(timeline)
        page.keyboard.press("Tab")
        page.keyboard.type(owner)
        page.keyboard.press("Tab")
        assert active(page)["text"] == "Add", active(page)
        page.keyboard.press("Enter")

    add_with_keyboard("Map the coaching we already have", "by March", "Blake")
    eventually(lambda: len(items()) == 1, what="the first action item")
    row = items().iloc[0]
    assert (row["text"], row["timeline"], row["owner"], bool(row["done"])) == \
        ("Map the coaching we already have", "by March", "Blake", False), \
        "the item was saved with what the kernel had when Add was pressed, not with what was typed"
    expect(rows).to_have_count(rows_before + 1, timeout=LOAD)

    # mark it done
    rows.nth(rows_before).get_by_role("checkbox", name="Done").check()
    eventually(lambda: bool(items().iloc[0]["done"]), what="the item marked done")

    # a second item, then move it above the first
    add_with_keyboard("Pilot two coaching cycles", "by June", "Casey")
    eventually(lambda: len(items()) == 2, what="the second action item")
    expect(rows).to_have_count(rows_before + 2, timeout=LOAD)
    rows.nth(rows_before + 1).get_by_role("button", name="Move up").click()
    eventually(lambda: list(items().sort_values("position")["text"]) ==
               ["Pilot two coaching cycles", "Map the coaching we already have"], what="the moved item")
    page.wait_for_function("(() => { const i = [...document.querySelectorAll('input')].map(e => e.value);"
                           " const a = i.indexOf('Pilot two coaching cycles');"
                           " return a >= 0 && a < i.indexOf('Map the coaching we already have'); })()")

    # delete it, then undo
    rows.nth(rows_before + 1).get_by_role("button", name="Delete").click()
    eventually(lambda: list(items()["text"]) == ["Pilot two coaching cycles"], what="the deleted item gone")
    page.get_by_text("Deleted “Map the coaching we already have”.").wait_for()
    page.get_by_role("button", name="Undo delete").click()
    eventually(lambda: sorted(items()["text"]) == ["Map the coaching we already have", "Pilot two coaching cycles"],
               what="the deleted item restored")
    page.get_by_text("Restored.").wait_for()
    restored = items().set_index("text").loc["Map the coaching we already have"]
    assert bool(restored["done"]) and restored["owner"] == "Blake"
    expect(rows).to_have_count(rows_before + 2, timeout=LOAD)
    screens(page, "action_planning")


# ---------------------------------------------------------------- Framework explorer
def test_framework_explorer_keyboard(server, page):
    from workbook.content.frameworks import load_content
    from workbook.content.render import AUDIENCES

    content = load_content()
    q4 = next(s for s in content.spectra if s.number == 4)
    page.goto(server.app("framework_explorer.ipynb"))
    wait_for_app(page, "Framework explorer")
    wait_for_charts(page, 1)
    select = page.get_by_role("combobox", name="Spectrum")
    select.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert select.evaluate("s => s.options[s.selectedIndex].text").startswith("Q4:")
    page.get_by_role("heading", name=f"Q4 · {q4.dimension}").wait_for(timeout=LOAD)
    table = page.locator("table", has=page.get_by_text("Benefits at a Glance"))
    table.get_by_role("columnheader", name="Buy/Partner Externally").wait_for()
    first_benefit = getattr(q4.left.benefits, next(iter(AUDIENCES)))[0]
    assert table.get_by_text(first_benefit).is_visible()
    screens(page, "framework_explorer")


# ---------------------------------------------------------------- Network overview
def test_network_overview(server, page):
    page.goto(server.app("network_overview.ipynb", code=server.store().coach_code()))
    wait_for_app(page, "Network overview")
    traces = chart_data(page, 0)
    assert traces, "the network chart has no traces"
    page.get_by_text(re.compile(r"Showing \d+ of \d+ district")).wait_for()
    screens(page, "network_overview")

    page.goto(server.app("network_overview.ipynb"))
    page.get_by_text("The network view needs the coach's link").wait_for(timeout=LOAD)
    assert page.locator(".js-plotly-plot").count() == 0
    assert "Traceback" not in page.content()


# ---------------------------------------------------------------- Charting Your Path and Team pathways
def test_charting_and_team_screens(server, page):
    page.goto(server.member_link())
    wait_for_app(page, "Charting Your Path")
    wait_for_charts(page, 1)
    screens(page, "charting_your_path")

    page.goto(server.facilitator_link())
    wait_for_app(page, "Team pathways")
    wait_for_charts(page, 5)
    screens(page, "team_pathways")
