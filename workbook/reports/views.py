"""The facilitator apps as a notebook run for a district: in Voila the page, under papermill a static view.

Each facilitator app notebook (team pathways, Laying the Foundation, conditions, action plan) has a
``parameters`` cell with ``district = None`` and ``session = None``. Voila (and nbval) leave them
empty: the page reads its link (``?district=&session=&code=``) and checks the facilitator's code
as always. Run by papermill with ``-p district SLUG`` (``-p session N``; latest by default), the
notebook shows the same team figures as a static, read-only page built from the district report's
sections (HTML and plotly's own chart outputs, members by role): whoever runs it already reads the
store (``WORKBOOK_DB_URL``), so no code is needed, and none is written into the notebook. A district
or session that does not exist raises :class:`workbook.content.errors.ReportError` out of the cell.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

from . import district_report as dr


def answers(rep: dr.Report) -> str:
    """The team's answers to Charting Your Path's questions (Reflection Guide 2)."""
    return dr.answers_section(rep, ("rg2",))


class View(NamedTuple):
    """An app's static view: its title, the district report's sections it shows, and what its function does."""

    title: str
    sections: tuple
    doc: str


# the apps with a static view: notebook (and app module) -> its view
VIEWS = {
    "team_pathways": View(
        "Team pathways", (dr.title_section, dr.pathway_section, dr.alignment_section, dr.survey_section, answers),
        "Team pathways: the Voila page (no district: the link decides) or its static view for ``district``."),
    "laying_the_foundation": View(
        "Laying the Foundation (team)", (dr.title_section, dr.foundation_section),
        "Laying the Foundation: the Voila page or the team's answers for ``district``."),
    "conditions_for_scale": View(
        "Conditions for Scale (team)", (dr.title_section, dr.conditions_section),
        "Conditions for Scale: the Voila page or the team view (heat map, spread, priorities) for ``district``."),
    "action_planning": View(
        "Action planning", (dr.title_section, dr.plan_section),
        "Action planning: the Voila page or the session's plan for ``district``."),
}


def static_view(name: str, district: str, session=None) -> dr.ReportDisplay:
    """An app's team view for one district session, as static notebook outputs (or :class:`ReportError`)."""
    view = VIEWS[name]
    items = dr.bundles(dr.parts(district, session, sections=view.sections))
    drawn = sum(dr.PLOTLY_MIME in data for data in items)
    return dr.ReportDisplay(items, f"<{view.title}: {district}, session {session or 'latest'}, {drawn} chart(s)>")


def _notebook_call(name: str):
    """The function app notebook ``name`` calls: its Voila page (no district) or its static view."""

    def call(district: str | None = None, session=None):
        if district is None:  # the app module is imported only for the page (a static view needs no widgets)
            page = getattr(importlib.import_module(f"..apps.{name}", __package__), name)
            return page()
        return static_view(name, district, session)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = VIEWS[name].doc
    return call


team_pathways = _notebook_call("team_pathways")
laying_the_foundation = _notebook_call("laying_the_foundation")
conditions_for_scale = _notebook_call("conditions_for_scale")
action_planning = _notebook_call("action_planning")
