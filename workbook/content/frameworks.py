"""The two frameworks' content, loaded from ``data/`` and validated.

Everything the apps show about *Look Both Ways* and the *Innovative Learning
Implementation Framework* comes from here. Invalid content fails at load with a
:class:`~workbook.content.errors.ContentError` naming the file, the entry and the field.
"""

from __future__ import annotations

import csv
import functools
import math
import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ContentError

#: Spectrum ids in the order of Reflection Guide 2 (left pole = 1, right pole = 5).
SPECTRUM_IDS = (
    "locus_of_control",
    "pace",
    "resource_allocation",
    "cultivating_capacity",
    "strategic_flexibility",
    "comprehensiveness",
    "sharing_learning",
)
LAYER_IDS = ("essential_supports", "enabling_systems_and_structures", "ongoing_processes")
AUDIENCES = {"teachers": "Teachers", "school_leaders": "School leaders", "district": "District/CMO"}
SURVEY_COLUMNS = (
    "spectrum", "n", "median", "mean", "share_left", "share_mid", "share_right",
    "top_priority", "devoted_resources", "note",
)
SCALE_MIN, SCALE_MAX = 1.0, 5.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _nonempty(items: list[str]) -> list[str]:
    if not items or any(not str(s).strip() for s in items):
        raise ValueError("must be a non-empty list of non-empty strings")
    return items


class Attribution(_Model):
    """Credit and licence for a framework's text: citation, CC BY 4.0 licence and what this transcription changed."""

    title: str | None = None
    authors: list[str] = []
    publisher: str = "The Learning Accelerator"
    year: int
    citation: str
    license: Literal["CC BY 4.0"]
    license_url: str
    changes: str | None = None


class Benefits(_Model):
    """What a pole offers each audience: teachers, school leaders and the district."""

    teachers: list[str]
    school_leaders: list[str]
    district: list[str]

    _check = field_validator("teachers", "school_leaders", "district")(_nonempty)


class Pole(_Model):
    """One end of a spectrum: its label, definition, key benefits, why a system would choose it and who benefits."""

    label: str = Field(min_length=1)
    heading: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    key_benefits: list[str]
    why_heading: str
    why: str = Field(min_length=1)
    benefits: Benefits

    _check = field_validator("key_benefits")(_nonempty)

    @property
    def plain_label(self) -> str:
        """The label without the quotation marks some poles carry ("Fast and Furious")."""
        return self.label.strip("\"“” ")


class Example(_Model):
    """A system's story illustrating the left pole, the right pole or a combination of both."""

    pole: Literal["left", "right", "combine"]
    system: str
    title: str
    speaker: str | None = None
    quote: str | None = None
    summary: str = Field(min_length=1)


class Spectrum(_Model):
    """One of Look Both Ways' seven spectra: the question, both poles, examples, lessons and reflection questions."""

    id: str
    number: int = Field(ge=1, le=7)
    question: str = Field(min_length=1)
    dimension: str = Field(min_length=1)
    title: str
    framing: str
    left: Pole
    right: Pole
    examples: list[Example]
    combine_intro: str | None = None
    lessons: list[str]
    reflection_questions: list[str]
    # source layout: question index -> index of the question it is indented under (e.g. Q6's three sub-questions)
    reflection_nesting: dict[int, int] = {}
    source_notes: list[str] = []

    _check = field_validator("lessons", "reflection_questions")(_nonempty)

    def reflection_outline(self) -> list[tuple[str, list[str]]]:
        """The reflection questions as the source lays them out: each main question with those indented under it."""
        out: list[tuple[str, list[str]]] = []
        for i, q in enumerate(self.reflection_questions):
            if i in self.reflection_nesting and out:
                out[-1][1].append(q)
            else:
                out.append((q, []))
        return out

    def pole(self, side: str) -> Pole:
        """The pole on ``side`` ('left' or 'right')."""
        return {"left": self.left, "right": self.right}[side]

    def describe(self, value: float) -> str:
        """Words for a mark: '2 of 5, toward Centralized'."""
        v = float(value)
        if v < 3:
            lean = f"toward {self.left.plain_label}"
        elif v > 3:
            lean = f"toward {self.right.plain_label}"
        else:
            lean = "an equal mix of both"
        shown = f"{v:g}"
        return f"{shown} of 5, {lean}"


class Condition(_Model):
    """One condition of the Implementation Framework, with its description."""

    id: str
    name: str
    description: str = Field(min_length=1)


def paragraphs(text: str | None) -> list[str]:
    """A transcribed passage's paragraphs, in order (the data keeps them one to a line)."""
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def _words(text: str) -> str:
    return " ".join(text.split())


class LayerQuestion(_Model):
    """A layer's reflection question: the reading pages show, and the text as printed when that differs.

    ``text`` is what pages show and read aloud. ``source_text`` is given only where the source prints the
    question garbled (the Ongoing Processes question that opens with an unfinished draft remnant): it keeps the
    printed words, and ``text`` is then a cleaned reading made only by leaving words out of it.
    """

    text: str = Field(min_length=1)
    source_text: str | None = None

    @model_validator(mode="after")
    def _reading_of_the_source(self):
        if self.source_text is None:
            return self
        text, source = _words(self.text), _words(self.source_text)
        if text == source:
            raise ValueError("source_text repeats text: give it only when the cleaned reading differs")
        if text not in source:
            raise ValueError("text must be the source_text with words left out at its start or end "
                             f"(a cleaned reading of {source[:60]!r}...)")
        return self

    @property
    def left_out(self) -> tuple[str, str]:
        """The printed words the cleaned reading leaves out: (before it, after it); empty strings when none."""
        if self.source_text is None:
            return "", ""
        text, source = _words(self.text), _words(self.source_text)
        start = source.index(text)
        return source[:start].strip(), source[start + len(text):].strip()

    @property
    def note(self) -> str | None:
        """A short note saying what the source prints, for a cleaned reading (None when the text is as printed)."""
        before, after = self.left_out
        parts = ([f"“{before}” before it"] if before else []) + ([f"“{after}” after it"] if after else [])
        if not parts:
            return None
        return f"The guide prints this question with {' and '.join(parts)}; those words are left out here."


class Layer(_Model):
    """One ring of the Implementation Framework: its summary, reflection questions and conditions.

    In the data a reflection question is a string, or a mapping with ``text`` (the reading pages show) and
    ``source_text`` (as printed) for a question the source prints garbled (:class:`LayerQuestion`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    name: str
    ring: int = Field(ge=1, le=3)
    summary: str
    description: str
    questions: list[LayerQuestion] = Field(alias="reflection_questions", min_length=1)
    conditions: list[Condition]

    @field_validator("questions", mode="before")
    @classmethod
    def _plain_questions(cls, items):
        if isinstance(items, list):
            return [{"text": q} if isinstance(q, str) else q for q in items]
        return items

    @property
    def reflection_questions(self) -> list[str]:
        """The layer's reflection questions as pages show them (cleaned readings where the source is garbled)."""
        return [q.text for q in self.questions]


class Scale(_Model):
    """The alignment scale conditions are rated on: its bounds and the labels of some of its points."""

    min: int
    max: int
    labels: dict[int, str]


class Core(_Model):
    """The framework's centre, Student-Centered Design for Teaching and Learning."""

    id: str
    name: str
    description: str


class Prompt(_Model):
    """A Step 2 planning prompt, optionally answered in a number of labelled slots."""

    id: str
    text: str
    slots: int | None = None
    slot_label: str | None = None


class Horizon(_Model):
    """A time horizon for action items (short, medium or long term) with its label and hint."""

    id: Literal["short", "medium", "long"]
    label: str
    hint: str


class Step2Section(_Model):
    """One section of Step 2: its heading with prompts, or action-item horizons and their columns."""

    id: str
    heading: str
    prompts: list[Prompt] = []
    horizons: list[Horizon] = []
    columns: list[str] = []


class Step1(_Model):
    """Step 1, Taking Stock & Prioritizing Action: intro, instructions, discussion questions and closing.

    The guide prints its intro, the numbered instructions 1-3 with the discussion questions a-c under the last
    one ("Together, consider these questions:"), then the closing paragraph (:meth:`outline`).
    """

    title: str
    intro: str
    instructions: list[str] = Field(min_length=1)
    questions: list[str]
    closing: str

    @model_validator(mode="after")
    def _questions_follow_the_last_instruction(self):
        if self.questions and not self.instructions[-1].rstrip().endswith(":"):
            raise ValueError("the last instruction should introduce the questions a, b, c... (end with ':')")
        return self

    @property
    def intro_paragraphs(self) -> list[str]:
        """The intro's paragraphs, in order."""
        return paragraphs(self.intro)

    @property
    def lettered_questions(self) -> list[tuple[str, str]]:
        """The discussion questions with the letters the guide prints: [('a', 'What do you notice?'), ...]."""
        return [(chr(ord("a") + i), q) for i, q in enumerate(self.questions)]

    def outline(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The numbered instructions in order, each with the lettered questions printed under it (step 3's)."""
        last = len(self.instructions) - 1
        return [(step, self.lettered_questions if i == last else []) for i, step in enumerate(self.instructions)]


class Step2(_Model):
    """Step 2, Vision Development and Action Planning: intro and sections."""

    title: str
    intro: str
    sections: list[Step2Section]


class ConditionsFramework(_Model):
    """The Innovative Learning Implementation Framework: core, scale, three layers of conditions and Steps 1 and 2."""

    attribution: Attribution
    core: Core
    scale: Scale
    layers: list[Layer]
    step1: Step1
    step2: Step2
    source_notes: list[str] = []

    @property
    def conditions(self) -> list[Condition]:
        """Every condition, layer by layer in framework order."""
        return [c for layer in self.layers for c in layer.conditions]

    def layer_of(self, condition_id: str) -> Layer:
        """The layer holding the condition ``condition_id``; KeyError if none does."""
        for layer in self.layers:
            if any(c.id == condition_id for c in layer.conditions):
                return layer
        raise KeyError(condition_id)

    @property
    def horizons(self) -> list[Horizon]:
        """Every action-item horizon across Step 2's sections, in order."""
        return [h for s in self.step2.sections for h in s.horizons]


class Question(_Model):
    """A reflection guide item with its id: a question to answer, or an instruction to follow.

    ``kind`` is "question" (the default: answered in words) or "instruction" (something the guide
    asks members to do, such as Guide 2's second marking pass; it takes no written answer).
    """

    id: str
    text: str = Field(min_length=1)
    kind: Literal["question", "instruction"] = "question"

    @property
    def is_instruction(self) -> bool:
        """True when the guide asks members to do something rather than answer in words."""
        return self.kind == "instruction"


class GuideSection(_Model):
    """A section of a reflection guide: optional title and intro, and its questions."""

    id: str
    title: str | None = None
    intro: str | None = None
    questions: list[Question]


class GuideDimension(_Model):
    """A dimension a reflection guide asks to mark, with its left and right poles."""

    id: str
    dimension: str
    left: str
    right: str


class Guide(_Model):
    """A reflection guide: title, intro, marking instruction, dimensions and sections of questions."""

    id: str
    title: str
    intro: str
    marking_instruction: str | None = None
    dimensions: list[GuideDimension] = []
    sections: list[GuideSection]

    @property
    def intro_paragraphs(self) -> list[str]:
        """The guide's intro as printed: its paragraphs, in order."""
        return paragraphs(self.intro)

    def section(self, section_id: str) -> GuideSection:
        """The section with id ``section_id``; KeyError if there is none."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    @property
    def questions(self) -> list[Question]:
        """Every item of the guide, section by section (instructions included; see :attr:`answerable`)."""
        return [q for s in self.sections for q in s.questions]

    @property
    def answerable(self) -> list[Question]:
        """The guide's questions answered in words: every item except its instructions."""
        return [q for q in self.questions if q.kind == "question"]


class ReflectionGuides(_Model):
    """Look Both Ways' two reflection guides, Laying the Foundation and Charting Your Path, with their intro."""

    attribution: Attribution
    intro: str
    guide_1: Guide
    guide_2: Guide
    source_notes: list[str] = []

    @model_validator(mode="after")
    def _guide_1_sections_have_titles(self):
        # Laying the Foundation is worked through section by section under the guide's headings (the page, the
        # worksheet, the team view and the summary show them): a section without one has nowhere to appear
        untitled = [s.id for s in self.guide_1.sections if not (s.title or "").strip()]
        if untitled:
            raise ValueError(f"guide_1: every section needs a title (its heading on the pages); "
                             f"{', '.join(untitled)} has none")
        return self


class SurveyFigure(_Model):
    """The published survey's figures for one spectrum: n, median, mean, and shares by side and by priority."""

    spectrum: str
    n: int = Field(gt=0)
    median: float = Field(ge=SCALE_MIN, le=SCALE_MAX)
    mean: float = Field(ge=SCALE_MIN, le=SCALE_MAX)
    share_left: float | None = Field(default=None, ge=0, le=100)
    share_mid: float | None = Field(default=None, ge=0, le=100)
    share_right: float | None = Field(default=None, ge=0, le=100)
    top_priority: float | None = Field(default=None, ge=0, le=100)
    devoted_resources: float | None = Field(default=None, ge=0, le=100)
    note: str = ""


class Content(_Model):
    """All framework content, validated. Get it with :func:`load_content`."""

    spectra: list[Spectrum]
    framework: ConditionsFramework
    guides: ReflectionGuides
    survey: list[SurveyFigure]
    spectra_attribution: Attribution

    def spectrum(self, spectrum_id: str) -> Spectrum:
        """The spectrum with id ``spectrum_id``; KeyError naming the known ids if there is none."""
        for s in self.spectra:
            if s.id == spectrum_id:
                return s
        raise KeyError(f"unknown spectrum {spectrum_id!r}; known: {', '.join(SPECTRUM_IDS)}")

    def survey_for(self, spectrum_id: str) -> SurveyFigure:
        """The survey figures for ``spectrum_id``; KeyError if the survey has none."""
        for row in self.survey:
            if row.spectrum == spectrum_id:
                return row
        raise KeyError(spectrum_id)

    @property
    def conditions(self) -> list[Condition]:
        """Every condition of the Implementation Framework, layer by layer."""
        return self.framework.conditions

    def condition(self, condition_id: str) -> Condition:
        """The condition with id ``condition_id``; KeyError if there is none."""
        for c in self.conditions:
            if c.id == condition_id:
                return c
        raise KeyError(f"unknown condition {condition_id!r}")

    def plan_area(self, area_id: str) -> Condition | Layer:
        """What a Step 2 plan is for: a condition, or a whole layer (both have id, name and description)."""
        for layer in self.framework.layers:
            if layer.id == area_id:
                return layer
        return self.condition(area_id)


# ---------------------------------------------------------------- loading

def data_dir() -> Path:
    """Where content lives: ``$WORKBOOK_DATA_DIR`` or the project's ``data/`` folder (:mod:`workbook.content.paths`)."""
    from .paths import data_dir as where

    return where()


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C loader: 10x faster
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ContentError(path, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ContentError(path, "expected a mapping at the top level")
    return raw


def _validate(model, raw, path: Path, entry: str | None):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        given = err.get("input")
        shown = f" (got {given!r})" if given is not None and not isinstance(given, (dict, list)) else ""
        raise ContentError(path, f"{err['msg']}{shown}", entry=entry, field=field) from None


def _entry_name(item, index: int, key: str) -> str:
    if isinstance(item, dict) and item.get("id"):
        return f"{key}[{index}] (id {item['id']!r})"
    return f"{key}[{index}]"


def _unique(ids: list[str], path: Path, key: str) -> None:
    seen = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise ContentError(path, f"duplicate id {ident!r}", entry=f"{key}[{i}]", field="id")
        seen.add(ident)


def load_spectra(path: Path) -> tuple[list[Spectrum], Attribution]:
    """Read and validate ``spectra.yaml``: exactly the seven spectra, in Reflection Guide 2's order."""
    raw = _read_yaml(path)
    attribution = _validate(Attribution, raw.get("attribution"), path, "attribution")
    items = raw.get("spectra")
    if not isinstance(items, list):
        raise ContentError(path, "missing list 'spectra'", field="spectra")
    spectra = [
        _validate(Spectrum, item, path, _entry_name(item, i, "spectra")) for i, item in enumerate(items)
    ]
    _unique([s.id for s in spectra], path, "spectra")
    for i, s in enumerate(spectra):
        if s.id not in SPECTRUM_IDS:
            raise ContentError(path, f"unknown spectrum id {s.id!r}; allowed: {', '.join(SPECTRUM_IDS)}",
                               entry=f"spectra[{i}]", field="id")
    if [s.id for s in spectra] != list(SPECTRUM_IDS):
        raise ContentError(path, "expected the seven spectra in Reflection Guide 2's order: "
                           + ", ".join(SPECTRUM_IDS), field="spectra")
    for i, s in enumerate(spectra):
        if s.number != i + 1:
            raise ContentError(path, f"number {s.number} should be {i + 1}", entry=f"spectra[{i}] (id {s.id!r})",
                               field="number")
    return spectra, attribution


def load_conditions(path: Path) -> ConditionsFramework:
    """Read and validate ``conditions.yaml``: three layers, sixteen uniquely named conditions."""
    raw = _read_yaml(path)
    framework = _validate(ConditionsFramework, raw, path, None)
    if [layer.id for layer in framework.layers] != list(LAYER_IDS):
        raise ContentError(path, "expected layers " + ", ".join(LAYER_IDS), field="layers")
    _unique([c.id for c in framework.conditions], path, "conditions")
    for layer in framework.layers:
        if not layer.conditions:
            raise ContentError(path, "a layer needs at least one condition", entry=layer.id, field="conditions")
    return framework


def load_guides(path: Path) -> ReflectionGuides:
    """Read and validate ``reflection_guides.yaml``."""
    raw = _read_yaml(path)
    guides = _validate(ReflectionGuides, raw, path, None)
    for guide in (guides.guide_1, guides.guide_2):
        _unique([q.id for q in guide.questions], path, f"{guide.id}.questions")
    return guides


def _number(value: str, path: Path, row: int, column: str, integer: bool = False):
    value = value.strip()
    if value == "":
        return None
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ContentError(path, f"{value!r} is not {kind}", entry=f"row {row}", field=column) from None
    if not integer and not math.isfinite(number):
        raise ContentError(path, f"{value!r} is not a finite number", entry=f"row {row}", field=column)
    return number


def load_survey(path: Path) -> list[SurveyFigure]:
    """Read and validate ``survey_2018.csv`` (one row per spectrum id)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ContentError(path, "file not found") from None
    try:
        with handle:
            return _read_survey(path, handle)
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read_survey(path: Path, handle) -> list[SurveyFigure]:
    reader = csv.DictReader(handle)
    if tuple(reader.fieldnames or ()) != SURVEY_COLUMNS:
        raise ContentError(path, f"columns {reader.fieldnames} should be {list(SURVEY_COLUMNS)}",
                           entry="header")
    rows = []
    for i, rec in enumerate(reader, start=2):
        sid = rec["spectrum"].strip()
        if sid not in SPECTRUM_IDS:
            raise ContentError(path, f"unknown spectrum {sid!r}; allowed: {', '.join(SPECTRUM_IDS)}",
                               entry=f"row {i}", field="spectrum")
        values = {"spectrum": sid, "note": rec["note"] or ""}
        for col in SURVEY_COLUMNS[1:-1]:
            values[col] = _number(rec[col] or "", path, i, col, integer=(col == "n"))
        rows.append(_validate(SurveyFigure, values, path, f"row {i} ({sid})"))
    seen = [r.spectrum for r in rows]
    _unique(seen, path, "rows")
    missing = [s for s in SPECTRUM_IDS if s not in seen]
    if missing:
        raise ContentError(path, f"no row for spectrum {', '.join(missing)}")
    return sorted(rows, key=lambda r: SPECTRUM_IDS.index(r.spectrum))


@functools.lru_cache(maxsize=4)
def _load(directory: str) -> Content:
    base = Path(directory)
    spectra, attribution = load_spectra(base / "spectra.yaml")
    framework = load_conditions(base / "conditions.yaml")
    guides = load_guides(base / "reflection_guides.yaml")
    survey = load_survey(base / "survey_2018.csv")
    return Content(spectra=spectra, framework=framework, guides=guides, survey=survey,
                   spectra_attribution=attribution)


def load_content(directory: str | os.PathLike | None = None) -> Content:
    """Load and validate all content (cached per directory).

    Raises :class:`~workbook.content.errors.ContentError` pointing at the first broken entry.
    """
    return _load(str(Path(directory) if directory else data_dir()))
