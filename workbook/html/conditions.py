"""The conditions for scale in words and tables: Step 1 as printed, the layers' questions, medians and votes."""

from __future__ import annotations

import pandas as pd

from .. import analysis
from ..content.render import details, esc


def lettered_list(step1) -> str:
    """Step 1's discussion questions a, b, c..., lettered as the guide prints them."""
    items = "".join(f"<li>{letter}. {esc(q)}</li>" for letter, q in step1.lettered_questions)
    return f"<ol class='wb-lettered' style='list-style:none;padding-left:1.25em'>{items}</ol>"


def step1_text(step1) -> str:
    """Step 1 in the guide's order: the intro, instructions 1-3 with questions a-c under step 3, the closing."""
    steps = "".join(f"<li>{esc(step)}{lettered_list(step1) if subs else ''}</li>" for step, subs in step1.outline())
    return ("".join(f"<p>{esc(p)}</p>" for p in step1.intro_paragraphs)
            + f"<ol>{steps}</ol><p>{esc(step1.closing)}</p>")


def step1_note(step1, open_: bool = False) -> str:
    """Step 1 as a note to read aloud (as every app's guide note: shut for members, open for the facilitator)."""
    return details(f"What the guide says ({step1.title}): a note to read aloud", step1_text(step1), open_=open_)


def question_note(question) -> str:
    """The note under a layer question whose printed text is garbled (what the guide prints); '' otherwise."""
    return (f"<div class='wb-muted wb-source-note' style='font-size:0.9em'>{esc(question.note)}</div>"
            if question.note else "")


def layer_question(question) -> str:
    """A layer's reflection question as pages show it: the (cleaned) reading, and the note when there is one."""
    return esc(question.text) + question_note(question)


def layer_questions(layer) -> str:
    """A layer's reflection questions as a list, each with its note where the source prints it garbled."""
    return "<ul>" + "".join(f"<li>{layer_question(q)}</li>" for q in layer.questions) + "</ul>"


def layers_html(content, csum: pd.DataFrame) -> str:
    """A table of the three layers: the median of their conditions' medians, the least aligned condition, the votes."""
    rows = []
    summary = analysis.layer_summary(csum)
    for layer in content.framework.layers:
        if layer.id not in summary.index:
            continue
        r = summary.loc[layer.id]
        lowest = content.condition(r["lowest"]).name if r["lowest"] else "—"
        med = "—" if pd.isna(r["median_of_medians"]) else f"{r['median_of_medians']:g}"
        rows.append(f"<tr><th scope='row'>{esc(layer.name)}</th><td>{med}</td><td>{esc(lowest)}</td>"
                    f"<td>{int(r['votes'])}</td></tr>")
    return ("<table class='wb-table'><thead><tr><th scope='col'>Layer</th><th scope='col'>Typical alignment "
            "(1–5)</th><th scope='col'>Least aligned condition</th><th scope='col'>Priority votes</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>"
            "<p class='wb-muted'>Typical alignment: the middle value of the team's median ratings of the layer's "
            "conditions.</p>")


def rings_key(framework, medians: dict | None = None) -> str:
    """The key beside the rings chart: each condition's number, name and layer (and the team's median)."""
    from ..charts import condition_numbers

    numbers = condition_numbers(framework)
    rows = []
    for layer in framework.layers:
        for c in layer.conditions:
            value = "" if medians is None else (
                "<td>—</td>" if medians.get(c.id) is None else f"<td>{medians[c.id]:g}</td>")
            rows.append(f"<tr><td>{numbers[c.id]}</td><th scope='row'>{esc(c.name)}</th>"
                        f"<td>{esc(layer.name)}</td>{value}</tr>")
    head = ("<thead><tr><th scope='col'>No.</th><th scope='col'>Condition</th><th scope='col'>Layer</th>"
            + ("<th scope='col'>Team median (1–5)</th>" if medians is not None else "") + "</tr></thead>")
    return f"<table class='wb-table wb-rings-key'>{head}<tbody>{''.join(rows)}</tbody></table>"
