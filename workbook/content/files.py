"""Files written so that a reader sees the old file or the new one, never half of one.

Reports, exports, backups and the page assets are all written under a temporary name in the same
folder, then renamed over the target (``os.replace`` is atomic within a file system). A write that
fails leaves the old file, and no temporary file, behind.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def replace_atomic(path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` to fill a temporary file beside ``path``, then rename it to ``path``; returns ``path``.

    The folder is made when missing. If ``write`` raises, ``path`` is untouched and the temporary file removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_atomic(path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; returns ``path``."""
    if isinstance(data, str):
        return replace_atomic(path, lambda tmp: tmp.write_text(data, encoding="utf-8"))
    return replace_atomic(path, lambda tmp: tmp.write_bytes(data))
