"""A printable worksheet of Reflection Guide 2 and Step 1, for teams that start on paper.

Its tables use the same ids and columns as the import format (``spectrum_marks`` and
``condition_marks``), so a coach can type the paper answers into the CSV/Excel files
that ``workbook import`` reads back.
"""

from __future__ import annotations

from html import escape as esc

from .content import load_content
from .render import attribution

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
@media print { body { margin: 0; } a { color: inherit; text-decoration: none; } }
"""


def _boxes(n: int = 9) -> str:
    labels = ["1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"][:n]
    return "".join(f"<td class='box'>{x}</td>" for x in labels)


def worksheet_html(content=None) -> str:
    """The whole worksheet as one printable HTML page."""
    content = content or load_content()
    g2 = content.guides.guide_2
    rows = []
    for s in content.spectra:
        for field, label in (("current", "Now"), ("aspiration", "Aspiration")):
            rows.append(f"<tr><th scope='row'>{esc(s.dimension)} — {label}<br><span class='id'>{s.id} · "
                        f"{field}</span></th><td>{esc(s.left.plain_label)}</td>{_boxes()}"
                        f"<td>{esc(s.right.plain_label)}</td></tr>")
    questions = "".join(f"<p><strong>{esc(q.text)}</strong></p><div class='lines'></div><div class='lines'></div>"
                        for q in g2.section("pathway").questions)
    who = ("<p>Name <span class='field'></span> &nbsp; Role <span class='field'></span></p>"
           "<p class='id'>Circle one box per row. Column ids match the import files (spectrum_marks: member, "
           "spectrum, current, aspiration; condition_marks: member, condition, rating, priority).</p>")
    rg2 = (f"<section><h1>Charting Your Path</h1><p>{esc(g2.marking_instruction or '')}</p>{who}"
           "<table><thead><tr><th scope='col'>Spectrum</th><th scope='col'>Left pole</th>"
           + "".join(f"<th scope='col'>{x}</th>" for x in ("1", "", "2", "", "3", "", "4", "", "5"))
           + f"<th scope='col'>Right pole</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{questions}</section>")
    fw = content.framework
    scale = fw.scale.labels
    crow = []
    for layer in fw.layers:
        crow.append(f"<tr><th colspan='13' scope='colgroup'>{esc(layer.name)}</th></tr>")
        for c in layer.conditions:
            crow.append(f"<tr><th scope='row'>{esc(c.name)}<br><span class='id'>{c.id}</span></th>"
                        f"<td>{esc(scale[fw.scale.min])}</td>{_boxes()}<td>{esc(scale[fw.scale.max])}</td>"
                        "<td class='box'>☐</td></tr>")
    step1 = (f"<section><h1>{esc(fw.step1.title)}</h1>{who}<p>Mark each condition; tick up to three priorities."
             "</p><table><thead><tr><th scope='col'>Condition</th><th scope='col'></th>"
             + "".join(f"<th scope='col'>{x}</th>" for x in ("1", "", "2", "", "3", "", "4", "", "5"))
             + f"<th scope='col'></th><th scope='col'>Priority</th></tr></thead><tbody>{''.join(crow)}</tbody>"
             "</table></section>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Look Both Ways worksheet</title>"
            f"<style>{PRINT_CSS}</style></head><body>{rg2}{step1}{attribution(content)}</body></html>")
