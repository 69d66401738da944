"""The layout check: what a person would see wrong on a projector, a laptop, a tablet or a phone.

:func:`layout_problems` looks at the page as drawn and lists, in words, every

- control (button, dropdown, toggle, label, checkbox) whose text is wider than its box, so it is cut off,
  and every control that runs past its card or the edge of the screen;
- piece of text that sits under another element (the element at the middle of its first line is not it);
- pair of text elements of one chart whose boxes overlap (rotated labels compared as rotated boxes), and
  every label of a line chart (the pole labels at the ends of each track) that a mark covers;
- heading said twice (a chart titled as its card, a caption that repeats its heading);
- page that scrolls sideways;
- control squeezed to nothing (a slider whose track its labels left no width);
- pair of controls (buttons, text fields, dropdowns, text areas, sliders, checkboxes) whose boxes overlap:
  every visible control is compared with every other, except a control with the controls inside it (a
  slider and its handle), so one control lying over another (a button over a dropdown) is found wherever
  it is, even where the covered control's own text is not covered.

:func:`check_layout` runs it at the four sizes a room uses and saves the screenshots the README links.
``tests/browser/test_layout_check.py`` shows it failing on deliberately broken pages.
"""

from __future__ import annotations

from .conftest import DOCS, SHOTS, charts_settled

SIZES = {  # name in the screenshot's file name: (width, height)
    "1280": (1280, 800),  # a laptop
    "768": (768, 1024),  # a tablet held upright
    "390": (390, 844),  # a phone
    "1280x720": (1280, 720),  # a projector
}

CHECK = r"""
() => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const shown = e => {
    const r = e.getBoundingClientRect();
    return r.width >= 1 && r.height >= 1 && drawn(e);
  };
  function drawn(e) {  // drawn on the page, whatever its size
    // the content of a closed <details> keeps its boxes in Chromium (content-visibility) but is not drawn
    const closed = e.closest('details:not([open])');
    if (closed && !e.closest('summary')) return false;
    if (e.checkVisibility && !e.checkVisibility({opacityProperty: true, visibilityProperty: true,
                                                  contentVisibilityAuto: true})) return false;
    for (let a = e; a && a.nodeType === 1; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.visibility === 'hidden' || cs.display === 'none' || +cs.opacity < 0.05) return false;
    }
    return true;
  }
  const text = e => (e.innerText || e.textContent || e.value || '').replace(/\s+/g, ' ').trim().slice(0, 60);
  const name = e => {
    const cls = typeof e.className === 'string' && e.className.trim()
      ? '.' + e.className.trim().split(/\s+/).slice(0, 2).join('.') : '';
    return `<${e.tagName.toLowerCase()}${cls}> "${text(e)}"`;
  };
  const what = e => {  // a control as a person would name it: a dropdown by its choice, a field by what it holds
    const said = e.getAttribute('aria-label') || (e.tagName === 'SELECT' ? e.options[e.selectedIndex]?.text
      : ['INPUT', 'TEXTAREA'].includes(e.tagName) ? e.value || e.placeholder || e.type : text(e));
    return `<${e.tagName.toLowerCase()}> "${(said || '').replace(/\u00a0/g, ' ').trim().slice(0, 60)}"`;
  };
  const ownText = e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const inChart = e => !!e.closest('.js-plotly-plot');

  // 1. controls whose content does not fit, or that run past their card or the screen
  const canvas = document.createElement('canvas').getContext('2d');
  const controls = new Set(document.querySelectorAll(
    'button, select, label, summary, .widget-label, .widget-button, .widget-toggle-button, .widget-dropdown, '
    + '.lm-TabBar-tabLabel, .p-TabBar-tabLabel, .lm-AccordionPanel-title, .jupyter-widget-Collapse-header'));
  for (const e of document.querySelectorAll('body *')) {
    if (ownText(e)) {
      const cs = getComputedStyle(e);
      if (['hidden', 'clip'].includes(cs.overflowX) || cs.textOverflow === 'ellipsis') controls.add(e);
    }
  }
  for (const e of controls) {
    if (inChart(e) || !shown(e)) continue;
    const cs = getComputedStyle(e);
    if (e.tagName === 'SELECT') {
      const opt = e.options[e.selectedIndex];
      if (opt) {
        canvas.font = cs.font;
        // the dropdown's arrow sits in its right padding (ipywidgets: 20 px); a select without one still needs it
        const need = canvas.measureText(opt.text).width + parseFloat(cs.paddingLeft)
          + Math.max(parseFloat(cs.paddingRight), 16);
        if (need > e.clientWidth + 1)
          problems.push(`cut off: dropdown showing "${opt.text.replace(/\u00a0/g, ' ')}" needs ${Math.ceil(need)}`
                        + ` px, has ${e.clientWidth}`);
      }
    } else if (e.scrollWidth > e.clientWidth + 1 && !['auto', 'scroll'].includes(cs.overflowX)
               && (cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis')) {
      problems.push(`cut off: ${name(e)} needs ${e.scrollWidth} px, has ${e.clientWidth}`);
    }
    const r = e.getBoundingClientRect();
    if (r.right > vw + 1 || r.left < -1) problems.push(`off the screen: ${name(e)} spans ${Math.round(r.left)}`
                                                      + `-${Math.round(r.right)} px of ${vw}`);
    const card = e.parentElement && e.parentElement.closest('.wb-card');
    if (card) {
      const c = card.getBoundingClientRect();
      if (r.right > c.right + 1 || r.left < c.left - 1)
        problems.push(`past its card: ${name(e)} ends at ${Math.round(r.right)} px, `
                      + `its card at ${Math.round(c.right)}`);
    }
  }

  // 2. text under another element: the element at the middle of the text's first line is not the text's
  for (const e of document.querySelectorAll('body *')) {
    if (inChart(e) || !ownText(e) || !shown(e)) continue;
    const node = [...e.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = [...range.getClientRects()].find(q => q.width > 2 && q.height > 2);
    if (!rect) continue;
    const x = rect.left + Math.min(rect.width / 2, 40), y = rect.top + rect.height / 2;
    if (x < 0 || y < 0 || x >= vw || y >= window.innerHeight) continue;
    const hit = document.elementFromPoint(x, y);
    if (!hit || hit === e || e.contains(hit) || hit.contains(e)) continue;
    const hcs = getComputedStyle(hit);
    if (hcs.pointerEvents === 'none') continue;
    problems.push(`covered: ${name(e)} lies under ${name(hit)}`);
  }

  // 3. chart text that overlaps other chart text (rotated labels as rotated boxes)
  const corners = t => {
    const b = t.getBBox(), m = t.getScreenCTM();
    if (!m || b.width < 1 || b.height < 1) return null;
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  const apart = (p, q) => {  // separating axis test for two convex quadrilaterals, 1.5 px of slack
    for (const poly of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % 4];
        const len = Math.hypot(x2 - x1, y2 - y1) || 1, nx = (y1 - y2) / len, ny = (x2 - x1) / len;
        const proj = poly2 => poly2.map(([x, y]) => x * nx + y * ny);
        const a = proj(p), b = proj(q);
        if (Math.max(...a) - 1.5 <= Math.min(...b) || Math.max(...b) - 1.5 <= Math.min(...a)) return true;
      }
    }
    return false;
  };
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    if (!shown(plot)) continue;
    const chart = (plot.layout?.title?.text || plot.closest('.wb-card')?.querySelector('h2')?.textContent
                   || 'a chart').trim();
    const texts = [...plot.querySelectorAll('svg text')]
      .filter(t => !t.closest('.hoverlayer, .modebar, .rangeslider-container') && t.textContent.trim() && shown(t))
      .map(t => ({t, q: corners(t), s: t.textContent.trim().slice(0, 40)}))
      .filter(o => o.q);
    // a member's mark (a marker of a line chart) over a label: the pole labels at the ends of each track
    const marks = [...plot.querySelectorAll('.scatterlayer .points path.point')].filter(shown)
      .map(m => m.getBoundingClientRect()).filter(r => r.width > 2);
    for (const o of texts) {
      const r = o.t.getBoundingClientRect();
      const hit = marks.find(m => Math.min(m.right, r.right) - Math.max(m.left, r.left) > 1.5
                                 && Math.min(m.bottom, r.bottom) - Math.max(m.top, r.top) > 1.5);
      if (hit && o.t.closest('.textpoint'))
        problems.push(`a mark covers the chart label "${o.s}" in "${chart}"`);
    }
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++)
        if (!apart(texts[i].q, texts[j].q))
          problems.push(`overlapping chart labels: "${texts[i].s}" and "${texts[j].s}" in "${chart}"`);
  }

  // 4. a heading said twice: a chart titled as its card, or a heading whose next line repeats it
  const same = (a, b) => a && b && a.trim().toLowerCase() === b.trim().toLowerCase();
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const title = plot.querySelector('.gtitle')?.textContent;
    const heading = plot.closest('.wb-card')?.querySelector('h2, h3')?.textContent;
    if (shown(plot) && same(title, heading)) problems.push(`repeated heading: the chart "${title}" under "${heading}"`);
  }
  for (const h of document.querySelectorAll('.wb-page h1, .wb-page h2, .wb-page h3')) {
    const next = h.nextElementSibling;
    if (next && shown(h) && shown(next) && same(h.textContent, next.textContent))
      problems.push(`repeated heading: "${h.textContent.trim()}" said again under itself`);
  }

  // 5. a control squeezed to nothing: drawn, as tall as a control, and (almost) no width left to see or tap
  for (const e of document.querySelectorAll('button, input:not([type=hidden]), select, textarea, [role=slider]')) {
    const r = e.getBoundingClientRect();
    if (inChart(e) || r.height < 8 || r.width >= 8) continue;
    const cs = getComputedStyle(e);
    if (cs.position === 'absolute' && ['hidden', 'clip'].includes(cs.overflow)) continue;  // a visually hidden input
    if (!drawn(e)) continue;
    problems.push(`squeezed to nothing: ${what(e)} is ${Math.round(r.width)} px wide`);
  }

  // 6. one control over another: every visible control compared with every other (a control and the controls
  // inside it excepted); boxes that share more than 1.5 px each way overlap
  const controlBoxes = [...document.querySelectorAll(
      'button, input:not([type=hidden]), select, textarea, [role=slider], [role=button], [role=checkbox], '
      + '.noUi-target, .widget-slider .slider')]
    .filter(e => !inChart(e) && shown(e))
    .map(e => ({e, r: e.getBoundingClientRect()}));
  for (let i = 0; i < controlBoxes.length; i++)
    for (let j = i + 1; j < controlBoxes.length; j++) {
      const a = controlBoxes[i], b = controlBoxes[j];
      if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 1.5 && y > 1.5)
        problems.push(`overlapping controls: ${what(a.e)} and ${what(b.e)} share ${Math.round(x)} x `
                      + `${Math.round(y)} px`);
    }

  // 7. the page scrolls sideways
  const d = document.scrollingElement || document.documentElement;
  if (d.scrollWidth > d.clientWidth + 1 || document.body.scrollWidth > document.body.clientWidth + 1)
    problems.push(`the page scrolls sideways: ${Math.max(d.scrollWidth, document.body.scrollWidth)} px wide in ${vw}`);
  return [...new Set(problems)];
}
"""


def layout_problems(page) -> list[str]:
    """Everything :data:`CHECK` finds wrong with the page as it is drawn now."""
    return page.evaluate(CHECK)


def settle(page, timeout: float = 15) -> None:
    """Wait until every chart has been drawn again at its box's new width (charts follow their box on a timer)."""
    page.wait_for_timeout(300)
    charts_settled(page)
    try:
        page.wait_for_function(
            "[...document.querySelectorAll('.wb-chart')].every(g => !g.offsetParent || (!g.dataset.busy && "
            "(!g._fullLayout || Math.abs(g._fullLayout.width - g.parentElement.clientWidth) < 2)))",
            timeout=timeout * 1000)
    except Exception:
        pass


def full_height(page) -> int:
    """The height the page needs to show all of itself (Voila scrolls inside the page, not the window)."""
    return page.evaluate("Math.max(document.body.scrollHeight, "
                         "...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")


def check_layout(page, name: str, sizes=SIZES, above_the_fold: str | None = None,
                 docs: bool = True) -> dict[str, list[str]]:
    """At each size: screenshots (first screen to docs/, whole page to artifacts/), then the layout check.

    The check runs on the whole page (the window grown to its full height), so nothing below the first
    screen escapes it. ``above_the_fold`` is a selector that must sit wholly on the first screen at every
    size wider than it is tall (the presenter's chart on a projector). Fails with every problem at every size.
    ``docs=False`` keeps the screenshots out of ``docs/`` (for pages the README does not show).
    """
    DOCS.mkdir(parents=True, exist_ok=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    found: dict[str, list[str]] = {}
    try:
        for label, (width, height) in sizes.items():
            page.set_viewport_size({"width": width, "height": height})
            settle(page)
            if docs:
                page.screenshot(path=str(DOCS / f"{name}-{label}.png"))
            problems = []
            if above_the_fold and width > height:
                box = page.locator(above_the_fold).first.bounding_box()
                if not box or box["y"] < -1 or box["y"] + box["height"] > height + 2:
                    problems.append(f"{above_the_fold} is not wholly on the first screen: {box}")
            page.set_viewport_size({"width": width, "height": min(max(full_height(page), height), 8000)})
            settle(page)
            page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
            problems += layout_problems(page)
            if problems:
                found[label] = problems
    finally:
        page.set_viewport_size(original)
    assert not found, f"{name}: layout problems\n" + "\n".join(
        f"  at {label} ({' x '.join(map(str, sizes[label]))}): {p}" for label, ps in found.items() for p in ps)
    return found
