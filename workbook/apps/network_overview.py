"""Network overview for coaches: every district's pathway, filters by the survey's segments, peers, movement."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import ipywidgets as w
import pandas as pd

from .. import analysis, charts
from ..content import render
from ..content.errors import WorkbookError
from ..content.frameworks import load_content
from ..content.render import counted
from ..content.validation import NETWORK_MIN_GROUP
from ..store import Store
from ..widgets.access import query_params
from ..widgets.chart import PlotView
from ..widgets.page import Page, error_page, esc, header

TITLE = "Network overview"
LEDE = ("Every district's current pathway (the median of its latest session) across your network, one box per "
        "spectrum as in the national survey. Filter by the survey's segments, pick a district to highlight it, "
        "and see its most similar peers: the districts whose pathways lie nearest.")
MIN_MEMBERS = NETWORK_MIN_GROUP
FILTERS = tuple((key, analysis.SEGMENT_NAMES[key]) for key in ("kind", "size", "urbanicity", "frl", "years", "engaged"))
"""The filters: the survey's segments, named as its charts of respondents name them (see ``analysis.segments``)."""


class NetworkOverview(Page):
    """The coach's Network overview page: districts' median pathways, filtered by segment, one district's peers."""

    def __init__(self, store: Store, content, highlight: str | None = None, min_members: int = MIN_MEMBERS):
        self.store, self.content = store, content
        self.table, summaries = store.network_view()
        if "engaged_percent" not in self.table.columns:  # a store whose network view does not read it yet
            engaged = {d.slug: getattr(d, "engaged_percent", None) for d in store.districts()}
            self.table["engaged_percent"] = [engaged.get(slug) for slug in self.table.index]
        self.segments = analysis.segments(self.table)
        self.pathways = analysis.summary_pathways(summaries, min_members)
        self.filters = {}
        for key, label in FILTERS:
            present = set(self.segments[key].dropna())
            values = [v for v in analysis.SEGMENT_ORDER[key] if v in present] + sorted(
                present - set(analysis.SEGMENT_ORDER[key]))
            dd = w.Dropdown(description=label, options=[("All", "")] + [(str(v), v) for v in values],
                            style={"description_width": "initial"})
            dd.observe(lambda _c: self.draw(), "value")
            self.filters[key] = dd
        names = self.table["name"].to_dict()
        choices = [("—", "")] + [(f"{names[s]} ({s})", s) for s in self.pathways.index]
        self.district = w.Dropdown(description="District", options=choices, style={"description_width": "initial"},
                                   value=highlight if highlight in self.pathways.index else "")
        self.district.observe(lambda _c: self.draw(), "value")
        self.latest = {s["district"]: s["session_id"] for s in summaries}  # the session each pathway is from
        self.min_members = min_members
        self.summary, self.peers, self.plot, self.movement = w.HTML(), w.HTML(), PlotView(), PlotView()
        self.movement_note = w.HTML()
        controls = w.VBox([w.HBox(list(self.filters.values())[:3], layout=w.Layout(flex_flow="row wrap")),
                           w.HBox(list(self.filters.values())[3:] + [self.district],
                                  layout=w.Layout(flex_flow="row wrap"))])
        controls.add_class("wb-card")
        detail = w.VBox([self.peers, self.movement_note, self.movement])
        detail.add_class("wb-card")
        super().__init__([header(TITLE, LEDE), controls, self.summary, self.plot, detail,
                          w.HTML(render.attribution(content))],
                         summary=f"{TITLE}: {len(self.pathways)} district(s) with at least {min_members} members")
        self.draw()

    def named_segments(self) -> pd.DataFrame:
        """The segments with the survey's names as columns (what a peer's "segments in common" reads)."""
        return self.segments.rename(columns=analysis.SEGMENT_NAMES)

    def selected(self) -> pd.Index:
        """The districts shown: those with enough members that match every filter picked."""
        keep = self.segments.index.intersection(self.pathways.index)
        seg = self.segments.loc[keep]
        for key, dd in self.filters.items():
            if dd.value:
                seg = seg[seg[key] == dd.value]
        return seg.index

    def draw(self) -> None:
        """Redraw the count, the network chart and, for a picked district, its nearest peers and its movement."""
        chosen = self.selected()
        slug = self.district.value or None
        peer_table = pd.DataFrame()
        if slug:
            pool = self.pathways.loc[chosen.union([slug])]
            peer_table = analysis.peers(pool, slug, k=5, segments=self.named_segments())
        self.summary.value = (f"<p role='status'>Showing <strong>{len(chosen)}</strong> of "
                              f"{counted(len(self.pathways), 'district')} (a district shows once {MIN_MEMBERS} "
                              "members have charted a pathway).</p>")
        shown = self.pathways.loc[chosen.union([slug]) if slug else chosen]
        # the column, or the default: pandas' get() reads as possibly None
        peers = cast(Iterable[str], peer_table.get("district", []))
        # plain dicts (charts.Spec): a thousand districts' points are not copied and validated by plotly first
        self.plot.show(charts.network.spec(self.content.spectra, shown, highlight=slug, peers=list(peers)))
        self.peers.value = peers_html(self.table, peer_table, slug)
        if slug:
            figure, note = movement_figure(self.store, self.content, slug, self.min_members, self.latest.get(slug))
            self.movement.show(figure)
            self.movement_note.value = note
            self.movement.layout.display = self.movement_note.layout.display = ""
        else:
            self.movement.layout.display = self.movement_note.layout.display = "none"


def peers_html(table: pd.DataFrame, peer_table: pd.DataFrame, slug: str | None) -> str:
    """The picked district's most similar peers in a table (distance, segments in common), or a prompt to pick one."""
    if not slug:
        return "<h2>Most similar peers</h2><p class='wb-muted'>Pick a district to see its nearest peers.</p>"
    if peer_table.empty:
        return "<h2>Most similar peers</h2><p class='wb-muted'>No other district to compare with.</p>"
    rows = "".join(  # named tuples, which pandas types as plain ones
        f"<tr><th scope='row'>{esc(table.loc[r.district, 'name'])}</th><td>{r.distance:.2f}</td>"
        f"<td>{esc(r.shared or '—')}</td></tr>" for r in cast(Iterable[Any], peer_table.itertuples()))
    return (f"<h2>Most similar peers of {esc(table.loc[slug, 'name'])}</h2><table class='wb-table'><thead><tr>"
            "<th scope='col'>District</th><th scope='col'>Distance (0 = same pathway)</th><th scope='col'>Segments "
            f"in common</th></tr></thead><tbody>{rows}</tbody></table>")


def movement_sessions(sessions: list, latest_id: int | None = None) -> tuple:
    """The two sessions a district's movement runs between: ``(earlier or None, latest)``.

    The latest is ``latest_id`` (the session the network's pathway is from) or the last of ``sessions``
    (oldest first). When the latest follows up an earlier session of the district, movement runs from that
    one; otherwise from the district's first other session. None when the district has held one session.
    """
    last = next((s for s in sessions if s.id == latest_id), sessions[-1])
    follows = getattr(last, "follows_session_id", None)  # set on a follow-up session
    others = [s for s in sessions if s.id != last.id]
    first = next((s for s in others if s.id == follows), others[0] if others else None)
    return first, last


def movement_figure(store: Store, content, slug: str, min_members: int = MIN_MEMBERS,
                    latest_id: int | None = None) -> tuple:
    """The district's median pathway in the two sessions of :func:`movement_sessions`, and a note about it.

    Returns ``(figure as a charts.Spec, note HTML)``. Each session's medians follow its own minimum group size (or
    ``min_members``, when larger; :func:`workbook.analysis.movement`): a session too small for it is not
    drawn, nor is a median fewer members marked, and the note says so in plain words.
    """
    first, last = movement_sessions(store.sessions(slug), latest_id)
    after = store.spectrum_marks(last.id)
    before = store.spectrum_marks(first.id) if first is not None else after.iloc[:0]
    limits = tuple(max(s.min_group_size, min_members) if s is not None else min_members for s in (first, last))
    shown = analysis.movement(before, after, limits)
    title = f"Movement: {first.label} → {last.label}" if first is not None else f"Movement: {last.label}"
    spec = charts.change.spec(content.spectra, shown["moved"], title=title)
    # a line with no point left (a session withheld) is not drawn at all: no legend entry, no hover
    spec["data"] = [t for t in spec.data if t.get("mode") != "lines+markers"
                    or any(x is not None for x in t.get("x", []))]
    notes = []
    if first is None:
        notes.append(f"{esc(last.label)} is the district's only session so far: its movement shows once it "
                     "meets again.")
    for side, session in (("before", first), ("after", last)):
        if session is None:
            continue
        least = shown["min_group"][side]
        if not shown["shown"][side]:
            notes.append(f"{esc(session.label)} is not drawn: fewer than {least} members marked it, and a "
                         "median of so few could show one member's own marks.")
        elif shown["withheld"][side]:
            notes.append(f"In {esc(session.label)}, spectra marked by fewer than {least} members are left out.")
    note = "".join(f"<p class='wb-muted'>{n}</p>" for n in notes)
    return spec, note


def network_overview(store: Store | None = None, params: dict | None = None, content=None, highlight=None,
                     db_url: str | None = None, trusted: bool = False) -> Page:
    """The coach's page, opened by the coach's link (``?code=<coach code>&district=<slug to highlight>``).

    ``trusted=True`` (papermill runs by someone who already holds the database) skips the code.
    """
    try:
        store = store or Store(db_url)
        content = content or load_content()
        if not trusted:
            params = query_params() if params is None else params
            store.check_coach_code(params.get("code"))
            highlight = params.get("district") or highlight
        return NetworkOverview(store, content, highlight)
    except WorkbookError as exc:
        return error_page(TITLE, exc)
