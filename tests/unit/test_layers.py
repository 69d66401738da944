"""The package's layers, checked on its source: a lower layer never imports a higher one.

From the bottom: the framework content and its rules (``content``, ``validation``, ``errors``, ``theme``,
``render``), then what is computed and drawn from it (``analysis``, ``charts``, ``html``, ``worksheet``, and
``report_html``, the report's page from its outputs), then
the store, then the reusable widgets (``widgets``) and the apps built from them (``apps``, one module per
notebook), then the reports and the servers. The district report is built from
``analysis``, ``charts`` and ``html`` only: a report kernel imports no ipywidgets. Imports inside functions
count too (they run as soon as the function does).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import workbook

PACKAGE = Path(workbook.__file__).resolve().parent

# modules that only read the framework and compute, draw or write HTML from it
PURE = ("workbook.content", "workbook.validation", "workbook.errors", "workbook.theme", "workbook.render",
        "workbook._lazy", "workbook.analysis", "workbook.charts", "workbook.html", "workbook.worksheet",
        "workbook.report_html", "workbook.retreat")
STORE = ("workbook.store",)  # the package: its base, parts and schema
ABOVE_PURE = (*STORE, "workbook.widgets", "workbook.apps", "workbook.views", "workbook.district_report",
              "workbook.reports", "workbook.report_kernels", "workbook.page_kernels", "workbook.cli", "workbook.demo",
              "workbook.exchange", "workbook.ownership", "workbook.voila_server", "workbook.convening",
              "workbook.balancer", "workbook.capacity", "workbook.links", "workbook.assets", "workbook.team_summary",
              "workbook.console")
WIDGET_LIBS = ("workbook.widgets", "workbook.apps", "ipywidgets", "anywidget")
REPORTS = ("workbook.district_report", "workbook.reports", "workbook.report_kernels")
# SQLAlchemy belongs to the store. Modules outside it that still import it, each for a reason; the list may only
# shrink (a module listed here that stops importing it fails the test until it is taken off the list).
SQL_ELSEWHERE = {
    "workbook.report_kernels": "the kernel template imports the SQLite dialect once, before any fork",
    "workbook.page_kernels": "the kernel template imports the dialects once, before any fork",
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (absolute names, relative imports resolved), with its line."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            # `from . import charts` / `from .widgets import team` name modules too
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(root: Path = PACKAGE) -> list[str]:
    """The layer rules broken under ``root`` (a ``workbook`` package folder), as 'file:line: rule' lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        name = module_name(path, root)
        where = f"{path.relative_to(root.parent)}"
        for line, target in imports(path, root):
            if _within(name, PURE) and (_within(target, ABOVE_PURE) or _within(target, WIDGET_LIBS)
                                        or _within(target, ("sqlalchemy",))):
                found.append(f"{where}:{line}: {name} computes from the framework only, but imports {target}")
            if _within(name, REPORTS) and _within(target, WIDGET_LIBS):
                found.append(f"{where}:{line}: {name} builds reports without widgets, but imports {target}")
            if _within(target, ("sqlalchemy",)) and not _within(name, STORE) and name not in SQL_ELSEWHERE:
                found.append(f"{where}:{line}: only the store imports SQLAlchemy, but {name} does")
    return sorted(set(found))


def test_no_lower_layer_imports_a_higher_one():
    assert violations() == []


def test_the_modules_still_allowed_sql_of_their_own_still_need_it():
    stale = [name for name in SQL_ELSEWHERE
             if not any(_within(t, ("sqlalchemy",)) for _l, t in imports(PACKAGE / (name.split(".", 1)[1] + ".py"),
                                                                       PACKAGE))]
    assert stale == [], f"take these off SQL_ELSEWHERE: {stale}"


def test_a_planted_upward_import_is_caught(tmp_path):
    copy = tmp_path / "workbook"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert violations(copy) == []
    analysis = copy / "analysis.py"
    analysis.write_text(analysis.read_text(encoding="utf-8") + "\n\ndef _planted():\n    from .widgets import page\n")
    report = copy / "district_report.py"
    report.write_text(report.read_text(encoding="utf-8") + "\nimport ipywidgets\n")
    html = copy / "html" / "team.py"
    html.write_text(html.read_text(encoding="utf-8") + "\nfrom ..store import Store\n")
    found = violations(copy)
    assert any(v.startswith("workbook/analysis.py:") and "imports workbook.widgets" in v for v in found), found
    assert any(v.startswith("workbook/district_report.py:") and "imports ipywidgets" in v for v in found), found
    assert any(v.startswith("workbook/html/team.py:") and "imports workbook.store" in v for v in found), found


def test_the_district_report_loads_no_widget_module():
    import subprocess
    import sys

    code = ("import sys, workbook.district_report, workbook.reports, workbook.report_kernels; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'anywidget') "
            "or m.startswith('workbook.widgets')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


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
