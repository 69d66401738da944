"""``MarkSlider``: a mark on a spectrum, drawn as a native range input.

A native ``<input type=range>`` is keyboard-operable and read out by screen readers
with its label and ``aria-valuetext`` ("Locus of Control, now: 2 of 5, toward
Centralized"); it starts *unmarked* (value ``None``) so a member's silence is never
recorded as a 3. The kernel re-checks every value it receives: a forged message with
a value outside the scale or off its steps is refused before anything is saved.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = r"""
function render({ model, el }) {
  const uid = 'wb' + Math.random().toString(36).slice(2, 10);
  const box = document.createElement('div');
  box.className = 'wb-mark wb-mark-' + model.get('kind');
  const top = document.createElement('div');
  top.className = 'wb-mark-top';
  const label = document.createElement('label');
  label.htmlFor = uid;
  const out = document.createElement('output');
  out.htmlFor = uid;
  out.className = 'wb-mark-value';
  top.append(label, out);
  const row = document.createElement('div');
  row.className = 'wb-mark-row';
  const left = document.createElement('span');
  left.className = 'wb-mark-pole';
  left.setAttribute('aria-hidden', 'true');
  const right = left.cloneNode();
  const middle = document.createElement('span');
  middle.className = 'wb-mark-middle';
  middle.setAttribute('aria-hidden', 'true');
  const input = document.createElement('input');
  input.type = 'range';
  input.id = uid;
  input.className = 'wb-range';
  row.append(left, input, right);
  box.append(top, row, middle);
  // what the mark is about (a spectrum card's question, poles and notes), drawn above it; set once, so a
  // member's open notes stay open while the mark moves
  const intro = document.createElement('div');
  intro.className = 'wb-mark-intro';
  const introduce = () => { intro.innerHTML = model.get('intro') || ''; intro.hidden = !model.get('intro'); };
  introduce();
  model.on('change:intro', introduce);
  el.append(intro, box);

  function describe(v) {
    if (v === null || v === undefined) return 'not marked yet';
    const mid = (model.get('min') + model.get('max')) / 2;
    const lean = v < mid ? 'toward ' + model.get('left')
      : (v > mid ? 'toward ' + model.get('right') : (model.get('middle') || 'an equal mix of both'));
    return v + ' of ' + model.get('max') + ', ' + lean;
  }
  function sync() {
    const v = model.get('value');
    input.min = model.get('min'); input.max = model.get('max'); input.step = model.get('step');
    input.disabled = model.get('disabled');
    label.textContent = model.get('label');
    input.setAttribute('aria-label', model.get('name'));
    left.textContent = model.get('left');
    right.textContent = model.get('right');
    middle.textContent = model.get('middle');
    middle.style.display = model.get('middle') ? '' : 'none';
    input.value = (v === null || v === undefined) ? (model.get('min') + model.get('max')) / 2 : v;
    box.classList.toggle('wb-unset', v === null || v === undefined);
    const text = describe(v);
    const unset = v === null || v === undefined;
    // the handle of an unmarked slider rests in the middle: say how to record the middle itself
    out.textContent = unset ? text + ' (tap or press Enter to mark ' + (model.get('min') + model.get('max')) / 2 + ')'
      : text;
    input.setAttribute('aria-valuetext',
      model.get('name') + ': ' + text + (unset ? ', press Enter to mark the middle' : ''));
  }
  // send at once (a key press is one step), then at most every 60 ms while a pointer drags
  let timer = null, last = 0;
  function send() {
    timer = null;
    last = performance.now();
    model.set('value', parseFloat(input.value));
    model.save_changes();
  }
  input.addEventListener('input', () => {
    sync_preview();
    const wait = 60 - (performance.now() - last);
    if (wait <= 0) { if (timer) { clearTimeout(timer); } send(); }
    else if (!timer) { timer = setTimeout(send, wait); }
  });
  input.addEventListener('change', () => {
    if (timer) { clearTimeout(timer); timer = null; }
    if (parseFloat(input.value) !== model.get('value')) send();
  });
  // a tap or click that leaves an unmarked handle where it rests (the middle) records that value too
  input.addEventListener('pointerup', () => {
    const v = model.get('value');
    if (!input.disabled && (v === null || v === undefined)) send();
  });
  input.addEventListener('keydown', (e) => {
    const v = model.get('value');
    if ((e.key === 'Enter' || e.key === ' ') && (v === null || v === undefined)) { e.preventDefault(); send(); }
  });
  function sync_preview() {
    const v = parseFloat(input.value);
    out.textContent = describe(v);
    input.setAttribute('aria-valuetext', model.get('name') + ': ' + describe(v));
    box.classList.remove('wb-unset');
  }
  model.on('change', sync);
  sync();
}
export default { render };
"""

_CSS = r"""
.wb-mark { margin: 6px 0 10px; }
.wb-mark-top { display: flex; justify-content: space-between; gap: 8px; font-size: 0.95rem; }
.wb-mark-top label { font-weight: 600; }
.wb-mark-value { color: #1F2933; }
.wb-mark-row { display: grid; grid-template-columns: minmax(70px, 9em) 1fr minmax(70px, 9em); align-items: center;
  gap: 10px; }
.wb-mark-middle { display: block; text-align: center; font-size: 0.85rem; color: #52606D; margin-top: -4px; }
.wb-mark-pole { font-size: 0.85rem; color: #52606D; }
.wb-mark-row .wb-mark-pole:last-child { text-align: right; }
.wb-range { width: 100%; height: 32px; margin: 0; cursor: pointer; }
.wb-mark-now .wb-range { accent-color: #0072B2; }
.wb-mark-aspiration .wb-range { accent-color: #C2410C; }
.wb-mark-now label { color: #0072B2; }
.wb-mark-aspiration label { color: #C2410C; }
.wb-unset .wb-range { opacity: 0.55; }
.wb-unset .wb-mark-value { font-style: italic; color: #52606D; }
.wb-range:focus-visible { outline: 3px solid #B45309; outline-offset: 3px; }
"""


class MarkSlider(anywidget.AnyWidget):
    """A mark on a 1-5 spectrum between two poles; ``value`` is ``None`` until the member marks it."""

    _esm = _ESM
    _css = _CSS
    value = traitlets.Float(None, allow_none=True, help="the mark, or None when not marked").tag(sync=True)
    min = traitlets.Float(1.0, help="the left pole's end of the scale").tag(sync=True)
    max = traitlets.Float(5.0, help="the right pole's end of the scale").tag(sync=True)
    step = traitlets.Float(0.5, help="marks are multiples of this step").tag(sync=True)
    label = traitlets.Unicode("", help="visible label, e.g. 'Now'").tag(sync=True)
    name = traitlets.Unicode("", help="accessible name, e.g. 'Locus of Control, now'").tag(sync=True)
    left = traitlets.Unicode("", help="left pole label").tag(sync=True)
    right = traitlets.Unicode("", help="right pole label").tag(sync=True)
    middle = traitlets.Unicode("", help="the middle's label, when the scale names it (Step 1: 'On our way')").tag(
        sync=True)
    kind = traitlets.Unicode("now", help="'now' or 'aspiration' (colour and style)").tag(sync=True)
    intro = traitlets.Unicode("", help="HTML drawn above the mark (a spectrum card's question and notes)").tag(
        sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    # set by a page that tells its marks apart by them (the team's agreed marks): the spectrum and the field
    # (``current`` or ``aspiration``) the mark records; plain attributes, never sent to the browser
    spectrum_id: str
    field: str

    @traitlets.validate("value")
    def _check_value(self, proposal):
        value = proposal["value"]
        if value is None:
            return None
        if not (self.min <= value <= self.max) or round((value - self.min) / self.step, 9) % 1:
            raise traitlets.TraitError(
                f"{self.name or 'mark'}: {value!r} is not on the scale {self.min:g}-{self.max:g} "
                f"in steps of {self.step:g}")
        return float(value)
