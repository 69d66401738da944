// Lumino's namespaces rewritten so that esbuild can leave out the unused ones (lumino-pure.mjs): the rewritten
// code does what the original did, unused namespaces and classes are dropped from a bundle, and every namespace
// of the installed Lumino modules is rewritten. Run by `node --test js/test` (tests/unit/test_page_js.py).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

import * as esbuild from 'esbuild';

import { pureNamespaces } from '../lumino-pure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const MODULE = `var Counter;
(function (Counter) {
    let count = 0;
    function next() {
        return ++count;
    }
    Counter.next = next;
    Counter.start = 10;
})(Counter || (Counter = {}));
/**
 * A shape with a namespace of its own.
 */
class Shape {
    constructor(sides) {
        this.sides = sides;
    }
    describe() {
        return Shape.name_(this.sides) + ' #' + Counter.next();
    }
}
// its namespace
(function (Shape) {
    function name_(sides) {
        return sides === 3 ? 'triangle' : 'polygon';
    }
    Shape.name_ = name_;
    (function (Kind) {
        Kind[Kind["Flat"] = 0] = "Flat";
    })(Shape.Kind || (Shape.Kind = {}));
})(Shape || (Shape = {}));
class Unused {
    hello() {
        return 'UNUSED-CLASS';
    }
}
(function (Unused) {
    Unused.marker = 'UNUSED-NAMESPACE';
})(Unused || (Unused = {}));
var Lonely;
(function (Lonely) {
    Lonely.marker = 'LONELY-NAMESPACE';
})(Lonely || (Lonely = {}));
`;

function run(code) {
  const context = {};
  vm.runInNewContext(`${code}\nthis.result = JSON.stringify([new Shape(3).describe(), new Shape(5).describe(),
    Counter.start, Shape.Kind.Flat, Shape.Kind[0], new Unused().hello(), Unused.marker, Lonely.marker]);`, context);
  return JSON.parse(context.result);
}

test('the rewritten namespaces and classes do what the original code did', () => {
  const { code, found, rewritten } = pureNamespaces(MODULE);
  assert.equal(found, 4);  // the nested enum is not a namespace of the module's own
  assert.equal(rewritten, 4);
  assert.match(code, /var Counter = \/\* @__PURE__ \*\/ \(function \(Counter\) \{/);
  assert.match(code, /const Shape = \/\* @__PURE__ \*\/ \(\(\) => \{\nclass Shape \{/);
  assert.deepEqual(run(code), run(MODULE));
  assert.deepEqual(run(code), ['triangle #1', 'polygon #2', 10, 0, 'Flat', 'UNUSED-CLASS', 'UNUSED-NAMESPACE',
    'LONELY-NAMESPACE']);
});

test('a namespace in another shape is left as it is', () => {
  const other = 'var A = {};\n(function (A) {\n    A.x = 1;\n})(A || (A = {}));\n'  // no `var A;` before
    + 'function f() {\n}\n(function (f) {\n    f.y = 2;\n})(f || (f = {}));\n';  // a function's, not a class's
  const { code, found, rewritten } = pureNamespaces(other);
  assert.equal(found, 2);
  assert.equal(rewritten, 0);
  assert.equal(code, other);
});

// a bundle of a page that uses Shape only, from the module as `source` gives it
async function bundle(source) {
  const plugin = {
    name: 'virtual',
    setup(build) {
      build.onResolve({ filter: /^shapes$/ }, () => ({ path: 'shapes', namespace: 'virtual' }));
      build.onLoad({ filter: /.*/, namespace: 'virtual' }, () => ({
        contents: `${source}\nexport { Shape, Unused, Lonely, Counter };\n`, loader: 'js',
      }));
    },
  };
  const built = await esbuild.build({
    stdin: { contents: "import { Shape } from 'shapes';\nglobalThis.out = new Shape(3).describe();\n" },
    bundle: true, write: false, format: 'iife', plugins: [plugin], logLevel: 'silent',
  });
  return built.outputFiles[0].text;
}

test('a bundle keeps what is used and leaves out the unused classes and namespaces', async () => {
  const code = await bundle(pureNamespaces(MODULE).code);
  assert.doesNotMatch(code, /UNUSED-CLASS|UNUSED-NAMESPACE|LONELY-NAMESPACE/);
  const context = {};
  vm.runInNewContext(code.replace('globalThis.out', 'this.out'), context);
  assert.equal(context.out, 'triangle #1');
  assert.match(await bundle(MODULE), /UNUSED-CLASS/);  // the module as Lumino ships it: all of it kept
});

test("every namespace of the installed Lumino modules is rewritten, and their bodies only fill the namespace", () => {
  const root = path.join(here, '..', 'node_modules', '@lumino');
  const files = readdirSync(root).map((name) => path.join(root, name, 'dist', 'index.es6.js')).filter(existsSync);
  assert.ok(files.some((f) => f.includes(`${path.sep}widgets${path.sep}`)), 'no @lumino/widgets installed');
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const { found, rewritten } = pureNamespaces(source);
    // @lumino/virtualdom's `h` is a function with a namespace of its own: kept whole
    const expected = file.includes(`${path.sep}virtualdom${path.sep}`) ? found - 1 : found;
    assert.equal(rewritten, expected, `${file}: ${rewritten} of ${found} namespaces rewritten`);
    // a namespace's own statements (four spaces in) declare or assign members, or fill a nested enum
    let inside = false;
    source.split('\n').forEach((line, i) => {
      if (/^\(function \([\w$]+\) \{$/.test(line)) { inside = true; return; }
      if (/^\}\)\(/.test(line)) { inside = false; return; }
      if (!inside || !/^ {4}\S/.test(line)) return;
      assert.match(line, /^ {4}(function |async function |const |let |var |class |\}|\/\/|\/\*|\*|[\w$]+(\.[\w$]+)+ = |\(function \([\w$]+\) \{$)/,
        `${file}:${i + 1} does something besides filling its namespace: ${line.trim()}`);
    });
  }
});
