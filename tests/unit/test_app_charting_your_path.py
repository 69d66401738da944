"""Charting Your Path, built in Python: links, identity, marks, chart, gaps, notes, personal link, saving."""

from __future__ import annotations

import html
import re

import ipywidgets as w
import pytest
import traitlets

from tests.helpers import page_text
from workbook import charts
from workbook.apps.charting_your_path import ChartingYourPath, charting_your_path
from workbook.content.errors import StoreUnavailable
from workbook.demo import seed_demo
from workbook.widgets.page import Page

SLUG = "test-usd"


# ---------------------------------------------------------------- helpers


@pytest.fixture()
def fresh(store):
    """A district with one empty session; the join link's parameters."""
    store.create_district(SLUG, "Test Unified (fictional)")
    session = store.create_session(SLUG, "Round 1")
    return {"district": SLUG, "session": str(session.id), "code": session.join_code,
            "facilitator": session.facilitator_code, "session_id": session.id}


@pytest.fixture()
def demo(store):
    codes = seed_demo(store)
    return {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"],
            "session_id": codes["session"], "facilitator": codes["facilitator"]}


def link(params, **extra):
    out = {k: params[k] for k in ("district", "session", "code")}
    out.update(extra)
    return {k: v for k, v in out.items() if v is not None}


def open_app(store, params, **extra) -> ChartingYourPath:
    app = charting_your_path(store, link(params, **extra))
    assert isinstance(app, ChartingYourPath), repr(app)
    return app


def start(app, name="Jordan Lee", role="Principal / school leader") -> None:
    app.name.value = name
    app.role.value = role
    app._on_start()
    assert app.member is not None, app.identity_msg.value


def trace(fig, name):
    """Trace ``name`` of the page's chart, validated by plotly (the page keeps it as plain dicts)."""
    fig = fig.figure() if isinstance(fig, charts.Spec) else fig
    return next(t for t in fig.data if t.name == name)


def marks_of(store, session_id, respondent_id):
    frame = store.spectrum_marks(session_id)
    return frame[frame["respondent_id"] == respondent_id].set_index("spectrum")


def areas(app):
    return app._areas()


# ---------------------------------------------------------------- links that do not open the page


def test_link_without_district_needs_a_link(store, fresh):
    page = charting_your_path(store, {})
    assert not isinstance(page, ChartingYourPath)
    assert isinstance(page, Page)
    assert "needs a link" in repr(page)
    assert "Traceback" not in page_text(page)


@pytest.mark.parametrize("case", ["unknown district", "unknown session", "not a number", "other district",
                                  "wrong code", "no code"])
def test_bad_links_give_a_plain_error_page(store, fresh, case):
    store.create_district("other-usd", "Other Unified (fictional)")
    other = store.create_session("other-usd", "Elsewhere")
    params = link(fresh)
    expected = {
        "unknown district": ("no district called 'nope'", {"district": "nope"}),
        "unknown session": ("no session 999", {"session": "999"}),
        "not a number": ("not a session number", {"session": "abc"}),
        "other district": ("does not belong to", {"session": str(other.id)}),
        "wrong code": ("join code", {"code": "not-the-code"}),
        "no code": ("join code", {"code": ""}),
    }[case]
    params.update(expected[1])
    page = charting_your_path(store, params)
    assert not isinstance(page, ChartingYourPath)
    assert expected[0] in repr(page)
    text = page_text(page)
    assert "role='alert'" in text
    assert html.escape(expected[0]) in text
    for leak in ("Traceback", "File \"", "Error:", "sqlalchemy", "sqlite"):
        assert leak not in text and leak not in repr(page)
    # nothing was written for a refused link
    assert store.respondents(fresh["session_id"]) == []


def test_other_districts_join_code_does_not_open_a_session(store, fresh):
    store.create_district("other-usd", "Other Unified (fictional)")
    other = store.create_session("other-usd", "Elsewhere")
    page = charting_your_path(store, link(fresh, code=other.join_code))
    assert not isinstance(page, ChartingYourPath)
    assert "join code" in repr(page)


def test_error_page_escapes_the_link(store, fresh):
    page = charting_your_path(store, {"district": "<script>alert(1)</script>"})
    text = page_text(page)
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;" in text


def test_latest_session_when_link_has_none(store, fresh):
    later = store.create_session(SLUG, "Round 2")
    app = charting_your_path(store, {"district": SLUG, "code": later.join_code})
    assert isinstance(app, ChartingYourPath)
    assert app.session.id == later.id
    assert "Round 2" in repr(app)


def test_facilitator_code_also_opens_the_member_page(store, fresh):
    app = charting_your_path(store, link(fresh, code=fresh["facilitator"]))
    assert isinstance(app, ChartingYourPath)


# ---------------------------------------------------------------- identity


def test_opens_with_join_code_and_everything_locked(store, demo):
    app = open_app(store, demo)
    assert "Example Unified School District" in repr(app)
    assert app.member is None
    assert len(app.cards) == 7
    for card in app.cards:
        assert card.now.disabled and card.aspiration.disabled
        assert card.now.value is None and card.aspiration.value is None
    assert all(area.disabled for area in areas(app))
    assert app.link.value == ""
    assert "0 of 7 marked now · 0 of 7 aspirations" in app.progress.value
    now = trace(app.plot.figure, "Now")
    assert all(x is None for x in now.x)


def test_start_unlocks_and_creates_one_member(store, fresh):
    app = open_app(store, fresh)
    start(app, "Jordan Lee", "Teacher leader")
    members = store.respondents(fresh["session_id"])
    assert [(m.name, m.role) for m in members] == [("Jordan Lee", "Teacher leader")]
    assert app.member.id == members[0].id
    for card in app.cards:
        assert not card.now.disabled and not card.aspiration.disabled
    assert not any(area.disabled for area in areas(app))
    assert app.start.layout.display == "none"
    assert app.identity_msg.value == ""
    # pressing start again does not make a second member
    app._on_start()
    assert len(store.respondents(fresh["session_id"])) == 1


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_refused_with_a_message(store, fresh, name):
    app = open_app(store, fresh)
    app.name.value = name
    app.role.value = "Teacher"
    app._on_start()
    assert app.member is None
    assert store.respondents(fresh["session_id"]) == []
    assert "name" in app.identity_msg.value and "empty" in app.identity_msg.value
    assert "role='alert'" in app.identity_msg.value
    assert all(card.now.disabled for card in app.cards)
    # then a real name works and clears the message
    app.name.value = "Jordan Lee"
    app._on_start()
    assert app.member is not None
    assert app.identity_msg.value == ""


def test_missing_role_refused(store, fresh):
    app = open_app(store, fresh)
    app.name.value = "Jordan Lee"
    app._on_start()
    assert app.member is None
    assert store.respondents(fresh["session_id"]) == []
    assert "role" in app.identity_msg.value


def test_changing_name_after_start_updates_the_member(store, fresh):
    app = open_app(store, fresh)
    start(app)
    app.name.value = "Jordan Q. Lee"
    app.role.value = "Superintendent"
    member = store.respondent(app.member.id)
    assert (member.name, member.role) == ("Jordan Q. Lee", "Superintendent")


# ---------------------------------------------------------------- marks, chart, progress, gaps


def test_marks_save_separately_and_redraw(store, fresh, content):
    app = open_app(store, fresh)
    start(app)
    sid = fresh["session_id"]
    renders = app.plot.renders
    first, second = app.cards[0], app.cards[1]

    first.now.value = 2.0
    rows = marks_of(store, sid, app.member.id)
    assert list(rows.index) == [first.spectrum.id]
    assert rows.loc[first.spectrum.id, "current"] == 2.0
    assert rows["aspiration"].isna().all()
    assert app.plot.renders == renders + 1
    now = trace(app.plot.figure, "Now")
    assert now.x[0] == 2.0 and all(x is None for x in now.x[1:])
    assert now.y[0] == first.spectrum.dimension

    first.aspiration.value = 4.5
    second.now.value = 3.5
    rows = marks_of(store, sid, app.member.id)
    assert rows.loc[first.spectrum.id, ["current", "aspiration"]].tolist() == [2.0, 4.5]
    assert rows.loc[second.spectrum.id, "current"] == 3.5
    assert rows["aspiration"].isna().sum() == 1
    assert app.plot.renders == renders + 3
    fig = app.plot.figure
    assert trace(fig, "Now").x[:2] == (2.0, 3.5)
    assert trace(fig, "Aspiration").x[0] == 4.5

    # moving a mark again replaces it
    first.now.value = 1.5
    rows = marks_of(store, sid, app.member.id)
    assert rows.loc[first.spectrum.id, "current"] == 1.5
    assert len(rows) == 2
    assert trace(app.plot.figure, "Now").x[0] == 1.5
    assert "All changes saved" in app.saver.status.value


def test_progress_says_what_was_marked_in_the_pass_the_member_is_in(store, fresh):
    app = open_app(store, fresh)
    start(app)
    assert "0 of 7 marked now · 0 of 7 aspirations" in app.progress.value
    for i, card in enumerate(app.cards, start=1):
        card.now.value = 2.0
        assert f"{i} of 7 marked now · 0 of 7 aspirations" in app.progress.value
    app.cards[0].now.value = None  # cleared again: no longer counted
    assert "6 of 7 marked now" in app.progress.value
    app.cards[0].now.value = 3.0
    app.show_pass("aspiration")  # the pass the member is in comes first
    assert "0 of 7 aspirations marked · 7 of 7 marked now" in app.progress.value
    app.cards[1].aspiration.value = 4.0
    assert "1 of 7 aspirations marked · 7 of 7 marked now" in app.progress.value
    for card in app.cards:
        card.aspiration.value = 3.0
    assert "7 of 7 aspirations marked · 7 of 7 marked now" in app.progress.value
    app.show_pass("now")
    assert "7 of 7 marked now · 7 of 7 aspirations" in app.progress.value
    assert "spectra marked (now and aspiration)" not in app.progress.value


def test_gaps_widest_first_in_words(store, fresh, content):
    app = open_app(store, fresh)
    start(app)
    assert "<ol>" not in app.gaps.value
    a, b, c, d = app.cards[0], app.cards[2], app.cards[4], app.cards[6]
    a.now.value, a.aspiration.value = 3.0, 2.0      # 1 toward the left pole
    b.now.value, b.aspiration.value = 1.0, 5.0      # 4 toward the right pole
    c.now.value, c.aspiration.value = 2.0, 2.0      # no gap
    d.now.value, d.aspiration.value = 4.5, 2.0      # 2.5 toward the left pole
    app.cards[5].now.value = 1.0                    # only one mark: not in the list
    items = re.findall(r"<li>(.*?)</li>", app.gaps.value)
    dims = [card.spectrum.dimension for card in (b, d, a, c)]
    assert len(items) == 4
    for item, dim in zip(items, dims):
        assert html.escape(dim) in item
    assert f"4 toward {html.escape(b.spectrum.right.plain_label)}" in items[0]
    assert f"2.5 toward {html.escape(d.spectrum.left.plain_label)}" in items[1]
    assert f"1 toward {html.escape(a.spectrum.left.plain_label)}" in items[2]
    assert "now 1, aspiration 5" in items[0]
    assert "no gap" in items[3]
    assert html.escape(app.cards[5].spectrum.dimension) not in app.gaps.value


def test_forged_slider_value_refused_and_nothing_stored(store, fresh):
    app = open_app(store, fresh)
    start(app)
    renders = app.plot.renders
    card = app.cards[3]
    with pytest.raises(traitlets.TraitError):
        card.now.value = 9
    with pytest.raises(traitlets.TraitError):
        card.aspiration.set_state({"value": 2.3})
    assert card.now.value is None and card.aspiration.value is None
    assert store.spectrum_marks(fresh["session_id"]).empty
    assert app.plot.renders == renders
    assert app.current[card.spectrum.id] is None


def test_marks_before_start_are_not_saved(store, fresh):
    # the sliders are disabled, but even a value that arrives anyway has no member to be saved for
    app = open_app(store, fresh)
    app.cards[0].now.value = 2.0
    assert store.spectrum_marks(fresh["session_id"]).empty
    assert store.respondents(fresh["session_id"]) == []


# ---------------------------------------------------------------- notes


def test_notes_save_per_question(store, fresh):
    app = open_app(store, fresh)
    start(app)
    first, second = areas(app)[:2]
    first.value = "We lean central."
    second.value = "Toward more sharing."
    assert store.note(fresh["session_id"], first.question_id, app.member) == "We lean central."
    assert store.note(fresh["session_id"], second.question_id, app.member) == "Toward more sharing."
    notes = store.notes(fresh["session_id"])
    assert set(notes["respondent_id"]) == {app.member.id}
    assert set(notes["question_id"]) == {"rg2.p1", "rg2.p3"}  # Q2 is the guide's instruction to mark, not a question


def test_long_note_saves_whole(store, fresh):
    app = open_app(store, fresh)
    start(app)
    area = areas(app)[0]
    text = ("abcdefghi\n" * 1000)[:-1] + "z"
    assert len(text) == 10_000
    area.value = text
    assert store.note(fresh["session_id"], area.question_id, app.member) == text
    assert "All changes saved" in app.saver.status.value


def test_too_long_note_refused_and_previous_kept(store, fresh):
    app = open_app(store, fresh)
    start(app)
    area = areas(app)[0]
    area.value = "The earlier answer."
    area.value = "x" * 20_001
    assert store.note(fresh["session_id"], area.question_id, app.member) == "The earlier answer."
    status = app.saver.status.value
    assert "Not saved" in status
    assert "20,001" in status and "20,000" in status
    assert app.saver.pending == {}
    assert app.saver.retry.layout.display == "none"


# ---------------------------------------------------------------- personal link


def test_personal_link_restores_everything(store, demo):
    app = open_app(store, demo)
    start(app, "Jordan Lee", "Board member")
    values = [1.0, 1.5, 2.0, 4.5, 5.0, 3.0, None]
    for card, v in zip(app.cards, values):
        if v is not None:
            card.now.value = v
    app.cards[0].aspiration.value = 4.0
    app.cards[5].aspiration.value = 2.5
    for i, area in enumerate(areas(app)):
        area.value = f"Note {i} <b>with markup</b>"

    assert f"me={app.member.token}" in app.link.value
    url = html.unescape(re.search(r"<span class='wb-link'>(.*?)</span>", app.link.value).group(1))
    assert f"district={demo['district']}" in url and f"session={demo['session']}" in url
    assert "code=" not in url

    again = charting_your_path(store, {"district": demo["district"], "me": app.member.token})
    assert isinstance(again, ChartingYourPath), repr(again)
    assert again.member.id == app.member.id
    assert again.name.value == "Jordan Lee"
    assert again.role.value == "Board member"
    assert [c.now.value for c in again.cards] == values
    assert [c.aspiration.value for c in again.cards] == [4.0, None, None, None, None, 2.5, None]
    assert [a.value for a in areas(again)] == [f"Note {i} <b>with markup</b>" for i in range(2)]
    assert again.pass_ == "aspiration"  # aspirations marked: the member comes back to the second pass
    # restored, unlocked, and drawn
    assert not any(c.now.disabled for c in again.cards)
    assert not any(a.disabled for a in areas(again))
    assert trace(again.plot.figure, "Now").x == tuple(values)
    assert "2 of 7 aspirations marked · 6 of 7 marked now" in again.progress.value
    assert f"me={app.member.token}" in again.link.value
    # opening the link writes no marks or notes, and does not make a new member
    assert len(store.respondents(demo["session_id"])) == 9
    assert len(marks_of(store, demo["session_id"], app.member.id)) == 6
    # and further changes keep saving for the same member
    again.cards[6].now.value = 2.0
    assert marks_of(store, demo["session_id"], app.member.id).loc[again.cards[6].spectrum.id, "current"] == 2.0


@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_bad_personal_token_gives_an_error_page(store, demo, token):
    page = charting_your_path(store, {"district": demo["district"], "session": demo["session"], "me": token})
    if token:
        assert not isinstance(page, ChartingYourPath)
        assert "personal link is not valid" in repr(page)
        assert "Traceback" not in page_text(page)
    else:
        # an empty me= falls back to the join code, which this link lacks
        assert not isinstance(page, ChartingYourPath)
        assert "join code" in repr(page)


def test_personal_token_of_another_session_refused(store, demo, fresh):
    app = open_app(store, fresh)
    start(app)
    page = charting_your_path(store, {"district": demo["district"], "session": demo["session"],
                                      "me": app.member.token})
    assert not isinstance(page, ChartingYourPath)
    assert "personal link is not valid" in repr(page)


# ---------------------------------------------------------------- saving when the store is down


def _fail_once(monkeypatch, store):
    real = store.save_spectrum_mark
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise StoreUnavailable("The workbook's database cannot be reached right now, so nothing was saved.")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "save_spectrum_mark", flaky)
    return calls


def test_change_kept_when_store_unavailable_and_flushed_by_next_save(store, fresh, monkeypatch):
    app = open_app(store, fresh)
    start(app)
    _fail_once(monkeypatch, store)
    sid = fresh["session_id"]
    first, second = app.cards[0], app.cards[1]

    first.now.value = 2.5
    assert store.spectrum_marks(sid).empty
    assert list(app.saver.pending) == [("mark", first.spectrum.id, "current")]
    status = app.saver.status.value
    assert "cannot be reached" in status and "Waiting to save (1 change)" in status
    assert "wb-error" in status
    assert app.saver.retry.layout.display == ""
    # the chart already shows the mark the member made
    assert trace(app.plot.figure, "Now").x[0] == 2.5

    second.now.value = 4.0
    rows = marks_of(store, sid, app.member.id)
    assert rows.loc[first.spectrum.id, "current"] == 2.5
    assert rows.loc[second.spectrum.id, "current"] == 4.0
    assert app.saver.pending == {}
    assert "All changes saved" in app.saver.status.value
    assert app.saver.retry.layout.display == "none"


def test_change_kept_when_store_unavailable_and_flushed_by_retry(store, fresh, monkeypatch):
    app = open_app(store, fresh)
    start(app)
    calls = _fail_once(monkeypatch, store)
    card = app.cards[2]
    card.aspiration.value = 1.5
    assert store.spectrum_marks(fresh["session_id"]).empty
    assert "waiting" in app.saver.status.value
    app.saver.retry.click()
    assert calls["n"] == 2
    rows = marks_of(store, fresh["session_id"], app.member.id)
    assert rows.loc[card.spectrum.id, "aspiration"] == 1.5
    assert app.saver.pending == {}
    assert "All changes saved" in app.saver.status.value
    assert app.saver.retry.layout.display == "none"


def store_down(store, monkeypatch) -> dict:
    """Marks cannot be saved until ``down["on"]`` is set False (the database is back)."""
    real = store.save_spectrum_mark
    down = {"on": True}

    def maybe(*args, **kwargs):
        if down["on"]:
            raise StoreUnavailable("The workbook's database cannot be reached right now, so nothing was saved.")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "save_spectrum_mark", maybe)
    return down


def test_later_change_to_same_mark_replaces_the_pending_one(store, fresh, monkeypatch):
    app = open_app(store, fresh)
    start(app)
    down = store_down(store, monkeypatch)
    card = app.cards[0]
    card.now.value = 2.0
    card.now.value = 3.0
    card.aspiration.value = 5.0
    assert len(app.saver.pending) == 2
    assert "Waiting to save (2 changes)" in app.saver.status.value
    down["on"] = False
    app.saver.retry.click()
    rows = marks_of(store, fresh["session_id"], app.member.id)
    assert rows.loc[card.spectrum.id, ["current", "aspiration"]].tolist() == [3.0, 5.0]
    assert app.saver.pending == {}


def test_refused_change_does_not_strand_other_waiting_changes(store, fresh, monkeypatch):
    # store down: two marks and an over-long note queue up behind each other
    app = open_app(store, fresh)
    start(app)
    down = store_down(store, monkeypatch)
    first, second = app.cards[0], app.cards[1]
    first.now.value = 2.0
    areas(app)[0].value = "x" * 20_001
    second.now.value = 3.0
    assert len(app.saver.pending) == 3
    # the store is back; one press of "Try saving again" must save every valid change
    down["on"] = False
    app.saver.retry.click()
    rows = marks_of(store, fresh["session_id"], app.member.id)
    assert rows.loc[first.spectrum.id, "current"] == 2.0
    assert "Not saved" in app.saver.status.value
    assert second.spectrum.id in rows.index, (
        f"second mark still waiting after retry; pending={list(app.saver.pending)}, "
        f"status={app.saver.status.value!r}")
    assert app.saver.pending == {}


def models_of(widget, seen=None) -> dict:
    """Every widget model the page sends to the browser: widgets, their layouts and styles, by model id."""
    seen = {} if seen is None else seen
    if widget.model_id in seen:
        return seen
    seen[widget.model_id] = widget
    for name in widget.keys:
        value = getattr(widget, name, None)
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, w.Widget):
                models_of(item, seen)
    return seen


def test_the_member_page_opens_with_few_widget_models(store, fresh):
    """A room opens this page together: every model is messages and views for kernel, server and browser."""
    models = models_of(open_app(store, fresh))
    kinds = [type(m).__name__ for m in models.values()]
    # 85 before the guide's two passes (their switch, the critical gap); the room's line ("The room has moved on
    # to ...") is 7 more: its box, its line, its poller, their three layouts and the line's style
    assert len(models) <= 87 + 7, sorted(kinds)
    # static parts share one layout and one style instead of a pair each (the room line's are its own)
    assert kinds.count("Layout") <= 16 + 3 and kinds.count("HTMLStyle") <= 2 + 1


def test_shared_layouts_are_never_those_of_widgets_that_hide(store, fresh):
    app = open_app(store, fresh)
    shared_layout = app.cards[0].now.layout
    hiding = [app.start, app.saver.retry]
    assert all(widget.layout is not shared_layout for widget in hiding)
    start(app)  # the start button hides itself: nothing else may disappear with it
    assert app.start.layout.display == "none" and shared_layout.display in (None, "")


# ---------------------------------------------------------------- the guide's two passes


def test_the_page_opens_on_the_first_pass_with_its_question(store, fresh):
    app = open_app(store, fresh)
    assert app.pass_ == "now"
    assert "wb-on-now" in app.body._dom_classes
    # the aspiration sliders and the second pass's questions belong to the second pass
    assert all("wb-only-aspiration" in c.aspiration._dom_classes for c in app.cards)
    assert "wb-only-now" in app.questions[0]._dom_classes  # Q1: what do you notice?
    assert {"wb-only-aspiration"} <= set(app.critical._dom_classes)
    assert "<strong>First pass: your current pathway.</strong>" in app.pass_note.value


def test_the_passes_are_named_as_the_guide_names_them_not_as_steps(store, fresh, content):
    """Step 1 and Step 2 are the conditions framework's, in the same retreat: the passes say 'pass'."""
    g2 = content.guides.guide_2
    app = open_app(store, fresh)
    start(app)
    first = html.unescape(app.pass_note.value)
    assert first.startswith("<p><strong>First pass: your current pathway.</strong>")
    assert g2.marking_instruction in first  # the guide's own instruction for the current state
    app.passes.value = app.passes.options[1]
    second = html.unescape(app.pass_note.value)
    assert second.startswith("<p><strong>Second pass: your aspirational pathway.</strong>")
    assert g2.section("pathway").questions[1].text in second  # Q2 opens the second pass
    for words in [*app.passes.options, *app.passes.tooltips, first, second]:
        assert "Step" not in words, words
    assert [o.split(" · ")[1] for o in app.passes.options] == ["Current pathway", "Aspirational pathway"]


def test_the_second_pass_is_built_when_the_member_gets_there(store, fresh):
    """The page opens with the first pass's widgets only (fewer for the browser to make before the chart)."""
    from tests.helpers import walk
    from workbook.widgets.marks import MarkSlider

    app = open_app(store, fresh)
    on_page = lambda kind: [x for x in walk(app) if isinstance(x, kind)]  # noqa: E731
    assert [s.name for s in on_page(MarkSlider)] == [f"{c.spectrum.dimension}, now" for c in app.cards]
    assert len(on_page(w.Textarea)) == 1 and not any(isinstance(x, w.Dropdown) and "critical" in x.description
                                                     for x in walk(app))
    start(app)
    app.cards[0].now.value = 2.0
    app.passes.value = app.passes.options[1]  # the member moves on: the second pass is built, unlocked
    sliders = [c.aspiration for c in app.cards]
    assert len(on_page(MarkSlider)) == 14 and len(on_page(w.Textarea)) == 2
    assert not any(s.disabled for s in sliders) and not app.critical.disabled
    assert all(not a.disabled for a in areas(app))
    app.show_pass("now")
    app.show_pass("aspiration")  # built once: the same widgets come back
    assert [c.aspiration for c in app.cards] == sliders and len(on_page(w.Textarea)) == 2
    app.cards[1].now.value = 2.0
    app.cards[1].aspiration.value = 4.0
    assert html.escape(app.cards[1].spectrum.dimension) in app.gaps.value  # the gap list follows the marks
    assert marks_of(store, fresh["session_id"], app.member.id).loc[app.cards[1].spectrum.id, "aspiration"] == 4.0


def test_a_member_without_aspirations_comes_back_to_the_first_pass_and_finds_later_answers(store, fresh):
    app = open_app(store, fresh)
    start(app)
    app.cards[0].now.value = 3.0
    app.show_pass("aspiration")
    app.critical.value = "pace"
    app.questions[1].children[1].value = "Our biggest gap is pace."  # Q3, no aspiration marked yet
    again = charting_your_path(store, {"district": fresh["district"], "me": app.member.token})
    assert again.pass_ == "now" and again.cards[0]._aspiration is None  # nothing of the second pass yet
    again.show_pass("aspiration")
    assert again.critical.value == "pace" and again.questions[1].children[1].value == "Our biggest gap is pace."
    assert not again.critical.disabled and all(not c.aspiration.disabled for c in again.cards)
    assert store.note(fresh["session_id"], "rg2.p3", again.member) == "Our biggest gap is pace."


def test_q2_is_the_instruction_that_opens_the_second_pass_not_a_question(store, fresh, content):
    from tests.helpers import walk

    app = open_app(store, fresh)
    start(app)
    q2 = content.guides.guide_2.section("pathway").questions[1]
    assert q2.kind == "instruction"
    app.show_pass("aspiration")
    # no answer box and no question label for Q2 anywhere on the page
    assert [a.question_id for a in areas(app)] == ["rg2.p1", "rg2.p3"]
    assert [box.children[1].question_id for box in app.questions] == ["rg2.p1", "rg2.p3"]
    assert not any(getattr(x, "question_id", None) == "rg2.p2" for x in walk(app))
    labels = [x.value for x in walk(app) if isinstance(x, w.HTML) and "<label>" in x.value]
    assert not any(q2.text[:30] in html.unescape(label) for label in labels)
    # it opens the second pass: in the pass's note above the cards, before the first aspiration slider
    note = html.unescape(app.pass_note.value)
    assert q2.text in note
    marks = app.body.children[0].children
    assert marks.index(app.pass_note) < marks.index(app.cards[0])
    app.show_pass("now")
    assert q2.text not in html.unescape(app.pass_note.value)  # not part of the first pass


def test_switching_passes_keeps_every_mark(store, fresh):
    app = open_app(store, fresh)
    start(app)
    app.cards[0].now.value = 2.0
    app.passes.value = app.passes.options[1]
    assert app.pass_ == "aspiration" and "wb-on-aspiration" in app.body._dom_classes
    assert "wb-on-now" not in app.body._dom_classes
    app.cards[0].aspiration.value = 4.5
    app.show_pass("now")
    assert app.passes.value == app.passes.options[0]
    mine = marks_of(store, fresh["session_id"], app.member.id)
    first = app.cards[0].spectrum.id
    assert (mine.loc[first, "current"], mine.loc[first, "aspiration"]) == (2.0, 4.5)


def test_the_most_critical_gap_is_stored_restored_and_counted(store, fresh, content):
    from workbook import analysis

    app = open_app(store, fresh)
    assert app.critical.disabled  # locked until the member starts, like every answer
    start(app)
    app.critical.value = "pace"
    assert store.note(fresh["session_id"], "rg2.critical", app.member) == "pace"
    again = charting_your_path(store, {"district": fresh["district"], "me": app.member.token})
    assert again.critical.value == "pace"
    other = open_app(store, fresh)
    start(other, "Sam Other", "Teacher leader")
    other.critical.value = "pace"
    third = open_app(store, fresh)
    start(third, "Kim Third", "Teacher leader")
    third.critical.value = "sharing_learning"
    third.critical.value = ""  # changed their mind: no longer counted
    counts = analysis.critical_gaps(store.notes(fresh["session_id"]))
    assert counts == {"pace": 2}


def test_the_guides_own_introduction_is_a_collapsed_note(store, fresh, content):
    app = open_app(store, fresh)
    g2 = content.guides.guide_2
    text = page_text(app)
    assert "<details><summary>What the guide says" in text  # collapsed by default
    assert g2.marking_instruction[:40] in text.replace("&quot;", '"')


# ---------------------------------------------------------------- a follow-up session


def _follow_up(store, agreed: bool = True):
    """A district whose second session follows up its first; in the first a member marked and, when ``agreed``,
    the team agreed marks on two spectra. The links of both sessions."""
    import datetime as dt

    store.create_district(SLUG, "Test Unified (fictional)")
    first = store.create_session(SLUG, "Spring retreat", dt.date(2026, 3, 2))
    earlier = {"district": SLUG, "session": str(first.id), "code": first.join_code}
    member = open_app(store, earlier)
    start(member, "Pat Earlier")
    for card, now, asp in ((member.cards[0], 1.0, 1.5), (member.cards[3], 5.0, 1.0)):
        card.now.value, card.aspiration.value = now, asp
    if agreed:
        store.save_team_mark(first, first.facilitator_code, "pace", "current", 2.0)
        store.save_team_mark(first, first.facilitator_code, "pace", "aspiration", 4.5)
        store.save_team_mark(first, first.facilitator_code, "locus_of_control", "current", 3.5)
    later = store.create_session(SLUG, "Autumn check-in", dt.date(2026, 10, 1), follows=first.id)
    return first, earlier, {"district": SLUG, "session": str(later.id), "code": later.join_code}


def _last_time_traces(app):
    return [t for t in app._chart.figure().data if (t.name or "").startswith("Agreed last time")]


def test_a_follow_up_shows_the_marks_the_team_agreed_last_time_as_a_muted_pathway(store, content):
    first, _earlier, later = _follow_up(store)
    app = open_app(store, later)
    dims = [s.dimension for s in content.spectra]
    agreed = store.team_marks(first.id).set_index("spectrum")
    for which in ("now", "aspiration"):  # on both passes
        app.show_pass(which)
        (line,) = _last_time_traces(app)
        assert line.name == "Agreed last time (Spring retreat, 2 March 2026)" and line.showlegend is not False
        assert line.line.dash == "dash" and line.line.color.upper() == "#52606D"
        # the now run, then the aspiration run, apart: the agreed marks where they were agreed, nothing elsewhere
        now_run, asp_run = line.x[:len(dims)], line.x[len(dims) + 1:]
        assert line.x[len(dims)] is None
        for field, run in (("current", now_run), ("aspiration", asp_run)):
            expected = [None if s.id not in agreed.index or agreed.isna().loc[s.id, field]
                        else agreed.loc[s.id, field] for s in content.spectra]
            assert list(run) == expected
    # drawn under the member's own pathways
    names = [t.name for t in app._chart.figure().data]
    assert names.index(line.name) < names.index("Now") < names.index("Aspiration")
    # nothing of any member of the earlier session: none of their marks is on the chart
    theirs = store.spectrum_marks(first.id)
    assert not theirs.empty
    for row in theirs.to_dict("records"):
        for field in ("current", "aspiration"):
            i = dims.index(content.spectrum(row["spectrum"]).dimension)
            assert line.x[i] != row[field] and line.x[len(dims) + 1 + i] != row[field]
    # a line above the cards says so
    marks = app.body.children[0].children
    assert app.last_time_note in marks and marks.index(app.last_time_note) < marks.index(app.cards[0])
    said = html.unescape(app.last_time_note.value)
    assert "Spring retreat" in said and "2 March 2026" in said and "grey dashed line" in said
    assert "Pat Earlier" not in said
    # moving the member's own marks leaves it where it is
    start(app, "Pat Later")
    app.cards[0].now.value = 4.0
    assert list(_last_time_traces(app)[0].x) == list(line.x)


def test_a_first_session_draws_no_pathway_of_last_time(store, fresh):
    app = open_app(store, fresh)
    assert _last_time_traces(app) == [] and app.last_time_note is None
    assert "follows up" not in page_text(app)


def test_a_follow_up_of_a_session_without_agreed_marks_draws_nothing(store):
    _first, _earlier, later = _follow_up(store, agreed=False)
    app = open_app(store, later)
    assert _last_time_traces(app) == [] and app.last_time_note is None


def test_the_member_page_says_where_the_room_has_moved_on_to(store, fresh):
    from tests.helpers import walk
    from workbook.content import retreat
    from workbook.widgets.room import RoomLine

    app = open_app(store, fresh)
    page_name = "charting_your_path.ipynb"
    lines = [x for x in walk(app) if isinstance(x, RoomLine)]
    assert len(lines) == 1 and lines[0].page == page_name
    assert lines[0] is app.room
    kids = list(app.children)
    assert kids.index(app.room) + 1 == kids.index(app.identity)  # under the header, above the name
    session = store.session(fresh["session_id"])
    elsewhere = next(s for s in retreat.STEPS if s.app and s.app != page_name)
    store.set_current_step(session, session.facilitator_code, elsewhere.id)
    app.room.live.poll()
    assert "moved on to" in app.room.line.value and html.escape(elsewhere.title) in app.room.line.value
    here = next(s for s in retreat.STEPS if s.app == page_name)
    store.set_current_step(session, session.facilitator_code, here.id)
    app.room.live.poll()
    assert app.room.line.value == ""
