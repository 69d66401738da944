"""Saving as a person types or marks: every change saved at once, a failed one kept and retried, never dropped."""

from __future__ import annotations

import ipywidgets as w

from .page import html, set_status, status, vbox


class Saver:
    """Saves each change as it is made; a change that fails is kept and retried, never dropped.

    ``save(key, fn)`` runs ``fn()``; if the store is unreachable the change waits in
    ``pending`` (a later change to the same key replaces it) and the status line says so,
    with a button to try again. Refused input (out of range, too long) is reported and
    not kept.
    """

    def __init__(self):
        self.status = status()
        self.retry = w.Button(description="Try saving again", layout=w.Layout(display="none"))
        self.retry.on_click(lambda _b: self.flush())
        self.pending: dict = {}
        self.saved = 0
        self.widget = w.HBox([self.status, self.retry], layout=w.Layout(align_items="center"))

    def save(self, key, fn) -> bool:
        """Save a change now (``fn()``), replacing any change waiting under ``key``; True when everything is saved."""
        self.pending[key] = fn
        return self.flush()

    def flush(self) -> bool:
        """Try every waiting change; refused ones are dropped and reported, unreachable ones wait."""
        import datetime as _dt

        from ..errors import StoreUnavailable, WorkbookError

        refused = []
        for key, fn in list(self.pending.items()):
            try:
                fn()
            except StoreUnavailable as exc:
                set_status(self.status, f"{exc} ({len(self.pending)} change(s) waiting)", "error")
                self.retry.layout.display = ""
                return False
            except WorkbookError as exc:
                refused.append(str(exc))
            else:
                self.saved += 1
            self.pending.pop(key, None)
        self.retry.layout.display = "none"
        if refused:
            set_status(self.status, "Not saved: " + " ".join(refused), "error")
            return False
        set_status(self.status, f"All changes saved ({_dt.datetime.now():%H:%M:%S}).", "ok")
        return True


def team_answer(store, session_id: int, saver: Saver, question_id: str, label: str,
                placeholder: str = "The team's answer…", height: str = "80px") -> w.VBox:
    """A labelled text box for one of the team's agreed answers, saved as it is typed.

    ``children[1]`` is the text box; it carries ``question_id``.
    """
    area = w.Textarea(value=store.note(session_id, question_id), placeholder=placeholder,
                      layout=w.Layout(width="100%", height=height))
    area.question_id = question_id
    area.observe(lambda c: saver.save(("note", question_id),
                                      lambda: store.save_note(session_id, question_id, c["new"])), "value")
    from ..render import source_text

    return vbox([html(f"<label><strong>{source_text(label)}</strong></label>"), area])
