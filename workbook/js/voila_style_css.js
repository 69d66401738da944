// Prints the CSS that Voila's `voila-style.js` inserts into a page, as one stylesheet.
//
// `voila-style.js` is webpack's style-loader output: 340 KB of JavaScript whose only effect is to add
// <style> elements to the page's head. A browser must parse and run it before it lays out anything (about
// a tenth of a second of main-thread time on the machines the workbook runs on); the same rules served as
// a stylesheet cost a fraction of that. This script runs the bundle once against the few document methods
// style-loader calls and prints the CSS in insertion order, with URLs relative to the bundle's folder (the
// icon fonts next to it), so the stylesheet can be served from the same folder.
//
// usage: node voila_style_css.js path/to/voila-style.js > voila-style.css
"use strict";
const fs = require("fs");
const vm = require("vm");

const source = fs.readFileSync(process.argv[2], "utf8");
const BASE = "http://voila-style.invalid/static/";
const inserted = [];

function element(tag) {
  return {
    tagName: tag.toUpperCase(),
    childNodes: [],
    attributes: {},
    setAttribute(name, value) { this.attributes[name] = String(value); },
    removeAttribute(name) { delete this.attributes[name]; },
    appendChild(child) { this.childNodes.push(child); child.parentNode = this; return child; },
    removeChild(child) { this.childNodes.splice(this.childNodes.indexOf(child), 1); child.parentNode = null; return child; },
    get firstChild() { return this.childNodes[0] || null; },
  };
}

const head = element("head");
const appendToHead = head.appendChild.bind(head);
head.appendChild = (child) => { inserted.push(child); return appendToHead(child); };
const script = element("script");
script.src = BASE + "voila-style.js";
const document = {
  baseURI: BASE,
  currentScript: script,
  head,
  createElement: element,
  createTextNode: (text) => ({ nodeValue: text, textContent: text }),
  querySelector: (selector) => (selector === "head" ? head : null),
  getElementsByTagName: (tag) => (tag === "script" ? [script] : tag === "head" ? [head] : []),
};
const window = { document, location: { href: BASE } };
window.self = window;
vm.runInNewContext(source, { document, window, self: window, location: window.location, URL, console });

const sheets = inserted
  .filter((node) => node.tagName === "STYLE" && node.parentNode === head)
  .map((node) => node.childNodes.map((text) => text.nodeValue).join(""));
if (!sheets.length || !sheets.join("").trim()) {
  process.stderr.write("voila_style_css: the bundle inserted no styles\n");
  process.exit(1);
}
process.stdout.write(sheets.join("\n").split(BASE).join(""));
