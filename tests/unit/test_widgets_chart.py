"""Charts on the pages: the Voila chart widget (figure JSON, partial updates, linked sliders) and its fallback."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from workbook import charts
from workbook.apps.charting_your_path import ChartingYourPath
from workbook.widgets import chart as chart_mod
from workbook.widgets.chart import Chart, MimePlotView, PlotView
from workbook.widgets.marks import MarkSlider

SLUG = "chart-usd"


@pytest.fixture()
def voila(monkeypatch):
    """A kernel as Voila starts it (it sets VOILA_BASE_URL)."""
    monkeypatch.setenv("VOILA_BASE_URL", "/base/")


@pytest.fixture()
def page(store, content, voila):
    store.create_district(SLUG, "Chart Unified (fictional)")
    session = store.create_session(SLUG, "Round 1")
    app = ChartingYourPath(store, content, store.district(SLUG), session)
    app.name.value, app.role.value = "Rowan Example", "Teacher"
    app._on_start()
    return app


def trace_json(spec: dict, name: str) -> dict:
    found = [t for t in spec["data"] if t.get("name") == name]
    assert len(found) == 1, [t.get("name") for t in spec["data"]]
    return found[0]


def test_plotview_is_the_chart_widget_under_voila_and_mime_output_elsewhere(monkeypatch):
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    monkeypatch.delenv("VOILA_BASE_URL", raising=False)
    assert isinstance(PlotView(fig), MimePlotView)
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    assert isinstance(PlotView(fig), Chart)


def test_chart_sends_plain_json_and_plotly_from_this_server(voila):
    import numpy as np

    fig = go.Figure(go.Scatter(x=np.array([1.0, 2.0]), y=["a", "b"], name="Now"),
                    layout=dict(title=dict(text="Your pathway")))
    c = Chart(fig)
    assert c.src == "/base/voila/static/plotly.min.js"  # no CDN: the apps work offline
    assert c.label == "Chart: Your pathway"
    assert c.figure is fig and c.renders == 1
    json.dumps(c.spec)  # what goes over the wire is plain JSON (numpy arrays included)
    assert c.spec["layout"]["title"]["text"] == "Your pathway"
    assert c.config["displaylogo"] is False
    assert c.config["toImageButtonOptions"]["format"] == "svg"


def test_partial_show_resends_only_the_changed_traces(voila):
    fig = go.Figure([go.Scatter(x=[1, 2], y=["a", "b"], name="Track"), go.Scatter(x=[3, 4], y=["a", "b"], name="Now")],
                    layout=dict(title=dict(text="t")))
    c = Chart(fig)
    first = c.spec
    fig.data[1].x = (5, 5)
    fig.data[0].x = (9, 9)  # changed, but not declared: the sent spec keeps the earlier value
    c.show(fig, traces=[1], layout=False)
    assert c.spec is not first and c.renders == 2
    assert trace_json(c.spec, "Now")["x"] == [5, 5]
    assert trace_json(c.spec, "Track")["x"] == [1, 2]
    assert c.spec["layout"] is first["layout"]
    # a different figure is always sent whole
    other = go.Figure(go.Scatter(x=[7], y=["a"], name="Now"))
    c.show(other, traces=[0], layout=False)
    assert [t["name"] for t in c.spec["data"]] == ["Now"]


def test_link_records_slider_model_ids(voila):
    c = Chart(go.Figure(go.Scatter(x=[None], y=["a"], name="Now")))
    s = MarkSlider(label="Now", kind="now", name="Locus of Control, now", left="A", right="B")
    c.link(s, 0, 0)
    assert c.links == [{"model": s.model_id, "trace": 0, "point": 0}]
    MimePlotView().link(s, 0, 0)  # outside Voila there is nothing to link, and nothing breaks


def test_charting_links_every_slider_to_its_point(page, content):
    spec = page.plot.spec
    names = [t.get("name") for t in spec["data"]]
    # the page opens on the guide's first pass: its now sliders are linked; the aspiration sliders are made
    # (and linked) with the second pass, and the chart is not sent again for it
    assert len(page.plot.links) == len(content.spectra) and page.cards[0]._aspiration is None
    renders = page.plot.renders
    page.show_pass("aspiration")
    assert page.plot.renders == renders
    by_model = {ln["model"]: ln for ln in page.plot.links}
    assert len(by_model) == 2 * len(content.spectra)
    for point, card in enumerate(page.cards):
        now, asp = by_model[card.now.model_id], by_model[card.aspiration.model_id]
        assert (names[now["trace"]], now["point"]) == ("Now", point)
        assert (names[asp["trace"]], asp["point"]) == ("Aspiration", point)
        # the point a link moves is this spectrum's row of the chart
        assert spec["data"][now["trace"]]["y"][point] == card.spectrum.dimension


def test_link_texts_are_keyed_as_the_browser_writes_the_value(voila):
    c = Chart(go.Figure(go.Scatter(x=[None], y=["a"], name="Now")))
    s = MarkSlider(label="Now", kind="now", name="Locus of Control, now", left="A", right="B")
    c.link(s, 0, 0, {1.0: "one", 2.5: "two and a half"})
    assert c.links[0]["texts"] == {"1": "one", "2.5": "two and a half"}  # JavaScript's String(1) and String(2.5)


def test_charting_link_texts_are_the_kernels_hover_text_for_every_value(page, content):
    """What the browser shows on a point as its slider moves is what the kernel's figure will say."""
    by_model = {ln["model"]: ln for ln in page.plot.links}
    for point, card in enumerate(page.cards):
        texts = by_model[card.now.model_id]["texts"]
        assert len(texts) == 9  # 1 to 5 in steps of 0.5
        for key, text in texts.items():
            card.now.value = float(key)
            assert trace_json(page.plot.spec, "Now")["text"][point] == text


def test_charting_move_sends_the_new_value_and_drops_the_hint(page):
    assert any("Move a slider" in a["text"] for a in page.plot.spec["layout"].get("annotations", []))
    renders = page.plot.renders
    page.cards[2].now.value = 4.0
    assert page.plot.renders == renders + 1
    now = trace_json(page.plot.spec, "Now")
    assert now["x"][2] == 4.0 and now["x"][0] is None
    assert "toward" in now["text"][2]
    assert not page.plot.spec["layout"].get("annotations")
    # the sent figure is the same as converting the whole figure again
    assert page.plot.spec == chart_mod.figure_json(page.plot.figure)
    page.cards[2].aspiration.value = 5.0
    assert trace_json(page.plot.spec, "Aspiration")["x"][2] == 5.0
    assert page.plot.spec == chart_mod.figure_json(page.plot.figure)


def test_pole_labels_are_not_annotations(page):
    # plotly re-lays out every annotation on each redraw; the labels travel as one text trace
    labels = trace_json(page.plot.spec, charts.POLE_LABELS)
    assert labels["mode"] == "markers+text" and labels["marker"]["opacity"] == 0 and len(labels["text"]) == 14
