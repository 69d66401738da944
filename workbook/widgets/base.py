"""Building blocks shared by every app: page shell, messages, query parameters, links, charts.

Charts (:func:`PlotView`, in ``chart.py``) are not ``go.FigureWidget``s: the page then needs no
plotly widget model (about 5 MB of JavaScript and 60 MiB of kernel memory per page) and a
redraw is one small message.
"""

from __future__ import annotations

import html
import os
import urllib.parse

import ipywidgets as w
from IPython.display import display
from ipywidgets.widgets.widget_string import HTMLStyle

from .. import theme
from ..errors import WorkbookError
from . import heartbeat
from .chart import PlotView  # noqa: F401 - re-exported for the apps

esc = html.escape


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
        bundle["text/plain"] = repr(self)
        return bundle


def error_page(title: str, error: Exception | str) -> Page:
    """What a person sees instead of a traceback when the link is wrong or the store is down."""
    text = str(error) if isinstance(error, (WorkbookError, str)) else "Something went wrong while opening this page."
    return Page([header(title, ""), message(text)], summary=f"{title}: {text}")


def preheating() -> bool:
    """True in a kernel Voila started ahead of the visit (the page's link is not known yet)."""
    return os.environ.get("VOILA_PREHEAT", "False") == "True"


def query_params() -> dict:
    """The page's query parameters (``?district=...&session=...``).

    Under Voila with preheated kernels the request arrives after the kernel started, so
    wait for it first; outside Voila (JupyterLab, nbval, papermill) ``QUERY_STRING`` may be
    set in the environment, else there are none.
    """
    if preheating():
        from voila.utils import wait_for_request

        wait_for_request()
    query = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}


def status() -> w.HTML:
    """An empty status line, announced politely to screen readers when it changes."""
    return html("<div class='wb-status' aria-live='polite'></div>")


def set_status(widget: w.HTML, text: str, kind: str = "muted") -> None:
    """Show ``text`` in a status line; ``kind`` (muted, ok, error, ...) sets its look."""
    widget.value = f"<div class='wb-status wb-{kind}' role='status' aria-live='polite'>{esc(text)}</div>"


def show(obj) -> None:
    """Display ``obj`` on the page."""
    display(obj)


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


def qr_svg(url: str, scale: int = 5, border: int = 4) -> str:
    """A QR code of ``url`` as inline SVG (``scale`` pixels a module, ``border`` modules of quiet zone), labelled."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=scale, border=border, dark="#1F2933", light="#FFFFFF")
    return f"<div role='img' aria-label='QR code for the team join link'>{svg}</div>"


def download_link(label: str, filename: str, data: bytes, mime: str) -> str:
    """An offline download link (the file travels in the page as a data: URL)."""
    import base64

    b64 = base64.b64encode(data).decode()
    return (f"<a class='wb-download' download='{esc(filename)}' href='data:{mime};base64,{b64}'>"
            f"{esc(label)}</a>")


def session_downloads(store, session, content) -> w.VBox:
    """Buttons that prepare the session's responses (Excel, CSV zip) and the printable worksheet."""
    import tempfile
    from pathlib import Path

    out = w.HTML()
    excel = w.Button(description="Prepare Excel download")
    csvzip = w.Button(description="Prepare CSV download")
    sheet = w.Button(description="Printable worksheet")

    def prepare(kind):
        from .. import exchange
        from ..worksheet import worksheet_html

        if kind == "sheet":
            out.value = download_link("Download the printable worksheet (HTML: open and print)",
                                      "look-both-ways-worksheet.html", worksheet_html(content).encode(), "text/html")
            return
        suffix, mime = (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") \
            if kind == "xlsx" else (".zip", "application/zip")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"session-{session.id}{suffix}"
            exchange.export_session(store, session.id, path)
            out.value = download_link(f"Download {path.name}", path.name, path.read_bytes(), mime)

    excel.on_click(lambda _b: prepare("xlsx"))
    csvzip.on_click(lambda _b: prepare("zip"))
    sheet.on_click(lambda _b: prepare("sheet"))
    box = w.VBox([w.HTML("<h2>Downloads</h2><p class='wb-muted'>All of this session's responses as Excel or CSV "
                         "(the same format the import reads), and a printable worksheet for teams that start on "
                         "paper. Charts download as SVG from the camera icon above each chart.</p>"),
                  w.HBox([excel, csvzip, sheet], layout=w.Layout(flex_flow="row wrap")), out])
    box.add_class("wb-card")
    return box


def card(title: str, *children, level: int = 2, note: str = "") -> w.VBox:
    """A titled card of the page."""
    box = vbox([html(f"<h{level}>{esc(title)}</h{level}>{note}"), *children])
    box.add_class("wb-card")
    return box


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
