"""Network overview for coaches: peers and segments on hand-built cases, the coach's page, filters, movement."""

from __future__ import annotations

import math
import re
import shutil
from html import escape

import numpy as np
import pandas as pd
import pytest

from tests.helpers import drawn
from workbook import analysis, charts
from workbook.apps.network_overview import MIN_MEMBERS, NetworkOverview, network_overview
from workbook.content.frameworks import SPECTRUM_IDS
from workbook.demo import seed_network
from workbook.store import Store
from workbook.store.schema import tables as t

NAN = np.nan


# ------------------------------------------------------------ analysis.peers on a hand-built network

@pytest.fixture()
def hand_built() -> pd.DataFrame:
    rows = {
        #      seven spectra, in SPECTRUM_IDS order
        "a": [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, NAN],
        "b": [4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0],   # +1 on the six spectra a marked -> 1.0
        "c": [1.0, 4.5, NAN, NAN, NAN, NAN, NAN],   # -2, +1.5 on two spectra -> sqrt(6.25 / 2)
        "d": [NAN, NAN, NAN, NAN, NAN, NAN, 2.0],   # nothing in common with a -> skipped
        "e": [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 5.0],   # -1 on six spectra -> 1.0, tie with b (b first by slug)
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(SPECTRUM_IDS)).rename_axis("district")


def test_peers_exact_distances(hand_built):
    got = analysis.peers(hand_built, "a", k=5)
    assert list(got.columns) == ["district", "distance", "spectra", "shared"]
    assert list(got["district"]) == ["b", "e", "c"]
    assert got["distance"].tolist() == pytest.approx([1.0, 1.0, math.sqrt(6.25 / 2)])
    assert got["spectra"].tolist() == [6, 6, 2]
    assert got["shared"].tolist() == ["", "", ""]


def test_peers_k_and_symmetry(hand_built):
    assert list(analysis.peers(hand_built, "a", k=2)["district"]) == ["b", "e"]
    # from c's side: a and b share two spectra; e shares two as well
    from_c = analysis.peers(hand_built, "c", k=5).set_index("district")
    assert from_c.loc["a", "distance"] == pytest.approx(math.sqrt(6.25 / 2))
    assert from_c.loc["b", "distance"] == pytest.approx(math.sqrt((9 + 0.25) / 2))
    assert "d" not in from_c.index


def test_peers_shared_segments(hand_built):
    seg = pd.DataFrame({"kind": ["district", "district", "cmo", None, "district"],
                        "size": ["1-9 schools", "10-24 schools", "1-9 schools", None, "1-9 schools"]},
                       index=list("abcde"))
    got = analysis.peers(hand_built, "a", k=5, segments=seg).set_index("district")["shared"]
    assert got["b"] == "kind: district"
    assert got["e"] == "kind: district, size: 1-9 schools"
    assert got["c"] == "size: 1-9 schools"


def test_peers_unknown_district(hand_built):
    with pytest.raises(KeyError):
        analysis.peers(hand_built, "zzz")


# ------------------------------------------------------------ analysis.segments: the survey's own names and bands

def _table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"kind": ["district"] * n, "schools": [None] * n, "urbanicity": [None] * n, "frl_percent": [None] * n,
            "years_scaling": [None] * n, "engaged_percent": [None] * n}
    base.update(columns)
    return pd.DataFrame(base, index=[f"d{i}" for i in range(n)])


@pytest.mark.parametrize(("schools", "band"), [
    (1, "1–9 schools"), (9, "1–9 schools"), (10, "10–24 schools"), (24, "10–24 schools"), (25, "25–59 schools"),
    (59, "25–59 schools"), (60, "60–100 schools"), (99, "60–100 schools"), (100, "60–100 schools"),
    (101, "over 100 schools"), (600, "over 100 schools"), (5000, "over 100 schools")])
def test_segments_size_bands(schools, band):
    """The survey's "Larger systems (60–100 schools)" and "systems with over 100 schools"."""
    assert analysis.segments(_table(schools=[schools]))["size"].iloc[0] == band


@pytest.mark.parametrize(("frl", "band"), [
    (0, "<10% FRL"), (9.9, "<10% FRL"), (10, "10–24% FRL"), (24.9, "10–24% FRL"), (25, "25–49% FRL"),
    (49.5, "25–49% FRL"), (50, "50–74% FRL"), (74.9, "50–74% FRL"), (75, "75–100% FRL"), (100, "75–100% FRL")])
def test_segments_frl_bands(frl, band):
    """The survey's "(<10%)" and "(75–100% FRL)", and ">50–99%" for the two bands above 50."""
    assert analysis.segments(_table(frl_percent=[frl]))["frl"].iloc[0] == band


@pytest.mark.parametrize(("years", "band"), [
    (0, "under 1 year"), (0.5, "under 1 year"), (1, "1 year"), (2, "2 years"), (3, "3+ years"), (10, "3+ years")])
def test_segments_years_bands(years, band):
    assert analysis.segments(_table(years_scaling=[years]))["years"].iloc[0] == band


@pytest.mark.parametrize(("engaged", "band"), [
    (0, "under 10% of schools engaged"), (9.5, "under 10% of schools engaged"), (10, "10–25% of schools engaged"),
    (25, "10–25% of schools engaged"), (25.5, "26–50% of schools engaged"), (50, "26–50% of schools engaged"),
    (51, "51–75% of schools engaged"), (75, "51–75% of schools engaged"), (76, "76–100% of schools engaged"),
    (100, "76–100% of schools engaged")])
def test_segments_engaged_bands(engaged, band):
    """The survey's "10–25% of schools engaged" includes 25: the next band starts above it."""
    assert analysis.segments(_table(engaged_percent=[engaged]))["engaged"].iloc[0] == band


def test_segments_missing_values_stay_missing():
    table = _table(schools=[9, None], frl_percent=[75, None], years_scaling=[None, 1], urbanicity=["rural", None],
                   kind=["cmo", "district"], engaged_percent=[None, 40])
    seg = analysis.segments(table)
    assert list(seg.columns) == ["kind", "size", "urbanicity", "frl", "years", "engaged"]
    assert seg.loc["d0"].tolist() == ["CMO", "1–9 schools", "Rural", "75–100% FRL", None, None]
    assert seg.loc["d1", "size"] is None and seg.loc["d1", "frl"] is None and seg.loc["d1", "urbanicity"] is None
    assert seg.loc["d1", "years"] == "1 year" and seg.loc["d1", "kind"] == "District"
    assert seg.loc["d1", "engaged"] == "26–50% of schools engaged"
    # a store without the share of schools engaged yet: the segment is there, empty
    assert analysis.segments(table.drop(columns="engaged_percent"))["engaged"].tolist() == [None, None]


def test_segment_names_and_order_are_the_surveys():
    assert analysis.SEGMENT_NAMES == {"kind": "System", "size": "System size", "urbanicity": "Schools served",
                                      "frl": "Free-and-reduced lunch", "years": "Years scaling",
                                      "engaged": "Schools engaged"}
    every = _table(kind=["district"] * 5, schools=[1, 10, 25, 60, 101], frl_percent=[0, 10, 25, 50, 75],
                   years_scaling=[0, 1, 2, 3, 3], engaged_percent=[0, 10, 26, 51, 76],
                   urbanicity=["urban", "suburban", "rural", "mixed", "mixed"])
    seg = analysis.segments(every)
    for key in ("size", "frl", "engaged"):
        assert tuple(seg[key]) == analysis.SEGMENT_ORDER[key], key  # one district per band, in band order
    assert tuple(seg["urbanicity"].iloc[:4]) == analysis.SEGMENT_ORDER["urbanicity"]


# ------------------------------------------------------------ the coach's page on a seeded network

def add_team(store: Store, slug: str, name: str, members: int, current: float = 3.0, **district) -> None:
    """A district with one session of ``members`` members who marked every spectrum (now) at ``current``."""
    store.create_district(slug, name, **district)
    session = store.create_session(slug, "Round 1", min_group_size=5)
    for m in range(members):
        member = store.add_respondent(session.id, f"Person {m + 1}", "Teacher leader")
        for sid in SPECTRUM_IDS:
            store.save_spectrum_mark(member, sid, "current", current)


@pytest.fixture(scope="module")
def network_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("network") / "workbook.sqlite"
    s = Store(f"sqlite:///{path}")
    assert seed_network(s, districts=12, members=6, sessions=2) == 12
    add_team(s, "small-team", "Too Small To Show", members=MIN_MEMBERS - 1, schools=5)
    s.coach_code()  # made once, before the copies
    s.dispose()
    return path


@pytest.fixture()
def store(network_db, tmp_path):
    target = tmp_path / "workbook.sqlite"
    shutil.copyfile(network_db, target)
    s = Store(f"sqlite:///{target}")
    yield s
    s.dispose()


@pytest.fixture()
def page(store, content) -> NetworkOverview:
    p = network_overview(store, {"code": store.coach_code()}, content=content)
    assert isinstance(p, NetworkOverview), repr(p)
    return p


def box(page):
    boxes = [t for t in drawn(page.plot).data if t.type == "box"]
    assert len(boxes) == 1
    return boxes[0]


def shown_count(page) -> tuple[int, int]:
    m = re.search(r"Showing <strong>(\d+)</strong> of (\d+) district", page.summary.value)
    assert m, page.summary.value
    return int(m.group(1)), int(m.group(2))


NETWORK = [f"network-{i:04d}" for i in range(1, 13)]


def test_overview_builds_with_the_coach_code(page):
    assert repr(page).startswith(f"<Network overview: 12 district(s) with at least {MIN_MEMBERS} members · 2 charts")
    assert sorted(page.pathways.index) == NETWORK
    assert shown_count(page) == (12, 12)
    assert "a district shows once 5 members have charted" in page.summary.value
    b = box(page)
    assert len(b.x) == 12 * len(SPECTRUM_IDS)
    assert set(b.text) == set(NETWORK)
    assert page.movement.layout.display == "none"
    assert "Pick a district" in page.peers.value


def test_districts_with_too_few_members_are_left_out(page):
    assert "small-team" in page.table.index
    assert "small-team" not in page.pathways.index
    assert "small-team" not in set(box(page).text)
    assert "small-team" not in [value for _label, value in page.district.options]
    assert [value for _label, value in page.district.options] == [""] + NETWORK


@pytest.mark.parametrize("params", [{}, {"code": ""}, {"code": "wrong"}, {"code": None}, {"district": "network-0001"}])
def test_wrong_or_missing_code_gives_the_error_page(store, content, params):
    p = network_overview(store, params, content=content)
    assert not isinstance(p, NetworkOverview)
    assert "coach's link" in repr(p)
    assert "Fictional District" not in repr(p)


def test_code_from_the_query_string(store, content, monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert not isinstance(network_overview(store, content=content), NetworkOverview)
    monkeypatch.setenv("QUERY_STRING", f"code={store.coach_code()}&district=network-0003")
    p = network_overview(store, content=content)
    assert isinstance(p, NetworkOverview)
    assert p.district.value == "network-0003"


def test_trusted_skips_the_code(store, content):
    p = network_overview(store, {}, content=content, trusted=True, highlight="network-0002")
    assert isinstance(p, NetworkOverview)
    assert p.district.value == "network-0002"


def test_store_from_db_url(network_db, content):
    p = network_overview(db_url=f"sqlite:///{network_db}", params={}, content=content, trusted=True)
    assert isinstance(p, NetworkOverview)
    p.store.dispose()


def test_unknown_highlight_is_ignored(store, content):
    p = network_overview(store, {"code": store.coach_code(), "district": "small-team"}, content=content)
    assert isinstance(p, NetworkOverview)
    assert p.district.value == ""


@pytest.mark.parametrize("key", ["kind", "size", "urbanicity", "frl", "years", "engaged"])
def test_each_filter_reduces_the_shown_set(page, key):
    seg = page.segments.loc[page.pathways.index]
    counts = seg[key].value_counts()
    value = counts.index[-1]  # the rarest value, so the filter leaves fewer than all
    expected = set(seg.index[seg[key] == value])
    assert 0 < len(expected) < 12
    page.filters[key].value = value
    assert shown_count(page) == (len(expected), 12)
    b = box(page)
    assert len(b.x) == len(expected) * len(SPECTRUM_IDS)
    assert set(b.text) == expected
    page.filters[key].value = ""
    assert shown_count(page) == (12, 12)


def test_filters_are_the_surveys_segments_in_band_order(page):
    assert [dd.description for dd in page.filters.values()] == [
        "System", "System size", "Schools served", "Free-and-reduced lunch", "Years scaling", "Schools engaged"]
    for key, dd in page.filters.items():
        values = [v for _label, v in dd.options][1:]
        present = set(page.segments[key].dropna())
        assert set(values) == present and len(values) > 1, key
        order = analysis.SEGMENT_ORDER[key]
        assert values == sorted(values, key=order.index), key
    # the fictional network has a share of schools engaged for every district
    assert page.segments.loc[NETWORK, "engaged"].notna().all()
    assert set(page.segments.loc[NETWORK, "engaged"]) <= set(analysis.SEGMENT_ORDER["engaged"])


def test_peers_name_the_segments_in_common_as_the_survey_does(page):
    page.district.value = "network-0004"
    shared = re.findall(r"<tr><th scope='row'>.*?</th><td>.*?</td><td>(.*?)</td></tr>", page.peers.value)
    said = [part.split(": ")[0] for cell in shared if cell != "—" for part in cell.split(", ")]
    assert said and set(said) <= set(analysis.SEGMENT_NAMES.values())


def test_two_filters_combine(page):
    seg = page.segments.loc[page.pathways.index]
    kind = seg["kind"].value_counts().index[0]
    within = seg[seg["kind"] == kind]
    urb = within["urbanicity"].iloc[0]
    expected = set(within.index[within["urbanicity"] == urb])
    page.filters["kind"].value = kind
    page.filters["urbanicity"].value = urb
    assert shown_count(page) == (len(expected), 12)
    assert set(box(page).text) == expected


def test_filters_that_leave_nobody(page):
    seg = page.segments.loc[page.pathways.index]
    pairs = {(k, u) for k, u in zip(seg["kind"], seg["urbanicity"])}
    empty = next(((k, u) for k in seg["kind"].unique() for u in seg["urbanicity"].unique() if (k, u) not in pairs),
                 None)
    if empty is None:
        pytest.skip("every kind/setting pair occurs in this seeded network")
    page.filters["kind"].value, page.filters["urbanicity"].value = empty
    assert shown_count(page) == (0, 12)
    assert len(box(page).x) == 0


def test_choosing_a_district_highlights_it_with_peers_and_movement(page, store, content):
    slug = "network-0004"
    page.district.value = slug
    fig = drawn(page.plot)
    names = [t.name for t in fig.data]
    assert slug in names
    assert names.count("Peer") == 5
    expected = analysis.peers(page.pathways, slug, k=5, segments=page.named_segments())
    assert len(expected) == 5 and slug not in set(expected["district"])
    rows = re.findall(r"<tr><th scope='row'>(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>", page.peers.value)
    assert len(rows) == 5
    names_by_slug = page.table["name"].to_dict()
    assert rows == [(escape(names_by_slug[r.district]), f"{r.distance:.2f}", escape(r.shared or "—"))
                    for r in expected.itertuples()]
    assert any(r.shared for r in expected.itertuples()), "no peer shares a segment: the check above proves little"
    assert f"Most similar peers of {escape(names_by_slug[slug])}" in page.peers.value
    # the highlighted district's line is its own median pathway
    line = next(t for t in fig.data if t.name == slug)
    assert list(line.x) == pytest.approx(page.pathways.loc[slug, list(SPECTRUM_IDS)].tolist())

    assert page.movement.layout.display == ""
    mv = drawn(page.movement)
    assert mv.layout.title.text == "Movement: Round 1 → Round 2"
    sessions = store.sessions(slug)
    assert [s.label for s in sessions] == ["Round 1", "Round 2"]
    moved = analysis.change(store.spectrum_marks(sessions[0].id), store.spectrum_marks(sessions[-1].id))
    before = next(t for t in mv.data if t.name == "Now, earlier")
    after = next(t for t in mv.data if t.name == "Now, later")
    assert list(before.x) == pytest.approx(moved["current_before"].tolist())
    assert list(after.x) == pytest.approx(moved["current_after"].tolist())
    assert moved["current_after"].tolist() != moved["current_before"].tolist()

    page.district.value = ""
    assert page.movement.layout.display == "none"
    assert [t.name for t in drawn(page.plot).data].count("Peer") == 0


def test_peers_come_from_the_filtered_set(page):
    seg = page.segments.loc[page.pathways.index]
    slug = "network-0001"
    other = next(k for k in seg["kind"].value_counts().index if k != seg.loc[slug, "kind"])
    page.filters["kind"].value = other
    page.district.value = slug
    pool = set(seg.index[seg["kind"] == other])
    rows = re.findall(r"<tr><th scope='row'>(.*?)</th>", page.peers.value)
    names = page.table["name"].to_dict()
    assert 0 < len(rows) <= 5
    assert set(rows) <= {escape(names[s]) for s in pool}
    # the chosen district is compared with the filtered set (its peers are drawn), so its own line must be drawn too
    assert slug in [t.name for t in drawn(page.plot).data], "peers are drawn but the chosen district is not"


def test_district_names_with_markup_are_escaped(store, content):
    evil = "<img src=x onerror=alert(1)> & <script>alert(1)</script>"
    add_team(store, "evil-one", evil, members=5, current=2.0)
    add_team(store, "evil-two", "Peer </script><b>bold</b>", members=5, current=2.5)
    p = network_overview(store, {"code": store.coach_code(), "district": "evil-one"}, content=content)
    assert isinstance(p, NetworkOverview)
    html_out = p.peers.value
    assert "<img src=x" not in html_out and "<script>" not in html_out and "</script>" not in html_out
    assert "<b>bold</b>" not in html_out
    assert f"Most similar peers of {escape(evil)}" in html_out
    assert f"<th scope='row'>{escape('Peer </script><b>bold</b>')}</th>" in html_out


# ------------------------------------------------------------ stored summaries and a large network

def test_page_pathways_equal_the_medians_of_every_mark(page, store):
    slow = analysis.network_pathways(store.network_marks(), MIN_MEMBERS)
    pd.testing.assert_frame_equal(page.pathways, slow, check_names=False)


def test_saving_a_mark_changes_the_overview(store, content):
    code = {"code": store.coach_code()}
    first = network_overview(store, code, content=content)
    slug, pace = "network-0007", "pace"
    before = first.pathways.loc[slug, pace]
    target = 1.0 if before > 1.0 else 5.0
    latest = store.sessions(slug)[-1]
    for member in store.respondents(latest.id):
        store.save_spectrum_mark(member, pace, "current", target)
    again = network_overview(store, code, content=content)
    assert again.pathways.loc[slug, pace] == target != before
    b = box(again)
    points = {(str(s), str(y)): x for s, y, x in zip(b.text, b.y, b.x)}
    assert points[(slug, "Pace")] == target
    others = first.pathways.drop(index=slug)
    pd.testing.assert_frame_equal(again.pathways.drop(index=slug), others)
    # a district dropping below the member threshold leaves the page at the next opening
    gone = "network-0002"
    victims = [m.id for m in store.respondents(store.sessions(gone)[-1].id)][:2]
    with store.engine.begin() as conn:
        conn.execute(t.respondents.delete().where(t.respondents.c.id.in_(victims)))
    third = network_overview(store, code, content=content)
    assert gone not in third.pathways.index and gone not in set(box(third).text)


def test_large_network_chart_keeps_every_point(content):
    """Past 300 districts only outliers are drawn as points, but every district still feeds the boxes."""
    rng = np.random.default_rng(3)
    slugs = [f"d{i:04d}" for i in range(1000)]
    values = rng.choice(np.arange(1, 5.5, 0.5), size=(1000, len(SPECTRUM_IDS)))
    values[rng.random(values.shape) < 0.05] = np.nan  # some spectra unmarked
    pathways = pd.DataFrame(values, index=pd.Index(slugs, name="district"), columns=list(SPECTRUM_IDS))
    fig = charts.network(content.spectra, pathways, highlight="d0001", peers=["d0002", "d0003"])
    b = next(t for t in fig.data if t.type == "box")
    assert b.boxpoints == "outliers"
    marked = pathways.notna()
    assert len(b.x) == len(b.y) == len(b.text) == int(marked.to_numpy().sum())
    dims = {s.id: s.dimension for s in content.spectra}
    got = sorted(zip(map(str, b.text), map(str, b.y), b.x))
    want = sorted((slug, dims[sid], pathways.loc[slug, sid]) for slug in slugs for sid in SPECTRUM_IDS
                  if marked.loc[slug, sid])
    assert got == want
    names = [t.name for t in fig.data]
    assert names.count("Peer") == 2 and "d0001" in names
    small = charts.network(content.spectra, pathways.iloc[:300])
    assert next(t for t in small.data if t.type == "box").boxpoints == "all"
    empty = charts.network(content.spectra, pathways.iloc[:0])
    assert len(next(t for t in empty.data if t.type == "box").x) == 0


def test_a_network_with_nobody_charted_yet(tmp_path, content):
    s = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        p = network_overview(s, {}, content=content, trusted=True)
        assert isinstance(p, NetworkOverview) and shown_count(p) == (0, 0)
        add_team(s, "small-team", "Too Small To Show", members=MIN_MEMBERS - 1)
        p = network_overview(s, {}, content=content, trusted=True)
        assert isinstance(p, NetworkOverview) and shown_count(p) == (0, 0)
        assert list(p.pathways.columns) == list(SPECTRUM_IDS) and len(box(p).x) == 0
    finally:
        s.dispose()


# ------------------------------------------------------------ movement: the minimum group at both ends, the right two

LONE_NOW = dict(zip(SPECTRUM_IDS, [1.5, 4.5, 2.5, 1.5, 4.5, 2.5, 2.0]))
LONE_ASP = dict(zip(SPECTRUM_IDS, [2.0, 1.5, 4.5, 2.5, 2.0, 4.5, 1.5]))


def add_session(store: Store, slug: str, label: str, members: int, now, asp, held_on, **options):
    """A session of ``members`` members who all marked ``now`` and ``asp`` (a number, or a dict by spectrum)."""
    session = store.create_session(slug, label, held_on, **options)
    for m in range(members):
        member = store.add_respondent(session.id, f"{label} person {m + 1}", "Teacher leader")
        for sid in SPECTRUM_IDS:
            store.save_spectrum_mark(member, sid, "current", now[sid] if isinstance(now, dict) else now)
            store.save_spectrum_mark(member, sid, "aspiration", asp[sid] if isinstance(asp, dict) else asp)
    return session


def shown_values(fig) -> tuple[list, list]:
    """Every (row, x) point and every text string the figure's traces carry, from its JSON."""
    import json

    points, texts = [], []

    def strings(value):
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            for v in value:
                strings(v)
        elif isinstance(value, dict):
            for v in value.values():
                strings(v)

    for trace in json.loads(fig.to_json())["data"]:
        points += list(zip(trace.get("y") or [], trace.get("x") or []))
        strings(trace)
    return points, texts


def test_movement_never_shows_a_lone_members_marks(store, content):
    import datetime as dt

    store.create_district("lone-start", "Lone Start (fictional)", schools=4)
    add_session(store, "lone-start", "Kick-off", 1, LONE_NOW, LONE_ASP, dt.date(2025, 9, 1))
    add_session(store, "lone-start", "Retreat", 6, 3.0, 4.0, dt.date(2026, 1, 10))
    page = network_overview(store, {"code": store.coach_code(), "district": "lone-start"}, content=content)
    assert isinstance(page, NetworkOverview) and page.district.value == "lone-start"
    fig = drawn(page.movement)
    assert fig.layout.title.text == "Movement: Kick-off → Retreat"
    points, texts = shown_values(fig)
    by_id = {s.id: s for s in content.spectra}
    for sid in SPECTRUM_IDS:
        s = by_id[sid]
        for value in (LONE_NOW[sid], LONE_ASP[sid]):
            assert (s.dimension, value) not in points, (sid, value)
            told = charts.point_text(s, value)
            assert not any(told in text for text in texts), told
    # the latest session (six members) is drawn, the lone member's session is not: no line, no legend entry
    names = [t.name for t in fig.data]
    assert "Now, later" in names and "Aspiration, later" in names
    assert "Now, earlier" not in names and "Aspiration, earlier" not in names
    assert list(next(t for t in fig.data if t.name == "Now, later").x) == [3.0] * len(SPECTRUM_IDS)
    # and nothing else the coach reads on the page carries them
    words = page.summary.value + page.peers.value + page.movement_note.value
    for sid in SPECTRUM_IDS:
        for value in (LONE_NOW[sid], LONE_ASP[sid]):
            assert charts.point_text(by_id[sid], value) not in words
    assert "Kick-off is not drawn: fewer than 5 members marked it" in page.movement_note.value
    assert page.movement_note.layout.display == ""


def test_movement_follows_each_sessions_own_minimum_group(store, content):
    import datetime as dt

    store.create_district("strict-start", "Strict Start (fictional)")
    # six members, but the team chose a minimum group of eight: above the overview's five
    add_session(store, "strict-start", "Round A", 6, LONE_NOW, LONE_ASP, dt.date(2025, 9, 1), min_group_size=8)
    add_session(store, "strict-start", "Round B", 6, 3.0, 4.0, dt.date(2026, 1, 10))
    page = network_overview(store, {"code": store.coach_code(), "district": "strict-start"}, content=content)
    names = [t.name for t in drawn(page.movement).data]
    assert "Now, earlier" not in names and "Now, later" in names
    assert "Round A is not drawn: fewer than 8 members marked it" in page.movement_note.value


def test_movement_runs_from_the_session_a_follow_up_follows(store, content):
    import datetime as dt

    store.create_district("follow-usd", "Follow Unified (fictional)")
    add_session(store, "follow-usd", "Pilot schools", 6, 4.5, 5.0, dt.date(2024, 9, 1))  # the district's first
    spring = add_session(store, "follow-usd", "Spring", 6, 2.0, 4.0, dt.date(2025, 3, 1))
    add_session(store, "follow-usd", "Spring again", 6, 3.0, 4.5, dt.date(2026, 3, 1), follows=spring.id)
    page = network_overview(store, {"code": store.coach_code(), "district": "follow-usd"}, content=content)
    fig = drawn(page.movement)
    assert fig.layout.title.text == "Movement: Spring → Spring again"
    assert list(next(t for t in fig.data if t.name == "Now, earlier").x) == [2.0] * len(SPECTRUM_IDS)
    assert list(next(t for t in fig.data if t.name == "Now, later").x) == [3.0] * len(SPECTRUM_IDS)
    assert page.movement_note.value == ""


def test_movement_sessions_picks_the_followed_session_else_the_first():
    from types import SimpleNamespace as S

    from workbook.apps.network_overview import movement_sessions

    a, b, c = S(id=1), S(id=2), S(id=3, follows_session_id=2)
    assert movement_sessions([a, b, c]) == (b, c)
    plain = S(id=3)  # no follow-up (or a store from before follow-ups): from the first session
    assert movement_sessions([a, b, plain]) == (a, plain)
    gone = S(id=3, follows_session_id=99)  # the followed session was deleted: from the first
    assert movement_sessions([a, b, gone]) == (a, gone)
    assert movement_sessions([a]) == (None, a)
    # the latest is the session the network's pathway is from, when given
    assert movement_sessions([a, b, c], latest_id=2) == (a, b)


def test_a_district_with_one_session_says_so(store, content):
    add_team(store, "one-round", "One Round (fictional)", members=6)
    page = network_overview(store, {"code": store.coach_code(), "district": "one-round"}, content=content)
    fig = drawn(page.movement)
    assert fig.layout.title.text == "Movement: Round 1"
    assert [t.name for t in fig.data if t.name and "earlier" in t.name] == []
    assert "only session so far" in page.movement_note.value


def test_summary_pathways_follow_a_sessions_own_minimum_group():
    medians = dict.fromkeys(SPECTRUM_IDS, 3.0)
    summaries = [{"district": "a", "members": 6, "medians": medians},
                 {"district": "b", "members": 6, "medians": medians, "min_group_size": 8},
                 {"district": "c", "members": 8, "medians": medians, "min_group_size": 8}]
    assert list(analysis.summary_pathways(summaries, MIN_MEMBERS).index) == ["a", "c"]
