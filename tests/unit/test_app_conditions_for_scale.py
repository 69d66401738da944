"""Step 1 as the guide runs it: the team answers the guide's questions a-c together."""

from __future__ import annotations

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
    for row in page.rows[:store.MAX_PRIORITIES]:
        row.priority.value = True
    fourth = page.rows[store.MAX_PRIORITIES]
    fourth.priority.value = True
    assert fourth.priority.value is False  # the page unpicked it itself
    assert f"up to {store.MAX_PRIORITIES} priorities" in page.priority_msg.value
    marks = store.condition_marks(codes["session"])
    picked = set(marks[(marks["respondent_id"] == page.member.id) & marks["priority"]]["condition"])
    assert picked == {r.condition.id for r in page.rows[:store.MAX_PRIORITIES]}
