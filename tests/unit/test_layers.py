"""The package's layers, declared once (``LAYERS``, lowest first) and checked on its source.

Every module under ``workbook/`` belongs to exactly one layer, and a module never imports from a higher
layer (imports inside functions count too: they run as soon as the function does). Imports within a layer
are free, but no two modules import each other, directly or round a circle. The folders follow the layers
where they can (``content/``, ``kernels/``, ``store/``, ``widgets/``, ``apps/``, ``serve/``); ``reports/``
spans four, because what a coach prints is made at four heights:

- ``reports/report_html.py`` writes HTML from the content alone (computed);
- ``reports/district_report.py`` reads the store (report), ``batch``, ``kernels`` and ``team_summary`` run
  or print it (reports);
- the widgets sit above the reports: the sharing box offers the team summary, printed to PDF with the
  reports' Chromium (``widgets/sharing.py``), and no report imports a widget library;
- ``reports/views.py`` (the apps' static views under papermill) sits above the apps, whose sections it shows.

``site`` (links, assets) is low although the servers use it: the widgets put links and plotly.js bundles
into pages, and the district report inlines a bundle. ``kernels`` (the fork server of warm templates) is
low too: it imports nothing of the workbook but its errors and console, and both the reports' and the
servers' kernels are forked through it. The servers sit above the apps (a page kernel's template imports
the member's app) and import nothing from the command line, which sits above them and starts them.

A package's ``__init__.py`` is named ``package.__init__``; the package's name stands for every module in it.
Below the store nothing imports SQLAlchemy, and below the widgets nothing imports a widget library.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import workbook

PACKAGE = Path(workbook.__file__).resolve().parent

# (name, modules and packages, why they are there), lowest first; a package stands for every module in it,
# ``package.__init__`` for its __init__.py only
LAYERS = (
    ("content", ("workbook.content", "workbook._lazy", "workbook._bundled"),
     "the frameworks' text and its rules, and the small helpers everything uses"),
    ("computed", ("workbook.analysis", "workbook.charts", "workbook.html", "workbook.worksheet",
                  "workbook.reports.report_html"),
     "what is computed, drawn and written as HTML from the content (no store, no widgets)"),
    ("site", ("workbook.links", "workbook.assets"),
     "what a served workbook is made of: its links and the plotly.js bundles pages load"),
    ("kernels", ("workbook.kernels",), "kernels forked from warm templates, for the reports and the servers"),
    ("store", ("workbook.store",), "the database"),
    ("data", ("workbook.exchange", "workbook.ownership", "workbook.demo"),
     "whole sessions and districts through the store: CSV/Excel, backups and deletion, the demo team"),
    ("report", ("workbook.reports.__init__", "workbook.reports.district_report"),
     "the district report papermill runs"),
    ("reports", ("workbook.reports.kernels", "workbook.reports.batch", "workbook.reports.team_summary"),
     "batches of reports in forked kernels, and the team's printable summary"),
    ("widgets", ("workbook.widgets",), "the reusable parts of a page"),
    ("apps", ("workbook.apps",), "one module per notebook"),
    ("views", ("workbook.reports.views",), "the apps' static views for papermill"),
    ("servers", ("workbook.serve",),
     "what `workbook serve` and a convening run: Voila, its page kernels and capacity, HAProxy, PostgreSQL"),
    ("cli", ("workbook.cli",), "every `workbook` subcommand"),
    ("package", ("workbook.__init__",), "the package's lazy re-exports"),
)
PURE = ("content", "computed")  # the layers that only read the framework and compute, draw or write HTML from it
WIDGET_LIBS = ("ipywidgets", "anywidget")
# SQLAlchemy belongs to the store. Modules outside it that still import it, each for a reason; the list may only
# shrink (a module listed here that stops importing it fails the test until it is taken off the list).
SQL_ELSEWHERE = {
    "workbook.reports.kernels": "the report kernels' template imports the SQLite dialect once, before any fork",
    "workbook.serve.page_warm": "the page kernels' template imports the dialects once, before any fork",
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module under ``root`` (a ``workbook`` package folder) by its dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py")) if "__pycache__" not in p.parts}


def source_of(node: ast.ImportFrom, package: str) -> str:
    """The absolute name of the module a ``from ... import`` statement in ``package`` reads from."""
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(path: Path, root: Path, known=None) -> list[tuple[int, str]]:
    """Every module ``path`` imports (absolute names, relative imports resolved), with its line.

    ``from . import charts`` and ``from .widgets import page`` name the modules ``workbook.charts`` and
    ``workbook.widgets.page``; ``from .store import Store`` names ``workbook.store``.
    """
    known = modules(root) if known is None else known
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = source_of(node, package)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append((node.lineno, sub if sub in known else target))
    return out


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _covers(entry: str, name: str) -> bool:
    if entry.endswith(".__init__"):
        return name == entry.removesuffix(".__init__")
    return name == entry or name.startswith(entry + ".")


def layer_of(name: str, layers=LAYERS) -> int | None:
    """The index in ``layers`` of the layer holding module ``name`` (None for a module of no layer)."""
    found = [i for i, (_n, entries, _why) in enumerate(layers) for e in entries if _covers(e, name)]
    return found[0] if len(found) == 1 else None


def placement(root: Path = PACKAGE, layers=LAYERS) -> list[str]:
    """Modules in no layer or in more than one, and entries that name no module."""
    names = modules(root)
    found = []
    for name in names:
        homes = [n for n, entries, _why in layers for e in entries if _covers(e, name)]
        if not homes:
            found.append(f"{name} is in no layer: add it to LAYERS in tests/unit/test_layers.py")
        elif len(homes) > 1:
            found.append(f"{name} is in more than one layer: {homes}")
    for layer, entries, _why in layers:
        found += [f"{e} (layer {layer}) names no module" for e in entries if not any(_covers(e, n) for n in names)]
    return found


def violations(root: Path = PACKAGE, layers=LAYERS) -> list[str]:
    """The layer rules broken under ``root`` (a ``workbook`` package folder), as 'file:line: rule' lines."""
    names = modules(root)
    below_store = range(next(i for i, (n, _e, _w) in enumerate(layers) if n == "store"))
    below_widgets = range(next(i for i, (n, _e, _w) in enumerate(layers) if n == "widgets"))
    found = []
    for name, path in names.items():
        where = f"{path.relative_to(root.parent)}"
        own = layer_of(name, layers)
        for line, target in imports(path, root, names):
            sql = _within(target, ("sqlalchemy",))
            theirs = layer_of(target, layers) if _within(target, ("workbook",)) else None
            if own is not None and theirs is not None and theirs > own:
                found.append(f"{where}:{line}: {name} (layer {layers[own][0]}) imports {target}, "
                             f"of the higher layer {layers[theirs][0]}")
            if own in below_store and sql:
                found.append(f"{where}:{line}: {name} computes from the framework only, but imports {target}")
            if own in below_widgets and _within(target, WIDGET_LIBS):
                found.append(f"{where}:{line}: {name} is below the widgets, but imports {target}")
            if sql and not _within(name, ("workbook.store",)) and name not in SQL_ELSEWHERE:
                found.append(f"{where}:{line}: only the store imports SQLAlchemy, but {name} does")
    return sorted(set(found))


def circles(root: Path = PACKAGE) -> list[list[str]]:
    """The import circles between the package's modules (each a sorted list of modules), function imports included.

    A circle is a set of modules each of which reaches every other through imports (a strongly connected
    component of more than one module, or a module importing itself).
    """
    names = modules(root)
    graph = {name: sorted({t for _l, t in imports(path, root, names) if t in names}) for name, path in names.items()}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def test_every_module_is_in_exactly_one_layer():
    assert placement() == []


def test_pure_layers_are_the_lowest():
    assert [name for name, _e, _w in LAYERS[: len(PURE)]] == list(PURE)


def test_no_lower_layer_imports_a_higher_one():
    assert violations() == []


def test_the_modules_still_allowed_sql_of_their_own_still_need_it():
    stale = [name for name in SQL_ELSEWHERE
             if not any(_within(t, ("sqlalchemy",)) for _l, t in imports(modules()[name],
                                                                       PACKAGE))]
    assert stale == [], f"take these off SQL_ELSEWHERE: {stale}"


@pytest.fixture
def copy(tmp_path):
    """A copy of the package to plant faults in."""
    copy = tmp_path / "workbook"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert violations(copy) == [] and placement(copy) == []
    return copy


def test_no_two_modules_import_each_other():
    assert circles() == [], "break these circles (move the shared part down a layer):"


def test_a_planted_circle_is_caught(copy):
    _append(copy / "reports" / "report_html.py", "\n\ndef _planted():\n    from . import batch\n")
    _append(copy / "reports" / "batch.py", "\nfrom . import report_html\n")
    _append(copy / "charts.py", "\n\ndef _planted():\n    from .charts import pathway\n")
    found = circles(copy)
    assert ["workbook.charts"] in found, found
    assert any({"workbook.reports.batch", "workbook.reports.report_html"} <= set(group) for group in found), found


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_planted_upward_import_is_caught(copy):
    _append(copy / "analysis.py", "\n\ndef _planted():\n    from .widgets import page\n")
    _append(copy / "reports" / "district_report.py", "\nimport ipywidgets\n")
    _append(copy / "html" / "team.py", "\nfrom ..store import Store\n")
    _append(copy / "charts.py", "\nimport sqlalchemy\n")
    _append(copy / "reports" / "batch.py", "\nfrom ..apps import presenter\n")
    _append(copy / "serve" / "convening.py", "\n\ndef _planted():\n    from ..cli import build_parser\n")
    found = violations(copy)
    assert any(v.startswith("workbook/analysis.py:") and "imports workbook.widgets.page, of the higher layer widgets"
               in v for v in found), found
    assert any(v.startswith("workbook/reports/district_report.py:") and "imports ipywidgets" in v
               for v in found), found
    assert any(v.startswith("workbook/html/team.py:") and "imports workbook.store, of the higher layer store" in v
               for v in found), found
    assert any(v.startswith("workbook/charts.py:") and "only the store imports SQLAlchemy" in v for v in found), found
    assert any(v.startswith("workbook/reports/batch.py:") and "imports workbook.apps.presenter" in v
               for v in found), found
    assert any(v.startswith("workbook/serve/convening.py:") and "imports workbook.cli, of the higher layer cli" in v
               for v in found), found


def test_a_planted_module_of_no_layer_is_caught(copy):
    (copy / "planted.py").write_text('"""Planted."""\n', encoding="utf-8")
    (copy / "widgets" / "planted.py").write_text('"""Planted in a package: in its layer."""\n', encoding="utf-8")
    assert placement(copy) == ["workbook.planted is in no layer: add it to LAYERS in tests/unit/test_layers.py"]


def test_a_module_planted_in_two_layers_and_an_entry_naming_nothing_are_caught(copy):
    layers = (*LAYERS[:-1], ("package", ("workbook.__init__", "workbook.html.team", "workbook.gone"), "planted"))
    assert placement(copy, layers) == [
        "workbook.html.team is in more than one layer: ['computed', 'package']",
        "workbook.gone (layer package) names no module",
    ]


def test_the_district_report_loads_no_widget_module():
    code = ("import sys, workbook.reports.district_report, workbook.reports.batch, workbook.reports.kernels; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'anywidget') "
            "or m.startswith('workbook.widgets')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("module", [
    "workbook.charts", "workbook.analysis", "workbook.content.frameworks", "workbook.html",
    "workbook.kernels.template"])
def test_a_pure_module_imports_no_store_and_no_widgets(module):
    code = (f"import sys, {module}; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'ipywidgets', 'anywidget'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", f"importing {module} imports {done.stdout.strip()}"


def test_reusable_widgets_import_no_app_and_apps_import_no_other_app():
    found = []
    for path in sorted((PACKAGE / "widgets").glob("*.py")):
        found += [f"widgets/{path.name}:{line} imports {t}" for line, t in imports(path, PACKAGE)
                  if _within(t, ("workbook.apps",))]
    for path in sorted((PACKAGE / "apps").glob("*.py")):
        if path.name == "__init__.py":
            continue
        own = module_name(path, PACKAGE)
        found += [f"apps/{path.name}:{line} imports {t}" for line, t in imports(path, PACKAGE)
                  if _within(t, ("workbook.apps",)) and t != own and t != "workbook.apps"]
    assert found == []


def test_every_served_notebook_has_its_app_module_of_the_same_name():
    notebooks = {p.stem for p in (PACKAGE.parent / "notebooks").glob("*.ipynb")} - {"district_report"}
    apps = {p.stem for p in (PACKAGE / "apps").glob("*.py")} - {"__init__"}
    assert notebooks == apps


def _private_store_uses(root: Path) -> list[str]:
    """``store._name`` / ``self.store._name`` / ``db._name`` outside the store package, as 'file:line: name'."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts or (root.name == "workbook" and path.parts[len(root.parts)] == "store"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")):
                continue
            owner = node.value
            named = (isinstance(owner, ast.Name) and owner.id in ("store", "db")) or (
                isinstance(owner, ast.Attribute) and owner.attr == "store")
            if named:
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {node.attr}")
    return found


def test_only_the_store_touches_the_stores_private_names():
    uses = _private_store_uses(PACKAGE) + _private_store_uses(PACKAGE.parent / "tests")
    assert uses == [], "use the store's public methods or store.transaction(...):\n" + "\n".join(uses)


def test_a_planted_private_store_use_is_caught(tmp_path):
    pkg = tmp_path / "workbook"
    (pkg / "store").mkdir(parents=True)
    (pkg / "store" / "base.py").write_text("def f(store):\n    return store._engine\n")  # inside the store: fine
    (pkg / "exchange.py").write_text("def g(store):\n    return store._upsert(1)\n")
    assert _private_store_uses(pkg) == ["workbook/exchange.py:2: _upsert"]
