"""workbook.analysis on tiny hand-built frames whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbook import analysis
from workbook.content.frameworks import SPECTRUM_IDS

LOC, PACE, RES, CAP, FLEX, COMP, SHARE = SPECTRUM_IDS
COLUMNS = ["respondent_id", "name", "role", "spectrum", "current", "aspiration"]
NAN = float("nan")


def marks_frame(rows) -> pd.DataFrame:
    """Rows of (respondent_id, name, role, spectrum, current, aspiration); None means not marked."""
    return pd.DataFrame(rows, columns=COLUMNS).astype({"current": float, "aspiration": float})


def team(data: dict, roles: dict | None = None) -> pd.DataFrame:
    """``{respondent_id: {spectrum: (current, aspiration)}}`` as a marks frame."""
    roles = roles or {}
    rows = [(rid, f"Member {rid}", roles.get(rid, "teacher"), sid, cur, asp)
            for rid, by_spectrum in data.items() for sid, (cur, asp) in by_spectrum.items()]
    return marks_frame(rows)


def path_frame(values: dict) -> pd.DataFrame:
    """A pathway frame (index: all seven spectra) from ``{spectrum: (current, aspiration)}``."""
    return pd.DataFrame(
        {"current": [values.get(s, (None, None))[0] for s in SPECTRUM_IDS],
         "aspiration": [values.get(s, (None, None))[1] for s in SPECTRUM_IDS]},
        index=pd.Index(list(SPECTRUM_IDS), name="spectrum"), dtype=float)


def assert_nan(value) -> None:
    assert value is None or (isinstance(value, float) and math.isnan(value)), value


def empty_marks() -> pd.DataFrame:
    return marks_frame([])


# ------------------------------------------------------------------ pathway, gaps, progress

def test_pathway_has_all_seven_spectra_in_order_with_nan_where_unmarked():
    marks = team({1: {PACE: (3, None), LOC: (2, 4)}, 2: {LOC: (5, 5), RES: (1, 2)}})
    path = analysis.pathway(marks, 1)
    assert list(path.index) == list(SPECTRUM_IDS)
    assert list(path.columns) == ["current", "aspiration"]
    assert path.loc[LOC].tolist() == [2.0, 4.0]
    assert path.loc[PACE, "current"] == 3.0
    assert_nan(path.loc[PACE, "aspiration"])
    for sid in SPECTRUM_IDS[2:]:
        assert path.loc[sid].isna().all(), sid
    assert all(dtype.kind == "f" for dtype in path.dtypes)


def test_pathway_of_member_without_marks_is_seven_empty_rows():
    marks = team({1: {LOC: (2, 4)}})
    path = analysis.pathway(marks, 99)
    assert list(path.index) == list(SPECTRUM_IDS)
    assert path.isna().all().all()


def test_gaps_are_aspiration_minus_now_widest_first_ties_in_guide_order():
    path = path_frame({
        LOC: (2, 4),      # +2
        PACE: (4, 1),     # -3
        RES: (3, 3),      # 0
        CAP: (1, 3),      # +2, ties with LOC: after it
        FLEX: (None, 4),  # missing now: dropped
        COMP: (5, 3),     # -2, ties with LOC and CAP by size: after both
        SHARE: (2, None),  # missing aspiration: dropped
    })
    table = analysis.gaps(path)
    assert list(table.columns) == ["spectrum", "current", "aspiration", "gap", "size"]
    assert table["spectrum"].tolist() == [PACE, LOC, CAP, COMP, RES]
    assert table["gap"].tolist() == [-3.0, 2.0, 2.0, -2.0, 0.0]
    assert table["size"].tolist() == [3.0, 2.0, 2.0, 2.0, 0.0]
    assert table["current"].tolist() == [4.0, 2.0, 1.0, 5.0, 3.0]
    assert table["aspiration"].tolist() == [1.0, 4.0, 3.0, 3.0, 3.0]


def test_gaps_tie_order_follows_guide_not_row_order():
    path = path_frame({SHARE: (1, 2), LOC: (4, 5), PACE: (3, 2)}).iloc[::-1]
    assert analysis.gaps(path)["spectrum"].tolist() == [LOC, PACE, SHARE]


def test_gaps_accept_fractional_marks():
    table = analysis.gaps(path_frame({LOC: (2.5, 4), PACE: (1, 1.25)}))
    assert table["gap"].tolist() == [1.5, 0.25]


def test_gaps_of_unmarked_pathway_is_empty_with_columns():
    table = analysis.gaps(path_frame({}))
    assert table.empty
    assert list(table.columns) == ["spectrum", "current", "aspiration", "gap", "size"]


def test_gaps_of_unindexed_widget_frame():
    frame = pd.DataFrame({"current": {LOC: 1.0, PACE: None}, "aspiration": {LOC: 5.0, PACE: 2.0}}, dtype=float)
    table = analysis.gaps(frame)
    assert table["spectrum"].tolist() == [LOC]
    assert table["gap"].tolist() == [4.0]


def test_progress_counts_spectra_marked_both_ways():
    path = path_frame({LOC: (1, 2), PACE: (3, None), RES: (None, 4), CAP: (5, 5)})
    assert analysis.progress(path) == 2
    assert analysis.progress(path_frame({})) == 0
    full = path_frame({s: (3, 4) for s in SPECTRUM_IDS})
    assert analysis.progress(full) == 7
    assert isinstance(analysis.progress(full), int)


def test_members_with_marks():
    marks = team({1: {LOC: (1, None)}, 2: {LOC: (None, 3)}, 3: {PACE: (2, 2), RES: (4, 4)}})
    assert analysis.members_with_marks(marks) == 2
    assert analysis.members_with_marks(marks, "aspiration") == 2
    assert analysis.members_with_marks(empty_marks()) == 0


# ------------------------------------------------------------------ summary, median pathway

def test_summary_by_hand_with_linear_quartiles():
    marks = team({
        1: {LOC: (1, 4), PACE: (3, None), RES: (None, 2)},
        2: {LOC: (2, 4)},
        3: {LOC: (4, 5)},
        4: {LOC: (5, 5)},
    })
    out = analysis.summary(marks)
    assert list(out.index) == list(SPECTRUM_IDS)
    assert out.index.name == "spectrum"
    assert {"n", "median", "mean", "q1", "q3", "iqr", "min", "max", "range"} <= set(out.columns)
    loc = out.loc[LOC]
    assert loc["n"] == 4
    assert loc["median"] == 3.0
    assert loc["mean"] == 3.0
    assert loc["q1"] == pytest.approx(1.75)
    assert loc["q3"] == pytest.approx(4.25)
    assert loc["iqr"] == pytest.approx(2.5)
    assert (loc["min"], loc["max"], loc["range"]) == (1.0, 5.0, 4.0)
    pace = out.loc[PACE]
    assert pace["n"] == 1
    assert (pace["median"], pace["mean"], pace["q1"], pace["q3"], pace["iqr"], pace["range"]) == (3, 3, 3, 3, 0, 0)
    # marked only on aspiration, and never marked at all: n = 0 and NaN statistics
    for sid in (RES, CAP, FLEX, COMP, SHARE):
        row = out.loc[sid]
        assert row["n"] == 0, sid
        for col in ("median", "mean", "q1", "q3", "iqr", "min", "max", "range"):
            assert_nan(row[col])
    assert out["n"].dtype.kind == "i"


def test_summary_of_aspiration_field():
    marks = team({1: {LOC: (1, 4), RES: (None, 2)}, 2: {LOC: (2, 4)}, 3: {LOC: (4, 5)}, 4: {LOC: (5, 5)}})
    out = analysis.summary(marks, "aspiration")
    assert out.loc[LOC, "n"] == 4
    assert out.loc[LOC, "median"] == 4.5
    assert out.loc[LOC, "mean"] == 4.5
    assert out.loc[LOC, "q1"] == 4.0
    assert out.loc[LOC, "q3"] == 5.0
    assert out.loc[LOC, "iqr"] == 1.0
    assert out.loc[LOC, "range"] == 1.0
    assert out.loc[RES, "n"] == 1
    assert out.loc[RES, "median"] == 2.0


def test_summary_of_odd_count():
    marks = team({1: {PACE: (1, None)}, 2: {PACE: (3, None)}, 3: {PACE: (5, None)}})
    row = analysis.summary(marks).loc[PACE]
    assert (row["median"], row["q1"], row["q3"], row["iqr"], row["range"]) == (3, 2, 4, 2, 4)


def test_summary_of_nobody_marked():
    out = analysis.summary(empty_marks())
    assert list(out.index) == list(SPECTRUM_IDS)
    assert (out["n"] == 0).all()
    assert out["median"].isna().all()


def test_median_pathway():
    marks = team({
        1: {LOC: (1, 4), PACE: (2, 3), RES: (5, None)},
        2: {LOC: (2, 4), PACE: (3, None)},
        3: {LOC: (4, 5)},
        4: {LOC: (5, 5)},
    })
    med = analysis.median_pathway(marks)
    assert list(med.index) == list(SPECTRUM_IDS)
    assert list(med.columns) == ["current", "aspiration"]
    assert med.loc[LOC].tolist() == [3.0, 4.5]
    assert med.loc[PACE].tolist() == [2.5, 3.0]
    assert med.loc[RES, "current"] == 5.0
    assert_nan(med.loc[RES, "aspiration"])
    assert med.loc[list(SPECTRUM_IDS[3:])].isna().all().all()


# ------------------------------------------------------------------ alignment

def test_alignment_most_and_least_with_ties():
    marks = team({
        1: {LOC: (3, None), PACE: (1, None), RES: (2, None), CAP: (3, None), COMP: (1, None), SHARE: (1, None)},
        2: {LOC: (3, None), PACE: (3, None), RES: (2, None), CAP: (3, None), SHARE: (3, None)},
        3: {LOC: (3, None), PACE: (5, None), RES: (4, None), CAP: (3, None), SHARE: (5, None)},
    })
    result = analysis.alignment(marks)
    # LOC, CAP: iqr 0 range 0; PACE, SHARE: iqr 2 range 4; RES [2,2,4]: iqr 1 range 2; COMP: one member only
    assert result["most"] == [LOC, CAP]
    assert result["least"] == [PACE, SHARE]
    table = result["table"]
    assert list(table.index) == [LOC, PACE, RES, CAP, SHARE]
    assert table.loc[RES].tolist() == [3, 1.0, 2.0]
    assert table.loc[PACE, "iqr"] == 2.0
    assert table.loc[PACE, "range"] == 4.0
    assert COMP not in table.index


def test_alignment_iqr_tie_is_broken_by_range():
    values = {LOC: [2, 3, 3, 3, 4], PACE: [3, 3, 3, 3, 3], RES: [1, 3, 3, 3, 5]}  # iqr 0 for all three
    marks = team({i + 1: {s: (v[i], None) for s, v in values.items()} for i in range(5)})
    result = analysis.alignment(marks)
    assert (result["table"]["iqr"] == 0).all()
    assert result["table"]["range"].tolist() == [2.0, 0.0, 4.0]
    assert result["most"] == [PACE]
    assert result["least"] == [RES]


def test_alignment_on_aspiration():
    marks = team({1: {LOC: (1, 5), PACE: (1, 1)}, 2: {LOC: (5, 5), PACE: (1, 5)}})
    result = analysis.alignment(marks, "aspiration")
    assert result["most"] == [LOC]
    assert result["least"] == [PACE]
    current = analysis.alignment(marks, "current")
    assert current["most"] == [PACE]
    assert current["least"] == [LOC]


def test_alignment_team_of_one_has_empty_lists():
    marks = team({1: {s: (3, 4) for s in SPECTRUM_IDS}})
    result = analysis.alignment(marks)
    assert result["most"] == []
    assert result["least"] == []
    assert result["table"].empty


def test_alignment_of_nobody():
    result = analysis.alignment(empty_marks())
    assert result["most"] == [] and result["least"] == []


def test_alignment_all_equal_spread_is_both_most_and_least():
    marks = team({1: {LOC: (2, None), PACE: (4, None)}, 2: {LOC: (2, None), PACE: (4, None)}})
    result = analysis.alignment(marks)
    assert result["most"] == [LOC, PACE]
    assert result["least"] == [LOC, PACE]


# ------------------------------------------------------------------ team gaps, roles

def test_team_gaps_from_medians():
    marks = team({
        1: {LOC: (1, 4), PACE: (2, 3), RES: (5, None), CAP: (5, 1)},
        2: {LOC: (2, 4), PACE: (3, None), CAP: (5, 2)},
        3: {LOC: (4, 5)},
        4: {LOC: (5, 5)},
    })
    table = analysis.team_gaps(marks)
    # medians: LOC 3 -> 4.5; PACE 2.5 -> 3; RES 5 -> none (dropped); CAP 5 -> 1.5
    assert table["spectrum"].tolist() == [CAP, LOC, PACE]
    assert table["gap"].tolist() == [-3.5, 1.5, 0.5]
    assert table["size"].tolist() == [3.5, 1.5, 0.5]


def test_team_gaps_of_nobody_is_empty():
    assert analysis.team_gaps(empty_marks()).empty


ROLES = {1: "principal", 2: "teacher", 3: "teacher", 4: "coach"}


def role_marks() -> pd.DataFrame:
    return team({
        1: {LOC: (1, 5), RES: (4, None), CAP: (2, None), SHARE: (5, None)},
        2: {LOC: (2, None), PACE: (2, None), CAP: (5, None)},
        3: {LOC: (4, None), PACE: (3, None), CAP: (4, None)},
        4: {LOC: (5, 1), RES: (4, None), SHARE: (1, None)},
    }, ROLES)


def test_role_medians():
    table = analysis.role_medians(role_marks())
    assert list(table.columns) == list(SPECTRUM_IDS)
    assert sorted(table.index) == ["coach", "principal", "teacher"]
    assert table.loc["principal", LOC] == 1.0
    assert table.loc["teacher", LOC] == 3.0
    assert table.loc["coach", LOC] == 5.0
    assert table.loc["teacher", PACE] == 2.5
    assert_nan(table.loc["coach", PACE])
    assert table.loc["teacher", CAP] == 4.5
    assert table[[FLEX, COMP]].isna().all().all()


def test_role_medians_of_aspiration_and_of_nobody():
    table = analysis.role_medians(role_marks(), "aspiration")
    assert table.loc["principal", LOC] == 5.0
    assert table.loc["coach", LOC] == 1.0
    assert "teacher" not in table.index
    empty = analysis.role_medians(empty_marks())
    assert empty.empty
    assert list(empty.columns) == list(SPECTRUM_IDS)


def test_role_differences_largest_first_ties_in_guide_order():
    table = analysis.role_differences(role_marks())
    assert list(table.columns) == ["spectrum", "roles", "low_role", "low", "high_role", "high", "difference"]
    # LOC 1..5 (4), SHARE 1..5 (4), CAP 2..4.5 (2.5), RES 4..4 (0); PACE has one role only
    assert table["spectrum"].tolist() == [LOC, SHARE, CAP, RES]
    assert table["difference"].tolist() == [4.0, 4.0, 2.5, 0.0]
    assert table["roles"].tolist() == [3, 2, 2, 2]
    first = table.iloc[0]
    assert (first["low_role"], first["low"], first["high_role"], first["high"]) == ("principal", 1.0, "coach", 5.0)
    share = table.iloc[1]
    assert (share["low_role"], share["high_role"]) == ("coach", "principal")
    cap = table.iloc[2]
    assert (cap["low_role"], cap["low"], cap["high_role"], cap["high"]) == ("principal", 2.0, "teacher", 4.5)
    assert list(table.index) == [0, 1, 2, 3]


def _random_team(rng, members: int) -> pd.DataFrame:
    """A team of ``members`` with random roles (some missing) and random marks (some missing), every kind of gap."""
    rows = []
    for rid in range(members):
        role = rng.choice(["Teacher", "Principal", "Coach", "Other roles", None])
        for s in SPECTRUM_IDS:
            if rng.random() < 0.8:
                rows.append((rid, f"m{rid}", role, s, rng.choice([None, 1.0, 1.5, 2.0, 3.0, 4.5, 5.0]),
                             rng.choice([None, 2.0, 3.5, 5.0])))
    return pd.DataFrame(rows, columns=["respondent_id", "name", "role", "spectrum", "current", "aspiration"])


def test_role_medians_and_differences_match_the_pivot_table_definition():
    """The per-spectrum numpy version gives what a pandas pivot table of medians gives, ties included."""
    import random

    rng = random.Random(3)
    for _ in range(200):
        marks = _random_team(rng, rng.randint(0, 12))
        for field in ("current", "aspiration"):
            data = marks.dropna(subset=[field])
            got = analysis.role_medians(marks, field)
            if data["role"].notna().sum() == 0:
                assert got.empty and list(got.columns) == list(SPECTRUM_IDS)
                continue
            want = data.pivot_table(index="role", columns="spectrum", values=field, aggfunc="median")
            pd.testing.assert_frame_equal(got, want.reindex(columns=list(SPECTRUM_IDS)))
            diffs = analysis.role_differences(marks, field)
            for row in diffs.itertuples():
                col = want[row.spectrum].dropna()
                assert (row.low_role, row.high_role) == (col.idxmin(), col.idxmax())
                assert (row.low, row.high, row.roles) == (col.min(), col.max(), len(col))
            assert set(diffs["spectrum"]) == {s for s in want.columns if want[s].notna().sum() >= 2}


def test_role_differences_need_two_roles():
    marks = team({1: {LOC: (1, None)}, 2: {LOC: (5, None)}})  # both teachers
    table = analysis.role_differences(marks)
    assert table.empty
    assert list(table.columns) == ["spectrum", "roles", "low_role", "low", "high_role", "high", "difference"]
    assert analysis.role_differences(empty_marks()).empty


def test_agreement_in_words_for_now_aspiration_and_gap_by_hand():
    # three members on Locus of Control: now 2, 2, 2.5; aspiration 1, 3, 5; gaps -1, 1, 2.5
    marks = team({1: {LOC: (2, 1), PACE: (3, None)}, 2: {LOC: (2, 3)}, 3: {LOC: (2.5, 5)}})
    table = analysis.agreement(marks)
    loc = table.loc[LOC]
    # now: q1 2, q3 2.25 -> IQR 0.25, range 0.5: close agreement
    assert (loc["current_iqr"], loc["current_range"], loc["current_words"]) == (0.25, 0.5, "close agreement")
    # aspiration: q1 2, q3 4 -> IQR 2: far apart
    assert (loc["aspiration_iqr"], loc["aspiration_words"]) == (2.0, "far apart")
    # gap: -1, 1, 2.5 -> q1 0, q3 1.75 -> IQR 1.75: far apart
    assert (loc["gap_iqr"], loc["gap_range"], loc["gap_words"]) == (1.75, 3.5, "far apart")
    # Pace: one member now, nobody's aspiration
    assert table.loc[PACE, "current_words"] == "not enough marks"
    assert table.loc[PACE, "gap_words"] == "not enough marks"


def test_agreement_words_thresholds():
    assert analysis.agreement_words(0.5, 2.0) == "close agreement"
    assert analysis.agreement_words(0.5, 2.5) == "split"  # the middle agrees, one member is far off
    assert analysis.agreement_words(1.5, 3.0) == "split"
    assert analysis.agreement_words(1.75, 3.0) == "far apart"
    assert analysis.agreement_words(float("nan"), float("nan")) == "not enough marks"
    assert analysis.agreement(empty_marks())["current_words"].eq("not enough marks").all()


def test_role_groups_fold_small_roles_and_leave_out_a_group_still_too_small():
    # one superintendent and five teachers, groups of five: the superintendent is in no group shown
    assert analysis.role_groups(["superintendent"] + ["teacher"] * 5, 5) == {"superintendent": None,
                                                                            "teacher": "teacher"}
    # two small roles of three together reach five: shown together as "Other roles"
    groups = analysis.role_groups(["principal"] * 3 + ["coach"] * 2 + ["teacher"] * 6, 5)
    assert groups == {"principal": "Other roles", "coach": "Other roles", "teacher": "teacher"}
    assert analysis.role_groups(["principal", "coach"], 1) == {"principal": "principal", "coach": "coach"}
    assert analysis.role_groups([], 5) == {}


def test_fold_roles_drops_only_members_left_out_and_keeps_their_marks_elsewhere():
    roles = {1: "superintendent", 2: "teacher", 3: "teacher", 4: "principal", 5: "principal"}
    marks = team({rid: {LOC: (rid, None)} for rid in roles}, roles)
    folded = analysis.fold_roles(marks, 2)
    assert sorted(folded["respondent_id"]) == [2, 3, 4, 5]  # the lone superintendent is left out
    table = analysis.role_medians(folded)
    assert sorted(table.index) == ["principal", "teacher"]
    assert table.loc["teacher", LOC] == 2.5 and table.loc["principal", LOC] == 4.5
    # with member 5 a coach, three roles of one each make a group of three together
    marks.loc[marks["respondent_id"] == 5, "role"] = "coach"
    folded = analysis.fold_roles(marks, 2)
    assert sorted(folded["role"].unique()) == ["Other roles", "teacher"]
    assert analysis.role_medians(folded).loc["Other roles", LOC] == 4.0  # median of 1, 4 and 5
    assert analysis.fold_roles(empty_marks(), 5).empty


# ------------------------------------------------------------------ survey benchmark

@pytest.fixture()
def survey(content) -> pd.DataFrame:
    return pd.DataFrame([s.model_dump() for s in content.survey])


def test_survey_benchmark_difference_and_side(content, survey):
    # survey medians: LOC 3, PACE 4, SHARE 2
    marks = team({
        1: {LOC: (1, None), PACE: (2, None), SHARE: (4, None)},
        2: {LOC: (2, None), SHARE: (4, None)},
        3: {LOC: (4, None)},
        4: {LOC: (5, None)},
    })
    out = analysis.survey_benchmark(marks, survey)
    assert list(out.index) == list(SPECTRUM_IDS)
    assert out.loc[LOC, "team_median"] == 3.0
    assert out.loc[LOC, "team_n"] == 4
    assert out.loc[LOC, "difference"] == 0.0
    assert out.loc[LOC, "side"] == "same"
    assert out.loc[PACE, "difference"] == -2.0
    assert out.loc[PACE, "side"] == "left"
    assert out.loc[SHARE, "difference"] == 2.0
    assert out.loc[SHARE, "side"] == "right"
    for sid in (RES, CAP, FLEX, COMP):
        assert out.loc[sid, "team_n"] == 0
        assert_nan(out.loc[sid, "team_median"])
        assert_nan(out.loc[sid, "difference"])
        assert out.loc[sid, "side"] == ""
    for sid in SPECTRUM_IDS:
        fig = content.survey_for(sid)
        assert out.loc[sid, "survey_median"] == fig.median
        assert out.loc[sid, "survey_mean"] == pytest.approx(fig.mean)
        assert out.loc[sid, "survey_n"] == 86
    assert out.loc[RES, "share_left"] == 26
    assert out.loc[RES, "share_right"] == 54
    assert_nan(out.loc[LOC, "share_left"])
    assert {"team_mean", "share_mid"} <= set(out.columns)


def test_survey_benchmark_accepts_spectrum_index(survey):
    marks = team({1: {PACE: (5, None)}})
    by_column = analysis.survey_benchmark(marks, survey)
    by_index = analysis.survey_benchmark(marks, survey.set_index("spectrum"))
    pd.testing.assert_frame_equal(by_column, by_index)
    assert by_index.loc[PACE, "side"] == "right"


def test_survey_benchmark_of_nobody(survey):
    out = analysis.survey_benchmark(empty_marks(), survey)
    assert (out["side"] == "").all()
    assert (out["team_n"] == 0).all()


# ------------------------------------------------------------------ districts and peers

def test_district_pathways():
    marks = team({1: {LOC: (2, 5), PACE: (1, None)}, 2: {LOC: (4, None)}, 3: {LOC: (5, 1), RES: (None, 3)}})
    marks["district"] = ["north", "north", "north", "south", "south"]
    table = analysis.district_pathways(marks)
    assert list(table.columns) == list(SPECTRUM_IDS)
    assert sorted(table.index) == ["north", "south"]
    assert table.loc["north", LOC] == 3.0
    assert table.loc["north", PACE] == 1.0
    assert table.loc["south", LOC] == 5.0
    assert_nan(table.loc["south", PACE])
    assert_nan(table.loc["south", RES])  # aspiration only
    asp = analysis.district_pathways(marks, "aspiration")
    assert asp.loc["north", LOC] == 5.0
    assert asp.loc["south", RES] == 3.0


def test_district_pathways_of_nobody():
    marks = empty_marks()
    marks["district"] = pd.Series(dtype=object)
    table = analysis.district_pathways(marks)
    assert table.empty
    assert list(table.columns) == list(SPECTRUM_IDS)


def network() -> pd.DataFrame:
    rows = {
        "home": {LOC: 3, PACE: 3, RES: 3, CAP: 3},
        "zeta": {LOC: 4, PACE: 3, RES: 3, CAP: 3},   # rms sqrt(1/4) = 0.5 over 4
        "bravo": {LOC: 1, PACE: 5},                   # rms sqrt(8/2) = 2 over 2
        "alpha": {LOC: 3, PACE: 3, RES: 2, CAP: 3},  # rms 0.5 over 4, ties with zeta: slug first
        "charlie": {LOC: 3, PACE: 4, FLEX: 1},       # rms sqrt(1/2) over 2 (FLEX not marked by home)
        "delta": {FLEX: 3, COMP: 2},                  # shares no marked spectrum: skipped
    }
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(SPECTRUM_IDS)).astype(float)
    table.index.name = "district"
    return table


def test_peers_nearest_by_rms_ties_by_slug_skipping_disjoint():
    out = analysis.peers(network(), "home")
    assert list(out.columns) == ["district", "distance", "spectra", "shared"]
    assert out["district"].tolist() == ["alpha", "zeta", "charlie", "bravo"]
    assert out["distance"].tolist() == pytest.approx([0.5, 0.5, math.sqrt(0.5), 2.0])
    assert out["spectra"].tolist() == [4, 4, 2, 2]
    assert (out["shared"] == "").all()
    assert "home" not in out["district"].tolist()
    assert list(out.index) == [0, 1, 2, 3]


def test_peers_k_limit():
    assert analysis.peers(network(), "home", k=2)["district"].tolist() == ["alpha", "zeta"]
    assert analysis.peers(network(), "home", k=1)["district"].tolist() == ["alpha"]


def test_peers_distance_is_symmetric():
    a = analysis.peers(network(), "bravo", k=10).set_index("district")
    assert a.loc["home", "distance"] == pytest.approx(2.0)
    assert a.loc["charlie", "distance"] == pytest.approx(math.sqrt((4 + 1) / 2))
    assert "delta" not in a.index


def test_peers_shared_segments():
    segments = pd.DataFrame({
        "kind": {"home": "district", "alpha": "district", "zeta": "cmo", "charlie": "district"},
        "urbanicity": {"home": "rural", "alpha": "urban", "zeta": "rural", "charlie": "rural"},
        "size_band": {"home": None, "alpha": None, "zeta": "large", "charlie": "small"},
    })
    out = analysis.peers(network(), "home", segments=segments).set_index("district")["shared"]
    assert out["alpha"] == "kind: district"
    assert out["zeta"] == "urbanicity: rural"
    assert out["charlie"] == "kind: district, urbanicity: rural"
    assert out["bravo"] == ""  # not in segments


def test_peers_segments_without_the_district():
    segments = pd.DataFrame({"kind": {"alpha": "district", "zeta": "district"}})
    out = analysis.peers(network(), "home", segments=segments)
    assert (out["shared"] == "").all()


def test_peers_unknown_district_raises_key_error():
    with pytest.raises(KeyError, match="nowhere"):
        analysis.peers(network(), "nowhere")


def test_peers_with_nothing_to_compare():
    out = analysis.peers(network().loc[["home", "delta"]], "home")
    assert out.empty
    assert "shared" in out.columns


# ------------------------------------------------------------------ change between sessions

def test_change_before_after_medians():
    before = team({1: {LOC: (2, 4), PACE: (2, 3)}, 2: {LOC: (4, None), PACE: (None, 5)}})
    after = team({1: {LOC: (4, 5), RES: (1, 2)}, 2: {LOC: (4, 3)}})
    out = analysis.change(before, after)
    assert list(out.index) == list(SPECTRUM_IDS)
    assert out.index.name == "spectrum"
    assert list(out.columns) == ["current_before", "current_after", "current_change",
                                 "aspiration_before", "aspiration_after", "aspiration_change"]
    assert out.loc[LOC].tolist() == [3.0, 4.0, 1.0, 4.0, 4.0, 0.0]
    assert out.loc[PACE, "current_before"] == 2.0
    assert_nan(out.loc[PACE, "current_after"])
    assert_nan(out.loc[PACE, "current_change"])
    assert out.loc[PACE, "aspiration_before"] == 4.0
    assert_nan(out.loc[RES, "current_before"])
    assert out.loc[RES, "current_after"] == 1.0
    assert_nan(out.loc[RES, "current_change"])
    assert out.loc[list(SPECTRUM_IDS[3:])].isna().all().all()


def test_change_can_be_negative():
    before = team({1: {SHARE: (5, 5)}})
    after = team({1: {SHARE: (2, 4.5)}})
    out = analysis.change(before, after)
    assert out.loc[SHARE, "current_change"] == -3.0
    assert out.loc[SHARE, "aspiration_change"] == -0.5


# ------------------------------------------------------------------ movement as a view beyond the team may show it

def test_movement_withholds_a_session_of_one_member():
    lone = team({1: {LOC: (1.5, 4.5), PACE: (2.5, 3.5)}})
    six = team({rid: {LOC: (3, 4), PACE: (3, 4)} for rid in range(1, 7)})
    got = analysis.movement(lone, six, 5)
    moved = got["moved"]
    assert moved[["current_before", "aspiration_before", "current_change", "aspiration_change"]].isna().all().all()
    assert moved.loc[LOC, "current_after"] == 3.0 and moved.loc[PACE, "aspiration_after"] == 4.0
    assert got["shown"] == {"before": False, "after": True}
    assert got["withheld"] == {"before": 4, "after": 0}  # two spectra x two fields of the lone member
    assert got["members"] == {"before": 1, "after": 6}
    assert got["min_group"] == {"before": 5, "after": 5}
    # the unguarded change shows the lone member's own marks: what the rule is there to prevent
    assert analysis.change(lone, six).loc[LOC, "current_before"] == 1.5


def test_movement_applies_each_sessions_own_minimum_to_each_median():
    # before: five members on LOC (both fields), only two marked an aspiration on PACE
    before = team({rid: {LOC: (2, 3), PACE: (2, 5 if rid <= 2 else None)} for rid in range(1, 6)})
    # after: six members now, four of them marked an aspiration on LOC
    after = team({rid: {LOC: (4, 5 if rid <= 4 else None), PACE: (3, 4)} for rid in range(1, 7)})
    got = analysis.movement(before, after, (5, 6))
    moved = got["moved"]
    assert moved.loc[LOC, "current_before"] == 2.0 and moved.loc[LOC, "aspiration_before"] == 3.0
    assert moved.loc[PACE, "current_before"] == 2.0
    assert_nan(moved.loc[PACE, "aspiration_before"])  # two members: withheld
    assert_nan(moved.loc[PACE, "aspiration_change"])
    assert moved.loc[LOC, "current_after"] == 4.0 and moved.loc[LOC, "current_change"] == 2.0
    assert_nan(moved.loc[LOC, "aspiration_after"])  # four members, and this session's minimum is six
    assert_nan(moved.loc[LOC, "aspiration_change"])
    assert moved.loc[PACE, "aspiration_after"] == 4.0
    assert got["withheld"] == {"before": 1, "after": 1}
    assert got["shown"] == {"before": True, "after": True}
    # with a minimum of one, it is the plain change
    pd.testing.assert_frame_equal(analysis.movement(before, after, 1)["moved"], analysis.change(before, after))


def test_movement_of_nobody_and_a_bad_minimum():
    got = analysis.movement(empty_marks(), empty_marks(), 5)
    assert got["shown"] == {"before": False, "after": False} and got["members"] == {"before": 0, "after": 0}
    assert got["moved"].isna().all().all()
    with pytest.raises(ValueError, match="min_group"):
        analysis.movement(empty_marks(), empty_marks(), (1, 2, 3))


# ------------------------------------------------------------------ conditions for scale

CIDS = ["visioning", "planning", "talent", "culture"]
LAYER_OF = {"visioning": "processes", "planning": "processes", "talent": "systems", "culture": "systems"}
CCOLUMNS = ["member", "condition", "rating", "priority"]


def cmarks() -> pd.DataFrame:
    return pd.DataFrame([
        ("Ana", "visioning", 2, True),
        ("Ben", "visioning", 4, False),
        ("Cy", "visioning", 5, True),
        ("Ana", "planning", 3, False),
        ("Ben", "planning", 3, True),
        ("Ana", "talent", None, True),  # a vote without a rating still counts as a vote
        ("Ben", "talent", 1, False),
    ], columns=CCOLUMNS).astype({"rating": float})


def test_condition_matrix():
    m = analysis.condition_matrix(cmarks(), CIDS)
    assert list(m.columns) == CIDS
    assert list(m.index) == ["Ana", "Ben", "Cy"]
    expected = np.array([[2, 3, NAN, NAN], [4, 3, 1, NAN], [5, NAN, NAN, NAN]])
    np.testing.assert_array_equal(m.to_numpy(dtype=float), expected)


def test_condition_matrix_of_nobody():
    m = analysis.condition_matrix(pd.DataFrame(columns=CCOLUMNS), CIDS)
    assert m.empty
    assert list(m.columns) == CIDS


def test_condition_summary():
    out = analysis.condition_summary(cmarks(), CIDS, LAYER_OF)
    assert list(out.index) == CIDS
    assert out["layer"].tolist() == ["processes", "processes", "systems", "systems"]
    assert out["n"].tolist() == [3, 2, 1, 0]
    assert out["votes"].tolist() == [2, 1, 1, 0]
    v = out.loc["visioning"]
    assert v["median"] == 4.0
    assert v["mean"] == pytest.approx(11 / 3)
    assert v["iqr"] == pytest.approx(1.5)  # q1 3, q3 4.5
    assert v["range"] == 3.0
    assert out.loc["planning", ["median", "mean", "iqr", "range"]].tolist() == [3.0, 3.0, 0.0, 0.0]
    assert out.loc["talent", ["median", "iqr", "range"]].tolist() == [1.0, 0.0, 0.0]
    for col in ("median", "mean", "iqr", "range"):
        assert_nan(out.loc["culture", col])


def test_condition_summary_of_nobody(content):
    fw = content.framework
    ids = [c.id for c in fw.conditions]
    layer_of = {c.id: fw.layer_of(c.id).id for c in fw.conditions}
    out = analysis.condition_summary(pd.DataFrame(columns=CCOLUMNS), ids, layer_of)
    assert list(out.index) == ids
    assert len(out) == 16
    assert (out["n"] == 0).all()
    assert (out["votes"] == 0).all()
    assert out["median"].isna().all()
    assert analysis.top_priorities(out) == []


def test_layer_summary():
    out = analysis.layer_summary(analysis.condition_summary(cmarks(), CIDS, LAYER_OF))
    assert list(out.index) == ["processes", "systems"]
    assert out.loc["processes", "median_of_medians"] == 3.5  # medians 4 and 3
    assert out.loc["processes", "lowest"] == "planning"
    assert out.loc["processes", "votes"] == 3
    assert out.loc["systems", "median_of_medians"] == 1.0  # culture unrated
    assert out.loc["systems", "lowest"] == "talent"
    assert out.loc["systems", "votes"] == 1


def test_layer_summary_median_of_three_medians_and_unrated_layer():
    ids = ["a", "b", "c", "d"]
    layer_of = {"a": "one", "b": "one", "c": "one", "d": "two"}
    data = pd.DataFrame([("m", "a", 1, False), ("m", "b", 2, False), ("m", "c", 5, True), ("m", "d", None, True)],
                        columns=CCOLUMNS).astype({"rating": float})
    out = analysis.layer_summary(analysis.condition_summary(data, ids, layer_of))
    assert out.loc["one", "median_of_medians"] == 2.0  # the column's name: median of 1, 2, 5
    assert out.loc["one", "lowest"] == "a"
    assert_nan(out.loc["two", "median_of_medians"])
    assert out.loc["two", "lowest"] is None
    assert out.loc["two", "votes"] == 1


def test_top_priorities_votes_then_framework_order_at_most_k():
    csum = pd.DataFrame({"votes": [1, 3, 1, 0, 1]}, index=["zeta", "alpha", "mid", "none", "beta"])
    assert analysis.top_priorities(csum) == ["alpha", "zeta", "mid"]
    assert analysis.top_priorities(csum, k=2) == ["alpha", "zeta"]
    assert analysis.top_priorities(csum, k=10) == ["alpha", "zeta", "mid", "beta"]  # zero votes never listed


def test_top_priorities_from_summary():
    csum = analysis.condition_summary(cmarks(), CIDS, LAYER_OF)
    assert analysis.top_priorities(csum) == ["visioning", "planning", "talent"]
    assert analysis.top_priorities(csum, k=1) == ["visioning"]


def _groupby_condition_summary(cmarks, condition_ids, layer_of):
    """The definition: pandas' groupby statistics per condition (what condition_summary computes in numpy)."""
    data = cmarks.dropna(subset=["rating"])
    out = pd.DataFrame(index=pd.Index(condition_ids, name="condition"))
    out["layer"] = [layer_of[c] for c in condition_ids]
    g = data.groupby("condition")["rating"]
    out["n"] = g.count().reindex(condition_ids).fillna(0).astype(int)
    out["median"] = g.median().reindex(condition_ids)
    out["mean"] = g.mean().reindex(condition_ids)
    out["iqr"] = (g.quantile(0.75) - g.quantile(0.25)).reindex(condition_ids)
    out["range"] = (g.max() - g.min()).reindex(condition_ids)
    votes = cmarks[cmarks["priority"].astype(bool)].groupby("condition").size()
    out["votes"] = votes.reindex(condition_ids, fill_value=0).astype(int)
    return out


def _groupby_layer_summary(csum):
    rows = []
    for layer, part in csum.groupby("layer", sort=False):
        rated = part.dropna(subset=["median"])
        rows.append({"layer": layer, "median_of_medians": rated["median"].median() if len(rated) else np.nan,
                     "lowest": rated["median"].idxmin() if len(rated) else None, "votes": int(part["votes"].sum())})
    return pd.DataFrame(rows).set_index("layer")


def test_condition_and_layer_summaries_match_the_groupby_definition(content):
    """The numpy summaries give what pandas' groupby gives: unrated conditions, ties and missing ratings included."""
    import random

    rng = random.Random(5)
    fw = content.framework
    ids = [c.id for c in fw.conditions]
    layer_of = {c.id: fw.layer_of(c.id).id for c in fw.conditions}
    for _ in range(300):
        rows = []
        for m in range(rng.randint(1, 14)):
            for cid in rng.sample(ids, rng.randint(0, len(ids))):
                rating = None if rng.random() < 0.15 else float(rng.randint(1, 5))
                rows.append((f"Member {m + 1}", cid, rating, rng.random() < 0.2))
        data = pd.DataFrame(rows, columns=CCOLUMNS).astype({"rating": float})
        want = _groupby_condition_summary(data, ids, layer_of) if len(data) else None
        got = analysis.condition_summary(data, ids, layer_of)
        if want is not None:
            pd.testing.assert_frame_equal(got, want)
        pd.testing.assert_frame_equal(analysis.layer_summary(got), _groupby_layer_summary(got))
        order = {cid: i for i, cid in enumerate(ids)}
        voted = sorted((c for c in ids if got.loc[c, "votes"] > 0), key=lambda c: (-got.loc[c, "votes"], order[c]))
        assert analysis.top_priorities(got, 3) == voted[:3]


def test_one_median_for_every_view():
    """The network's summaries (analysis.median) and a session's summary (pandas) agree on the same marks."""
    import random

    rng = random.Random(3)
    assert analysis.median([]) is None and analysis.median([None, float("nan")]) is None
    assert analysis.median([1, 2]) == 1.5 and analysis.median([3, None, 1, 2]) == 2
    for _ in range(200):
        values = [rng.choice([1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, None]) for _ in range(rng.randint(1, 12))]
        frame = marks_frame([(i, f"M{i}", "teacher", "pace", v, None) for i, v in enumerate(values)])
        expected = analysis.summary(frame)["median"]["pace"]
        got = analysis.median(values)
        assert (got is None and pd.isna(expected)) or got == expected, values
