"""A member page's line "The room has moved on to …": it follows the facilitator's moves without a click."""

from __future__ import annotations

from workbook.content import retreat
from workbook.content.render import esc
from workbook.widgets.room import RoomLine


def _session(store):
    store.create_district("room-usd", "Room USD (fictional)")
    return store.create_session("room-usd", "Retreat")


def test_the_line_follows_the_room_from_step_to_step(store):
    session = _session(store)
    line = RoomLine(store, session, "charting_your_path.ipynb")
    assert line.line.value == ""  # the facilitator has not started
    store.set_current_step(session, session.facilitator_code, "now_pass")
    assert line.live.poll() is True
    assert line.line.value == ""  # the room is on a step this page is for
    store.set_current_step(session, session.facilitator_code, "step1_ratings")
    assert line.live.poll() is True
    text = line.line.value
    assert "moved on to" in text and retreat.BY_ID["step1_ratings"].title in text and "Conditions for Scale" in text
    assert line.live.poll() is False  # nothing moved since
    store.set_current_step(session, session.facilitator_code, "team_questions")
    line.live.poll()
    assert esc(retreat.BY_ID["team_questions"].title) in line.line.value and "projector" in line.line.value
    store.set_current_step(session, session.facilitator_code, None)  # back to "not started"
    assert line.live.poll() is True and line.line.value == ""


def test_a_page_opened_after_the_room_moved_says_so_at_once(store):
    session = _session(store)
    store.set_current_step(session, session.facilitator_code, "priorities")
    line = RoomLine(store, session, "laying_the_foundation.ipynb")
    assert retreat.BY_ID["priorities"].title in line.line.value
    assert RoomLine(store, session, "conditions_for_scale.ipynb").line.value == ""


def test_a_title_is_escaped_and_an_unknown_step_shows_nothing(store):
    session = _session(store)
    store.set_current_step(session, session.facilitator_code, "a_step_of_another_version")
    assert RoomLine(store, session, "charting_your_path.ipynb").line.value == ""
    store.set_current_step(session, session.facilitator_code, "context_culture_climate")
    value = RoomLine(store, session, "charting_your_path.ipynb").line.value
    assert "Context, culture &amp; climate" in value


def test_the_step_clock_counts_from_the_steps_start_in_the_browser():
    from workbook.widgets.room import StepClock

    clock = StepClock(idle="")
    assert clock.elapsed < 0  # no step: the browser shows the idle text
    clock.start(0, minutes=10)
    assert clock.elapsed == 0 and clock.minutes == 10
    sent = []
    clock.observe(lambda change: sent.append(change["new"]), "elapsed")
    clock.start(0)  # a new step begun at once: the value still changes, so the browser restarts its count
    assert len(sent) == 1 and clock.minutes == 10
    clock.start(125.0, minutes=15)  # a page reloaded two minutes into a step
    assert clock.elapsed == 125.0 and clock.minutes == 15
    clock.stop()
    assert clock.elapsed < 0


def test_once_the_page_knows_its_member_the_line_carries_them_on_as_themselves(store):
    """A member who joined in Laying the Foundation opens Charting Your Path as the same member, not a second one."""
    from urllib.parse import parse_qs, urlparse

    session = _session(store)
    member = store.add_respondent(session.id, "Rae Example (fictional)", "Teacher")
    line = RoomLine(store, session, "laying_the_foundation.ipynb")
    store.set_current_step(session, session.facilitator_code, "now_pass")
    line.live.poll()
    assert "href" not in line.line.value  # who the page is for is not known yet: no personal link
    line.follow(member, "room-usd")
    href = line.line.value.split("href='")[1].split("'")[0].replace("&amp;", "&")
    url = urlparse(href)
    assert url.path.endswith("/charting_your_path.ipynb")
    assert parse_qs(url.query)["me"] == [member.token] and parse_qs(url.query)["session"] == [str(session.id)]
    assert "code" not in parse_qs(url.query)  # the personal token alone opens the member's own page
