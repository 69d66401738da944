"""Voila as ``workbook serve`` runs it: ``python -m workbook.voila_server <voila arguments>``.

Voila renders each page with a new nbconvert exporter, and each exporter builds a new Jinja
environment, so every visit parses and compiles the page templates again (about a tenth of
the server's CPU while a room opens the link together). Here every environment shares one
in-memory bytecode cache: a template is compiled once per server process, and Jinja still
checks the source on every load, so an edited template is picked up.
"""

from __future__ import annotations

import sys

from jinja2 import BytecodeCache


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in this process, keyed by Jinja's name-and-source checksum."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


CACHE = MemoryBytecodeCache()


def share_template_cache() -> None:
    """Make every nbconvert template environment of this process use :data:`CACHE`."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    if getattr(create, "_workbook_cached", False):
        return

    def _create_environment(self):
        environment = create(self)
        environment.bytecode_cache = CACHE
        return environment

    _create_environment._workbook_cached = True
    TemplateExporter._create_environment = _create_environment


def main(argv: list[str] | None = None) -> None:
    share_template_cache()
    from voila.app import main as voila_main

    sys.argv = ["voila", *(sys.argv[1:] if argv is None else argv)]
    voila_main()


if __name__ == "__main__":
    main()
