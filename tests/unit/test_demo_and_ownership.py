"""The demo data is fictional and marked so; a district's data can be deleted and an SQLite store backed up."""

from __future__ import annotations

import sqlite3

import pytest

from workbook import demo, ownership
from workbook.content.errors import InvalidInput, NotFound, WorkbookError
from workbook.store import Store


def test_the_demo_district_is_fictional_complete_and_the_same_every_time(tmp_path):
    def seeded(name):
        store = Store(f"sqlite:///{tmp_path / name}")
        codes = demo.seed_demo(store)
        return store, codes

    a, codes = seeded("a.sqlite")
    b, _ = seeded("b.sqlite")
    district = a.district(codes["district"])
    assert district.synthetic and "fictional" in district.name.lower()
    members = a.respondents(codes["session"])
    assert len(members) == len(demo.DEMO_MEMBERS) == 8
    marks = a.spectrum_marks(codes["session"])
    assert marks["current"].notna().all() and marks["aspiration"].notna().all() and len(marks) == 8 * 7
    # the same seed gives the same marks (the screenshots and stored notebooks rely on it)
    other = b.spectrum_marks(b.sessions(codes["district"])[0].id)
    assert marks[["spectrum", "current", "aspiration"]].values.tolist() == \
        other[["spectrum", "current", "aspiration"]].values.tolist()
    assert not demo.is_empty(a)
    a.dispose(), b.dispose()


def test_a_fictional_network_is_marked_synthetic_and_not_added_twice(store):
    assert demo.seed_network(store, districts=3, members=4, sessions=2) == 3
    assert demo.seed_network(store, districts=3, members=4, sessions=2) == 0
    network = [d for d in store.districts() if d.slug.startswith("network-")]
    assert len(network) == 3 and all(d.synthetic and "Fictional" in d.name for d in network)


def test_fictional_systems_have_plausible_shares_of_schools_engaged(store):
    demo.seed_demo(store)
    assert demo.seed_network(store, districts=40, members=2, sessions=1) == 40
    districts = store.districts()
    example = store.district(demo.DEMO_SLUG)
    assert example.engaged_percent == pytest.approx(100 * 9 / example.schools)  # 9 of its 24 schools
    network = [d for d in districts if d.slug.startswith("network-")]
    for d in network:
        assert 0 < d.engaged_percent <= 100, d
        engaged = d.engaged_percent * d.schools / 100  # a whole number of the system's schools
        assert engaged == pytest.approx(round(engaged), abs=0.06), d
    by_years: dict = {}
    for d in network:
        by_years.setdefault(d.years_scaling, []).append(d.engaged_percent)
    mean = {y: sum(v) / len(v) for y, v in by_years.items()}
    assert mean[min(mean)] < mean[max(mean)]  # systems scaling longer have more of their schools engaged
    assert len({d.engaged_percent for d in network}) > 10


def test_shares_of_schools_engaged_leave_every_other_fictional_value_as_it_was(tmp_path, monkeypatch):
    """The shares come from a stream of their own: the network (and the stored notebooks) otherwise stay put."""
    def network(name):
        store = Store(f"sqlite:///{tmp_path / name}")
        demo.seed_network(store, districts=6, members=3, sessions=2)
        fields = [(d.slug, d.kind, d.schools, d.urbanicity, d.frl_percent, d.years_scaling, d.engaged_percent)
                  for d in store.districts()]
        marks = store.network_marks()[["district", "spectrum", "current"]].values.tolist()
        store.dispose()
        return fields, marks

    first = network("first.sqlite")

    def greedy(years, schools, rng):  # shares drawn another way, with many more draws
        return round(sum(rng.random() for _ in range(7)) / 7 * 100, 1)
    monkeypatch.setattr(demo, "engaged_share", greedy)
    other = network("other.sqlite")
    assert [f[:-1] for f in first[0]] == [f[:-1] for f in other[0]]
    assert first[1] == other[1]
    assert [f[-1] for f in first[0]] != [f[-1] for f in other[0]]


def test_deleting_a_district_removes_its_sessions_and_members(store):
    codes = demo.seed_demo(store)
    deleted = ownership.delete_district(store, codes["district"])
    assert deleted and sum(deleted.values()) > 8
    with pytest.raises(NotFound):
        store.district(codes["district"])


def test_a_backup_is_a_consistent_copy_and_never_the_live_file(tmp_path):
    live = tmp_path / "live.sqlite"
    store = Store(f"sqlite:///{live}")
    codes = demo.seed_demo(store)
    out = ownership.backup(store, tmp_path / "copy.sqlite")
    assert out["bytes"] > 0
    with sqlite3.connect(tmp_path / "copy.sqlite") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = Store(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    assert len(restored.respondents(codes["session"])) == 8
    with pytest.raises(InvalidInput, match="live database"):
        ownership.backup(store, live)
    restored.dispose(), store.dispose()


def test_backup_says_what_to_use_for_postgresql():
    class Fake:
        class engine:
            class dialect:
                name = "postgresql"

    with pytest.raises(WorkbookError, match="pg_dump"):
        ownership.backup(Fake(), "x.sqlite")
