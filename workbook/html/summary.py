"""The team summary as a printable page: what the team decided, section by section, in the guides' order.

Pure string builders over plain values (no store, no widgets): :mod:`workbook.reports.team_summary` reads the store,
computes the team-level figures with :mod:`workbook.analysis` and withholds those the session's minimum group
does not allow, then calls these. Every piece of free text is escaped here (``render.esc``), and the page
carries no script: its pathway is inline SVG, so it prints the same from any browser or headless Chromium.

Printed on letter paper in black and white, nothing relies on colour alone: now and aspiration differ by
marker (a filled circle, an open diamond), line (solid, dashed) and label; tables have ruled borders and
a row never splits across pages; every page carries the district, the session and the credit to The Learning
Accelerator (CC BY 4.0).
"""

from __future__ import annotations

import datetime as dt

from ..content.render import attribution, counted, esc
from ..content.theme import ASPIRATION_STYLE, INK, MUTED, NOW_STYLE, RULE

PRINT_CSS = """
@page { size: letter; margin: 0.6in;
  @top-left { content: %(header)s; font: 8pt system-ui, 'DejaVu Sans', Arial, sans-serif; color: %(muted)s; }
  @bottom-left { content: %(credit)s; font: 7.5pt system-ui, 'DejaVu Sans', Arial, sans-serif; color: %(muted)s; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font: 7.5pt system-ui, 'DejaVu Sans', Arial, sans-serif; color: %(muted)s; } }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, 'DejaVu Sans', Arial, sans-serif; color: %(ink)s; font-size: 10.5pt;
       line-height: 1.35; max-width: 7.3in; margin: 0 auto; }
@media screen { body { margin: 24px auto; padding: 0 16px; } }
h1 { font-size: 19pt; margin: 0 0 2pt; } h2 { font-size: 14pt; margin: 16pt 0 4pt; padding-bottom: 2pt;
  border-bottom: 1.5pt solid %(ink)s; } h3 { font-size: 11.5pt; margin: 10pt 0 3pt; }
h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
p { margin: 3pt 0 5pt; } ul, ol { margin: 3pt 0 6pt; padding-left: 1.4em; }
.muted, .wb-muted { color: %(muted)s; font-style: italic; }
.lede { color: %(muted)s; margin-bottom: 8pt; }
.tag { display: inline-block; border: 1pt solid %(ink)s; border-radius: 3pt; padding: 0 4pt; font-size: 9pt;
       font-weight: normal; vertical-align: middle; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0 8pt; }
th, td { border: 0.75pt solid %(muted)s; padding: 3pt 5pt; text-align: left; vertical-align: top; }
thead th { background: #F0F4F8; } thead { display: table-header-group; }
tr, li, dd, .answer, figure { break-inside: avoid; page-break-inside: avoid; }
td.num { text-align: center; white-space: nowrap; } td.nowrap { white-space: nowrap; }
dl { margin: 2pt 0 6pt; } dt { font-weight: 600; margin-top: 5pt; } dd { margin: 1pt 0 0 1.2em; white-space: pre-line; }
.answer { white-space: pre-line; }
figure { margin: 4pt 0 8pt; } figcaption { font-size: 9pt; color: %(muted)s; }
.area { break-before: auto; }
footer { margin-top: 18pt; border-top: 0.75pt solid %(muted)s; padding-top: 4pt; font-size: 8.5pt; }
"""


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element (no way out of the string or the element)."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):X} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def nothing(text: str = "Nothing recorded yet.") -> str:
    """A short muted line where a section has nothing recorded (sections are never left out silently)."""
    return f"<p class='muted'>{esc(text)}</p>"


def withheld(members: int, min_group: int, what: str) -> str:
    """The note where figures are withheld: ``what`` came from fewer members than the session's minimum group."""
    return (f"<p class='muted'>{esc(what)} withheld: {counted(members, 'member')} "
            f"{'has' if members == 1 else 'have'} taken part, fewer than the {min_group} this session needs "
            "before team figures are shown, so no one's own answers can be read from them.</p>")


def long_date(day: dt.date | None) -> str:
    """A date as people write it ('15 March 2027'); '—' for none."""
    return "—" if day is None else f"{day.day} {day:%B %Y}"


def mark(value) -> str:
    """A mark on the 1-5 scale ('3', '2.5'); '—' when there is none."""
    return "—" if value is None or value != value else f"{float(value):g}"


def title_section(district_name: str, synthetic: bool, session_label: str, held_on: dt.date | None,
                  counts: dict, min_group: int = 1) -> str:
    """The page's heading: district (marked when fictional), session, date, who took part, the privacy rule.

    Counts only; the rule says no member is named and figures need at least ``min_group`` members.
    """
    tag = " <span class='tag'>Fictional demo data</span>" if synthetic else ""
    parts = []
    for key, words in (("joined", "joined the session"), ("charted", "charted a pathway"),
                       ("rated", "rated the conditions")):
        n = counts.get(key)
        if n is not None:
            parts.append(f"{counted(n, 'member')} {words}")
    who = f"<p class='lede'>{esc('; '.join(parts))}.</p>" if parts else ""
    demo = ("<p class='muted'>This district and its people are fictional, made to try the workbook.</p>"
            if synthetic else "")
    rule = (f" Figures computed from members' marks are shown only where at least {min_group} members took part."
            if min_group > 1 else "")
    privacy = (f"<p class='muted'>What the team decided and recorded together; no member is named.{rule}</p>")
    return (f"<header><h1>{esc(district_name)}{tag}</h1><p class='lede'>Team summary · {esc(session_label)} · "
            f"{esc(long_date(held_on))}</p>{who}{privacy}{demo}</header>")


def answers_list(questions, answers: dict) -> str:
    """The team's answers to ``questions`` (``[(question id, text)]``) as a list; the unanswered in one line."""
    answered = [(qid, text) for qid, text in questions if (answers.get(qid) or "").strip()]
    if not answered:
        return nothing("No team answers recorded yet.")
    items = "".join(f"<dt>{esc(text)}</dt><dd>{esc(answers[qid].strip())}</dd>" for qid, text in answered)
    missing = len(questions) - len(answered)
    more = (f"<p class='muted'>No team answer recorded to {counted(missing, 'other question')} of this part.</p>"
            if missing else "")
    return f"<dl>{items}</dl>{more}"


def foundation_section(guide_1, answers: dict, outcomes: list[str]) -> str:
    """Reflection Guide 1 as the team recorded it: each part's team answers, then the desired outcomes."""
    parts = [f"<section id='foundation'><h2>{esc(guide_1.title)} <span class='muted'>(Reflection Guide 1)</span></h2>"]
    for section in guide_1.sections:
        parts.append(f"<h3>{esc(section.title)}</h3>")
        parts.append(answers_list([(f"rg1.{q.id}", q.text) for q in section.questions], answers))
        if section.id == "desired_outcomes":
            parts.append("<h4>The team's desired outcomes</h4>"
                         + ("<ol>" + "".join(f"<li>{esc(o)}</li>" for o in outcomes) + "</ol>" if outcomes
                            else nothing("No desired outcomes listed yet.")))
    return "".join(parts) + "</section>"


# ---------------------------------------------------------------- Guide 2: the agreed pathway


def _marker(kind: str, x: float, y: float, size: float = 6) -> str:
    if kind == "now":
        return (f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{size:.1f}' fill='{NOW_STYLE['color']}' "
                f"stroke='{NOW_STYLE['color']}' stroke-width='1.5'/>")
    d = size * 1.35
    return (f"<path d='M{x:.1f} {y - d:.1f} L{x + d:.1f} {y:.1f} L{x:.1f} {y + d:.1f} L{x - d:.1f} {y:.1f} Z' "
            f"fill='#FFFFFF' stroke='{ASPIRATION_STYLE['color']}' stroke-width='2'/>")


def pathway_svg(spectra, agreed: dict) -> str:
    """The team's agreed pathway as inline SVG, one row per spectrum, each pole named at its end.

    Now: filled circles on a solid line; aspiration: open diamonds on a dashed line. ``agreed``:
    ``{spectrum: (now, asp)}``. Empty string when nothing is agreed yet. Printable without scripts, readable in
    black and white.
    """
    if not any(v is not None and v == v for pair in agreed.values() for v in pair):
        return ""
    width, left, right, top, row = 720, 170, 550, 46, 44
    step = (right - left) / 4
    x_of = lambda v: left + (float(v) - 1) * step  # noqa: E731
    height = top + row * len(spectra) + 8
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='100%' role='img' "
           f"aria-labelledby='pathway-title' style='max-width:7.2in;font-family:system-ui,DejaVu Sans,Arial,"
           f"sans-serif'><title id='pathway-title'>The team's agreed pathway: now and aspiration on the seven "
           "spectra</title>"]
    # legend: shape, line and word, never colour alone
    for x0, kind, style, words in ((40, "now", NOW_STYLE, "Now (agreed): filled circles, solid line"),
                                   (380, "asp", ASPIRATION_STYLE, "Aspiration (agreed): open diamonds, dashed line")):
        dash = "" if kind == "now" else " stroke-dasharray='6 4'"
        out.append(f"<line x1='{x0}' y1='14' x2='{x0 + 34}' y2='14' stroke='{style['color']}' stroke-width='2'{dash}/>"
                   f"{_marker(kind, x0 + 17, 14, 5)}<text x='{x0 + 42}' y='18' font-size='12' fill='{INK}'>{words}"
                   "</text>")
    for i in range(5):
        x = left + i * step
        out.append(f"<text x='{x:.1f}' y='{top - 6}' font-size='10' text-anchor='middle' fill='{MUTED}'>{i + 1}"
                   "</text>")
    points: dict[str, list] = {"now": [], "asp": []}
    for n, s in enumerate(spectra):
        y = top + row * n + row / 2 + 6
        out.append(f"<text x='{(left + right) / 2:.1f}' y='{y - 12:.1f}' font-size='11' font-weight='600' "
                   f"text-anchor='middle' fill='{INK}'>{esc(s.dimension)}</text>")
        out.append(f"<line x1='{left}' y1='{y:.1f}' x2='{right}' y2='{y:.1f}' stroke='{RULE}' stroke-width='1.5'/>")
        for i in range(5):
            x = left + i * step
            out.append(f"<line x1='{x:.1f}' y1='{y - 4:.1f}' x2='{x:.1f}' y2='{y + 4:.1f}' stroke='{MUTED}'/>")
        out.append(f"<text x='{left - 10}' y='{y + 4:.1f}' font-size='11' text-anchor='end' fill='{INK}'>"
                   f"{esc(s.left.plain_label)}</text>")
        out.append(f"<text x='{right + 10}' y='{y + 4:.1f}' font-size='11' fill='{INK}'>{esc(s.right.plain_label)}"
                   "</text>")
        now, asp = agreed.get(s.id, (None, None))
        points["now"].append(None if now is None or now != now else (x_of(now), y))
        points["asp"].append(None if asp is None or asp != asp else (x_of(asp), y))
    for kind, style in (("now", NOW_STYLE), ("asp", ASPIRATION_STYLE)):
        dash = "" if kind == "now" else " stroke-dasharray='6 4'"
        run: list = []
        for p in points[kind] + [None]:  # a missing mark breaks the line
            if p is None:
                if len(run) > 1:
                    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                    out.append(f"<polyline points='{coords}' fill='none' stroke='{style['color']}' "
                               f"stroke-width='2'{dash}/>")
                run = []
            else:
                run.append(p)
        out += [_marker(kind, x, y) for x, y in (p for p in points[kind] if p is not None)]
    out.append("</svg>")
    return "".join(out)


def agreed_table(spectra, agreed: dict, medians: dict | None, whose: str = "agreed") -> str:
    """Per spectrum: now, aspiration and the gap (toward which pole) of ``agreed``; when shown, the members' median.

    ``medians``: ``{spectrum: (now, asp)}`` of the members' marks, or None when withheld or not asked for.
    ``whose`` names the marks in the column heads ("agreed", or "members' median" when the team agreed none yet).
    """
    rows = []
    for s in spectra:
        now, asp = agreed.get(s.id, (None, None))
        if now is None or asp is None or now != now or asp != asp:
            gap = "—"
        elif asp == now:
            gap = "no gap"
        else:
            toward = s.right if asp > now else s.left
            gap = f"{abs(asp - now):g} toward {esc(toward.plain_label)}"
        med = ""
        if medians is not None:
            m_now, m_asp = medians.get(s.id, (None, None))
            med = f"<td class='num'>{mark(m_now)} → {mark(m_asp)}</td>"
        rows.append(f"<tr><th scope='row'>{esc(s.dimension)}<br><span class='muted' style='font-weight:normal'>"
                    f"1 = {esc(s.left.plain_label)}, 5 = {esc(s.right.plain_label)}</span></th>"
                    f"<td class='num'>{mark(now)}</td><td class='num'>{mark(asp)}</td><td>{gap}</td>{med}</tr>")
    head = (f"<thead><tr><th scope='col'>Spectrum</th><th scope='col'>Now ({esc(whose)})</th>"
            f"<th scope='col'>Aspiration ({esc(whose)})</th><th scope='col'>Gap</th>"
            + ("<th scope='col'>Members' median, now → aspiration</th>" if medians is not None else "")
            + "</tr></thead>")
    kind = "agreed" if whose == "agreed" else "medians"
    return f"<table class='{kind}'>{head}<tbody>{''.join(rows)}</tbody></table>"


def gaps_list(content, ranked: list[dict], heading: str, top: int = 3) -> str:
    """The widest gaps, widest first (at most ``top``; gaps of zero left out), each toward its pole, in words."""
    from .pathway import gap_list

    shown = [r for r in ranked if r["gap"] != 0][:top]
    if not shown:
        return f"<h3>{esc(heading)}</h3>" + nothing("No gap between now and aspiration recorded yet.")
    return gap_list(content, shown).replace("<h3>Your widest gaps</h3>", f"<h3>{esc(heading)}</h3>", 1)


def pathway_section(content, agreed: dict, agreed_gaps: list, medians: dict | None, median_gaps: list | None,
                    critical: str, answers: dict, notes: str = "") -> str:
    """Reflection Guide 2: the agreed marks (table and chart), the widest gaps, the critical gaps, the team's answers.

    ``agreed_gaps``: the agreed marks' gaps ranked (``analysis.ranked_gaps``); ``medians``/``median_gaps`` are None
    when withheld (``notes`` says why); ``critical`` is the critical gaps' HTML (``html.team.critical_text``) or a
    withheld note.
    """
    g2 = content.guides.guide_2
    out = [f"<section id='pathway'><h2>{esc(g2.title)} <span class='muted'>(Reflection Guide 2)</span></h2>",
           "<h3>The team's agreed marks</h3>"]
    has_agreed = any(v is not None and v == v for pair in agreed.values() for v in pair)
    if has_agreed:
        out.append(agreed_table(content.spectra, agreed, medians))
        out.append(f"<figure>{pathway_svg(content.spectra, agreed)}<figcaption>Each spectrum runs from its left "
                   "pole (1) to its right pole (5).</figcaption></figure>")
    else:
        out.append(nothing("The team has not recorded agreed marks yet (Team pathways, “The team's agreed "
                           "marks”)."))
        if medians is not None:
            out.append("<p>Until it does, where the members' marks put the system (the median of each):</p>"
                       + agreed_table(content.spectra, medians, None, "members' median"))
    out.append(notes)
    if has_agreed:
        out.append(gaps_list(content, agreed_gaps, "Widest gaps, as the team agreed"))
    if median_gaps is not None:
        out.append(gaps_list(content, median_gaps, "Widest gaps, members' median"))
    out.append(critical)
    for title, section in (("Comparing pathways", "team_comparison"),
                           ("Pathway and desired outcomes", "desired_outcomes_link")):
        questions = [(f"rg2.{q.id}", q.text) for q in g2.section(section).questions]
        out.append(f"<h3>{esc(title)}: the team's answers</h3>{answers_list(questions, answers)}")
    return "".join(out) + "</section>"


# ---------------------------------------------------------------- Step 1 and Step 2


def priorities_table(rows: list[dict], scale_labels: dict) -> str:
    """The conditions members voted for, most votes first: name, layer, votes, median alignment, agreement, planned.

    ``rows``: dicts with name, layer, votes, median (None when withheld or unrated), agreement (words), planned.
    """
    if not rows:
        return nothing("No member has picked a priority yet.")
    body = "".join(
        f"<tr><th scope='row'>{esc(r['name'])}</th><td>{esc(r['layer'])}</td><td class='num'>{int(r['votes'])}</td>"
        f"<td class='num'>{mark(r['median'])}</td><td>{esc(r['agreement'])}</td>"
        f"<td class='num'>{'Yes' if r['planned'] else '—'}</td></tr>" for r in rows)
    key = ", ".join(f"{k} = {v}" for k, v in sorted(scale_labels.items()))
    return ("<table class='priorities'><thead><tr><th scope='col'>Condition</th><th scope='col'>Layer</th>"
            "<th scope='col'>Votes</th><th scope='col'>Team median alignment (1–5)</th>"
            "<th scope='col'>Agreement on it</th><th scope='col'>In the plan</th></tr></thead>"
            f"<tbody>{body}</tbody></table><p class='muted'>Alignment: {esc(key)}. Agreement: how close members' "
            "ratings are (close agreement, split, far apart).</p>")


def conditions_section(framework, priorities: str, answers: dict, planned_names: list[str]) -> str:
    """Step 1: the priorities with votes (or their withheld note), questions a–c and the layers' questions."""
    step1 = framework.step1
    out = [f"<section id='conditions'><h2>{esc(step1.title)} <span class='muted'>(Innovative Learning "
           "Implementation Framework)</span></h2>", "<h3>Priorities</h3>", priorities]
    if planned_names:
        out.append(f"<p><strong>The team plans for:</strong> {esc('; '.join(planned_names))}.</p>")
    letters = "abcdefgh"
    out.append("<h3>The team's answers to questions a–c</h3>")
    out.append(answers_list([(f"step1.q{letters[i]}", f"{letters[i]}. {q}") for i, q in enumerate(step1.questions)],
                            answers))
    for layer in framework.layers:
        questions = [(f"step1.{layer.id}.q{i}", q.text) for i, q in enumerate(layer.questions, start=1)]
        out.append(f"<h3>{esc(layer.name)}: the team's answers to the reflection questions</h3>")
        out.append(answers_list(questions, answers))
    return "".join(out) + "</section>"


def actions_table(items: list[dict], horizons) -> str:
    """One area's action items, by horizon in the guide's order: action, owner, timeline, review date, status."""
    labels = {h.id: h.label.removesuffix(" Action Items") for h in horizons}
    order = {h.id: i for i, h in enumerate(horizons)}
    items = sorted(items, key=lambda r: (order.get(r["horizon"], 99), r.get("position", 0)))
    if not items:
        return nothing("No action items yet.")
    body = "".join(
        f"<tr><td class='nowrap'>{esc(labels.get(r['horizon'], r['horizon']))}</td><td>{esc(r['text'])}</td>"
        f"<td>{esc(r['owner'] or '—')}</td><td>{esc(r['timeline'] or '—')}</td>"
        f"<td class='num'>{esc(long_date(r['review_on']))}</td><td class='num'>{'Done ✓' if r['done'] else 'Open'}"
        "</td></tr>"
        for r in items)
    return ("<table class='actions'><thead><tr><th scope='col'>Horizon</th>"
            "<th scope='col' style='width:34%'>Action</th><th scope='col' style='width:20%'>Who is responsible</th>"
            "<th scope='col'>Timeline</th><th scope='col'>Review on</th>"
            f"<th scope='col'>Status</th></tr></thead><tbody>{body}</tbody></table>")


def plan_section(framework, areas: list[dict]) -> str:
    """Step 2, per planned area: vision / end state, challenges with their data, stakeholders, resources, actions.

    ``areas``: dicts with name, whole_layer (bool), answers ({key: text}), items (action item dicts).
    """
    step2 = framework.step2
    out = [f"<section id='plan'><h2>{esc(step2.title)}</h2>"]
    if not areas:
        out.append(nothing("No priority conditions have been planned yet (Action planning)."))
    for area in areas:
        a = area["answers"]
        whole = "Whole layer: " if area["whole_layer"] else ""
        out.append(f"<div class='area'><h3>{whole}{esc(area['name'])}</h3>")
        fields = [("Vision / end state", a.get("end_state", ""))]
        for n in (1, 2, 3):
            ch, data = a.get(f"challenge{n}", "").strip(), a.get(f"challenge{n}_data", "").strip()
            if ch or data:
                fields.append((f"Challenge {n}", ch + (f"\nData: {data}" if data else "")))
        fields += [("Who should be part of the conversation", a.get("stakeholders", "")),
                   ("Resources and assets", a.get("resources", ""))]
        recorded = [(label, text.strip()) for label, text in fields if text.strip()]
        out.append("<dl>" + "".join(f"<dt>{esc(label)}</dt><dd>{esc(text)}</dd>" for label, text in recorded)
                   + "</dl>" if recorded else nothing("No vision, challenges, stakeholders or resources recorded "
                                                      "yet."))
        out.append("<h4>Action items</h4>" + actions_table(area["items"], framework.horizons) + "</div>")
    return "".join(out) + "</section>"


def page(title: str, header: str, body: str, content) -> str:
    """The whole printable page: print stylesheet, body, and the footer with the framework's attribution.

    The stylesheet sets letter paper with 0.6in margins, a running header (``header``) and the credit to The
    Learning Accelerator (CC BY 4.0) with the page number on every page.
    """
    a, b = content.spectra_attribution, content.framework.attribution
    credit = f"Framework content © {a.publisher} ({a.year}, {b.year}), {a.license}"
    css = PRINT_CSS % {"header": css_string(header), "credit": css_string(credit), "ink": INK, "muted": MUTED}
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{css}</style></head><body>{body}"
            f"<footer>{attribution(content)}</footer></body></html>")
