"""Views that update by themselves, the way the polling tools a room knows do.

The facilitator's and the projector's views (team pathways, the presenter, the conditions team
view) show what members mark while they mark it. The open page asks its kernel every ``every``
seconds (only while the page is visible) whether anything changed; the kernel answers with a cheap
check (one small query: ``Store.session_stamp``) and redraws only when the stamp moved. A closed or
hidden page asks nothing, so it costs the server nothing; Refresh stays for the impatient.
"""

from __future__ import annotations

from collections.abc import Callable

import anywidget
import traitlets

_ESM = r"""
function render({ model, el }) {
  el.style.display = 'none';
  let timer = null, waiting = false, n = 0;
  function ask() {
    if (document.visibilityState !== 'visible' || waiting) return;
    waiting = true;
    try { model.send({ poll: ++n }); } catch (err) { waiting = false; }
    setTimeout(() => { waiting = false; }, Math.max(2000, model.get('every') * 2000));
  }
  model.on('msg:custom', (msg) => { if (msg && msg.polled) waiting = false; });
  function schedule() {
    clearInterval(timer);
    if (model.get('every') > 0) timer = setInterval(ask, model.get('every') * 1000);
  }
  schedule();
  model.on('change:every', schedule);
  document.addEventListener('visibilitychange', ask);
  return () => clearInterval(timer);
}
export default { render };
"""


class Live(anywidget.AnyWidget):
    """Asks the kernel every ``every`` seconds (page visible) and calls ``on_change`` when ``check()`` moved.

    ``check`` returns anything comparable (a stamp of the session); ``on_change`` redraws the page.
    The first check only records the stamp the page was drawn with.
    """

    _esm = _ESM
    every = traitlets.Float(2.0, help="seconds between checks while the page is visible (0: never)").tag(sync=True)

    def __init__(self, check: Callable[[], object], on_change: Callable[[], None], **kwargs):
        super().__init__(**kwargs)
        self._check, self._on_change = check, on_change
        self.stamp = self._safe_check()
        self.updates = 0
        self.on_msg(self._polled)

    def _safe_check(self):
        try:
            return self._check()
        except Exception:  # the store is briefly unreachable: try again at the next poll
            return None

    def poll(self) -> bool:
        """Check once; redraw when the stamp moved. True when the page was redrawn."""
        stamp = self._safe_check()
        if stamp is None or stamp == self.stamp:
            return False
        self.stamp = stamp
        self.updates += 1
        self._on_change()
        return True

    def _polled(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and isinstance(content.get("poll"), int):
            try:
                self.poll()
            finally:
                self.send({"polled": content["poll"]})
