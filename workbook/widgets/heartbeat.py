"""An open page keeps its kernel, and a page that lost its kernel says so before anything is lost.

Voila leaves a closed page's kernel running, so the server culls kernels that have been idle
for a while (``--cull-idle``). A member who listens to the discussion for five minutes has an
idle kernel too, and culling it would leave a page that looks alive while its changes go
nowhere. So every page carries a :class:`Heartbeat`: its browser side pings the kernel every
``interval`` seconds while the page is open (each ping is a message the kernel answers, which
counts as activity), so only pages that are closed or asleep go idle and are culled.

When a ping goes unanswered (the kernel was culled while the device slept, the server
stopped, the network dropped), the page is covered by a plain message, *before* the member
can make a change that would not be saved: what was saved is safe, and the button reopens
the page (for a member, their personal link) on a new kernel with every saved answer.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = r"""
const MESSAGE = 'This page has lost its connection to the workbook, so changes made now would not be saved. '
  + 'Everything saved before is safe. Reopen the page to carry on where you left off.';

function render({ model, el }) {
  el.style.display = 'none';
  let sent = 0, answered = 0, lost = false, timer = null;
  document.body.dataset.wbConnection = 'ok';
  function cover() {
    if (lost) return;
    lost = true;
    document.body.dataset.wbConnection = 'lost';
    const box = document.createElement('div');
    box.className = 'wb-lost';
    box.setAttribute('role', 'alertdialog');
    box.setAttribute('aria-modal', 'true');
    box.setAttribute('aria-labelledby', 'wb-lost-title');
    box.innerHTML = '<div class="wb-lost-card"><h2 id="wb-lost-title">Connection lost</h2><p></p>'
      + '<button type="button" class="wb-lost-reopen">Reopen this page</button></div>';
    box.querySelector('p').textContent = MESSAGE;
    const button = box.querySelector('button');
    const reopen = () => window.location.assign(model.get('reopen_url') || window.location.href);
    button.addEventListener('click', reopen);
    document.body.append(box);
    button.focus();
  }
  // two pings in a row left unanswered (a busy kernel in a room starting many still answers within seconds)
  let misses = 0;
  function ping() {
    if (lost) return;
    const n = ++sent;
    try { model.send({ ping: n }); } catch (err) { cover(); return; }
    setTimeout(() => {
      if (answered >= n) { misses = 0; return; }
      if (++misses >= 2) cover(); else ping();
    }, model.get('patience') * 1000);
  }
  model.on('msg:custom', (msg) => { if (msg && msg.pong) answered = Math.max(answered, msg.pong); });
  function schedule() {
    clearInterval(timer);
    timer = setInterval(ping, model.get('interval') * 1000);
  }
  schedule();
  model.on('change:interval', schedule);
  // a device waking up, or a member coming back to the page: check at once, before their next change
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') ping(); });
  window.addEventListener('pageshow', ping);
  window.addEventListener('online', ping);
  ping();
  return () => clearInterval(timer);
}
export default { render };
"""

_CSS = """
.wb-lost { position: fixed; inset: 0; z-index: 10000; background: rgba(31, 41, 51, 0.72);
           display: flex; align-items: center; justify-content: center; padding: 16px; }
.wb-lost-card { background: #FFFFFF; color: #1F2933; max-width: 34em; padding: 24px 28px; border-radius: 8px;
                font-size: 17px; line-height: 1.5; box-shadow: 0 8px 24px rgba(0, 0, 0, 0.3); }
.wb-lost-card h2 { margin-top: 0; }
.wb-lost-reopen { font-size: 17px; padding: 10px 18px; border-radius: 6px; border: 0; background: #1B4F72;
                  color: #FFFFFF; cursor: pointer; }
.wb-lost-reopen:focus { outline: 3px solid #F5B041; outline-offset: 2px; }
"""


class Heartbeat(anywidget.AnyWidget):
    """Pings the kernel from the open page; covers the page with a plain message when the kernel is gone."""

    _esm = _ESM
    _css = _CSS
    interval = traitlets.Float(30.0, help="seconds between pings (well below the server's cull timeout)").tag(
        sync=True)
    patience = traitlets.Float(10.0, help="seconds a ping may wait for its answer").tag(sync=True)
    reopen_url = traitlets.Unicode("", help="where 'Reopen' goes (a member's personal link; default: the page)").tag(
        sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pings = 0
        self.on_msg(self._answer)

    def _answer(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and isinstance(content.get("ping"), int):
            self.pings += 1
            self.send({"pong": content["ping"]})


_current: Heartbeat | None = None


def current() -> Heartbeat:
    """The heartbeat of the page this kernel serves (a Voila kernel serves one), made on first use.

    Its ping interval is a quarter of the server's cull timeout (``WORKBOOK_CULL_IDLE``, set by
    ``workbook serve``), at most 30 s, so an open page is never idle long enough to be culled.
    """
    global _current
    if _current is None:
        import os

        try:
            cull = float(os.environ.get("WORKBOOK_CULL_IDLE") or 300)
        except ValueError:
            cull = 300.0
        _current = Heartbeat(interval=max(1.0, min(30.0, cull / 4)))
    return _current


def reopen_at(url: str) -> None:
    """Send 'Reopen this page' to ``url`` (a member's personal link, which restores their answers)."""
    current().reopen_url = url
