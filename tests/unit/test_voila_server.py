"""The server's shared cache of compiled page templates."""

from __future__ import annotations

import jinja2
import pytest
from nbconvert.exporters.templateexporter import TemplateExporter

from tests.conftest import run_async
from workbook.serve import plan, voila_server


def test_every_template_environment_shares_one_compiled_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)
    voila_server.share_template_cache()
    voila_server.share_template_cache()  # twice is once
    (tmp_path / "page.j2").write_text("Hello {{ name }}")
    compiled = []
    real = jinja2.Environment._compile
    monkeypatch.setattr(jinja2.Environment, "_compile",
                        lambda self, source, filename: compiled.append(filename) or real(self, source, filename))
    for _visit in range(3):  # a new exporter per visit, as Voila makes one per page
        env = TemplateExporter(template_paths=[str(tmp_path)])._create_environment()
        assert env.bytecode_cache is voila_server.CACHE
        assert env.get_template("page.j2").render(name="room") == "Hello room"
    assert len(compiled) == 1
    # an edited template is compiled again, not served stale
    (tmp_path / "page.j2").write_text("Hi {{ name }}")
    env = TemplateExporter(template_paths=[str(tmp_path)])._create_environment()
    assert env.get_template("page.j2").render(name="room") == "Hi room" and len(compiled) == 2


def test_serve_runs_voila_through_the_cached_server():
    argv = plan.voila_argv(8866, "127.0.0.1", None)
    assert argv[argv.index("-m") + 1] == "workbook.serve.voila_server"  # the interpreter's options (-W) may come first


def test_environments_say_whether_the_page_links_voilas_styles_as_a_stylesheet(monkeypatch):
    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)
    for flag in (True, False, True):  # set again, the flag replaces the earlier one (no wrapper on a wrapper)
        voila_server.share_template_cache(style_css=flag)
        env = TemplateExporter()._create_environment()
        assert env.globals["workbook_style_css"] is flag and env.bytecode_cache is voila_server.CACHE
    source = (plan.TEMPLATE / "index.html.j2").read_text(encoding="utf-8")
    assert 'include_css("static/voila-style.css")' in source and 'include_js("static/voila-style.js")' in source


def test_a_visit_takes_a_warm_kernel_only_when_one_is_ready(monkeypatch):
    """Voila counted the pool's pending refills as kernels: a room's third page waited for a refill that
    itself waits ``fill_delay`` (8 s) before it starts. Only ready kernels count now; the rest start their own."""
    import asyncio
    from types import SimpleNamespace

    import voila.app
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila import voila_kernel_manager

    monkeypatch.setattr(voila.app, "voila_kernel_manager_factory", voila_kernel_manager.voila_kernel_manager_factory)
    voila_server.ready_pool_only()
    voila_server.ready_pool_only()  # twice is once
    cls = voila.app.voila_kernel_manager_factory(AsyncMappingKernelManager, True, 2)
    assert cls.get_pool_size.__module__ == "workbook.serve.voila_server"

    async def scenario():
        loop = asyncio.get_running_loop()

        def warm(kernel_id):
            done = loop.create_future()
            done.set_result({"task": f"render {kernel_id}", "renderer": SimpleNamespace(rendered_cache=[kernel_id]),
                             "kernel_id": kernel_id})
            return done

        failed, pending = loop.create_future(), loop.create_future()
        failed.set_exception(RuntimeError("the refill's kernel did not start"))
        km = cls.__new__(cls)  # the pool's bookkeeping only: no kernels are started
        refills = []
        km.fill_if_needed = lambda **kw: refills.append(kw["notebook_name"])
        km._pools = {"app.ipynb": [pending, failed, warm("k1")]}
        assert km.get_pool_size("app.ipynb") == 1  # the pending refill is not a kernel, the failed one is dropped
        assert km._pools["app.ipynb"] == [pending, km._pools["app.ipynb"][1]] and failed not in km._pools["app.ipynb"]
        # the ready kernel is the one taken, at once, though a pending refill was ahead of it in the pool
        task, cache, kernel_id = await asyncio.wait_for(km.get_rendered_notebook("app.ipynb"), 1)
        assert (task, cache, kernel_id) == ("render k1", ["k1"], "k1") and refills == ["app.ipynb"]
        assert km.get_pool_size("app.ipynb") == 0  # only the pending refill is left: the next visit starts its own
        pending.cancel()

    run_async(scenario())  # its own loop in a thread of its own (the browser tests keep one running here)


def test_the_page_limit_counts_only_ready_pool_kernels_as_waiting():
    """A pending refill has no kernel yet: counted as a pool kernel, it hid a page from the limit for every
    refill on its way (two pages beyond ``--max-kernels`` while the pool refilled)."""
    import asyncio
    from types import SimpleNamespace

    from workbook.serve.capacity import Gate

    async def scenario():
        loop = asyncio.get_running_loop()
        ready, sleeping, starting = loop.create_future(), loop.create_future(), loop.create_future()
        ready.set_result({"kernel_id": "pool-1"})
        # the server's kernels: one waiting in the pool, two with a member's page each
        km = SimpleNamespace(list_kernel_ids=lambda: ["pool-1", "page-1", "page-2"],
                             _pools={"app.ipynb": [ready, sleeping, starting]})
        assert voila_server._counts(km) == (3, 1)
        gate = Gate(2)
        assert gate.pages(*voila_server._counts(km)) == 2 and gate.full(*voila_server._counts(km))
        sleeping.cancel()
        starting.cancel()
        assert voila_server._counts(SimpleNamespace(list_kernel_ids=lambda: ["a"])) == (1, 0)  # no preheating

    run_async(scenario())


def test_a_rendering_that_fails_ends_with_the_plain_message():
    """The kernel dies while the page starts: the snippets so far, then the message, and the renderer is marked."""
    from types import SimpleNamespace

    async def snippets(fail: bool):
        yield "<head>", {}
        if fail:
            raise RuntimeError("Kernel died before replying to kernel_info")
        yield "<body>", {}

    async def collect(renderer, fail):
        return [html async for html, _ in voila_server.guard_start(renderer, snippets(fail))]

    failed = SimpleNamespace(notebook_path="charting_your_path.ipynb")
    assert run_async(collect(failed, True)) == ["<head>", voila_server.START_FAILED]
    assert failed.workbook_failed is True
    fine = SimpleNamespace(notebook_path="charting_your_path.ipynb")
    assert run_async(collect(fine, False)) == ["<head>", "<body>"] and not hasattr(fine, "workbook_failed")
    assert 'role="alert"' in voila_server.START_FAILED and "Reload the page" in voila_server.START_FAILED


def test_a_preheated_kernel_whose_page_could_not_start_leaves_the_pool_and_is_shut_down(monkeypatch):
    import asyncio
    from types import SimpleNamespace

    import voila.app
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila import voila_kernel_manager

    monkeypatch.setattr(voila.app, "voila_kernel_manager_factory", voila_kernel_manager.voila_kernel_manager_factory)
    voila_server.ready_pool_only()
    cls = voila.app.voila_kernel_manager_factory(AsyncMappingKernelManager, True, 2)

    async def scenario():
        loop = asyncio.get_running_loop()

        def item(kernel_id, renderer):
            done = loop.create_future()
            done.set_result({"task": loop.create_future(), "renderer": renderer, "kernel_id": kernel_id})
            return done

        dead, warm = item("k-dead", SimpleNamespace(workbook_failed=True)), item("k-warm", SimpleNamespace())
        km = cls.__new__(cls)
        stopped = []

        async def shutdown_kernel(kernel_id, now=False):
            stopped.append((kernel_id, now))

        km.shutdown_kernel = shutdown_kernel
        km._pools = {"app.ipynb": [dead, warm]}
        assert km.get_pool_size("app.ipynb") == 1 and km._pools["app.ipynb"] == [warm]
        await asyncio.sleep(0)
        assert stopped == [("k-dead", True)]
        assert voila_server._counts(SimpleNamespace(list_kernel_ids=lambda: ["k-warm"], _pools=km._pools)) == (1, 1)
        for kept in (dead, warm):
            kept.result()["task"].cancel()

    run_async(scenario())


@pytest.mark.parametrize("base_url", ["/", "/convening/"])
def test_pages_typeset_with_the_templates_stand_in_for_mathjax(base_url):
    config = voila_server.page_config({"fullMathjaxUrl": None, "mathjaxConfig": None, "baseUrl": base_url},
                                      base_url=base_url, settings={}, log=None, voila_configuration=None,
                                      notebook_path="charting_your_path.ipynb")
    assert config["fullMathjaxUrl"] == f"{base_url}voila/templates/workbook/static/no-mathjax.js"
    assert config["mathjaxConfig"] and config["baseUrl"] == base_url
    stand_in = plan.TEMPLATE / "static" / "no-mathjax.js"
    assert "window.MathJax" in stand_in.read_text()


def test_voilas_tornado_settings_alone_do_not_compress_but_the_servers_settings_do(monkeypatch):
    """Voila updates the application's settings after making it, when Tornado has already chosen its transforms:
    ``compress_response`` must be among the settings the application is made with. The kernels' WebSocket
    messages are compressed too (jupyter_server reads ``websocket_compression_options`` from the settings)."""
    from types import SimpleNamespace

    import tornado.web
    from voila.app import Voila

    monkeypatch.setattr(Voila, "init_settings", lambda self: {"base_url": "/"})
    voila = SimpleNamespace(tornado_settings={"xsrf_cookies": False})
    as_voila_does = tornado.web.Application(**Voila.init_settings(voila))
    as_voila_does.settings.update({"compress_response": True})
    assert tornado.web.GZipContentEncoding not in as_voila_does.transforms
    voila_server.compress_responses()
    voila_server.compress_responses()  # twice is once
    settings = Voila.init_settings(voila)
    assert settings == {"base_url": "/", "compress_response": True, "websocket_compression_options": {},
                        "xsrf_cookies": False}
    assert tornado.web.GZipContentEncoding in tornado.web.Application(**settings).transforms
    # the deployment can still say otherwise through Voila's own setting
    assert Voila.init_settings(SimpleNamespace(tornado_settings={"compress_response": False}))["compress_response"] \
        is False
    assert Voila.init_settings(SimpleNamespace(tornado_settings={"websocket_compression_options": None})
                               )["websocket_compression_options"] is None


@pytest.mark.parametrize(("url", "query", "policy"), [
    ("/voila/templates/workbook/static/index.css", {"v": [b"ee8de085"]}, voila_server.IMMUTABLE),
    ("/voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/84.09c61a35dce1705f.js", {"v": [b"09c6"]},
     voila_server.IMMUTABLE),
    ("/voila/labextensions/anywidget/static/remoteEntry.698dcaf7.js", {}, voila_server.IMMUTABLE),
    ("/voila/static/7155.voila.js", {}, voila_server.REVALIDATE),
    ("/voila/static/voila.js", {}, voila_server.REVALIDATE),
    ("/voila/static/plotly-basic.min.js", {}, voila_server.REVALIDATE),
    ("/voila/templates/workbook/static/no-mathjax.js", {"config": [b"TeX-AMS_CHTML-full,Safe"]},
     voila_server.REVALIDATE),
])
def test_a_static_file_is_kept_for_a_year_only_when_its_url_names_its_version(url, query, policy):
    assert voila_server.cache_control(url, query) == policy


def test_static_files_arrive_compressed_with_their_cache_policy_and_revalidate_with_a_304(tmp_path, monkeypatch):
    """Voila's static handler and JupyterLab's extension handler, as the server routes them, on a real socket."""
    import tornado.httpclient
    import tornado.web
    from jupyter_server.base.handlers import FileFindHandler
    from voila.app import Voila
    from voila.static_file_handler import MultiStaticFileHandler

    from tests.helpers import free_port

    monkeypatch.setenv("WORKBOOK_GZIP_CACHE", str(tmp_path / "copies"))  # the worker's copies (gzip_cache.py)
    script = "window.workbook = " + "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; " * 400
    (tmp_path / "7155.voila.js").write_text(script)
    (tmp_path / "remoteEntry.c8c9eed2cdefdeac.js").write_text(script)
    monkeypatch.setattr(Voila, "init_handlers", lambda self: [
        (r"/voila/static/(.*)", MultiStaticFileHandler, {"paths": [str(tmp_path)]}),
        (r"/voila/labextensions/(.*)", FileFindHandler, {"path": [str(tmp_path)], "no_cache_paths": ["/"]}),
        (r"/health", tornado.web.RequestHandler)])
    from jupyter_server.auth import AllowAllAuthorizer, IdentityProvider

    # what Voila's settings give JupyterLab's handlers: who is asking (anyone: the apps have their own codes)
    monkeypatch.setattr(Voila, "init_settings", lambda self: {"allow_remote_access": True, "cookie_secret": b"s",
                                                              "identity_provider": IdentityProvider(token=""),
                                                              "authorizer": AllowAllAuthorizer()})
    voila_server.cache_static()
    voila_server.cache_static()  # twice is once
    voila_server.compress_responses()
    voila = type("V", (), {"tornado_settings": {}})()
    handlers = Voila.init_handlers(voila)
    assert handlers[2][1] is tornado.web.RequestHandler  # not a static file: left alone
    port = free_port()

    async def visit():
        app = tornado.web.Application(handlers, **Voila.init_settings(voila))
        server = app.listen(port, "127.0.0.1")
        client = tornado.httpclient.AsyncHTTPClient()
        try:
            answers = {}
            for path in ("/voila/static/7155.voila.js", "/voila/labextensions/remoteEntry.c8c9eed2cdefdeac.js"):
                first = await client.fetch(f"http://127.0.0.1:{port}{path}", decompress_response=False,
                                           headers={"Accept-Encoding": "gzip"})
                validator = ({"If-None-Match": first.headers["Etag"]} if "Etag" in first.headers
                             else {"If-Modified-Since": first.headers["Last-Modified"]})
                again = await client.fetch(f"http://127.0.0.1:{port}{path}", raise_error=False,
                                           headers={"Accept-Encoding": "gzip", **validator})
                other = await client.fetch(f"http://127.0.0.1:{port}{path}", decompress_response=False,
                                           headers={"Accept-Encoding": "gzip"})  # another member's first visit
                answers[path] = first, again, other
            return answers
        finally:
            server.stop()

    import gzip

    compressed = []
    compress = gzip.compress
    monkeypatch.setattr(gzip, "compress", lambda data, *a, **kw: compressed.append(len(data)) or compress(data, *a,
                                                                                                           **kw))
    answers = run_async(visit())
    assert compressed == [len(script)] * 2  # each file once, however many members ask for it
    for path, policy in (("/voila/static/7155.voila.js", voila_server.REVALIDATE),
                         ("/voila/labextensions/remoteEntry.c8c9eed2cdefdeac.js", voila_server.IMMUTABLE)):
        first, again, other = answers[path]
        # compressed once, not twice over (the server's own gzip leaves a response that says its encoding alone)
        assert first.headers["Content-Encoding"] == "gzip" and gzip.decompress(first.body).decode() == script
        assert other.body == first.body and int(first.headers["Content-Length"]) == len(first.body)
        assert len(first.body) < len(script) / 10
        assert first.headers["Cache-Control"] == policy, path
        assert again.code == 304 and again.headers["Cache-Control"] == policy, path
        if policy != voila_server.IMMUTABLE:
            assert "Expires" not in first.headers
