"""Step 2 for a condition or, as the guide allows, for a whole layer."""

from __future__ import annotations

import pytest

from workbook.apps.action_planning import ActionPlanning, action_planning
from workbook.demo import seed_demo
from workbook.district_report import render_report
from workbook.errors import InvalidInput


def test_a_whole_layer_can_be_planned_like_a_condition(store, content):
    codes = seed_demo(store)
    params = {"district": codes["district"], "session": str(codes["session"]), "code": codes["facilitator"]}
    page = action_planning(store, params)
    assert isinstance(page, ActionPlanning), repr(page)
    layer = content.framework.layers[2]
    assert (f"Whole layer: {layer.name}", layer.id) in page.pickers[0].options
    page.pickers[0].value = layer.id
    assert store.plan_areas(codes["session"])[0] == layer.id
    plan = page.plans[0]
    assert layer.name in plan.children[0].value
    session = store.session(codes["session"])
    store.add_action_item(session, codes["facilitator"], layer.id, "short", "Map every ongoing process we run.")
    store.save_note(session.id, f"plan.{layer.id}.end_state", "Processes that learn from every school.")
    html = render_report(codes["district"], db_url=store.url)
    assert f"Whole layer: {layer.name}" in html
    assert "Map every ongoing process we run." in html and "Processes that learn from every school." in html


def test_a_plan_for_something_that_is_neither_is_refused(store):
    codes = seed_demo(store)
    session = store.session(codes["session"])
    with pytest.raises(InvalidInput, match="condition or layer"):
        store.set_plan_areas(session, codes["facilitator"], ["no_such_thing"])
    assert store.plan_areas(session.id)  # the plan already saved is untouched


def test_notices_do_not_stay_on_screen_as_if_current(store):
    codes = seed_demo(store)
    page = action_planning(store, {"district": codes["district"], "session": str(codes["session"]),
                                   "code": codes["facilitator"]})
    area = store.plan_areas(codes["session"])[0]
    page.add(area, "short", "Walk every school with its principal.", "", "")
    item = int(store.action_items(codes["session"]).iloc[-1]["id"])
    page.remove(item, "Walk every school with its principal.")
    assert "Deleted" in page.notice.value and page.undo.layout.display == ""
    page.restore()
    # the confirmation fades by itself in the browser (a CSS animation), and Undo is gone
    assert "wb-transient" in page.notice.value and "Restored." in page.notice.value
    assert page.undo.layout.display == "none"
    page.move(item, -1)  # the team moved on: the notice and any Undo are taken down
    assert page.notice.value == "" and page.undo.layout.display == "none"
    page.remove(item, "Walk every school with its principal.")
    page.add(area, "short", "Another step.", "", "")
    assert page.notice.value == "" and page.undo.layout.display == "none"
