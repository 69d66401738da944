// The member page's stand-in for jQuery (src/jquery-lite.js): what ipywidgets, Backbone and anywidget ask of
// `view.$el`, and a plain error for anything else. Run by `node --test js/test` (tests/unit/test_page_js.py).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const $ = createRequire(import.meta.url)('../src/jquery-lite.js');

// a few DOM nodes: enough for what the stand-in touches
class Node {
  constructor(name, children = []) {
    this.name = name;
    this.children = children;
    this.attrs = {};
    this.parent = null;
    for (const c of children) c.parent = this;
  }
  querySelectorAll(selector) {
    const out = [];
    const walk = (n) => { for (const c of n.children) { if (c.name === selector) out.push(c); walk(c); } };
    walk(this);
    return out;
  }
  replaceChildren() { this.children = []; }
  remove() { if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this); }
  setAttribute(k, v) { this.attrs[k] = String(v); }
}

test('$(el) wraps one element: [0], length, instanceof $, and wrapping a wrapped element returns it', () => {
  const el = new Node('div');
  const w = $(el);
  assert.equal(w[0], el);
  assert.equal(w.length, 1);
  assert.ok(w instanceof $);
  assert.equal($(w), w);
  assert.equal($(null).length, 0);
});

test('find, empty, remove and attr do what Backbone and anywidget ask of them', () => {
  const b = new Node('button');
  const inner = new Node('div', [b, new Node('span')]);
  const root = new Node('div', [inner]);
  assert.deepEqual([...Array($(root).find('button').length).keys()].map((i) => $(root).find('button')[i]), [b]);
  $(root).attr({ role: 'group', tabindex: 0 });
  assert.deepEqual(root.attrs, { role: 'group', tabindex: '0' });
  $(inner).remove();
  assert.deepEqual(root.children, []);
  $(inner).empty();
  assert.deepEqual(inner.children, []);
});

test('anything else asked of it says plainly that the page has no jQuery', () => {
  const w = $(new Node('div'));
  assert.throws(() => w.on('click', () => {}), /no jQuery: \$el\.on\(\)/);
  assert.throws(() => w.addClass('x'), /no jQuery: \$el\.addClass\(\)/);
  assert.throws(() => $('div.selector'), /no jQuery: \$\(string\)/);
});
