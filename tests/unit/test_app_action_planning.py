"""Step 2 for a condition or, as the guide allows, for a whole layer."""

from __future__ import annotations

import pytest

from workbook.apps.action_planning import ActionPlanning, action_planning
from workbook.content.errors import InvalidInput
from workbook.demo import seed_demo
from workbook.reports.district_report import render_report


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


# ---------------------------------------------------------------- what the team plans from


def open_plan(store, codes, session=None) -> ActionPlanning:
    page = action_planning(store, {"district": codes["district"], "session": str(session or codes["session"]),
                                   "code": codes["facilitator"] if session is None else
                                   store.session(session).facilitator_code})
    assert isinstance(page, ActionPlanning), repr(page)
    return page


def test_step_2_opens_with_the_teams_desired_outcomes(store, content):
    codes = seed_demo(store)
    page = open_plan(store, codes)
    outcomes = store.desired_outcomes(codes["session"])
    assert outcomes
    for text in outcomes:
        assert text in page.outcomes.value
    kids = list(page.children)
    vision = next(c for c in kids if page.outcomes in getattr(c, "children", ()))
    assert kids.index(vision) < kids.index(page.area_box)


def test_each_plan_opens_with_its_conditions_step_1_ratings(store, content):
    import statistics

    codes = seed_demo(store)
    page = open_plan(store, codes)
    plan = page.plans[0]
    cid = plan.condition.id
    marks = store.condition_marks(codes["session"])
    mine = marks[(marks["condition"] == cid)].dropna(subset=["rating"])
    text = plan.ratings.value
    assert f"Median <strong>{statistics.median(mine['rating']):g}" in text
    for rating, n in mine["rating"].value_counts().items():
        assert f"{n} at {rating:g}" in text
    assert f"Priority votes: {int(mine['priority'].sum())}." in text
    assert f"{len(mine)} members rated it" in text
    # it opens the worksheet: before the vision question
    assert list(plan.children).index(plan.ratings) < 3


def test_a_layer_plan_opens_with_its_conditions_ratings(store, content):
    codes = seed_demo(store)
    page = open_plan(store, codes)
    layer = content.framework.layers[1]
    page.pickers[0].value = layer.id
    text = page.plans[0].ratings.value
    marks = store.condition_marks(codes["session"]).dropna(subset=["rating"])
    for c in layer.conditions:
        rated = marks[marks["condition"] == c.id]["rating"]
        assert f"{c.name.replace('&', '&amp;')}</th>" in text
        assert f"<td>{rated.min():g}–{rated.max():g}</td>" in text
    assert "Typical alignment of the layer" in text


def test_ratings_of_fewer_members_than_the_smallest_group_are_not_shown(store, content):
    store.create_district("few-usd", "Few USD (fictional)")
    session = store.create_session("few-usd", "Round 1", min_group_size=5)
    cid = content.conditions[0].id
    for i in range(3):
        member = store.add_respondent(session.id, f"Few Member {i}", "Teacher leader")
        store.save_condition_rating(member, cid, 1.0 + i)
    store.set_plan_areas(session, session.facilitator_code, [cid])
    page = action_planning(store, {"district": "few-usd", "session": str(session.id),
                                   "code": session.facilitator_code})
    text = page.plans[0].ratings.value
    assert "Rated by 3 members so far" in text and "once 5 have rated" in text
    assert "Median" not in text and " at 1" not in text


# ---------------------------------------------------------------- review dates


def test_review_on_takes_a_day_from_the_session_on():
    import datetime as dt
    from types import SimpleNamespace

    from workbook.apps.action_planning import review_on

    session = SimpleNamespace(held_on=dt.date(2026, 10, 15))
    assert review_on(None, session) is None and review_on("", session) is None
    assert review_on("2027-03-15", session) == dt.date(2027, 3, 15)
    assert review_on(dt.date(2026, 10, 15), session) == dt.date(2026, 10, 15)
    for bad in (dt.date(2026, 10, 14), dt.date(2037, 1, 1), dt.date(2, 1, 1), "2027-02-30", "soon"):
        with pytest.raises(InvalidInput, match="review date"):
            review_on(bad, session)


def test_an_action_gets_a_review_date(store):
    import datetime as dt

    codes = seed_demo(store)
    page = open_plan(store, codes)
    area = page.plans[0]
    rows = [r for block in area.horizons.children for r in block.children if hasattr(r, "item_id")]
    row = rows[0]
    assert row.review.value is None and row.review in row.children
    row.review.value = dt.date(2027, 3, 15)
    items = store.action_items(codes["session"]).set_index("id")
    assert items.loc[row.item_id, "review_on"] == dt.date(2027, 3, 15)
    # a redrawn row shows it
    page.draw_items()
    again = next(r for block in page.plans[0].horizons.children for r in block.children
                 if getattr(r, "item_id", None) == row.item_id)
    assert again.review.value == dt.date(2027, 3, 15)
    # a new action is added with its review date
    page.add(area.condition.id, "short", "Visit two schools.", "", "", dt.date(2026, 12, 1))
    items = store.action_items(codes["session"])
    assert items[items["text"] == "Visit two schools."]["review_on"].iloc[0] == dt.date(2026, 12, 1)


def test_a_review_date_before_the_session_is_refused_and_nothing_saved(store):
    import datetime as dt

    codes = seed_demo(store)
    page = open_plan(store, codes)
    row = next(r for block in page.plans[0].horizons.children for r in block.children if hasattr(r, "item_id"))
    row.review.value = dt.date(2027, 3, 15)
    before = store.action_items(codes["session"])
    row.review.value = dt.date(2020, 1, 1)  # before the session (15 October 2026)
    assert "not a review date" in page.notice.value and "role='alert'" in page.notice.value
    assert "15 October 2026" in page.notice.value
    assert row.review.value == dt.date(2027, 3, 15)  # the picker shows what is saved
    assert store.action_items(codes["session"]).equals(before)
    count = len(before)
    page.add(page.plans[0].condition.id, "short", "Too early.", "", "", dt.date(2001, 1, 1))
    assert "not a review date" in page.notice.value
    assert len(store.action_items(codes["session"])) == count


# ---------------------------------------------------------------- a follow-up


def test_a_follow_up_shows_last_times_plan_above_this_ones(store):
    import datetime as dt

    codes = seed_demo(store)
    first = store.session(codes["session"])
    items = store.action_items(first.id)
    done = int(items.iloc[0]["id"])
    store.update_action_item(first, codes["facilitator"], done, done=True, review_on=dt.date(2027, 2, 1))
    later = store.create_session(codes["district"], "Spring check-in", dt.date(2027, 2, 1), follows=first.id)
    page = action_planning(store, {"district": codes["district"], "session": str(later.id),
                                   "code": later.facilitator_code})
    assert isinstance(page, ActionPlanning), repr(page)
    text = page.last_plan.value
    for r in items.itertuples():
        assert r.text in text and r.owner in text and r.timeline in text
    assert "1 February 2027" in text and "<td>done</td>" in text
    kids = list(page.children)
    last = next(c for c in kids if page.last_plan in getattr(c, "children", ()))
    assert "Last time&#x27;s plan (Fall retreat (demo), 15 October 2026)" in last.children[0].value
    assert kids.index(last) < kids.index(page.area_box)
    # the first session follows nothing up
    assert not hasattr(open_plan(store, codes), "last_plan")
