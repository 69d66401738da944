"""The facilitator apps as a notebook run for a district: in Voila the page, under papermill a static view.

Each facilitator app notebook (team pathways, Laying the Foundation, conditions, action plan) has a
``parameters`` cell with ``district = None`` and ``session = None``. Voila (and nbval) leave them
empty: the page reads its link (``?district=&session=&code=``) and checks the facilitator's code
as always. Run by papermill with ``-p district SLUG`` (``-p session N``; latest by default), the
notebook shows the same team figures as a static, read-only page built from the district report's
sections (HTML and plotly's own chart outputs, members by role): whoever runs it already reads the
store (``WORKBOOK_DB_URL``), so no code is needed, and none is written into the notebook. A district
or session that does not exist raises :class:`workbook.errors.ReportError` out of the cell.
"""

from __future__ import annotations

from . import district_report as dr


def answers(rep: dr.Report) -> str:
    """The team's answers to Charting Your Path's questions (Reflection Guide 2)."""
    return dr.answers_section(rep, ("rg2",))


VIEWS = {
    "team_pathways": (dr.title_section, dr.pathway_section, dr.alignment_section, dr.survey_section, answers),
    "laying_the_foundation": (dr.title_section, dr.foundation_section),
    "conditions_for_scale": (dr.title_section, dr.conditions_section),
    "action_planning": (dr.title_section, dr.plan_section),
}
TITLES = {"team_pathways": "Team pathways", "laying_the_foundation": "Laying the Foundation (team)",
          "conditions_for_scale": "Conditions for Scale (team)", "action_planning": "Action planning"}


def static_view(name: str, district: str, session=None) -> dr.ReportDisplay:
    """An app's team view for one district session, as static notebook outputs (or :class:`ReportError`)."""
    items = dr.bundles(dr.parts(district, session, sections=VIEWS[name]))
    drawn = sum(dr.PLOTLY_MIME in data for data in items)
    return dr.ReportDisplay(items, f"<{TITLES[name]}: {district}, session {session or 'latest'}, {drawn} chart(s)>")


def team_pathways(district: str | None = None, session=None):
    """Team pathways: the Voila page (no district: the link decides) or its static view for ``district``."""
    if district is None:
        from .apps.team_pathways import team_pathways as page

        return page()
    return static_view("team_pathways", district, session)


def laying_the_foundation(district: str | None = None, session=None):
    """Laying the Foundation: the Voila page or the team's answers for ``district``."""
    if district is None:
        from .apps.laying_the_foundation import laying_the_foundation as page

        return page()
    return static_view("laying_the_foundation", district, session)


def conditions_for_scale(district: str | None = None, session=None):
    """Conditions for Scale: the Voila page or the team view (heat map, spread, priorities) for ``district``."""
    if district is None:
        from .apps.conditions_for_scale import conditions_for_scale as page

        return page()
    return static_view("conditions_for_scale", district, session)


def action_planning(district: str | None = None, session=None):
    """Action planning: the Voila page or the session's plan for ``district``."""
    if district is None:
        from .apps.action_planning import action_planning as page

        return page()
    return static_view("action_planning", district, session)
