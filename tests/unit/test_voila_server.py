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
