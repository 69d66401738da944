"""One home for atomic writes and for the codes links carry."""

from __future__ import annotations

import pytest

from workbook.content import codes, files


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "report.html"
    files.write_atomic(target, "old")

    def half(tmp):
        tmp.write_text("half of the new", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.replace_atomic(target, half)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_text_and_bytes_replace_the_file_and_make_its_folder(tmp_path):
    target = tmp_path / "out" / "summary.json"
    assert files.write_atomic(target, "[]") == target and target.read_text(encoding="utf-8") == "[]"
    files.write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_codes_are_url_safe_and_sized_by_what_they_open():
    join, facilitator, member = codes.join_code(), codes.facilitator_code(), codes.member_token()
    assert len(join) < len(facilitator) < len(member)
    for code in (join, facilitator, member, codes.secret(24)):
        assert code.replace("-", "").replace("_", "").isalnum()
    assert len({codes.join_code() for _ in range(50)}) == 50


@pytest.mark.parametrize("make", [codes.join_code, codes.facilitator_code, codes.member_token,
                                  lambda: codes.secret(16)])
def test_no_code_begins_like_an_option(make, monkeypatch):
    """A code pasted after ``--token`` on a command line is its value: none begins with "-" (nor "_")."""
    drawn = iter(["-Ab3dEf", "_Gh4iJk", "Lm5nOp-"])
    monkeypatch.setattr(codes.secrets, "token_urlsafe", lambda nbytes: next(drawn))
    assert make() == "Lm5nOp-"  # drawn again until it begins with a letter or a digit
