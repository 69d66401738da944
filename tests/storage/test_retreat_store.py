"""The retreat's part of the store on SQLite and PostgreSQL: the room's step, follow-up sessions, review dates."""

from __future__ import annotations

import datetime as dt

import pytest

from workbook.content.errors import AccessDenied, InvalidInput
from workbook.store import Store


@pytest.fixture()
def db(any_db_url):
    store = Store(any_db_url)
    yield store
    store.dispose()


@pytest.fixture()
def first(db):
    db.create_district("example-usd", "Example Unified School District (fictional)", engaged_percent=40)
    return db.create_session("example-usd", "Autumn retreat", dt.date(2026, 10, 1), min_group_size=3,
                             show_authors=True, max_priorities=4)


def test_the_room_moves_only_with_the_facilitators_code(db, first):
    assert db.current_step(first.id) is None
    moved = db.set_current_step(first, first.facilitator_code, "guide2_now")
    assert moved.current_step == "guide2_now" == db.current_step(first.id)
    with pytest.raises(AccessDenied):
        db.set_current_step(first, first.join_code, "step2_plan")
    with pytest.raises(InvalidInput, match="not a step"):
        db.set_current_step(first, first.facilitator_code, "DROP TABLE")
    assert db.current_step(first.id) == "guide2_now"  # nothing refused was written
    assert db.set_current_step(first, first.facilitator_code, None).current_step is None


def test_a_follow_up_starts_from_the_session_it_follows(db, first):
    later = db.create_session("example-usd", "Spring check-in", dt.date(2027, 3, 1), follows=first.id)
    assert later.follows_session_id == first.id
    assert db.followed(later) == first
    # the same team under the same promises: privacy settings and priorities carry over unless given
    assert (later.min_group_size, later.show_authors, later.max_priorities) == (3, True, 4)
    assert db.followed(first) is None
    assert db.district("example-usd").engaged_percent == 40


def test_a_follow_up_of_another_districts_session_is_refused(db, first):
    db.create_district("other-usd", "Other Unified (fictional)")
    before = len(db.sessions("other-usd"))
    with pytest.raises(InvalidInput, match="another district"):
        db.create_session("other-usd", "Check-in", follows=first.id)
    assert len(db.sessions("other-usd")) == before


def test_an_action_keeps_its_review_date(db, first):
    code = first.facilitator_code
    item = db.add_action_item(first, code, "visioning", "short", "Draft the vision with families",
                              owner="Chief academic officer", review_on="2027-01-15")
    assert db.action_items(first.id).set_index("id").loc[item, "review_on"] == dt.date(2027, 1, 15)
    db.update_action_item(first, code, item, review_on=dt.date(2027, 2, 1))
    assert db.action_items(first.id).set_index("id").loc[item, "review_on"] == dt.date(2027, 2, 1)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        db.update_action_item(first, code, item, review_on="next spring")
    assert db.action_items(first.id).set_index("id").loc[item, "review_on"] == dt.date(2027, 2, 1)
    db.update_action_item(first, code, item, review_on="")
    assert db.action_items(first.id).set_index("id").loc[item, "review_on"] is None
