"""pyproject.toml and environment.yml declare the same dependencies with the same versions.

Compared: ``[project] dependencies`` plus the ``test`` and ``postgres`` extras, against every
conda dependency and every item of the ``pip:`` section. Ignored: python itself, pip, and the
``-e .`` editable install of the project.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project supports 3.10, where tomllib is absent
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
EXTRAS = ("test", "postgres")
IGNORED = {"python", "pip"}

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")


def normalise_name(name: str) -> str:
    """psycopg[binary] -> psycopg; Axe_Playwright.Python -> axe-playwright-python (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name.split("[", 1)[0].strip()).lower()


def normalise_spec(spec: str) -> str:
    """'>= 8, <10' -> '>=8,<10'; conda's 'pkg 1.2' (bare version) -> '==1.2'."""
    spec = re.sub(r"\s+", "", spec.split(";", 1)[0])
    if spec and spec[0].isdigit():
        spec = "==" + spec
    return ",".join(part for part in spec.split(",") if part)


def same_spec(a: str, b: str) -> bool:
    """'>=1,<2' and '<2,>=1' say the same thing."""
    return sorted(a.split(",")) == sorted(b.split(","))


def parse(requirement: str) -> tuple[str, str]:
    match = _REQUIREMENT.match(requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name, _extras, spec = match.groups()
    return normalise_name(name), normalise_spec(spec)


def _collect(requirements, source: str, into: dict[str, str], problems: list[str]) -> None:
    for requirement in requirements:
        name, spec = parse(requirement)
        if name in IGNORED:
            continue
        if name in into and not same_spec(into[name], spec):
            problems.append(f"{source}: {name} declared twice with different versions ({into[name]!r}, {spec!r})")
        into[name] = spec


def pyproject_requirements() -> tuple[dict[str, str], list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found: dict[str, str] = {}
    problems: list[str] = []
    _collect(project["dependencies"], "pyproject.toml [project] dependencies", found, problems)
    for extra in EXTRAS:
        _collect(project["optional-dependencies"][extra], f"pyproject.toml extra {extra!r}", found, problems)
    return found, problems


def environment_requirements() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = [], []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip += [p for p in item.get("pip", []) if not p.strip().startswith("-e")]
        else:
            conda.append(str(item))
    found: dict[str, str] = {}
    problems: list[str] = []
    _collect(conda, "environment.yml", found, problems)
    _collect(pip, "environment.yml pip section", found, problems)
    return found, problems


def drift(pyproject: dict[str, str], environment: dict[str, str]) -> list[str]:
    lines = []
    for name in sorted(set(pyproject) | set(environment)):
        if name not in environment:
            lines.append(f"{name}{pyproject[name]}: in pyproject.toml, missing from environment.yml")
        elif name not in pyproject:
            lines.append(f"{name}{environment[name]}: in environment.yml, missing from pyproject.toml")
        elif not same_spec(pyproject[name], environment[name]):
            lines.append(f"{name}: pyproject.toml {pyproject[name]!r} vs environment.yml {environment[name]!r}")
    return lines


def test_pyproject_and_environment_declare_the_same_dependencies():
    pyproject, problems = pyproject_requirements()
    environment, env_problems = environment_requirements()
    problems += env_problems + drift(pyproject, environment)
    message = "pyproject.toml and environment.yml have drifted apart:\n  " + "\n  ".join(problems)
    assert not problems, message


def test_environment_pins_python_and_installs_the_project():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    conda = [str(d) for d in env["dependencies"] if not isinstance(d, dict)]
    pip = [p for d in env["dependencies"] if isinstance(d, dict) for p in d.get("pip", [])]
    python = [parse(d)[1] for d in conda if parse(d)[0] == "python"]
    assert python == [normalise_spec(project["requires-python"])]
    assert "-e ." in [p.strip() for p in pip]


@pytest.mark.parametrize(("requirement", "expected"), [
    ("psycopg[binary]>=3.1,<4", ("psycopg", ">=3.1,<4")),
    ("Axe_Playwright.Python >= 0.1.4, <0.2", ("axe-playwright-python", ">=0.1.4,<0.2")),
    ("ruff>=0.5", ("ruff", ">=0.5")),
    ("pip", ("pip", "")),
    ("python>=3.10", ("python", ">=3.10")),
    ("numpy 1.26", ("numpy", "==1.26")),
])
def test_requirement_parsing(requirement, expected):
    assert parse(requirement) == expected


def test_drift_report_lists_every_difference():
    report = drift({"a": ">=1", "b": ">=2", "c": "", "e": ">=1,<2"},
                   {"a": ">=1,<2", "c": "", "d": ">=4", "e": "<2,>=1"})
    assert report == [
        "a: pyproject.toml '>=1' vs environment.yml '>=1,<2'",
        "b>=2: in pyproject.toml, missing from environment.yml",
        "d>=4: in environment.yml, missing from pyproject.toml",
    ]
