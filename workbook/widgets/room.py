"""A member page's quiet line saying where the room is: "The room has moved on to …".

The facilitator moves the room through the run of show (:mod:`workbook.retreat`); a member who is still on
an earlier page sees, without a click, that the room has gone on, and which page the new step uses. The
line polls ``Store.current_step`` (one small query) with the same :class:`~workbook.widgets.live.Live`
widget the team views use, and is empty while the room's step is one this page is for (or before the
facilitator starts).
"""

from __future__ import annotations

import ipywidgets as w

from .. import retreat
from ..render import esc
from .live import Live


class RoomLine(w.VBox):
    """``RoomLine(store, session, page)``: the room's step, shown when it is not one ``page`` is for.

    ``page`` is the notebook of the page the line sits on (``"charting_your_path.ipynb"``). ``every`` is the
    seconds between checks while the page is visible.
    """

    def __init__(self, store, session, page: str | None = None, every: float = 4.0):
        self.store, self.session, self.page = store, session, page
        self.line = w.HTML()
        self.line.add_class("wb-room-line")
        self.step = None
        self.live = Live(check=self._check, on_change=self.draw, every=every)
        super().__init__([self.line, self.live])
        self.add_class("wb-room")
        self.step = self.live.stamp[1] if isinstance(self.live.stamp, tuple) else None
        self._show()

    def _check(self):
        # a tuple, never None: "not started" (None) is a step the line follows too
        return ("step", self.store.current_step(self.session.id))

    def draw(self) -> None:
        """Read the room's step again (what a poll does when it moved) and show or clear the line."""
        stamp = self.live.stamp
        self.step = stamp[1] if isinstance(stamp, tuple) else self.store.current_step(self.session.id)
        self._show()

    def _show(self) -> None:
        s = retreat.step(self.step)
        if s is None or (self.page is not None and s.app == self.page):
            self.line.value = ""
            return
        if s.app:
            where = f" (open {esc(retreat.APP_TITLES.get(s.app, s.app))})"
        else:
            where = ": look up at the projector"
        self.line.value = (f"<p class='wb-muted' role='status' aria-live='polite' style='margin:4px 0'>The room has "
                           f"moved on to <strong>{esc(s.title)}</strong>{where}.</p>")
