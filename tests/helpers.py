"""Helpers the test modules share (one copy of each): ports, widget trees, marks frames."""

from __future__ import annotations

import socket

COLUMNS = ["respondent_id", "name", "role", "spectrum", "current", "aspiration"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def walk(widget):
    """The widget and every widget below it, depth first."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def page_text(page) -> str:
    """Every HTML and Label value on the page, joined by new lines."""
    import ipywidgets as w

    return "\n".join(x.value for x in walk(page) if isinstance(x, (w.HTML, w.Label)))


def marks_frame(data: dict, roles: dict | None = None):
    """``{respondent_id: {spectrum: (current, aspiration)}}`` as a marks frame (the store's columns)."""
    import pandas as pd

    roles = roles or {}
    rows = [(rid, f"Member {rid}", roles.get(rid, "teacher"), sid, cur, asp)
            for rid, by_spectrum in data.items() for sid, (cur, asp) in by_spectrum.items()]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"current": float, "aspiration": float})


def names_chosen(store, session_id: int) -> None:
    """Make a session one whose team chose, before anyone joined, to show members' names.

    The store refuses to change the privacy settings once members joined; tests that start from the demo team
    (already joined) and need names shown set the session up as if the team had chosen names from the start.
    """
    from workbook.store import schema

    t = schema.tables
    store.transaction(lambda c: c.execute(t.sessions.update().where(t.sessions.c.id == session_id)
                                          .values(show_authors=True)), write=True)
