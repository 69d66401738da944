"""The run of show: the retreat's steps in the guides' order, the guides' own words, and who finished each step."""

from __future__ import annotations

import datetime as dt

import pytest

from workbook.content import retreat, validation
from workbook.content.frameworks import SPECTRUM_IDS


def test_the_day_follows_the_guides_order(content):
    ids = [s.id for s in retreat.STEPS]
    assert ids == ["driving_values", "context_culture_climate", "desired_outcomes",  # Guide 1
                   "now_pass", "notice", "aspiration_pass", "gaps", "team_questions",  # Guide 2
                   "step1_ratings", "step1_questions", "layer_questions", "priorities",  # Step 1
                   "plan", "close"]  # Step 2, then the close
    for step_id in ids:
        assert validation.step_id(step_id) == step_id  # the store takes every id
    parts = [s.part for s in retreat.STEPS]
    assert parts == sorted(parts, key=[retreat.G1, retreat.G2, retreat.S1, retreat.S2, retreat.CLOSE].index)
    # every item of each guide comes up, in the guide's own order
    refs = [ref for s in retreat.STEPS for ref in retreat.expand(content, s.instructions + s.questions)]
    g1 = [f"rg1.{q.id}" for q in content.guides.guide_1.questions]
    assert [r for r in refs if r.startswith("rg1.")] == g1
    g2 = [f"rg2.{q.id}" for q in content.guides.guide_2.questions]
    assert [r for r in refs if r.startswith("rg2.") and r != "rg2.marking"] == g2
    assert refs.index("rg2.marking") < refs.index("rg2.p1") < refs.index("rg2.p2") < refs.index("rg2.p3")
    letters = [f"step1.{letter}" for letter, _ in content.framework.step1.lettered_questions]
    assert [r for r in dict.fromkeys(refs) if r in letters] == letters
    layers = [f"layer.{layer.id}.{n}" for layer in content.framework.layers for n in range(1, len(layer.questions) + 1)]
    assert [r for r in refs if r.startswith("layer.")] == layers
    assert refs.index(layers[-1]) < refs.index("step2.end_state")


def test_the_day_is_about_three_hours_and_each_step_says_what_members_do():
    assert 150 <= retreat.total_minutes() <= 180
    assert retreat.total_minutes({"plan": 50}) == retreat.total_minutes() + 50 - retreat.BY_ID["plan"].minutes
    for s in retreat.STEPS:
        assert s.minutes > 0 and s.title and s.does
        assert (s.counts is None) == (s.app is None), s.id  # members count as finished only where they do something
        assert s.view in ("none", "now", "all", "conditions", "votes")


def test_each_steps_questions_are_the_guides_words(content):
    g1 = {q.id: q.text for q in content.guides.guide_1.questions}
    g2 = {q.id: q.text for q in content.guides.guide_2.questions}
    notice = retreat.questions(content, retreat.BY_ID["notice"])
    assert notice == [("rg2.p1", "Q1", g2["p1"])]
    assert [t for _, _, t in retreat.instructions(content, retreat.BY_ID["aspiration_pass"])] == [g2["p2"]]
    assert [t for _, _, t in retreat.instructions(content, retreat.BY_ID["now_pass"])] == \
        [content.guides.guide_2.marking_instruction]
    assert [t for _, _, t in retreat.questions(content, retreat.BY_ID["driving_values"])] == \
        [g1[q] for q in ("dv1", "dv2", "dv3", "dv4")]
    assert [(lbl, t) for _, lbl, t in retreat.questions(content, retreat.BY_ID["step1_questions"])] == \
        [(f"{letter}.", q) for letter, q in content.framework.step1.lettered_questions]
    assert [t for _, _, t in retreat.instructions(content, retreat.BY_ID["step1_questions"])] == \
        content.framework.step1.instructions[1:]
    layer_texts = [t for _, _, t in retreat.questions(content, retreat.BY_ID["layer_questions"])]
    assert layer_texts == [q for layer in content.framework.layers for q in layer.reflection_questions]
    assert [t for _, _, t in retreat.questions(content, retreat.BY_ID["team_questions"])] == \
        [g2[q] for q in ("t1", "t2", "o1", "o2", "o3")]
    prompts = {p.id: p.text for sec in content.framework.step2.sections for p in sec.prompts}
    assert [t for _, _, t in retreat.questions(content, retreat.BY_ID["plan"])] == \
        [prompts[p] for p in ("end_state", "challenges", "stakeholders", "resources")]
    with pytest.raises(KeyError):
        retreat.text(content, "rg2.p9")


@pytest.fixture()
def room(store, content):
    """A fictional team of four: each has done a different part of the day."""
    store.create_district("progress-usd", "Progress USD (fictional)")
    session = store.create_session("progress-usd", "Retreat")
    a, b, c, d = (store.add_respondent(session.id, f"Member {x} (fictional)", "Teacher leader") for x in "ABCD")
    for sid in SPECTRUM_IDS:  # A marks now everywhere and the aspiration everywhere; B now on six of seven
        store.save_spectrum_mark(a, sid, "current", 2.0)
        store.save_spectrum_mark(a, sid, "aspiration", 4.0)
        if sid != "sharing_learning":
            store.save_spectrum_mark(b, sid, "current", 3.0)
    store.save_spectrum_mark(c, "pace", "aspiration", 5.0)
    store.save_note(session.id, "rg1.dv1", "Equity first.", b)
    store.save_note(session.id, "rg1.dv2", "   ", c)  # a blank answer is not an answer
    store.save_note(session.id, "rg1.do2", "So every student owns their learning.", c)
    store.save_note(session.id, "rg2.p1", "We lean central.", a)
    store.save_note(session.id, "rg2.p1", "The team's answer", None)  # the team's, not a member's
    store.save_note(session.id, "rg2.critical", "pace", a)
    for cond in content.conditions:  # C rates all sixteen, D fifteen
        store.save_condition_rating(c, cond.id, 3.0)
        if cond.id != content.conditions[-1].id:
            store.save_condition_rating(d, cond.id, 2.5)
    store.save_priority(d, "time", True)
    return session


def test_progress_counts_who_finished_each_step(store, content, room):
    counts = retreat.progress(store, room, content)
    assert set(counts) == set(retreat.BY_ID)
    assert counts["driving_values"] == (1, 4)
    assert counts["context_culture_climate"] == (0, 4)
    assert counts["desired_outcomes"] == (1, 4)
    assert counts["now_pass"] == (1, 4)  # B is one spectrum short
    assert counts["notice"] == (1, 4)
    assert counts["aspiration_pass"] == (1, 4)
    assert counts["gaps"] == (1, 4)
    assert counts["step1_ratings"] == (1, 4)
    assert counts["priorities"] == (1, 4)
    for room_step in ("team_questions", "step1_questions", "layer_questions", "plan", "close"):
        assert counts[room_step] == (None, 4)
    s = retreat.BY_ID["now_pass"]
    assert retreat.count_words(s, *counts["now_pass"]) == "1 of 4 has marked now on all seven spectra"
    assert retreat.count_words(s, 3, 4) == "3 of 4 have marked now on all seven spectra"


def test_progress_never_names_a_member(store, content, room):
    names = {r.name for r in store.respondents(room.id)}
    shown = str(retreat.progress(store, room, content)) + "".join(
        retreat.count_words(s, *v) for s, v in zip(retreat.STEPS, retreat.progress(store, room, content).values()))
    assert not any(n in shown for n in names)


def test_an_empty_session_counts_nobody(store, content):
    store.create_district("empty-usd", "Empty USD (fictional)")
    session = store.create_session("empty-usd", "Retreat")
    counts = retreat.progress(store, session, content)
    assert counts["now_pass"] == (0, 0)
    assert retreat.count_words(retreat.BY_ID["now_pass"], 0, 0) == "No member has joined yet."


def test_the_rooms_steps_say_what_the_team_has_recorded(store, content, room):
    code = room.facilitator_code
    before = retreat.record(store, room, content)
    assert set(before) == {s.id for s in retreat.STEPS if s.counts is None}
    assert before["team_questions"] == "The team has answered 0 of 5 questions; agreed marks on 0 of 7 spectra"
    store.save_note(room.id, "rg2.t2", "Roles differ on pace.")  # the team's answer (no member)
    store.save_note(room.id, "rg2.o1", "  ")  # an empty box is not an answer
    store.save_team_mark(room, code, "pace", "current", 3.0)
    for letter, _q in content.framework.step1.lettered_questions[:2]:
        store.save_note(room.id, f"step1.q{letter}", "Agreed.")
    store.save_note(room.id, "step1.ongoing_processes.q2", "We learned from the 2019 rollout.")
    store.set_plan_areas(room, code, ["time"])
    store.add_action_item(room, code, "time", "short", "Map the timetable", "by May", "Principals",
                          review_on=dt.date(2027, 5, 1))
    store.add_action_item(room, code, "time", "long", "Fund common planning time", "next year", "Board")
    after = retreat.record(store, room, content)
    assert after["team_questions"] == "The team has answered 1 of 5 questions; agreed marks on 1 of 7 spectra"
    assert after["step1_questions"] == "The team has answered 2 of 3 questions"
    n_layers = sum(len(layer.questions) for layer in content.framework.layers)
    assert after["layer_questions"] == f"The team has answered 1 of {n_layers} questions"
    assert after["plan"] == "2 action items in the plan"
    assert after["close"] == "1 of 2 action items have a date to review them"
