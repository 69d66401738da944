"""The district report: what ``notebooks/district_report.ipynb`` shows, section by section.

Each section is HTML (free text escaped) with its charts kept as plotly figures (in their plain
form, :class:`workbook.charts.Spec`: a report only serialises them). The notebook displays them
in order: HTML as ``text/html``, each chart as plotly's own output (the
``application/vnd.plotly.v1+json`` mime bundle, which JupyterLab draws in a saved notebook),
and :func:`workbook.reports.batch.notebook_html` builds the HTML report from those same outputs.
Aggregates are shown only when at least the session's minimum group size of members responded
(a small group is reported as such, not as a failure); members appear by role unless the team
chose to show names and the report is not anonymised.

A report that cannot be made (a bad parameter, an unknown district or session, any error in a
section) raises :class:`ReportError` out of the notebook cell, naming the district, the session
and what is wrong, so papermill and ``workbook report`` see the failure. The store comes from
``WORKBOOK_DB_URL``, never from a parameter: papermill writes parameters into the output notebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import pandas as pd

from .. import analysis, charts
from ..analysis import condition_frames, member_labels, survey_frame
from ..content import render, validation
from ..content.errors import InvalidInput, ReportError, WorkbookError
from ..content.frameworks import Content, load_content
from ..content.render import date_text, esc
from ..html.conditions import layer_question, layers_html
from ..html.pathway import gap_list
from ..html.team import alignment_text, critical_text, plan_table, review_dates, roles_text, survey_text
from ..store import District, Session, Store
from .report_html import PLOTLY_MIME, STYLE_CLASS, bundles_html, figure_html, trace_types  # noqa: F401

PARAMETERS = {"district": str, "session": (int, type(None)), "compare_session": (int, type(None)),
              "anonymize": bool}
# where a chart sits in a section's HTML until the parts are split (escaped free text cannot contain '<')
_FIGURE = "<wb-figure n='{}'></wb-figure>"
_FIGURE_RE = re.compile(r"<wb-figure n='(\d+)'></wb-figure>")


def check_parameters(**params) -> dict:
    """Refuse parameter names and values papermill should never pass (only JSON scalars of known names)."""
    if "db_url" in params:
        raise InvalidInput("db_url is not a report parameter (papermill would write it into the output notebook): "
                           "set WORKBOOK_DB_URL in the environment, or use `workbook --db URL report`.")
    unknown = set(params) - set(PARAMETERS)
    if unknown:
        raise InvalidInput(f"Unknown report parameter(s) {sorted(unknown)}; allowed: {sorted(PARAMETERS)}.")
    out = dict(params)
    validation.slug(out.get("district"))
    for name in ("session", "compare_session"):
        value = out.get(name)
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
            value = int(value)
        if value in ("", None):
            value = None
        if not isinstance(value, PARAMETERS[name]) or isinstance(value, bool):
            raise InvalidInput(f"Report parameter {name} must be a session number or empty, not {value!r}.")
        out[name] = value
    if not isinstance(out.get("anonymize", True), bool):
        raise InvalidInput(f"Report parameter anonymize must be true or false, not {out['anonymize']!r}.")
    return out


def report_error(district, session, what: str) -> ReportError:
    """The error a failed report raises: which district, which session, what is wrong."""
    return ReportError(district, session, what)


@dataclass
class Report:
    """Everything the report sections need, read once from the store."""

    store: Store
    content: Content
    district: District
    session: Session
    anonymize: bool = True
    compare: Session | None = None
    followed: Session | None = None  # the session this one follows up (the comparison unless another was asked for)
    marks: pd.DataFrame = field(default=None)  # type: ignore[assignment]  # read by parts() before any section
    respondents: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)

    @cached_property
    def members(self) -> int:
        """How many members have marked the current state on at least one spectrum."""
        return analysis.members_with_marks(self.marks)

    @cached_property
    def notes(self) -> pd.DataFrame:
        """The session's notes (every answer, members' and the team's), read once for the whole report."""
        return self.store.notes(self.session.id)

    @property
    def enough(self) -> bool:
        """True when enough members have charted for team figures to be shown (the session's minimum group)."""
        return self.members >= self.session.min_group_size

    def figure(self, fig) -> str:
        """Keep a chart; its place in the section's HTML is marked, to be split out by :func:`parts`."""
        self.figures.append(fig)
        return _FIGURE.format(len(self.figures) - 1)


def open_report(district: str, session=None, compare_session=None, anonymize: bool = True,
                store: Store | None = None) -> Report:
    """Load a district session (its latest when ``session`` is empty) for the report.

    ``compare_session`` empty compares with the session this one follows up, if any. ``store`` (for Python
    callers) defaults to the store ``WORKBOOK_DB_URL`` names.
    """
    params = check_parameters(district=district, session=session, compare_session=compare_session,
                              anonymize=anonymize)
    store = store or Store()
    content = load_content()
    d, s = store.resolve_session(params["district"], params["session"])
    followed = store.followed(s)
    compare = followed
    if params["compare_session"] is not None:
        _, compare = store.resolve_session(params["district"], params["compare_session"])
    rep = Report(store, content, d, s, anonymize=params["anonymize"], compare=compare, followed=followed)
    rep.marks = store.spectrum_marks(s.id)
    rep.respondents = store.respondents(s.id)
    show = s.show_authors and not rep.anonymize

    rep.labels = member_labels(rep.marks, rep.respondents, show, s.min_group_size)
    return rep


def withheld(rep: Report) -> str:
    """The notice shown instead of team figures while fewer members than the minimum group have responded."""
    return (f"<p class='wb-notice'>Fewer than {rep.session.min_group_size} members have responded "
            f"({rep.members} so far), so team figures are withheld to protect individual answers.</p>")


def title_section(rep: Report) -> str:
    """The report's heading: district name (flagged when fictional), session, date and members who charted."""
    d, s = rep.district, rep.session
    tag = " <span class='wb-key'>fictional demo data</span>" if d.synthetic else ""
    follows = (f" · follows up {esc(rep.followed.label)} ({date_text(rep.followed.held_on)})"
               if rep.followed is not None else "")
    return (f"<h1>{esc(d.name)}{tag}</h1><p class='wb-lede'>District report · {esc(s.label)} · "
            f"{s.held_on:%d %B %Y}{follows} · {rep.members} member(s) charted a pathway</p>")


def pathway_section(rep: Report) -> str:
    """Team pathway: the team's median pathway chart, the widest gaps and the gaps members named most critical."""
    if rep.marks.empty:
        return ("<h2>Team pathway</h2><p class='wb-notice'>Nobody in this session has charted a pathway yet, so "
                "there is nothing to report. Share the join link with the team.</p>")
    if not rep.enough:
        return "<h2>Team pathway</h2>" + withheld(rep)
    spectra = rep.content.spectra
    median = analysis.median_pathway(rep.marks)
    agreed = rep.store.team_marks(rep.session.id)
    fig = charts.team_pathways.spec(spectra, rep.marks.iloc[0:0], median, agreed, title="Team median pathway")
    gaps = analysis.gaps(median)  # the team's gaps: those of its median pathway

    critical = analysis.critical_gaps(rep.notes)
    return ("<h2>Team pathway</h2>" + rep.figure(fig)
            + gap_list(rep.content, gaps).replace("Your widest gaps", "Widest gaps (team median)")
            + (critical_text(rep.content, critical) if critical else ""))


def alignment_section(rep: Report) -> str:
    """Alignment and roles: where the team agrees on now, and how roles differ (roles too small are folded in)."""
    if not rep.enough:
        return ""

    content = rep.content
    result = analysis.alignment(rep.marks, "current")
    # no one identifiable by role: roles smaller than the session's minimum group are folded or left out
    by_role = analysis.fold_roles(rep.marks, rep.session.min_group_size)
    medians = analysis.role_medians(by_role)
    diffs = analysis.role_differences(by_role, medians=medians)
    return ("<h2>Alignment and roles</h2>" + alignment_text(content, result, "now", numbers_open=True)
            + rep.figure(charts.alignment.spec(content.spectra, rep.marks, "current"))
            + roles_text(content, diffs, rep.session.min_group_size)
            + rep.figure(charts.roles.spec(content.spectra, medians)))


def survey_section(rep: Report) -> str:
    """The team's pathway compared with the national survey, in words and a chart."""
    if not rep.enough:
        return ""

    bench = analysis.survey_benchmark(rep.marks, survey_frame(rep.content))
    return ("<h2>Compared with the national survey</h2>" + survey_text(rep.content, bench)
            + rep.figure(charts.survey.spec(rep.content.spectra, bench)))


def conditions_section(rep: Report) -> str:
    """Conditions for scale: ratings heatmap, layers, spread, top priorities and the team's Step 1 answers."""
    cmarks, csum, names = condition_frames(rep.store, rep.content, rep.session, not rep.anonymize
                                           and rep.session.show_authors)
    raters = cmarks.dropna(subset=["rating"])["respondent_id"].nunique()
    head = "<h2>Conditions for scale</h2>"
    if raters == 0:
        return head + "<p class='wb-muted'>Nobody has rated the conditions yet.</p>"
    if raters < rep.session.min_group_size:
        return head + withheld(rep)
    matrix = analysis.condition_matrix(cmarks, list(csum.index))
    fw = rep.content.framework
    top = analysis.top_priorities(csum, 3)
    tops = "".join(f"<li>{esc(names[c])} ({int(csum.loc[c, 'votes'])} votes)</li>" for c in top)
    team = rep.notes
    team = team[team["respondent_id"] == 0].set_index("question_id")["text"].to_dict()
    letters = "abcdefgh"
    answers = "".join(f"<h4>{letters[i]}. {render.source_text(q)}</h4><p>{esc(team[f'step1.q{letters[i]}'])}</p>"
                      for i, q in enumerate(fw.step1.questions) if team.get(f"step1.q{letters[i]}", "").strip())
    return (head + rep.figure(charts.heatmap.spec(matrix, names, fw.scale.labels)) + layers_html(rep.content, csum)
            + rep.figure(charts.condition_spread.spec(csum, names))
            + (f"<h3>Top priorities</h3><ol>{tops}</ol>" if tops else "")
            + (f"<h3>Step 1: the team's answers</h3>{answers}" if answers else ""))


def plan_section(rep: Report) -> str:
    """Action plan: for each planned area, the team's vision, challenges and action items."""
    areas = rep.store.plan_areas(rep.session.id)
    items = rep.store.action_items(rep.session.id)
    notes = rep.notes
    team = notes[notes["respondent_id"] == 0].set_index("question_id")["text"].to_dict()
    if not areas:
        return "<h2>Action plan</h2><p class='wb-muted'>No priority conditions have been planned yet.</p>"
    out = ["<h2>Action plan</h2>"]
    for cid in areas:
        cond = rep.content.plan_area(cid)
        whole = "Whole layer: " if cond.id in {layer.id for layer in rep.content.framework.layers} else ""
        out.append(f"<h3>{whole}{esc(cond.name)}</h3>")
        for key, label in (("end_state", "Vision / end state"), ("stakeholders", "Who should be part of the "
                           "conversation"), ("resources", "Resources and assets")):
            text = team.get(f"plan.{cid}.{key}", "")
            if text:
                out.append(f"<p><strong>{label}:</strong> {esc(text)}</p>")
        for n in (1, 2, 3):
            ch, data = team.get(f"plan.{cid}.challenge{n}", ""), team.get(f"plan.{cid}.challenge{n}_data", "")
            if ch or data:
                out.append(f"<p><strong>Challenge {n}:</strong> {esc(ch)}<br><span class='wb-muted'>Data: "
                           f"{esc(data)}</span></p>")
        rows = cast(pd.DataFrame, items[items["condition"] == cid])
        if len(rows):
            out.append(plan_table(rep.content, rows))
    out.append(review_dates(cast(pd.DataFrame, items[items["condition"].isin(areas)])))
    return "".join(out)


def answers_section(rep: Report, guides=("rg1", "rg2", "layers"), heading: str = "The team's written answers") -> str:
    """The team's written answers; members' answers without authors unless the team chose otherwise.

    ``guides``: ``rg1`` and ``rg2`` the reflection guides' questions, ``layers`` the conditions' layer questions
    (the team's answers in the conditions team view).
    """
    notes = rep.notes
    notes = notes[notes["text"].str.strip() != ""]
    g1, g2 = rep.content.guides.guide_1, rep.content.guides.guide_2
    # the guides' questions (an instruction, such as Guide 2's second item, takes no written answer)
    questions = [(f"rg1.{q.id}", esc(q.text)) for q in g1.answerable if "rg1" in guides] + \
        [(f"rg2.{q.id}", esc(q.text)) for q in g2.answerable if "rg2" in guides]
    # the layers' reflection questions, answered by the team in the conditions team view
    layered = [(layer, [(f"step1.{layer.id}.q{i}", layer_question(q)) for i, q in enumerate(layer.questions, 1)])
               for layer in rep.content.framework.layers] if "layers" in guides else []
    outcomes = rep.store.desired_outcomes(rep.session.id)
    out = [f"<h2>{heading}</h2>"]  # a heading of the workbook's own, not free text
    if outcomes:
        out.append("<h3>Desired outcomes</h3>" + render.bullet_list(outcomes))
    named = rep.session.show_authors and not rep.anonymize
    by_question: dict[str, list] = {}  # the answers to each question, in the store's order
    for row in cast(Any, notes.itertuples()):  # named tuples of the notes' columns
        by_question.setdefault(row.question_id, []).append(row)
    for qid, text in questions:
        out += _answers(rep, by_question.get(qid), text, named)
    for layer, asked in layered:
        said = [part for qid, text in asked for part in _answers(rep, by_question.get(qid), text, named, "h4")]
        if said:
            out += [f"<h3>{esc(layer.name)}: reflection questions for teams</h3>", *said]
    if len(out) == 1:
        out.append("<p class='wb-muted'>No written answers yet.</p>")
    return "".join(out)


def _answers(rep: Report, rows, question: str, named: bool, tag: str = "h3") -> list[str]:
    """One question (``question``: HTML) with the team's answer and members' answers as the report may show them."""
    if not rows:
        return []
    team = [r.text for r in rows if r.respondent_id == 0]
    members = [r for r in rows if r.respondent_id != 0]
    parts = [f"<{tag}>{question}</{tag}>"]
    if team:
        parts.append(f"<p><strong>Team answer:</strong> {esc(team[0])}</p>")
    if members and (rep.enough or named):
        items = "".join(f"<li>{esc(rep.labels.get(r.respondent_id, 'Member') + ': ' if named else '')}"
                        f"{esc(r.text)}</li>" for r in members)
        parts.append(f"<ul>{items}</ul>")
    return parts


def change_section(rep: Report) -> str:
    """How the team's pathway moved since the compared session (by default the one this session follows up).

    Each session keeps its own minimum group: a median marked by fewer of its members is not drawn
    (:func:`workbook.analysis.movement`), and a session with no median left to show is named as too thin.
    """
    if rep.compare is None:
        return ""
    before = rep.store.spectrum_marks(rep.compare.id)
    head = f"<h2>Change since {esc(rep.compare.label)}</h2>"
    which = " (the session this one follows up)" if rep.followed is not None and \
        rep.compare.id == rep.followed.id else ""
    head += (f"<p>How the team's median pathway moved from {esc(rep.compare.label)} "
             f"({date_text(rep.compare.held_on)}){which} to {esc(rep.session.label)} "
             f"({date_text(rep.session.held_on)}).</p>")
    found = analysis.movement(before, rep.marks, (rep.compare.min_group_size, rep.session.min_group_size))
    thin = [(s, found["min_group"][side]) for side, s in (("before", rep.compare), ("after", rep.session))
            if not found["shown"][side]]
    if thin:
        named = "; ".join(f"{esc(s.label)} needs at least {m} members on a spectrum" for s, m in thin)
        return head + (f"<p class='wb-notice'>One of the two sessions has too few responses to compare ({named}), "
                       "so the movement is withheld to protect individual answers.</p>")
    moved = found["moved"]
    withheld = sum(found["withheld"].values())
    note = (f"<p class='wb-muted'>{withheld} median(s) marked by fewer members than their session's minimum group "
            "are not drawn.</p>" if withheld else "")
    return head + rep.figure(charts.change.spec(rep.content.spectra, moved)) + movement_table(rep.content, moved) + note


def movement_table(content, moved: pd.DataFrame) -> str:
    """The movement in numbers: each spectrum's median now and aspiration, earlier and later (— where withheld)."""
    def cell(row, field) -> str:
        a, b = row[f"{field}_before"], row[f"{field}_after"]
        if pd.isna(a) or pd.isna(b):
            return "<td>—</td>"
        return f"<td>{a:g} → {b:g} ({b - a:+g})</td>"

    rows = "".join(f"<tr><th scope='row'>{esc(s.dimension)}</th>{cell(moved.loc[s.id], 'current')}"
                   f"{cell(moved.loc[s.id], 'aspiration')}</tr>" for s in content.spectra if s.id in moved.index)
    return ("<table class='wb-table'><thead><tr><th scope='col'>Spectrum</th><th scope='col'>Now (median), earlier "
            "→ later</th><th scope='col'>Should be (median), earlier → later</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def foundation_section(rep: Report) -> str:
    """Laying the Foundation (Reflection Guide 1): the desired outcomes and the answers to the guide's questions."""
    return answers_section(rep, ("rg1",), "Laying the Foundation")


SECTIONS = (title_section, pathway_section, alignment_section, survey_section, conditions_section, plan_section,
            answers_section, change_section)
_SECTION_NAMES = {f: f.__name__.removesuffix("_section").replace("_", " ") for f in SECTIONS}


def _split(text: str, figures: list) -> list:
    """A section's HTML with chart marks as parts: ``str`` for HTML, a :class:`workbook.charts.Spec` for a chart."""
    out = []
    pos = 0
    for found in _FIGURE_RE.finditer(text):
        if text[pos:found.start()]:
            out.append(text[pos:found.start()])
        out.append(figures[int(found.group(1))])
        pos = found.end()
    if text[pos:]:
        out.append(text[pos:])
    return out


def parts(district: str, session=None, compare_session=None, anonymize: bool = True, *,
          store: Store | None = None, sections=SECTIONS) -> list:
    """The report in display order: HTML strings and plotly figures. Raises :class:`ReportError`."""
    own = store is None
    try:
        check_parameters(district=district, session=session, compare_session=compare_session, anonymize=anonymize)
        store = store or Store()
    except WorkbookError as exc:
        raise report_error(district, session, str(exc)) from exc
    out: list = []
    try:
        try:
            rep = open_report(district, session, compare_session, anonymize, store)
        except WorkbookError as exc:
            raise report_error(district, session, str(exc)) from exc
        for section in sections:
            try:
                out += _split(section(rep), rep.figures)
            except Exception as exc:  # any failure names the section and stops the report
                raise report_error(district, session, f"the {_SECTION_NAMES.get(section, section.__name__)!r} "
                                   f"section failed: {type(exc).__name__}: {exc}") from exc
        out.append(render.attribution(rep.content))
    finally:
        if own:
            store.dispose()
    return out


def figure_json(fig: charts.Spec) -> dict:
    """A chart as plotly's mime bundle holds it: data, layout and the workbook's chart config."""
    return dict(fig.to_json(), config=charts.CONFIG)


def style() -> str:
    """The workbook's stylesheet for the report's parts, as a ``<style>`` element."""
    from ..content.theme import CSS

    return f"<style>{CSS} .wb-report-part {{ padding-top: 0; padding-bottom: 0; }}</style>"


def _chart_name(spec: dict) -> str:
    title = (spec.get("layout", {}).get("title") or {}).get("text") or "untitled"
    return f"<Chart: {title}>"


def _html_name(text: str) -> str:
    head = re.search(r"<h[12][^>]*>(.*?)</h[12]>", text)
    return f"<Report section: {re.sub(r'<[^>]+>', '', head.group(1)).strip()}>" if head else "<Report text>"


def bundles(items: list) -> list[dict]:
    """Display data for each part: HTML as ``text/html``, charts as plotly's mime bundle."""
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            text = (style() if i == 0 else "") + f"<div class='{STYLE_CLASS}'>{item}</div>"
            out.append({"text/html": text, "text/plain": _html_name(item)})
        else:
            spec = figure_json(item)
            out.append({PLOTLY_MIME: spec, "text/plain": _chart_name(spec)})
    return out


def render_report(district: str, session=None, db_url=None, compare_session=None, anonymize: bool = True,
                  plotlyjs: str = "inline") -> str:
    """The whole report as one HTML fragment, for Python callers (tests, a quick look).

    ``plotlyjs="inline"`` puts the smallest plotly.js bundle that draws its charts in front of
    them (the fragment then draws offline); ``"none"`` leaves it out. Raises :class:`ReportError`.
    """
    store = Store(db_url) if db_url else None
    try:
        body, types = bundles_html(bundles(parts(district, session, compare_session, anonymize, store=store)))
    finally:
        if store is not None:
            store.dispose()
    if plotlyjs == "inline" and types:
        from ..assets import plotlyjs_script

        body = plotlyjs_script(types) + body
    return body


def _no_flush() -> None:
    """Nothing to flush (see :meth:`ReportDisplay._ipython_display_`)."""


class ReportDisplay:
    """The notebook's report: each part displayed in turn; a one-line summary as text."""

    def __init__(self, items: list[dict], summary: str):
        self.items, self.summary = items, summary

    def _ipython_display_(self) -> None:
        from IPython import get_ipython
        from IPython.display import display

        # a kernel's display publisher flushes stdout and stderr before every display, each flush a wait on the
        # kernel's output thread; nothing is printed between the parts, so the first display's flush is enough
        pub = getattr(get_ipython(), "display_pub", None)
        once = pub is not None and callable(getattr(pub, "_flush_streams", None))
        try:
            for i, data in enumerate(self.items):
                if once and i == 1 and pub is not None:
                    pub._flush_streams = _no_flush
                display(data, raw=True)
        finally:
            if once and pub is not None:
                vars(pub).pop("_flush_streams", None)  # the publisher's own method again

    def __repr__(self) -> str:
        return self.summary


def report(district: str, session=None, compare_session=None, anonymize: bool = True) -> ReportDisplay:
    """The notebook's one call: the report for a district session, ready to display (or :class:`ReportError`)."""
    items = bundles(parts(district, session, compare_session, anonymize))
    drawn = sum(PLOTLY_MIME in data for data in items)
    return ReportDisplay(items, f"<District report: {district}, session {session or 'latest'}, {drawn} chart(s)>")
