"""The light pages' one stylesheet styles every element exactly as Voila's two stylesheets it is cut from.

A member page links ``workbook-light.css`` (``workbook/assets.py``: Voila's page styles and the lab template's,
without the rules that cannot match anything on such a page). Here each light page is drawn with it, every
element's computed style (and its ``::before`` and ``::after``) is recorded, the page is switched in place to
``voila-style.css`` and ``index.css`` (linked where the light sheet was, in the same order), and every style is
compared again: one property of one element that differs is a rule the light sheet lost. CSS variables are
not compared themselves (the light sheet leaves out the ones nothing uses); every property they feed is.
"""

from __future__ import annotations

import pytest

from .conftest import charts_settled, wait_for_app

pytestmark = pytest.mark.browser

LOAD = 90_000
WIDTHS = (390, 1280)

# every element's computed style, keyed by its place in the document; kept in the page, compared there
RECORD = """() => {
  const key = (el) => {
    const path = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      let i = 0;
      for (let s = e; (s = s.previousElementSibling);) i += 1;
      path.push(`${e.tagName}:${i}`);
    }
    return path.reverse().join('/');
  };
  const style = (cs) => {
    const parts = [];
    for (let i = 0; i < cs.length; i += 1) {
      const p = cs[i];
      if (!p.startsWith('--')) parts.push(`${p}: ${cs.getPropertyValue(p)}`);
    }
    return parts;
  };
  const out = {};
  for (const el of document.body.querySelectorAll('*')) {
    const k = key(el);
    out[k] = style(getComputedStyle(el));
    for (const pseudo of ['::before', '::after']) {
      const cs = getComputedStyle(el, pseudo);
      if (cs.content && cs.content !== 'none') out[k + pseudo] = style(cs);
    }
  }
  return out;
}"""

SWITCH = """async () => {
  const light = document.querySelector("link[rel=stylesheet][href$='voila/static/workbook-light.css']");
  if (!light) return 'no workbook-light.css on the page';
  const base = light.getAttribute('href').replace(/workbook-light\\.css$/, '');
  const loads = ['voila-style.css', 'index.css'].map((name) => new Promise((resolve, reject) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = base + name;
    link.onload = resolve;
    link.onerror = () => reject(new Error(`${name} did not load`));
    light.before(link);
  }));
  await Promise.all(loads);
  light.remove();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return 'switched';
}"""


def differences(before: dict, after: dict, most: int = 12) -> list[str]:
    """What differs between two records, element by element (elements in both only), as readable lines."""
    found = []
    for key in sorted(before.keys() & after.keys()):
        was, now = dict(p.split(": ", 1) for p in before[key]), dict(p.split(": ", 1) for p in after[key])
        for prop in sorted(was.keys() | now.keys()):
            if was.get(prop) != now.get(prop):
                found.append(f"{key} {prop}: light {was.get(prop)!r}, Voila's {now.get(prop)!r}")
                if len(found) >= most:
                    return found
    return found


def assert_styled_as_voilas(page) -> None:
    """The page as the light sheet styles it and as Voila's two sheets style it: the same, element by element."""
    assert page.locator("link[rel=stylesheet][href*='voila-style.css']").count() == 0
    charts_settled(page)
    before = page.evaluate(RECORD)
    assert page.evaluate(SWITCH) == "switched"
    charts_settled(page)
    after = page.evaluate(RECORD)
    assert len(before) > 100 and len(before.keys() & after.keys()) > 0.95 * len(before)
    found = differences(before, after)
    assert not found, "the light stylesheet styles these differently:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def styles_session(server):
    """A district and session of this module's own on the shared server."""
    return server.own_session("styles-usd", "Styles Unified (fictional)", "Styles compared")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("notebook", "title"), [("charting_your_path.ipynb", "Charting Your Path"),
                                                  ("laying_the_foundation.ipynb", "Laying the Foundation"),
                                                  ("conditions_for_scale.ipynb", "Conditions for Scale")])
def test_a_light_page_is_styled_as_voilas_stylesheets_style_it(server, chromium, styles_session, notebook, title,
                                                               width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(LOAD)
    try:
        page.goto(server.app(notebook, district="styles-usd", session=styles_session.id,
                             code=styles_session.join_code))
        wait_for_app(page, title)
        assert_styled_as_voilas(page)
    finally:
        context.close()


def test_charting_your_path_under_way_is_styled_as_voilas_stylesheets_style_it(server, chromium, styles_session):
    """The member page once started (sliders live, the personal link shown) and in the guide's second pass."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(LOAD)
    try:
        page.goto(server.app("charting_your_path.ipynb", district="styles-usd", session=styles_session.id,
                             code=styles_session.join_code))
        wait_for_app(page, "Charting Your Path")
        page.get_by_role("textbox", name="Your name").fill("Sam Styles")
        page.get_by_role("combobox", name="Your role").select_option("Teacher")
        page.get_by_role("button", name="Start charting").tap()
        page.get_by_text("Your personal link").wait_for(timeout=LOAD)
        page.get_by_role("button", name="2 · Aspirational pathway").tap()
        page.get_by_role("slider", name="Locus of Control, aspiration").wait_for(timeout=LOAD)
        assert_styled_as_voilas(page)
    finally:
        context.close()
