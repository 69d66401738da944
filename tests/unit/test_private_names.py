"""A name starting with ``_`` is its module's own: no other module of the package uses it.

Checked on the source: ``from .x import _y`` and ``x._y`` where ``x`` is another module of ``workbook``
(``from . import x``, ``import workbook.x as x``, ``from .. import x``). What two modules share gets a public
name (or a package's ``__init__`` exports it). Private modules (``_lazy``, ``_bundled``) are imported by
name as usual; it is their contents that count.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.test_layers import PACKAGE, module_name, modules, source_of


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(root: Path = PACKAGE) -> list[str]:
    """Every use of another module's private name under ``root``, as 'file:line: module._name'."""
    known = modules(root)
    found = []
    for own, path in known.items():
        package = own if path.name == "__init__.py" else own.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound: dict[str, str] = {}  # local name -> the workbook module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = source_of(node, package)
                if source not in known:
                    continue
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    if sub in known:
                        bound[alias.asname or alias.name] = sub
                    elif _private(alias.name) and source != own:
                        found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {source}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in known:
                        bound[alias.asname or alias.name.partition(".")[0]] = (
                            alias.name if alias.asname else alias.name.partition(".")[0])
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = _module_of(node.value, bound, known)
                if owner is not None and owner != own and f"{owner}.{node.attr}" not in known:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {owner}.{node.attr}")
    return sorted(set(found))


def _module_of(node: ast.expr, bound: dict[str, str], known) -> str | None:
    """The workbook module an expression names (``x``, ``workbook.x``), or None."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        outer = _module_of(node.value, bound, known)
        if outer is not None and f"{outer}.{node.attr}" in known:
            return f"{outer}.{node.attr}"
    return None


def test_no_module_uses_another_modules_private_name():
    uses = private_uses()
    assert uses == [], "give these a public name (or export them from their package):\n" + "\n".join(uses)


def test_planted_private_uses_are_caught(tmp_path):
    pkg = tmp_path / "workbook"
    (pkg / "exchange").mkdir(parents=True)
    for name in ("__init__.py", "charts.py", "exchange/__init__.py", "exchange/check.py"):
        (pkg / name).write_text("def _own():\n    return _own\n")
    (pkg / "_lazy.py").write_text("pd = None\n")
    (pkg / "exchange" / "load.py").write_text("from .check import _own, _own as again\nfrom .._lazy import pd\n")
    (pkg / "team.py").write_text("from . import charts\nimport workbook.exchange.check\nfrom . import _lazy\n\n"
                                 "def f():\n    return charts._own(), workbook.exchange.check._own, _lazy.pd\n")
    assert private_uses(pkg) == ["workbook/exchange/load.py:1: workbook.exchange.check._own",
                                 "workbook/team.py:6: workbook.charts._own",
                                 "workbook/team.py:6: workbook.exchange.check._own"]
    assert module_name(pkg / "team.py", pkg) == "workbook.team"
