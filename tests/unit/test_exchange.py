"""Data exchange on SQLite: export/import round trips, every refused input, data ownership, backup and the CLI."""

from __future__ import annotations

import argparse
import itertools
import math
import shutil
import sqlite3
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import names_chosen
from workbook import cli, exchange, ownership
from workbook.content.errors import AccessDenied, ImportRejected, InvalidInput, WorkbookError
from workbook.content.frameworks import SPECTRUM_IDS
from workbook.demo import seed_demo
from workbook.store import Store, admin
from workbook.store.schema import tables as t

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exchange"
TEAM = FIXTURES / "team"
TABLES = ("districts", "sessions", "respondents", "spectrum_marks", "team_marks", "notes", "condition_marks",
          "action_items", "plan_areas")


# ------------------------------------------------------------------ helpers shared with the storage tests
def _none(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def snapshot(store: Store, session_id: int, numbered: bool = False) -> dict:
    """Everything a session holds, keyed by member name (ids and tokens differ between stores).

    ``numbered``: keyed by 'Member 1', 'Member 2' ... in the order members joined instead.
    """
    session = store.session(session_id)
    d = store.district_by_id(session.district_id)
    people = sorted(store.respondents(session_id), key=lambda r: r.id)
    names = {r.id: f"Member {i}" if numbered else r.name for i, r in enumerate(people, start=1)}
    names[0] = ""
    sm = store.spectrum_marks(session_id)
    cm = store.condition_marks(session_id)
    notes = store.notes(session_id)
    items = store.action_items(session_id)
    return {
        "district": (d.slug, d.name, d.kind, d.schools, d.urbanicity, d.frl_percent, d.years_scaling,
                     d.engaged_percent),
        "session": (session.label, session.held_on, session.min_group_size, session.show_authors,
                    session.max_priorities),
        "members": sorted((names[r.id], r.role) for r in people),
        "spectrum_marks": sorted((names[r.respondent_id], r.spectrum, _none(r.current), _none(r.aspiration))
                                 for r in sm.itertuples()),
        "condition_marks": sorted((names[r.respondent_id], r.condition, _none(r.rating), bool(r.priority))
                                  for r in cm.itertuples()),
        "notes": sorted((names[r.respondent_id], r.question_id, r.text) for r in notes.itertuples()),
        "team_marks": sorted((r.spectrum, _none(r.current), _none(r.aspiration))
                             for r in store.team_marks(session_id).itertuples()),
        "plan_areas": store.plan_areas(session_id),
        "action_items": sorted((r.condition, r.horizon, r.position, r.text, r.timeline, r.owner, bool(r.done))
                               for r in items.itertuples()),
    }


def counts(store: Store) -> dict:
    def fn(conn):
        return {name: conn.execute(sa.select(sa.func.count()).select_from(getattr(t, name))).scalar()
                for name in TABLES}
    return store.transaction(fn)


TRICKY_NOTES = {
    "outcome.1": "Every student has a plan",
    "outcome.2": "=SUM(A1)",
    "team.na": "N/A",
    "team.lines": "Éducation — ça va\nsecond line\r\nthird",
    "team.escape": "literal _x000D_ and _x005F_ and a \x0b tab-ish \x01 control",
    "team.quote": "'=already quoted",
    "team.hash": "#N/A",
}


def full_session(store: Store) -> dict:
    """The demo team plus team notes and marks, a plan, tricky texts and a duplicated member name."""
    info = seed_demo(store)
    session = store.session(info["session"])
    code = info["facilitator"]
    for qid, text in TRICKY_NOTES.items():
        store.save_note(session.id, qid, text)
    twin = store.add_respondent(session.id, "Avery Example", "Teacher")  # same name as the superintendent
    store.save_spectrum_mark(twin, "pace", "current", 1.5)
    store.save_note(session.id, "rg2.p1", "+ plus and - minus", twin)
    plus = store.add_respondent(session.id, "@Handle Person", "Other")
    store.save_note(session.id, "rg2.p1", "N/A", plus)
    store.save_spectrum_mark(plus, "pace", "aspiration", 5)
    store.clear_spectrum_mark(plus, "pace", "aspiration")  # a row with both marks empty
    store.save_team_mark(session, code, "pace", "current", 3.5)
    store.save_team_mark(session, code, "locus_of_control", "aspiration", 4)
    store.set_plan_areas(session, code, ["time", "policies", "visioning"])
    store.add_action_item(session, code, "time", "short", "=SUM(A1)", "Q1", "@team")
    store.add_action_item(session, code, "time", "short", "-5 items", "-", "+1 lead")
    gone = store.add_action_item(session, code, "time", "short", "deleted item", "", "")
    store.update_action_item(session, code, gone, deleted=True)
    done = store.add_action_item(session, code, "policies", "long", "Rewrite the seat-time policy", "2027", "Board")
    store.update_action_item(session, code, done, done=True)
    names_chosen(store, session.id)
    return info


@pytest.fixture()
def team(store):
    return full_session(store)


@pytest.fixture()
def fresh(tmp_path):
    made = []

    def make(name="fresh"):
        s = Store(f"sqlite:///{tmp_path / (name + '.sqlite')}")
        made.append(s)
        return s
    yield make
    for s in made:
        s.dispose()


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("suffix", [".xlsx", ".zip"])
def test_round_trip_is_exact(store, team, fresh, tmp_path, suffix):
    path = tmp_path / f"session{suffix}"
    written = exchange.export_session(store, team["session"], path)
    items = len(store.action_items(team["session"]))  # the demo's plan and this test's items, deleted left out
    assert written["members"] == 10 and written["action_items"] == items
    target = fresh()
    summary = exchange.import_session(target, path)
    assert summary["members"] == 10 and summary["items"] == items
    assert snapshot(target, summary["session"]) == snapshot(store, team["session"])
    names = sorted(r.name for r in target.respondents(summary["session"]))
    assert names.count("Avery Example") == 2


def test_the_share_of_schools_engaged_travels_with_the_district(store, fresh, tmp_path):
    store.create_district("engaged-usd", "Engaged Unified (fictional)", schools=12, engaged_percent=25)
    session = store.create_session("engaged-usd", "Round 1")
    exchange.export_session(store, session.id, tmp_path / "engaged.xlsx")
    row = dict(zip(*parts_of(tmp_path / "engaged.xlsx")["session"]))
    assert row["engaged_percent"] == 25
    target = fresh()
    got = exchange.import_session(target, tmp_path / "engaged.xlsx")
    assert target.district(got["district"]).engaged_percent == 25


def test_a_sessions_number_of_priorities_travels_and_is_held_to(store, team, fresh, tmp_path):
    store.set_priorities(team["session"], 4)
    exchange.export_session(store, team["session"], tmp_path / "four.zip")
    target = fresh()
    assert target.session(exchange.import_session(target, tmp_path / "four.zip")["session"]).max_priorities == 4
    # a member with more priorities than the file's session allows: refused, and nothing written
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "session.csv").write_text("district_slug,district_name,kind,session_label,held_on,max_priorities\n"
                                        "two-usd,Two (fictional),district,Two,2026-10-01,2\n", encoding="utf-8")
    (folder / "members.csv").write_text("member,role\nAna Example,Teacher\n", encoding="utf-8")
    (folder / "condition_marks.csv").write_text("member,condition,rating,priority\nAna Example,time,3,TRUE\n"
                                                "Ana Example,policies,3,TRUE\nAna Example,visioning,3,TRUE\n",
                                                encoding="utf-8")
    empty = fresh("empty")
    with pytest.raises(ImportRejected) as refused:
        exchange.import_session(empty, folder)
    assert "condition_marks, row 4: more than 2 priorities for one member (got 'Ana Example'; allowed at most 2" \
        in str(refused.value)
    assert empty.districts() == []


def test_round_trip_via_folder_of_csvs(store, team, fresh, tmp_path):
    exchange.export_session(store, team["session"], tmp_path / "s.zip")
    with zipfile.ZipFile(tmp_path / "s.zip") as zf:
        zf.extractall(tmp_path / "folder")
    target = fresh()
    summary = exchange.import_session(target, tmp_path / "folder")
    assert snapshot(target, summary["session"]) == snapshot(store, team["session"])


_ALPHABET = st.one_of(st.sampled_from(list("=+-@'\"\t\r\n,;_x0D ")),
                      st.characters(min_codepoint=32, max_codepoint=0x10FFFF, exclude_categories=("Cs",)))
_MARKS = st.one_of(st.none(), st.sampled_from([1 + i / 2 for i in range(9)]))


def test_hypothesis_texts_and_marks_survive_export_and_import():
    counter = itertools.count()
    with tempfile.TemporaryDirectory() as folder:
        source, to_xlsx, to_zip = (Store(f"sqlite:///{folder}/{n}.sqlite") for n in ("src", "x", "z"))

        @settings(max_examples=30, deadline=None)
        @given(texts=st.lists(st.text(_ALPHABET, min_size=0, max_size=300), min_size=1, max_size=3),
               marks=st.lists(st.tuples(_MARKS, _MARKS), min_size=len(SPECTRUM_IDS), max_size=len(SPECTRUM_IDS)),
               name=st.text(_ALPHABET, min_size=1, max_size=40).filter(lambda s: s.strip()))
        def check(texts, marks, name):
            slug = f"prop-{next(counter)}"
            source.create_district(slug, "Property district")
            session = source.create_session(slug, "Round")
            member = source.add_respondent(session.id, name, "Teacher")
            for i, text in enumerate(texts):
                source.save_note(session.id, f"q{i}", text, member)
                source.save_note(session.id, f"team{i}", text)
            for sid, (cur, asp) in zip(SPECTRUM_IDS, marks):
                for field, value in (("current", cur), ("aspiration", asp)):
                    if value is not None:
                        source.save_spectrum_mark(member, sid, field, value)
            expected = snapshot(source, session.id)
            for target, suffix in ((to_xlsx, ".xlsx"), (to_zip, ".zip")):
                path = Path(folder) / f"{slug}{suffix}"
                exchange.export_session(source, session.id, path, names=True)  # the name is a text under test
                got = exchange.import_session(target, path)
                assert snapshot(target, got["session"]) == expected
        try:
            check()
        finally:
            for s in (source, to_xlsx, to_zip):
                s.dispose()


# ------------------------------------------------------------------ names: only when the session shows them
def file_text(path: Path) -> str:
    """Every part of an exported .xlsx or .zip as one text (an .xlsx is a zip of XML parts)."""
    with zipfile.ZipFile(path) as zf:
        return "\n".join(zf.read(n).decode("utf-8-sig", "replace") for n in zf.namelist())


def parts_of(path: Path) -> dict[str, list[list]]:
    """The rows of every part of an exported .xlsx (README left out), header first."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets
            if ws.title != "README"}


@pytest.mark.parametrize("suffix", [".xlsx", ".zip"])
def test_a_session_that_hides_names_exports_none(store, tmp_path, suffix):
    info = seed_demo(store)  # the demo team did not choose to show names
    session = store.session(info["session"])
    assert not session.show_authors
    people = sorted(store.respondents(session.id), key=lambda r: r.id)
    store.save_note(session.id, "rg2.p2", "A note of the sixth member", people[5])
    path = tmp_path / f"hidden{suffix}"
    exchange.export_session(store, session.id, path)
    text = file_text(path)
    for person in people:
        assert person.name not in text, person.name
        for word in person.name.split():  # 'Avery', 'Example' ...: none but the district's own word
            assert word not in text or word in store.district("example-usd").name, word
    assert "in the order they joined" in text  # the README says how members are named
    assert "Member 8" in text and "Member 9" not in text


def test_names_hidden_export_keys_every_part_by_join_order(store, tmp_path):
    info = seed_demo(store)
    session = store.session(info["session"])
    people = sorted(store.respondents(session.id), key=lambda r: r.id)
    third = people[2]
    store.save_note(session.id, "rg2.p2", "Third to join", third)
    path = tmp_path / "hidden.xlsx"
    written = exchange.export_session(store, session.id, path)
    got = parts_of(path)
    assert got["members"][1:] == [[f"Member {i}", p.role] for i, p in enumerate(people, start=1)]
    marks = store.spectrum_marks(session.id)
    mine = marks[marks["respondent_id"] == third.id]
    assert sorted(tuple(r[1:]) for r in got["spectrum_marks"][1:] if r[0] == "Member 3") == \
        sorted((r.spectrum, r.current, r.aspiration) for r in mine.itertuples())
    ratings = store.condition_marks(session.id)
    assert len([r for r in got["condition_marks"][1:] if r[0] == "Member 3"]) == \
        int((ratings["respondent_id"] == third.id).sum()) > 0
    assert ["Member 3", "rg2.p2", "Third to join"] in got["notes"]
    assert written["members"] == len(people)
    # the same file from the same session: the same numbers (nothing depends on the order rows were read)
    exchange.export_session(store, session.id, tmp_path / "again.xlsx")
    assert parts_of(tmp_path / "again.xlsx") == got


def test_names_shown_only_when_chosen(store, team, tmp_path):
    names = {r.name for r in store.respondents(team["session"])}
    # full_session's team chose to show names: its file has them by default
    exchange.export_session(store, team["session"], tmp_path / "named.zip")
    assert all(n in file_text(tmp_path / "named.zip") for n in names)
    # the facilitator may leave them out of it ...
    exchange.export_session(store, team["session"], tmp_path / "numbered.zip", names=False)
    assert not any(n in file_text(tmp_path / "numbered.zip") for n in names)
    # ... and export them from a session that hides them, explicitly
    other = Store(f"sqlite:///{tmp_path / 'hidden.sqlite'}")
    try:
        hidden = seed_demo(other)
        exchange.export_session(other, hidden["session"], tmp_path / "asked.xlsx", names=True)
        assert "Avery Example" in file_text(tmp_path / "asked.xlsx")
        with pytest.raises(InvalidInput, match="names: True, False or None"):
            exchange.export_session(other, hidden["session"], tmp_path / "x.xlsx", names="yes")
    finally:
        other.dispose()


@pytest.mark.parametrize("suffix", [".xlsx", ".zip"])
def test_a_names_hidden_file_imports_member_by_member(store, team, fresh, tmp_path, suffix):
    """'Member 3' is a key like any other: the import makes a member of that name with Member 3's own rows.

    The team has two members of one name (Avery Example): numbered, each keeps their own marks and notes.
    """
    path = tmp_path / f"numbered{suffix}"
    exchange.export_session(store, team["session"], path, names=False)
    target = fresh()
    summary = exchange.import_session(target, path)
    assert summary["members"] == 10
    got = snapshot(target, summary["session"])
    assert got == snapshot(store, team["session"], numbered=True)
    assert sorted(r.name for r in target.respondents(summary["session"])) == sorted(f"Member {i}" for i in range(1, 11))
    # exported again, the file is the same: each member keeps their number
    again = tmp_path / f"again{suffix}"
    exchange.export_session(target, summary["session"], again, names=False)
    if suffix == ".xlsx":
        first, second = parts_of(path), parts_of(again)
        assert first == second
    else:
        assert file_text(path) == file_text(again)
    # into another session of the district: added members, the same rows
    more = exchange.import_session(store, path, district_slug="example-usd")
    assert snapshot(store, more["session"], numbered=True)["spectrum_marks"] == got["spectrum_marks"]


def test_moving_a_district_keeps_the_names_of_a_session_that_hides_them(store, fresh, tmp_path):
    info = seed_demo(store)
    assert not store.session(info["session"]).show_authors
    result = exchange.export_district(store, "example-usd", tmp_path / "d.zip")
    with zipfile.ZipFile(tmp_path / "d.zip") as zf:
        zf.extract(result["files"][0], tmp_path)
    assert "Avery Example" in file_text(tmp_path / result["files"][0])
    target = fresh()
    got = exchange.import_session(target, tmp_path / result["files"][0])
    assert snapshot(target, got["session"]) == snapshot(store, info["session"])


# ------------------------------------------------------------------ file contents
def test_xlsx_neutralises_formulas_and_keeps_numbers_numeric(store, team, tmp_path):
    path = tmp_path / "s.xlsx"
    exchange.export_session(store, team["session"], path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "README"
    assert "Avishai, E. & Rabbitt, B. (2018). Look Both Ways" in wb["README"]["A1"].value
    assert "CC BY 4.0" in wb["README"]["A1"].value
    items = wb["action_items"]
    texts = {c.value: c for row in items.iter_rows(min_row=2) for c in row}
    assert texts["'=SUM(A1)"].data_type == "s"
    assert "'-5 items" in texts and "'@team" in texts and "'+1 lead" in texts and "'-" in texts
    marks = wb["spectrum_marks"]
    numeric = [row[2] for row in marks.iter_rows(min_row=2) if row[2].value is not None]
    assert numeric and all(c.data_type == "n" for c in numeric)
    positions = [row[2] for row in items.iter_rows(min_row=2)]
    assert all(c.data_type == "n" and isinstance(c.value, int) for c in positions)
    session = wb["session"]
    assert session["F2"].value == 58 and session["F2"].data_type == "n"  # frl_percent
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    notes = {row[1].value: row[2].value for row in wb["notes"].iter_rows(min_row=2)}
    assert notes["team.hash"] == "#N/A" and notes["team.quote"] == "''=already quoted"


def test_zip_csvs_have_bom_and_quote_prefix(store, team, tmp_path):
    path = tmp_path / "s.zip"
    exchange.export_session(store, team["session"], path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert names == {"README.txt"} | {f"{p}.csv" for p in exchange.COLUMNS}
        raw = zf.read("action_items.csv")
        readme = zf.read("README.txt").decode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert "'=SUM(A1)" in raw.decode("utf-8-sig")
    assert "Thomas, N. & Rabbitt, B. (2019). Innovative Learning Implementation Framework" in readme


def test_export_holds_no_codes_tokens_or_database_url(store, team, tmp_path):
    session = store.session(team["session"])
    secrets_ = [session.join_code, session.facilitator_code, store.url, Path(store.url.split("///")[1]).name]
    secrets_ += [r.token for r in store.respondents(session.id)]
    for suffix in (".xlsx", ".zip"):
        path = tmp_path / f"s{suffix}"
        exchange.export_session(store, session.id, path)
        with zipfile.ZipFile(path) as zf:  # an .xlsx is a zip too
            blob = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8", "replace") + path.read_bytes().hex()
        for secret in secrets_:
            assert secret not in blob


def test_export_refuses_other_suffixes(store, team, tmp_path):
    with pytest.raises(InvalidInput, match=r"\.xlsx or \.zip"):
        exchange.export_session(store, team["session"], tmp_path / "s.csv")


def test_neutralise_round_trip_examples():
    for text in ["=1", "+", "-5", "@a", "\tx", "\rx", "'=x", "''-x", "'abc", "", "plain", "a=b"]:
        assert exchange.unneutralise(exchange.neutralise(text)) == text
    assert exchange.neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert exchange.neutralise("'abc") == "'abc"


# ------------------------------------------------------------------ importing hand-made files
def test_team_fixture_imports(store):
    summary = exchange.import_session(store, TEAM)
    assert summary == {"district": "fixture-usd", "session": summary["session"], "members": 4, "marks": 9,
                       "notes": 3, "plan_areas": 2, "items": 2}
    snap = snapshot(store, summary["session"])
    assert snap["members"] == sorted([("Ana Example", "Teacher"), ("Ben Example", "Principal / school leader"),
                                      ("Sam Example", "Teacher leader"), ("Sam Example", "Board member")])
    assert ("Ana Example", "rg2.p1", "N/A") in snap["notes"]
    assert ("", "outcome.1", "Every student has a learning plan") in snap["notes"]
    assert ("Ben Example", "rg2.p1", 'Two lines\nand "quotes" — ça va') in snap["notes"]
    assert ("Ana Example", "pace", 4.5, None) in snap["spectrum_marks"]
    assert ("time", "short", 0, "=SUM(A1)", "Q1", "@team", False) in snap["action_items"]
    assert snap["district"] == ("fixture-usd", "Fixture Unified School District (fictional)", "district", 12, "rural",
                                41.5, 3.0, None)  # the fixture is from before the share of schools engaged


def test_bom_and_crlf_import_fine(store, tmp_path):
    folder = tmp_path / "crlf"
    folder.mkdir()
    for f in TEAM.glob("*.csv"):
        text = f.read_text(encoding="utf-8").replace("\n", "\r\n")
        (folder / f.name).write_bytes(text.encode("utf-8-sig"))
    assert b"\r\n" in (folder / "notes.csv").read_bytes()
    summary = exchange.import_session(store, folder)
    plain = exchange.import_session(store, TEAM, district_slug="fixture-usd")
    a, b = snapshot(store, summary["session"]), snapshot(store, plain["session"])
    a["notes"] = [(m, q, x.replace("\r\n", "\n")) for m, q, x in a["notes"]]
    assert a == b


def test_single_part_csv_with_role_column_into_existing_session(store, team):
    before = len(store.respondents(team["session"]))
    summary = exchange.import_session(store, FIXTURES / "spectrum_marks_with_role.csv", "example-usd",
                                      team["session"])
    assert summary["members"] == 2 and summary["marks"] == 3 and summary["session"] == team["session"]
    assert len(store.respondents(team["session"])) == before + 2
    people = {r.name: r for r in store.respondents(team["session"])}
    assert people["Other Person"].role == "Coach or partner"
    snap = snapshot(store, team["session"])
    assert ("New Person", "sharing_learning", None, 3.0) in snap["spectrum_marks"]


def test_single_part_needs_a_target_and_code_is_checked(store, team):
    with pytest.raises(InvalidInput, match="no 'session' part"):
        exchange.import_session(store, FIXTURES / "spectrum_marks_with_role.csv")
    with pytest.raises(InvalidInput, match="both the district and the session"):
        exchange.import_session(store, FIXTURES / "spectrum_marks_with_role.csv", session_id=team["session"])
    with pytest.raises(AccessDenied):
        exchange.import_session(store, FIXTURES / "spectrum_marks_with_role.csv", "example-usd", team["session"],
                                code=team["code"])  # the join code is not the facilitator's
    exchange.import_session(store, FIXTURES / "spectrum_marks_with_role.csv", "example-usd", team["session"],
                            code=team["facilitator"])


LONG = "x" * 20_001
BAD = [
    ("spectrum_marks", "member,spectrum,current\nAna Example,pace,3\n",
     ["spectrum_marks, row 1: missing column(s) aspiration"]),
    ("notes", "member,question_id,text,colour\nAna Example,q,hi,red\n", ["notes, row 1: unknown column(s) colour"]),
    ("spectrum_marks", "member,spectrum,current,aspiration\nAna Example,pace,3,4\nBen Example,pace,7,4\n",
     ["spectrum_marks, row 3: current is not a mark (got '7'; allowed 1 to 5 in steps of 0.5"]),
    ("spectrum_marks", "member,spectrum,current,aspiration\nAna Example,pace,2.3,4\n",
     ["spectrum_marks, row 2: current is not a mark (got '2.3'"]),
    ("spectrum_marks", "member,spectrum,current,aspiration\nAna Example,speed,2,4\n",
     ["spectrum_marks, row 2: spectrum unknown spectrum (got 'speed'; allowed locus_of_control"]),
    ("condition_marks", "member,condition,rating,priority\nAna Example,lunch,2,0\n",
     ["condition_marks, row 2: condition unknown condition (got 'lunch'; allowed learning_materials_and_tools"]),
    ("action_items", "condition,horizon,position,text,timeline,owner,done\ntime,someday,0,Do it,,,FALSE\n",
     ["action_items, row 2: horizon unknown horizon (got 'someday'; allowed short, medium, long)"]),
    ("members", "member,role\nAna Example,Janitor\nBen Example,Teacher\nSam Example,Teacher\n"
                "Sam Example (2),Teacher\n",
     ["members, row 2: role unknown role (got 'Janitor'; allowed Superintendent"]),
    ("notes", "member,question_id,text\nZed Nobody,q,hello\n",
     ["notes, row 2: member is not in members (got 'Zed Nobody'"]),
    ("spectrum_marks", "member,spectrum,current,aspiration\nAna Example,pace,3,4\nAna Example,pace,2,4\n",
     ["spectrum_marks, row 3: duplicate member and spectrum (got 'Ana Example / pace'", "first at row 2"]),
    ("condition_marks", "member,condition,rating,priority\nAna Example,time,3,0\nAna Example,time,2,0\n",
     ["condition_marks, row 3: duplicate member and condition"]),
    ("notes", "member,question_id,text\nAna Example,q,hi\nAna Example,q,again\n",
     ["notes, row 3: duplicate member and question_id"]),
    ("condition_marks", "member,condition,rating,priority\nAna Example,time,3,TRUE\nAna Example,policies,3,1\n"
                        "Ana Example,visioning,3,true\nAna Example,communications,3,TRUE\n",
     ["condition_marks, row 5: more than 3 priorities for one member (got 'Ana Example'; allowed at most 3"]),
    ("notes", f"member,question_id,text\nAna Example,q,{LONG}\n",
     ["notes, row 2: text is too long (20,001 characters)", "allowed at most 20,000 characters"]),
    ("action_items", f"condition,horizon,position,text,timeline,owner,done\ntime,short,0,{'y' * 2001},,,0\n",
     ["action_items, row 2: text is too long (2,001 characters)"]),
    ("condition_marks", "member,condition,rating,priority\nAna Example,time,3,maybe\n",
     ["condition_marks, row 2: priority is not TRUE or FALSE (got 'maybe'"]),
    ("session", "district_slug,district_name,kind,session_label,held_on,max_priorities\n"
                "new-usd,X,district,L,2025-10-01,0\n",
     ["session, row 2: max_priorities", "(got '0'; allowed 1 to 16)"]),
    ("session", "district_slug,district_name,kind,session_label,held_on\nBad Slug,X,district,L,2025-13-01\n",
     ["session, row 2: district_slug bad slug (got 'Bad Slug'", "session, row 2: held_on is not valid"]),
    ("plan_areas", "position,condition\n0,time\n1,time\n", ["plan_areas, row 3: duplicate condition"]),
    ("session", "district_slug,district_name,kind,session_label,held_on,engaged_percent\n"
                "new-usd,X,district,L,2025-10-01,120\n",
     ["session, row 2: engaged_percent is not valid (got '120'; allowed 0 to 100 or empty)"]),
]


def _team_with(tmp_path, part: str, content) -> Path:
    folder = tmp_path / "team"
    shutil.copytree(TEAM, folder)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    (folder / f"{part}.csv").write_bytes(data)
    return folder


@pytest.mark.parametrize("part,content,expected", BAD, ids=[f"{i}-{b[0]}" for i, b in enumerate(BAD)])
def test_bad_rows_are_reported_and_nothing_is_imported(store, tmp_path, part, content, expected):
    folder = _team_with(tmp_path, part, content)
    before = counts(store)
    with pytest.raises(ImportRejected) as caught:
        exchange.import_session(store, folder)
    text = "\n".join(caught.value.problems)
    for piece in expected:
        assert piece in text
    assert str(folder) in str(caught.value)
    assert counts(store) == before


def test_not_utf8_csv_is_named(store, tmp_path):
    folder = _team_with(tmp_path, "notes", (FIXTURES / "notes_cp1252.csv").read_bytes())
    (folder / "team_marks.csv").write_text("spectrum,current,aspiration\npace,6,\n")
    before = counts(store)
    with pytest.raises(ImportRejected) as caught:
        exchange.import_session(store, folder)
    assert caught.value.problems[0].startswith("notes: not UTF-8 text: save it as 'CSV UTF-8' (got byte 0xC9")
    assert caught.value.problems[1].startswith("team_marks, row 2: current is not a mark (got '6'")
    (folder / "session.csv").write_bytes("district_slug\nfixture-usd\n".encode("cp1252") + b"\xe9")
    with pytest.raises(ImportRejected, match="session: not UTF-8"):
        exchange.import_session(store, folder)
    assert counts(store) == before


def test_every_problem_is_collected(store, tmp_path):
    folder = _team_with(tmp_path, "spectrum_marks", "member,spectrum,current,aspiration\nAna Example,pace,9,1\n"
                                                    "Nobody,pace,1,1\nAna Example,speed,1,0\n")
    (folder / "notes.csv").write_text("member,question_id,text\nAna Example,q,a\nAna Example,q,b\n")
    with pytest.raises(ImportRejected) as caught:
        exchange.import_session(store, folder)
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "spectrum_marks, row 2", "spectrum_marks, row 4", "spectrum_marks, row 4", "spectrum_marks, row 3",
        "notes, row 3"]
    assert counts(store) == {name: 0 for name in TABLES}


def test_existing_slug_is_refused_and_unknown_parts_named(store, tmp_path):
    exchange.import_session(store, TEAM)
    before = counts(store)
    with pytest.raises(ImportRejected, match="session, row 2: district_slug already exists"):
        exchange.import_session(store, TEAM)
    folder = _team_with(tmp_path, "colours", "a,b\n1,2\n")
    with pytest.raises(ImportRejected, match="colours.csv: unknown part"):
        exchange.import_session(store, folder)
    assert counts(store) == before


def test_failure_midway_leaves_nothing(store, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(admin, "_bulk", boom)
    with pytest.raises(RuntimeError):
        exchange.import_session(store, TEAM)
    assert counts(store) == {name: 0 for name in TABLES}


def test_xlsx_edited_by_hand_imports(store, team, fresh, tmp_path):
    """Excel turns TRUE into a boolean, numbers into numbers and dates into dates; all are accepted."""
    path = tmp_path / "s.xlsx"
    exchange.export_session(store, team["session"], path)
    wb = openpyxl.load_workbook(path)
    import datetime as dt
    wb["session"]["I2"] = dt.datetime(2026, 10, 15)
    wb["condition_marks"]["D2"] = 1
    wb["members"].append([None, None])  # an empty row is skipped
    wb.save(path)
    target = fresh()
    summary = exchange.import_session(target, path)
    assert snapshot(target, summary["session"])["session"][1] == dt.date(2026, 10, 15)
    wb["spectrum_marks"]["C2"] = "=2+1"
    wb.save(path)
    with pytest.raises(ImportRejected, match="spectrum_marks, row 2: current is not a mark"):
        exchange.import_session(fresh("other"), path)


# ------------------------------------------------------------------ data ownership
def test_delete_district_removes_everything_of_it_and_nothing_else(store, team):
    other = exchange.import_session(store, TEAM)
    kept = snapshot(store, other["session"])
    total = counts(store)
    removed = ownership.delete_district(store, "example-usd")
    assert removed["districts"] == 1 and removed["respondents"] == 10 and removed["spectrum_marks"] > 50
    after = counts(store)
    for name in TABLES:
        assert total[name] - after[name] == removed[name]
    assert snapshot(store, other["session"]) == kept
    with pytest.raises(WorkbookError):
        store.district("example-usd")


def test_export_district_one_workbook_per_session(store, team, fresh, tmp_path):
    store.create_session("example-usd", "Spring follow-up")
    result = exchange.export_district(store, "example-usd", tmp_path / "d.zip")
    assert result["sessions"] == 2
    with zipfile.ZipFile(tmp_path / "d.zip") as zf:
        names = zf.namelist()
        assert "README.txt" in names and len([n for n in names if n.endswith(".xlsx")]) == 2
        zf.extract(result["files"][0], tmp_path)
    target = fresh()
    got = exchange.import_session(target, tmp_path / result["files"][0])
    assert snapshot(target, got["session"]) == snapshot(store, team["session"])
    with pytest.raises(ImportRejected, match="import each .xlsx"):
        exchange.import_session(target, tmp_path / "d.zip")


def test_backup_while_another_thread_writes(store, team, tmp_path):
    session = team["session"]
    store.save_note(session, "before.backup", "committed before the backup")
    stop = threading.Event()
    written = []

    def writer():
        other = Store(store.url)
        i = 0
        while not stop.is_set():
            other.save_note(session, f"busy.{i}", "x" * 500)
            written.append(i)
            i += 1
        other.dispose()
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        result = ownership.backup(store, tmp_path / "backup.sqlite")
    finally:
        stop.set()
        thread.join()
    assert result["bytes"] > 0
    con = sqlite3.connect(tmp_path / "backup.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        row = con.execute("SELECT text FROM notes WHERE question_id = 'before.backup'").fetchone()
        assert row == ("committed before the backup",)
        assert con.execute("SELECT count(*) FROM notes WHERE question_id LIKE 'busy.%'").fetchone()[0] >= 5
    finally:
        con.close()
    assert not list(tmp_path.glob("*.partial"))
    with pytest.raises(InvalidInput, match="live database"):
        ownership.backup(store, store.url.split("///")[1])


# ------------------------------------------------------------------ command line
def _parser():
    parser = argparse.ArgumentParser(prog="workbook")
    parser.add_argument("--db")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.add_data_commands(sub)
    return parser


def _run(argv, capsys):
    args = _parser().parse_args(argv)
    assert args.fn(args) == 0
    return capsys.readouterr().out.strip()


def test_cli_end_to_end(store, team, tmp_path, capsys):
    db, other = store.url, f"sqlite:///{tmp_path / 'other.sqlite'}"
    out = _run(["--db", db, "export", "--district", "example-usd", "--out", str(tmp_path / "s.xlsx")], capsys)
    assert out.startswith("export: wrote example-usd session") and "\n" not in out
    _run(["--db", db, "export", "--district", "example-usd", "--session", str(team["session"]),
          "--out", str(tmp_path / "s.zip")], capsys)
    out = _run(["--db", other, "import", str(tmp_path / "s.xlsx")], capsys)
    assert out.startswith("import: 10 members") and "example-usd" in out
    out = _run(["--db", other, "import", str(FIXTURES / "spectrum_marks_with_role.csv"), "--district", "example-usd",
                "--session", "1"], capsys)
    assert out.startswith("import: 2 members")
    out = _run(["--db", db, "district", "export", "example-usd", "--out", str(tmp_path / "d.zip")], capsys)
    assert "1 session(s)" in out and (tmp_path / "d.zip").exists()
    out = _run(["--db", db, "backup", "--out", str(tmp_path / "b.sqlite")], capsys)
    assert out.startswith("backup: wrote")
    args = _parser().parse_args(["--db", db, "district", "delete", "example-usd"])
    with pytest.raises(WorkbookError, match="--yes"):
        args.fn(args)
    assert store.district("example-usd")
    out = _run(["--db", db, "district", "delete", "example-usd", "--yes"], capsys)
    assert out.startswith("district delete: removed example-usd (1 session(s), 10 member(s)")
    assert counts(store)["respondents"] == 0
    args = _parser().parse_args(["--db", other, "import", str(tmp_path / "s.xlsx")])
    with pytest.raises(ImportRejected, match="already exists"):
        args.fn(args)
