"""The store's public API on SQLite and PostgreSQL: what is saved is read back, what is refused changes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from workbook.content import validation
from workbook.content.errors import AccessDenied, InvalidInput, NotFound, StoreUnavailable
from workbook.content.frameworks import SPECTRUM_IDS
from workbook.store import Store, redact

S1, S2 = SPECTRUM_IDS[0], SPECTRUM_IDS[1]


@pytest.fixture()
def db(any_db_url):
    store = Store(any_db_url)
    yield store
    store.dispose()


@pytest.fixture()
def team(db):
    """A district with one session and two members."""
    district = db.create_district("example-usd", "Example Unified School District", schools=12,
                                  urbanicity="suburban", frl_percent=41.5, years_scaling=3)
    session = db.create_session("example-usd", "Spring reflection", dt.date(2024, 3, 14))
    ana = db.add_respondent(session.id, "Ana Example", "Teacher")
    ben = db.add_respondent(session.id, "Ben Example", "Principal / school leader")
    return district, session, ana, ben


def marks_of(db, session_id, respondent_id) -> dict:
    frame = db.spectrum_marks(session_id)
    frame = frame[frame.respondent_id == respondent_id]
    return {row.spectrum: (row.current, row.aspiration) for row in frame.itertuples()}


def _records(frame) -> list[dict]:
    """Rows as dicts with empty cells as None (NaN != NaN would make equal snapshots differ)."""
    frame = frame.drop(columns=["updated_at"], errors="ignore")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def snapshot(db, session_id) -> tuple:
    """Everything a session holds, for 'nothing changed' checks."""
    marks = _records(db.spectrum_marks(session_id))
    notes = _records(db.notes(session_id))
    team = _records(db.team_marks(session_id))
    members = [dataclasses.astuple(r) for r in db.respondents(session_id)]
    return marks, notes, team, members


# ------------------------------------------------------------------ districts, sessions, respondents

def test_create_and_read_district_session_respondents(db, team):
    district, session, ana, ben = team
    assert db.district("example-usd") == district
    assert district.name == "Example Unified School District"
    assert (district.kind, district.schools, district.urbanicity) == ("district", 12, "suburban")
    assert district.frl_percent == pytest.approx(41.5)
    assert district.synthetic is False
    assert db.districts() == [district]
    assert db.district_by_id(district.id) == district

    assert session.district_id == district.id
    assert session.held_on == dt.date(2024, 3, 14)
    assert session.join_code != session.facilitator_code
    assert db.session(session.id) == session
    assert db.sessions("example-usd") == [session]

    assert [r.name for r in db.respondents(session.id)] == ["Ana Example", "Ben Example"]
    assert ana.token != ben.token and len(ana.token) >= 16
    assert db.respondent_by_token(session.id, ana.token) == ana
    with pytest.raises(AccessDenied):
        db.respondent_by_token(session.id, "not-a-token")


def test_duplicate_district_slug_is_refused_and_first_kept(db, team):
    district = team[0]
    with pytest.raises(InvalidInput, match="already exists"):
        db.create_district("example-usd", "Another name")
    assert db.districts() == [district]


def test_unicode_names_round_trip(db):
    db.create_district("ecole-exemple", "École d'exemple — 学区 ✓")
    session = db.create_session("ecole-exemple", "Réflexion d'automne")
    member = db.add_respondent(session.id, "Zoë Ñúñez-O'Brien", "teacher")
    assert db.district("ecole-exemple").name == "École d'exemple — 学区 ✓"
    assert db.session(session.id).label == "Réflexion d'automne"
    assert member.name == "Zoë Ñúñez-O'Brien"
    assert member.role == "Teacher"  # roles are matched case-insensitively and stored canonically


# ------------------------------------------------------------------ spectrum marks

def test_current_and_aspiration_saved_separately_into_one_row(db, team):
    _, session, ana, ben = team
    db.save_spectrum_mark(ana, S1, "current", 2)
    (current, aspiration), = marks_of(db, session.id, ana.id).values()
    assert current == 2.0 and math.isnan(aspiration)  # the other field is empty, not zero
    db.save_spectrum_mark(ana, S1, "aspiration", 4.5)
    db.save_spectrum_mark(ana, S2, "aspiration", "3.5")
    db.save_spectrum_mark(ben, S1, "current", 5)

    frame = db.spectrum_marks(session.id)
    ana_rows = frame[frame.respondent_id == ana.id]
    assert len(ana_rows[ana_rows.spectrum == S1]) == 1  # one row, both fields
    row = ana_rows[ana_rows.spectrum == S1].iloc[0]
    assert (row.current, row.aspiration) == (2.0, 4.5)
    assert (row["name"], row.role) == ("Ana Example", "Teacher")
    s2 = ana_rows[ana_rows.spectrum == S2].iloc[0]
    assert math.isnan(s2.current) and s2.aspiration == 3.5
    ben_row = frame[frame.respondent_id == ben.id].iloc[0]
    assert (ben_row.spectrum, ben_row.current) == (S1, 5.0) and math.isnan(ben_row.aspiration)

    # saving one field again leaves the other one alone
    db.save_spectrum_mark(ana, S1, "current", 1.5)
    frame = db.spectrum_marks(session.id)
    row = frame[(frame.respondent_id == ana.id) & (frame.spectrum == S1)].iloc[0]
    assert (row.current, row.aspiration) == (1.5, 4.5)

    db.clear_spectrum_mark(ana, S1, "current")
    frame = db.spectrum_marks(session.id)
    row = frame[(frame.respondent_id == ana.id) & (frame.spectrum == S1)].iloc[0]
    assert math.isnan(row.current) and row.aspiration == 4.5


def test_member_marks_are_one_members_own_as_plain_values(db, team):
    _d, _s, ana, ben = team
    db.save_spectrum_mark(ana, S1, "current", 2)
    db.save_spectrum_mark(ana, S1, "aspiration", 4.5)
    db.save_spectrum_mark(ana, S2, "aspiration", 1)
    db.save_spectrum_mark(ben, S1, "current", 5)
    assert db.member_marks(ana) == {S1: {"current": 2.0, "aspiration": 4.5}, S2: {"current": None, "aspiration": 1.0}}
    assert all(type(v) is float for m in db.member_marks(ana).values() for v in m.values() if v is not None)
    assert db.member_marks(ben) == {S1: {"current": 5.0, "aspiration": None}}
    db.clear_spectrum_mark(ben, S1, "current")
    assert db.member_marks(ben) in ({}, {S1: {"current": None, "aspiration": None}})
    db.ping()  # the database answers


def test_every_half_step_mark_is_accepted(db, team):
    _, session, ana, _ = team
    for i, spectrum in enumerate(SPECTRUM_IDS):
        db.save_spectrum_mark(ana, spectrum, "current", 1 + i * 0.5)
        db.save_spectrum_mark(ana, spectrum, "aspiration", 5 - i * 0.5)
    marks = marks_of(db, session.id, ana.id)
    assert marks == {s: (1 + i * 0.5, 5 - i * 0.5) for i, s in enumerate(SPECTRUM_IDS)}


@pytest.mark.parametrize("bad", [9, 0, 0.5, 5.5, -1, 2.3, float("nan"), float("inf"), "abc", "", None, True, [3]])
def test_refused_mark_changes_nothing(db, team, bad):
    _, session, ana, _ = team
    db.save_spectrum_mark(ana, S1, "current", 3)
    db.save_spectrum_mark(ana, S1, "aspiration", 4)
    before = snapshot(db, session.id)
    with pytest.raises(InvalidInput) as info:
        db.save_spectrum_mark(ana, S1, "current", bad)
    assert S1 in str(info.value)  # the message says which mark was refused
    assert snapshot(db, session.id) == before
    assert marks_of(db, session.id, ana.id) == {S1: (3.0, 4.0)}


@pytest.mark.parametrize("spectrum, field", [("no_such_spectrum", "current"), ("", "current"),
                                             (S1.upper(), "current"), (S1, "both"), (S1, "updated_at")])
def test_unknown_spectrum_or_field_is_refused(db, team, spectrum, field):
    _, session, ana, _ = team
    db.save_spectrum_mark(ana, S1, "current", 3)
    before = snapshot(db, session.id)
    with pytest.raises(InvalidInput, match="not a valid"):
        db.save_spectrum_mark(ana, spectrum, field, 4)
    assert snapshot(db, session.id) == before


# ------------------------------------------------------------------ notes

def test_member_and_team_notes_are_kept_apart(db, team):
    _, session, ana, ben = team
    db.save_note(session.id, "q1", "Ana's answer", ana)
    db.save_note(session.id, "q1", "Ben's answer", ben)
    db.save_note(session.id, "q1", "The team's agreed answer")  # respondent=None is the team
    db.save_note(session.id, "q2", "  padded  ", ana)
    assert db.note(session.id, "q1", ana) == "Ana's answer"
    assert db.note(session.id, "q1", ben) == "Ben's answer"
    assert db.note(session.id, "q1") == "The team's agreed answer"
    assert db.note(session.id, "q2", ana) == "padded"
    assert db.note(session.id, "q2") == ""  # nothing saved yet reads as empty

    frame = db.notes(session.id)
    got = sorted((r.question_id, int(r.respondent_id), r.text) for r in frame.itertuples())
    assert got == sorted([("q1", ana.id, "Ana's answer"), ("q1", ben.id, "Ben's answer"),
                          ("q1", 0, "The team's agreed answer"), ("q2", ana.id, "padded")])
    team_row = frame[frame.respondent_id == 0].iloc[0]
    assert team_row["name"] is None or (isinstance(team_row["name"], float) and math.isnan(team_row["name"]))

    db.save_note(session.id, "q1", "Ana changed her mind", ana)
    assert db.note(session.id, "q1", ana) == "Ana changed her mind"
    assert len(db.notes(session.id)) == 4  # an upsert, not a second row


def test_long_note_accepted_whole_and_too_long_refused(db, team):
    _, session, ana, _ = team
    long_text = ("Équipe 学区 — plan ✓ \n" * 600)[:10_000].rstrip() + "."
    assert len(long_text) <= 10_000
    db.save_note(session.id, "vision", long_text, ana)
    assert db.note(session.id, "vision", ana) == long_text

    at_limit = "y" * validation.NOTE_MAX
    db.save_note(session.id, "limit", at_limit)
    assert db.note(session.id, "limit") == at_limit

    before = snapshot(db, session.id)
    with pytest.raises(InvalidInput, match="20,001 characters") as info:
        db.save_note(session.id, "vision", "x" * 20_001, ana)
    assert "Nothing was saved" in str(info.value)
    assert snapshot(db, session.id) == before
    assert db.note(session.id, "vision", ana) == long_text


@pytest.mark.parametrize("bad", ["a\x00b", 42, b"bytes"])
def test_refused_note_changes_nothing(db, team, bad):
    _, session, ana, _ = team
    db.save_note(session.id, "q1", "kept", ana)
    before = snapshot(db, session.id)
    with pytest.raises(InvalidInput):
        db.save_note(session.id, "q1", bad, ana)
    assert snapshot(db, session.id) == before
    assert db.note(session.id, "q1", ana) == "kept"


@pytest.mark.parametrize("question", ["", "   ", "q" * 121, None])
def test_note_needs_a_question_id(db, team, question):
    _, session, ana, _ = team
    before = snapshot(db, session.id)
    with pytest.raises(InvalidInput):
        db.save_note(session.id, question, "text", ana)
    assert snapshot(db, session.id) == before


# ------------------------------------------------------------------ team marks

def test_team_marks_need_the_facilitator_code(db, team):
    _, session, _, _ = team
    db.save_team_mark(session, session.facilitator_code, S1, "current", 2.5)
    db.save_team_mark(session, session.facilitator_code, S1, "aspiration", 4)
    before = snapshot(db, session.id)
    for code in (session.join_code, "", None, "guess", session.facilitator_code + "x"):
        with pytest.raises(AccessDenied, match="facilitator"):
            db.save_team_mark(session, code, S1, "current", 5)
    assert snapshot(db, session.id) == before
    frame = db.team_marks(session.id)
    assert frame.to_dict("records") == [{"spectrum": S1, "current": 2.5, "aspiration": 4.0}]

    db.save_team_mark(session, session.facilitator_code, S1, "current", None)  # clearing is allowed
    row = db.team_marks(session.id).iloc[0]
    assert math.isnan(row.current) and row.aspiration == 4.0


def test_team_mark_refuses_bad_values(db, team):
    _, session, _, _ = team
    db.save_team_mark(session, session.facilitator_code, S1, "current", 3)
    before = snapshot(db, session.id)
    for bad in (9, 2.3, float("nan"), "abc"):
        with pytest.raises(InvalidInput):
            db.save_team_mark(session, session.facilitator_code, S1, "current", bad)
    with pytest.raises(InvalidInput):
        db.save_team_mark(session, session.facilitator_code, "nope", "current", 3)
    assert snapshot(db, session.id) == before


def test_one_sessions_facilitator_code_does_not_open_another_session(db, team):
    """A Session object whose id was pointed at another session (or whose code was swapped) cannot save there."""
    _, session_a, _, _ = team
    session_b = db.create_session("example-usd", "Autumn reflection", dt.date(2024, 10, 1))
    before = snapshot(db, session_b.id)
    forged = dataclasses.replace(session_a, id=session_b.id)
    with pytest.raises(AccessDenied):
        db.save_team_mark(forged, session_a.facilitator_code, S1, "current", 5)
    swapped = dataclasses.replace(session_b, facilitator_code="chosen-by-the-caller")
    with pytest.raises(AccessDenied):
        db.save_team_mark(swapped, "chosen-by-the-caller", S1, "current", 5)
    assert snapshot(db, session_b.id) == before


# ------------------------------------------------------------------ tampered respondents

def test_tampered_token_cannot_save_anything(db, team):
    _, session, ana, _ = team
    db.save_spectrum_mark(ana, S1, "current", 3)
    db.save_note(session.id, "q1", "original", ana)
    before = snapshot(db, session.id)
    forged = dataclasses.replace(ana, token="x")
    with pytest.raises(AccessDenied):
        db.save_spectrum_mark(forged, S1, "current", 5)
    with pytest.raises(AccessDenied):
        db.save_spectrum_mark(forged, S2, "aspiration", 5)
    with pytest.raises(AccessDenied):
        db.clear_spectrum_mark(forged, S1, "current")
    with pytest.raises(AccessDenied):
        db.save_note(session.id, "q1", "forged", forged)
    assert snapshot(db, session.id) == before


def test_respondent_pointing_at_another_member_cannot_save(db, team):
    _, session, ana, ben = team
    db.save_spectrum_mark(ben, S1, "current", 2)
    db.save_note(session.id, "q1", "Ben's own words", ben)
    before = snapshot(db, session.id)
    as_ben = dataclasses.replace(ana, id=ben.id)  # Ana's token, Ben's id
    with pytest.raises(AccessDenied, match="nothing was saved"):
        db.save_spectrum_mark(as_ben, S1, "current", 5)
    with pytest.raises(AccessDenied):
        db.save_note(session.id, "q1", "overwritten", as_ben)
    assert snapshot(db, session.id) == before


def test_respondent_pointing_at_another_member_cannot_rename_them(db, team):
    _, session, ana, ben = team
    before = snapshot(db, session.id)
    as_ben = dataclasses.replace(ana, id=ben.id)  # Ana's token, Ben's id
    with pytest.raises(AccessDenied):
        db.update_respondent(as_ben, name="Hijacked", role="Other")
    with pytest.raises(AccessDenied):
        db.update_respondent(dataclasses.replace(ben, token="x"), name="Hijacked")
    assert snapshot(db, session.id) == before
    assert db.respondent(ben.id).name == "Ben Example"


def test_member_cannot_write_notes_into_another_session(db, team):
    _, session, ana, _ = team
    other = db.create_session("example-usd", "Another round")
    before = snapshot(db, other.id)
    with pytest.raises(AccessDenied):
        db.save_note(other.id, "q1", "wrong session", ana)
    assert snapshot(db, other.id) == before


def test_missing_respondent_is_not_found(db, team):
    _, session, ana, _ = team
    ghost = dataclasses.replace(ana, id=ana.id + 1000)
    with pytest.raises((NotFound, AccessDenied)):
        db.save_spectrum_mark(ghost, S1, "current", 3)
    assert marks_of(db, session.id, ana.id) == {}


# ------------------------------------------------------------------ refused inputs when creating

@pytest.mark.parametrize("name", ["", "   ", None, "n" * 121])
def test_bad_member_name_is_refused_and_no_member_added(db, team, name):
    _, session, _, _ = team
    before = db.respondents(session.id)
    with pytest.raises(InvalidInput):
        db.add_respondent(session.id, name, "Teacher")
    assert db.respondents(session.id) == before


def test_unknown_role_is_refused(db, team):
    _, session, _, _ = team
    before = db.respondents(session.id)
    with pytest.raises(InvalidInput, match="roles"):
        db.add_respondent(session.id, "Cleo", "Astronaut")
    assert db.respondents(session.id) == before


@pytest.mark.parametrize("name", ["", "  ", None, "n" * 201])
def test_bad_district_name_is_refused(db, name):
    with pytest.raises(InvalidInput):
        db.create_district("example-usd", name)
    assert db.districts() == []


@pytest.mark.parametrize("slug", ["../x", "/etc", "a" * 65, "é", "a\x00b", "", "-a", "a-", "A", "a b", "a/b",
                                  "a\\b", "..", ".", "a\n", "\na", 7, None])
def test_unsafe_slugs_are_refused(db, slug):
    with pytest.raises(InvalidInput, match="not a valid district slug"):
        db.create_district(slug, "Example Unified School District")
    assert db.districts() == []


def test_longest_allowed_slug_is_accepted(db):
    slug = "a" * 64
    assert db.create_district(slug, "Long").slug == slug


# ------------------------------------------------------------------ resolve_session

def test_resolve_session_latest_by_default(db, team):
    district, first, _, _ = team
    later = db.create_session("example-usd", "Autumn reflection", dt.date(2024, 10, 1))
    earlier = db.create_session("example-usd", "Back-filled winter session", dt.date(2023, 12, 1))
    assert db.resolve_session("example-usd") == (district, later)
    assert db.resolve_session("example-usd", "") == (district, later)
    assert db.resolve_session("example-usd", first.id) == (district, first)
    assert db.resolve_session("example-usd", str(earlier.id)) == (district, earlier)


def test_resolve_session_not_found_messages_are_plain(db, team):
    district, session, _, _ = team
    db.create_district("other-district", "Other District")
    other_session = db.create_session("other-district", "Their session")

    with pytest.raises(NotFound) as info:
        db.resolve_session("no-such-district")
    assert str(info.value) == ("There is no district called 'no-such-district' in this workbook. "
                               "Check the link you were given.")

    with pytest.raises(NotFound) as info:
        db.resolve_session("example-usd", 999_999)
    assert "999999" in str(info.value) and "Traceback" not in str(info.value)

    for junk in ("abc", "0", "-3", "1.5", "1; DROP TABLE sessions"):
        with pytest.raises(NotFound) as info:
            db.resolve_session("example-usd", junk)
        assert "Check the link" in str(info.value)

    with pytest.raises(NotFound) as info:
        db.resolve_session("example-usd", other_session.id)
    assert str(info.value) == (f"Session {other_session.id} does not belong to {district.name}. "
                               "Check the link you were given.")
    assert db.sessions("example-usd") == [session]  # nothing was touched by the lookups


def test_resolve_session_of_district_without_sessions(db):
    db.create_district("empty-district", "Empty District")
    with pytest.raises(NotFound, match="Empty District has no reflection session yet"):
        db.resolve_session("empty-district")


def test_create_session_for_unknown_district(db):
    with pytest.raises(NotFound, match="no district called 'nowhere'"):
        db.create_session("nowhere", "Label")


# ------------------------------------------------------------------ passwords are never shown

def test_redact_hides_the_password():
    shown = redact("postgresql://u:secret@h/db")
    assert "secret" not in shown
    assert shown.startswith("postgresql://u:") and shown.endswith("@h/db")
    assert "s3cr3t" not in redact("postgresql+psycopg://user:s3cr3t@db.example.org:5432/workbook?sslmode=require")
    assert "secret" not in redact("postgresql://u:secret@h:notaport/db")  # unparsable: scheme only


def test_repr_of_store_hides_the_password():
    store = Store("postgresql+psycopg://workbook:hunter2-secret@127.0.0.1:1/workbook", migrate=False)
    try:
        assert "hunter2-secret" not in repr(store)
        assert "127.0.0.1" in repr(store)
        assert "hunter2-secret" not in repr(store.engine)
    finally:
        store.dispose()


def test_unreachable_database_message_hides_the_password():
    with pytest.raises(StoreUnavailable) as info:
        Store("postgresql+psycopg://workbook:hunter2-secret@127.0.0.1:1/workbook")
    assert "hunter2-secret" not in str(info.value)
    assert "nothing was saved" in str(info.value)
