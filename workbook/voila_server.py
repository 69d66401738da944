"""Voila as ``workbook serve`` runs it: ``python -m workbook.voila_server <voila arguments>``.

Voila renders each page with a new nbconvert exporter, and each exporter builds a new Jinja
environment, so every visit parses and compiles the page templates again (about a tenth of
the server's CPU while a room opens the link together). Here every environment shares one
in-memory bytecode cache: a template is compiled once per server process, and Jinja still
checks the source on every load, so an edited template is picked up.

It also gives the server a limit on the pages it serves at once (:mod:`workbook.capacity`):
a visit beyond it gets a plain "busy" page with status 503 (which a load balancer retries on
another server), and ``/workbook/health`` tells the balancer's checks the server is alive.

A page whose kernel dies while the page starts ends with a plain message and a reload button
(:func:`answer_start_failures`); Voila itself would keep that visit open, loading, for good.

Pages load no MathJax (:func:`page_config`): the apps show no mathematics, and MathJax was the
largest piece of script a member page ran just before its chart was drawn.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from jinja2 import BytecodeCache


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


def share_template_cache(style_css: bool | None = None) -> None:
    """Make every nbconvert template environment of this process use :data:`CACHE`.

    Each environment also gets ``workbook_style_css``: True when the template's ``voila-style.css``
    was made from the installed Voila's ``voila-style.js`` (:func:`workbook.assets.style_current`),
    so the page links the stylesheet instead of running the script. Checked once per process.
    """
    from nbconvert.exporters.templateexporter import TemplateExporter

    if style_css is None:
        from .assets import style_current
        from .cli import TEMPLATE

        style_css = style_current(TEMPLATE / "static")
    create = getattr(TemplateExporter._create_environment, "_workbook_original", TemplateExporter._create_environment)

    def _create_environment(self):
        environment = create(self)
        environment.bytecode_cache = CACHE
        environment.globals["workbook_style_css"] = style_css
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

    init_handlers = Voila.init_handlers

    def with_health(self):
        return [(url_path_join(self.server_url, HEALTH_PATH), HealthHandler), *init_handlers(self)]

    Voila.init_handlers = with_health


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


def main(argv: list[str] | None = None) -> None:
    """Run Voila with the shared template cache and the page limit from the environment."""
    from .capacity import Gate, limit_from_env

    share_template_cache()
    answer_start_failures()
    ready_pool_only()
    limit_pages(Gate(limit_from_env()))
    from traitlets.config import Config
    from voila.app import main as voila_main

    config = Config()
    config.VoilaConfiguration.page_config_hook = page_config
    sys.argv = ["voila", *(sys.argv[1:] if argv is None else argv)]
    voila_main(config=config)


if __name__ == "__main__":
    main()
