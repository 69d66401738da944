"""Regression tests of the stored notebooks with the real nbval command line.

Each notebook in ``notebooks/`` runs in a fresh kernel against fresh demo data and its
outputs are compared with the outputs stored in the notebook. Refresh them with
``make notebooks`` after a change that should alter them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import NOTEBOOKS, SANITIZE, prepare

NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def envs(tmp_path_factory):
    return prepare(tmp_path_factory.mktemp("nbval"))


@pytest.mark.parametrize("name", NAMES)
def test_notebook_outputs_match(name, envs, tmp_path):
    cmd = [sys.executable, "-m", "pytest", "--nbval", str(NOTEBOOKS / name), "--nbval-sanitize-with", str(SANITIZE),
           "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path), "-c", "/dev/null",
           "--nbval-cell-timeout=300"]
    proc = subprocess.run(cmd, env=envs[name], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"nbval failed for {name}:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"


def test_every_notebook_has_stored_outputs():
    import nbformat

    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code, f"{name} has no code cell"
        assert any(c.outputs for c in code), f"{name} has no stored outputs: run `make notebooks`"


def test_notebooks_leak_no_secrets():
    """Stored notebooks carry no database URL, join code or token."""
    for name in NAMES:
        text = (NOTEBOOKS / name).read_text(encoding="utf-8")
        for needle in ("sqlite:///", "postgresql://", "postgresql+"):
            assert needle not in text, f"{name} contains {needle!r}"
        found = re.search(r"(code|me|token)=[A-Za-z0-9_-]{6,}", text)
        assert found is None, f"{name} contains a code: {found.group(0) if found else ''}"


def test_notebooks_are_thin():
    """Logic lives in the package: app notebooks hold a few short cells."""
    import nbformat

    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert len(cell.source.splitlines()) <= 15, f"{name}: a code cell longer than 15 lines"


def test_refresh_command_is_documented():
    assert "notebooks:" in (Path(__file__).resolve().parents[2] / "Makefile").read_text()
