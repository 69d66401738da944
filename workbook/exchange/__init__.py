"""Data exchange: one session's responses to and from Excel (.xlsx) or CSV (.zip, a folder, one part file).

One part per kind of answer (``COLUMNS``): an .xlsx has a README sheet and a sheet per part, a .zip has
README.txt and a UTF-8 (BOM) CSV per part. Text a spreadsheet could run as a formula (starting with
= + - @, tab or CR) gets a leading ' that the importer removes (text already starting with ' before such a
character gets one more), so round trips are exact. An import checks every row first, imports nothing if
any is wrong (ImportRejected lists each problem with its spreadsheet row) and writes in one transaction.
Tokens, join/facilitator codes and the database URL are never exported; imported members get new tokens.
A session's file names its members only when the session shows names (or the facilitator asks for them);
otherwise they are 'Member 1', 'Member 2' ... in join order in every part, and an import makes members of
those names. A district's export (for moving it to another workbook) keeps the names.
A single part CSV goes into an existing session; its member-bearing parts may carry a ``role`` column so
members are created from it without a ``members`` part.
"""

from .cells import COLUMNS, neutralise, unneutralise
from .export import export_district, export_session
from .load import import_session

__all__ = ["COLUMNS", "export_district", "export_session", "import_session", "neutralise", "unneutralise"]
