"""MarkSlider: starts unmarked, accepts 1..5 in steps of 0.5, refuses anything else without changing."""

from __future__ import annotations

import math

import pytest
import traitlets

from workbook.widgets.marks import MarkSlider


def test_starts_unmarked():
    slider = MarkSlider()
    assert slider.value is None
    assert (slider.min, slider.max, slider.step) == (1.0, 5.0, 0.5)


@pytest.mark.parametrize("value", [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5])
def test_accepts_every_step_on_the_scale(value):
    slider = MarkSlider()
    slider.value = value
    assert slider.value == float(value)
    assert isinstance(slider.value, float)


def test_can_be_cleared_back_to_unmarked():
    slider = MarkSlider(value=2.5)
    slider.value = None
    assert slider.value is None


@pytest.mark.parametrize("bad", [9, 0, 2.3, 5.5, 0.5, -1, math.nan, math.inf, -math.inf])
def test_refuses_values_off_the_scale_and_keeps_the_previous_one(bad):
    slider = MarkSlider(name="Pace, now")
    slider.value = 3.5
    with pytest.raises(traitlets.TraitError) as info:
        slider.value = bad
    assert slider.value == 3.5
    assert "Pace, now" in str(info.value)


@pytest.mark.parametrize("bad", [9, 2.3, math.nan])
def test_refused_value_leaves_an_unmarked_slider_unmarked(bad):
    slider = MarkSlider()
    with pytest.raises(traitlets.TraitError):
        slider.value = bad
    assert slider.value is None


def test_refuses_a_value_sent_as_if_from_the_browser():
    # a forged comm message arrives through set_state; it must be refused the same way
    slider = MarkSlider(value=2.0)
    with pytest.raises(traitlets.TraitError):
        slider.set_state({"value": 9})
    assert slider.value == 2.0


def test_refuses_text():
    slider = MarkSlider()
    with pytest.raises(traitlets.TraitError):
        slider.value = "3"
    assert slider.value is None


def test_no_change_event_for_a_refused_value():
    slider = MarkSlider(value=4.0)
    seen = []
    slider.observe(lambda change: seen.append(change["new"]), "value")
    with pytest.raises(traitlets.TraitError):
        slider.value = 2.3
    slider.value = 4.5
    assert seen == [4.5]


def test_accessible_name_and_poles_are_traits():
    slider = MarkSlider(label="Now", name="Locus of Control, now", left="Centralized", right="Decentralized",
                        kind="now")
    assert slider.name == "Locus of Control, now"
    assert slider.left == "Centralized"
    assert slider.right == "Decentralized"
    assert slider.label == "Now"
    state = slider.get_state()
    # synced to the browser, where they become the label, the poles and aria-valuetext
    for key, expected in (("name", "Locus of Control, now"), ("left", "Centralized"), ("right", "Decentralized"),
                          ("label", "Now"), ("kind", "now"), ("value", None)):
        assert state[key] == expected


def test_disabled_trait_is_synced():
    slider = MarkSlider(disabled=True)
    assert slider.get_state()["disabled"] is True
    slider.disabled = False
    assert slider.get_state()["disabled"] is False


def test_step1_rating_names_the_three_levels_of_the_guides_scale(content):
    from workbook.apps.conditions_for_scale import ConditionRow

    layer = content.framework.layers[0]
    row = ConditionRow(layer.conditions[0], layer, content.framework.scale)
    assert (row.slider.left, row.slider.middle, row.slider.right) == ("Not aligned at all", "On our way",
                                                                      "Fully aligned")
    assert MarkSlider().middle == ""  # a spectrum's middle has no name of its own
