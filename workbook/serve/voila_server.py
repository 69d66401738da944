"""Voila as ``workbook serve`` runs it: ``python -m workbook.serve.voila_server <voila arguments>``.

Voila renders each page with a new nbconvert exporter, and each exporter builds a new Jinja
environment, so every visit parses and compiles the page templates again (about a tenth of
the server's CPU while a room opens the link together). Here every environment shares one
in-memory bytecode cache: a template is compiled once per server process, and Jinja still
checks the source on every load, so an edited template is picked up.

It also gives the server a limit on the pages it serves at once (:mod:`workbook.serve.capacity`):
a visit beyond it gets a plain "busy" page with status 503 (which a load balancer retries on
another server), and ``/workbook/health`` tells the balancer's checks the server is alive.

A page whose kernel dies while the page starts ends with a plain message and a reload button
(:func:`answer_start_failures`); Voila itself would keep that visit open, loading, for good.

Pages load no MathJax (:func:`page_config`): the apps show no mathematics, and MathJax was the
largest piece of script a member page ran just before its chart was drawn.

Responses are compressed (:func:`compress_responses`: the member page's 5.6 MB of scripts and styles travel
as about a quarter of that; a static file is compressed once, and again smaller by Zopfli in the background,
:mod:`workbook.serve.gzip_cache`) and static files carry a cache policy (:func:`cache_static`): a file whose URL
names its version is kept for a year, any other is kept ten minutes and then revalidated (a 304), so a
member who opens the page again loads little more than the page itself.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import warnings
from typing import TYPE_CHECKING, Any, cast

from jinja2 import BytecodeCache

from . import gzip_cache

if TYPE_CHECKING:  # the mixins below are mixed into Tornado's static file handlers (with_cache_policy)
    from tornado.web import StaticFileHandler as _StaticBase
else:
    _StaticBase = object


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in this process, keyed by Jinja's name-and-source checksum."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        """Fill ``bucket`` with the compiled template kept for its key, if any."""
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        """Keep ``bucket``'s compiled template for the rest of the process."""
        self._code[bucket.key] = bucket.bytecode_to_string()


CACHE = MemoryBytecodeCache()


def share_template_cache(style_css: bool | None = None, light_css: bool | None = None) -> None:
    """Make every nbconvert template environment of this process use :data:`CACHE`.

    Each environment also gets ``workbook_style_css``: True when the template's ``voila-style.css``
    was made from the installed Voila's ``voila-style.js`` (:func:`workbook.assets.style_current`),
    so the page links the stylesheet instead of running the script; and ``workbook_light_css``: True when
    its ``workbook-light.css`` is made from those stylesheets (:func:`workbook.assets.light_style_current`),
    so a light page links that one alone. Checked once per process.
    """
    from nbconvert.exporters.templateexporter import TemplateExporter

    if style_css is None or light_css is None:
        from ..assets import light_style_current, style_current
        from ..content.paths import template_dir

        static = template_dir() / "static"
        style_css = style_current(static) if style_css is None else style_css
        light_css = (style_css and light_style_current(static)) if light_css is None else light_css
    create = getattr(TemplateExporter._create_environment, "_workbook_original", TemplateExporter._create_environment)

    def _create_environment(self):
        environment = create(self)
        environment.bytecode_cache = CACHE
        environment.globals["workbook_style_css"] = style_css
        environment.globals["workbook_light_css"] = light_css
        return environment

    _create_environment._workbook_original = create
    TemplateExporter._create_environment = _create_environment


START_FAILED = """<div id="wb-start-failed" role="alert" style="max-width: 34em; margin: 10vh auto; background: #FFFFFF;
padding: 24px 28px; border-radius: 8px; font: 17px/1.5 system-ui, sans-serif; color: #1F2933;
box-shadow: 0 2px 8px rgba(0, 0, 0, 0.15);"><h1 style="font-size: 1.5em; margin-top: 0;">This page could not start</h1>
<p>The server could not start this page's session (it may be very busy). Nothing you saved is affected: reload the
page to start it again.</p><a href="" style="display: inline-block; margin-top: 8px; padding: 10px 18px;
border-radius: 6px; background: #1B4F72; color: #FFFFFF; text-decoration: none;">Reload the page</a></div>
<script>(function () {
  var box = document.getElementById('wb-start-failed'), spinner = document.getElementById('loading');
  if (spinner) { spinner.remove(); }
  document.body.appendChild(box);  /* out of the cells' container, which stays hidden until a page is ready */
})();</script>
"""


async def guard_start(renderer, snippets):
    """``snippets`` (a page's rendering) as they come; if the rendering fails, :data:`START_FAILED` ends it.

    The rendering starts the page's kernel and runs the notebook. When the kernel dies first ("Kernel died
    before replying to kernel_info"), Voila's handler never hears that the page is over and keeps the
    visit open with heartbeats: the member waits on a loading page for good. Here the page ends with a
    plain message and a reload button, ``renderer.workbook_failed`` is set (a preheated kernel that failed
    so is dropped from the pool) and the server's log keeps the error.
    """
    try:
        async for item in snippets:
            yield item
    except Exception:
        renderer.workbook_failed = True
        log = getattr(renderer, "log", None) or logging.getLogger(__name__)
        log.exception("a page could not start: %s", getattr(renderer, "notebook_path", "?"))
        yield START_FAILED, {}


def answer_start_failures() -> None:
    """Every page Voila renders goes through :func:`guard_start` (once per process)."""
    from voila.notebook_renderer import NotebookRenderer

    original = NotebookRenderer.generate_content_generator
    if getattr(original, "_workbook_guarded", False):
        return

    def generate_content_generator(self, kernel_id=None, kernel_future=None):
        return guard_start(self, original(self, kernel_id, kernel_future))

    generate_content_generator._workbook_guarded = True
    NotebookRenderer.generate_content_generator = generate_content_generator


def _alive(item) -> bool:
    """Whether a pool item (done, without error) still holds a kernel that can serve a page."""
    content = item.result()
    if not isinstance(content, dict):
        return True
    if getattr(content.get("renderer"), "workbook_failed", False):
        return False
    task = content.get("task")
    return not (isinstance(task, asyncio.Future) and task.done() and (task.cancelled() or task.exception()))


def _ready(pool: list) -> list:
    """The pool's kernels that are warm now: their start and first run are done and did not fail."""
    return [item for item in pool if item.done() and not item.cancelled() and item.exception() is None
            and _alive(item)]


def _drop_failed(kernel_manager, pool: list) -> None:
    """Take the pool's failed items out of it; a kernel whose page could not start is shut down."""
    for item in [i for i in pool if i.done()]:
        if item.cancelled() or item.exception() is not None:
            pool.remove(item)
        elif not _alive(item):
            pool.remove(item)
            kernel_id = (item.result() or {}).get("kernel_id")
            shutdown = getattr(kernel_manager, "shutdown_kernel", None)
            if kernel_id and shutdown is not None:
                task = asyncio.ensure_future(shutdown(kernel_id, now=True))
                task.add_done_callback(lambda t: t.cancelled() or t.exception())  # gone already: nothing to do


def ready_pool_only() -> None:
    """A visit takes a warm kernel from the preheated pool only when one is ready; else it starts its own.

    Voila counts the pool's pending refills as pool kernels. A page that finds only pending refills
    waits for one of them, and a refill waits ``fill_delay`` seconds before it even starts (the
    workbook gives it eight, so refills leave a room's first pages the machine): in a room of twelve,
    every page after the pool's two queued for a refill, its HTML some 8 s late. Here only ready
    kernels count, a ready one is taken first, and a refill that failed, or whose page could not start
    (its kernel is shut down), is dropped: the next visit refills the pool again. Refills still start
    after ``fill_delay``, in the background.
    """
    import voila.app
    from voila import voila_kernel_manager

    factory = voila_kernel_manager.voila_kernel_manager_factory
    if getattr(voila.app.voila_kernel_manager_factory, "_workbook_ready_pool", False):
        return

    def factory_ready_pool(base_class, preheat_kernel, default_pool_size, page_config_hook=None):
        cls = factory(base_class, preheat_kernel, default_pool_size, page_config_hook)
        if not hasattr(cls, "get_rendered_notebook"):  # no preheating: nothing to change
            return cls
        get_rendered_notebook = cls.get_rendered_notebook

        def get_pool_size(self, notebook_name: str) -> int:
            pool = self._pools.get(notebook_name, [])
            _drop_failed(self, pool)
            return len(_ready(pool))

        async def get_rendered_notebook_ready(self, notebook_name: str, *args, **kwargs):
            pool = self._pools.get(notebook_name, [])
            ready = _ready(pool)
            if ready and pool[0] is not ready[0]:  # Voila takes the pool's first item: make it a ready one
                pool.remove(ready[0])
                pool.insert(0, ready[0])
            return await get_rendered_notebook(self, notebook_name, *args, **kwargs)

        cls.get_pool_size = get_pool_size
        cls.get_rendered_notebook = get_rendered_notebook_ready
        return cls

    factory_ready_pool._workbook_ready_pool = True
    voila.app.voila_kernel_manager_factory = factory_ready_pool


def _counts(kernel_manager) -> tuple[int, int]:
    """Kernels of this server, and those of them waiting in the preheated pool (no page yet).

    Only the pool's ready items count as pool kernels: a pending refill (sleeping ``fill_delay``, or
    starting its kernel) has no kernel among the server's yet, and counting it would let the gate
    admit a page more than ``--max-kernels`` for every refill on its way.
    """
    kernels = len(kernel_manager.list_kernel_ids())
    pools = getattr(kernel_manager, "_pools", None) or {}
    return kernels, sum(len(_ready(pool)) for pool in pools.values())


def limit_pages(gate) -> None:
    """Answer visits beyond ``gate``'s limit with the plain busy page (503), and serve ``/workbook/health``."""
    import json

    import tornado.web
    from jupyter_server.utils import url_path_join
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    from .capacity import HEALTH_PATH, RETRY_SECONDS, full_page

    if getattr(TornadoVoilaHandler.get, "_workbook_gate", None) is not None:
        TornadoVoilaHandler.get._workbook_gate.limit = gate.limit
        return

    @tornado.web.authenticated
    async def get(self, path=None):
        if gate.full(*_counts(self.kernel_manager)):
            self.log.warning("workbook: full (%s pages, limit %s): visit answered with 503", gate.pages(
                *_counts(self.kernel_manager)), gate.limit)
            self.set_status(503)
            self.set_header("Retry-After", str(RETRY_SECONDS))
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(full_page())
            return
        gate.admitting += 1
        admitted = True
        try:
            async for snippet in self.get_generator(path=path):
                if admitted:  # the page's kernel exists now: it counts as a kernel from here on
                    gate.admitting -= 1
                    admitted = False
                self.write(snippet)
                self.flush()
        finally:
            if admitted:
                gate.admitting -= 1

    get._workbook_gate = gate
    TornadoVoilaHandler.get = get

    class HealthHandler(tornado.web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(gate.health(*_counts(self.settings["kernel_manager"]))))

    voila: Any = Voila  # its methods are replaced on the class
    init_handlers = voila.init_handlers

    def with_health(self):
        return [(url_path_join(self.server_url, HEALTH_PATH), HealthHandler), *init_handlers(self)]

    voila.init_handlers = with_health


def compress_responses() -> None:
    """Every response the server sends compressed when the browser accepts it, the kernels' messages too.

    Responses: Tornado's ``compress_response``. The kernels' WebSocket messages: ``permessage-deflate``
    (jupyter_server's ``websocket_compression_options``, which it leaves off).

    Voila applies its ``tornado_settings`` to the Tornado application after making it (``app.settings.update``),
    and Tornado chooses its output transforms, gzip among them, when the application is made: a
    ``compress_response`` given through ``Voila.tornado_settings`` alone changes nothing. Here Voila's
    ``tornado_settings`` join the settings the application is made with, and ``compress_response`` is on
    unless they say otherwise. Tornado compresses text, scripts, JSON and SVG of 1 KB and more, and a streamed
    page chunk by chunk (each flushed as it comes), so a page still shows its parts as they are rendered.

    A member page's widgets arrive as one message of about 220 KB of JSON (each marking slider carries its
    spectrum card and its browser code): compressed, it travels as about a fifth of that (48 KB), which twelve
    phones opening the page together share on the room's Wi-Fi. Each open connection keeps its own compressor:
    about 260 KB of the server's memory (measured in a Tornado server sending such a message: 270 KB an open
    connection, against 14 KB without), about 6 MB for a room of 24 pages. ``websocket_compression_options:
    None`` in Voila's ``tornado_settings`` turns it off.
    """
    from voila.app import Voila

    if getattr(Voila.init_settings, "_workbook_compressed", False):
        return
    voila: Any = Voila  # its methods are replaced on the class
    init_settings = voila.init_settings

    def init_settings_compressed(self) -> dict:
        settings = init_settings(self)
        return {**settings, "compress_response": True, "websocket_compression_options": {},
                **self.tornado_settings}

    init_settings_compressed._workbook_compressed = True
    voila.init_settings = init_settings_compressed


# a static file's URL names its version: a ``v`` argument (Tornado's and JupyterLab's content hashes) or a
# content hash in the file's name (a JupyterLab extension's ``remoteEntry.c8c9eed2cdefdeac.js``, ``528.d9f5934c.js``)
HASHED_NAME = re.compile(r"[.-][0-9a-f]{8,}\.[a-z0-9]+$")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE_AFTER = 600  # seconds: a page opened again within ten minutes asks the server for none of its files
REVALIDATE = f"public, max-age={REVALIDATE_AFTER}"


def cache_control(path: str, arguments) -> str:
    """The ``Cache-Control`` of a static file at URL ``path`` with query ``arguments``.

    A URL that names its version (``?v=`` or a hash in the file's name) changes when the file does: the browser
    keeps the file for a year without asking. Any other (Voila's own scripts, ``7155.voila.js``, whose names stay
    the same from one Voila to the next; the plotly bundles) is kept ten minutes, then revalidated with its
    ``ETag`` or ``Last-Modified`` (a 304 without the file when it is unchanged): after an upgrade the server's
    new files reach every page within ten minutes.
    """
    if "v" in arguments or HASHED_NAME.search(path.rsplit("/", 1)[-1]):
        return IMMUTABLE
    return REVALIDATE


class CachePolicy(_StaticBase):
    """Mixed into a static file handler: :func:`cache_control` decides its ``Cache-Control`` (304s too)."""

    def set_headers(self) -> None:
        """The handler's own headers (``ETag``, ``Last-Modified``, type), then the workbook's ``Cache-Control``."""
        super().set_headers()
        policy = cache_control(self.request.path, self.request.arguments)
        self.set_header("Cache-Control", policy)
        if policy != IMMUTABLE:
            self.clear_header("Expires")


# a static file compressed once per server: (absolute path, modification time, size) -> its gzip bytes, and
# whether they are the worker's Zopfli copy (gzip_cache.py) or, until that is made, the server's own gzip
GZIPPED: dict[tuple[str, int, int], tuple[bytes, bool]] = {}
GZIP_LEVEL = 6  # Tornado's


class _Content:
    """``get_content`` of a :class:`CompressedOnce` handler.

    On the handler of a response sent compressed: the kept gzip bytes. Otherwise, and on the class (Tornado
    reads the file through it for the file's version hash), the file as Tornado reads it.
    """

    def __get__(self, handler, cls: type[CompressedOnce]):
        parent = super(CompressedOnce, cls).get_content
        body = getattr(handler, "_workbook_gzip", None)
        if body is None:
            return parent

        def content(abspath, start=None, end=None):
            yield body[start or 0:len(body) if end is None else end]
        return content


class CompressedOnce(_StaticBase):
    """Mixed into a static file handler: a compressible file is compressed once and kept.

    A room opening the page together compresses each script once instead of once per member: Tornado's
    ``compress_response`` compresses every response as it is sent (about 0.25 s of the server's time for each
    first visit of a member page), and leaves alone a response that says its encoding already.
    """

    get_content = cast(Any, _Content())  # a descriptor standing in for Tornado's classmethod

    def set_headers(self) -> None:
        """The handler's headers, and ``Content-Encoding: gzip`` when the response is the kept gzip bytes."""
        super().set_headers()
        self._workbook_gzip = self._gzipped()
        if self._workbook_gzip is not None:
            self.set_header("Content-Encoding", "gzip")

    def get_content_size(self) -> int:
        """The size of what is sent: the kept gzip bytes, or the file."""
        body = getattr(self, "_workbook_gzip", None)
        return len(body) if body is not None else super().get_content_size()

    def _gzipped(self) -> bytes | None:
        import gzip
        import os

        from tornado.web import GZipContentEncoding

        if not self.settings.get("compress_response") or "gzip" not in self.request.headers.get("Accept-Encoding",
                                                                                                  ""):
            return None
        kind = (self.get_content_type() or "").split(";")[0]
        if not (kind.startswith("text/") or kind in GZipContentEncoding.CONTENT_TYPES):
            return None
        path = self.absolute_path  # set by Tornado before it sets the headers
        if path is None:
            return None
        stat = os.stat(path)
        if stat.st_size < GZipContentEncoding.MIN_LENGTH:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size)
        body, best = GZIPPED.get(key, (None, False))
        if not best:
            copy = gzip_cache.kept(path, stat)  # the worker's copy, once it is on disk
            if copy is not None:
                body, best = copy, True
            elif body is None:
                with open(path, "rb") as handle:
                    body = gzip.compress(handle.read(), GZIP_LEVEL, mtime=0)
                gzip_cache.WORKER.ask(path)
            GZIPPED[key] = body, best
        return body


def with_cache_policy(handler: type, policy: bool = True) -> type:
    """``handler`` with :class:`CachePolicy` and :class:`CompressedOnce` when it serves static files.

    A static file handler is one of Tornado's ``StaticFileHandler`` (Voila's, JupyterLab's); others are left as
    they are. ``policy=False``: the compression only, the handler's own cache headers kept (the benchmarks'
    Panel peer).
    """
    import tornado.web

    if not (isinstance(handler, type) and issubclass(handler, tornado.web.StaticFileHandler)) or issubclass(
            handler, CompressedOnce):
        return handler
    mixins = (CachePolicy, CompressedOnce) if policy else (CompressedOnce,)
    return type(f"Cached{handler.__name__}", (*mixins, handler), {"__module__": __name__})


def cache_static() -> None:
    """Every static file route of Voila answers with :func:`cache_control`'s policy.

    Voila's static files, the template's, the plotly bundles and the front-end extensions; Voila itself sends
    none for its scripts (left to the browser's guesswork) and ``no-cache`` for the extensions (asked for
    again on every visit).
    """
    from voila.app import Voila

    if getattr(Voila.init_handlers, "_workbook_cached", False):
        return
    voila: Any = Voila  # its methods are replaced on the class
    init_handlers = voila.init_handlers

    def init_handlers_cached(self) -> list:
        return [(rule[0], with_cache_policy(rule[1]), *rule[2:]) if isinstance(rule, tuple) else rule
                for rule in init_handlers(self)]

    init_handlers_cached._workbook_cached = True
    voila.init_handlers = init_handlers_cached


# the template's stand-in for MathJax 2 (share/jupyter/voila/templates/workbook/static/no-mathjax.js)
NO_MATHJAX_URL = "voila/templates/workbook/static/no-mathjax.js"
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"


def page_config(config: dict, *args, base_url: str = "/", **kwargs) -> dict:
    """Voila's page config for an app page, typesetting with the template's no-op MathJax (``page_config_hook``).

    Voila's page app (voila 0.5) always adds a LaTeX typesetter: MathJax 3, bundled, which every page
    fetches and runs (16 scripts, about 900 KB) to typeset an empty element at start and then every
    widget description, just before the chart is drawn; ``disabledExtensions`` does not reach it. Given a
    MathJax URL, the page typesets with MathJax 2 from that URL instead, and the URL here is the
    template's stand-in that does nothing. The apps show no mathematics, and a description with two
    amounts in dollars stays as written.
    """
    config["fullMathjaxUrl"] = f"{base_url.rstrip('/')}/{NO_MATHJAX_URL}"
    config["mathjaxConfig"] = MATHJAX_CONFIG
    return config


def quiet_console() -> None:
    """Once Voila's application logger exists, it drops the warnings a facilitator cannot act on (console.py)."""
    from voila.app import Voila

    from ..kernels.console import quiet_server

    if getattr(Voila.start, "_workbook_quiet", False):
        return
    original = Voila.start

    def start(self):
        quiet_server(self.log)
        # the pools' settings are a dict given on the command line: traitlets 5 reads it but warns when the kernel
        # manager takes it, on every start (the form it suggests would make each pool's settings a string); jupyter
        # turns DeprecationWarnings on before this, so the filter goes in front of its own here
        warnings.filterwarnings("ignore", message="--kernel_pools_config", category=DeprecationWarning)
        return original(self)

    start._workbook_quiet = True  # type: ignore[attr-defined]
    Voila.start = start


def stop_on_ctrl_c() -> None:
    """Ctrl+C stops the server through its event loop, whatever the server is doing when it comes.

    Voila leaves Ctrl+C to Python's KeyboardInterrupt, raised in whatever code runs when the signal is handled;
    raised inside the refill of the preheated pool, it was lost and the server kept running. Here the event loop
    is told to stop (asyncio's own signal handling, which wakes the loop), Voila then shuts its kernels down as
    on any stop, and a second Ctrl+C while it does is Python's KeyboardInterrupt again.
    """
    import asyncio
    import signal

    from voila.app import Voila

    if getattr(Voila.start, "_workbook_ctrl_c", False):
        return
    original = Voila.start

    def start(self):
        loop = asyncio.get_event_loop()  # the loop Voila's IOLoop.current() runs

        def stop() -> None:
            loop.remove_signal_handler(signal.SIGINT)  # the next Ctrl+C interrupts the shutdown itself
            self.log.info("Stopping...")
            loop.stop()

        try:
            loop.add_signal_handler(signal.SIGINT, stop)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals here (not the main thread): as Voila
            pass
        return original(self)

    start._workbook_ctrl_c = True  # type: ignore[attr-defined]
    Voila.start = start


def main(argv: list[str] | None = None) -> None:
    """Run Voila with the shared template cache and the page limit from the environment."""
    from .capacity import Gate, limit_from_env

    share_template_cache()
    answer_start_failures()
    ready_pool_only()
    limit_pages(Gate(limit_from_env()))
    compress_responses()
    cache_static()
    quiet_console()
    stop_on_ctrl_c()
    from traitlets.config import Config
    from voila.app import main as voila_main

    config = Config()
    config.VoilaConfiguration.page_config_hook = page_config
    sys.argv = ["voila", *(sys.argv[1:] if argv is None else argv)]
    voila_main(config=config)


if __name__ == "__main__":
    main()
