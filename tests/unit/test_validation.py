"""Property-based checks of the values people and browsers send (slugs become file names)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.content import validation as v
from workbook.content.errors import InvalidInput
from workbook.reports.batch import output_path


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_accepted_slug_names_a_file_inside_the_output_folder(text):
    try:
        slug = v.slug(text)
    except InvalidInput as exc:
        assert "not a valid district slug" in str(exc)
        return
    out = Path("/tmp/reports")
    path = output_path(out, slug)
    assert path.parent == out.resolve() and path.name == f"{slug}.html"
    assert slug.isascii() and "/" not in slug and ".." not in slug and "\x00" not in slug and len(slug) <= 64


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=120))
def test_slugify_always_gives_a_valid_slug(name):
    assert v.slug(v.slugify(name)) == v.slugify(name)


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/b", "a\x00b", "é", "x" * 65, "-a", "a-", "A", "a b", "a\n",
                                 "", ".", ".."])
def test_dangerous_slugs_are_refused(bad):
    with pytest.raises(InvalidInput):
        v.slug(bad)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10), st.text(max_size=5),
                 st.booleans(), st.none()))
def test_a_mark_is_accepted_only_on_the_scale(value):
    try:
        mark = v.mark(value)
    except InvalidInput:
        return
    assert 1 <= mark <= 5 and (mark * 2).is_integer()
