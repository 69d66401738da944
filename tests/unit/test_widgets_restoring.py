"""The page's own updates are told from a person's: nothing the page restores is saved again."""

from __future__ import annotations

import pytest

from workbook.widgets.restoring import Restoring


def test_on_inside_the_block_only_and_nested_blocks_keep_it_on():
    restoring = Restoring()
    assert not restoring
    with restoring():
        assert restoring
        with restoring():
            assert restoring
        assert restoring  # the outer block is still restoring
    assert not restoring


def test_cleared_when_the_block_fails():
    restoring = Restoring()
    with pytest.raises(RuntimeError), restoring():
        raise RuntimeError("the store went away while restoring")
    assert not restoring  # a person's next change is saved again
