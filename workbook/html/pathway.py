"""One member's pathway in words: the ranked gaps between now and aspiration."""

from __future__ import annotations

from ..content.render import esc


def gap_list(content, gap_table) -> str:
    """The ranked gaps as an ordered list in words (widest first)."""
    rows = gap_table.to_dict("records") if hasattr(gap_table, "to_dict") else list(gap_table)
    if not rows:
        return ("<h3>Your widest gaps</h3><p class='wb-muted'>Mark both now and aspiration on a spectrum to see "
                "the gap between them.</p>")
    items = []
    for row in rows:
        s = content.spectrum(row["spectrum"])
        if row["gap"] == 0:
            items.append(f"<li>{esc(s.dimension)}: no gap</li>")
            continue
        toward = (s.right if row["gap"] > 0 else s.left).plain_label
        items.append(f"<li><strong>{esc(s.dimension)}</strong>: {abs(row['gap']):g} toward {esc(toward)} "
                     f"<span class='wb-muted'>(now {row['current']:g}, aspiration {row['aspiration']:g})</span></li>")
    return "<h3>Your widest gaps</h3><ol>" + "".join(items) + "</ol>"
