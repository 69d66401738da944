"""The team's marks in words and tables: agreement, roles, gaps, the survey, answers, privacy, outcomes, the plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

import pandas as pd

from .. import analysis
from ..content.render import bullet_list, counted, date_text, esc


def _records(frame: pd.DataFrame) -> Iterable[Any]:
    """``frame.itertuples()``: named tuples, the columns as attributes (pandas annotates them as plain tuples)."""
    return frame.itertuples()


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
        said = [cast("str", r[f + "_words"]) for f in ("current", "aspiration", "gap")]
        cells = "".join(f"<td class='{words.get(w, '')}'>{esc(w)}</td>" for w in said)
        rows.append(f"<tr><th scope='row'>{name}</th>{cells}</tr>")
        nums = "".join("<td>—</td>" if pd.isna(cast("float", r[f + "_iqr"]))
                       else f"<td>{r[f + '_iqr']:g} / {r[f + '_range']:g}</td>"
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
        team = "—" if pd.isna(cast("float", r["team_median"])) else f"{r['team_median']:g}"
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
        if getattr(q, "kind", "question") == "instruction":
            parts.append(instruction_html(q))
            continue
        rows = cast("pd.DataFrame", notes[(notes["question_id"] == f"rg2.{q.id}") & (notes["respondent_id"] != 0)
                                          & (notes["text"].str.len() > 0)])
        items = "".join(f"<li><span class='wb-muted'>{esc(labels.get(r.respondent_id, 'Member'))}:</span> "
                        f"{esc(r.text)}</li>" for r in _records(rows))
        parts.append(f"<h3>{esc(q.text)}</h3>" + (f"<ul>{items}</ul>" if items else
                                                    "<p class='wb-muted'>No answers yet.</p>"))
    return "".join(parts)


def instruction_html(question) -> str:
    """A guide item that is an instruction (Guide 2's second: mark the aspiration), shown as one: no answer list."""
    return (f"<div class='wb-instruction'><p><strong>The guide's instruction:</strong> {esc(question.text)}</p>"
            "<p class='wb-muted'>Members follow it in Charting Your Path's second pass, where they mark where the "
            "system should be; it takes no written answer. The aspirations are drawn on the pathway chart above."
            "</p></div>")


# --------------------------------------------------------------------------- privacy settings, said before joining

TYPICAL_CABINET = (6, 10)  # members: the size of a superintendent's leadership team the guide is written for


def privacy_choices(min_group: int, show_names: bool, cabinet: tuple[int, int] = TYPICAL_CABINET) -> str:
    """What the two privacy settings mean for the team with these numbers, said before anyone joins.

    ``min_group``: the smallest group shown by role and the fewest members behind team figures in a report;
    ``show_names``: whether members see each other's names. ``cabinet``: the team sizes the sentence about a
    small leadership team speaks of (one or two members in each role).
    """
    m = max(int(min_group), 1)
    low, high = cabinet
    if m == 1:
        group = ("With 1, every role is shown by itself, even a role only one member holds: whoever sees the role "
                 "chart can tell how, say, the superintendent marked. Team figures appear in reports as soon as one "
                 "member has marked.")
    else:
        group = (f"With {m}, a role needs {m} members to be shown by itself; smaller roles are shown together as "
                 f"“{analysis.OTHER_ROLES}” (left out while they are fewer than {m} together); team figures appear "
                 f"in reports once {m} have marked. Roles can be compared only when two groups reach {m} members "
                 f"each, so the team needs at least {2 * m} members.")
        if m >= 3:
            group += (f" A team of {low}–{high} with one or two people in each role sees every member together as "
                      f"“{analysis.OTHER_ROLES}”: no role by itself, so not the comparison between roles the guide "
                      "asks for.")
        else:
            group += (f" A team of {low}–{high} with one or two people in each role sees each role of two by itself; "
                      "each of those two can work out how the other marked.")
    names = ("<strong>Names shown.</strong> The team views show each member's name beside their pathway and "
             "answers, so whoever sees them knows who marked what." if show_names else
             "<strong>Names hidden.</strong> The team views show members by their role and a number"
             + (f", or as “{analysis.OTHER_ROLES} 1” or “Member 1” when their role is too small to show." if m > 1
                else "."))
    return (f"<p><strong>Smallest group shown: {m}.</strong> {esc(group)}</p>"
            f"<p>{names} Reports that leave the team show roles, not names, unless the team chose names and the "
            "report is made without anonymising.</p>")


# --------------------------------------------------------------------------- desired outcomes and last time

def outcomes_html(content, outcomes: list, answers: dict | None = None) -> str:
    """The team's desired outcomes (Laying the Foundation), with its answers to that section's questions.

    ``answers``: the team's notes by question id (``rg1.do1`` ...). With neither, a line saying where the team
    records them.
    """
    g1 = content.guides.guide_1
    section = g1.section("desired_outcomes")
    answers = answers or {}
    said = [(q, answers.get(f"rg1.{q.id}", "").strip()) for q in section.questions]
    said = [(q, a) for q, a in said if a]
    if not outcomes and not said:
        return (f"<p class='wb-notice'>No desired outcomes recorded yet: the team lists them in {esc(g1.title)} "
                "(its team view, “The team's desired outcomes”). Come back to them here once they are written.</p>")
    out = f"<h3>The team's desired outcomes <span class='wb-muted'>(from {esc(g1.title)})</span></h3>"
    out += bullet_list(outcomes) if outcomes else "<p class='wb-muted'>No outcomes listed yet.</p>"
    if said:
        body = "".join(f"<p class='wb-muted'>{esc(q.text)}</p><p>{esc(a)}</p>" for q, a in said)
        out += f"<details><summary>The team's answers under {esc(section.title)}</summary>{body}</details>"
    return out


def _day(value):
    """A stored date, or None for none (a frame's missing value included)."""
    return None if value is None or (not isinstance(value, dt.date) and pd.isna(value)) else value


def _mark(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:g}"


def last_time_html(content, before: pd.DataFrame, now: pd.DataFrame, earlier) -> str:
    """The marks the team agreed last time beside this session's, per spectrum: the follow-up's starting point.

    ``before`` and ``now``: agreed marks (``Store.team_marks``) of the followed session and of this one;
    ``earlier``: the followed session (its label and date head the column).
    """
    head = f"Agreed last time ({esc(earlier.label)}, {date_text(earlier.held_on)})"
    if before.empty or cast("pd.Series", cast("pd.DataFrame", before[["current", "aspiration"]]).isna().all()).all():
        return (f"<p class='wb-muted'>This session follows up {esc(earlier.label)} "
                f"({date_text(earlier.held_on)}), where the team recorded no agreed marks.</p>")
    b = before.set_index("spectrum")
    n = now.set_index("spectrum") if not now.empty else now

    def cell(frame, sid) -> str:
        if sid not in frame.index:
            return "<td>—</td>"
        r = frame.loc[sid]
        return f"<td>now {_mark(r['current'])} · should be {_mark(r['aspiration'])}</td>"

    rows = "".join(f"<tr><th scope='row'>{esc(s.dimension)}</th>{cell(b, s.id)}{cell(n, s.id)}</tr>"
                   for s in content.spectra)
    return (f"<p>This session follows up <strong>{esc(earlier.label)}</strong>: the marks the team agreed then are "
            "its starting point (the grey dashed line on the pathway chart).</p>"
            f"<table class='wb-table'><thead><tr><th scope='col'>Spectrum</th><th scope='col'>{head}</th>"
            "<th scope='col'>Agreed this time</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


# --------------------------------------------------------------------------- the plan (Step 2)

def plan_table(content, rows: pd.DataFrame) -> str:
    """One plan area's action items as a table: horizon, action, timeline, who, review date, status."""
    if rows.empty:
        return "<p class='wb-muted'>No action items.</p>"
    horizons = content.framework.horizons
    labels = {h.id: h.label for h in horizons}
    order = {h.id: i for i, h in enumerate(horizons)}
    rows = rows.assign(_order=cast("pd.Series", rows["horizon"]).map(order)) \
        .sort_values(["_order", "position"], kind="stable")
    reviews = rows["review_on"] if "review_on" in rows else [None] * len(rows)
    body = "".join(f"<tr><td>{esc(labels.get(r.horizon, r.horizon))}</td><td>{esc(r.text)}</td>"
                   f"<td>{esc(r.timeline)}</td><td>{esc(r.owner)}</td><td>{date_text(_day(day))}</td>"
                   f"<td>{'done' if r.done else ''}</td></tr>" for r, day in zip(_records(rows), reviews))
    return ("<table class='wb-table'><thead><tr><th scope='col'>Horizon</th><th scope='col'>Action</th>"
            "<th scope='col'>Timeline</th><th scope='col'>Who is responsible</th><th scope='col'>Review on</th>"
            f"<th scope='col'>Status</th></tr></thead><tbody>{body}</tbody></table>")


def review_dates(items: pd.DataFrame) -> str:
    """When the team looks at its plan again: each review date (earliest first) with how many actions; '' if none."""
    if items.empty or "review_on" not in items:
        return ""
    days = [d for d in map(_day, items["review_on"]) if d is not None]
    if not days:
        return ""
    counts: dict = {}
    for d in days:
        counts[d] = counts.get(d, 0) + 1
    listed = "; ".join(f"{date_text(d)} ({counted(n, 'action')})" for d, n in sorted(counts.items()))
    return f"<p><strong>When the team looks again:</strong> {listed}.</p>"


def plan_html(content, areas: list, items: pd.DataFrame, level: int = 4) -> str:
    """A whole plan, area by area (a condition, or a whole layer), each with its action items' table."""
    layers = {layer.id for layer in content.framework.layers}
    out = []
    for aid in areas:
        area = content.plan_area(aid)
        whole = "Whole layer: " if aid in layers else ""
        out.append(f"<h{level}>{whole}{esc(area.name)}</h{level}>"
                   + plan_table(content, cast("pd.DataFrame", items[items["condition"] == aid])))
    return "".join(out) + review_dates(items)


# --------------------------------------------------------------------------- Step 1 ratings at the top of a plan

def _rating(value, scale_labels: dict) -> str:
    label = scale_labels.get(int(value)) if float(value).is_integer() else None
    return f"{value:g}" + (f" ({esc(label)})" if label else "")


def rating_counts(cmarks: pd.DataFrame, condition_id: str) -> dict[float, int]:
    """How many members gave each rating to ``condition_id`` (lowest rating first)."""
    rated = cmarks.loc[cmarks["condition"] == condition_id, "rating"].dropna()
    return {float(k): int(v) for k, v in sorted(rated.value_counts().items())}


def step1_ratings_html(content, area_id: str, cmarks: pd.DataFrame, csum: pd.DataFrame, min_group: int) -> str:
    """A plan area's Step 1 ratings, as the team's worksheet opens with them: median, spread, votes.

    For a condition: the median, how many members gave each rating, the priority votes. For a whole layer:
    each of its conditions' median, lowest to highest rating and votes, and the layer's typical alignment.
    A condition rated by fewer than ``min_group`` members shows no figures (no one's rating can be singled
    out); ``cmarks``/``csum`` are :func:`workbook.analysis.condition_frames`' first two frames.
    """
    scale = content.framework.scale.labels
    m = max(int(min_group), 1)
    few = (f"the team's figures show once {m} have rated it (the session's smallest group), so no one's rating "
           "can be singled out")
    layer = next((layer for layer in content.framework.layers if layer.id == area_id), None)
    head = "<p class='wb-muted'><strong>Step 1, the team's ratings</strong> (Conditions for Scale)</p>"
    if layer is None:
        n = int(csum.loc[area_id, "n"]) if area_id in csum.index else 0
        if n == 0:
            return head + "<p class='wb-muted'>Nobody has rated this condition yet.</p>"
        if n < m:
            return head + f"<p class='wb-muted'>Rated by {counted(n, 'member')} so far: {few}.</p>"
        r = csum.loc[area_id]
        spread = ", ".join(f"{k} at {_rating(v, scale)}" for v, k in rating_counts(cmarks, area_id).items())
        return (head + f"<p>Median <strong>{_rating(r['median'], scale)}</strong>. {counted(n, 'member')} rated "
                f"it: {spread}. Priority votes: {int(r['votes'])}.</p>")
    rows, shown = [], csum.copy()
    for c in layer.conditions:
        n = int(csum.loc[c.id, "n"]) if c.id in csum.index else 0
        if n < m:
            shown.loc[c.id, "median"] = float("nan")
            why = "Nobody has rated it yet." if n == 0 else f"Rated by {counted(n, 'member')} so far: {few}."
            cells = f"<td colspan='4' class='wb-muted'>{why}</td>"
        else:
            counts = rating_counts(cmarks, c.id)
            cells = (f"<td>{_rating(csum.loc[c.id, 'median'], scale)}</td><td>{min(counts):g}–{max(counts):g}</td>"
                     f"<td>{n}</td><td>{int(csum.loc[c.id, 'votes'])}</td>")
        rows.append(f"<tr><th scope='row'>{esc(c.name)}</th>{cells}</tr>")
    typical = analysis.layer_summary(shown.loc[[c.id for c in layer.conditions if c.id in shown.index]])
    med = typical["median_of_medians"].iloc[0] if not typical.empty else float("nan")
    line = ("" if pd.isna(med) else
            f"<p>Typical alignment of the layer (the middle of its conditions' medians): <strong>{med:g}</strong></p>")
    return (head + line + "<table class='wb-table'><thead><tr><th scope='col'>Condition</th><th scope='col'>Median"
            "</th><th scope='col'>Lowest–highest rating</th><th scope='col'>Members who rated</th><th scope='col'>"
            f"Priority votes</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
