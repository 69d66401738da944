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
