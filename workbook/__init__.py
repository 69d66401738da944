"""The Look Both Ways workbook: framework content, a response store, analysis, charts and apps."""

from .content import load_content
from .errors import WorkbookError
from .store import Store

__all__ = ["Store", "WorkbookError", "load_content"]
__version__ = "0.1.0"
