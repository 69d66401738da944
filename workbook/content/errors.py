"""One error root for the workbook; each subclass says what was wrong, where, and what is allowed.

Errors cross process boundaries (reports run in worker processes and come back pickled), so every
error with fields of its own rebuilds itself from them (``__reduce__``): unpickled, it has the same
message and the same fields.
"""

from __future__ import annotations


class WorkbookError(Exception):
    """Root of every error the workbook raises on purpose.

    ``str(error)`` is written for the person who has to act on it: the bad value,
    where it came from and what is allowed.
    """


class ContentError(WorkbookError):
    """A framework content file in ``data/`` is missing, unreadable or invalid."""

    def __init__(self, path, message: str, entry: str | None = None, field: str | None = None):
        self.path = str(path)
        self.message = message
        self.entry = entry
        self.field = field
        where = self.path
        if entry:
            where += f", entry {entry}"
        if field:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):
        return type(self), (self.path, self.message, self.entry, self.field)


class NotFound(WorkbookError):
    """A district, session, respondent or other record does not exist."""


class AccessDenied(WorkbookError):
    """A code or token does not open the thing asked for."""


class InvalidInput(WorkbookError):
    """A value entered by a person (or sent by a browser) is out of range or malformed."""


class StoreUnavailable(WorkbookError):
    """The database cannot be reached, or its disk is full (:data:`DISK_FULL`); nothing was saved, retry later."""


DISK_FULL = ("The workbook's disk is full: your change is kept on this page and saved when space is freed; "
             "tell the facilitator.")
"""What a save says when the store's disk is full (a :class:`StoreUnavailable`: the page keeps and retries it)."""


class ImportRejected(WorkbookError):
    """A CSV/Excel import had bad rows; nothing from the file was imported."""

    def __init__(self, path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{self.path}: {len(problems)} problem(s), nothing was imported:\n{listed}{more}"
        )

    def __reduce__(self):
        return type(self), (self.path, self.problems)


class TemplateError(WorkbookError):
    """A kernel template (the warm process kernels are forked from) could not start, stopped or did not answer."""


class ReportError(WorkbookError):
    """A district report (or an app's view for papermill) could not be produced.

    ``district`` and ``session`` say which (``session`` None or empty: the district's latest), and
    ``problem`` what is wrong, in words.
    """

    def __init__(self, district, session, problem: str):
        self.district = district
        self.session = session
        self.problem = problem
        which = "latest session" if session in (None, "") else f"session {session}"
        super().__init__(f"District report for {district!r} ({which}): {problem}")

    def __reduce__(self):
        return type(self), (self.district, self.session, self.problem)
