"""The district report: what ``notebooks/district_report.ipynb`` shows, section by section.

Each section returns an HTML string (free text escaped; charts as plotly HTML with
plotly.js embedded once, so the exported report opens offline). Aggregates are shown
only when at least the session's minimum group size of members responded; members
appear by role unless the team chose to show names and the report is not anonymised.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import analysis, charts, render, validation
from .content import load_content
from .errors import InvalidInput, WorkbookError
from .render import esc
from .store import Store

# where plotly.js goes in a report made for the batch (an inert tag; free text is escaped, so it cannot forge one)
PLOTLYJS_MARKER = "<script type='application/x-workbook-plotlyjs'></script>"
PARAMETERS = {"district": str, "session": (int, type(None)), "db_url": (str, type(None)),
              "compare_session": (int, type(None)), "anonymize": bool}


def check_parameters(**params) -> dict:
    """Refuse parameter names and values papermill should never pass (only JSON scalars of known names)."""
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
    if out.get("db_url") is not None and not isinstance(out["db_url"], str):
        raise InvalidInput("Report parameter db_url must be text.")
    return out


@dataclass
class Report:
    """Everything the report sections need, read once from the store."""

    store: Store
    content: object
    district: object
    session: object
    anonymize: bool = True
    compare: object = None
    marks: pd.DataFrame = field(default=None)
    respondents: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    _js_done: bool = False

    @property
    def members(self) -> int:
        return analysis.members_with_marks(self.marks)

    @property
    def enough(self) -> bool:
        return self.members >= self.session.min_group_size

    def figure(self, fig) -> str:
        """A chart as HTML; the first one carries plotly.js so the file works offline.

        ``WORKBOOK_REPORT_PLOTLYJS=none`` leaves plotly.js out (stored test notebooks stay small);
        ``marker`` puts :data:`PLOTLYJS_MARKER` where the bundle goes, for the batch worker to fill in.
        """
        import os

        mode = os.environ.get("WORKBOOK_REPORT_PLOTLYJS", "inline")
        first = not self._js_done
        self._js_done = True
        text = fig.to_html(full_html=False, include_plotlyjs="inline" if first and mode == "inline" else False,
                           config=charts.CONFIG, default_width="100%")
        return PLOTLYJS_MARKER + text if first and mode == "marker" else text


def open_report(district: str, session=None, db_url=None, compare_session=None, anonymize: bool = True) -> Report:
    """Load a district session (its latest when ``session`` is empty) for the report."""
    params = check_parameters(district=district, session=session, db_url=db_url, compare_session=compare_session,
                              anonymize=anonymize)
    store = Store(params["db_url"])
    content = load_content()
    d, s = store.resolve_session(params["district"], params["session"])
    compare = None
    if params["compare_session"] is not None:
        _, compare = store.resolve_session(params["district"], params["compare_session"])
    rep = Report(store, content, d, s, anonymize=params["anonymize"], compare=compare)
    rep.marks = store.spectrum_marks(s.id)
    rep.respondents = store.respondents(s.id)
    show = s.show_authors and not rep.anonymize
    from .widgets.team import member_labels

    rep.labels = member_labels(rep.marks, rep.respondents, show)
    return rep


def withheld(rep: Report) -> str:
    return (f"<p class='wb-notice'>Fewer than {rep.session.min_group_size} members have responded "
            f"({rep.members} so far), so team figures are withheld to protect individual answers.</p>")


def title_section(rep: Report) -> str:
    d, s = rep.district, rep.session
    tag = " <span class='wb-key'>fictional demo data</span>" if d.synthetic else ""
    return (f"<h1>{esc(d.name)}{tag}</h1><p class='wb-lede'>District report · {esc(s.label)} · "
            f"{s.held_on:%d %B %Y} · {rep.members} member(s) charted a pathway</p>")


def pathway_section(rep: Report) -> str:
    if rep.marks.empty:
        return ("<h2>Team pathway</h2><p class='wb-notice'>Nobody in this session has charted a pathway yet, so "
                "there is nothing to report. Share the join link with the team.</p>")
    if not rep.enough:
        return "<h2>Team pathway</h2>" + withheld(rep)
    spectra = rep.content.spectra
    median = analysis.median_pathway(rep.marks)
    agreed = rep.store.team_marks(rep.session.id)
    fig = charts.team_pathways(spectra, rep.marks.iloc[0:0], median, agreed, title="Team median pathway")
    gaps = analysis.team_gaps(rep.marks)
    from .widgets.pathway import gap_list

    return "<h2>Team pathway</h2>" + rep.figure(fig) + gap_list(rep.content, gaps).replace(
        "Your widest gaps", "Widest gaps (team median)")


def alignment_section(rep: Report) -> str:
    if not rep.enough:
        return ""
    from .widgets.team import alignment_text, roles_text

    content = rep.content
    result = analysis.alignment(rep.marks, "current")
    diffs = analysis.role_differences(rep.marks)
    return ("<h2>Alignment and roles</h2>" + alignment_text(content, result, "now")
            + rep.figure(charts.alignment(content.spectra, rep.marks, "current"))
            + roles_text(content, diffs) + rep.figure(charts.roles(content.spectra, analysis.role_medians(rep.marks))))


def survey_section(rep: Report) -> str:
    if not rep.enough:
        return ""
    from .widgets.team import survey_frame, survey_text

    bench = analysis.survey_benchmark(rep.marks, survey_frame(rep.content))
    return ("<h2>Compared with the national survey</h2>" + survey_text(rep.content, bench)
            + rep.figure(charts.survey(rep.content.spectra, bench)))


def conditions_section(rep: Report) -> str:
    from .widgets.conditions import condition_frames, layers_html

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
    return (head + rep.figure(charts.heatmap(matrix, names, fw.scale.labels)) + layers_html(rep.content, csum)
            + rep.figure(charts.condition_spread(csum, names))
            + (f"<h3>Top priorities</h3><ol>{tops}</ol>" if tops else ""))


def plan_section(rep: Report) -> str:
    areas = rep.store.plan_areas(rep.session.id)
    items = rep.store.action_items(rep.session.id)
    notes = rep.store.notes(rep.session.id)
    team = notes[notes["respondent_id"] == 0].set_index("question_id")["text"].to_dict()
    if not areas:
        return "<h2>Action plan</h2><p class='wb-muted'>No priority conditions have been planned yet.</p>"
    out = ["<h2>Action plan</h2>"]
    for cid in areas:
        cond = rep.content.condition(cid)
        out.append(f"<h3>{esc(cond.name)}</h3>")
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
        rows = items[items["condition"] == cid]
        if len(rows):
            labels = {h.id: h.label for h in rep.content.framework.horizons}
            body = "".join(f"<tr><td>{esc(labels[r.horizon])}</td><td>{esc(r.text)}</td><td>{esc(r.timeline)}</td>"
                           f"<td>{esc(r.owner)}</td><td>{'done' if r.done else ''}</td></tr>"
                           for r in rows.itertuples())
            out.append("<table class='wb-table'><thead><tr><th scope='col'>Horizon</th><th scope='col'>Action</th>"
                       "<th scope='col'>Timeline</th><th scope='col'>Who is responsible</th><th scope='col'>Status"
                       f"</th></tr></thead><tbody>{body}</tbody></table>")
    return "".join(out)


def answers_section(rep: Report) -> str:
    """The team's written answers; members' answers without authors unless the team chose otherwise."""
    notes = rep.store.notes(rep.session.id)
    notes = notes[notes["text"].str.strip() != ""]
    g1, g2 = rep.content.guides.guide_1, rep.content.guides.guide_2
    questions = [(f"rg1.{q.id}", q.text) for q in g1.questions] + [(f"rg2.{q.id}", q.text) for q in g2.questions]
    outcomes = rep.store.desired_outcomes(rep.session.id)
    out = ["<h2>The team's written answers</h2>"]
    if outcomes:
        out.append("<h3>Desired outcomes</h3>" + render.bullet_list(outcomes))
    named = rep.session.show_authors and not rep.anonymize
    for qid, text in questions:
        rows = notes[notes["question_id"] == qid]
        if rows.empty:
            continue
        team = rows[rows["respondent_id"] == 0]["text"].tolist()
        members = rows[rows["respondent_id"] != 0]
        parts = [f"<h3>{esc(text)}</h3>"]
        if team:
            parts.append(f"<p><strong>Team answer:</strong> {esc(team[0])}</p>")
        if len(members) and (rep.enough or named):
            items = "".join(f"<li>{esc(rep.labels.get(r.respondent_id, 'Member') + ': ' if named else '')}"
                            f"{esc(r.text)}</li>" for r in members.itertuples())
            parts.append(f"<ul>{items}</ul>")
        out += parts
    if len(out) == 1:
        out.append("<p class='wb-muted'>No written answers yet.</p>")
    return "".join(out)


def change_section(rep: Report) -> str:
    if rep.compare is None:
        return ""
    before = rep.store.spectrum_marks(rep.compare.id)
    head = f"<h2>Change since {esc(rep.compare.label)}</h2>"
    if analysis.members_with_marks(before) < rep.session.min_group_size or not rep.enough:
        return head + "<p class='wb-notice'>One of the two sessions has too few responses to compare.</p>"
    moved = analysis.change(before, rep.marks)
    return head + rep.figure(charts.change(rep.content.spectra, moved))


SECTIONS = (title_section, pathway_section, alignment_section, survey_section, conditions_section, plan_section,
            answers_section, change_section)


def render_report(district: str, session=None, db_url=None, compare_session=None, anonymize: bool = True) -> str:
    """The whole report as one HTML string (or a plain message when the district cannot be reported)."""
    from .theme import CSS

    style = f"<style>{CSS}</style>"
    try:
        rep = open_report(district, session, db_url, compare_session, anonymize)
    except WorkbookError as exc:
        return f"{style}<div class='wb-page'><h1>District report</h1><p class='wb-error'>{esc(str(exc))}</p></div>"
    body = "".join(section(rep) for section in SECTIONS)
    rep.store.dispose()
    return f"{style}<div class='wb-page'>{body}{render.attribution(rep.content)}</div>"


class HTMLReport:
    """Displays as HTML in notebooks and reports, as a one-line summary in plain text (what nbval compares)."""

    def __init__(self, html: str, summary: str):
        self.html, self.summary = html, summary

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.summary


def report(district: str, session=None, db_url=None, compare_session=None, anonymize: bool = True) -> HTMLReport:
    """The notebook's one call: the report for a district session, ready to display."""
    html = render_report(district, session, db_url, compare_session, anonymize)
    charts_drawn = html.count('class="plotly-graph-div"')
    return HTMLReport(html, f"<District report: {district}, session {session or 'latest'}, {charts_drawn} chart(s)>")
