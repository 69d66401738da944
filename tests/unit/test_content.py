"""The shipped framework content (counts, shape, attribution) and the loader's error messages."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml

from workbook.content.errors import ContentError
from workbook.content.frameworks import (
    AUDIENCES,
    LAYER_IDS,
    SCALE_MAX,
    SCALE_MIN,
    SPECTRUM_IDS,
    SURVEY_COLUMNS,
    load_content,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "content"
# libyaml when available: rewriting spectra.yaml in pure Python is the slow part of these tests
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# ---------------------------------------------------------------- spectra


def test_seven_spectra_in_reflection_guide_order(content):
    assert [s.id for s in content.spectra] == list(SPECTRUM_IDS)
    assert len(content.spectra) == 7
    assert [s.number for s in content.spectra] == list(range(1, 8))


def test_fourteen_poles_each_with_benefits_for_every_audience(content):
    poles = [(s.id, side, s.pole(side)) for s in content.spectra for side in ("left", "right")]
    assert len(poles) == 14
    for sid, side, pole in poles:
        where = f"{sid}.{side}"
        assert pole.label.strip() and pole.definition.strip() and pole.why.strip(), where
        assert pole.key_benefits and all(k.strip() for k in pole.key_benefits), where
        for audience in AUDIENCES:
            items = getattr(pole.benefits, audience)
            assert items and all(b.strip() for b in items), f"{where}.benefits.{audience}"


def test_poles_are_distinct_within_each_spectrum(content):
    for s in content.spectra:
        assert s.left.plain_label != s.right.plain_label, s.id


def test_every_spectrum_has_lessons_questions_and_examples_on_both_sides(content):
    for s in content.spectra:
        assert s.lessons and all(x.strip() for x in s.lessons), s.id
        assert s.reflection_questions and all(q.strip() for q in s.reflection_questions), s.id
        sides = {e.pole for e in s.examples}
        assert {"left", "right"} <= sides, f"{s.id}: examples only for {sorted(sides)}"
        for e in s.examples:
            assert e.title.strip() and e.summary.strip() and e.system.strip(), f"{s.id}: {e.title!r}"


def test_describe_reads_position_and_lean(content):
    spectrum = content.spectrum("locus_of_control")
    assert spectrum.describe(2) == "2 of 5, toward Centralized"
    assert spectrum.describe(4) == "4 of 5, toward Decentralized"
    assert spectrum.describe(3) == "3 of 5, an equal mix of both"
    assert content.spectrum("pace").describe(1) == "1 of 5, toward Fast and Furious"


def test_unknown_spectrum_lookup_names_the_allowed_ids(content):
    with pytest.raises(KeyError, match="locus_of_control"):
        content.spectrum("speed")


# ---------------------------------------------------------------- conditions


def test_sixteen_conditions_in_three_layers(content):
    layers = content.framework.layers
    assert [layer.id for layer in layers] == list(LAYER_IDS)
    assert [len(layer.conditions) for layer in layers] == [4, 8, 4]
    assert [layer.ring for layer in layers] == [1, 2, 3]
    ids = [c.id for c in content.conditions]
    assert len(ids) == 16
    assert len(set(ids)) == 16
    for expected in ("learning_materials_and_tools", "research_measurement_and_evaluation", "continuous_improvement"):
        assert expected in ids


def test_conditions_belong_to_the_expected_layers(content):
    fw = content.framework
    assert fw.layer_of("learning_materials_and_tools").id == "essential_supports"
    assert fw.layer_of("research_measurement_and_evaluation").id == "enabling_systems_and_structures"
    assert fw.layer_of("continuous_improvement").id == "ongoing_processes"
    for layer in fw.layers:
        assert layer.reflection_questions, layer.id
        for c in layer.conditions:
            assert c.name.strip() and c.description.strip(), c.id


# ---------------------------------------------------------------- survey


def test_survey_has_one_row_per_spectrum_with_plausible_figures(content):
    rows = content.survey
    assert [r.spectrum for r in rows] == list(SPECTRUM_IDS)
    for r in rows:
        assert SCALE_MIN <= r.median <= SCALE_MAX, r.spectrum
        assert SCALE_MIN <= r.mean <= SCALE_MAX, r.spectrum
        assert r.n > 0
        for col in ("share_left", "share_mid", "share_right", "top_priority", "devoted_resources"):
            value = getattr(r, col)
            assert value is None or 0 <= value <= 100, f"{r.spectrum}.{col} = {value}"
        shares = [v for v in (r.share_left, r.share_mid, r.share_right) if v is not None]
        assert sum(shares) <= 100, r.spectrum


def test_survey_csv_has_seven_rows_and_the_documented_header():
    with (DATA / "survey_2018.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == SURVEY_COLUMNS
        assert len(list(reader)) == 7


# ---------------------------------------------------------------- reflection guides


def test_reflection_guide_1_has_ten_questions_in_three_sections(content):
    g1 = content.guides.guide_1
    assert len(g1.sections) == 3
    assert [len(s.questions) for s in g1.sections] == [4, 4, 2]
    assert len(g1.questions) == 10


def test_reflection_guide_2_questions_and_dimensions(content):
    g2 = content.guides.guide_2
    assert len(g2.questions) == 8
    assert len(g2.section("pathway").questions) == 3
    assert len(g2.section("team_comparison").questions) == 2
    assert len(g2.section("desired_outcomes_link").questions) == 3
    assert [d.id for d in g2.dimensions] == list(SPECTRUM_IDS)
    for dim in g2.dimensions:
        assert dim.dimension == content.spectrum(dim.id).dimension, dim.id


def test_guide_2_second_item_is_an_instruction_not_a_question(content):
    """Q2 ("In a different color, mark an aspirational spot ...") asks members to mark, not to answer."""
    g2 = content.guides.guide_2
    kinds = {q.id: q.kind for q in g2.questions}
    assert kinds["p2"] == "instruction"
    assert g2.section("pathway").questions[1].text.startswith("In a different color, mark")
    assert [q.id for q in g2.questions if q.kind == "instruction"] == ["p2"]
    assert [q.id for q in g2.answerable] == [q.id for q in g2.questions if q.id != "p2"]
    assert all(q.kind == "question" for q in content.guides.guide_1.questions)


def test_question_kind_is_validated(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    _edit_yaml("reflection_guides.yaml",
               lambda raw: raw["guide_2"]["sections"][0]["questions"][0].update(kind="task"))(root)
    with pytest.raises(ContentError) as info:
        load_content(root)
    message = str(info.value)
    assert "field guide_2.sections.0.questions.0.kind" in message and "'task'" in message
    assert "'question' or 'instruction'" in message, message


def test_a_guide_1_section_without_a_title_is_refused_with_its_id(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    _edit_yaml("reflection_guides.yaml", lambda raw: raw["guide_1"]["sections"][1].pop("title"))(root)
    section = yaml.safe_load((DATA / "reflection_guides.yaml").read_text(encoding="utf-8"))["guide_1"]["sections"][1]
    with pytest.raises(ContentError) as info:
        load_content(root)
    message = str(info.value)
    assert "reflection_guides.yaml" in message and "every section needs a title" in message, message
    assert f"{section['id']} has none" in message, message


def test_guide_question_ids_are_unique(content):
    for guide in (content.guides.guide_1, content.guides.guide_2):
        ids = [q.id for q in guide.questions]
        assert len(ids) == len(set(ids)), guide.id


# ---------------------------------------------------------------- attribution


@pytest.mark.parametrize("name", ["spectra.yaml", "conditions.yaml", "reflection_guides.yaml"])
def test_yaml_files_carry_cc_by_attribution(name):
    raw = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    attribution = raw["attribution"]
    assert attribution["license"] == "CC BY 4.0"
    assert attribution["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert attribution["publisher"] == "The Learning Accelerator"
    assert "The Learning Accelerator" in attribution["citation"]


def test_loaded_attributions_cite_both_frameworks(content):
    assert content.spectra_attribution.citation == (
        "Avishai, E. & Rabbitt, B. (2018). Look Both Ways. The Learning Accelerator."
    )
    assert content.framework.attribution.citation == (
        "Thomas, N. & Rabbitt, B. (2019). Innovative Learning Implementation Framework. The Learning Accelerator."
    )


def test_data_readme_attributes_the_csv():
    readme = DATA / "README.md"
    assert readme.is_file(), "data/README.md is the survey CSV's attribution"
    text = readme.read_text(encoding="utf-8")
    assert "CC BY 4.0" in text
    assert "The Learning Accelerator" in text
    assert "survey_2018.csv" in text
    assert "Avishai, E. & Rabbitt, B. (2018). Look Both Ways. The Learning Accelerator." in text
    assert (
        "Thomas, N. & Rabbitt, B. (2019). Innovative Learning Implementation Framework. The Learning Accelerator."
        in text
    )
    for column in SURVEY_COLUMNS:
        assert f"`{column}`" in text, f"column {column} not described"


# ---------------------------------------------------------------- loader errors
#
# Each case copies the real data/ into a fresh tmp dir, breaks one thing, and checks the
# ContentError names the file and the entry/field. load_content is lru_cached per directory
# string, so every case must use its own tmp_path (pytest gives each test a new one).


def _edit_yaml(name, edit):
    def apply(root: Path) -> None:
        path = root / name
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        edit(raw)
        path.write_text(yaml.dump(raw, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return apply


def _use_fixture(fixture, target):
    def apply(root: Path) -> None:
        shutil.copyfile(FIXTURES / fixture, root / target)

    return apply


def _write_bytes(target, data: bytes):
    def apply(root: Path) -> None:
        (root / target).write_bytes(data)

    return apply


def _delete(target):
    def apply(root: Path) -> None:
        (root / target).unlink()

    return apply


def _spectrum(index, edit):
    def apply(raw):
        edit(raw["spectra"][index])

    return apply


def _swap_first_two(raw):
    raw["spectra"][0], raw["spectra"][1] = raw["spectra"][1], raw["spectra"][0]


def _duplicate_condition(raw):
    raw["layers"][1]["conditions"][0]["id"] = "learning_materials_and_tools"


def _cleaned_reading(text):
    def apply(raw):
        raw["layers"][2]["reflection_questions"][0]["text"] = text

    return apply


BROKEN = [
    pytest.param(
        _edit_yaml("spectra.yaml", _spectrum(0, lambda s: s.pop("right"))),
        "spectra.yaml", ["spectra[0]", "locus_of_control", "field right"],
        id="spectrum-with-one-pole",
    ),
    pytest.param(
        _edit_yaml("spectra.yaml", _spectrum(1, lambda s: s.update(id="locus_of_control"))),
        "spectra.yaml", ["spectra[1]", "field id", "duplicate", "locus_of_control"],
        id="duplicate-spectrum-id",
    ),
    pytest.param(
        _edit_yaml("spectra.yaml", _spectrum(0, lambda s: s.update(id="speed"))),
        "spectra.yaml", ["spectra[0]", "field id", "'speed'", "sharing_learning"],
        id="spectrum-id-not-allowed",
    ),
    pytest.param(
        _edit_yaml("spectra.yaml", _swap_first_two),
        "spectra.yaml", ["field spectra", "order", "locus_of_control, pace"],
        id="spectra-out-of-order",
    ),
    pytest.param(
        _edit_yaml("spectra.yaml", _spectrum(2, lambda s: s["left"]["benefits"].update(teachers=[]))),
        "spectra.yaml", ["resource_allocation", "left.benefits.teachers", "non-empty"],
        id="pole-with-empty-teachers-list",
    ),
    pytest.param(
        _use_fixture("survey_unknown_spectrum.csv", "survey_2018.csv"),
        "survey_2018.csv", ["row 2", "field spectrum", "'speed'"],
        id="survey-unknown-spectrum",
    ),
    pytest.param(
        _use_fixture("survey_median_out_of_range.csv", "survey_2018.csv"),
        "survey_2018.csv", ["row 2", "field median", "7"],
        id="survey-median-out-of-range",
    ),
    pytest.param(
        _use_fixture("survey_mean_not_a_number.csv", "survey_2018.csv"),
        "survey_2018.csv", ["row 2", "field mean", "'high'", "not a number"],
        id="survey-mean-not-a-number",
    ),
    pytest.param(
        _use_fixture("survey_missing_column.csv", "survey_2018.csv"),
        "survey_2018.csv", ["header", "note"],
        id="survey-missing-column",
    ),
    pytest.param(
        _use_fixture("survey_missing_spectrum.csv", "survey_2018.csv"),
        "survey_2018.csv", ["no row for spectrum", "sharing_learning"],
        id="survey-missing-spectrum",
    ),
    pytest.param(
        _edit_yaml("conditions.yaml", _duplicate_condition),
        "conditions.yaml", ["conditions[4]", "field id", "duplicate", "learning_materials_and_tools"],
        id="duplicate-condition-id",
    ),
    pytest.param(
        _edit_yaml("conditions.yaml", lambda raw: raw["layers"].pop()),
        "conditions.yaml", ["field layers", "ongoing_processes"],
        id="conditions-layer-missing",
    ),
    pytest.param(
        _edit_yaml("conditions.yaml", _cleaned_reading("How well have we engaged our whole community?")),
        "conditions.yaml", ["field layers.2.reflection_questions.0", "words left out", "Who are your current"],
        id="cleaned-reading-not-from-the-printed-words",
    ),
    pytest.param(
        _edit_yaml("conditions.yaml", lambda raw: raw["layers"][2]["reflection_questions"][0].update(
            text=raw["layers"][2]["reflection_questions"][0]["source_text"])),
        "conditions.yaml", ["field layers.2.reflection_questions.0", "source_text repeats text"],
        id="cleaned-reading-same-as-printed",
    ),
    pytest.param(
        _edit_yaml("conditions.yaml", lambda raw: raw["step1"]["instructions"].pop()),
        "conditions.yaml", ["field step1", "introduce the questions"],
        id="step1-questions-without-their-instruction",
    ),
    pytest.param(
        _use_fixture("invalid_syntax.yaml", "conditions.yaml"),
        "conditions.yaml", ["not valid YAML", "line 5"],
        id="invalid-yaml-syntax",
    ),
    pytest.param(
        _delete("reflection_guides.yaml"),
        "reflection_guides.yaml", ["file not found"],
        id="missing-yaml-file",
    ),
    pytest.param(
        _delete("survey_2018.csv"),
        "survey_2018.csv", ["file not found"],
        id="missing-survey-file",
    ),
    pytest.param(
        _write_bytes("spectra.yaml", "attribution:\n  title: Caf\u00e9\n".encode("latin-1")),
        "spectra.yaml", ["not UTF-8", "byte"],
        id="yaml-not-utf8",
    ),
    pytest.param(
        _write_bytes(
            "survey_2018.csv",
            ",".join(SURVEY_COLUMNS).encode() + b"\nlocus_of_control,86,3,2.8,,,,58,87,Caf\xe9\n",
        ),
        "survey_2018.csv", ["not UTF-8"],
        id="csv-not-utf8",
    ),
]


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    return root


def test_copied_data_loads_cleanly(data_copy):
    assert [s.id for s in load_content(data_copy).spectra] == list(SPECTRUM_IDS)


@pytest.mark.parametrize(("breakage", "filename", "fragments"), BROKEN)
def test_broken_content_names_file_and_entry(data_copy, breakage, filename, fragments):
    breakage(data_copy)
    with pytest.raises(ContentError) as info:
        load_content(data_copy)
    error = info.value
    message = str(error)
    assert Path(error.path).name == filename
    assert message.startswith(str(data_copy / filename)), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_each_guide_says_its_own_introduction_where_it_applies(store, content):
    """The printed guides' introductions, as notes to read aloud: shut for members, open for the facilitator."""
    import html

    from tests.helpers import page_text
    from workbook.apps.action_planning import action_planning
    from workbook.apps.conditions_for_scale import conditions_for_scale
    from workbook.apps.laying_the_foundation import laying_the_foundation
    from workbook.demo import seed_demo

    codes = seed_demo(store)
    member = {"district": codes["district"], "session": str(codes["session"]), "code": codes["code"]}
    facilitator = {**member, "code": codes["facilitator"]}
    fw, guides = content.framework, content.guides
    cases = [
        (laying_the_foundation, member, guides.guide_1.title, guides.intro[:60], False),
        (laying_the_foundation, facilitator, guides.guide_1.title, guides.guide_1.intro[:60], True),
        (conditions_for_scale, member, fw.step1.title, fw.step1.instructions[0][:40], False),
        (conditions_for_scale, facilitator, fw.step1.title, fw.step1.closing[:60], True),
        (action_planning, facilitator, fw.step2.title, fw.step2.intro[:60], True),
    ]
    for app, params, title, words, opened in cases:
        text = html.unescape(page_text(app(store, params)))
        summary = f"<summary>What the guide says ({title}): a note to read aloud</summary>"
        assert summary in text and words in text, (app.__name__, title, words)
        assert (f"<details open>{summary}" in text) == opened, app.__name__
