"""Who is answering: name and role, a start button, and the member's personal link."""

from __future__ import annotations

import ipywidgets as w

from ..content.errors import WorkbookError
from ..content.validation import ROLES
from ..links import app_link
from ..store import Respondent, Store
from . import heartbeat
from .page import esc, html, message, shared


class Identity(w.VBox):
    """Asks a new member for name and role (or shows a returning member's), then hands over the member.

    ``on_member(fn)`` registers ``fn(member)``, called once the member exists. Later edits
    of name or role are saved through ``saver``.
    """

    def __init__(self, store: Store, district, session, notebook: str, saver, member: Respondent | None = None,
                 verb: str = "Start"):
        self.store, self.district, self.session, self.notebook, self.saver = store, district, session, notebook, saver
        self.member = member
        self._callbacks = []
        self.name = w.Text(description="Your name", placeholder="e.g. Jordan Lee", continuous_update=False,
                           style={"description_width": "initial"})
        self.role = w.Dropdown(description="Your role", options=[("Choose your role", "")] + [(r, r) for r in ROLES],
                               style={"description_width": "initial"})
        self.start = w.Button(description=verb, button_style="primary")
        self.start.on_click(lambda _b: self.begin())
        self.msg = html()
        self.link = html()
        # name, role and start: a row that wraps, one below the other on a phone (theme.py: .wb-identity)
        fields = w.HBox([self.name, self.role, self.start], layout=shared(w.Layout))
        fields.add_class("wb-identity")
        super().__init__([
            html("<h2>Who is answering?</h2><p class='wb-muted'>Your name and role let the team compare answers. "
                   "Team views and reports show roles, not names, unless your team decides otherwise.</p>"),
            fields, self.msg, self.link],
            layout=shared(w.Layout))
        self.add_class("wb-card")
        if member is not None:
            self.name.value, self.role.value = member.name, member.role
            self._ready()
        self.name.observe(self._edit, "value")
        self.role.observe(self._edit, "value")

    def on_member(self, fn) -> None:
        """Call ``fn(member)`` once the member exists (at once if they already do)."""
        self._callbacks.append(fn)
        if self.member is not None:
            fn(self.member)

    def begin(self) -> None:
        """Create the member from the name and role entered (refused with a message when either is missing)."""
        if self.member is not None:
            return
        try:
            self.member = self.store.add_respondent(self.session.id, self.name.value, self.role.value or "")
        except WorkbookError as exc:
            self.msg.value = message(str(exc)).value
            return
        self.msg.value = ""
        self._ready()
        for fn in self._callbacks:
            fn(self.member)

    def _ready(self) -> None:
        member = self.member
        assert member is not None  # called once the member exists (__init__ and begin)
        self.start.layout.display = "none"
        url = app_link(self.notebook, district=self.district.slug, session=self.session.id, me=member.token)
        heartbeat.reopen_at(url)
        self.link.value = (
            "<div class='wb-notice'><strong>Your personal link</strong> brings back your answers on any device. "
            f"Bookmark it or copy it somewhere safe:<br><span class='wb-link'>{esc(url)}</span></div>")

    def _edit(self, change) -> None:
        if self.member is None:
            return
        field = "name" if change["owner"] is self.name else "role"

        def save():
            member = self.member  # read when the save runs: a retried save updates the latest member
            assert member is not None  # never None again once set
            self.member = self.store.update_respondent(member, **{field: change["new"]})
        self.saver.save(("identity", field), save)
