"""Team pathways: every member's pathway, the median, alignment, roles, gaps, the survey, agreed marks."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd

from .. import analysis, charts
from ..analysis import member_labels, survey_frame  # the team view's labels and survey
from ..content import render
from ..content.render import counted
from ..html.team import (  # noqa: F401 - the team view's words and tables
    agreement_text,
    alignment_text,
    answers_html,
    charted_text,
    critical_text,
    last_time_html,
    outcomes_html,
    privacy_choices,
    roles_more,
    roles_rule,
    roles_text,
    survey_text,
)
from ..links import app_link
from ..store import Store
from ..widgets.access import open_app
from ..widgets.chart import PlotView
from ..widgets.live import Live
from ..widgets.marks import MarkSlider
from ..widgets.page import Page, card, esc, header
from ..widgets.restoring import Restoring
from ..widgets.saver import Saver, team_answer
from ..widgets.sharing import qr_svg, session_downloads

TITLE = "Team pathways"
LEDE = (
    "Everyone's pathways together: the team's median, where you agree most and least, whether roles see things "
    "differently, and how your marks compare with those of the 86 school-system leaders who answered the national "
    "survey. Discuss, then record "
    "the marks the team agrees on. The page updates by itself as members join and mark; <em>Refresh</em> draws it "
    "again at once."
)


class TeamPathways(Page):
    """The facilitator's team view (needs the facilitator's code)."""

    def __init__(self, store: Store, content, district, session, code: str):
        self.store, self.content, self.district, self.session, self.code = store, content, district, session, code
        self.saver = Saver()
        self.restoring = Restoring()  # the page's own updates are not saved
        self.refresh_button = w.Button(description="Refresh", tooltip="Include new members")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.summary = w.HTML()
        self.plot = PlotView()
        self.show_members = w.ToggleButtons(
            options=[("The team's spread", False), ("Each member's pathway", True)], value=False,
            description="Show", style={"button_width": "auto"},
            tooltips=["The median and where the middle half of the team stands",
                      "Every member's pathway as a thin line"])
        self.show_members.observe(lambda _c: self._draw_pathways(), "value")
        self.pathway_note = w.HTML()
        self.align_now, self.align_text, self.agreement = PlotView(), w.HTML(), w.HTML()
        self.roles_plot, self.roles_text = PlotView(), w.HTML()
        self.gaps_plot, self.critical_text = PlotView(), w.HTML()
        self.survey_plot, self.survey_text = PlotView(), w.HTML()
        self.answers = w.HTML()
        # the section that asks the team to think back to Laying the Foundation: its outcomes and the pathway
        self.outcomes, self.outcomes_plot = w.HTML(), PlotView()
        # a follow-up starts from the marks the team agreed last time
        self.earlier = store.followed(session)
        self.last_time = w.HTML()
        self.agreed = self._agreed_sliders()
        self.team_notes = self._team_questions()
        join = app_link("charting_your_path.ipynb", district=district.slug, session=session.id, code=session.join_code)
        share = w.HTML(f"<div class='wb-notice' style='display:flex;gap:16px;align-items:center;flex-wrap:wrap'>"
                       f"{qr_svg(join, 3)}<div>Team members join with this link (or scan the code):<br>"
                       f"<span class='wb-link'>{esc(join)}</span></div></div>")

        self.show_names = w.Checkbox(value=session.show_authors, indent=False,
                                     description="Show members' names to the team",
                                     layout=w.Layout(width="auto"))
        self.min_group = w.BoundedIntText(value=session.min_group_size, min=1, max=100, description="Smallest group "
                                          "shown (roles, reports)", style={"description_width": "initial"})
        self.show_names.observe(lambda c: self._setting(show_authors=c["new"]), "value")
        self.min_group.observe(lambda c: self._setting(min_group_size=c["new"]), "value")
        self.settings_note = w.HTML()
        settings = w.VBox([share, w.HTML("<h3>Privacy</h3>"), self.settings_note, self.show_names, self.min_group])
        # open until the team has joined; then one line, so the chart comes first
        self.invite = w.Accordion(children=[settings], titles=("Invite members · privacy settings",),
                                  selected_index=None if self.store.respondents(session.id) else 0)
        self.invite.add_class("wb-invite")
        g2 = content.guides.guide_2
        super().__init__([
            header(TITLE, LEDE, f"<p class='wb-muted'>{esc(district.name)} · {esc(session.label)}</p>"),
            self.invite, w.HBox([self.refresh_button, self.summary], layout=w.Layout(align_items="center")),
            card("All pathways", self.show_members, self.plot, self.pathway_note),
            card("Where the team agrees", self.agreement, self.align_text, self.align_now),
            card("Roles", self.roles_text, self.roles_plot),
            card("Widest gaps (team median)", self.gaps_plot, self.critical_text),
            card("Compared with the national survey", self.survey_text, self.survey_plot),
            card("The team's agreed marks", self.last_time, *self.agreed,
                 note="<p class='wb-muted'>After discussion, record where the team agrees the system is now and "
                      "should be. Shown as large open markers on the pathway chart.</p>"),
            card("Comparing pathways", *self.team_notes[:2], note=f"<p>{esc(g2.section('team_comparison').intro)}</p>"),
            card("Pathway and desired outcomes", self.outcomes, self.outcomes_plot, *self.team_notes[2:],
                 note=f"<p>{esc(g2.section('desired_outcomes_link').intro)}</p>"),
            card("Members' answers to the pathway questions", self.answers),
            session_downloads(store, session, content), self.saver.widget,
            w.HTML(render.attribution(content)),
        ], summary=f"{TITLE}: {district.name}, session {session.label!r}")
        # updates by itself as members join and mark (a cheap check every 2 s while the page is visible)
        self.live = Live(check=lambda: store.session_stamp(session.id), on_change=self.refresh)
        self.children = (*self.children, self.live)
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
        if self.restoring or change["new"] is None:
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
        self.summary.value = f"<span role='status'>{charted_text(n, len(self.respondents), min_group)}</span>"
        # the marks agreed in the session this one follows up (read again here, not on every agreed mark)
        self.before = self.store.team_marks(self.earlier.id) if self.earlier is not None else None
        agreed = self.store.team_marks(self.session.id).set_index("spectrum")
        with self.restoring():
            for sl in self.agreed:
                val = agreed[sl.field].get(sl.spectrum_id) if sl.spectrum_id in agreed.index else None
                sl.value = None if val is None or pd.isna(val) else float(val)
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
        notes = self.store.notes(self.session.id)
        self.answers.value = answers_html(content, notes, self.labels)
        team = notes[notes["respondent_id"] == 0].set_index("question_id")["text"].to_dict()
        self.outcomes.value = outcomes_html(content, self.store.desired_outcomes(self.session.id), team)

    def _lock_settings(self) -> None:
        """The privacy settings are the promise members joined under: set before anyone joins, then fixed."""
        joined = len(self.respondents)
        self.show_names.disabled = self.min_group.disabled = joined > 0
        shown = "names" if self.session.show_authors else "roles, not names"
        meaning = privacy_choices(self.session.min_group_size, self.session.show_authors)
        if joined:
            self.settings_note.value = (
                f"<p>Members see each other's {shown}; groups smaller than {self.session.min_group_size} are never "
                f"shown by role. {counted(joined, 'member')} joined under these settings, so they no longer change. "
                "Start a new session for different settings.</p>" + meaning)
        else:
            self.settings_note.value = ("<p>Choose before anyone joins: members join under these settings, and they "
                                        "cannot change afterwards. What they mean with the numbers chosen now:</p>"
                                        + meaning)

    def _last_time_name(self) -> str:
        """The name of last time's agreed marks on the chart, as on a member's: 'Agreed last time (label, date)'."""
        earlier = self.earlier
        assert earlier is not None  # asked for a follow-up only
        return f"Agreed last time ({earlier.label}, {render.date_text(earlier.held_on)})"

    def _draw_pathways(self) -> None:
        agreed = self.store.team_marks(self.session.id)
        members = bool(self.show_members.value)
        spread = None if members else {f: analysis.summary(self.marks, f) for f in ("current", "aspiration")}
        median = analysis.median_pathway(self.marks)
        fig = charts.team_pathways(self.content.spectra, self.marks, median, agreed, self.labels, title=None,
                                   spread=spread, members=members)
        before = self.before
        for trace in last_time_traces(self.content.spectra, before, self._last_time_name() if self.earlier else ""):
            fig.add_trace(trace)
        self.plot.show(fig)
        self.pathway_note.value = (
            "<p class='wb-muted'>Bold lines: the team's median now (solid, blue) and aspiration (dashed, orange). "
            + ("Thin lines: each member's pathway; hover a point to see whose. " if members else
               "Shaded bands: where the middle half of the team marked. ")
            + "Large open markers: the marks the team agreed on."
            + (" Grey dashed line: the marks the team agreed last time (circles now, diamonds should be)."
               if before is not None and not before.empty else "") + "</p>")
        if self.earlier is not None and before is not None:  # refresh() reads before for a follow-up
            self.last_time.value = last_time_html(self.content, before, agreed, self.earlier)
        # the visual the guide's last questions look back at: the team's pathway (median, agreed marks)
        self.outcomes_plot.show(charts.team_pathways(self.content.spectra, self.marks.iloc[0:0], median, agreed,
                                                     title="The team's pathway"))


def last_time_traces(spectra, before: pd.DataFrame | None, name: str = "Agreed last time") -> list[dict]:
    """The marks the team agreed in the session this one follows up, as the member's chart draws them.

    One muted pathway named ``name`` (the same look as on a member's chart); none when this is no follow-up
    (``before`` None) or nothing was agreed then.
    """
    if before is None or before.empty:
        return []
    agreed = {f: {r["spectrum"]: float(r[f]) for r in before.to_dict("records") if not pd.isna(r[f])}
              for f in ("current", "aspiration")}
    trace = charts.last_time_trace(spectra, agreed, name)
    return [] if trace is None else [trace]


def team_pathways(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """Build the team view from the link (``?district=&session=&code=<facilitator code>``)."""
    return open_app(TITLE, lambda s, c, d, se, _m, fac: TeamPathways(s, c, d, se, fac), store, params, content,
                    facilitator=True)
