"""Per-session summaries behind the network overview, on SQLite and PostgreSQL.

The overview reads each district's latest session as stored summaries (members who marked, median "now"
mark per spectrum). They must always equal what the marks give, whichever way the marks were written, and
only sessions whose marks changed may be recomputed.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.helpers import drawn
from tests.storage.test_migrations import V1_FILE, v1
from workbook import analysis, exchange, ownership
from workbook.apps.network_overview import MIN_MEMBERS, NetworkOverview, network_overview
from workbook.content.frameworks import SPECTRUM_IDS
from workbook.content.validation import NETWORK_MIN_GROUP
from workbook.demo import seed_network
from workbook.store import Store, schema
from workbook.store import network as store_network
from workbook.store.schema import tables as t

PACE = "pace"


@pytest.fixture()
def db(any_db_url):
    store = Store(any_db_url)
    seed_network(store, districts=6, members=6, sessions=2)
    yield store
    store.dispose()


@pytest.fixture()
def recomputed(monkeypatch):
    """The sessions summarised from their marks, call by call of ``network_summaries``."""
    calls: list[int] = []
    original = store_network._summarise

    def counting(marks, *rest):
        calls.append(1)
        return original(marks, *rest)

    monkeypatch.setattr(store_network, "_summarise", counting)
    return calls


def expected(store: Store, min_members: int = 1) -> pd.DataFrame:
    """The overview's pathways computed the slow way, from every mark."""
    return analysis.network_pathways(store.network_marks(), min_members, min_marks=NETWORK_MIN_GROUP)


def pathways(store: Store, min_members: int = 1) -> pd.DataFrame:
    return analysis.summary_pathways(store.network_summaries(), min_members)


def check(store: Store) -> None:
    for n in (1, MIN_MEMBERS):
        got, want = pathways(store, n), expected(store, n)
        if want.empty:  # the slow way gives a bare empty frame
            assert got.empty and list(got.columns) == list(want.columns)
            continue
        pd.testing.assert_frame_equal(got, want, check_names=False)


def latest(store: Store, slug: str):
    return store.sessions(slug)[-1]


def members(store: Store, slug: str):
    return store.respondents(latest(store, slug).id)


def pace_median(store: Store, slug: str) -> float:
    return pathways(store).loc[slug, PACE]


def test_summaries_match_the_marks_cold_and_warm(db, recomputed):
    check(db)  # cold: every latest session summarised once
    assert len(recomputed) == 6
    recomputed.clear()
    check(db)  # warm: nothing recomputed, same frame
    assert recomputed == []
    rows = db.network_summaries()
    assert [r["district"] for r in rows] == [f"network-{i:04d}" for i in range(1, 7)]
    table, same = db.network_view()
    assert same == rows
    pd.testing.assert_frame_equal(table.sort_index(), db.district_table().sort_index())
    assert all(r["members"] == 6 and set(r["medians"]) == set(SPECTRUM_IDS) for r in rows)


def test_saving_a_mark_recomputes_that_session_only(db, recomputed):
    before = pathways(db)
    recomputed.clear()
    for member in members(db, "network-0002")[:4]:
        db.save_spectrum_mark(member, PACE, "current", 1)
    after = pathways(db)
    assert len(recomputed) == 1
    assert after.loc["network-0002", PACE] == 1.0 != before.loc["network-0002", PACE]
    pd.testing.assert_frame_equal(after.drop(index="network-0002"), before.drop(index="network-0002"))
    check(db)


def test_aspiration_and_clearing_marks(db):
    pathways(db)
    member = members(db, "network-0003")[0]
    db.save_spectrum_mark(member, PACE, "aspiration", 5)  # not in the summary, but never wrong either
    check(db)
    for sid in SPECTRUM_IDS:
        db.clear_spectrum_mark(member, sid, "current")
    rows = {r["district"]: r for r in db.network_summaries()}
    assert rows["network-0003"]["members"] == 5  # a member with no "now" mark left is not counted
    check(db)
    for other in members(db, "network-0003")[1:]:
        db.clear_spectrum_mark(other, PACE, "current")
    assert PACE not in {r["district"]: r for r in db.network_summaries()}["network-0003"]["medians"]
    assert pd.isna(pace_median(db, "network-0003"))
    check(db)


def test_new_members_new_sessions_and_districts(db):
    pathways(db)
    member = db.add_respondent(latest(db, "network-0001").id, "Newcomer", "Teacher leader")
    db.save_spectrum_mark(member, PACE, "current", 5)
    assert {r["district"]: r for r in db.network_summaries()}["network-0001"]["members"] == 7
    check(db)
    # a new latest session without marks: the district has nobody charted until its members mark
    db.create_session("network-0004", "Round 3", dt.date(2026, 5, 1))
    assert "network-0004" not in pathways(db).index
    check(db)
    db.create_district("newcomer-usd", "Newcomer USD")
    assert "newcomer-usd" not in pathways(db).index  # no session at all
    table, rows = db.network_view()
    assert "newcomer-usd" in table.index and "newcomer-usd" not in {r["district"] for r in rows}
    session = db.create_session("newcomer-usd", "Round 1")
    for i in range(MIN_MEMBERS):
        m = db.add_respondent(session.id, f"Person {i}", "Teacher leader")
        db.save_spectrum_mark(m, PACE, "current", 2 + i * 0.5)
    assert pace_median(db, "newcomer-usd") == 3.0
    check(db)


def test_writes_outside_the_store_api_count_too(db):
    pathways(db)
    sid = latest(db, "network-0005").id
    rids = sa.select(t.respondents.c.id).where(t.respondents.c.session_id == sid)
    with db.engine.begin() as conn:  # a plain UPDATE, as a database tool would issue it
        conn.execute(t.spectrum_marks.update().where(t.spectrum_marks.c.respondent_id.in_(rids),
                                                     t.spectrum_marks.c.spectrum_id == PACE).values(current=4.5))
    assert pace_median(db, "network-0005") == 4.5
    check(db)
    with db.engine.begin() as conn:  # deleting members takes their marks with them (foreign key cascade)
        gone = conn.execute(sa.select(t.respondents.c.id).where(t.respondents.c.session_id == sid)
                            .order_by(t.respondents.c.id).limit(2)).scalars().all()
        conn.execute(t.respondents.delete().where(t.respondents.c.id.in_(gone)))
    assert {r["district"]: r for r in db.network_summaries()}["network-0005"]["members"] == 4
    assert "network-0005" not in pathways(db, MIN_MEMBERS).index
    check(db)


def test_deleting_the_latest_session_falls_back_to_the_one_before(db):
    pathways(db)
    first, second = db.sessions("network-0006")
    with db.engine.begin() as conn:
        conn.execute(t.sessions.delete().where(t.sessions.c.id == second.id))
    rows = {r["district"]: r for r in db.network_summaries()}
    assert rows["network-0006"]["session_id"] == first.id
    check(db)


def test_a_reused_session_id_never_gets_the_old_summary(db):
    """SQLite hands the id of a deleted newest session to the next one; its summary must not come back."""
    pathways(db)
    newest = max(s.id for slug in [f"network-{i:04d}" for i in range(1, 7)] for s in db.sessions(slug))
    slug = next(s for s in [f"network-{i:04d}" for i in range(1, 7)] if latest(db, s).id == newest)
    with db.engine.begin() as conn:
        conn.execute(t.sessions.delete().where(t.sessions.c.id == newest))
        assert conn.execute(sa.select(sa.func.count()).select_from(t.session_summaries)
                            .where(t.session_summaries.c.session_id == newest)).scalar() == 0
    again = db.create_session(slug, "Round 3")
    rows = {r["district"]: r for r in db.network_summaries()}
    assert rows[slug]["session_id"] == again.id
    assert rows[slug]["members"] == 0 and rows[slug]["medians"] == {}
    assert slug not in pathways(db).index
    check(db)


def test_imports_and_deleting_a_district(db, tmp_path):
    pathways(db)
    path = tmp_path / "session.zip"
    exchange.export_session(db, latest(db, "network-0001").id, path)
    exchange.import_session(db, path, district_slug="network-0002")  # becomes network-0002's latest session
    assert latest(db, "network-0002").id != latest(db, "network-0001").id
    pd.testing.assert_series_equal(pathways(db).loc["network-0002"], pathways(db).loc["network-0001"],
                                   check_names=False)
    check(db)
    ownership.delete_district(db, "network-0003")
    assert "network-0003" not in pathways(db).index
    check(db)
    with db.engine.connect() as conn:
        orphans = conn.execute(sa.select(sa.func.count()).select_from(t.session_summaries).where(
            t.session_summaries.c.session_id.not_in(sa.select(t.sessions.c.id)))).scalar()
    assert orphans == 0


def test_a_write_while_the_summary_is_computed_is_not_lost(db, monkeypatch):
    """Marks read, then a member saves, then the summary is stored: the stored one must count as old."""
    pathways(db)
    slug = "network-0004"
    people = members(db, slug)
    for member in people:
        db.save_spectrum_mark(member, PACE, "current", 1)
    original = store_network._summarise
    saved = []

    def save_first(marks, *rest):
        if not saved:  # between reading the marks and storing the summary
            for member in people:
                db.save_spectrum_mark(member, PACE, "current", 5)
            saved.append(True)
        return original(marks, *rest)

    monkeypatch.setattr(store_network, "_summarise", save_first)
    assert pace_median(db, slug) == 1.0  # computed from the marks as they were read
    assert pace_median(db, slug) == 5.0  # the next reader sees every save
    check(db)


def test_overview_page_changes_when_a_member_saves(db, content):
    page = network_overview(db, {}, content=content, trusted=True, highlight="network-0001")
    assert isinstance(page, NetworkOverview)
    before = page.pathways.loc["network-0001", PACE]
    page.close()
    for member in members(db, "network-0001"):
        db.save_spectrum_mark(member, PACE, "current", 5 if before < 4.5 else 1)
    page = network_overview(db, {}, content=content, trusted=True, highlight="network-0001")
    now = page.pathways.loc["network-0001", PACE]
    assert now == (5.0 if before < 4.5 else 1.0)
    line = next(tr for tr in drawn(page.plot).data if tr.name == "network-0001")
    assert list(line.x) == pytest.approx(page.pathways.loc["network-0001", list(SPECTRUM_IDS)].tolist())
    box = next(tr for tr in drawn(page.plot).data if tr.type == "box")
    points = {(str(s), str(y)): x for s, y, x in zip(box.text, box.y, box.x)}
    assert points[("network-0001", "Pace")] == now
    page.close()


def test_a_store_from_before_the_summaries_is_summarised_on_first_use(any_db_url, tmp_path):
    """Upgrading adds the table and its triggers; sessions marked before the upgrade are summarised cold."""
    if any_db_url.startswith("sqlite"):
        target = tmp_path / "copy_of_v1.sqlite"
        shutil.copyfile(V1_FILE, target)
        url = f"sqlite:///{target}"
    else:
        v1.build(any_db_url)
        url = any_db_url
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            assert schema.current_version(conn) == schema.CURRENT_VERSION
            assert conn.execute(sa.select(sa.func.count()).select_from(t.session_summaries)).scalar() == 0
        check(store)
        [row] = store.network_summaries()
        assert row["district"] == "example-usd" and row["members"] == 2
        ana = store.respondent_by_token(row["session_id"], "v1-token-ana-example")
        store.save_spectrum_mark(ana, PACE, "current", 1)
        check(store)
        # two members: fewer than the network's minimum group, so no median of theirs reaches a coach
        assert PACE not in store.network_summaries()[0]["medians"]
        assert pd.isna(expected(store).loc["example-usd", PACE])
    finally:
        store.dispose()


def test_marks_read_across_chunks_match_the_marks(db, recomputed, monkeypatch):
    """Stale sessions' marks read in several IN (...) lists (two sessions each) summarise as one list would."""
    from workbook.store import network

    monkeypatch.setattr(network, "_CHUNK", 2)
    check(db)  # cold: six sessions read in three chunks, each summary against the marks
    assert len(recomputed) == 6


def test_a_spectrum_marked_by_too_few_members_reaches_no_coach(db):
    """Six members charted, one of them marked Pace: the network's figures carry no median of that one mark."""
    db.create_district("small-usd", "Small Unified (fictional)")
    session = db.create_session("small-usd", "Round 1")
    people = [db.add_respondent(session.id, f"Member {i} (fictional)", "Teacher") for i in range(6)]
    for person in people:
        db.save_spectrum_mark(person, SPECTRUM_IDS[0], "current", 2)
    db.save_spectrum_mark(people[0], PACE, "current", 4.5)  # one member's own answer
    row = next(r for r in db.network_summaries() if r["district"] == "small-usd")
    assert row["members"] == 6 and row["medians"] == {SPECTRUM_IDS[0]: 2.0}
    assert pd.isna(pathways(db, MIN_MEMBERS).loc["small-usd", PACE])
    check(db)
