"""The Makefile: every target says what it does (`make help` lists them from their `## ` comments)."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def undescribed(text: str) -> list[str]:
    """The .PHONY targets whose rule line has no `## ` description."""
    phony = {name for line in re.findall(r"^\.PHONY:(.*)$", text, re.M) for name in line.split()}
    described = set(re.findall(r"^([a-z][a-z-]*):[^#\n]*## \S", text, re.M))
    return sorted(phony - described)


def test_every_target_is_described_for_make_help():
    assert undescribed(MAKEFILE.read_text(encoding="utf-8")) == []


def test_a_planted_target_without_a_description_is_caught():
    text = MAKEFILE.read_text(encoding="utf-8") + "\n.PHONY: planted\nplanted: $(STAMP_DIR)/.workbook-app\n\ttrue\n"
    assert undescribed(text) == ["planted"]
