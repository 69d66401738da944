"""workbook.charts: the figure data a reader relies on (values, order, styles, labels, empty states)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.helpers import marks_frame
from workbook import analysis, charts
from workbook.content import theme
from workbook.content.frameworks import SPECTRUM_IDS

LOC, PACE, RES, CAP, FLEX, COMP, SHARE = SPECTRUM_IDS
COLUMNS = ["respondent_id", "name", "role", "spectrum", "current", "aspiration"]


def values(seq) -> list:
    """Trace data as a plain list with None for gaps (plotly may hold tuples or arrays)."""
    out = []
    for v in list(seq):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, (int, float, np.integer, np.floating)):
            out.append(float(v))
        else:
            out.append(v)
    return out


def trace(fig: go.Figure, name: str):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"{name!r} among {[t.name for t in fig.data]}"
    return found[0]


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def pole_labels(fig: go.Figure) -> set[tuple]:
    """(x, row, text) of each pole label (one text trace drawn with the tracks)."""
    t = trace(fig, charts.POLE_LABELS)
    assert t.mode == "markers+text" and t.hoverinfo == "skip" and t.showlegend is False
    # the marker is never seen: it only sets the label off its point by more than the largest mark's radius
    assert t.marker.opacity == 0 and t.marker.size >= 20
    return set(zip(t.x, t.y, t.text))


@pytest.fixture()
def spectra(content):
    return content.spectra


@pytest.fixture()
def dims(spectra) -> list[str]:
    return [s.dimension for s in spectra]


@pytest.fixture()
def team() -> pd.DataFrame:
    return marks_frame({
        1: {LOC: (1, 4), PACE: (2, 3), RES: (5, None)},
        2: {LOC: (3, 5), PACE: (4, None), SHARE: (2, 4)},
        3: {LOC: (5, 5)},
    }, {1: "principal", 2: "teacher", 3: "coach"})


# ------------------------------------------------------------------ pathway

CURRENT = {LOC: 2, PACE: None, RES: 4.5, CAP: 1, FLEX: 3, COMP: 5, SHARE: None}
ASPIRATION = {LOC: 4, PACE: 5, RES: None, CAP: 2, FLEX: 3, COMP: 1}  # SHARE absent altogether


@pytest.fixture(scope="module")
def path_fig() -> go.Figure:
    """The pathway figure for CURRENT and ASPIRATION, built once (tests only read it)."""
    from workbook.content.frameworks import load_content

    return charts.pathway(load_content().spectra, CURRENT, ASPIRATION)


def test_pathway_now_and_aspiration_traces(path_fig, dims):
    fig = path_fig
    now = trace(fig, "Now")
    assert values(now.x) == [2.0, None, 4.5, 1.0, 3.0, 5.0, None]
    assert list(now.y) == dims
    assert now.line.dash == "solid"
    assert now.marker.symbol == "circle"
    assert now.line.color == theme.NOW
    assert now.marker.color == theme.NOW
    assert now.connectgaps is False
    asp = trace(fig, "Aspiration")
    assert values(asp.x) == [4.0, 5.0, None, 2.0, 3.0, 1.0, None]
    assert list(asp.y) == dims
    assert asp.line.dash == "dash"
    assert asp.marker.symbol == "diamond"
    assert asp.line.color == theme.ASPIRATION
    assert asp.marker.color == theme.ASPIRATION


def test_pathway_dimension_names_in_guide_order(path_fig, spectra, dims):
    assert [s.id for s in spectra] == list(SPECTRUM_IDS)
    assert dims[0] == "Locus of Control"
    fig = path_fig
    assert list(trace(fig, "Now").y) == dims


def test_pathway_hover_describes_marks(path_fig, spectra):
    fig = path_fig
    texts = list(trace(fig, "Now").text)
    assert texts[0] == f"Locus of Control: {spectra[0].describe(2)}"
    assert "toward Centralized" in texts[0]
    assert texts[1] == ""  # unmarked


def test_pathway_pole_labels_at_both_ends_of_every_row(path_fig, spectra):
    fig = path_fig
    # long labels wrap onto two lines so the two ends never collide; the words are unchanged
    labels = pole_labels(fig)
    placed = {(x, y, text.replace("<br>", " ")) for x, y, text in labels}
    assert any("<br>" in text for _x, _y, text in labels)
    for s in spectra:
        assert (1, s.dimension, s.left.plain_label) in placed, s.id
        assert (5, s.dimension, s.right.plain_label) in placed, s.id
    assert len(labels) == 2 * len(spectra)
    # left labels read rightwards from the left end, right labels leftwards from the right end
    positions = dict(zip(trace(fig, charts.POLE_LABELS).x, trace(fig, charts.POLE_LABELS).textposition))
    assert positions == {1: "top right", 5: "top left"}
    # no layout annotations left to re-lay out on every redraw (only the empty-state hint)
    assert all(a.xref == "paper" for a in fig.layout.annotations)


def test_pathway_locus_of_control_at_the_top(path_fig, dims):
    fig = path_fig
    yaxis = fig.layout.yaxis
    assert yaxis.categoryorder == "array"
    # plotly draws the first category at the bottom: the guide's first row must come last
    assert list(yaxis.categoryarray) == list(reversed(dims))
    assert yaxis.categoryarray[-1] == "Locus of Control"
    assert list(fig.layout.xaxis.tickvals) == [1, 2, 3, 4, 5]


def test_pathway_empty_shows_hint(spectra):
    for current, aspiration in (({}, {}), ({s: None for s in SPECTRUM_IDS}, {s: None for s in SPECTRUM_IDS})):
        fig = charts.pathway(spectra, current, aspiration)
        assert any("Move a slider" in t for t in annotation_texts(fig))
        assert values(trace(fig, "Now").x) == [None] * 7


def test_pathway_with_only_nan_marks_shows_hint(spectra):
    # analysis.pathway(...).to_dict() gives NaN, not None, for unmarked spectra; _line draws NaN as a gap
    nan = {s: float("nan") for s in SPECTRUM_IDS}
    fig = charts.pathway(spectra, nan, dict(nan))
    assert values(trace(fig, "Now").x) == [None] * 7
    assert any("Move a slider" in t for t in annotation_texts(fig))


def test_pathway_with_a_mark_has_no_hint(spectra):
    fig = charts.pathway(spectra, {LOC: None}, {PACE: 3})
    assert not any("Move a slider" in t for t in annotation_texts(fig))


def test_now_and_aspiration_differ_by_more_than_colour(path_fig):
    assert theme.NOW_STYLE["dash"] != theme.ASPIRATION_STYLE["dash"]
    assert theme.NOW_STYLE["symbol"] != theme.ASPIRATION_STYLE["symbol"]
    fig = path_fig
    now, asp = trace(fig, "Now"), trace(fig, "Aspiration")
    assert now.line.dash != asp.line.dash
    assert now.marker.symbol != asp.marker.symbol


# ------------------------------------------------------------------ team pathways

def test_team_pathways_members_medians_and_agreed(spectra, dims, team):
    median = analysis.median_pathway(team)
    agreed = pd.DataFrame({"spectrum": [LOC, PACE], "current": [3.0, None], "aspiration": [5.0, 4.0]})
    fig = charts.team_pathways(spectra, team, median, agreed=agreed, labels={1: "Ana"})
    faint = [t for t in fig.data if isinstance(t, go.Scatter) and t.opacity == 0.35]
    assert len(faint) == 3 * 2
    assert all(t.showlegend is False for t in faint)
    names = {t.name for t in faint}
    assert {"Ana (now)", "Ana (aspiration)", "Member 2 (now)", "Member 3 (aspiration)"} <= names
    ana_now = trace(fig, "Ana (now)")
    assert values(ana_now.x) == [1.0, 2.0, 5.0, None, None, None, None]
    assert ana_now.line.dash == "solid" and ana_now.marker.symbol == "circle"
    ana_asp = trace(fig, "Ana (aspiration)")
    assert values(ana_asp.x) == [4.0, 3.0, None, None, None, None, None]
    assert ana_asp.line.dash == "dash" and ana_asp.marker.symbol == "diamond"

    med_now = trace(fig, "Team median, now")
    assert values(med_now.x) == [3.0, 3.0, 5.0, None, None, None, 2.0]
    assert list(med_now.y) == dims
    med_asp = trace(fig, "Team median, aspiration")
    assert values(med_asp.x) == [5.0, 3.0, None, None, None, None, 4.0]
    assert med_asp.line.color == theme.ASPIRATION

    ag_now = trace(fig, "Agreed now")
    assert ag_now.mode == "markers"
    assert ag_now.marker.symbol == "circle-open"
    assert values(ag_now.x) == [3.0, None, None, None, None, None, None]
    ag_asp = trace(fig, "Agreed aspiration")
    assert ag_asp.marker.symbol == "diamond-open"
    assert values(ag_asp.x) == [5.0, 4.0, None, None, None, None, None]
    assert not any("Nobody" in t for t in annotation_texts(fig))


def test_team_pathways_without_agreed(spectra, team):
    fig = charts.team_pathways(spectra, team, analysis.median_pathway(team))
    assert not [t for t in fig.data if (t.name or "").startswith("Agreed")]
    fig = charts.team_pathways(spectra, team, analysis.median_pathway(team),
                               agreed=pd.DataFrame(columns=["spectrum", "current", "aspiration"]))
    assert not [t for t in fig.data if (t.name or "").startswith("Agreed")]


def test_team_pathways_empty_state(spectra):
    empty = marks_frame({})
    fig = charts.team_pathways(spectra, empty, analysis.median_pathway(empty))
    assert "Nobody has charted a pathway yet" in annotation_texts(fig)
    assert values(trace(fig, "Team median, now").x) == [None] * 7


# ------------------------------------------------------------------ alignment, roles, gaps

def test_alignment_box_of_marks(spectra, team):
    fig = charts.alignment(spectra, team, "current")
    boxes = [t for t in fig.data if isinstance(t, go.Box)]
    assert len(boxes) == 1
    box = boxes[0]
    assert box.orientation == "h"
    assert values(box.x) == [1.0, 2.0, 5.0, 3.0, 4.0, 2.0, 5.0]
    assert list(box.y) == ["Locus of Control", "Pace", "Resource Allocation", "Locus of Control", "Pace",
                           "Sharing Learning", "Locus of Control"]
    assert box.marker.color == theme.NOW
    assert box.boxpoints == "all"
    asp = [t for t in charts.alignment(spectra, team, "aspiration").data if isinstance(t, go.Box)][0]
    assert values(asp.x) == [4.0, 3.0, 5.0, 4.0, 5.0]
    assert asp.marker.color == theme.ASPIRATION
    assert asp.marker.symbol == "diamond"


def test_alignment_empty_state(spectra):
    fig = charts.alignment(spectra, marks_frame({}))
    assert "Nobody has marked this yet" in annotation_texts(fig)


def test_roles_one_line_per_role(spectra, team):
    rm = analysis.role_medians(team)
    fig = charts.roles(spectra, rm)
    lines = {t.name: t for t in fig.data if t.name and t.name != charts.POLE_LABELS}
    assert set(lines) == {"coach", "principal", "teacher"}
    assert values(lines["principal"].x) == [1.0, 2.0, 5.0, None, None, None, None]
    assert values(lines["teacher"].x) == [3.0, 4.0, None, None, None, None, 2.0]
    assert values(lines["coach"].x) == [5.0, None, None, None, None, None, None]
    assert len({t.marker.symbol for t in lines.values()}) == 3  # not colour alone
    assert len({t.line.color for t in lines.values()}) == 3


def test_roles_empty_state(spectra):
    fig = charts.roles(spectra, analysis.role_medians(marks_frame({})))
    assert "No marks yet" in annotation_texts(fig)


def test_gaps_bars_widest_at_top_sign_kept(spectra):
    path = pd.DataFrame({"current": {LOC: 2, PACE: 4, RES: 3, CAP: 1},
                         "aspiration": {LOC: 4, PACE: 1, RES: 3, CAP: 2}}, dtype=float)
    table = analysis.gaps(path)  # PACE -3, LOC +2, CAP +1, RES 0
    fig = charts.gaps(spectra, table)
    bar = fig.data[0]
    assert isinstance(bar, go.Bar) and bar.orientation == "h"
    # plotly puts the first category at the bottom, so the widest gap comes last
    assert list(bar.y) == ["Resource Allocation", "Cultivating Capacity", "Locus of Control", "Pace"]
    assert values(bar.x) == [0.0, 1.0, 2.0, -3.0]
    assert list(bar.text) == ["+0", "+1", "+2", "-3"]
    hover = list(bar.hovertext)
    assert hover[3] == "Pace: move 3 toward Fast and Furious"
    assert hover[2] == "Locus of Control: move 2 toward Decentralized"
    assert hover[0] == "Resource Allocation: no gap"
    assert bar.marker.color == theme.ASPIRATION


def test_gaps_empty_state(spectra):
    fig = charts.gaps(spectra, analysis.gaps(pd.DataFrame({"current": {LOC: 2.0}, "aspiration": {LOC: None}})))
    assert any("No gaps yet" in t for t in annotation_texts(fig))


# ------------------------------------------------------------------ survey, change

def test_survey_traces_carry_survey_values(content, spectra, dims, team):
    survey = pd.DataFrame([s.model_dump() for s in content.survey])
    bench = analysis.survey_benchmark(team, survey)
    fig = charts.survey(spectra, bench)
    med = trace(fig, "Survey median")
    assert values(med.x) == [content.survey_for(s).median for s in SPECTRUM_IDS]
    assert values(med.x) == [3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 2.0]
    assert list(med.y) == dims
    mean = trace(fig, "Survey mean")
    assert values(mean.x) == pytest.approx([2.8, 3.6, 3.3, 3.3, 3.7, 3.2, 2.4])
    assert med.marker.symbol != mean.marker.symbol
    me = trace(fig, "Your team (median, now)")
    assert values(me.x) == [3.0, 3.0, 5.0, None, None, None, 2.0]
    assert me.line.color == theme.NOW
    shares = list(med.customdata)
    assert shares[2] == "Prioritize Need: 26%<br>Prioritize Readiness: 54%"
    assert shares[0] == "no distribution given in the report"


def test_change_before_and_after(spectra):
    before = marks_frame({1: {LOC: (2, 4), PACE: (2, 3)}, 2: {LOC: (4, None)}})
    after = marks_frame({1: {LOC: (4, 5), RES: (1, 2)}, 2: {LOC: (4, 3)}})
    fig = charts.change(spectra, analysis.change(before, after))
    earlier = trace(fig, "Now, earlier")
    assert values(earlier.x) == [3.0, 2.0, None, None, None, None, None]
    assert earlier.marker.symbol == "circle-open"
    later = trace(fig, "Now, later")
    assert values(later.x) == [4.0, None, 1.0, None, None, None, None]
    assert later.marker.symbol == "circle"
    asp_before = trace(fig, "Aspiration, earlier")
    assert values(asp_before.x) == [4.0, 3.0, None, None, None, None, None]
    assert asp_before.marker.symbol == "diamond-open"
    asp_after = trace(fig, "Aspiration, later")
    assert values(asp_after.x) == [4.0, None, 2.0, None, None, None, None]
    assert asp_after.line.dash == "dash"


# ------------------------------------------------------------------ conditions for scale

def test_framework_rings(content):
    fw = content.framework
    fig = charts.framework_rings(fw)
    bars = [t for t in fig.data if isinstance(t, go.Barpolar)]
    assert len(bars) == 4
    core, layers = bars[0], bars[1:]
    assert core.name == fw.core.name
    assert list(core.r) == [1] and core.base == 0 and list(core.width) == [360]
    assert [len(t.r) for t in layers] == [4, 8, 4]
    assert [t.base for t in layers] == [1, 2, 3] == [layer.ring for layer in fw.layers]
    assert [t.name for t in layers] == [layer.name for layer in fw.layers]
    for t, layer in zip(layers, fw.layers):
        n = len(layer.conditions)
        assert sum(t.width) == pytest.approx(360)
        assert list(t.theta) == pytest.approx([360 / n * (i + 0.5) for i in range(n)])
        assert list(t.marker.color) == [theme.LAYER_COLOURS[layer.id]] * n
        for hover, c in zip(t.hovertext, layer.conditions):
            flat = " ".join(hover.replace("<br>", " ").split())
            assert c.name in flat
            assert " ".join(c.description.split()) in flat, c.id
    labels = [t for t in fig.data if isinstance(t, go.Scatterpolar)]
    assert len(labels) == 16 + 1


def test_framework_rings_with_medians(content):
    fw = content.framework
    first = fw.layers[0].conditions[0].id
    fig = charts.framework_rings(fw, medians={first: 4.0})
    layer = [t for t in fig.data if isinstance(t, go.Barpolar)][1]
    assert "Team median: 4 of 5" in layer.hovertext[0]
    assert "Team median" not in layer.hovertext[1]
    assert layer.marker.color[1] == "#E4E7EB"  # unrated
    assert layer.marker.color[0] != "#E4E7EB"


@pytest.fixture()
def conditions():
    cids = ["visioning", "planning", "talent", "culture"]
    layer_of = {"visioning": "ongoing_processes", "planning": "ongoing_processes",
                "talent": "enabling_systems_and_structures", "culture": "essential_supports"}
    names = {"visioning": "Visioning", "planning": "Planning", "talent": "Talent Systems",
             "culture": "Community & Culture"}
    cmarks = pd.DataFrame([
        ("Ana", "visioning", 2, True), ("Ben", "visioning", 4, False), ("Cy", "visioning", 5, True),
        ("Ana", "planning", 3, False), ("Ben", "planning", 3, True), ("Ben", "talent", 1, False),
    ], columns=["member", "condition", "rating", "priority"]).astype({"rating": float})
    return cids, layer_of, names, cmarks


def test_heatmap(content, conditions):
    cids, _, names, cmarks = conditions
    matrix = analysis.condition_matrix(cmarks, cids)
    labels = content.framework.scale.labels
    fig = charts.heatmap(matrix, names, labels)
    hm = fig.data[0]
    assert isinstance(hm, go.Heatmap)
    np.testing.assert_array_equal(np.asarray(hm.z, dtype=float), matrix.to_numpy(dtype=float))
    assert hm.zmin == 1 and hm.zmax == 5
    assert list(hm.x) == ["Visioning", "Planning", "Talent Systems", "Community & Culture"]
    assert list(hm.y) == ["Ana", "Ben", "Cy"]
    assert [list(r) for r in hm.text] == [["2", "3", "", ""], ["4", "3", "1", ""], ["5", "", "", ""]]
    assert list(hm.colorbar.ticktext) == list(labels.values())


def test_heatmap_empty_state(content, conditions):
    cids, _, names, _ = conditions
    matrix = analysis.condition_matrix(pd.DataFrame(columns=["member", "condition", "rating", "priority"]), cids)
    fig = charts.heatmap(matrix, names, content.framework.scale.labels)
    assert "Nobody has rated the conditions yet" in annotation_texts(fig)


def test_condition_spread_least_agreement_at_top(conditions):
    cids, layer_of, names, cmarks = conditions
    csum = analysis.condition_summary(cmarks, cids, layer_of)
    fig = charts.condition_spread(csum, names)
    bar = fig.data[0]
    # iqr: visioning 1.5, planning 0, talent 0; culture unrated (left out); widest spread last = top
    assert list(bar.y)[-1] == "Visioning"
    assert sorted(bar.y) == ["Planning", "Talent Systems", "Visioning"]
    assert values(bar.x) == [0.0, 0.0, 1.5]
    assert list(bar.marker.color)[-1] == theme.LAYER_COLOURS["ongoing_processes"]
    empty = analysis.condition_summary(pd.DataFrame(columns=["member", "condition", "rating", "priority"]),
                                       cids, layer_of)
    assert "Needs ratings from at least one member" in annotation_texts(charts.condition_spread(empty, names))


def test_votes_bars(conditions):
    cids, layer_of, names, cmarks = conditions
    csum = analysis.condition_summary(cmarks, cids, layer_of)
    fig = charts.votes(csum, names)
    bar = fig.data[0]
    assert list(bar.y) == ["Planning", "Visioning"]  # most votes at the top
    assert values(bar.x) == [1.0, 2.0]
    assert list(bar.marker.color) == [theme.LAYER_COLOURS["ongoing_processes"]] * 2
    none = csum.assign(votes=0)
    assert "No priorities picked yet" in annotation_texts(charts.votes(none, names))


# ------------------------------------------------------------------ network

def test_network_box_over_districts_and_highlight(spectra, dims):
    marks = marks_frame({1: {LOC: (2, None), PACE: (5, None)}, 2: {LOC: (4, None)}, 3: {LOC: (1, None)},
                         4: {PACE: (2, None), SHARE: (3, None)}})
    marks["district"] = ["north", "north", "north", "south", "east", "east"]
    pathways = analysis.district_pathways(marks)
    fig = charts.network(spectra, pathways, highlight="north", peers=["east", "missing"])
    box = [t for t in fig.data if isinstance(t, go.Box)]
    assert len(box) == 1
    got = sorted(zip(list(box[0].text), list(box[0].y), values(box[0].x)))
    assert got == [("east", "Pace", 2.0), ("east", "Sharing Learning", 3.0), ("north", "Locus of Control", 3.0),
                   ("north", "Pace", 5.0), ("south", "Locus of Control", 1.0)]
    north = trace(fig, "north")
    assert values(north.x) == [3.0, 5.0, None, None, None, None, None]
    assert list(north.y) == dims
    assert north.line.color == theme.NOW and north.line.width == 4
    peer = trace(fig, "Peer")
    assert values(peer.x) == [None, 2.0, None, None, None, None, 3.0]
    assert peer.line.dash == "dot"


def test_network_without_highlight(spectra):
    pathways = pd.DataFrame({s: [3.0] for s in SPECTRUM_IDS}, index=pd.Index(["only"], name="district"))
    fig = charts.network(spectra, pathways)
    # the track, the district's box, then the pole labels on top
    assert [type(t) for t in fig.data] == [go.Scatter, go.Box, go.Scatter]
    assert list(fig.data[1].text) == ["only"] * 7


def test_pole_labels_are_drawn_above_every_pathway_ringed_in_the_papers_colour(path_fig, spectra):
    """A pathway marked near a pole runs through that pole's name: the name is drawn over it, with a halo."""
    marks = {s.id: 4.5 for s in spectra}
    for fig in (path_fig, charts.pathway(spectra, marks, {s.id: 1.5 for s in spectra})):
        assert fig.data[-1].name == charts.POLE_LABELS
        assert fig.data[-1].textfont.shadow == "auto"
        # the phone's rules still reach the labels, and each other trace's rule its own trace
        for rule in narrow_rules(fig):
            for index, change in rule["traces"].items():
                trace = fig.data[int(index)]
                if "text" in change:
                    assert trace.name == charts.POLE_LABELS and len(change["text"]) == len(trace.text)
    team = charts.team_pathways(spectra, pd.DataFrame(columns=["respondent_id", "spectrum", "current", "aspiration"]),
                                pd.DataFrame({"current": {s.id: 2.0 for s in spectra},
                                              "aspiration": {s.id: 4.0 for s in spectra}}),
                                agreed=pd.DataFrame({"spectrum": [s.id for s in spectra], "current": 2.0,
                                                     "aspiration": 4.5}))
    assert team.data[-1].name == charts.POLE_LABELS
    sized = {int(i): c for rule in narrow_rules(team) for i, c in rule["traces"].items() if "marker" in c
             and "text" not in c}
    assert sized and all(team.data[i].name.startswith("Agreed") for i in sized), \
        [team.data[i].name for i in sized]


# ------------------------------------------------------------------ every figure

def test_every_figure_uses_the_theme_font(path_fig, content, spectra, team, conditions):
    cids, layer_of, names, cmarks = conditions
    survey = pd.DataFrame([s.model_dump() for s in content.survey])
    csum = analysis.condition_summary(cmarks, cids, layer_of)
    district_marks = team.assign(district=["a"] * 4 + ["b"] * 3)
    figures = [
        path_fig,
        charts.pathway(spectra, {}, {}, title=None),
        charts.team_pathways(spectra, team, analysis.median_pathway(team)),
        charts.alignment(spectra, team),
        charts.roles(spectra, analysis.role_medians(team)),
        charts.gaps(spectra, analysis.team_gaps(team)),
        charts.survey(spectra, analysis.survey_benchmark(team, survey)),
        charts.change(spectra, analysis.change(team, team)),
        charts.framework_rings(content.framework),
        charts.heatmap(analysis.condition_matrix(cmarks, cids), names, content.framework.scale.labels),
        charts.condition_spread(csum, names),
        charts.votes(csum, names),
        charts.network(spectra, analysis.district_pathways(district_marks), highlight="a"),
    ]
    for fig in figures:
        assert isinstance(fig, go.Figure)
        assert fig.layout.font.family == theme.FONT, fig.layout.title.text


def _decoded(obj):
    """Figure JSON with plotly's base64 typed arrays (``{"dtype", "bdata"}``) as plain lists."""
    import base64

    if isinstance(obj, dict):
        if set(obj) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"])
            if "shape" in obj:
                array = array.reshape([int(n) for n in str(obj["shape"]).split(",")])
            return array.tolist()
        return {k: _decoded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decoded(v) for v in obj]
    return obj


def _without_nan(obj):
    """JSON with NaN read as null (plotly writes a NaN in a plain list as null, in a typed array as NaN)."""
    if isinstance(obj, dict):
        return {k: _without_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_without_nan(v) for v in obj]
    return None if isinstance(obj, float) and math.isnan(obj) else obj


def test_a_charts_plain_spec_is_the_json_of_its_validated_figure(content, spectra, team, conditions):
    """The district report serialises its charts without plotly's object model (``.spec``): what it writes must
    be exactly what the validated figure the apps draw would write, for every builder and empty state."""
    import json

    import plotly.io as pio

    cids, layer_of, names, cmarks = conditions
    survey = pd.DataFrame([s.model_dump() for s in content.survey])
    csum = analysis.condition_summary(cmarks, cids, layer_of)
    district_marks = team.assign(district=["a"] * 4 + ["b"] * 3)
    none = team.iloc[0:0]
    agreed = pd.DataFrame({"spectrum": [LOC, PACE], "current": [2.0, 3.5], "aspiration": [4.0, None]})
    spread = {f: analysis.summary(team, f) for f in ("current", "aspiration")}
    ids = [c.id for layer in content.framework.layers for c in layer.conditions]
    calls = [
        (charts.pathway, (spectra, CURRENT, ASPIRATION), {}),
        (charts.pathway, (spectra, {}, {}), {"title": None}),
        (charts.team_pathways, (spectra, team, analysis.median_pathway(team), agreed),
         {"labels": {1: "Principal"}, "spread": spread}),
        (charts.team_pathways, (spectra, none, analysis.median_pathway(none)), {}),
        (charts.alignment, (spectra, team), {}),
        (charts.alignment, (spectra, none, "aspiration"), {}),
        (charts.roles, (spectra, analysis.role_medians(team)), {}),
        (charts.roles, (spectra, analysis.role_medians(none)), {}),
        (charts.gaps, (spectra, analysis.team_gaps(team)), {}),
        (charts.gaps, (spectra, analysis.team_gaps(none)), {}),
        (charts.survey, (spectra, analysis.survey_benchmark(team, survey)), {}),
        (charts.change, (spectra, analysis.change(team, team)), {}),
        (charts.framework_rings, (content.framework,), {}),
        (charts.framework_rings, (content.framework, {ids[0]: 2.5, ids[1]: None}), {"title": "Rings"}),
        (charts.heatmap, (analysis.condition_matrix(cmarks, cids), names, content.framework.scale.labels),
         {"numbers": {c: i for i, c in enumerate(cids, start=1)}}),
        (charts.heatmap, (analysis.condition_matrix(cmarks.iloc[0:0], cids), names, content.framework.scale.labels),
         {}),
        (charts.condition_spread, (csum, names), {}),
        (charts.condition_spread, (csum.iloc[0:0], names), {}),
        (charts.votes, (csum, names), {}),
        (charts.votes, (csum.iloc[0:0], names), {}),
        (charts.network, (spectra, analysis.district_pathways(district_marks)), {"highlight": "a", "peers": ["b"]}),
    ]
    for build, args, kwargs in calls:
        spec = build.spec(*args, **kwargs)
        assert isinstance(spec, charts.Spec)
        validated = json.loads(pio.to_json(build(*args, **kwargs)))
        plain = spec.to_json()
        assert _without_nan(plain) == _without_nan(_decoded(validated)), (build.__name__, kwargs)
        json.dumps(plain, allow_nan=False)  # plain JSON: what a kernel can send and a page can read


def test_a_spec_merges_updates_as_plotly_does():
    spec = charts.Spec({"margin": {"l": 10, "r": 5}, "title": None})
    spec.update_layout(margin=dict(l=20), legend=dict(x=0))
    spec.update_xaxes(range=[0, 1]).update_xaxes(dtick=1)
    spec.add_annotation(text="a").add_annotation(text="b")
    layout = spec.plain()["layout"]
    assert layout.pop("template")["data"] == {}  # no traces: no trace defaults
    assert layout == {"margin": {"l": 20, "r": 5}, "legend": {"x": 0},
                                      "xaxis": {"range": [0, 1], "dtick": 1}, "annotations": [{"text": "a"},
                                                                                             {"text": "b"}]}
    fig = spec.figure()
    assert fig.layout.margin.l == 20 and fig.layout.margin.r == 5 and fig.layout.xaxis.dtick == 1


@pytest.mark.parametrize("default", ["plotly", "plotly_white", "plotly+presentation"])
def test_the_template_read_without_plotly_validators_is_the_one_a_validated_figure_carries(default):
    """A shipped template is read from plotly's JSON file (no validators); a combined one is built by plotly."""
    import plotly.io as pio

    before = pio.templates.default
    charts._template.cache_clear()
    try:
        pio.templates.default = default
        assert charts._template() == go.Figure().layout.template.to_plotly_json()
    finally:
        pio.templates.default = before
        charts._template.cache_clear()
        charts._template_for.cache_clear()


def test_a_chart_carries_the_default_template_as_it_bears_on_its_traces(content, spectra, team):
    """plotly's default template, less the trace types and subplots the chart does not have: it looks the same."""
    full = go.Figure().layout.template.to_plotly_json()
    rings = charts.framework_rings(content.framework).layout.template.to_plotly_json()
    assert set(rings["data"]) == {"barpolar", "scatterpolar"}
    assert rings["data"]["barpolar"] == full["data"]["barpolar"]
    assert rings["layout"]["polar"] == full["layout"]["polar"] and rings["layout"]["xaxis"] == full["layout"]["xaxis"]
    assert not {"scene", "geo", "ternary"} & set(rings["layout"])
    box = charts.alignment(spectra, team).layout.template.to_plotly_json()
    assert set(box["data"]) == {"scatter"}  # the template has no box defaults


def test_rings_read_without_hover_numbers_values_a_colour_bar_and_readable_text(content):
    fw = content.framework
    ids = [c.id for layer in fw.layers for c in layer.conditions]
    medians = {cid: v for cid, v in zip(ids, [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 2, 3, 4, 1.5, 2.5, 3.5, None])}
    fig = charts.framework_rings(fw, medians)
    numbers = charts.condition_numbers(fw)
    assert sorted(numbers.values()) == list(range(1, 17))
    bars = [t for t in fig.data if isinstance(t, go.Barpolar)][1:]
    labels = [t for t in fig.data if isinstance(t, go.Scatterpolar) and t.mode == "text"][:-1]
    assert len(labels) == 16
    segment_colours = [c for bar in bars for c in bar.marker.color]
    for label, colour, cid in zip(labels, segment_colours, ids):
        text = label.text[0]
        assert text.startswith(f"<b>{numbers[cid]}</b>")  # the number the key names
        assert (f"<br>{medians[cid]:g}" in text) if medians[cid] is not None else text.endswith("<br>—")
        assert charts.contrast(label.textfont.color, colour) >= 4.5, (cid, colour, label.textfont.color)
    scale = [t for t in fig.data if isinstance(t, go.Scatterpolar) and t.mode == "markers"]
    assert len(scale) == 1 and scale[0].marker.showscale and scale[0].marker.colorbar.ticktext[0] == "1 not aligned"
    assert not any(bar.showlegend for bar in bars)  # layer swatches would show colours the scale does not mean


def test_the_rings_key_names_every_number(content):
    from workbook.html.conditions import rings_key

    fw = content.framework
    numbers = charts.condition_numbers(fw)
    key = rings_key(fw, {fw.layers[0].conditions[0].id: 2.5})
    for layer in fw.layers:
        for c in layer.conditions:
            assert f"<tr><td>{numbers[c.id]}</td><th scope='row'>" in key
    assert "<td>2.5</td>" in key and "<td>—</td>" in key and "Team median" in key
    assert "Team median" not in rings_key(fw)


# ------------------------------------------------------------------ narrow screens

def narrow_rules(fig: go.Figure) -> list[dict]:
    return fig.to_plotly_json()["layout"]["meta"]["narrow"]


def test_a_pathway_on_a_phone_wraps_its_names_and_pole_labels(path_fig, spectra, dims):
    (rule,) = narrow_rules(path_fig)[:1]
    assert rule["below"] == charts.NARROW
    ticks = rule["layout"]["yaxis"]
    assert ticks["tickvals"] == dims
    assert "Cultivating<br>Capacity" in ticks["ticktext"] and "Locus of<br>Control" in ticks["ticktext"]
    assert rule["layout"]["margin"]["l"] < path_fig.layout.margin.l  # the names no longer take half a phone
    poles = next(i for i, t in enumerate(path_fig.data) if t.name == charts.POLE_LABELS)
    wrapped = rule["traces"][str(poles)]["text"]
    assert len(wrapped) == len(path_fig.data[poles].text) == 2 * len(spectra)
    assert all(max(len(line) for line in label.split("<br>")) <= 13 for label in wrapped), wrapped
    # the legend sits under the chart, where a wrapped legend meets neither the title nor the first row
    assert path_fig.layout.legend.yref == "container" and path_fig.layout.legend.yanchor == "bottom"


def test_the_heatmap_turns_on_a_phone_conditions_down_the_side_by_their_key_number(content):
    fw = content.framework
    numbers = charts.condition_numbers(fw)
    ids = list(numbers)[:3]
    matrix = pd.DataFrame([[1.0, 2.0, None], [4.0, 5.0, 3.0]], index=["Member 1", "Member 2"], columns=ids)
    names = {c: content.condition(c).name for c in ids}
    fig = charts.heatmap(matrix, names, fw.scale.labels, numbers=numbers)
    tablet, phone = narrow_rules(fig)
    assert tablet["below"] > phone["below"] and tablet["layout"]["xaxis"]["tickangle"] == -90
    turned = phone["traces"]["0"]
    assert turned["x"] == ["Member 1", "Member 2"] and turned["y"] == ["1", "2", "3"]
    assert np.allclose(np.array(turned["z"], dtype=float), matrix.to_numpy(dtype=float).T, equal_nan=True)
    assert turned["customdata"][0] == [names[ids[0]]] * 2  # the hover still names the condition
    assert turned["colorbar"]["orientation"] == "h"
    # without the numbers (the printed report) the chart keeps one layout for every width but the tablet's
    assert len(narrow_rules(charts.heatmap(matrix, names, fw.scale.labels))) == 1


# ------------------------------------------------------------------ one spectrum, every member (the projector)

def test_stacked_gives_every_equal_mark_a_place_of_its_own():
    marks = [3.0] * 7 + [2.0, 2.5, 5.0, 3.0, 2.0, 1.0]
    dx, dy = charts.stacked(marks)
    places = {(v + x, y) for v, x, y in zip(marks, dx, dy)}
    assert len(places) == len(marks) == 13
    assert all(abs(x) < 0.25 for x in dx)  # a pile never reaches the next half step's
    assert charts.stacked([4.0]) == ([0.0], [0.0])  # a mark on its own sits on its value


def test_spectrum_dots_has_one_marker_per_member_and_the_medians(spectra):
    now = [3.0] * 6 + [2.0] * 3 + [4.0] * 2 + [1.0, 5.0]  # 13 members, most of them on a shared value
    asp = [4.0] * 9 + [4.5, 4.5, None, None]  # two have not marked the aspiration yet
    frame = marks_frame({i: {PACE: (n, a)} for i, (n, a) in enumerate(zip(now, asp))})
    fig = charts.spectrum_dots(spectra[1], frame)
    for name, vals in (("Members, now", now), ("Members, aspiration", [a for a in asp if a is not None])):
        t = trace(fig, name)
        assert len(t.x) == len(vals) and len(set(zip(t.x, t.y))) == len(vals), name
        assert sorted(t.customdata) == sorted(vals)
    assert values(trace(fig, "Median, now").x) == [3.0, 3.0]
    assert values(trace(fig, "Median, aspiration").x) == [4.0, 4.0]
    rows = {trace(fig, "Members, now").y[0] >= 0.5, trace(fig, "Members, aspiration").y[0] < 0.5}
    assert rows == {True}  # now above, aspiration below, each within its own row
    spec = charts.spectrum_dots.spec(spectra[1], frame)
    import json

    import plotly.io as pio
    assert _without_nan(spec.to_json()) == _without_nan(_decoded(json.loads(pio.to_json(fig))))


def test_spectrum_dots_empty_state(spectra):
    fig = charts.spectrum_dots(spectra[0], marks_frame({}))
    assert "Nobody has marked this spectrum yet" in annotation_texts(fig)


def test_condition_dots_show_every_rating_and_each_conditions_median(content):
    import json

    import plotly.io as pio

    fw = content.framework
    ids = [c.id for c in content.conditions]
    rows = [(m, f"Member {m}", "teacher", cid, r, False)
            for m, ratings in {1: 3.0, 2: 3.0, 3: 3.0, 4: 4.5, 5: 1.0}.items()
            for cid, r in ((ids[0], ratings), (ids[5], 2.0))]
    cmarks = pd.DataFrame(rows, columns=["respondent_id", "name", "role", "condition", "rating", "priority"])
    fig = charts.condition_dots(fw, cmarks)
    dots = trace(fig, "Members' ratings")
    assert len(dots.x) == 10 and len(set(zip(dots.x, dots.y))) == 10  # every rating, none hidden under another
    top = len(ids) - 1  # the first condition is the top row
    assert sorted(round(x * 2) / 2 for x, y in zip(dots.x, dots.y) if abs(y - top) < 0.5) == [1, 3, 3, 3, 4.5]
    medians = values(trace(fig, "Team median").x)
    assert medians == [3.0, 3.0, None, 2.0, 2.0, None]
    assert list(fig.layout.yaxis.ticktext)[-1].endswith(content.conditions[0].name)
    spec = charts.condition_dots.spec(fw, cmarks)
    assert _without_nan(spec.to_json()) == _without_nan(_decoded(json.loads(pio.to_json(fig))))
    empty = charts.condition_dots(fw, cmarks.iloc[0:0])
    assert "Nobody has rated the conditions yet" in annotation_texts(empty)


def test_a_pathway_kept_in_view_on_a_phone_keeps_its_rows_apart(spectra):
    """A phone caps a kept-in-view chart at a part of the window (the widget's ``fit``); the figure names the
    least height its rows need with its narrow margins: 30 px a row, more with last time's pathway in the legend."""
    def least_and_narrow_margins(fig):
        layout = fig.layout.to_plotly_json() if hasattr(fig.layout, "to_plotly_json") else fig.layout
        meta = layout["meta"]
        bottom = [r["layout"]["margin"]["b"] for r in meta["narrow"] if "b" in r["layout"].get("margin", {})][-1]
        return meta["fit_least"], layout["margin"]["t"], bottom

    plain = least_and_narrow_margins(charts.pathway(spectra, {}, {}))
    follow_up = least_and_narrow_margins(charts.pathway(
        spectra, {}, {}, last_time={"current": {LOC: 2.0}, "aspiration": {}}, last_time_name="Agreed last time"))
    for least, top, bottom in (plain, follow_up):
        assert least == charts.FIT_ROW * 7 + top + bottom
    assert follow_up[0] > plain[0] > 240  # 240: the widget's least without it
