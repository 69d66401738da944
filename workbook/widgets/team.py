"""Team pathways: every member's pathway, the median, alignment, roles, gaps, the survey, agreed marks."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd

from .. import analysis, charts, render
from ..links import app_link
from ..store import Store
from .access import open_app
from .base import Page, PlotView, Saver, card, esc, header, qr_svg, session_downloads, team_answer
from .marks import MarkSlider

TITLE = "Team pathways"
LEDE = (
    "Everyone's pathways together: the team's median, where you agree most and least, whether roles see things "
    "differently, and how your marks compare with those of the 86 school-system leaders who answered the national "
    "survey. Discuss, then record "
    "the marks the team agrees on. Press <em>Refresh</em> to include members who joined since this page opened."
)


def member_labels(marks: pd.DataFrame, respondents, show_names: bool, min_group: int = 1) -> dict:
    """Names when the team chose to show them, else 'Role 1', 'Role 2'.

    A role with fewer than ``min_group`` members is labelled by its wider group ('Other roles 1'), or
    as 'Member 1' when even that group is too small (:func:`workbook.analysis.role_groups`).
    """
    respondents = list(respondents)
    if show_names:
        return {r.id: r.name for r in respondents}
    groups = analysis.role_groups([r.role for r in respondents], min_group)
    labels, counts = {}, {}
    for r in respondents:
        group = groups.get(r.role) or "Member"
        counts[group] = counts.get(group, 0) + 1
        labels[r.id] = f"{group} {counts[group]}"
    return labels


def survey_frame(content) -> pd.DataFrame:
    return pd.DataFrame([s.model_dump() for s in content.survey])


def alignment_text(content, result: dict, field: str) -> str:
    if not result["most"]:
        return "<p class='wb-muted'>Alignment needs marks from at least two members.</p>"
    names = lambda ids: ", ".join(content.spectrum(s).dimension for s in ids)  # noqa: E731
    table = result["table"]
    rows = "".join(
        f"<tr><th scope='row'>{esc(content.spectrum(s).dimension)}</th><td>{int(r['n'])}</td>"
        f"<td>{r['iqr']:g}</td><td>{r['range']:g}</td></tr>" for s, r in table.iterrows())
    return (f"<p><strong>Most aligned ({field}):</strong> {esc(names(result['most']))}. "
            f"<strong>Least aligned:</strong> {esc(names(result['least']))}.</p>"
            "<table class='wb-table'><thead><tr><th scope='col'>Spectrum</th><th scope='col'>Members</th>"
            "<th scope='col'>Spread (IQR)</th><th scope='col'>Range</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


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
    """The team's median beside the survey's median and mean, and the share of leaders for whom the decision was a
    top-priority challenge and who had devoted resources to it (the survey's own figures).
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


class TeamPathways(Page):
    """The facilitator's team view (needs the facilitator's code)."""

    def __init__(self, store: Store, content, district, session, code: str):
        self.store, self.content, self.district, self.session, self.code = store, content, district, session, code
        self.saver = Saver()
        self.refresh_button = w.Button(description="Refresh", tooltip="Include new members")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.summary = w.HTML()
        self.plot = PlotView()
        self.align_now, self.align_text, self.agreement = PlotView(), w.HTML(), w.HTML()
        self.roles_plot, self.roles_text = PlotView(), w.HTML()
        self.gaps_plot, self.critical_text = PlotView(), w.HTML()
        self.survey_plot, self.survey_text = PlotView(), w.HTML()
        self.answers = w.HTML()
        self.agreed = self._agreed_sliders()
        self.team_notes = self._team_questions()
        join = app_link("charting_your_path.ipynb", district=district.slug, session=session.id, code=session.join_code)
        share = w.HTML(f"<div class='wb-notice' style='display:flex;gap:16px;align-items:center;flex-wrap:wrap'>"
                       f"{qr_svg(join, 3)}<div>Team members join with this link (or scan the code):<br>"
                       f"<span class='wb-link'>{esc(join)}</span></div></div>")

        self.show_names = w.Checkbox(value=session.show_authors, indent=False,
                                     description="Show members' names to the team (reports stay anonymous by default)")
        self.min_group = w.BoundedIntText(value=session.min_group_size, min=1, max=100, description="Smallest group "
                                          "shown (roles, reports)", style={"description_width": "initial"})
        self.show_names.observe(lambda c: self._setting(show_authors=c["new"]), "value")
        self.min_group.observe(lambda c: self._setting(min_group_size=c["new"]), "value")
        self.settings_note = w.HTML()
        settings = w.VBox([w.HTML("<h2>Privacy</h2>"), self.settings_note, self.show_names, self.min_group])
        settings.add_class("wb-card")
        g2 = content.guides.guide_2
        super().__init__([
            header(TITLE, LEDE, f"<p class='wb-muted'>{esc(district.name)} · {esc(session.label)}</p>"),
            settings, share, w.HBox([self.refresh_button, self.summary], layout=w.Layout(align_items="center")),
            card("All pathways", self.plot),
            card("Where the team agrees", self.agreement, self.align_text, self.align_now),
            card("Roles", self.roles_text, self.roles_plot),
            card("Widest gaps (team median)", self.gaps_plot, self.critical_text),
            card("Compared with the national survey", self.survey_text, self.survey_plot),
            card("The team's agreed marks", *self.agreed,
                 note="<p class='wb-muted'>After discussion, record where the team agrees the system is now and "
                      "should be. Shown as large open markers on the pathway chart.</p>"),
            card("Comparing pathways", *self.team_notes[:2], note=f"<p>{esc(g2.section('team_comparison').intro)}</p>"),
            card("Pathway and desired outcomes", *self.team_notes[2:],
                 note=f"<p>{esc(g2.section('desired_outcomes_link').intro)}</p>"),
            card("Members' answers to the pathway questions", self.answers),
            session_downloads(store, session, content), self.saver.widget,
            w.HTML(render.attribution(content)),
        ], summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.refresh()

    def _agreed_sliders(self):
        sliders = []
        for s in self.content.spectra:
            for field, kind, label in (("current", "now", "Agreed now"), ("aspiration", "aspiration",
                                                                          "Agreed aspiration")):
                sl = MarkSlider(label=f"{s.dimension}: {label.lower()}", kind=kind,
                                name=f"{s.dimension}, {label.lower()}", left=s.left.plain_label,
                                right=s.right.plain_label)
                sl.spectrum_id, sl.field = s.id, field
                sl.observe(self._on_agreed, "value")
                sliders.append(sl)
        return sliders

    def _team_questions(self):
        g2 = self.content.guides.guide_2
        return [team_answer(self.store, self.session.id, self.saver, f"rg2.{q.id}", q.text)
                for section in ("team_comparison", "desired_outcomes_link") for q in g2.section(section).questions]

    def _on_agreed(self, change) -> None:
        if getattr(self, "_loading", False) or change["new"] is None:
            return
        sl = change["owner"]
        self.saver.save(("agreed", sl.spectrum_id, sl.field),
                        lambda: self.store.save_team_mark(self.session, self.code, sl.spectrum_id, sl.field,
                                                          change["new"]))
        self._draw_pathways()

    def _setting(self, **values) -> None:
        self.saver.save(("setting", *values), lambda: self.store.update_session(self.session.id, **values))
        self.refresh()

    def refresh(self) -> None:
        """Re-read every member's marks and answers and redraw."""
        content = self.content
        self.session = self.store.session(self.session.id)
        self.marks = self.store.spectrum_marks(self.session.id)
        self.respondents = self.store.respondents(self.session.id)
        min_group = self.session.min_group_size
        self.labels = member_labels(self.marks, self.respondents, self.session.show_authors, min_group)
        self._lock_settings()
        n = analysis.members_with_marks(self.marks)
        low = n < self.session.min_group_size
        self.summary.value = (f"<span role='status'><strong>{n}</strong> of {len(self.respondents)} member(s) have "
                              "charted a pathway." + (f" <span class='wb-muted'>Reports outside the team need at least"
                                                      f" {self.session.min_group_size}.</span>" if low else "")
                              + "</span>")
        agreed = self.store.team_marks(self.session.id).set_index("spectrum")
        self._loading = True
        try:
            for sl in self.agreed:
                val = agreed[sl.field].get(sl.spectrum_id) if sl.spectrum_id in agreed.index else None
                sl.value = None if val is None or pd.isna(val) else float(val)
        finally:
            self._loading = False
        self._draw_pathways()
        spectra = content.spectra
        self.agreement.value = agreement_text(content, analysis.agreement(self.marks))
        result = analysis.alignment(self.marks, "current")
        self.align_text.value = alignment_text(content, result, "now")
        self.align_now.show(charts.alignment(spectra, self.marks, "current"))
        by_role = analysis.fold_roles(self.marks, min_group)
        rm = analysis.role_medians(by_role)
        self.roles_text.value = (roles_text(content, analysis.role_differences(by_role), min_group)
                                 + roles_more(content, by_role))
        self.roles_plot.show(charts.roles(spectra, rm))
        self.gaps_plot.show(charts.gaps(spectra, analysis.team_gaps(self.marks)))
        self.critical_text.value = critical_text(content, analysis.critical_gaps(self.store.notes(self.session.id)))
        bench = analysis.survey_benchmark(self.marks, survey_frame(content))
        self.survey_text.value = survey_text(content, bench)
        self.survey_plot.show(charts.survey(spectra, bench))
        self.answers.value = answers_html(content, self.store.notes(self.session.id), self.labels)

    def _lock_settings(self) -> None:
        """The privacy settings are the promise members joined under: set before anyone joins, then fixed."""
        joined = len(self.respondents)
        self.show_names.disabled = self.min_group.disabled = joined > 0
        shown = "names" if self.session.show_authors else "roles, not names"
        if joined:
            self.settings_note.value = (
                f"<p>Members see each other's {shown}; groups smaller than {self.session.min_group_size} are never "
                f"shown by role. {joined} member(s) joined under these settings, so they no longer change. "
                "Start a new session for different settings.</p>")
        else:
            self.settings_note.value = ("<p>Choose before anyone joins: members join under these settings, and they "
                                        "cannot change afterwards.</p>")

    def _draw_pathways(self) -> None:
        agreed = self.store.team_marks(self.session.id)
        self.plot.show(charts.team_pathways(self.content.spectra, self.marks, analysis.median_pathway(self.marks),
                                            agreed, self.labels))


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


def team_pathways(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """Build the team view from the link (``?district=&session=&code=<facilitator code>``)."""
    return open_app(TITLE, lambda s, c, d, se, _m, fac: TeamPathways(s, c, d, se, fac), store, params, content,
                    facilitator=True)
