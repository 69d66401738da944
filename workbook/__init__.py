"""The Look Both Ways workbook: framework content, a response store, analysis, charts and apps.

``Store``, ``WorkbookError`` and ``load_content`` are imported on first use (PEP 562), so importing one
module of the package (``workbook.charts``, say) does not import the store and SQLAlchemy with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .content.errors import WorkbookError
    from .content.frameworks import load_content
    from .store import Store

__all__ = ["Store", "WorkbookError", "load_content"]
__version__ = "0.1.0"

_EXPORTS = {"Store": ".store", "WorkbookError": ".content.errors", "load_content": ".content.frameworks"}


def __getattr__(name: str):
    """``workbook.Store`` and the other re-exports, imported when first read."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
