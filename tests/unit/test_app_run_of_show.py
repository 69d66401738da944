"""Run of show: the facilitator moves the room step by step; counts move by themselves; the follow-up session."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.helpers import page_text
from workbook import links
from workbook.apps.run_of_show import RunOfShow, run_of_show
from workbook.content import retreat
from workbook.content.frameworks import SPECTRUM_IDS, load_content
from workbook.content.render import esc
from workbook.demo import seed_demo
from workbook.store import Store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The demo team, seeded once per module into a template database."""
    path = tmp_path_factory.mktemp("demo") / "workbook.sqlite"
    template = Store(f"sqlite:///{path}")
    codes = seed_demo(template)
    template.dispose()
    return path, codes


@pytest.fixture()
def store(seeded, tmp_path):
    target = tmp_path / "workbook.sqlite"
    shutil.copyfile(seeded[0], target)
    s = Store(f"sqlite:///{target}")
    yield s
    s.dispose()


@pytest.fixture()
def codes(seeded):
    return seeded[1]


def open_page(store, codes, code=None):
    return run_of_show(store, {"district": codes["district"], "session": str(codes["session"]),
                               "code": code or codes["facilitator"]})


def test_needs_the_facilitators_code(store, codes):
    page = open_page(store, codes, codes["code"])
    assert not isinstance(page, RunOfShow)
    assert "facilitator" in repr(page).lower()


def test_the_join_code_cannot_move_the_room(store, codes):
    from workbook.content.errors import AccessDenied

    session = store.session(codes["session"])
    with pytest.raises(AccessDenied):
        store.set_current_step(session, codes["code"], "notice")
    page = open_page(store, codes)
    page.code = codes["code"]  # a page whose code is not the facilitator's: the move is refused and said so
    page.go("notice")
    assert store.current_step(codes["session"]) is None and page.step is None
    assert "facilitator" in page.notice.value


def test_every_step_is_listed_in_order_and_next_previous_and_go_move_the_room(store, codes, content):
    page = open_page(store, codes)
    text = page_text(page)
    positions = [text.index(esc(s.title)) for s in retreat.STEPS]
    assert positions == sorted(positions)  # the list reads in the guides' order
    assert page.step is None and "Not started" in page.heading.value
    page.next_button.click()
    first = retreat.STEPS[0]
    assert store.current_step(codes["session"]) == first.id
    assert "wb-ros-current" in page.rows[first.id]._dom_classes
    page.next_button.click()
    second = retreat.STEPS[1]
    assert store.current_step(codes["session"]) == second.id
    assert "wb-ros-current" not in page.rows[first.id]._dom_classes
    page.previous_button.click()
    assert store.current_step(codes["session"]) == first.id
    page.go_buttons["step1_ratings"].click()  # a room that skips ahead
    assert store.current_step(codes["session"]) == "step1_ratings"
    assert page.go_buttons["step1_ratings"].disabled
    page.go_buttons["notice"].click()  # and one that goes back
    assert store.current_step(codes["session"]) == "notice"


def test_the_current_step_shows_what_members_open_do_and_discuss(store, codes, content):
    page = open_page(store, codes)
    page.go("notice")
    session = store.session(codes["session"])
    link = links.app_link("charting_your_path.ipynb", district=codes["district"], session=session.id,
                          code=session.join_code)
    assert esc(link) in page.opens.value and "<svg" in page.opens.value
    assert "Charting Your Path" in page.opens.value
    p1 = content.guides.guide_2.section("pathway").questions[0].text
    assert esc(p1) in page.detail.value and esc(retreat.BY_ID["notice"].does) in page.detail.value
    page.go("aspiration_pass")
    p2 = content.guides.guide_2.section("pathway").questions[1].text
    assert esc(p2) in page.detail.value  # the guide's instruction to mark
    page.go("team_questions")
    assert "open nothing new" in page.opens.value and session.facilitator_code in page.opens.value
    page.go("step1_questions")
    for _letter, q in content.framework.step1.lettered_questions:
        assert esc(q) in page.detail.value


def test_the_count_of_members_finished_moves_without_a_refresh(store, codes):
    page = open_page(store, codes)
    page.go("now_pass")
    assert "8 of 8 have marked now" in page.live_count.value
    member = store.add_respondent(codes["session"], "Kai Fictional", "Teacher")
    assert page.live.poll() is True
    assert "8 of 9 have marked now" in page.live_count.value
    for sid in SPECTRUM_IDS:
        store.save_spectrum_mark(member, sid, "current", 3.0)
    assert page.live.poll() is True
    assert "9 of 9 have marked now" in page.live_count.value
    assert "Kai" not in page_text(page)  # counted, never named


def test_a_move_from_another_device_is_followed(store, codes):
    page = open_page(store, codes)
    other = open_page(store, codes)
    other.go("gaps")
    assert page.live.poll() is True
    assert page.step == "gaps" and "wb-ros-current" in page.rows["gaps"]._dom_classes
    assert esc(retreat.BY_ID["gaps"].title) in page.heading.value


def test_minutes_are_editable_per_step_and_kept(store, codes):
    page = open_page(store, codes)
    suggested = retreat.total_minutes()
    assert f"{suggested} minutes" in page.total.value
    page.minutes["plan"].value = 45
    assert f"{suggested + 45 - retreat.BY_ID['plan'].minutes} minutes" in page.total.value
    page.go("plan")
    assert page.clock.minutes == 45
    again = open_page(store, codes)  # a reloaded page keeps the facilitator's times
    assert again.minutes["plan"].value == 45 and again.clock.minutes == 45


def test_the_clock_counts_from_when_the_step_began(store, codes, monkeypatch):
    import time as clock

    page = open_page(store, codes)
    assert page.clock.elapsed < 0  # not started
    now = clock.time()
    monkeypatch.setattr("workbook.apps.run_of_show.time.time", lambda: now)
    page.go("notice")
    assert page.clock.elapsed == pytest.approx(0, abs=1e-3)
    monkeypatch.setattr("workbook.apps.run_of_show.time.time", lambda: now + 125)
    again = open_page(store, codes)  # reloaded two minutes later: the clock has gone on
    assert again.clock.elapsed == pytest.approx(125, abs=1e-3)


def test_the_last_step_starts_the_follow_up_session_and_shows_its_links(store, codes):
    page = open_page(store, codes)
    page.go("priorities")
    assert page.follow_up.layout.display == "none"
    page.go(retreat.STEPS[-1].id)
    assert page.follow_up.layout.display is None
    assert page.next_button.disabled
    page.follow_label.value = "Spring look-back"
    page.follow_date.value = dt.date(2027, 3, 1)
    page.follow_button.click()
    sessions = store.sessions(codes["district"])
    new = sessions[-1]
    assert new.label == "Spring look-back" and new.held_on == dt.date(2027, 3, 1)
    assert new.follows_session_id == codes["session"]
    assert store.followed(new).id == codes["session"]
    out = page.follow_out.value
    assert new.join_code in out and new.facilitator_code in out and "run_of_show.ipynb" in out
    assert page.follow_button.disabled  # one follow-up per press


def test_the_facilitators_links_include_the_run_of_show(store, codes):
    session = store.session(codes["session"])
    made = links.session_links(codes["district"], session, "http://127.0.0.1:8866/", "")
    run = [url for name, url in made["facilitator"] if "run_of_show.ipynb" in url]
    assert run and f"code={session.facilitator_code}" in run[0]
    assert not any("run_of_show" in url for _name, url in made["members"])
    assert all(f"code={session.join_code}" in url for _name, url in made["members"])


def test_a_room_step_shows_what_the_team_has_recorded(store, codes):
    page = open_page(store, codes)
    page.go("team_questions")
    assert "answered 0 of 5 questions; agreed marks on 0 of 7 spectra" in page.live_count.value
    session = store.session(codes["session"])
    store.save_team_mark(session, codes["facilitator"], "pace", "aspiration", 3.0)
    store.save_note(codes["session"], "rg2.t1", "Most aligned on pace.")
    assert page.live.poll() is True
    assert "answered 1 of 5 questions; agreed marks on 1 of 7 spectra" in page.live_count.value


def test_step_2s_count_of_action_items_moves_as_the_plan_is_written_elsewhere(store, codes):
    """The plan is written on Action planning (another page, another device): the count follows it."""
    page = open_page(store, codes)
    page.go("plan")
    before = page.live_count.value
    assert "action item" in before
    session = store.session(codes["session"])
    condition = load_content().conditions[0].id
    items_before = len(store.action_items(codes["session"]))
    item = store.add_action_item(session, codes["facilitator"], condition, "short", "Visit two schools (fictional)")
    assert page.live.poll() is True
    assert f"{items_before + 1} action item" in page.live_count.value
    store.update_action_item(session, codes["facilitator"], item, deleted=True)
    assert page.live.poll() is True
    assert f"{items_before} action item" in page.live_count.value
