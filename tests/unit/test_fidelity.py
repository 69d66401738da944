"""Every benefit, example, lesson and question in the two frameworks appears in data/, verbatim.

Forward: every text string in the YAML files is a substring of its (normalised) source document.
Reverse: every lesson, reflection question, guide question and condition listed in the sources
is in the data, in order. Survey: the figures quoted in the report's Survey Data section are the
ones in data/survey_2018.csv.

The sources are the text extractions in ``../shared/seeds/`` (next to the repository); without
them this module is skipped.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from workbook.content.frameworks import SPECTRUM_IDS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SEEDS = ROOT.parent / "shared" / "seeds"
LOOK_BOTH_WAYS = SEEDS / "003_dbabd7f62b1b0b84.txt"
IMPLEMENTATION_FRAMEWORK = SEEDS / "004_3165bef4ba304e50.txt"

if not (LOOK_BOTH_WAYS.is_file() and IMPLEMENTATION_FRAMEWORK.is_file()):
    pytest.skip(f"source documents not found in {SEEDS}", allow_module_level=True)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ---------------------------------------------------------------- normalising

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"</?(?:p|h2)>")
_MARKER = re.compile(r"^\s*(?:[-•]|\d+\.)\s+")


def normalise(text: str) -> str:
    """The transcription rules: whitespace, link markup, emphasis, HTML cell tags, markdown escapes.

    These are exactly the changes the data files' ``attribution.changes`` and ``source_notes``
    declare; anything else (quote style, spelling, joins of split cells) must match the source.
    """
    text = _LINK.sub(r"\1", text)  # [Henry County Schools, GA](#) -> Henry County Schools, GA
    text = text.replace("\\(", "(").replace("\\)", ")")  # Alliance for Catholic Education \(ACE\)
    text = _TAG.sub(" ", text)  # Benefits at a Glance cells extracted as <h2>/<p> fragments
    text = text.replace("**", "").replace("*", "")  # bold/italic emphasis
    return re.sub(r"\s+", " ", text).strip()


def strip_marker(line: str) -> str:
    """'- What does ...' / ' - Would it ...' / '3. One of ...' -> the item text."""
    return _MARKER.sub("", line, count=1)


def _yaml(name: str) -> dict:
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=_Loader)


@pytest.fixture(scope="module")
def lbw_lines() -> list[str]:
    return LOOK_BOTH_WAYS.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def ilif_lines() -> list[str]:
    return IMPLEMENTATION_FRAMEWORK.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def spectra() -> dict:
    return {s["id"]: s for s in _yaml("spectra.yaml")["spectra"]}


@pytest.fixture(scope="module")
def conditions() -> dict:
    return _yaml("conditions.yaml")


@pytest.fixture(scope="module")
def guides() -> dict:
    return _yaml("reflection_guides.yaml")


# ---------------------------------------------------------------- (a) forward: data -> source

# Keys whose values are not transcribed text, anywhere in the YAML:
#   id            structural identifiers
#   attribution   the citation/licence block we wrote
#   source_notes  our notes on readings of the source
#   pole          example placement (left/right/combine)
#   system        the system an example is about; several are composed from the paragraph or the
#                 participant list (e.g. "Roots Elementary, Denver, CO"), see source_notes
#   kind          whether a guide item is a question or an instruction (a label we give it)
SKIP_KEYS = {"id", "attribution", "source_notes", "pole", "system", "kind"}

# Individual strings that are structural labels, not source text.
EXEMPT = {
    # reflection_guides.yaml source_notes: "The section title "Your pathway" ... structural"
    "guide_2.sections[0].title": "Your pathway",
}


def _strings(node, path: str = ""):
    """(path, text) for every string in a YAML tree, skipping SKIP_KEYS."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SKIP_KEYS:
                continue
            text = value
            # Pole labels use straight ASCII quotes ('"Fast and Furious"') where the source prints
            # curly ones (schema choice, see source_notes); the words inside must still match.
            if key == "label" and isinstance(value, str):
                text = value.strip('"')
            yield from _strings(text, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def _not_in_source(tree, source: str, prefix: str = "") -> list[str]:
    missing = []
    for path, text in _strings(tree, prefix):
        if EXEMPT.get(path) == text:
            continue
        if normalise(text) not in source:
            missing.append(f"{path}: {text[:120]!r}")
    return missing


@pytest.fixture(scope="module")
def lbw_text(lbw_lines) -> str:
    return normalise("\n".join(lbw_lines))


@pytest.fixture(scope="module")
def ilif_text(ilif_lines) -> str:
    return normalise("\n".join(ilif_lines))


@pytest.mark.parametrize("spectrum_id", SPECTRUM_IDS)
def test_spectrum_text_is_verbatim(spectra, lbw_text, spectrum_id):
    spectrum = spectra[spectrum_id]
    missing = _not_in_source(spectrum, lbw_text, spectrum_id)
    assert not missing, "not found in Look Both Ways:\n" + "\n".join(missing)


def test_spectrum_text_covers_every_kind_of_field(spectra):
    """Guard for the walker: the fields the fidelity check promises are actually visited."""
    paths = {re.sub(r"\[\d+\]", "[]", p) for s in spectra.values() for p, _ in _strings(s)}
    for expected in (
        "question", "title", "framing", "left.definition", "right.why", "left.key_benefits[]",
        "left.benefits.teachers[]", "right.benefits.school_leaders[]", "left.benefits.district[]",
        "examples[].title", "examples[].quote", "examples[].summary", "examples[].speaker",
        "lessons[]", "reflection_questions[]",
    ):
        assert expected in paths


def test_every_benefit_is_a_whole_benefits_at_a_glance_cell(lbw_lines, spectra):
    """Stricter than a substring: a benefit is one table cell, not part of one or two run together.

    Cells are separated by tabs, by <p>/<h2> fragments or by line breaks, depending on how each
    table was extracted (see source_notes).
    """
    cells = {
        normalise(cell)
        for line in lbw_lines
        for cell in re.split(r"\t|</?(?:p|h2)>", line)
        if cell.strip()
    }
    missing = [
        f"{sid}.{side}.benefits.{audience}: {benefit!r}"
        for sid, s in spectra.items()
        for side in ("left", "right")
        for audience, benefits in s[side]["benefits"].items()
        for benefit in benefits
        if normalise(benefit) not in cells
    ]
    assert not missing, "not a whole cell in the source:\n" + "\n".join(missing)


def test_example_titles_speakers_and_quotes_are_whole_source_lines(lbw_lines, spectra):
    lines = {normalise(line) for line in lbw_lines}
    quotes = {normalise(line).strip("“”\"") for line in lbw_lines}  # pull quotes lose their outer marks
    missing = []
    for sid, s in spectra.items():
        for i, example in enumerate(s["examples"]):
            for field in ("title", "speaker"):
                if example.get(field) and normalise(example[field]) not in lines:
                    missing.append(f"{sid}.examples[{i}].{field}: {example[field]!r}")
            if example.get("quote") and normalise(example["quote"]) not in quotes:
                missing.append(f"{sid}.examples[{i}].quote: {example['quote']!r}")
    assert not missing, "not a whole line in the source:\n" + "\n".join(missing)


def test_conditions_text_is_verbatim(conditions, ilif_text):
    missing = _not_in_source(conditions, ilif_text)
    assert not missing, "not found in the Implementation Framework:\n" + "\n".join(missing)


def test_reflection_guides_text_is_verbatim(guides, lbw_text):
    missing = _not_in_source(guides, lbw_text)
    assert not missing, "not found in Look Both Ways:\n" + "\n".join(missing)


def test_exemptions_are_still_needed(guides):
    """An exemption that no longer matches the data is stale and should be removed."""
    found = dict(_strings(guides))
    for path, text in EXEMPT.items():
        assert found.get(path) == text, f"stale exemption {path}"


# ---------------------------------------------------------------- (b) reverse: source -> data


def _headings(lines: list[str], heading: str) -> list[int]:
    return [i for i, line in enumerate(lines) if line.strip() == heading]


def _list_after(lines: list[str], start: int) -> list[str]:
    """The bulleted/numbered list under the heading at ``start``.

    Leading blank lines are skipped; the list ends at the first blank line after it. A line
    without a list marker continues the item before it (the Ongoing Processes question whose
    two sub-lines are printed unbulleted).
    """
    i = start + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    items: list[str] = []
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        if _MARKER.match(line) or not items:
            items.append(strip_marker(line))
        else:
            items[-1] += " " + line.strip()
        i += 1
    return [normalise(item) for item in items]


@pytest.mark.parametrize(("heading", "key"), [
    ("Lessons Learned", "lessons"),
    ("Reflection Questions", "reflection_questions"),
])
def test_every_source_lesson_and_question_is_in_spectra(lbw_lines, spectra, heading, key):
    starts = _headings(lbw_lines, heading)
    assert len(starts) == len(SPECTRUM_IDS), f"expected one {heading!r} per key question"
    problems = []
    for spectrum_id, start in zip(SPECTRUM_IDS, starts, strict=True):
        source = _list_after(lbw_lines, start)
        data = [normalise(x) for x in spectra[spectrum_id][key]]
        assert source, f"no list under {heading!r} at line {start + 1}"
        problems += [f"{spectrum_id}.{key}: missing {s!r}" for s in source if s not in data]
        problems += [f"{spectrum_id}.{key}: not under the source heading {d!r}" for d in data if d not in source]
        if not problems and source != data:
            problems.append(f"{spectrum_id}.{key}: order differs from the source")
    assert not problems, "\n".join(problems)


def _guide_sections(lines: list[str], begin: str, end_prefix: str) -> list[tuple[str, list[str]]]:
    """(heading line, numbered questions) for each numbered list between two markers.

    The heading is the last unnumbered line before a list's "1.". An unnumbered line straight
    after an item that has no closing punctuation continues that item (Context, Culture, &
    Climate question 3 is split by a page break: "... Whose" / "engagement and/or buy-in ...").
    """
    start = next(i for i, line in enumerate(lines) if line.strip() == begin)
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(end_prefix))
    sections: list[tuple[str, list[str]]] = []
    last_text = ""
    open_item = False
    for line in lines[start + 1:end]:
        text = line.strip()
        if not text:
            continue
        number = re.match(r"^(\d+)\.\s+", text)
        if number:
            if number.group(1) == "1":
                sections.append((last_text, []))
            sections[-1][1].append(strip_marker(text))
            open_item = not text.endswith((".", "?", "!", ":", "”", '"', ")"))
        elif open_item:
            sections[-1][1][-1] += " " + text
            open_item = False
        else:
            last_text = text
    return [(normalise(h), [normalise(q) for q in qs]) for h, qs in sections]


def test_reflection_guide_1_questions_match_source(lbw_lines, guides):
    source = _guide_sections(lbw_lines, "Reflection Guide 1:", "Reflection Guide 2:")
    data = guides["guide_1"]["sections"]
    assert [h for h, _ in source] == [s["title"] for s in data]
    assert [len(qs) for _, qs in source] == [4, 4, 2]
    for (heading, questions), section in zip(source, data, strict=True):
        assert questions == [normalise(q["text"]) for q in section["questions"]], heading


def test_reflection_guide_2_questions_match_source(lbw_lines, guides):
    source = _guide_sections(lbw_lines, "Reflection Guide 2:", "Find [writeable versions")
    data = guides["guide_2"]["sections"]
    assert [len(qs) for _, qs in source] == [3, 2, 3]
    # the first list sits under the chart (no heading); the other two under their intros
    assert [h for h, _ in source[1:]] == [normalise(s["intro"]) for s in data[1:]]
    for (_heading, questions), section in zip(source, data, strict=True):
        assert questions == [normalise(q["text"]) for q in section["questions"]], section["id"]


def test_reflection_guide_2_chart_rows_match_dimensions(lbw_lines, guides):
    rows = [line.strip() for line in lbw_lines if re.search(r" < [A-Z][A-Za-z ]+$", line)]
    expected = [f"{d['left']} {d['right']} < {d['dimension']}" for d in guides["guide_2"]["dimensions"]]
    assert rows == expected


def _condition_rows(lines: list[str]) -> list[tuple[str, str]]:
    """Tab-separated "name<TAB>description" rows of the three conditions tables."""
    rows = []
    for line in lines:
        cells = line.rstrip("\n").split("\t")
        if len(cells) == 2 and cells[0].strip() and cells[1].strip():
            rows.append((cells[0].strip(), cells[1].strip()))
    return rows


def test_every_source_condition_is_in_conditions_yaml(ilif_lines, conditions):
    rows = _condition_rows(ilif_lines)
    tables = [(n, d) for n, d in rows if not d.startswith("<p>")]
    charts = [n for n, d in rows if d.startswith("<p>")]
    data = [(c["name"], c["description"]) for layer in conditions["layers"] for c in layer["conditions"]]
    assert len(tables) == 16
    assert [(n, normalise(d)) for n, d in tables] == [(n, normalise(d)) for n, d in data]
    # the Step 1 charts list the same sixteen names, in the same order
    assert charts == [n for n, _ in data]


def _as_printed(question) -> str:
    """A layer question as the source prints it: the string, or a cleaned reading's ``source_text``."""
    return question if isinstance(question, str) else question["source_text"]


def test_every_source_layer_question_is_in_conditions_yaml(ilif_lines, conditions):
    starts = _headings(ilif_lines, "Essential Reflection Questions for Teams")
    assert len(starts) == 3
    for start, layer in zip(starts, conditions["layers"], strict=True):
        source = _list_after(ilif_lines, start)
        assert source == [normalise(_as_printed(q)) for q in layer["reflection_questions"]], layer["id"]


def test_the_garbled_ongoing_processes_question_is_kept_as_printed_and_read_cleaned(ilif_lines, content):
    """The source's unfinished remnant stays in the data; pages show the question without it, with a note."""
    start = _headings(ilif_lines, "Essential Reflection Questions for Teams")[2]
    printed = _list_after(ilif_lines, start)[0]
    assert printed.startswith("Who are your current stakeholders that How well")
    layer = content.framework.layers[2]
    question = layer.questions[0]
    assert normalise(question.source_text) == printed
    assert layer.reflection_questions[0] == question.text
    assert question.text.startswith("How well have we fully engaged key stakeholders")
    assert question.text.endswith("Who is typically left out? Whose voices should be prioritized?")
    assert "Who are your current stakeholders that" not in question.text
    assert "“Who are your current stakeholders that”" in question.note
    # every other layer question is printed as it reads: no cleaned reading, no note
    others = [q for lay in content.framework.layers for q in lay.questions if q is not question]
    assert all(q.source_text is None and q.note is None for q in others)


def _step1_source(lines: list[str]) -> tuple[list[str], list[str], list[str], str]:
    """Step 1 as printed: (intro paragraphs, numbered steps, lettered questions, the closing paragraph)."""
    start = next(i for i, line in enumerate(lines) if line.strip() == "Step 1. Taking Stock & Prioritizing Action")
    end = next(i for i, line in enumerate(lines) if i > start and "\t" in line)  # the first chart row
    intro, steps, lettered, after = [], [], [], []
    for line in lines[start + 1:end]:
        text = line.strip()
        if not text:
            continue
        if re.match(r"^\d+\.\s", text):
            steps.append(strip_marker(text))
        elif re.match(r"^- [a-z]\.\s", text):
            lettered.append((text[2], text[5:].strip()))
        elif steps:
            after.append(text)
        else:
            intro.append(text)
    return intro, steps, lettered, " ".join(after)


def test_step_1_follows_the_source_order(ilif_lines, content):
    """Intro, steps 1-3 with questions a-c under step 3, then the closing paragraph."""
    intro, steps, lettered, closing = _step1_source(ilif_lines)
    step1 = content.framework.step1
    assert [normalise(p) for p in step1.intro_paragraphs] == [normalise(p) for p in intro]
    outline = step1.outline()
    assert [normalise(step) for step, _ in outline] == [normalise(s) for s in steps]
    assert [[(letter, normalise(q)) for letter, q in subs] for _, subs in outline] == \
        [[], [], [(letter, normalise(q)) for letter, q in lettered]]
    assert [letter for letter, _ in lettered] == ["a", "b", "c"]
    assert normalise(step1.closing) == normalise(closing)


# ---------------------------------------------------------------- (c) survey figures


def _survey_sections(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.strip() == "Survey Data")
    end = next(i for i, line in enumerate(lines) if i > start and line.strip() == "Reflection Guides")
    text = normalise("\n".join(lines[start:end]))
    return text.split("Findings by Each Question Area:")[1:]


@pytest.fixture(scope="module")
def survey_rows() -> list[dict]:
    with (DATA / "survey_2018.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["spectrum"]: r for r in csv.DictReader(handle)}
    return [rows[s] for s in SPECTRUM_IDS]


def test_survey_has_one_findings_section_per_spectrum(lbw_lines):
    sections = _survey_sections(lbw_lines)
    assert len(sections) == len(SPECTRUM_IDS)
    for section in sections:
        assert len(re.findall(r"The median system rating was a", section)) == 1


@pytest.mark.parametrize(("column", "pattern", "what"), [
    ("median", r"The median system rating was a (\d+)", "median"),
    ("mean", r"The average rating was (\d+(?:\.\d+)?)", "average"),
    # first figure; the Build Internally section prints "86% ... to 90% ..." (see the CSV note)
    ("devoted_resources", r"(\d+)% of respondents reported that (?:they had|they'd|they’d) devoted resources",
     "devoted resources"),
    ("top_priority", r"cited as a top-priority challenge by (\d+)%|(\d+)% of systems citing it as a top issue",
     "top priority"),
    ("n", r"\(n=(\d+)\)", "sample size"),
])
def test_survey_figures_match_report(lbw_lines, survey_rows, column, pattern, what):
    sections = _survey_sections(lbw_lines)
    from_report = []
    for section in sections:
        match = re.search(pattern, section)
        assert match, f"no {what} sentence in section {section[:80]!r}"
        from_report.append(float(next(g for g in match.groups() if g)))
    in_csv = [float(r[column]) for r in survey_rows]
    assert in_csv == from_report, f"{column}: CSV {in_csv} vs report {from_report} ({', '.join(SPECTRUM_IDS)})"


def test_cultivating_capacity_devoted_resources_reading_is_documented(lbw_lines, survey_rows):
    section = _survey_sections(lbw_lines)[SPECTRUM_IDS.index("cultivating_capacity")]
    figures = re.findall(r"(\d+)% of respondents reported that they.d devoted resources", section)
    assert figures == ["86", "90"], "the report's self-contradiction changed; revisit the CSV note"
    note = survey_rows[SPECTRUM_IDS.index("cultivating_capacity")]["note"]
    assert "86%" in note and "90%" in note
