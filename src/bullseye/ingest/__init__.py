"""Ingest: read exports, map them onto the canonical tables, quarantine what cannot load.

``loader.load_files`` is the entry point (``Workspace.load`` calls it); ``readers`` opens files,
``records`` and ``ledger`` account for every physical line, ``mapping`` maps columns onto the
canonical tables, ``columns`` types them and ``coerce`` reads each value or quarantines it.
"""

__all__: list[str] = []
