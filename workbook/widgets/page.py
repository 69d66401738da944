"""The page every app is built on: its frame, stylesheet and heading, cards, messages and status lines.

Charts (:func:`workbook.widgets.chart.PlotView`) are not ``go.FigureWidget``s: the page then needs no
plotly widget model (about 5 MB of JavaScript and 60 MiB of kernel memory per page) and a redraw is one
small message. Static parts of a page share one layout and one style (:func:`shared`), so a page opens
with fewer widget models.
"""

from __future__ import annotations

import ipywidgets as w
from IPython.display import display
from ipywidgets.widgets.widget_string import HTMLStyle

from ..content import theme
from ..content.errors import WorkbookError
from ..content.render import esc
from . import heartbeat

_SHARED: dict[str, w.Widget] = {}


def shared(cls: type, **traits) -> w.Widget:
    """One instance of a layout or style class (with these traits) for every widget of the page that uses it.

    Each widget otherwise brings a Layout and a Style model of its own: messages between kernel,
    server and browser, and views the browser builds while the page opens. Never change a shared
    layout or style on one widget: give a widget whose layout changes (a button that hides) its own.
    """
    key = f"{cls.__name__}{sorted(traits.items())}"
    if key not in _SHARED:
        _SHARED[key] = cls(**traits)
    return _SHARED[key]


def html(value: str = "", **kwargs) -> w.HTML:
    """An HTML widget with the page's shared default layout and style."""
    kwargs.setdefault("layout", shared(w.Layout))
    kwargs.setdefault("style", shared(HTMLStyle))
    return w.HTML(value, **kwargs)


def vbox(children, **kwargs) -> w.VBox:
    """A VBox with the page's shared default layout (unless one is given)."""
    kwargs.setdefault("layout", shared(w.Layout))
    return w.VBox(children, **kwargs)


def style() -> w.HTML:
    """The workbook's stylesheet, as a widget placed at the top of each app."""
    return w.HTML(f"<style>{theme.CSS}</style>", layout=w.Layout(display="none"))


def header(title: str, lede: str, extra: str = "") -> w.HTML:
    """The page title and the two or three sentences that say what the page is for."""
    return html(f"<header><h1>{esc(title)}</h1><p class='wb-lede'>{lede}</p>{extra}</header>")


def message(text: str, kind: str = "error") -> w.HTML:
    """A plain-language message box (``error``, ``notice`` or ``ok``); text is escaped."""
    role = "alert" if kind == "error" else "status"
    return html(f"<div class='wb-{kind}' role='{role}'>{esc(text)}</div>")


class Page(w.VBox):
    """A whole app: the stylesheet plus content, in the workbook's page frame."""

    def __init__(self, children, summary: str = "", **kwargs):
        from .chart import in_voila

        # under Voila the page pings its kernel, so an open page is never culled (widgets/heartbeat.py)
        extra = [heartbeat.current()] if in_voila() else []
        super().__init__([style(), *children, *extra], **kwargs)
        self.add_class("wb-page")
        self._summary = summary

    def __repr__(self) -> str:
        # what nbval compares and a notebook shows as text: stable, human, no ids; the digest of the
        # charts' data and the inputs' values (widgets/digest.py) makes a changed number a difference
        from .digest import digest_line

        try:
            digest = digest_line(self)
        except Exception as exc:  # a text form never raises; the difference still shows in nbval
            digest = f"digest unavailable ({type(exc).__name__})"
        return f"<{self._summary or type(self).__name__} · {digest}>"

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:  # None only for a widget without a view; a VBox has one
            bundle["text/plain"] = repr(self)
        return bundle


def error_page(title: str, error: Exception | str) -> Page:
    """What a person sees instead of a traceback when the link is wrong or the store is down."""
    text = str(error) if isinstance(error, (WorkbookError, str)) else "Something went wrong while opening this page."
    return Page([header(title, ""), message(text)], summary=f"{title}: {text}")


def card(title: str, *children, level: int = 2, note: str = "") -> w.VBox:
    """A titled card of the page."""
    box = vbox([html(f"<h{level}>{esc(title)}</h{level}>{note}"), *children])
    box.add_class("wb-card")
    return box


def status() -> w.HTML:
    """An empty status line, announced politely to screen readers when it changes."""
    return html("<div class='wb-status' aria-live='polite'></div>")


def set_status(widget: w.HTML, text: str, kind: str = "muted") -> None:
    """Show ``text`` in a status line; ``kind`` (muted, ok, error, ...) sets its look."""
    widget.value = f"<div class='wb-status wb-{kind}' role='status' aria-live='polite'>{esc(text)}</div>"


def show(obj) -> None:
    """Display ``obj`` on the page."""
    display(obj)
