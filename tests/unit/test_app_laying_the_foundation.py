"""Laying the Foundation (Reflection Guide 1): a member answers, the team agrees, roles protect every voice."""

from __future__ import annotations

from workbook.apps.laying_the_foundation import FoundationMember, FoundationTeam, laying_the_foundation
from workbook.demo import seed_demo


def _html(widget) -> str:
    """Every HTML string on the page, depth first."""
    import ipywidgets as w

    own = widget.value if isinstance(widget, w.HTML) else ""
    return own + "".join(_html(c) for c in getattr(widget, "children", ()))


def _params(codes, code):
    return {"district": codes["district"], "session": str(codes["session"]), "code": code}


def test_a_member_answers_and_the_personal_link_brings_the_answers_back(store):
    codes = seed_demo(store)
    page = laying_the_foundation(store, _params(codes, codes["code"]))
    assert isinstance(page, FoundationMember), repr(page)
    assert all(a.disabled for a in page.areas)  # nothing to type into before the member says who they are
    page.identity.name.value, page.identity.role.value = "Ari Fictional", "Principal / school leader"
    page.identity.begin()
    first = page.areas[0]
    assert not first.disabled
    first.value = "Every student known well by an adult."
    member = page.identity.member
    assert store.note(codes["session"], first.question_id, member) == "Every student known well by an adult."
    again = laying_the_foundation(store, {"district": codes["district"], "session": str(codes["session"]),
                                          "me": member.token})
    assert again.areas[0].value == "Every student known well by an adult."


def test_the_team_page_shows_answers_by_role_and_saves_the_agreed_answer_and_outcomes(store):
    codes = seed_demo(store)
    member = store.add_respondent(codes["session"], "Noor Fictional", "Teacher leader")
    team = laying_the_foundation(store, _params(codes, codes["facilitator"]))
    assert isinstance(team, FoundationTeam), repr(team)
    qid = team.areas[0].question_id
    store.save_note(codes["session"], qid, "Agency for every learner.", member)
    team = laying_the_foundation(store, _params(codes, codes["facilitator"]))
    shown = _html(team)
    assert "Agency for every learner." in shown
    assert "Noor Fictional" not in shown  # roles, not names, unless the team chose names
    team.areas[0].value = "We agree: agency for every learner."
    assert store.note(codes["session"], qid) == "We agree: agency for every learner."
    team.outcomes[0].value = "Every ninth grader on track by spring."
    assert store.desired_outcomes(codes["session"])[0] == "Every ninth grader on track by spring."


def _pages(store):
    codes = seed_demo(store)
    return [laying_the_foundation(store, _params(codes, code)) for code in (codes["code"], codes["facilitator"])]


def test_the_guide_note_gives_guide_1s_paragraphs_one_by_one_in_the_printed_order(store, content):
    import html
    import re

    guides = content.guides
    printed = [guides.intro, *guides.guide_1.intro.split("\n")]
    assert len(printed) == 4  # the reflection guides' intro, the quotations, "Before looking ...", "Here are ..."
    for page in _pages(store):
        note = html.unescape(re.search(r"<details.*?</details>", _html(page), re.S).group(0))
        shown = re.findall(r"<p>(.*?)</p>", note, re.S)
        assert shown == [p.strip() for p in printed], type(page).__name__


def test_no_sentence_of_the_guide_is_misquoted(store, content):
    """The page's own words never paraphrase the guide's: its line before the questions appears only verbatim."""
    import html

    said = "Before looking at tactical implementation decisions, take the time to reflect on both your context and " \
           "your objectives."
    assert said in content.guides.guide_1.intro
    for page in _pages(store):
        text = html.unescape(_html(page))
        assert text.count("Before looking at tactical") == text.count(said) == 1, type(page).__name__


def test_questions_are_numbered_within_each_category_as_the_guide_prints_them(store, content):
    import html

    member, team = _pages(store)
    for page, tag in ((member, "<label><strong>"), (team, "<h3>")):
        text = html.unescape(_html(page))
        for section in content.guides.guide_1.sections:
            at = [text.index(f"{tag}{n}. {q.text}") for n, q in enumerate(section.questions, start=1)]
            assert at == sorted(at), (type(page).__name__, section.id)
            assert text.index(f"<h2>{section.title}</h2>") < at[0]


def test_guide_2s_questions_on_the_team_page_are_said_as_guide_2_says_them(store, content):
    import html

    link = content.guides.guide_2.section("desired_outcomes_link")
    _member, team = _pages(store)
    text = html.unescape(_html(team))
    assert f"From Reflection Guide 2, {content.guides.guide_2.title}" in text
    assert f"<p>{link.intro}</p>" in text
    at = [text.index(f"{n}. {q.text}") for n, q in enumerate(link.questions, start=1)]
    assert text.index(link.intro) < at[0] and at == sorted(at)


def test_the_member_page_says_where_the_room_has_moved_on_to_and_the_team_page_does_not(store):
    from tests.helpers import walk
    from workbook.content import retreat
    from workbook.content.render import esc
    from workbook.widgets.room import RoomLine

    member, team = _pages(store)
    page_name = "laying_the_foundation.ipynb"
    lines = [x for x in walk(member) if isinstance(x, RoomLine)]
    assert len(lines) == 1 and lines[0].page == page_name
    assert lines[0] is member.room
    kids = list(member.children)
    assert kids.index(member.room) + 1 == kids.index(member.identity)  # under the header, above the name
    assert not [x for x in walk(team) if isinstance(x, RoomLine)]
    session = member.session
    elsewhere = next(s for s in retreat.STEPS if s.app and s.app != page_name)
    store.set_current_step(session, session.facilitator_code, elsewhere.id)
    member.room.live.poll()
    assert "moved on to" in member.room.line.value and esc(elsewhere.title) in member.room.line.value
    here = next(s for s in retreat.STEPS if s.app == page_name)
    store.set_current_step(session, session.facilitator_code, here.id)
    member.room.live.poll()
    assert member.room.line.value == ""
