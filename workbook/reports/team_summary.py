"""The team summary: one printable page (HTML, or PDF through headless Chromium) of what the team decided.

In the guides' order: the district and session; Reflection Guide 1 as the team recorded it (its answers and
desired outcomes); Reflection Guide 2's agreed marks with their gaps, the widest gaps and the gaps members named
most critical, and the team's answers; Step 1's priorities with their votes and alignment, and the team's
answers to questions a–c and to the layers' questions; Step 2's plan per area with each action's owner,
timeline and review date. A part with nothing recorded says so.

No one is identifiable: the page holds the team's own answers and team-level figures only, never a member's
name or answer, and a figure computed from members' marks (medians, votes, critical gaps) is withheld with a
note when fewer members than the session's minimum group size stand behind it, as the district report does.

It reads the store and computes with :mod:`workbook.analysis`; the words and tables are
:mod:`workbook.html.summary`'s. No widgets: the Downloads box, a command or a test calls it alike.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .. import analysis
from ..content.errors import InvalidInput
from ..html import summary as html
from ..html.team import critical_text

PLAN_KEYS = ("end_state", "challenge1", "challenge1_data", "challenge2", "challenge2_data", "challenge3",
             "challenge3_data", "stakeholders", "resources")


def _value(x):
    """A mark or a date from a frame cell: None for NaN, NaT or None; a pandas Timestamp as a date."""
    if x is None:
        return None
    try:
        if x != x:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(x, "to_pydatetime"):
        return x.to_pydatetime().date()
    return x


def filename(district, session, suffix: str) -> str:
    """The file a team summary downloads as: ``<slug>-team-summary-<date>.<suffix>``."""
    return f"{district.slug}-team-summary-{session.held_on.isoformat()}.{suffix.lstrip('.')}"


def _pathway_part(content, store, session, notes, marks, min_group: int) -> str:
    """Reflection Guide 2: agreed marks, widest gaps (agreed; members' median when enough), critical gaps, answers."""
    agreed_frame = store.team_marks(session.id)
    agreed = {r.spectrum: (_value(r.current), _value(r.aspiration)) for r in agreed_frame.itertuples()}
    agreed_gaps = analysis.ranked_gaps({s: p[0] for s, p in agreed.items()}, {s: p[1] for s, p in agreed.items()})

    charted = analysis.members_marked(marks)
    medians = median_gaps = None
    note = ""
    if charted == 0:
        note = html.nothing("No member has charted a pathway yet, so there is no members' median to show.")
    elif charted < min_group:
        note = html.withheld(charted, min_group, "The members' median pathway and its gaps are")
    else:
        path = analysis.median_pathway(marks)
        few = 0
        for field in analysis.FIELDS:  # a spectrum's median from fewer members than the minimum group is withheld
            n = analysis.summary(marks, field)["n"]
            low = (n < min_group) & path[field].notna()
            few += int(low.sum())
            path.loc[low[low].index, field] = float("nan")
        medians = {s: (_value(r.current), _value(r.aspiration)) for s, r in path.iterrows()}
        median_gaps = analysis.gaps(path).to_dict("records")
        if few:
            note = (f"<p class='muted'>{few} of the members' medians are withheld: fewer than {min_group} members "
                    "marked them.</p>")

    counts = analysis.critical_gaps(notes)
    namers = sum(counts.values())
    if 0 < namers < min_group:
        critical = ("<h3>The most critical gap, as members see it</h3>"
                    + html.withheld(namers, min_group, "The gaps members named most critical are"))
    elif counts:
        critical = critical_text(content, counts)
    else:  # said under the same heading as the counts would be
        critical = "<h3>The most critical gap, as members see it</h3>" + critical_text(content, counts)
    team = _team_answers(notes)
    return html.pathway_section(content, agreed, agreed_gaps, medians, median_gaps, critical, team, note)


def _team_answers(notes) -> dict:
    """The team's own answers (notes of respondent 0), by question id."""
    rows = notes[notes["respondent_id"] == 0]
    return dict(zip(rows["question_id"], rows["text"].fillna("")))


def _conditions_part(content, store, session, notes, min_group: int, planned: list[str]) -> str:
    """Step 1: priorities with votes and alignment (withheld below the minimum group), the team's answers."""
    fw = content.framework
    cmarks, csum, names = analysis.condition_frames(store, content, session, False)
    took_part = int(cmarks["respondent_id"].nunique()) if not cmarks.empty else 0
    layer_names = {layer.id: layer.name for layer in fw.layers}
    if took_part == 0:
        table = html.nothing("No member has rated the conditions or picked a priority yet.")
    elif took_part < min_group:
        table = html.withheld(took_part, min_group, "The votes and the team's alignment on each condition are")
    else:
        rows = []
        for cid in analysis.top_priorities(csum, len(csum)):
            r = csum.loc[cid]
            enough = int(r["n"]) >= min_group
            rows.append({"name": names[cid], "layer": layer_names.get(r["layer"], ""), "votes": int(r["votes"]),
                         "median": float(r["median"]) if enough else None,
                         "agreement": analysis.agreement_words(r["iqr"], r["range"]) if enough and int(r["n"]) >= 2
                         else ("not enough ratings" if enough else "withheld: too few ratings"),
                         "planned": cid in planned})
        table = html.priorities_table(rows, fw.scale.labels)
    planned_names = [_area_name(content, cid) for cid in planned]
    return html.conditions_section(fw, table, _team_answers(notes), planned_names)


def _area_name(content, area_id: str) -> str:
    area = content.plan_area(area_id)
    whole = area_id in {layer.id for layer in content.framework.layers}
    return f"Whole layer: {area.name}" if whole else area.name


def _plan_part(content, store, session, notes, planned: list[str]) -> str:
    """Step 2: each planned area's vision, challenges, stakeholders, resources and action items."""
    team = _team_answers(notes)
    items = store.action_items(session.id)
    layers = {layer.id for layer in content.framework.layers}
    areas = []
    for cid in planned:
        mine = items[items["condition"] == cid]
        areas.append({
            "name": content.plan_area(cid).name, "whole_layer": cid in layers,
            "answers": {k: team.get(f"plan.{cid}.{k}", "") for k in PLAN_KEYS},
            "items": [{"horizon": r.horizon, "position": int(r.position), "text": r.text, "owner": r.owner or "",
                       "timeline": r.timeline or "", "review_on": _value(r.review_on), "done": bool(r.done)}
                      for r in mine.itertuples()]})
    return html.plan_section(content.framework, areas)


def summary_html(store, session_id: int, content=None) -> str:
    """The team summary of session ``session_id`` as one printable HTML page (no scripts; prints on letter paper)."""
    from ..content.frameworks import load_content

    content = content or load_content()
    session = store.session(session_id)
    district = store.district_by_id(session.district_id)
    min_group = max(int(session.min_group_size), 1)
    notes = store.notes(session.id)
    planned = store.plan_areas(session.id)
    marks = store.spectrum_marks(session.id)
    cmarks = store.condition_marks(session.id)
    counts = {"joined": len(store.respondents(session.id)), "charted": analysis.members_marked(marks),
              "rated": int(cmarks.dropna(subset=["rating"])["respondent_id"].nunique()) if not cmarks.empty else 0}
    body = (html.title_section(district.name, district.synthetic, session.label, session.held_on, counts, min_group)
            + html.foundation_section(content.guides.guide_1, _team_answers(notes),
                                      store.desired_outcomes(session.id))
            + _pathway_part(content, store, session, notes, marks, min_group)
            + _conditions_part(content, store, session, notes, min_group, planned)
            + _plan_part(content, store, session, notes, planned))
    fictional = " (fictional demo data)" if district.synthetic and "fictional" not in district.name.lower() else ""
    header = f"{district.name}{fictional} · {session.label} · Team summary"
    return html.page(f"Team summary: {district.name}, {session.label}", header, body, content)


def summary_pdf(store, session_id: int, path, content=None, timeout: float = 120) -> Path:
    """The team summary printed to ``path`` (a .pdf) with headless Chromium, written atomically; returns ``path``.

    Raises :class:`InvalidInput` in plain words when no Chromium is found (the HTML summary prints from any
    browser), or when ``path`` is not a .pdf.
    """
    from .batch import chromium, print_pdf

    path = Path(path)
    if path.suffix.lower() != ".pdf":
        raise InvalidInput(f"Print the team summary to a .pdf file, not {str(path)!r}.")
    try:
        chromium()
    except InvalidInput:
        raise InvalidInput("The team summary's PDF is printed with Chromium, and none was found: install Debian's "
                           "chromium (apt-get install chromium) or set WORKBOOK_CHROMIUM to its path. The HTML "
                           "summary prints from any browser.") from None
    page = summary_html(store, session_id, content)
    path.parent.mkdir(parents=True, exist_ok=True)
    # beside the target, so the finished PDF is renamed into place on the same file system
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".team-summary-") as folder:
        source = Path(folder) / "team-summary.html"
        source.write_text(page, encoding="utf-8")
        printed = print_pdf(source, timeout=timeout)
        os.replace(printed, path)
    return path


def write_summary(store, session_id: int, path, content=None) -> Path:
    """The team summary written to ``path``: a .html page (written atomically) or a .pdf printed with Chromium."""
    from ..content.files import write_atomic

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return summary_pdf(store, session_id, path, content)
    if suffix not in (".html", ".htm"):
        raise InvalidInput(f"Write the team summary to a .html or .pdf file, not {str(path)!r}.")
    return write_atomic(path, summary_html(store, session_id, content))
