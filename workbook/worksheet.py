"""A printable worksheet of all four guides, for teams that start on paper.

It reads like the guides: Laying the Foundation's questions, numbered within each category;
Charting Your Path in its two passes, named as the member page names them; Step 1's ratings and
priorities, its instructions 1-3 with questions a-c under the third, and each layer's reflection
questions (the one the guide prints garbled with its note); and Step 2's plan for a priority condition
or a whole layer. The page a superintendent holds carries no column ids; the last page is a key
for the coach who types the paper answers into the files ``workbook import`` reads
(``spectrum_marks`` and ``condition_marks``).
"""

from __future__ import annotations

from .content.frameworks import load_content
from .content.render import PASS_NAMES, attribution, esc, number_word
from .content.validation import MAX_PRIORITIES
from .html.conditions import question_note

PRINT_CSS = """
body { font-family: system-ui, 'DejaVu Sans', Arial, sans-serif; color: #1F2933; margin: 1.5cm; font-size: 11pt; }
h1 { font-size: 20pt; margin: 0 0 4pt; } h2 { font-size: 14pt; margin: 18pt 0 6pt; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; page-break-inside: avoid; }
th, td { border: 1px solid #52606D; padding: 5pt 6pt; text-align: left; vertical-align: middle; }
th { background: #F0F4F8; } td.box { width: 2.2em; text-align: center; color: #52606D; }
.id { font-family: ui-monospace, monospace; font-size: 8.5pt; color: #52606D; }
.lines { border-bottom: 1px solid #9AA5B1; height: 22pt; }
.field { display: inline-block; min-width: 16em; border-bottom: 1px solid #52606D; height: 16pt; }
section { page-break-after: always; }
.sub { margin-left: 1.5em; } h3 { font-size: 12pt; margin: 12pt 0 4pt; }
.wb-muted { color: #52606D; }
.hint { font-weight: normal; font-size: 10pt; color: #52606D; } td.tall { height: 28pt; }
@media print { body { margin: 0; } a { color: inherit; text-decoration: none; } }
"""


def _boxes(n: int = 9) -> str:
    labels = ["1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"][:n]
    return "".join(f"<td class='box'>{x}</td>" for x in labels)


PRIORITY_HEAD = "<th scope='col'>Priority</th>"


def _lines(n: int = 2) -> str:
    return "<div class='lines'></div>" * n


def _scale_head(first: str, last: str) -> str:
    return (f"<thead><tr><th scope='col'>{first}</th><th scope='col'></th>"
            + "".join(f"<th scope='col'>{x}</th>" for x in ("1", "", "2", "", "3", "", "4", "", "5"))
            + f"<th scope='col'></th>{last}</tr></thead>")


def worksheet_html(content=None, priorities: int = MAX_PRIORITIES) -> str:
    """The whole worksheet as one printable HTML page (``priorities``: how many each member ticks in Step 1)."""
    content = content or load_content()
    g1, g2 = content.guides.guide_1, content.guides.guide_2
    fw = content.framework
    who = "<p>Name <span class='field'></span> &nbsp; Role <span class='field'></span></p>"

    rg1 = [f"<section><h1>{esc(g1.title)}</h1>{who}"]
    for section in g1.sections:
        if section.title is None:  # optional in the model; the worksheet heads each of Guide 1's sections with it
            raise ValueError(f"Reflection Guide 1's section {section.id!r} has no title for the worksheet to print")
        rg1.append(f"<h2>{esc(section.title)}</h2>")
        # numbered within each category, as the guide prints them
        rg1 += [f"<p><strong>{number}. {esc(q.text)}</strong></p>{_lines()}"
                for number, q in enumerate(section.questions, start=1)]
    rg1.append("</section>")

    questions = {q.id: q for q in g2.section("pathway").questions}

    def spectra_table(field: str, label: str) -> str:
        rows = "".join(f"<tr><th scope='row'>Q{s.number} · {esc(s.dimension)}</th><td>{esc(s.left.plain_label)}</td>"
                       f"{_boxes()}<td>{esc(s.right.plain_label)}</td></tr>" for s in content.spectra)
        return f"<table>{_scale_head('Spectrum (' + label + ')', '')}<tbody>{rows}</tbody></table>"

    rg2 = (f"<section><h1>{esc(g2.title)}</h1>{who}<p>{esc(g2.intro or '')}</p>"
           f"<h2>{PASS_NAMES['now']}</h2><p>{esc(g2.marking_instruction or '')} Circle one box per "
           f"row.</p>{spectra_table('current', 'now')}"
           f"<p><strong>{esc(questions['p1'].text)}</strong></p>{_lines(3)}"
           f"<h2>{PASS_NAMES['aspiration']}</h2><p>{esc(questions['p2'].text)}</p>"
           f"{spectra_table('aspiration', 'where we should be')}"
           "<p><strong>The most critical gap, in my view:</strong> <span class='field'></span></p>"
           f"<p><strong>{esc(questions['p3'].text)}</strong></p>{_lines(3)}</section>")

    scale = fw.scale.labels
    mid = scale.get((fw.scale.min + fw.scale.max) // 2, "")
    crow = []
    for layer in fw.layers:
        crow.append(f"<tr><th colspan='13' scope='colgroup'>{esc(layer.name)}</th></tr>")
        crow += [f"<tr><th scope='row'>{esc(c.name)}</th><td>{esc(scale[fw.scale.min])}</td>{_boxes()}"
                 f"<td>{esc(scale[fw.scale.max])}</td><td class='box'>☐</td></tr>" for c in layer.conditions]
    # Step 1 as the guide prints it: instruction 1 over the chart, then 2 and 3, with questions a-c under 3
    outline = fw.step1.outline()

    def instruction(number: int, step: str, lettered) -> str:
        out = f"<p><strong>{number}. {esc(step)}</strong></p>"
        return out + "".join(f"<p class='sub'><strong>{letter}. {esc(q)}</strong></p>{_lines()}"
                             for letter, q in lettered)

    before = "".join(instruction(i, step, subs) for i, (step, subs) in enumerate(outline[:1], start=1))
    after = "".join(instruction(i, step, subs) for i, (step, subs) in enumerate(outline[1:], start=2))
    # each layer's reflection questions for the team; the one the guide prints garbled with its note
    layer_qs = "".join(
        f"<h3>{esc(layer.name)}</h3>" + "".join(f"<p><strong>{esc(q.text)}</strong></p>{question_note(q)}{_lines()}"
                                             for q in layer.questions)
        for layer in fw.layers)
    step1 = (f"<section><h1>{esc(fw.step1.title)}</h1>{who}{before}<p>Mark each condition from "
             f"<em>{esc(scale[fw.scale.min])}</em> through <em>{esc(mid)}</em> (3) to "
             f"<em>{esc(scale[fw.scale.max])}</em>; tick up to {number_word(priorities)} "
             f"{'priority' if priorities == 1 else 'priorities'} (the number is your facilitator's choice; "
             "the guide sets none).</p>"
             f"<table>{_scale_head('Condition', PRIORITY_HEAD)}<tbody>{''.join(crow)}</tbody>"
             f"</table><h2>When everyone has marked</h2>{after}"
             f"<h2>The layers' reflection questions</h2>{layer_qs}</section>")

    prompts = [p for sec in fw.step2.sections for p in sec.prompts]
    plan = [f"<section><h1>{esc(fw.step2.title)}</h1><p>For one priority condition, or for a whole layer: "
            "<span class='field'></span></p>"]
    for p in prompts:
        plan.append(f"<p><strong>{esc(p.text)}</strong></p>{_lines(3 if not p.slots else 2 * p.slots)}")
    for h in fw.horizons:
        plan.append(f"<h2>{esc(h.label)} <span class='hint'>({esc(h.hint)})</span></h2><table><thead><tr>"
                    "<th scope='col'>Action</th><th scope='col'>Timeline</th><th scope='col'>Who is responsible?"
                    "</th></tr></thead><tbody>" + "<tr><td class='tall'></td><td></td><td></td></tr>" * 3
                    + "</tbody></table>")
    plan.append("</section>")

    key_rows = "".join(f"<tr><td>Q{s.number} · {esc(s.dimension)}</td><td class='id'>{s.id}</td></tr>"
                       for s in content.spectra)
    key_rows += "".join(f"<tr><td>{esc(c.name)}</td><td class='id'>{c.id}</td></tr>" for c in content.conditions)
    key = ("<section><h1>For the coach: typing the paper answers in</h1><p>The files <span class='id'>"
           "spectrum_marks</span> (member, spectrum, current, aspiration) and <span class='id'>condition_marks</span> "
           "(member, condition, rating, priority) that <span class='id'>workbook import</span> reads name each row "
           "by the id below; a circled box is its number (the boxes between numbers are the halves).</p>"
           f"<table><thead><tr><th scope='col'>On the worksheet</th><th scope='col'>Id in the import files</th></tr>"
           f"</thead><tbody>{key_rows}</tbody></table></section>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Look Both Ways worksheet</title>"
            f"<style>{PRINT_CSS}</style></head><body>{''.join(rg1)}{rg2}{step1}{''.join(plan)}{key}"
            f"{attribution(content)}</body></html>")
