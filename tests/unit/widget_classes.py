"""A pytest plugin: writes every widget class the run creates to the file ``$WIDGET_CLASSES_OUT`` (JSON).

``tests/unit/test_page_js.py`` runs the member apps' tests with it, to know which widget classes the member
pages' browser code must carry.
"""

from __future__ import annotations

import json
import os

import ipywidgets

SEEN: set[tuple[str, str]] = set()


def _record(widget) -> None:
    for module, name in ((widget._model_module, widget._model_name), (widget._view_module, widget._view_name)):
        if module and name:  # a widget with no view of its own (a link, say) names none
            SEEN.add((module, name))


ipywidgets.Widget.on_widget_constructed(_record)


def pytest_sessionfinish(session, exitstatus):
    """Write what was seen, once every test has run."""
    with open(os.environ["WIDGET_CLASSES_OUT"], "w", encoding="utf-8") as out:
        json.dump(sorted(SEEN), out)
