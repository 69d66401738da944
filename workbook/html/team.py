"""The team's marks in words and tables: agreement, roles, critical gaps, the survey, members' answers."""

from __future__ import annotations

import pandas as pd

from .. import analysis
from ..render import counted, esc


def charted_text(charted: int, joined: int, min_group: int = 1) -> str:
    """How many members have charted, in words ("9 members have charted their pathways; 2 more have joined")."""
    if not joined:
        text = "Nobody has joined yet: share the link or the QR code with the team."
    elif not charted:
        text = f"{counted(joined, 'member')} {'has' if joined == 1 else 'have'} joined; nobody has marked yet."
    else:
        text = (f"<strong>{counted(charted, 'member')}</strong> {'has' if charted == 1 else 'have'} charted "
                f"{'a pathway' if charted == 1 else 'their pathways'}")
        waiting = joined - charted
        text += f"; {waiting} more {'has' if waiting == 1 else 'have'} joined." if waiting > 0 else "."
    if charted < min_group:
        text += f" <span class='wb-muted'>Reports outside the team need at least {counted(min_group, 'member')}.</span>"
    return text


def alignment_text(content, result: dict, field: str, numbers_open: bool = False) -> str:
    """Where the team is most and least aligned on ``field``; each spectrum's members, IQR and range a click away.

    ``numbers_open`` shows the table of numbers without a click (a printed report cannot click).
    """
    if not result["most"]:
        return "<p class='wb-muted'>Alignment needs marks from at least two members.</p>"
    names = lambda ids: ", ".join(content.spectrum(s).dimension for s in ids)  # noqa: E731
    table = result["table"]
    rows = "".join(
        f"<tr><th scope='row'>{esc(content.spectrum(s).dimension)}</th><td>{int(r['n'])}</td>"
        f"<td>{r['iqr']:g}</td><td>{r['range']:g}</td></tr>" for s, r in table.iterrows())
    return (f"<p><strong>Most aligned ({field}):</strong> {esc(names(result['most']))}. "
            f"<strong>Least aligned:</strong> {esc(names(result['least']))}.</p>"
            f"<details{' open' if numbers_open else ''}><summary>The numbers behind it</summary>"
            "<table class='wb-table'><thead><tr><th scope='col'>Spectrum</th><th scope='col'>Members who marked</th>"
            "<th scope='col'>Spread of the middle half (steps)</th><th scope='col'>Lowest to highest mark (steps)</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></details>")


def agreement_text(content, table: pd.DataFrame) -> str:
    """Agreement on now, aspiration and the gap for every spectrum, in words first, the numbers a click away."""
    words = {"close agreement": "wb-ok", "split": "", "far apart": "wb-far", "not enough marks": "wb-muted"}
    rows, numbers = [], []
    for sid, r in table.iterrows():
        name = esc(content.spectrum(sid).dimension)
        cells = "".join(f"<td class='{words.get(r[f + '_words'], '')}'>{esc(r[f + '_words'])}</td>"
                        for f in ("current", "aspiration", "gap"))
        rows.append(f"<tr><th scope='row'>{name}</th>{cells}</tr>")
        nums = "".join("<td>—</td>" if pd.isna(r[f + "_iqr"]) else f"<td>{r[f + '_iqr']:g} / {r[f + '_range']:g}</td>"
                       for f in ("current", "aspiration", "gap"))
        numbers.append(f"<tr><th scope='row'>{name}</th>{nums}</tr>")
    head = ("<thead><tr><th scope='col'>Spectrum</th><th scope='col'>Where we are now</th>"
            "<th scope='col'>Where we should be</th><th scope='col'>How far we have to go (the gap)</th></tr></thead>")
    return (f"<table class='wb-table'>{head}<tbody>{''.join(rows)}</tbody></table>"
            "<details><summary>The numbers behind the words</summary><p class='wb-muted'>Spread of the middle half of "
            "the team (interquartile range) / distance between the lowest and highest mark, in steps of the 1–5 "
            "scale. Close agreement: the middle half within half a step and no one more than two steps from "
            "anyone; far apart: the middle half more than one and a half steps apart.</p>"
            f"<table class='wb-table'>{head}<tbody>{''.join(numbers)}</tbody></table></details>")


def roles_rule(min_group: int) -> str:
    """The privacy rule for role figures, said where they are shown."""
    if min_group <= 1:
        return ""
    return (f"<p class='wb-muted'>No one is identifiable by role: a role with fewer than {min_group} members is "
            f"shown with the other small roles as “{analysis.OTHER_ROLES}”, or left out when those are fewer than "
            f"{min_group} together.</p>")


def roles_text(content, diffs: pd.DataFrame, min_group: int = 1) -> str:
    """The spectrum on which role groups differ most (median now), followed by the privacy rule for role figures."""
    if diffs.empty:
        return ("<p class='wb-muted'>Role patterns need marks from at least two role groups large enough to "
                "show.</p>" + roles_rule(min_group))
    top = diffs.iloc[0]
    s = content.spectrum(top["spectrum"])
    return (f"<p>Roles differ most on <strong>{esc(s.dimension)}</strong>: {esc(top['low_role'])} at "
            f"{top['low']:g}, {esc(top['high_role'])} at {top['high']:g} (median, now).</p>" + roles_rule(min_group))


def roles_more(content, by_role: pd.DataFrame) -> str:
    """Where the role groups differ most on the aspiration and on the gap (beyond 'now')."""
    parts = []
    for field, what in (("aspiration", "where the system should be"), ("gap", "how far it has to go")):
        data = analysis.with_gap(by_role) if field == "gap" and not by_role.empty else by_role
        if field == "gap" and by_role.empty:
            continue
        diffs = analysis.role_differences(data, field)
        if diffs.empty:
            continue
        top = diffs.iloc[0]
        parts.append(f"<li>On {what}: most on <strong>{esc(content.spectrum(top['spectrum']).dimension)}</strong> "
                     f"({esc(top['low_role'])} {top['low']:g}, {esc(top['high_role'])} {top['high']:g}).</li>")
    return f"<ul>{''.join(parts)}</ul>" if parts else ""


def critical_text(content, counts: dict) -> str:
    """The gaps members named the most critical, with how many named each (most first)."""
    if not counts:
        return ("<p class='wb-muted'>No member has named the gap they find the most critical yet (the second "
                "pass of Charting Your Path).</p>")
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    items = "".join(f"<li><strong>{esc(content.spectrum(s).dimension)}</strong>: {n} member{'s' if n != 1 else ''}"
                    "</li>" for s, n in ranked)
    return f"<h3>The most critical gap, as members see it</h3><ol>{items}</ol>"


def survey_text(content, bench: pd.DataFrame) -> str:
    """The team's median beside the survey's median and mean, in a table with the survey's own shares.

    Those shares are of the leaders for whom the decision was a top-priority challenge and who had devoted
    resources to it.
    """
    survey = {r.spectrum: r for r in content.survey}
    pct = lambda v: "—" if v is None or pd.isna(v) else f"{v:g}%"  # noqa: E731
    rows = []
    for sid, r in bench.iterrows():
        s = content.spectrum(sid)
        team = "—" if pd.isna(r["team_median"]) else f"{r['team_median']:g}"
        row = survey.get(sid)
        rows.append(f"<tr><th scope='row'>{esc(s.dimension)}</th><td>{team}</td><td>{r['survey_median']:g}</td>"
                    f"<td>{r['survey_mean']:g}</td><td>{pct(row.top_priority if row else None)}</td>"
                    f"<td>{pct(row.devoted_resources if row else None)}</td></tr>")
    n = max((r.n for r in content.survey), default=86)
    return ("<table class='wb-table'><thead><tr><th scope='col'>Spectrum</th><th scope='col'>Your team (median now)"
            "</th><th scope='col'>Survey median</th><th scope='col'>Survey mean</th>"
            "<th scope='col'>A top-priority challenge for</th><th scope='col'>Had devoted resources to it</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table><p class='wb-muted'>The Look Both Ways national "
            f"survey (2018): {n} respondents, leaders of school systems, rated where their system stands on each "
            "decision (1 = left pole, 5 = right pole); the last two columns are the shares of those leaders who "
            "cited the decision as a top-priority challenge and who had devoted resources to answering it.</p>")


def answers_html(content, notes: pd.DataFrame, labels: dict) -> str:
    """Members' free-text answers grouped by question; authors shown as the labels say (roles by default)."""
    questions = content.guides.guide_2.section("pathway").questions
    parts = []
    for q in questions:
        rows = notes[(notes["question_id"] == f"rg2.{q.id}") & (notes["respondent_id"] != 0)
                     & (notes["text"].str.len() > 0)]
        items = "".join(f"<li><span class='wb-muted'>{esc(labels.get(r.respondent_id, 'Member'))}:</span> "
                        f"{esc(r.text)}</li>" for r in rows.itertuples())
        parts.append(f"<h3>{esc(q.text)}</h3>" + (f"<ul>{items}</ul>" if items else
                                                    "<p class='wb-muted'>No answers yet.</p>"))
    return "".join(parts)
