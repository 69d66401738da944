"""Page assets: each app page names the smallest plotly.js bundle that draws its charts, and gets it.

Voila's page styles are served as a stylesheet made from its ``voila-style.js``.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.notebooks.harness import NOTEBOOKS, prepare
from workbook import assets
from workbook.content.paths import template_dir
from workbook.widgets.chart import Chart

SERVED = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if p.stem != "district_report")  # the report runs in papermill


def declared(path) -> str:
    return (json.loads(path.read_text(encoding="utf-8"))["metadata"].get("workbook") or {}).get("plotly", "full")


def charts_of(widget, found=None) -> list:
    found = [] if found is None else found
    if isinstance(widget, Chart):
        found.append(widget)
    for child in getattr(widget, "children", ()) or ():
        charts_of(child, found)
    return found


@pytest.fixture(scope="module")
def envs(tmp_path_factory):
    return prepare(tmp_path_factory.mktemp("bundles"))


@pytest.mark.parametrize("path", SERVED, ids=lambda p: p.stem)
def test_every_app_names_a_bundle_that_draws_all_its_charts(path, envs, monkeypatch):
    bundle = declared(path)
    assert bundle in {*assets.BUNDLES, "none"}, f"{path.name}: unknown plotly bundle {bundle!r}"
    env = envs[path.name]
    for key in ("WORKBOOK_DB_URL", "QUERY_STRING"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("VOILA_BASE_URL", "/")  # as under Voila: charts are Chart widgets
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code").strip().splitlines()
    scope: dict = {}
    exec("\n".join(code[:-1] + ["PAGE = " + code[-1]]), scope)  # the project's own notebook
    page = scope["PAGE"]
    # the trace types of the figures the page sends to the browser (a chart's ``spec``: what plotly.js draws)
    drawn = charts_of(page)
    assert all(c.spec.get("data") for c in drawn), f"{path.name}: a chart was sent without its figure"
    types = {t.get("type", "scatter") for c in drawn for t in c.spec["data"]}
    assert "error" not in repr(page).lower(), repr(page)
    assert assets.covers(bundle, types), f"{path.name} declares {bundle!r} but draws {sorted(types)}"
    if bundle in ("cartesian", "full"):
        smaller = [b for b in ("none", "basic", "cartesian") if b != bundle and assets.covers(b, types)]
        assert not smaller or bundle == "cartesian" and smaller == ["none"], \
            f"{path.name} could load the smaller {smaller[0]!r} bundle (draws {sorted(types)})"


def test_member_page_loads_the_basic_bundle():
    assert declared(NOTEBOOKS / "charting_your_path.ipynb") == "basic"


def test_covers():
    assert assets.covers("basic", {"scatter", "bar"})
    assert not assets.covers("basic", {"scatter", "box"})
    assert assets.covers("cartesian", {"box", "heatmap", "scatter"})
    assert not assets.covers("cartesian", {"barpolar"})
    assert assets.covers("full", {"barpolar", "scatterpolar", "sunburst"})
    assert assets.covers("none", set()) and not assets.covers("none", {"scatter"})


def test_version_is_the_plotly_packages():
    import plotly

    version = assets.plotly_js_version()
    assert version.count(".") == 2
    assert f"v{version}" in (assets.full_bundle().read_text(encoding="utf-8", errors="replace")[:400])
    assert plotly.__version__  # the python package is the source of the version, not a pin of ours


def fake_bundle(path, kind: str, version: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"/**\n* plotly.js ({kind} - minified) v{version}\n*/\nwindow.Plotly = {{}};\n", encoding="utf-8")


def test_install_serves_fetched_bundles_and_falls_back_to_the_full_one(tmp_path):
    version = assets.plotly_js_version()
    cache, template = tmp_path / "cache", tmp_path / "template"
    full = assets.full_bundle().read_bytes()
    # nothing fetched: every name serves the full bundle, so any page still draws all its charts
    used = assets.install(template, cache)
    assert all(src == assets.full_bundle() for src in used.values())
    for name in ("plotly-basic.min.js", "plotly-cartesian.min.js", "plotly.min.js"):
        assert (template / "static" / name).read_bytes() == full
    # fetched: the partial bundles are served under their names; a wrong version is never used
    fake_bundle(cache / "plotly-basic.min.js", "basic", version)
    fake_bundle(cache / "plotly-cartesian.min.js", "cartesian", "0.0.1")
    used = assets.install(template, cache)
    assert used["basic"] == cache / "plotly-basic.min.js"
    assert (template / "static" / "plotly-basic.min.js").read_bytes() == (cache / "plotly-basic.min.js").read_bytes()
    assert used["cartesian"] == assets.full_bundle()
    assert (template / "static" / "plotly-cartesian.min.js").read_bytes() == full
    assert sorted(p.name for p in (template / "static").iterdir()) == [
        "plotly-basic.min.js", "plotly-cartesian.min.js", "plotly.min.js"]  # no temporary files left behind


def test_install_leaves_an_identical_copy_alone_and_replaces_a_damaged_one(tmp_path):
    assets.install(tmp_path)
    target = tmp_path / "static" / "plotly.min.js"
    stamp = target.stat().st_mtime_ns
    assets.install(tmp_path)
    assert target.stat().st_mtime_ns == stamp
    target.write_text("truncated")
    assets.install(tmp_path)
    assert target.read_bytes() == assets.full_bundle().read_bytes()


def test_fetch_without_npm_says_so_and_raises_nothing(tmp_path):
    out = assets.fetch(tmp_path, npm="no-such-npm-here")
    assert set(out) == {"basic", "cartesian"}
    assert all("npm not found" in v for v in out.values())
    assert list(tmp_path.iterdir()) == []


def test_fetch_keeps_bundles_already_present(tmp_path):
    version = assets.plotly_js_version()
    fake_bundle(tmp_path / "plotly-basic.min.js", "basic", version)
    fake_bundle(tmp_path / "plotly-cartesian.min.js", "cartesian", version)
    assert assets.fetch(tmp_path, npm="no-such-npm-here") == {"basic": "present", "cartesian": "present"}


def test_fetch_with_a_package_without_the_bundle_reports_it_and_keeps_nothing(tmp_path):
    import stat

    # an npm that "packs" a tarball holding something else
    empty = tmp_path / "other.txt"
    empty.write_text("not a bundle")
    fake = tmp_path / "npm"
    fake.write_text("#!/usr/bin/env python3\nimport sys, tarfile\n"
                    "dest = sys.argv[sys.argv.index('--pack-destination') + 1]\n"
                    f"with tarfile.open(dest + '/x.tgz', 'w:gz') as t: t.add({str(empty)!r}, 'package/other.txt')\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    dest = tmp_path / "cache"
    out = assets.fetch(dest, npm=str(fake))
    assert all("has no readable" in v and "not used" in v for v in out.values()), out
    assert list(dest.iterdir()) == []


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


@needs_node
def test_voilas_styles_become_a_stylesheet_of_the_same_rules(tmp_path):
    source = assets.voila_style_js()
    assert source is not None, "Voila's voila-style.js is not in the Jupyter data path"
    assert assets.install_style(tmp_path, source) == "made"
    css = (tmp_path / assets.STYLE_CSS).read_text(encoding="utf-8")
    # the shell's layout, the outputs' and the icon fonts, as voila-style.js inserts them
    for rule in (".jp-OutputArea", ".jp-RenderedHTMLCommon", ".lm-Widget", "@font-face"):
        assert rule in css, rule
    # every file it points at (the icon fonts) is next to the script, where the stylesheet is served from
    files = {u.split("?")[0].split("#")[0] for u in re.findall(r"url\(([^)\"']+)\)", css)}
    files = {f for f in files if not f.startswith(("data:", "%23", "#"))}
    assert files and all((source.parent / f).is_file() for f in files), sorted(files)
    assert assets.style_current(tmp_path, source)
    assert assets.install_style(tmp_path, source) == "present"


@needs_node
def test_a_stylesheet_made_from_another_voila_is_made_again(tmp_path):
    other = tmp_path / "voila-style.js"
    other.write_text(assets.voila_style_js().read_text(encoding="utf-8") + "\n// another release\n")
    static = tmp_path / "static"
    assert assets.install_style(static, other) == "made"
    assert not assets.style_current(static, assets.voila_style_js())  # made from another script: not current
    assert assets.install_style(static, assets.voila_style_js()) == "made"
    assert assets.style_current(static, assets.voila_style_js())


def test_without_node_a_stale_stylesheet_is_removed_and_pages_use_the_script(tmp_path):
    (tmp_path / assets.STYLE_CSS).write_text("/* made by workbook/js/voila_style_css.js from voila-style.js "
                                              "sha256=0000 */\n.jp-OutputArea {}\n")
    said = assets.install_style(tmp_path, assets.voila_style_js(), node="no-such-node-here")
    assert "node not found" in said and "script" in said
    assert not (tmp_path / assets.STYLE_CSS).exists() and not assets.style_current(tmp_path)


def test_a_script_that_inserts_no_styles_is_reported_not_used(tmp_path):
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    empty = tmp_path / "voila-style.js"
    empty.write_text("// nothing\n")
    said = assets.install_style(tmp_path / "static", empty)
    assert "could not read" in said and not (tmp_path / "static" / assets.STYLE_CSS).exists()


def test_a_rule_repeated_later_is_left_out_and_nothing_else():
    """Of two identical rules the later wins every property on every element: only the earlier copy goes."""
    first = ("/* head */\n.a { color: red; }\n.b {\n  color: blue;\n}\n"
             "@media (max-width: 600px) { .a { color: red; } }\n.a { color: green; }\n.c { content: '}'; }\n"
             ".d { margin: 0 }\n.d { margin: 0 }\n")
    later = ".b { color: blue; }\n.a { color: red }\n"
    out = assets.without_overridden_copies(first, later)
    assert ".b {" not in out  # repeated by the later stylesheet (white space aside)
    assert out.count(".d { margin: 0 }") == 1  # repeated within the same stylesheet: the later copy is kept
    # kept: a rule the later sheet repeats with other declarations, whatever is inside an at-rule, a brace in a
    # string, the comment
    for kept in (".a { color: red; }\n", "@media (max-width: 600px) { .a { color: red; } }", ".a { color: green; }",
                 ".c { content: '}'; }", "/* head */"):
        assert kept in out, kept
    assert "".join(first[s:e] for s, e, _k in assets.top_level_rules(first)) == first


@needs_node
def test_voilas_stylesheet_leaves_out_what_the_lab_stylesheet_repeats(tmp_path):
    source, lab = assets.voila_style_js(), assets.lab_index_css()
    assert source is not None and lab is not None
    assert assets.install_style(tmp_path, source, lab=lab) == "made"
    made = (tmp_path / assets.STYLE_CSS).read_text(encoding="utf-8")
    repeated = {k for _s, _e, k in assets.top_level_rules(lab.read_text(encoding="utf-8")) if k}
    kept = [k for _s, _e, k in assets.top_level_rules(made) if k]
    assert kept and not repeated & set(kept)
    assert len(kept) == len(set(kept))
    # made against another index.css, it is made again
    other = tmp_path / "other-index.css"
    other.write_text(".only-here { color: red; }\n", encoding="utf-8")
    assert not assets.style_current(tmp_path, source, other)
    assert assets.install_style(tmp_path, source, lab=other) == "made"
    assert assets.style_current(tmp_path, source, other)


def test_the_light_stylesheet_keeps_the_rules_that_can_match_and_the_variables_they_use():
    known = {"widget-text", "wb-card", "lm-Widget", "present", "lm-mod-hidden"}
    first = """
:root { --used: 1px; --chain: var(--used-by-chain); --used-by-chain: red; --unused: blue; --by-dropped: green;
        --outside-var: 3px; }
.lm-Widget { box-sizing: border-box; margin: var(--used); }
.jp-FileBrowser { color: var(--by-dropped); }
.jp-FileBrowser, .wb-card .widget-text { color: var(--chain); }
#absent-id { color: red; }
#present { color: black; }
.lm-Widget:not(.jp-mod-whatever) { outline: none; }
body { margin: 0; }
@media (max-width: 600px) { .jp-Toolbar { display: none; } }
@media print { .wb-card { break-inside: avoid; } .jp-Toolbar { display: none; } }
@font-face { font-family: Lato; src: url(lato.woff2); }
@keyframes spin { to { transform: rotate(1turn); } }
"""
    later = ".lm-Widget.lm-mod-hidden { display: none !important; }\n.CodeMirror { height: 300px; }\n"
    out = assets.light_stylesheet([first, later], known, outside={"outside-var"})
    for kept in (".lm-Widget { box-sizing: border-box; margin: var(--used); }", ".wb-card .widget-text",
                 "#present", ":not(.jp-mod-whatever)", "body { margin: 0; }", "@media print", "break-inside",
                 "@font-face", "@keyframes spin", "display: none !important", "--used:", "--chain:",
                 "--used-by-chain:", "--outside-var:"):
        assert kept in out, kept
    for gone in (".jp-FileBrowser { color: var(--by-dropped)", "#absent-id", "(max-width: 600px)", ".jp-Toolbar",
                 ".CodeMirror", "--unused", "--by-dropped:"):
        assert gone not in out, gone
    # the order of the rules is the sheets' order
    assert out.index(".lm-Widget { box-sizing") < out.index("#present") < out.index("lm-mod-hidden")


@needs_node
def test_the_light_pages_stylesheet_is_made_once_for_what_draws_them(tmp_path):
    source, lab = assets.voila_style_js(), assets.lab_index_css()
    assert source is not None and lab is not None
    static = tmp_path / "static"
    known = assets.words(assets.light_sources(template_dir() / "static"))
    assert "widget-dropdown" in known and "wb-card" in known and "jp-OutputArea-output" in known
    assert assets.install_light_style(static, source, lab, known).startswith("voila-style.css is not made")
    assert assets.install_style(static, source, lab=lab) == "made"
    assert assets.install_light_style(static, source, lab, known) == "made"
    made = (static / assets.LIGHT_CSS).read_text(encoding="utf-8")
    both = (static / assets.STYLE_CSS).stat().st_size + lab.stat().st_size
    assert len(made) < both / 5, (len(made), both)
    for needed in (".lm-Widget", ".jp-OutputArea-output", ".jp-RenderedHTMLCommon", "#rendered_cells",
                   "--jp-ui-font-size1", "--jp-layout-color0"):
        assert needed in made, needed
    for unused in (".jp-FileBrowser", ".jp-DirListing", ".jp-Notebook-toolbar"):
        assert unused + " " not in made and unused + "{" not in made, unused
    assert assets.light_style_current(static, source, lab, known)
    assert assets.install_light_style(static, source, lab, known) == "present"
    # other words (another workbook, another page script): made again
    assert not assets.light_style_current(static, source, lab, known | {"wb-new-class"})
    assert assets.install_light_style(static, source, lab, known | {"wb-new-class"}) == "made"
    # Voila's stylesheet gone stale (another Voila, no Node.js to make it again): the light one goes too
    other = tmp_path / "voila-style.js"
    other.write_text(source.read_text(encoding="utf-8") + "\n// another release\n")
    assert assets.install_style(static, other, node="no-such-node-here", lab=lab).startswith("node not found")
    assert assets.install_light_style(static, other, lab, known).startswith("voila-style.css is not made")
    assert not (static / assets.LIGHT_CSS).exists()
