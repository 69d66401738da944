// Builds the member pages' browser code (src/page.js) into the workbook's Voila template:
// share/jupyter/voila/templates/workbook/static/workbook-page.{js,css}. `make js` runs it; the built files are
// kept in the repository so that installing the workbook needs no Node.js. The build is deterministic: the
// same sources and lock file give the same bytes (tests/unit/test_page_bundle.py checks the kept files).
import * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import { pureNamespaces } from './lumino-pure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || path.join(here, '..', 'share', 'jupyter', 'voila', 'templates', 'workbook', 'static');

// anywidget publishes its widget module as AMD (`define(["@jupyter-widgets/base"], factory)`): take the
// factory as this bundle's module, to be called with the bundled @jupyter-widgets/base. And a widget's browser
// code (its `_esm` text) is imported once per text, not once per widget: the seven marking sliders of a page
// share one module, as widgets of one class share their class (anywidget imports each from its own blob: URL,
// which a phone compiles seven times)
const anywidgetAmd = {
  name: 'anywidget-amd',
  setup(build) {
    build.onResolve({ filter: /^anywidget-amd$/ }, () => ({
      path: path.join(here, 'node_modules', 'anywidget', 'dist', 'index.js'), namespace: 'anywidget-amd',
    }));
    build.onLoad({ filter: /.*/, namespace: 'anywidget-amd' }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const call = /define\(\["@jupyter-widgets\/base"\],\s*(\w+)\);\s*$/;
      const match = source.match(call);
      if (!match) throw new Error(`anywidget's module no longer ends in define(...): ${args.path}`);
      const load = 'async function loadEsm(esm) {';
      if (!source.includes(load)) throw new Error(`anywidget's module no longer has ${load}: ${args.path}`);
      const once = 'const ESM_ONCE = new Map();\n'
        + 'function loadEsm(esm) {\n'
        + '  if (!ESM_ONCE.has(esm)) ESM_ONCE.set(esm, loadEsmEach(esm).catch((err) => { ESM_ONCE.delete(esm); throw err; }));\n'
        + '  return ESM_ONCE.get(esm);\n'
        + '}\n'
        + 'async function loadEsmEach(esm) {';
      const contents = source.replace(load, once).replace(call, `export default ${match[1]};\n`);
      return { contents, loader: 'js' };
    });
  },
};

// Lumino's namespaces as declarations esbuild can leave out when the page never uses them (lumino-pure.mjs):
// @lumino/widgets' menus, dock and split panels, tab bars and command palette, and the libraries only they use
const luminoPure = {
  name: 'lumino-pure',
  setup(build) {
    build.onLoad({ filter: /[\\/]@lumino[\\/][^\\/]+[\\/]dist[\\/]index\.es6\.js$/ }, async (args) => {
      const { code } = pureNamespaces(await readFile(args.path, 'utf8'));
      return { contents: code, loader: 'js' };
    });
  },
};

await esbuild.build({
  entryPoints: { 'workbook-page': path.join(here, 'src', 'page.js') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  legalComments: 'eof',
  // when the script starts running (page.js marks when its own code starts: the difference is the libraries')
  banner: { js: "performance.mark('wb-page-js');" },
  alias: {
    'sanitize-html': path.join(here, 'src', 'sanitize.js'),
    jquery: path.join(here, 'src', 'jquery-lite.js'),
    nouislider: path.join(here, 'src', 'no-slider.js'),
  },
  plugins: [anywidgetAmd, luminoPure],
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
  logLevel: 'warning',
  metafile: false,
});
