"""The run of show: the steps of a team's retreat in the guides' own order, and how far the room has got.

*Look Both Ways* asks a team to lay its foundation first (Reflection Guide 1), then to chart its path
(Reflection Guide 2: the pathway now, what the team notices, the aspiration, the gaps, the team's
questions); the *Innovative Learning Implementation Framework* then takes stock of the sixteen
conditions (Step 1: ratings, questions a-c, the layers' questions, priorities) and plans (Step 2).
:data:`STEPS` is that day, one :class:`Step` at a time, with a suggested length in minutes (the whole
about three hours).

A step names its guide's questions by reference (``rg2.p1``, ``step1.a``,
``layer.ongoing_processes.2``...), never by text: :func:`questions` reads the words from the content,
so what the projector and the run of show print is what the guide prints. :func:`progress` counts, for
each step whose members have something to do, how many members finished it, from the store's reads
(members are counted, never named).

Pure: no widgets; the store is only read, through the object passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from .frameworks import SPECTRUM_IDS


@dataclass(frozen=True)
class Step:
    """One step of the retreat.

    ``app`` is the notebook members open (None: they look up at the projector and talk); ``team_app`` the
    facilitator's own page for the step. ``instructions`` and ``questions`` are references to the guides'
    text (:func:`text`): what the guide tells members to do, and what the room discusses. ``counts`` says
    what a member has done when the step is finished for them (None: the room's step, nothing to count);
    ``done`` is how the count reads ("4 of 6 <done>"). ``view`` is what the presenter draws beside the
    questions: ``none``, ``now`` (the team's pathway now), ``all`` (now and aspiration), ``conditions``
    (the framework's rings, team medians) or ``votes`` (priority votes).
    """

    id: str
    title: str
    part: str
    does: str
    minutes: int
    app: str | None = None
    team_app: str | None = None
    instructions: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    counts: str | None = None
    done: str = ""
    view: str = "none"


G1 = "Reflection Guide 1 · Laying the Foundation"
G2 = "Reflection Guide 2 · Charting Your Path"
S1 = "Implementation Framework · Step 1. Taking Stock & Prioritizing Action"
S2 = "Implementation Framework · Step 2. Vision Development and Action Planning"
CLOSE = "Closing"
LAYERS = ("essential_supports", "enabling_systems_and_structures", "ongoing_processes")

STEPS: tuple[Step, ...] = (
    Step("driving_values", "Driving values", G1,
         "Open Laying the Foundation (scan the QR code), enter your name and role, and answer the questions under "
         "Driving Values.", 10,
         app="laying_the_foundation.ipynb", team_app="laying_the_foundation.ipynb",
         questions=("rg1.dv1", "rg1.dv2", "rg1.dv3", "rg1.dv4"), counts="answered", done="answered a question"),
    Step("context_culture_climate", "Context, culture & climate", G1,
         "Answer the questions under Context, Culture, & Climate (same page).", 10,
         app="laying_the_foundation.ipynb", team_app="laying_the_foundation.ipynb",
         questions=("rg1.ccc1", "rg1.ccc2", "rg1.ccc3", "rg1.ccc4"), counts="answered", done="answered a question"),
    Step("desired_outcomes", "Desired outcomes", G1,
         "Answer the questions under Desired Outcomes; then the team agrees its list of desired outcomes "
         "(the facilitator writes them in the team view).", 10,
         app="laying_the_foundation.ipynb", team_app="laying_the_foundation.ipynb",
         questions=("rg1.do1", "rg1.do2"), counts="answered", done="answered a question"),
    Step("now_pass", "Where the system is now", G2,
         "Open Charting Your Path with the link at the top of your page (it carries on as you; a member who "
         "joins now scans the QR code) and mark where the system is now on all seven spectra.", 10,
         app="charting_your_path.ipynb", team_app="team_pathways.ipynb",
         instructions=("rg2.marking",), counts="now", done="marked now on all seven spectra", view="now"),
    Step("notice", "What do you notice?", G2,
         "Answer Q1 under your chart, then talk it through.", 10,
         app="charting_your_path.ipynb", team_app="team_pathways.ipynb",
         questions=("rg2.p1",), counts="answered", done="answered Q1", view="now"),
    Step("aspiration_pass", "Where the system should be", G2,
         "Go on to the second pass and mark where the system should be on all seven spectra (your now marks "
         "stay on the chart).", 10,
         app="charting_your_path.ipynb", team_app="team_pathways.ipynb",
         instructions=("rg2.p2",), counts="aspiration", done="marked the aspiration on all seven spectra",
         view="all"),
    Step("gaps", "The gaps", G2,
         "Look at your widest gaps, name the one you find the most critical and answer Q3.", 10,
         app="charting_your_path.ipynb", team_app="team_pathways.ipynb",
         questions=("rg2.p3",), counts="critical", done="named the most critical gap", view="all"),
    Step("team_questions", "The team's pathways together", G2,
         "Look up at the team's pathways and talk. The facilitator records the team's agreed marks and answers "
         "in Team pathways.", 20,
         team_app="team_pathways.ipynb",
         questions=("rg2.t1", "rg2.t2", "rg2.o1", "rg2.o2", "rg2.o3"), view="all"),
    Step("step1_ratings", "Rate the sixteen conditions", S1,
         "Open Conditions for Scale with the link at the top of your page and rate every condition, from Not "
         "aligned at all to Fully aligned.", 15,
         app="conditions_for_scale.ipynb", team_app="conditions_for_scale.ipynb",
         instructions=("step1.instruction1",), counts="ratings", done="rated all sixteen conditions",
         view="conditions"),
    Step("step1_questions", "Share out and consider questions a–c", S1,
         "Share where you marked; the facilitator records the team's answers in the conditions team view.", 15,
         team_app="conditions_for_scale.ipynb",
         instructions=("step1.instruction2", "step1.instruction3"), questions=("step1.a", "step1.b", "step1.c"),
         view="conditions"),
    Step("layer_questions", "The layers' questions", S1,
         "Talk through each layer's reflection questions; the facilitator records the team's answers.", 10,
         team_app="conditions_for_scale.ipynb",
         questions=tuple(f"layer.{layer}.*" for layer in LAYERS)),
    Step("priorities", "Pick priorities", S1,
         "In Conditions for Scale, pick the conditions you think are the highest priority to address.", 5,
         app="conditions_for_scale.ipynb", team_app="conditions_for_scale.ipynb",
         questions=("step1.c",), counts="priority", done="picked a priority", view="votes"),
    Step("plan", "Vision and action plan", S2,
         "Look up at the plan as the facilitator writes it in Action planning: the vision, the challenges, who "
         "should be part of the conversation, resources, and action items for the short, medium and long term.",
         30,
         team_app="action_planning.ipynb",
         questions=("step2.end_state", "step2.challenges", "step2.stakeholders", "step2.resources"), view="votes"),
    Step("close", "Close: summary, review dates, follow-up", CLOSE,
         "Read back what the team decided, give each action a date to review it, and set the date the team "
         "looks again (the follow-up session).", 10,
         team_app="action_planning.ipynb", view="all"),
)

BY_ID = {s.id: s for s in STEPS}
APP_TITLES = {"laying_the_foundation.ipynb": "Laying the Foundation", "charting_your_path.ipynb": "Charting Your Path",
              "team_pathways.ipynb": "Team pathways", "conditions_for_scale.ipynb": "Conditions for Scale",
              "action_planning.ipynb": "Action planning"}


def step(step_id: str | None) -> Step | None:
    """The step with this id; None for None or an id this run of show does not have (an older store's)."""
    return BY_ID.get(step_id) if step_id else None


def index(step_id: str | None) -> int | None:
    """The step's place in the day (0-based); None when there is no such step."""
    found = step(step_id)
    return STEPS.index(found) if found else None


def total_minutes(minutes: dict | None = None) -> int:
    """The whole day's length: each step's suggested minutes, or those in ``minutes`` where it names the step."""
    minutes = minutes or {}
    return sum(int(minutes.get(s.id, s.minutes)) for s in STEPS)


# ------------------------------------------------------------------ the guides' words

def text(content, ref: str) -> str:
    """The guide's own words for a reference (KeyError naming it when the content has no such item).

    ``rg1.<id>``, ``rg2.<id>``: a reflection guide's question (or instruction) by its id; ``rg2.marking``:
    Guide 2's marking instruction; ``step1.<a|b|c>``: Step 1's lettered question; ``step1.instruction<n>``:
    its numbered instruction; ``layer.<layer id>.<n>``: a layer's n-th reflection question (the reading
    pages show); ``step2.<prompt id>``: a Step 2 prompt.
    """
    kind, _, rest = ref.partition(".")
    if kind in ("rg1", "rg2"):
        guide = content.guides.guide_1 if kind == "rg1" else content.guides.guide_2
        if rest == "marking" and guide.marking_instruction:
            return guide.marking_instruction
        for q in guide.questions:
            if q.id == rest:
                return q.text
    elif kind == "step1":
        step1 = content.framework.step1
        if rest.startswith("instruction") and rest[11:].isdigit() and 0 < int(rest[11:]) <= len(step1.instructions):
            return step1.instructions[int(rest[11:]) - 1]
        for letter, q in step1.lettered_questions:
            if letter == rest:
                return q
    elif kind == "layer":
        layer_id, _, n = rest.rpartition(".")
        for layer in content.framework.layers:
            if layer.id == layer_id and n.isdigit() and 0 < int(n) <= len(layer.questions):
                return layer.questions[int(n) - 1].text
    elif kind == "step2":
        for section in content.framework.step2.sections:
            for prompt in section.prompts:
                if prompt.id == rest:
                    return prompt.text
    raise KeyError(f"the guides have no item {ref!r}")


def label(content, ref: str) -> str:
    """How the guide numbers an item: 'Q1' for Guide 2's pathway questions, 'a.' for Step 1's, else a heading."""
    kind, _, rest = ref.partition(".")
    if kind == "rg2":
        pathway = [q.id for q in content.guides.guide_2.section("pathway").questions]
        if rest in pathway:
            return f"Q{pathway.index(rest) + 1}"
    if kind == "step1" and len(rest) == 1:
        return f"{rest}."
    if kind == "step1" and rest.startswith("instruction"):
        return f"{rest[11:]}."
    if kind == "layer":
        layer_id = rest.rpartition(".")[0]
        for layer in content.framework.layers:
            if layer.id == layer_id:
                return layer.name
    return ""


def expand(content, refs) -> list[str]:
    """``refs`` with each ``layer.<layer id>.*`` spelled out as that layer's questions, in the guide's order."""
    out = []
    for ref in refs:
        if ref.startswith("layer.") and ref.endswith(".*"):
            layer_id = ref[len("layer."):-2]
            layer = next((x for x in content.framework.layers if x.id == layer_id), None)
            if layer is None:
                raise KeyError(f"the guides have no layer {layer_id!r}")
            out += [f"layer.{layer_id}.{n}" for n in range(1, len(layer.questions) + 1)]
        else:
            out.append(ref)
    return out


def questions(content, s: Step) -> list[tuple[str, str, str]]:
    """The step's discussion questions as ``(ref, label, text)``, text from the content, in the guide's order."""
    return [(ref, label(content, ref), text(content, ref)) for ref in expand(content, s.questions)]


def instructions(content, s: Step) -> list[tuple[str, str, str]]:
    """What the guide tells members to do in this step, as ``(ref, label, text)`` from the content."""
    return [(ref, label(content, ref), text(content, ref)) for ref in s.instructions]


# ------------------------------------------------------------------ how far the room has got

def _answered(notes, s: Step) -> set:
    ids = {ref for ref in s.questions}  # the notes' question ids are the same references (rg1.dv1, rg2.p1)
    rows = notes[(notes["respondent_id"] != 0) & notes["question_id"].isin(ids)]
    return {r for r, t in zip(rows["respondent_id"], rows["text"]) if str(t or "").strip()}


def _all_marked(marks, field: str) -> set:
    rows = marks.dropna(subset=[field])
    rows = rows[rows["spectrum"].isin(SPECTRUM_IDS)]
    per_member = rows.groupby("respondent_id")["spectrum"].nunique()
    return set(per_member[per_member >= len(SPECTRUM_IDS)].index)


def _critical(notes) -> set:
    rows = notes[(notes["respondent_id"] != 0) & (notes["question_id"] == "rg2.critical")]
    return {r for r, t in zip(rows["respondent_id"], rows["text"]) if str(t or "").strip()}


def progress(store, session, content=None) -> dict[str, tuple[int | None, int]]:
    """For each step, ``(finished, members)``: how many of the session's members finished it, and how many joined.

    ``finished`` is None for a step the room does together (nothing for a member to finish). Read from the
    store's ``respondents``, ``spectrum_marks``, ``condition_marks`` and ``notes``: once per call, whatever the
    number of steps. Members are counted, never named.
    """
    members = {r.id for r in store.respondents(session.id)}
    kinds = {s.counts for s in STEPS}
    notes = store.notes(session.id) if kinds & {"answered", "critical"} else None
    marks = store.spectrum_marks(session.id) if kinds & {"now", "aspiration"} else None
    cmarks = store.condition_marks(session.id) if kinds & {"ratings", "priority"} else None
    if content is None:
        from .frameworks import load_content

        content = load_content()
    n_conditions = len(content.conditions)
    out: dict[str, tuple[int | None, int]] = {}
    for s in STEPS:
        if s.counts is None:
            out[s.id] = (None, len(members))
            continue
        if s.counts == "answered":
            done = _answered(notes, s)
        elif s.counts == "critical":
            done = _critical(notes)
        elif s.counts in ("now", "aspiration"):
            done = _all_marked(marks, "current" if s.counts == "now" else "aspiration")
        elif s.counts == "ratings":
            assert cmarks is not None  # read above: the steps count ratings
            rated = cmarks.dropna(subset=["rating"]).groupby("respondent_id")["condition"].nunique()
            done = set(rated[rated >= n_conditions].index)
        elif s.counts == "priority":
            assert cmarks is not None  # read above: the steps count priorities
            done = set(cmarks.loc[cmarks["priority"], "respondent_id"])
        else:  # pragma: no cover - a step naming a count this module does not know is a programming error
            raise ValueError(f"step {s.id!r} counts {s.counts!r}")
        out[s.id] = (len(done & members), len(members))
    return out


def count_words(s: Step, finished: int | None, members: int) -> str:
    """How the count reads: '4 of 6 have marked now on all seven spectra' (a room step says what it is)."""
    if finished is None:
        return "The room works on this together: nothing for members to finish."
    if members == 0:
        return "No member has joined yet."
    verb = "has" if finished == 1 else "have"
    return f"{finished} of {members} {verb} {s.done}"


# ------------------------------------------------------------------ what the room has recorded together

def note_id(ref: str) -> str | None:
    """Where the team's agreed answer to a guide's item is kept (a note's question id); None for Step 2's prompts.

    Guide 1 and 2 answers keep the reference itself (``rg2.t1``); Step 1's lettered questions ``step1.q<letter>``
    and the layers' ``step1.<layer id>.q<n>`` (the conditions team view's boxes); Step 2's answers belong to
    each planned area, so they have no one place.
    """
    kind, _, rest = ref.partition(".")
    if kind in ("rg1", "rg2"):
        return ref
    if kind == "step1" and len(rest) == 1:
        return f"step1.q{rest}"
    if kind == "layer":
        layer_id, _, n = rest.rpartition(".")
        return f"step1.{layer_id}.q{n}"
    return None


def record(store, session, content) -> dict[str, str]:
    """For each step the room does together, what the team has recorded so far, in words (no names).

    The team's agreed answers to the step's questions (notes of no member), the agreed marks (Guide 2), the
    plan's action items (Step 2) and how many of them have a date to review them (the close).
    """
    notes = store.notes(session.id)
    team = notes[(notes["respondent_id"] == 0)]
    written = {q for q, t in zip(team["question_id"], team["text"]) if str(t or "").strip()}
    out: dict[str, str] = {}
    items = None
    for s in STEPS:
        if s.counts is not None:
            continue
        parts = []
        ids = [i for i in (note_id(r) for r in expand(content, s.questions)) if i]
        if ids:
            n = sum(i in written for i in ids)
            parts.append(f"the team has answered {n} of {len(ids)} question{'s' if len(ids) != 1 else ''}")
        if s.id == "team_questions":
            agreed = store.team_marks(session.id)
            marked = int(agreed[["current", "aspiration"]].notna().any(axis=1).sum()) if len(agreed) else 0
            parts.append(f"agreed marks on {marked} of {len(SPECTRUM_IDS)} spectra")
        if s.id in ("plan", "close"):
            items = store.action_items(session.id) if items is None else items
            if s.id == "plan":
                parts.append(f"{len(items)} action item{'s' if len(items) != 1 else ''} in the plan")
            else:
                dated = int(items["review_on"].notna().sum()) if len(items) else 0
                parts.append(f"{dated} of {len(items)} action items have a date to review them")
        text = "; ".join(parts)
        out[s.id] = text[:1].upper() + text[1:]
    return out
