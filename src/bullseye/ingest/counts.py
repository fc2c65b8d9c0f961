"""What one file gave one table: rows read, loaded, quarantined and merged, values read as
missing, and where each physical line went, so a load can show that its counts reconcile."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FileCount"]


@dataclass
class FileCount:
    file: str
    table: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    merged: int = 0  # loaded rows that updated a row of an earlier file
    missing: dict[str, int] = field(default_factory=dict)  # column -> values read as missing ("N/A", "Select")
    # Text files: physical lines, and where each went (header, blank, loaded, quarantined).
    lines: dict[str, int] | None = None

    @property
    def lines_reconcile(self) -> bool:
        """Every physical line is a header or blank line or in a loaded or quarantined record."""
        if self.lines is None:
            return True
        return self.lines["physical"] == sum(v for k, v in self.lines.items() if k != "physical")

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.quarantined and self.lines_reconcile
