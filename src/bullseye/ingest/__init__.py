"""Ingest: read exports, map them onto the canonical tables, quarantine what cannot load."""

from bullseye.ingest.loader import FileCount, LoadReport, load_files

__all__ = ["load_files", "LoadReport", "FileCount"]
