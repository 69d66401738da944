// What the Jupyter widgets ask of jQuery on a member page, without jQuery (87 KB of script a phone would read and
// run for nothing). ipywidgets 8 keeps `view.$el`, a wrapped element, for Backbone's sake: its views set it
// (`$(el)`, `el instanceof $`, `$el[0]`), Backbone's view finds and removes through it (`$el.find`, `remove`),
// and anywidget empties it (`$el.empty()`); events and attributes go through ipywidgets' own NativeView. Anything
// else asked of it is an error that names what was asked, never a silent no-op.
// (CommonJS, as jQuery is: Backbone `require`s it, ipywidgets imports its default)

function Wrapped(nodes) {
  for (let i = 0; i < nodes.length; i++) this[i] = nodes[i];
  this.length = nodes.length;
}

Wrapped.prototype.each = function each(fn) {
  for (let i = 0; i < this.length; i++) fn.call(this[i], i, this[i]);
  return this;
};
Wrapped.prototype.find = function find(selector) {
  const found = [];
  this.each((_i, node) => { found.push(...node.querySelectorAll(selector)); });
  return new Wrapped(found);
};
Wrapped.prototype.empty = function empty() {
  return this.each((_i, node) => { node.replaceChildren(); });
};
Wrapped.prototype.remove = function remove() {
  return this.each((_i, node) => { node.remove(); });
};
Wrapped.prototype.attr = function attr(attrs) {
  return this.each((_i, node) => { for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v); });
};
for (const name of ['on', 'off', 'html', 'text', 'css', 'addClass', 'removeClass', 'append', 'show', 'hide']) {
  Wrapped.prototype[name] = function unsupported() {
    throw new Error(`The member page has no jQuery: $el.${name}() is not available`);
  };
}

function $(target) {
  if (target instanceof Wrapped) return target;
  if (typeof target === 'string' || typeof target === 'function') {
    throw new Error(`The member page has no jQuery: $(${typeof target}) is not available`);
  }
  return new Wrapped(target === null || target === undefined ? [] : [target]);
}
$.prototype = Wrapped.prototype;  // `el instanceof $`, as ipywidgets asks

module.exports = $;
