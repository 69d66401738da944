"""Telling the page's own updates from a person's.

A page sets its widgets' values itself (restoring a member's saved marks, re-reading the team's,
undoing a fourth priority), and every such change fires the same callbacks a person's change does.
Those callbacks must not save what was just read. :class:`Restoring` marks the page's own updates:

    self.restoring = Restoring()
    with self.restoring():
        slider.value = saved          # callbacks see ``self.restoring`` true: nothing is saved
    ...
    def _on_mark(self, change):
        if self.restoring:
            return

The mark is cleared however the block ends (an error from the store included), and blocks may nest.
"""

from __future__ import annotations

import contextlib


class Restoring:
    """True while the page itself is updating its widgets (inside ``with restoring():``)."""

    def __init__(self):
        self._depth = 0

    @contextlib.contextmanager
    def __call__(self):
        """A block during which the page's own updates are marked; blocks may nest."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def __bool__(self) -> bool:
        return self._depth > 0

    def __repr__(self) -> str:
        return f"<Restoring {'on' if self else 'off'}>"
