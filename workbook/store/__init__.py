"""Responses in SQL (SQLAlchemy Core): districts, sessions, respondents, marks, notes, plans.

:class:`Store` is the parts below combined on one base (:mod:`.base`: the engine, :meth:`Store.transaction`
with its retries and error translation, :meth:`Store.upsert`):

- :mod:`.accounts`: districts, sessions, members, and the checks of codes and personal tokens;
- :mod:`.marks`: spectrum marks, the team's agreed marks, notes, desired outcomes;
- :mod:`.planning`: conditions for scale (Step 1) and the action plan (Step 2);
- :mod:`.network`: settings and secrets, the coach's code, the network view;
- :mod:`.admin`: whole sessions and districts at once (export rows, imports, deletion, bulk fictional data).

Tables and migrations are in :mod:`.schema`. The database is picked by ``WORKBOOK_DB_URL``.
"""

from __future__ import annotations

from .accounts import Accounts
from .admin import Admin
from .base import District, Respondent, Session, StoreBase, default_db_url, now, redact
from .marks import Marks
from .network import Network
from .planning import Planning

__all__ = ["District", "Respondent", "Session", "Store", "StoreBase", "default_db_url", "now", "redact"]


class Store(Accounts, Marks, Planning, Network, Admin):
    """The workbook's database. Create with ``Store()`` (uses ``WORKBOOK_DB_URL``) or ``Store(url)``."""
