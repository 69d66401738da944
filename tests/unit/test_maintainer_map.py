"""README.md's "For maintainers" map names every module of the package.

A module ``workbook/x.py`` is named as ``x.py``; a package ``workbook/p/`` has its entry (a line starting
``  p/`` and the lines indented under it) naming each of its modules. The apps are the exception: one per
notebook, of the same name (tests/unit/test_layers.py checks that); a package of data files (``_bundled/``) is
named anywhere in the map.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.test_layers import PACKAGE

README = PACKAGE.parent / "README.md"
NAMED_BY_THEIR_NOTEBOOKS = ("apps",)


def maintainer_map(readme: str) -> str:
    """The code block under README's "## For maintainers" heading."""
    section = readme.split("\n## For maintainers\n", 1)[1]
    return section.split("```", 2)[1]


def entry(block: str, package: str) -> str:
    """The package's entry in the map: the line naming ``package/`` and the lines indented under it."""
    lines = block.splitlines()
    for i, line in enumerate(lines):
        if re.match(rf" {{2}}{re.escape(package)}/(\s|$)", line):
            rest = [line]
            for more in lines[i + 1:]:
                if not more.startswith("   "):
                    break
                rest.append(more)
            return "\n".join(rest)
    return ""


def _named(stem: str, text: str) -> bool:
    """``stem`` as a word of its own in ``text`` ("team's" does not name ``team``)."""
    return re.search(rf"(?<![\w']){re.escape(stem)}(?![\w'/-])", text) is not None


def unnamed(root: Path, readme: str) -> list[str]:
    """The modules under ``root`` (a ``workbook`` folder) the map does not name, as paths."""
    block = maintainer_map(readme)
    missing = []
    for path in sorted(root.glob("*.py")):
        if path.name != "__init__.py" and not re.search(rf"(?<![\w/]){re.escape(path.name)}", block):
            missing.append(f"workbook/{path.name}")
    for package in sorted(p for p in root.iterdir() if (p / "__init__.py").exists()):
        text = entry(block, package.name)
        own = [p for p in sorted(package.glob("*.py")) if p.name != "__init__.py"]
        if not own and re.search(rf"(?<![\w/]){re.escape(package.name)}/", block):
            continue  # a package of data files only (_bundled/): named anywhere
        if not text:
            missing.append(f"workbook/{package.name}/")
            continue
        if package.name in NAMED_BY_THEIR_NOTEBOOKS:
            continue
        missing += [f"workbook/{package.name}/{p.name}" for p in own if not _named(p.stem, text)]
    return missing


def test_the_maintainer_map_names_every_module():
    missing = unnamed(PACKAGE, README.read_text(encoding="utf-8"))
    assert missing == [], "README.md's 'For maintainers' map does not name:\n" + "\n".join(missing)


def test_a_planted_module_the_map_does_not_name_is_caught(tmp_path):
    pkg = tmp_path / "workbook"
    for folder in ("store", "widgets", "html"):
        (pkg / folder).mkdir(parents=True)
    for name in ("__init__.py", "content.py", "planted.py", "store/__init__.py", "store/marks.py",
                 "store/planted.py", "widgets/__init__.py", "widgets/chart.py", "html/__init__.py", "html/team.py"):
        (pkg / name).write_text("")
    readme = ("# Workbook\n\n## For maintainers\n\n```\nworkbook/\n  content.py  the content\n"
              "  store/      the database: marks\n              and more\n  widgets.py  not the package\n"
              "  html/       the team's words\n```\n")
    assert unnamed(pkg, readme) == ["workbook/planted.py", "workbook/html/team.py", "workbook/store/planted.py",
                                    "workbook/widgets/"]
