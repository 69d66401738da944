"""Regression tests of the stored notebooks with the real nbval command line.

Each notebook in ``notebooks/`` runs in a fresh kernel against fresh demo data and its
outputs are compared with the outputs stored in the notebook. Refresh them with
``make notebooks`` after a change that should alter them.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.helpers import never_started

from .harness import NOTEBOOKS, SANITIZE, prepare

NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def envs(tmp_path_factory):
    return prepare(tmp_path_factory.mktemp("nbval"))


def run_nbval(notebook: Path, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    """The real ``pytest --nbval`` command line on one notebook, in ``tmp_path``, with ``env``."""
    cmd = [sys.executable, "-m", "pytest", "--nbval", str(notebook), "--nbval-sanitize-with", str(SANITIZE),
           "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path), "-c", "/dev/null",
           "--nbval-cell-timeout=300"]
    proc = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    if proc.returncode and never_started(proc.stdout + proc.stderr):  # the kernel ran nothing: run again
        print(f"{notebook.name}: the kernel never answered at start-up; run again")
        proc = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    return proc


@pytest.mark.parametrize("name", NAMES)
def test_notebook_outputs_match(name, envs, tmp_path):
    proc = run_nbval(NOTEBOOKS / name, envs[name], tmp_path)
    assert proc.returncode == 0, f"nbval failed for {name}:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"


DIGEST = re.compile(r"digest ([0-9a-f]{8})")


@pytest.mark.slow
def test_nbval_fails_when_a_mark_changes(envs, tmp_path):
    """One member's "now" mark moved: the team view's digest differs and nbval says so.

    (The same notebook with the unchanged store passes: ``test_notebook_outputs_match``.)
    """
    from workbook.store import Store

    name = "team_pathways.ipynb"
    env = dict(envs[name])
    notebook = tmp_path / name
    shutil.copy(NOTEBOOKS / name, notebook)
    stored = DIGEST.findall(notebook.read_text(encoding="utf-8"))
    assert len(stored) == 1, f"{name} should store one page digest, found {stored}"

    db = tmp_path / "changed.sqlite"
    with sqlite3.connect(env["WORKBOOK_DB_URL"].removeprefix("sqlite:///")) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    store = Store(f"sqlite:///{db}")
    try:
        query = urllib.parse.parse_qs(env["QUERY_STRING"])
        _district, session = store.resolve_session(query["district"][0], query["session"][0])
        member = store.respondents(session.id)[0]
        spectrum, marks = sorted(store.member_marks(member).items())[0]
        before = marks["current"]
        store.save_spectrum_mark(member, spectrum, "current", 1.0 if before and before >= 3 else 5.0)
    finally:
        store.dispose()
    env["WORKBOOK_DB_URL"] = f"sqlite:///{db}"

    proc = run_nbval(notebook, env, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"nbval passed although a mark changed:\n{out[-4000:]}"
    assert "Team pathways" in out and stored[0] in out, out[-4000:]
    changed = set(DIGEST.findall(out)) - set(stored)
    assert changed, f"nbval's report does not name the new digest:\n{out[-4000:]}"


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


def test_no_notebook_takes_a_connection_string_as_a_parameter():
    """papermill writes every parameter into the output notebook: the store comes from WORKBOOK_DB_URL only."""
    import nbformat

    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        for cell in nb.cells:
            if "parameters" in cell.metadata.get("tags", []):
                assert "db_url" not in cell.source and "://" not in cell.source, name
