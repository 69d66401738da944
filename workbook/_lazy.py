"""Modules imported on first use.

pandas alone is about 55 MiB of a kernel's memory and half a second of its start-up. A
member's page (Charting Your Path) never needs it, while the team views, reports and the
network overview do; ``from ._lazy import pd`` lets one module serve both without paying
for pandas until a function really uses it. The proxy is not put in ``sys.modules``, so
libraries that look there for pandas (plotly, narwhals) are not tricked into loading it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING


class LazyModule:
    """Stands in for a module until an attribute is read, then imports it (once)."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def _load(self) -> ModuleType:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return self._module

    def __getattr__(self, attr: str):
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


if TYPE_CHECKING:  # a type checker reads the modules themselves
    import numpy as np
    import pandas as pd
else:
    pd = LazyModule("pandas")
    np = LazyModule("numpy")
