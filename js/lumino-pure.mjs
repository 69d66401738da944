// Lumino's modules as esbuild can leave out what a member page never uses (build.mjs's `lumino-pure` plugin).
//
// Lumino compiles each TypeScript namespace to a function run where it is declared:
//     var Private;                          class Widget { ... }
//     (function (Private) { ... })(         (function (Widget) { ... })(Widget || (Widget = {}));
//         Private || (Private = {}));
// esbuild cannot tell that such a call only fills the namespace's own object, so it keeps every namespace, and
// through them every class, of a library whose page script uses a few: @lumino/widgets alone was 145 KB of the
// member page's script (menus, dock panels, tab bars, the command palette), with @lumino/commands, dragdrop and
// virtualdom behind them. Each namespace is rewritten as the same code in a declaration esbuild can drop when
// nothing uses its name:
//     var Private = /* @__PURE__ */ (function (Private) { ...; return Private; })({});
//     const Widget = /* @__PURE__ */ (() => { class Widget { ... } (function (Widget) { ... })(Widget);
//                                              return Widget; })();
// What is kept runs as before: the same statements in the same order, on the same objects. A namespace in any
// other shape is left as it is (kept whole, as before). The bodies of Lumino's namespaces only declare and
// assign their own members (test/lumino-pure.test.mjs checks the installed modules for that and for every
// namespace being rewritten).

const START = /^\(function \(([\w$]+)\) \{$/;
const END = /^\}\)\(([\w$]+) \|\| \(([\w$]+) = \{\}\)\);$/;
const QUIET = /^\s*$|^\s*(\/\/|\/\*|\*)/;
const TOP = /^(class |var |function |const |let |\(function |export |import |\}\))/;

export function pureNamespaces(source) {
  const lines = source.split('\n');
  const out = lines.slice();
  let rewritten = 0;
  let found = 0;
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i].match(START);
    if (!start) continue;
    found++;
    const param = start[1];
    let j = i + 1;
    while (j < lines.length && !END.test(lines[j])) {
      if (START.test(lines[j])) throw new Error(`lumino-pure: a namespace inside another at line ${j + 1}`);
      j++;
    }
    if (j >= lines.length) throw new Error(`lumino-pure: the namespace at line ${i + 1} has no end`);
    const [, name, assigned] = lines[j].match(END);
    if (name !== assigned) continue;
    let k = i - 1;
    while (k >= 0 && QUIET.test(lines[k])) k--;
    if (k >= 0 && lines[k] === `var ${name};`) {
      out[k] = '';
      out[i] = `var ${name} = /* @__PURE__ */ (function (${param}) {`;
      out[j] = `return ${param};\n})({});`;
      rewritten++;
    } else if (k >= 0 && lines[k] === '}') {
      let c = k - 1;
      while (c >= 0 && !TOP.test(lines[c])) c--;
      const cls = c >= 0 ? lines[c].match(/^class ([\w$]+)[ {]/) : null;
      if (cls && cls[1] === name) {
        out[c] = `const ${name} = /* @__PURE__ */ (() => {\n${lines[c]}`;
        out[j] = `})(${name});\nreturn ${name};\n})();`;
        rewritten++;
      }
    }
  }
  return { code: out.join('\n'), found, rewritten };
}
