"""``pytest --nbval notebooks/`` from the repository root: each notebook against fresh demo data.

The stored outputs were made by ``tests/notebooks/harness.py`` (``make notebooks``): each
notebook's kernel had its own copy of a fresh demo store (``WORKBOOK_DB_URL``), the query
string Voila would pass (``QUERY_STRING``), ``PYTHONHASHSEED=0`` and ``TZ=UTC``, and nbval
compared outputs through ``tests/notebooks/sanitize.cfg``. When nbval collects notebooks,
this file does the same: it seeds the store in a temporary folder (once per run), gives each
notebook's kernel that environment as nbval starts it, and uses the sanitize file unless
``--nbval-sanitize-with`` names another. A run the harness started (``tests/notebooks``)
already has that environment and keeps it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "notebooks" / "harness.py"
# what a notebook's kernel gets from the harness (the rest of the environment is pytest's own)
KERNEL_ENV = ("WORKBOOK_DB_URL", "QUERY_STRING", "PYTHONHASHSEED", "TZ")

_run: dict = {}


def _harness():
    if "harness" not in _run:
        # by path: ``tests`` need not be importable from here (plain ``pytest`` puts only this folder on sys.path)
        spec = importlib.util.spec_from_file_location("_workbook_nbval_harness", HARNESS)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _run["harness"] = module
    return _run["harness"]


def _nbval(config) -> bool:
    return bool(config.getoption("nbval", False) or config.getoption("nbval_lax", False))


def _envs() -> dict[str, dict]:
    """``{notebook name: environment}`` over a demo store made on first use (removed when pytest ends)."""
    if "envs" not in _run:
        folder = Path(tempfile.mkdtemp(prefix="workbook-nbval-"))
        _run["folder"] = folder
        _run["envs"] = _harness().prepare(folder)
    return _run["envs"]


def pytest_configure(config):
    if _nbval(config) and config.getoption("nbval_sanitize_with", None) is None:
        config.option.nbval_sanitize_with = str(_harness().SANITIZE)


def pytest_unconfigure(config):
    folder = _run.pop("folder", None)
    _run.pop("envs", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Before nbval starts a notebook's kernel (setting up its first cell), put the notebook's environment in place.

    The kernel inherits pytest's environment as it starts; it is restored right after.
    """
    parent = item.parent
    if not _nbval(item.config) or type(parent).__name__ != "IPyNbFile" or getattr(parent, "kernel", None) is not None:
        return (yield)
    if os.environ.get(_harness().PREPARED):  # run by tests/notebooks (the harness's environment is in place)
        return (yield)
    env = _envs().get(item.path.name)
    if env is None:  # a notebook the harness does not know: pytest's own environment
        return (yield)
    saved = {key: os.environ.get(key) for key in KERNEL_ENV}
    os.environ.update({key: env[key] for key in KERNEL_ENV})
    try:
        return (yield)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
