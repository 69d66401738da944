"""The live views' cheap check: the session's stamp moves with every change the team views show, and only then."""

from __future__ import annotations

from workbook.demo import seed_demo
from workbook.store import Store


def test_the_stamp_moves_with_each_kind_of_change_and_stays_put_otherwise(any_db_url):
    store = Store(any_db_url)
    try:
        codes = seed_demo(store)
        sid = codes["session"]
        other = store.create_session(codes["district"], "Another round")
        stamps = [store.session_stamp(sid)]
        assert store.session_stamp(sid) == stamps[-1]  # nothing changed: the same stamp

        def moved() -> bool:
            stamps.append(store.session_stamp(sid))
            return stamps[-1] != stamps[-2]

        member = store.add_respondent(sid, "Mo Fictional", "Teacher")
        assert moved()
        store.save_spectrum_mark(member, "pace", "current", 2.5)
        assert moved()
        store.save_spectrum_mark(member, "pace", "current", 3.0)
        assert moved()
        store.clear_spectrum_mark(member, "pace", "current")
        assert moved()
        store.save_condition_rating(member, store_condition(store), 4)
        assert moved()
        store.save_note(sid, "rg2.q1", "We lean fast.", member)
        assert moved()
        session = store.session(sid)
        store.save_team_mark(session, session.facilitator_code, "pace", "current", 2.0)
        assert moved()
        store.update_respondent(member, role="Principal / school leader")
        assert moved()
        # another session's changes leave this one's stamp alone
        stranger = store.add_respondent(other.id, "Zed Fictional", "Teacher")
        store.save_spectrum_mark(stranger, "pace", "current", 1.0)
        assert not moved()
    finally:
        store.dispose()


def test_the_run_of_shows_stamp_also_moves_with_the_plan_and_the_team_views_stamp_does_not(any_db_url):
    """The run of show counts Step 2's action items; the team views show no plan and are not redrawn for it."""
    store = Store(any_db_url)
    try:
        codes = seed_demo(store)
        sid = codes["session"]
        session = store.session(sid)
        code = session.facilitator_code
        area = store_condition(store)
        views, ros = [store.session_stamp(sid)], [store.session_stamp(sid, plan=True)]

        def moved() -> tuple[bool, bool]:
            views.append(store.session_stamp(sid))
            ros.append(store.session_stamp(sid, plan=True))
            return views[-1] != views[-2], ros[-1] != ros[-2]

        assert moved() == (False, False)
        store.set_plan_areas(session, code, [area])
        assert moved() == (False, True)
        item = store.add_action_item(session, code, area, "short", "Draft the vision with families (fictional)")
        assert moved() == (False, True)
        store.update_action_item(session, code, item, review_on="2027-02-01")
        assert moved() == (False, True)
        store.update_action_item(session, code, item, deleted=True)
        assert moved() == (False, True)
        store.update_action_item(session, code, item, deleted=False)
        assert moved() == (False, True)
        store.save_note(sid, "rg2.q1", "We lean slow.", store.add_respondent(sid, "Ny Fictional", "Teacher"))
        assert moved() == (True, True)  # what the team views show moves both
    finally:
        store.dispose()


def store_condition(store) -> str:
    from workbook.content.frameworks import load_content

    return load_content().conditions[0].id
