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

    from workbook.content.errors import InvalidInput

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


def _step1_positions(text: str, step1) -> list[int]:
    """Where the intro, instructions 1-3, questions a-c and the closing start in ``text`` (-1 when missing)."""
    import html as h

    text = h.unescape(text)
    pieces = [step1.intro_paragraphs[0][:50], *(s[:40] for s in step1.instructions),
              *(f"{letter}. {q[:40]}" for letter, q in step1.lettered_questions), step1.closing[:50]]
    return [text.find(piece) for piece in pieces]


def test_the_step_1_note_follows_the_guides_order_with_questions_a_to_c(store, content):
    """Intro, steps 1-3, a-c under step 3, then the closing paragraph: on the member page and the team view."""
    import re

    from workbook.apps.conditions_for_scale import ConditionsForScale

    codes = seed_demo(store)
    step1 = content.framework.step1
    for code in (codes["code"], codes["facilitator"]):
        page = conditions_for_scale(store, {"district": codes["district"], "session": str(codes["session"]),
                                            "code": code})
        note = re.search(r"<details(?: open)?><summary>What the guide says \(Step 1\..*?</details>",
                         page_text(page), re.S).group(0)
        positions = _step1_positions(note, step1)
        assert -1 not in positions, (type(page).__name__, positions)
        assert positions == sorted(positions), (type(page).__name__, positions)
        # a-c sit inside step 3's list item, lettered
        third = note[note.index(step1.instructions[2]):]
        assert third.index("a. What do you notice?") < third.index("</li></ol>")
        if isinstance(page, ConditionsForScale):
            assert "<details><summary>" in note  # shut for members


def test_members_see_questions_a_to_c_where_they_finish_rating(store, content):
    import html as h

    codes = seed_demo(store)
    page = _member_page(store, codes)
    step1 = content.framework.step1
    shown = h.unescape(page.together.children[0].value)
    for letter, question in step1.lettered_questions:
        assert f"{letter}. {question}" in shown
    assert step1.instructions[2] in shown and step1.instructions[1] in shown
    assert "<ol start='2'>" in shown  # numbered as the guide numbers them
    children = list(page.children)
    last_layer = max(i for i, c in enumerate(children) if any(r in getattr(c, "children", ()) for r in page.rows))
    assert children.index(page.together) == last_layer + 1  # right after the last condition


def test_the_garbled_layer_question_reads_cleaned_with_a_note_in_the_team_view(store, content):
    import html as h

    codes = seed_demo(store)
    params = {"district": codes["district"], "session": str(codes["session"]), "code": codes["facilitator"]}
    page = conditions_for_scale(store, params)
    shown = h.unescape(page_text(page))
    question = content.framework.layers[2].questions[0]
    assert question.text in shown and question.note in shown
    assert "Who are your current stakeholders that How well" not in shown
    label = next(b.children[0].value for b in _layer_boxes(page) if b.children[1].question_id
                 == "step1.ongoing_processes.q1")
    assert h.unescape(label).index(question.text) < h.unescape(label).index(question.note)
    assert sum(question.note in h.unescape(b.children[0].value) for b in _layer_boxes(page)) == 1


def _layer_boxes(page):
    from tests.helpers import walk

    return [b for b in walk(page) if getattr(b, "children", None) and len(b.children) == 2
            and str(getattr(b.children[1], "question_id", "")).startswith("step1.") and "." in
            b.children[1].question_id[6:]]


def test_the_member_page_says_where_the_room_has_moved_on_to_and_the_team_page_does_not(store):
    from tests.helpers import walk
    from workbook.content import retreat
    from workbook.content.render import esc
    from workbook.widgets.room import RoomLine

    codes = seed_demo(store)
    member = _member_page(store, codes)
    page_name = "conditions_for_scale.ipynb"
    lines = [x for x in walk(member) if isinstance(x, RoomLine)]
    assert len(lines) == 1 and lines[0].page == page_name
    assert lines[0] is member.room
    kids = list(member.children)
    assert kids.index(member.room) + 1 == kids.index(member.identity)  # under the header, above the name
    team = conditions_for_scale(store, {"district": codes["district"], "session": str(codes["session"]),
                                        "code": codes["facilitator"]})
    assert isinstance(team, ConditionsTeam) and not [x for x in walk(team) if isinstance(x, RoomLine)]
    session = store.session(codes["session"])
    elsewhere = next(s for s in retreat.STEPS if s.app and s.app != page_name)
    store.set_current_step(session, session.facilitator_code, elsewhere.id)
    member.room.live.poll()
    assert "moved on to" in member.room.line.value and esc(elsewhere.title) in member.room.line.value
    here = next(s for s in retreat.STEPS if s.app == page_name)
    store.set_current_step(session, session.facilitator_code, here.id)
    member.room.live.poll()
    assert member.room.line.value == ""
