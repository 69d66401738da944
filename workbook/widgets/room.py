"""A member page's quiet line saying where the room is: "The room has moved on to …".

The facilitator moves the room through the run of show (:mod:`workbook.content.retreat`); a member who is still on
an earlier page sees, without a click, that the room has gone on, and which page the new step uses. The
line polls ``Store.current_step`` (one small query) with the same :class:`~workbook.widgets.live.Live`
widget the team views use, and is empty while the room's step is one this page is for (or before the
facilitator starts). :class:`StepClock` is the run of show's clock of the step, counted in the browser.
"""

from __future__ import annotations

import anywidget
import ipywidgets as w
import traitlets

from ..content import retreat
from ..content.render import esc
from .live import Live


class RoomLine(w.VBox):
    """``RoomLine(store, session, page)``: the room's step, shown when it is not one ``page`` is for.

    ``page`` is the notebook of the page the line sits on (``"charting_your_path.ipynb"``). ``every`` is the
    seconds between checks while the page is visible.
    """

    def __init__(self, store, session, page: str | None = None, every: float = 4.0):
        self.store, self.session, self.page = store, session, page
        self.member, self.district_slug = None, None
        self.line = w.HTML()
        self.line.add_class("wb-room-line")
        self.step = None
        self.live = Live(check=self._check, on_change=self.draw, every=every)
        super().__init__([self.line, self.live])
        self.add_class("wb-room")
        self.step = self.live.stamp[1] if isinstance(self.live.stamp, tuple) else None
        self._show()

    def follow(self, member, district_slug: str) -> None:
        """Once the page knows its member: the line links the room's page with the member's personal token.

        A member who answered Laying the Foundation and is asked to open Charting Your Path carries on as
        themselves (same member, same counts), instead of entering name and role again as a second member.
        """
        self.member, self.district_slug = member, district_slug
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
        title = esc(retreat.APP_TITLES.get(s.app, s.app)) if s.app else ""
        if s.app and self.member is not None:
            from ..links import app_link

            url = app_link(s.app, district=self.district_slug, session=self.session.id, me=self.member.token)
            where = f": <a class='wb-room-go' href='{esc(url)}' target='_top'>open {title}</a> (as yourself)"
        elif s.app:
            where = f" (open {title})"
        else:
            where = ": look up at the projector"
        self.line.value = (f"<p class='wb-muted' role='status' aria-live='polite' style='margin:4px 0'>The room has "
                           f"moved on to <strong>{esc(s.title)}</strong>{where}.</p>")


_CLOCK_ESM = r"""
function render({ model, el }) {
  el.className = 'wb-clock';
  el.setAttribute('role', 'timer');
  let base = 0, arrived = performance.now();
  function take() { base = model.get('elapsed'); arrived = performance.now(); draw(); }
  function two(n) { return String(n).padStart(2, '0'); }
  function draw() {
    if (base < 0) { el.textContent = model.get('idle'); el.classList.remove('wb-clock-over'); return; }
    const s = Math.max(0, Math.floor(base + (performance.now() - arrived) / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    const text = (h ? h + ':' + two(m) : String(m)) + ':' + two(s % 60);
    const limit = model.get('minutes') * 60;
    el.textContent = text + ' since this step began' + (limit ? ' · ' + model.get('minutes') + ' min suggested' : '');
    el.classList.toggle('wb-clock-over', limit > 0 && s > limit);
  }
  take();
  model.on('change:elapsed', take);
  model.on('change:minutes', draw);
  const timer = setInterval(draw, 1000);
  return () => clearInterval(timer);
}
export default { render };
"""


class StepClock(anywidget.AnyWidget):
    """A clock that counts, in the browser, the time since the room's step began (no message a second).

    ``start(elapsed)`` sets the seconds already gone when the step began earlier (a reloaded page); ``minutes``
    is the step's suggested length, past which the clock shows it is over (``wb-clock-over``); ``stop()``
    shows ``idle`` instead.
    """

    _esm = _CLOCK_ESM
    _css = ".wb-clock { font-variant-numeric: tabular-nums; font-size: 1.1rem; } " \
           ".wb-clock-over { color: #B42318; font-weight: 700; }"
    elapsed = traitlets.Float(-1.0, help="seconds since the step began when this value was set (<0: no step)"
                              ).tag(sync=True)
    minutes = traitlets.Int(0, help="the step's suggested minutes (0: none)").tag(sync=True)
    idle = traitlets.Unicode("Not started").tag(sync=True)

    def start(self, elapsed: float = 0.0, minutes: int | None = None) -> None:
        """Count from ``elapsed`` seconds (a fresh value each time, so the browser restarts its count)."""
        if minutes is not None:
            self.minutes = int(minutes)
        # nudge by a hair so setting the same value twice still reaches the browser as a change
        self.elapsed = max(0.0, float(elapsed)) + (1e-6 if self.elapsed == max(0.0, float(elapsed)) else 0.0)

    def stop(self) -> None:
        """Show ``idle`` (no step yet)."""
        self.elapsed = -1.0
