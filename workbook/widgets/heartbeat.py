"""An open page keeps its kernel, says when a change waits in the browser, and says so when its kernel is gone.

Voila leaves a closed page's kernel running, so the server culls kernels that have been idle
for a while (``--cull-idle``). A member who listens to the discussion for five minutes has an
idle kernel too, and culling it would leave a page that looks alive while its changes go
nowhere. So every page carries a :class:`Heartbeat`: its browser side pings the kernel every
``interval`` seconds while the page is open (each ping is a message the kernel answers, which
counts as activity), so only pages that are closed or asleep go idle and are culled.

When the connection to the kernel drops (a Wi-Fi blip, a server restarting), the page's widget
connection queues what the member changes and sends it when it is back; the kernel's status line
("All changes saved") cannot know of those changes. So the browser side watches the connection and
the changes leaving the page: a change made while the connection is down puts the page's own words
in the status line at once ("Not connected: your change will be saved when the connection returns"),
and the kernel's line comes back only when the kernel has answered a ping sent after the last such
change (it handles a page's messages in order, so its status then speaks for them). Meanwhile the
page asks the server every ``recheck`` seconds whether its kernel is still there: no answer is the
network (the page waits, and reconnects the moment the server answers); "no such kernel" is a kernel
that is gone.

A page whose kernel is gone (the server does not know it any more, its pings go unanswered over a
working connection, the kernel died) is covered by a plain message *before* the member can make a
change that would not be saved: what was saved is safe, and the button reopens the page (for a
member, their personal link) on a new kernel with every saved answer.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = r"""
const MESSAGE = 'This page has lost its connection to the workbook, so changes made now would not be saved. '
  + 'Everything saved before is safe. Reopen the page to carry on where you left off.';
const OFFLINE = 'Not connected: your change will be saved when the connection returns.';
const RESUMING = 'Connected again: saving your change…';

function render({ model, el }) {
  el.style.display = 'none';
  const manager = model.widget_manager;
  const kernel = (manager && manager.kernel) || null;  // the page's kernel connection (Voila's widget manager)
  let sent = 0, answered = 0, lost = false, timer = null, probing = null, epoch = 0;
  // changes the kernel has not confirmed: made while its connection was down, or sent after the confirming ping
  let changes = 0, waiting = false, confirming = 0, confirmingAt = 0;
  document.body.dataset.wbConnection = 'ok';
  document.body.dataset.wbChanges = 'saved';
  const connected = () => !kernel || kernel.connectionStatus === 'connected';

  function cover() {
    if (lost) return;
    lost = true;
    clearInterval(probing);
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

  // the page's own status line, in place of the kernel's, while a change waits in the browser: the
  // kernel's line speaks only for the changes it has heard of. Made (empty) when the connection drops, so
  // a screen reader hears the words when they come, as it hears the kernel's line; gone when all is sent.
  function lines() {
    const own = [];
    for (const line of document.querySelectorAll('.wb-saver')) {
      let mine = line.querySelector(':scope > .wb-status-browser');
      if (!mine) {
        mine = document.createElement('div');
        mine.className = 'wb-status wb-error wb-status-browser';
        mine.setAttribute('role', 'status');
        mine.setAttribute('aria-live', 'polite');
        line.prepend(mine);
      }
      own.push([line, mine]);
    }
    return own;
  }
  function say() {
    const text = connected() ? RESUMING : OFFLINE;
    for (const [line, mine] of lines()) {
      line.classList.add('wb-unsent');
      if (mine.textContent !== text) mine.textContent = text;
    }
    document.body.dataset.wbChanges = 'waiting';
  }
  function unsay() {
    for (const line of document.querySelectorAll('.wb-saver')) {
      line.classList.remove('wb-unsent');
      const mine = line.querySelector(':scope > .wb-status-browser');
      if (mine) mine.remove();
    }
    document.body.dataset.wbChanges = 'saved';
  }
  function changed() {
    changes += 1;
    if (lost) return;
    if (!connected()) waiting = true;
    if (waiting) { say(); confirm(); }
  }
  // the kernel has heard of every change once it answers a ping sent after the last of them: the kernel
  // handles a page's messages in order, and the connection sends what it queued while down before anything
  // sent later. Its status line, updated before that answer, then speaks for them all.
  function confirm() {
    if (!waiting || lost || !connected() || confirming > answered) return;
    confirmingAt = changes;
    confirming = send();
  }
  function confirmed(n) {
    if (!waiting || !confirming || n < confirming) return;
    confirming = 0;
    if (changes === confirmingAt && connected()) { waiting = false; unsay(); }
    else confirm();  // a change left after the ping (one the widget held back until the kernel answered)
  }
  function send() {
    const n = ++sent;
    try { model.send({ ping: n }); } catch (err) { if (kernel && kernel.status === 'dead') cover(); }
    return n;
  }

  // a change leaving the page for the kernel: a widget's new value, or a button's click
  if (kernel && kernel.anyMessage) {
    kernel.anyMessage.connect((_k, args) => {
      if (!args || args.direction !== 'send' || !args.msg || args.msg.header.msg_type !== 'comm_msg') return;
      const data = (args.msg.content && args.msg.content.data) || {};
      if (data.method === 'update' || (data.method === 'custom' && data.content && data.content.event === 'click')) {
        changed();
      }
    });
  }
  // a change made in the page while the connection is down, which a widget may hold back instead of sending
  const typed = () => { if (!connected()) changed(); };
  document.addEventListener('input', typed, true);
  document.addEventListener('change', typed, true);

  // while the connection is down: is it the network, or is the kernel gone? The server answers for its
  // kernels; no answer at all is the network (the page waits and says so), "no such kernel" is a kernel
  // that is gone (culled, or its server restarted), and any other answer means the way is open again.
  let asking = false, kicked = 0;
  async function probe() {
    if (!kernel || lost || connected() || asking) return;
    asking = true;
    const settings = kernel.serverSettings || {};
    const base = (settings.baseUrl || '/').replace(/\/?$/, '/');
    const headers = settings.token ? { Authorization: 'token ' + settings.token } : {};
    const stop = new AbortController();
    const limit = setTimeout(() => stop.abort(), model.get('patience') * 1000);
    try {
      const response = await fetch(base + 'api/kernels/' + encodeURIComponent(kernel.id),
        { headers, cache: 'no-store', credentials: 'same-origin', signal: stop.signal });
      if (response.status === 404) cover();
      else if (response.status < 500 && !connected() && Date.now() - kicked > model.get('patience') * 1000) {
        // the way is open: reconnect at once, not after the connection's next pause (one try per patience, so a
        // slow handshake is not cut short); a proxy's 502-504 says its server is out of reach, so keep waiting
        kicked = Date.now();
        kernel.reconnect().catch(() => {});
      }
    } catch (err) {
      // no answer: still no network
    } finally {
      clearTimeout(limit);
      asking = false;
    }
  }
  function connection() {
    epoch += 1;
    if (lost) return;
    if (connected()) {
      clearInterval(probing);
      probing = null;
      document.body.dataset.wbConnection = 'ok';
      misses = 0;
      kicked = 0;
      if (waiting) { say(); confirming = 0; confirm(); } else unsay();
      ping();
    } else {
      document.body.dataset.wbConnection = 'reconnecting';
      if (waiting) say(); else lines();
      if (!probing) probing = setInterval(probe, model.get('recheck') * 1000);
      probe();
    }
  }
  if (kernel) {
    kernel.connectionStatusChanged.connect(connection);
    kernel.statusChanged.connect(() => { if (kernel.status === 'dead') cover(); });
  }

  // two pings in a row left unanswered while connected (a busy kernel in a room starting many still answers
  // within seconds); while the connection is down the kernel cannot answer, and the checks above decide
  let misses = 0;
  function ping() {
    if (lost || !connected()) return;
    const n = send(), at = epoch;
    setTimeout(() => {
      if (answered >= n || at !== epoch || !connected()) { if (answered >= n) misses = 0; return; }
      if (++misses >= 2) cover(); else ping();
    }, model.get('patience') * 1000);
  }
  model.on('msg:custom', (msg) => {
    if (msg && msg.pong) { answered = Math.max(answered, msg.pong); confirmed(msg.pong); }
  });
  function schedule() {
    clearInterval(timer);
    timer = setInterval(ping, model.get('interval') * 1000);
  }
  schedule();
  model.on('change:interval', schedule);
  // a device waking up, or a member coming back to the page: check at once, before their next change
  const check = () => { if (connected()) ping(); else probe(); };
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') check(); });
  window.addEventListener('pageshow', check);
  window.addEventListener('online', check);
  ping();
  return () => { clearInterval(timer); clearInterval(probing); };
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
.wb-saver.wb-unsent .wb-status:not(.wb-status-browser) { display: none; }
.wb-saver:not(.wb-unsent) > .wb-status-browser { display: block; min-height: 0; margin: 0; padding: 0; border: 0;
                                                background: none; }
"""


class Heartbeat(anywidget.AnyWidget):
    """Pings the kernel from the open page; covers the page with a plain message when the kernel is gone."""

    _esm = _ESM
    _css = _CSS
    interval = traitlets.Float(30.0, help="seconds between pings (well below the server's cull timeout)").tag(
        sync=True)
    patience = traitlets.Float(10.0, help="seconds a ping may wait for its answer").tag(sync=True)
    recheck = traitlets.Float(2.0, help="seconds between checks of the server while the connection is down").tag(
        sync=True)
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
