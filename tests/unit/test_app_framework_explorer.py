"""Framework explorer, built in Python: spectrum and layer pickers, the rings chart's hover text."""

from __future__ import annotations

import re
from html import escape

import pytest

from workbook.apps.framework_explorer import FrameworkExplorer, framework_explorer, spectrum_html
from workbook.content.frameworks import AUDIENCES


@pytest.fixture()
def explorer(content):
    page = framework_explorer(content)
    assert isinstance(page, FrameworkExplorer), repr(page)
    return page


def test_builds(explorer, content):
    assert repr(explorer).startswith("<Framework explorer: 7 spectra, 16 conditions · 1 chart, ")
    assert explorer.spectrum.value == content.spectra[0].id
    assert [value for _label, value in explorer.spectrum.options] == [s.id for s in content.spectra]
    assert [value for _label, value in explorer.layer.options] == [layer.id for layer in content.framework.layers]
    assert escape(content.spectra[0].question) in explorer.spectrum_view.value
    assert explorer.rings.renders == 1


def test_default_loads_with_content_from_disk():
    assert isinstance(framework_explorer(), FrameworkExplorer)


@pytest.mark.parametrize("index", range(7))
def test_spectrum_dropdown_switches_the_view(explorer, content, index):
    spectrum = content.spectra[index]
    other = content.spectra[(index + 1) % 7]
    explorer.spectrum.value = other.id
    explorer.spectrum.value = spectrum.id
    page = explorer.spectrum_view.value
    assert f"Q{spectrum.number} · {escape(spectrum.dimension)}" in page
    assert escape(spectrum.question) in page
    assert escape(other.question) not in page
    assert "Benefits at a Glance" in page
    # every cell of Benefits at a Glance: both poles' headings and every audience's benefits
    table = re.search(r"<table class='wb-table'>.*?</table>", page, re.S).group(0)
    for pole in (spectrum.left, spectrum.right):
        assert escape(pole.heading) in table
        for audience in AUDIENCES:
            for benefit in getattr(pole.benefits, audience):
                assert f"<li>{escape(benefit)}</li>" in table
    for name in AUDIENCES.values():
        assert f"<th scope='row'>{escape(name)}</th>" in table
    assert table.count("<tr>") == len(AUDIENCES) + 1


def test_spectrum_view_is_escaped(content):
    # content is trusted, but it is still written as text, never as markup
    spectrum = content.spectra[2].model_copy(update={"question": "Is <b>bold</b> & safe?"})
    page = spectrum_html(spectrum)
    assert "Is &lt;b&gt;bold&lt;/b&gt; &amp; safe?" in page
    assert "<b>bold</b>" not in page


@pytest.mark.parametrize("index", range(3))
def test_layer_dropdown_shows_all_its_conditions(explorer, content, index):
    layers = content.framework.layers
    layer = layers[index]
    explorer.layer.value = layers[(index + 1) % len(layers)].id
    explorer.layer.value = layer.id
    page = explorer.layer_view.value
    assert escape(layer.name) in page
    rows = re.findall(r"<tr><th scope='row'>(.*?)</th><td>(.*?)</td></tr>", page)
    assert rows == [(escape(c.name), escape(c.description)) for c in layer.conditions]
    for other in layers:
        if other.id != layer.id:
            for c in other.conditions:
                assert f"<th scope='row'>{escape(c.name)}</th>" not in page


def test_layers_cover_all_sixteen_conditions(explorer, content):
    seen = []
    for layer in content.framework.layers:
        explorer.layer.value = layer.id
        seen += re.findall(r"<tr><th scope='row'>(.*?)</th>", explorer.layer_view.value)
    assert sorted(seen) == sorted(escape(c.name) for c in content.conditions)
    assert len(seen) == 16


def test_rings_chart_has_hover_text(explorer, content):
    fig = explorer.rings.figure
    assert "Conditions for scale" not in fig.layout.title.text  # the card heading above it is not repeated
    rings = {t.name: t for t in fig.data if t.type == "barpolar"}
    for layer in content.framework.layers:
        trace = rings[layer.name]
        assert trace.hoverinfo == "text"
        assert len(trace.hovertext) == len(layer.conditions)
        for condition, hover in zip(layer.conditions, trace.hovertext):
            assert condition.name in hover
            flat = " ".join(hover.replace("<br>", " ").split())
            assert " ".join(condition.description.split()) in flat
    core = rings[content.framework.core.name]
    assert content.framework.core.name in core.hovertext[0]


def test_a_layer_question_the_guide_prints_garbled_reads_cleaned_with_its_note(explorer, content):
    garbled = [(layer, q) for layer in content.framework.layers for q in layer.questions if q.note]
    assert garbled, "the content keeps the question the guide prints garbled"
    for layer, q in garbled:
        explorer.layer.value = layer.id
        page = explorer.layer_view.value
        item = page.split(f"<li>{escape(q.text)}", 1)[1].split("</li>", 1)[0]
        assert escape(q.note) in item  # the note under its own question
        assert escape(q.source_text) not in page
        assert page.count(escape(q.note)) == 1
    plain = next(layer for layer in content.framework.layers if not any(q.note for q in layer.questions))
    explorer.layer.value = plain.id
    assert "wb-source-note" not in explorer.layer_view.value
    for q in plain.questions:
        assert f"<li>{escape(q.text)}</li>" in explorer.layer_view.value
