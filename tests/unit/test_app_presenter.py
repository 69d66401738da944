"""The presenter view: the team's pathways large, one spectrum or all seven or the conditions; never a name."""

from __future__ import annotations

from workbook.apps.presenter import Presenter, presenter
from workbook.demo import seed_demo


def _figure(page):
    return page.plot.figure if hasattr(page.plot, "figure") else None


def test_needs_the_facilitators_code(store):
    codes = seed_demo(store)
    page = presenter(store, {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"]})
    assert not isinstance(page, Presenter)
    assert "facilitator" in repr(page).lower() or "code" in repr(page).lower()


def test_every_view_draws_and_no_name_is_shown(store):
    codes = seed_demo(store)
    page = presenter(store, {"district": codes["district"], "session": str(codes["session"]),
                             "code": codes["facilitator"]})
    assert isinstance(page, Presenter), repr(page)
    names = [r.name for r in store.respondents(codes["session"])]
    for value, _label in [(v, lbl) for lbl, v in page.view.options]:
        page.view.value = value
        fig = _figure(page)
        text = str(fig.to_dict() if hasattr(fig, "to_dict") else fig) + page.caption.value + page.count.value
        assert not any(n in text for n in names), value
    page.view.value = "pace"
    fig = page.plot.figure
    assert "Pace" in fig.layout.title.text and fig.layout.height == Presenter.CHART_HEIGHT


def test_the_count_and_chart_follow_new_marks_without_a_refresh(store):
    codes = seed_demo(store)
    page = presenter(store, {"district": codes["district"], "session": str(codes["session"]),
                             "code": codes["facilitator"]})
    before = int(page.count.value.split("<strong>")[1].split("<")[0])
    member = store.add_respondent(codes["session"], "Kai Fictional", "Teacher")
    assert page.live.poll() is True  # someone joined: drawn again, though no one new has charted yet
    assert int(page.count.value.split("<strong>")[1].split("<")[0]) == before
    assert page.live.poll() is False  # nothing changed since
    store.save_spectrum_mark(member, "pace", "current", 1.0)
    assert page.live.poll() is True
    assert int(page.count.value.split("<strong>")[1].split("<")[0]) == before + 1


# ---------------------------------------------------------------- following the run of show

def _open(store, codes):
    page = presenter(store, {"district": codes["district"], "session": str(codes["session"]),
                             "code": codes["facilitator"]})
    assert isinstance(page, Presenter), repr(page)
    return page


def test_the_presenter_follows_the_facilitators_moves_with_the_guides_questions(store, content):
    from workbook.content import retreat
    from workbook.content.render import esc

    codes = seed_demo(store)
    page = _open(store, codes)
    session = store.session(codes["session"])
    p1 = content.guides.guide_2.section("pathway").questions[0].text
    assert page.step_html.layout.display == "none" and esc(p1) not in page.step_html.value  # no step yet
    store.set_current_step(session, codes["facilitator"], "notice")
    assert page.live.poll() is True  # the next poll, no click
    assert esc(retreat.BY_ID["notice"].title) in page.step_html.value and esc(p1) in page.step_html.value
    assert "Q1" in page.step_html.value
    assert page.view.value == "now" and "now" in page.plot.figure.layout.title.text
    names_drawn = [t.name for t in page.plot.figure.data]
    assert "Team median, now" in names_drawn  # the first pass: now only, nothing of the aspiration
    assert not [n for n in names_drawn if n and "aspiration" in n.lower()]

    store.set_current_step(session, codes["facilitator"], "step1_questions")
    page.live.poll()
    for _letter, q in content.framework.step1.lettered_questions:
        assert esc(q) in page.step_html.value
    assert page.view.value == "conditions"
    dots = next(t for t in page.plot.figure.data if t.name == "Members' ratings")
    rated = store.condition_marks(codes["session"])["rating"].notna().sum()
    assert len(dots.x) == rated and len(set(zip(dots.x, dots.y))) == rated  # every rating, each a dot of its own

    store.set_current_step(session, codes["facilitator"], "layer_questions")
    page.live.poll()
    for layer in content.framework.layers:
        assert esc(layer.name) in page.step_html.value
        for q in layer.reflection_questions:
            assert esc(q) in page.step_html.value

    store.set_current_step(session, codes["facilitator"], "team_questions")
    page.live.poll()
    g2 = {q.id: q.text for q in content.guides.guide_2.questions}
    for qid in ("t1", "t2", "o1", "o2", "o3"):
        assert esc(g2[qid]) in page.step_html.value
    assert page.view.value == "all"

    store.set_current_step(session, codes["facilitator"], "priorities")
    page.live.poll()
    assert page.view.value == "votes" and page.plot.figure.data[0].type == "bar"

    names = [r.name for r in store.respondents(codes["session"])]
    assert not any(n in page.step_html.value for n in names)


def test_a_guide_1_step_shows_its_questions_without_a_chart_and_the_views_still_work(store, content):
    from workbook.content.render import esc

    codes = seed_demo(store)
    session = store.session(codes["session"])
    store.set_current_step(session, codes["facilitator"], "driving_values")
    page = _open(store, codes)  # opened after the move: the step at once
    for q in content.guides.guide_1.section("driving_values").questions:
        assert esc(q.text) in page.step_html.value
    assert page.plot.layout.display == "none" and page.view.value is None
    page.view.value = "pace"  # the facilitator can still put a chart up
    assert page.plot.layout.display is None and "Pace" in page.plot.figure.layout.title.text
    store.set_current_step(session, codes["facilitator"], None)
    assert page.live.poll() is True
    assert page.step_html.layout.display == "none" and page.view.value == "pace"


def test_the_step_panel_counts_members_finished_as_they_mark(store):
    from workbook.content.frameworks import SPECTRUM_IDS

    codes = seed_demo(store)
    session = store.session(codes["session"])
    store.set_current_step(session, codes["facilitator"], "now_pass")
    page = _open(store, codes)
    assert "8 of 8 have marked now" in page.step_html.value
    member = store.add_respondent(codes["session"], "Kai Fictional", "Teacher")
    page.live.poll()
    assert "8 of 9 have marked now" in page.step_html.value
    for sid in SPECTRUM_IDS:
        store.save_spectrum_mark(member, sid, "current", 2.0)
    page.live.poll()
    assert "9 of 9 have marked now" in page.step_html.value


def test_one_spectrum_shows_every_member_who_marked_it(store):
    """13 members, many with the same mark: 13 markers a row, each at a place of its own."""
    store.create_district("dots-usd", "Dots USD (fictional)")
    session = store.create_session("dots-usd", "Retreat")
    now = [3.0] * 6 + [2.0] * 3 + [4.0] * 2 + [1.0, 5.0]
    asp = [4.0] * 9 + [4.5] * 4
    for i, (n, a) in enumerate(zip(now, asp)):
        m = store.add_respondent(session.id, f"Member {i} (fictional)", "Teacher")
        store.save_spectrum_mark(m, "pace", "current", n)
        store.save_spectrum_mark(m, "pace", "aspiration", a)
    page = presenter(store, {"district": "dots-usd", "session": str(session.id), "code": session.facilitator_code})
    page.view.value = "pace"
    fig = page.plot.figure
    for name, values in (("Members, now", now), ("Members, aspiration", asp)):
        trace = next(t for t in fig.data if t.name == name)
        places = set(zip(trace.x, trace.y))
        assert len(trace.x) == 13 and len(places) == 13, name
        assert sorted(trace.customdata) == sorted(values)  # each marker carries its member's mark
        assert all(abs(x - v) < 0.25 for x, v in zip(trace.x, trace.customdata))  # and sits by it


def test_the_join_code_in_the_corner_opens_the_page_the_rooms_step_uses(store):
    codes = seed_demo(store)
    session = store.session(codes["session"])
    page = _open(store, codes)
    assert "charting_your_path.ipynb" in page.joiner.value and f"code={session.join_code}" in page.joiner.value
    store.set_current_step(session, codes["facilitator"], "driving_values")
    page.live.poll()
    assert "laying_the_foundation.ipynb" in page.joiner.value and f"code={session.join_code}" in page.joiner.value
    assert "Open Laying the Foundation" in page.joiner.value
    assert session.facilitator_code not in page.joiner.value  # the projector never shows the facilitator's code
    store.set_current_step(session, codes["facilitator"], "step1_ratings")
    page.live.poll()
    assert "conditions_for_scale.ipynb" in page.joiner.value
    store.set_current_step(session, codes["facilitator"], "team_questions")  # members open nothing new
    page.live.poll()
    assert "charting_your_path.ipynb" in page.joiner.value
