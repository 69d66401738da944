"""The frameworks and their rules: what every other part of the workbook reads.

- ``frameworks``: the seven spectra, the sixteen conditions, the guides' questions and the survey, loaded from
  ``data/`` and checked (``load_content``);
- ``validation``: the rules a mark, a rating, a name or a code must keep; ``errors``: the messages when one is broken;
- ``retreat``: the run of show, the guides' steps in order;
- ``theme`` and ``render``: colours, type and the small HTML pieces the pages share;
- ``codes``, ``files`` and ``paths``: join codes and secrets, whole-file writes, where the project's own files are.

Nothing here imports the store, a widget library or a server.
"""
