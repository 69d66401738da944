"""The server's shared cache of compiled page templates."""

from __future__ import annotations

import jinja2
from nbconvert.exporters.templateexporter import TemplateExporter

from workbook import cli, voila_server


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
    argv = cli.voila_argv(8866, "127.0.0.1", None)
    assert argv[1:3] == ["-m", "workbook.voila_server"]


def test_environments_say_whether_the_page_links_voilas_styles_as_a_stylesheet(monkeypatch):
    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)
    for flag in (True, False, True):  # set again, the flag replaces the earlier one (no wrapper on a wrapper)
        voila_server.share_template_cache(style_css=flag)
        env = TemplateExporter()._create_environment()
        assert env.globals["workbook_style_css"] is flag and env.bytecode_cache is voila_server.CACHE
    source = (cli.TEMPLATE / "index.html.j2").read_text(encoding="utf-8")
    assert 'include_css("static/voila-style.css")' in source and 'include_js("static/voila-style.js")' in source
