"""Saving as a person types or marks: every change saved at once, a failed one kept and retried, never dropped.

When the store cannot be reached, the waiting changes are retried by the kernel itself, first after
1 s, then 2, 4 and 8 s, then every 10 s (:func:`retry_delay`), on the kernel's event loop (ipykernel
runs tornado's IOLoop on asyncio, so ``loop.call_later`` from the running loop). Meanwhile the status
line says "Waiting to save (n changes)…" and keeps the "Try saving again" button for the impatient;
it says "All changes saved" only once the store has every change the kernel has received. Which changes
have left the browser at all is the page's business (:mod:`workbook.widgets.heartbeat`): the status
line carries the ``wb-saver`` class so the page can speak for changes still waiting there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

import ipywidgets as w

from ..content.errors import DISK_FULL
from .page import html, set_status, status, vbox

FIRST_RETRY = 1.0  # seconds before the first automatic retry; each later one waits twice as long ...
LAST_RETRY = 10.0  # ... up to this, then every this many seconds until the store is back
WAITING = ("The workbook's database cannot be reached right now: your changes are waiting here and "
           "are saved by themselves when it is back.")


def retry_delay(attempt: int, first: float = FIRST_RETRY, cap: float = LAST_RETRY) -> float:
    """Seconds before automatic retry number ``attempt`` (0-based): 1, 2, 4 and 8, then 10 each time."""
    return min(cap, first * 2 ** min(attempt, 32))


class Handle(Protocol):
    """A scheduled retry that can still be called off (``asyncio.TimerHandle``, or a test's stand-in)."""

    def cancel(self) -> object:
        """Call the retry off."""


def call_later(delay: float, fn: Callable[[], None]) -> asyncio.TimerHandle | None:
    """Run ``fn`` after ``delay`` seconds on the running event loop (the kernel's); a handle with ``cancel()``.

    Outside a running loop (a script, a notebook run by papermill after its last cell) there is nobody to
    run it: None, and the next change or the button retries instead.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop.call_later(delay, fn)


class Saver:
    """Saves each change as it is made; a change that fails is kept and retried, never dropped.

    ``save(key, fn)`` runs ``fn()``; if the store is unreachable the change waits in
    ``pending`` (a later change to the same key replaces it), the status line says so, with a
    button to try again, and the saver retries by itself with growing pauses (:func:`retry_delay`)
    until the store takes every waiting change. Refused input (out of range, too long) is reported
    and not kept. ``schedule(delay, fn)`` runs the retries (default: the kernel's event loop).
    """

    def __init__(self, schedule: Callable[[float, Callable[[], None]], Handle | None] | None = None,
                 first_retry: float = FIRST_RETRY, last_retry: float = LAST_RETRY):
        self.status = status()
        self.retry = w.Button(description="Try saving again", layout=w.Layout(display="none"))
        self.retry.on_click(lambda _b: self.flush())
        self.pending: dict = {}
        self.saved = 0
        self.failures = 0  # failed attempts in a row: the next automatic retry waits retry_delay(failures - 1)
        self.retries = 0  # automatic retries run so far
        self.next_retry: float | None = None  # seconds until the automatic retry waiting now
        self._schedule = schedule or call_later
        self._first, self._last = first_retry, last_retry
        self._timer: Handle | None = None
        self.widget = w.HBox([self.status, self.retry], layout=w.Layout(align_items="center"))
        self.widget.add_class("wb-saver")  # the page's own status for changes still in the browser goes here

    def save(self, key, fn) -> bool:
        """Save a change now (``fn()``), replacing any change waiting under ``key``; True when everything is saved."""
        self.pending[key] = fn
        return self.flush()

    def flush(self) -> bool:
        """Try every waiting change; refused ones are dropped and reported, unreachable ones wait and are retried."""
        import datetime as _dt

        from ..content.errors import StoreUnavailable, WorkbookError

        self._cancel()
        refused = []
        for key, fn in list(self.pending.items()):
            try:
                fn()
            except StoreUnavailable as exc:
                self._wait(why=DISK_FULL if str(exc) == DISK_FULL else WAITING)
                return False
            except WorkbookError as exc:
                refused.append(str(exc))
            else:
                self.saved += 1
            self.pending.pop(key, None)
        self.failures = 0
        self.retry.layout.display = "none"
        if refused:
            set_status(self.status, "Not saved: " + " ".join(refused), "error")
            return False
        set_status(self.status, f"All changes saved ({_dt.datetime.now():%H:%M:%S}).", "ok")
        return True

    def _wait(self, why: str = "") -> None:
        """The store is unreachable (or its disk full: ``why``): say how many changes wait, retry after a pause."""
        n = len(self.pending)
        # the same words on every retry, so the page (and a screen reader) hears of the wait once
        set_status(self.status, f"Waiting to save ({n} change{'' if n == 1 else 's'})… {why or WAITING}", "error")
        self.retry.layout.display = ""
        self.next_retry = retry_delay(self.failures, self._first, self._last)
        self.failures += 1
        self._timer = self._schedule(self.next_retry, self._retry_now)

    def _retry_now(self) -> None:
        self._timer = None
        self.next_retry = None
        if self.pending:
            self.retries += 1
            self.flush()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self.next_retry = None


class NoteArea(w.Textarea):
    """A text box for the answer to one question, which ``question_id`` names (the note it is saved as)."""

    question_id: str


def team_answer(store, session_id: int, saver: Saver, question_id: str, label: str,
                placeholder: str = "The team's answer…", height: str = "80px") -> w.VBox:
    """A labelled text box for one of the team's agreed answers, saved as it is typed.

    ``children[1]`` is the text box; it carries ``question_id``.
    """
    area = NoteArea(value=store.note(session_id, question_id), placeholder=placeholder,
                    layout=w.Layout(width="100%", height=height))
    area.question_id = question_id
    area.observe(lambda c: saver.save(("note", question_id),
                                      lambda: store.save_note(session_id, question_id, c["new"])), "value")
    from ..content.render import source_text

    return vbox([html(f"<label><strong>{source_text(label)}</strong></label>"), area])
