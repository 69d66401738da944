"""Step 1 as the guide runs it: the team answers the guide's questions a-c together."""

from __future__ import annotations

from tests.helpers import page_text
from workbook.apps.conditions_for_scale import ConditionsTeam, conditions_for_scale
from workbook.demo import seed_demo


def test_the_team_answers_step_1s_questions_a_to_c(store, content):
    codes = seed_demo(store)
    params = {"district": codes["district"], "session": str(codes["session"]), "code": codes["facilitator"]}
    page = conditions_for_scale(store, params)
    assert isinstance(page, ConditionsTeam), repr(page)
    labels = [box.children[0].value for box in page.step1_answers]
    assert len(labels) == len(content.framework.step1.questions) == 3
    assert labels[0].startswith("<label><strong>a. What do you notice?")
    assert "low-hanging fruit" in labels[2]
    page.step1_answers[1].children[1].value = "Closer than we thought, apart on talent."
    assert store.note(codes["session"], "step1.qb") == "Closer than we thought, apart on talent."
    again = conditions_for_scale(store, params)
    assert again.step1_answers[1].children[1].value == "Closer than we thought, apart on talent."


def _member_page(store, codes, name="Sam Fictional", role="Teacher"):
    from workbook.apps.conditions_for_scale import ConditionsForScale

    params = {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"]}
    page = conditions_for_scale(store, params)
    assert isinstance(page, ConditionsForScale), repr(page)
    page.identity.name.value, page.identity.role.value = name, role
    page.identity.begin()
    assert page.member is not None
    return page


def test_a_member_rates_and_picks_and_a_reopened_page_saves_nothing_it_restores(store, monkeypatch):
    codes = seed_demo(store)
    page = _member_page(store, codes)
    first, second = page.rows[0], page.rows[1]
    first.slider.value = 4.0
    first.priority.value = True
    second.slider.value = 2.5
    mine = store.condition_marks(codes["session"])
    mine = mine[mine["respondent_id"] == page.member.id].set_index("condition")
    assert mine.loc[first.condition.id, "rating"] == 4.0 and bool(mine.loc[first.condition.id, "priority"])
    assert mine.loc[second.condition.id, "rating"] == 2.5

    # the member's personal link: the marks come back, and restoring them writes nothing
    from workbook.apps.conditions_for_scale import ConditionsForScale

    saved = []
    monkeypatch.setattr(type(store), "save_condition_rating", lambda self, *a: saved.append(("rating", a)))
    monkeypatch.setattr(type(store), "save_priority", lambda self, *a: saved.append(("priority", a)))
    params = {"district": codes["district"], "session": str(codes["session"]), "me": page.member.token}
    again = conditions_for_scale(store, params)
    assert isinstance(again, ConditionsForScale) and again.member.id == page.member.id
    assert again.rows[0].slider.value == 4.0 and again.rows[0].priority.value is True
    assert again.rows[1].slider.value == 2.5 and saved == []
    again.rows[1].slider.value = 3.0  # a person's change is saved again
    assert saved == [("rating", (again.member, second.condition.id, 3.0))]


def test_a_fourth_priority_is_refused_unpicked_and_not_saved(store):
    codes = seed_demo(store)
    page = _member_page(store, codes)
    assert "pick up to three" in page_text(page)
    assert page.rows[0].priority.description == "One of my top three priorities"
    for row in page.rows[:3]:
        row.priority.value = True
    fourth = page.rows[3]
    fourth.priority.value = True
    assert fourth.priority.value is False  # the page unpicked it itself
    assert "up to 3 priorities" in page.priority_msg.value
    marks = store.condition_marks(codes["session"])
    picked = set(marks[(marks["respondent_id"] == page.member.id) & marks["priority"]]["condition"])
    assert picked == {r.condition.id for r in page.rows[:3]}


def test_the_facilitator_sets_how_many_priorities_and_never_below_what_a_member_picked(store):
    codes = seed_demo(store)
    team = conditions_for_scale(store, {"district": codes["district"], "session": str(codes["session"]),
                                        "code": codes["facilitator"]})
    member = _member_page(store, codes)
    for row in member.rows[:2]:
        row.priority.value = True
    # a demo member already picked three: the number cannot go below that, and the box goes back
    most = int(store.condition_marks(codes["session"]).groupby("respondent_id")["priority"].sum().max())
    assert most == 3
    team.priorities.value = 2
    assert team.priorities.value == 3 and store.session(codes["session"]).max_priorities == 3
    assert "already picked 3 priorities" in team.priorities_msg.value
    team.priorities.value = 5
    assert store.session(codes["session"]).max_priorities == 5 and "now picks up to five" in team.priorities_msg.value
    # the member's open page takes the new number at their next pick
    for row in member.rows[2:5]:
        row.priority.value = True
    assert all(r.priority.value for r in member.rows[:5])
    member.rows[5].priority.value = True
    assert member.rows[5].priority.value is False and "up to 5 priorities" in member.priority_msg.value
    # a member opening the page now reads the new number
    again = _member_page(store, codes, name="Pat Later")
    assert "pick up to five" in page_text(again)
    assert again.rows[0].priority.description == "One of my top five priorities"


def test_the_store_holds_a_session_to_its_number_of_priorities(store):
    import pytest

    from workbook.errors import InvalidInput

    store.create_district("p-usd", "Priorities (fictional)")
    session = store.create_session("p-usd", "One priority", max_priorities=1)
    member = store.add_respondent(session.id, "Kim Fictional", "Teacher")
    store.save_priority(member, "time", True)
    with pytest.raises(InvalidInput, match="Your team picks up to 1 priorities"):
        store.save_priority(member, "policies", True)
    for bad in (0, 17, "many"):
        with pytest.raises(InvalidInput, match="number of priorities"):
            store.create_session("p-usd", "Bad", max_priorities=bad)
        with pytest.raises(InvalidInput, match="number of priorities"):
            store.set_priorities(session.id, bad)
    assert store.session(session.id).max_priorities == 1
