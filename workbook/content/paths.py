"""Where the workbook's own files are: its content, its notebooks and its Voila template.

In the project's checkout (and an editable install of it) they are the folders ``data/``,
``notebooks/`` and ``share/jupyter/``. An installed wheel carries copies of them as package data
(``workbook/_bundled/``, mapped from those folders in pyproject.toml), found through
:mod:`importlib.resources`, so ``pip install .`` outside the checkout gives a working
``workbook serve``, ``workbook report`` and ``workbook demo``. ``$WORKBOOK_DATA_DIR`` points the
content elsewhere (a translated or edited copy).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]  # workbook/content/paths.py -> the checkout


def _folder(name: str, marker: str) -> Path:
    """The checkout's ``name`` folder when this package runs from the checkout, else the wheel's copy."""
    here = CHECKOUT / name
    if (CHECKOUT / "pyproject.toml").is_file() and (here / marker).exists():
        return here
    return Path(str(files("workbook").joinpath("_bundled").joinpath(name)))  # one name a call, as Traversable has it


def data_dir() -> Path:
    """The framework content: ``$WORKBOOK_DATA_DIR``, else the project's ``data/``."""
    env = os.environ.get("WORKBOOK_DATA_DIR")
    return Path(env) if env else _folder("data", "spectra.yaml")


def notebooks_dir() -> Path:
    """The app notebooks Voila serves and the report notebook papermill runs."""
    return _folder("notebooks", "charting_your_path.ipynb")


def jupyter_share() -> Path:
    """The folder to put on ``JUPYTER_PATH`` so Voila finds the workbook's template."""
    return _folder("share", "jupyter/voila/templates/workbook/index.html.j2") / "jupyter"


def template_dir() -> Path:
    """The workbook's Voila template."""
    return jupyter_share() / "voila" / "templates" / "workbook"
