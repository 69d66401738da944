"""The shared HTML fragments: escaped text, the source's own words, the attribution under every page."""

from __future__ import annotations

from workbook.content import render


def test_text_from_people_and_files_is_escaped():
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co"
    assert render.esc("<script>alert('x')</script> & co") == escaped
    assert render.bullet_list(["<b>bold</b>"]) == "<ul><li>&lt;b&gt;bold&lt;/b&gt;</li></ul>"
    assert render.details("Why <this>", "<p>body</p>") == \
        "<details><summary>Why &lt;this&gt;</summary><p>body</p></details>"


def test_the_guides_words_are_escaped_and_never_marked_unfinished(content):
    # the one garbled question of the source is cleaned in the content and explained by its note
    # (LayerQuestion.note); escaping marks nothing, not even the printed words
    assert not hasattr(render, "SOURCE_FRAGMENTS")
    printed = [q.source_text for layer in content.framework.layers for q in layer.questions if q.source_text]
    assert printed
    for text in printed:
        assert render.source_text(text + " <matter>?") == render.esc(text + " <matter>?")
    note = render.guide_note("Step 1", [*printed, "A finished question?"])
    assert "unfinished" not in note and "wb-fragment" not in note


def test_every_spectrum_card_carries_its_question_poles_and_the_benefits(content):
    for spectrum in content.spectra:
        card = render.spectrum_card(spectrum)
        assert f"id='spectrum-{spectrum.id}'" in card and render.esc(spectrum.question) in card
        assert render.esc(spectrum.left.plain_label) in card and render.esc(spectrum.right.plain_label) in card
        assert "<summary>Benefits at a Glance</summary>" in card


def test_the_attribution_names_both_sources_the_licence_and_the_fictional_data(content):
    line = render.attribution(content)
    assert "CC BY 4.0" in line and "creativecommons.org/licenses/by/4.0" in line
    assert render.esc(content.spectra_attribution.citation) in line
    assert render.esc(content.framework.attribution.citation) in line
    assert "fictional" in line and "not endorsed" in line
