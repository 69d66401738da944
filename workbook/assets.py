"""plotly.js for the apps' pages, served by Voila itself (no CDN: the apps work offline).

Evaluating the full ``plotly.min.js`` (4.8 MB) takes a browser 1-2 s of main-thread time on the
machines the workbook runs on, longer than the rest of a Voila page together. Most pages need far
less: Charting Your Path draws scatter lines only. So each app notebook names the smallest
plotly.js bundle that draws its charts (notebook metadata ``workbook.plotly``), and the
template loads that one:

====================  ==========================  ========================================
``basic``             ``plotly-basic.min.js``     scatter, bar, pie (1.2 MB)
``cartesian``         ``plotly-cartesian.min.js`` + box, heatmap, histogram, violin ... (1.5 MB)
``full``              ``plotly.min.js``           everything (the plotly package's own copy)
``none``              (no script)                 a page without charts
====================  ==========================  ========================================

The partial bundles are plotly's own builds from the npm registry, at the same plotly.js version
as the installed plotly package. ``python -m workbook.assets`` fetches them once per environment
(``make app`` does it); ``workbook serve`` copies them into the template's ``static`` folder.
Without them (no npm, no network at set-up) every page gets the full bundle: slower, never broken.

Voila's own page styles come as ``voila-style.js``, 340 KB of JavaScript that only inserts
``<style>`` elements; a browser runs it before it lays anything out. ``workbook serve`` turns it
into a stylesheet once (:func:`install_style`, with Node.js: ``workbook/js/voila_style_css.js``) and
the template links the stylesheet instead: the same rules in the same order, without the script, and
without the rules the lab template's ``index.css`` linked after it repeats (the later copy of a rule wins
anyway). The stylesheet records the checksums of the script and of ``index.css`` it was made from; made
from another Voila's script, or without Node.js, it is not used and pages load the script as Voila does.

A light page (a member's page, drawn by ``workbook-page.js`` without JupyterLab's application) links one
stylesheet instead of those two, ``workbook-light.css`` (:func:`install_light_style`): the same rules in the
same order, without the ones that cannot match anything on such a page, and without the CSS variables no kept
rule uses. A rule can match only if every class and id its selector names (outside ``:not()`` and the like)
appears somewhere in what draws the page: the page script, the plotly.js bundles, the workbook's Python (its
HTML and its widgets' browser code) and the page templates. Of the two sheets' 446 KB, about a tenth is left;
a phone parses it and matches its elements against it before the page script runs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .content.files import replace_atomic, write_atomic

FULL = "plotly.min.js"
# bundle -> (npm package, file in the package, trace types it draws); None: the plotly package's own file
BUNDLES: dict[str, tuple[str | None, str, frozenset | None]] = {
    "basic": ("plotly.js-basic-dist-min", "plotly-basic.min.js", frozenset({"scatter", "bar", "pie"})),
    "cartesian": ("plotly.js-cartesian-dist-min", "plotly-cartesian.min.js", frozenset({
        "scatter", "bar", "pie", "box", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "contour",
        "image", "scatterternary", "violin"})),
    "full": (None, FULL, None),
}


def full_bundle() -> Path:
    """The full plotly.js bundle the installed plotly package ships (found without importing plotly)."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed in this environment")
    return Path(list(spec.submodule_search_locations)[0]) / "package_data" / FULL


def plotly_js_version() -> str:
    """The plotly.js version the installed plotly package ships (from its bundle's header)."""
    with full_bundle().open(encoding="utf-8", errors="replace") as fh:
        head = fh.read(400)
    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", head)
    if not found:
        raise RuntimeError(f"cannot read the plotly.js version from {full_bundle()}")
    return found.group(1)


def cache_dir(version: str | None = None) -> Path:
    """Where this environment keeps the fetched bundles (one folder per plotly.js version)."""
    return Path(sys.prefix) / "share" / "workbook" / "plotly" / (version or plotly_js_version())


def covers(bundle: str, trace_types) -> bool:
    """True when ``bundle`` draws every trace type in ``trace_types``."""
    if bundle == "none":
        return not set(trace_types)
    allowed = BUNDLES[bundle][2]
    return allowed is None or set(trace_types) <= allowed


def _header_ok(path: Path, name: str, version: str) -> bool:
    """The file is that bundle at that version (plotly writes both into its first lines)."""
    kind = name.split("-")[1].split(".")[0]  # basic, cartesian
    try:
        head = path.read_bytes()[:300].decode("utf-8", "replace")
    except OSError:
        return False
    return f"({kind} - minified) v{version}" in head


def bundle_for(types) -> tuple[str, Path]:
    """The smallest plotly.js bundle this environment has that draws every trace type in ``types``."""
    version = plotly_js_version()
    for name in ("basic", "cartesian"):
        filename = BUNDLES[name][1]
        path = cache_dir(version) / filename
        if covers(name, types) and _header_ok(path, filename, version):
            return filename, path
    return FULL, full_bundle()


_SCRIPTS: dict[str, str] = {}


def plotlyjs_script(types) -> str:
    """An inline ``<script>`` with the smallest bundle drawing ``types`` (read once per process)."""
    name, path = bundle_for(types)
    if name not in _SCRIPTS:
        _SCRIPTS[name] = f"<script charset='utf-8'>{path.read_text(encoding='utf-8')}</script>"
    return _SCRIPTS[name]


def fetch(dest: Path | None = None, npm: str = "npm", timeout: float = 180) -> dict[str, str]:
    """Fetch the partial bundles at the installed plotly.js version into ``dest``; what happened to each.

    Uses ``npm pack`` (the registry's integrity check included), so nothing is installed into a
    ``node_modules``. Already fetched bundles are kept. Never raises for a missing npm or network:
    the result says so and the pages fall back to the full bundle.
    """
    version = plotly_js_version()
    dest = dest or cache_dir(version)
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for bundle, (package, name, _types) in BUNDLES.items():
        if package is None:
            continue
        target = dest / name
        if _header_ok(target, name, version):
            out[bundle] = "present"
            continue
        if not shutil.which(npm):
            out[bundle] = "npm not found: pages will use the full plotly.js"
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                done = subprocess.run([npm, "pack", f"{package}@{version}", "--pack-destination", tmp, "--silent"],
                                      cwd=tmp, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                out[bundle] = "npm pack timed out: pages will use the full plotly.js"
                continue
            tarballs = list(Path(tmp).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                out[bundle] = f"npm pack failed ({(done.stderr or done.stdout).strip()[-200:]})"
                continue
            try:
                with tarfile.open(tarballs[0]) as tar:
                    member = tar.extractfile(tar.getmember(f"package/{name}"))
                    if member is None:  # a directory or a link, not the bundle
                        raise KeyError(f"package/{name} is not a file")
                    data = member.read()
            except (KeyError, tarfile.TarError, AttributeError) as exc:
                out[bundle] = f"{package}@{version} has no readable {name} ({exc}): not used"
                continue
            partial = target.with_suffix(f".tmp{os.getpid()}")
            partial.write_bytes(data)
            if not _header_ok(partial, name, version):
                partial.unlink()
                out[bundle] = f"{package}@{version} is not the expected bundle: not used"
                continue
            os.replace(partial, target)
            out[bundle] = f"fetched {package}@{version}"
    return out


def _copy_if_changed(source: Path, target: Path) -> None:
    """Copy unless the target is already that file; written under a temporary name, then renamed."""
    if target.exists() and target.stat().st_size == source.stat().st_size \
            and target.read_bytes()[:300] == source.read_bytes()[:300]:
        return
    replace_atomic(target, lambda tmp: shutil.copyfile(source, tmp))


def install(template_dir: Path, cache: Path | None = None) -> dict[str, Path]:
    """Put every bundle's file into ``template_dir/static``; the source used for each bundle.

    A partial bundle that was never fetched is served as the full one under its name, so a page
    asking for it still draws every chart.
    """
    static = template_dir / "static"
    static.mkdir(parents=True, exist_ok=True)
    version = plotly_js_version()
    cache = cache or cache_dir(version)
    used = {}
    for bundle, (_package, name, _types) in BUNDLES.items():
        source = full_bundle()
        if bundle != "full" and _header_ok(cache / name, name, version):
            source = cache / name
        _copy_if_changed(source, static / name)
        used[bundle] = source
    return used


STYLE_JS = "voila-style.js"
STYLE_CSS = "voila-style.css"
LAB_CSS = "index.css"
STYLE_SCRIPT = Path(__file__).with_name("js") / "voila_style_css.js"
_STYLE_MARK = "/* made by workbook/js/voila_style_css.js from voila-style.js sha256="


def lab_index_css() -> Path | None:
    """The lab template's ``index.css`` the page links after Voila's styles (nbconvert's lab template), or None."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbconvert", "templates", "lab", "static"):
        candidate = Path(folder) / LAB_CSS
        if candidate.is_file():
            return candidate
    return None


def top_level_rules(css: str) -> list[tuple[int, int, str | None]]:
    """The stylesheet's top-level items as ``(start, end, key)``; ``key`` is None for anything but a style rule.

    A style rule's key is its selector and declarations with runs of white space made one space. At-rules
    (``@media``, ``@font-face``, ``@keyframes`` ...) and comments between items have no key: they are kept.
    Strings and comments are skipped when braces are counted.
    """
    items: list[tuple[int, int, str | None]] = []
    i, n, start, depth = 0, len(css), 0, 0
    while i < n:
        c = css[i]
        if c == "/" and css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "\"'":
            j = i + 1
            while j < n and css[j] != c:
                j += 2 if css[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                text = css[start:i + 1]
                head = re.sub(r"/\*.*?\*/", "", text, flags=re.S).strip()
                key = None if head.startswith("@") else " ".join(head.split())
                items.append((start, i + 1, key))
                start = i + 1
        elif c == ";" and depth == 0:  # an at-statement (@charset, @import ...)
            items.append((start, i + 1, None))
            start = i + 1
        i += 1
    if start < n:
        items.append((start, n, None))
    return items


def without_overridden_copies(css: str, later: str = "") -> str:
    """``css`` without the style rules an identical rule later in ``css`` or in ``later`` repeats.

    Of two identical rules (the same selector and the same declarations) the later one wins every property
    they set, on every element they match: removing the earlier changes no element's style. Voila's styles
    and the lab template's ``index.css`` (linked after them) share most of their rules; the copies in
    Voila's are dropped. Rules inside at-rules (``@media`` ...) are left as they are.
    """
    rules = top_level_rules(css)
    seen_later = {key for _s, _e, key in top_level_rules(later) if key}
    drop = []
    for start, end, key in reversed(rules):
        if key is None:
            continue
        if key in seen_later:
            drop.append((start, end))
        else:
            seen_later.add(key)
    out, last = [], 0
    for start, end in sorted(drop):
        out.append(css[last:start])
        last = end
    out.append(css[last:])
    return "".join(out)


def voila_style_js() -> Path | None:
    """Voila's ``voila-style.js`` (its base template's static folder in the Jupyter data path), or None."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("voila", "templates", "base", "static"):
        candidate = Path(folder) / STYLE_JS
        if candidate.is_file():
            return candidate
    return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mark(source: Path, lab: Path | None) -> str:
    """The stylesheet's first line: the checksums of the script and of the lab stylesheet it was made against."""
    return f"{_STYLE_MARK}{_digest(source)} index.css sha256={_digest(lab) if lab else 'none'} */\n"


def style_current(static: Path, source: Path | None = None, lab: Path | None = None) -> bool:
    """True when ``static/voila-style.css`` is made from the installed ``voila-style.js`` and ``index.css``.

    ``source`` and ``lab`` name them when they are not the installed ones.
    """
    source = source or voila_style_js()
    lab = lab or lab_index_css()
    css = static / STYLE_CSS
    if source is None or not css.is_file():
        return False
    with css.open(encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    return first == _mark(source, lab)


def install_style(static: Path, source: Path | None = None, node: str = "node", timeout: float = 60,
                  lab: Path | None = None) -> str:
    """Make ``static/voila-style.css`` from Voila's ``voila-style.js`` unless it is current; what happened.

    The rules the lab template's ``index.css`` (``lab``, linked after it) repeats are left out
    (:func:`without_overridden_copies`): about a third of Voila's styles, which the page would otherwise
    download and parse twice. Never raises for a missing Node.js or a script it cannot read: the result
    says so, any stale stylesheet is removed (so the template falls back to the script) and pages keep working.
    """
    source = source or voila_style_js()
    lab = lab or lab_index_css()
    css = static / STYLE_CSS
    if source is None:
        return "voila-style.js not found: pages load Voila's styles as a script"
    if style_current(static, source, lab):
        return "present"
    if css.exists():
        css.unlink()
    if not shutil.which(node):
        return "node not found: pages load Voila's styles as a script"
    try:
        done = subprocess.run([node, str(STYLE_SCRIPT), str(source)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "node timed out: pages load Voila's styles as a script"
    if done.returncode != 0 or not done.stdout.strip():
        return f"node could not read voila-style.js ({done.stderr.strip()[-200:]}): pages load it as a script"
    rules = without_overridden_copies(done.stdout, lab.read_text(encoding="utf-8") if lab else "")
    write_atomic(css, _mark(source, lab) + rules)
    return "made"


def main() -> int:
    """Fetch the partial plotly.js bundles and print what happened to each; the exit status (always 0)."""
    for bundle, what in fetch().items():
        print(f"plotly.js {bundle} bundle: {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# --- the light pages' stylesheet -------------------------------------------------------------------------------

LIGHT_CSS = "workbook-light.css"
_LIGHT_MARK = "/* made by workbook/assets.py from voila-style.css and index.css; sha256="
_TOKEN = re.compile(r"[A-Za-z_][\w-]*")


def light_sources(static: Path) -> list[Path]:
    """What draws a light page, whose words name every class and id its elements can carry.

    The page script and the plotly.js bundles in ``static``, the workbook's Python (the pages' HTML, the widgets'
    browser code, the theme), the stylesheets linked beside it (the widgets' and JupyterLab's light theme, whose
    variables use the lab's) and the templates that write the page (the workbook's, Voila's lab and base
    templates and nbconvert's, wherever Jupyter's data path has them).
    """
    from jupyter_core.paths import jupyter_path

    found = [static / name for name in ("workbook-page.js", "workbook-page.css",
                                        *(name for _p, name, _t in BUNDLES.values()))]
    found += [Path(f) / "index.css" for f in jupyter_path("voila", "themes", "@jupyterlab", "theme-light-extension")]
    found += sorted(Path(__file__).parent.rglob("*.py"))
    folders = [static.parent]
    for app, kind in (("voila", "lab"), ("voila", "base"), ("nbconvert", "lab"), ("nbconvert", "base")):
        folders += [Path(f) for f in jupyter_path(app, "templates", kind)]
    for folder in folders:
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".j2", ".html", ".json"))
    return [p for p in found if p.is_file()]


def words(paths) -> set[str]:
    """Every word (letters, digits, ``_`` and ``-``, not starting with a digit or ``-``) in the files."""
    found: set[str] = set()
    for path in paths:
        found.update(_TOKEN.findall(Path(path).read_text(encoding="utf-8", errors="replace")))
    return found


def _can_match(prelude, known: set[str]) -> bool:
    """Whether a selector list can match: one of its selectors names only classes and ids in ``known``.

    Classes and ids inside functional pseudo-classes (``:not(.x)``, ``:is(.x)``) are not looked at: the
    selector is kept, as one that might match.
    """
    selectors: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    for selector in selectors:
        previous, possible = None, True
        for token in selector:
            if token.type == "hash" and token.value not in known:
                possible = False
            elif (token.type == "ident" and previous is not None and previous.type == "literal"
                  and previous.value == "." and token.value not in known):
                possible = False
            if not possible:
                break
            previous = token
        if possible:
            return True
    return False


_BLOCKS = ("media", "supports", "layer", "container", "document")


def _kept_rules(rules, known: set[str]) -> list:
    """The ones of ``rules`` (tinycss2 nodes) that can match; a block of rules as ``(its head, its kept rules)``."""
    import tinycss2

    out: list = []
    for rule in rules:
        if rule.type == "qualified-rule":
            if _can_match(rule.prelude, known):
                out.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in _BLOCKS and rule.content is not None:
            inner = _kept_rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                                known)
            if inner:
                out.append((f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}", inner))
        elif rule.type == "at-rule":
            out.append(rule)
    return out


def _declarations(rule) -> list:
    import tinycss2

    return [d for d in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True)
            if d.type == "declaration"]


def _walk(kept):
    for item in kept:
        if isinstance(item, tuple):
            yield from _walk(item[1])
        else:
            yield item


def light_stylesheet(sheets: list[str], known: set[str], outside: Iterable[str] = ()) -> str:
    """The style rules of ``sheets`` (in order) that can match a page whose classes and ids are all in ``known``.

    CSS variables (``--name``) are kept only where a kept rule's other declarations, another kept variable,
    or ``outside`` (the words of what else styles or scripts the page) use them. At-rules other than blocks
    of rules (``@font-face``, ``@keyframes`` ...) are kept as they are; comments are not.
    """
    import tinycss2

    kept = []
    for css in sheets:
        kept += _kept_rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), known)
    variables: dict[str, set[str]] = {}
    used = set(outside)
    for rule in _walk(kept):
        if rule.type != "qualified-rule":
            used.update(_TOKEN.findall(rule.serialize()))
            continue
        for decl in _declarations(rule):
            value = set(_TOKEN.findall(tinycss2.serialize(decl.value)))
            if decl.name.startswith("--"):
                variables.setdefault(decl.name[2:], set()).update(value)
            else:
                used.update(value)
    pending = [name for name in variables if name in used]
    while pending:
        for word in variables[pending.pop()]:
            if word in variables and word not in used:
                pending.append(word)
            used.add(word)

    def text(items, indent="") -> list[str]:
        lines = []
        for item in items:
            if isinstance(item, tuple):
                lines.append(f"{indent}{item[0]}{{\n" + "\n".join(text(item[1], indent + "  ")) + f"\n{indent}}}")
            elif item.type == "at-rule":
                lines.append(indent + item.serialize())
            else:
                decls = _declarations(item)
                if any(d.name.startswith("--") for d in decls):
                    body = [d for d in decls if not d.name.startswith("--") or d.name[2:] in used]
                    if body:
                        lines.append(f"{indent}{tinycss2.serialize(item.prelude).strip()} {{ "
                                     + "; ".join(d.serialize() for d in body) + "; }")
                else:
                    lines.append(indent + item.serialize())
        return lines

    return "\n".join(text(kept)) + "\n"


def _light_mark(static: Path, lab: Path | None, known: set[str]) -> str:
    inputs = hashlib.sha256()
    inputs.update((static / STYLE_CSS).read_bytes())
    inputs.update(lab.read_bytes() if lab else b"none")
    inputs.update("\n".join(sorted(known)).encode())
    return f"{_LIGHT_MARK}{inputs.hexdigest()} */\n"


def light_style_current(static: Path, source: Path | None = None, lab: Path | None = None,
                        known: set[str] | None = None) -> bool:
    """True when ``static/workbook-light.css`` is made from the stylesheets and the words there are now.

    ``source``, ``lab`` and ``known`` as for :func:`install_light_style`.
    """
    css = static / LIGHT_CSS
    if not css.is_file() or not style_current(static, source, lab):
        return False
    known = words(light_sources(static)) if known is None else known
    with css.open(encoding="utf-8", errors="replace") as fh:
        return fh.readline() == _light_mark(static, lab or lab_index_css(), known)


def install_light_style(static: Path, source: Path | None = None, lab: Path | None = None,
                        known: set[str] | None = None) -> str:
    """Make ``static/workbook-light.css`` for the light pages unless it is current; what happened.

    Made from ``voila-style.css`` (which :func:`install_style` makes first, from ``source``) and the lab
    template's ``index.css`` (``lab``), keeping what :func:`light_stylesheet` keeps for the words ``known``
    (by default those of :func:`light_sources`). Without a current ``voila-style.css`` any stale copy is
    removed, and light pages link the two stylesheets as before.
    """
    lab = lab or lab_index_css()
    css = static / LIGHT_CSS
    if not style_current(static, source, lab):
        css.unlink(missing_ok=True)
        return "voila-style.css is not made: light pages link Voila's stylesheets"
    found = words(light_sources(static))
    known = found if known is None else known
    mark = _light_mark(static, lab, known)
    if css.is_file():
        with css.open(encoding="utf-8", errors="replace") as fh:
            if fh.readline() == mark:
                return "present"
    sheets = [(static / STYLE_CSS).read_text(encoding="utf-8")]
    if lab:
        sheets.append(lab.read_text(encoding="utf-8"))
    outside = found | known
    write_atomic(css, mark + light_stylesheet(sheets, known, outside))
    return "made"
