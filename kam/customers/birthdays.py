"""A person's birthday as stored (A14.1): personal data, one encrypted value "<kind>:<month>:<day>:<leap>"
(`solar:8:15:0`, `lunar:4:12:1`), never a plaintext column nor a database filter. Pure: no database."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class BirthdayParts:
    kind: str = ""  # "" | solar | lunar
    month: int | None = None
    day: int | None = None
    leap: bool = False

    @property
    def known(self) -> bool:
        """A complete birthday (the occasions count it)."""
        return self.kind in ("solar", "lunar") and bool(self.month) and bool(self.day)

    def replace(self, **changes) -> BirthdayParts:
        return dataclasses.replace(self, **changes)

    def encode(self) -> str:
        if not self.kind and self.month is None and self.day is None and not self.leap:
            return ""
        return f"{self.kind}:{self.month or ''}:{self.day or ''}:{1 if self.leap else 0}"

    @classmethod
    def decode(cls, value: str | None) -> BirthdayParts:
        if not value:
            return cls()
        kind, month, day, leap = (value.split(":") + ["", "", "", ""])[:4]
        return cls(kind if kind in ("solar", "lunar") else "", int(month) if month.isdigit() else None,
                   int(day) if day.isdigit() else None, leap == "1")

    def words(self) -> str:
        """How the dossier shows it: 8月15日, 农历闰4月12日."""
        if not self.known:
            return ""
        if self.kind == "lunar":
            return f"农历{'闰' if self.leap else ''}{self.month}月{self.day}日"
        return f"{self.month}月{self.day}日"
