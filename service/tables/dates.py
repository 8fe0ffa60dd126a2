"""Dates as Russian files write them: «03.04.2025» is the 3rd of April, ISO «2025-04-03» stays as it is.

pandas reads «03.04.2025» month first, and with `dayfirst=True` it also turns ISO «2025-04-03 10:00» into
the 4th of March, so the two forms are parsed apart.

    >>> parse_dates(pd.Series(["03.04.2025 10:15", "2025-04-03"])).dt.day.tolist()
    [3, 3]
"""

from __future__ import annotations

import re

import pandas as pd

DAY_FIRST = re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}\b")


def parse_dates(values: pd.Series) -> pd.Series:
    """Datetimes of a column (NaT where a value is not a date): day first for «dd.mm.yyyy» and
    «dd/mm/yyyy», pandas' own reading for everything else (ISO strings, datetimes from XLSX)."""
    text = values.astype("string").str.strip()
    day_first = text.str.match(DAY_FIRST.pattern, na=False).to_numpy(dtype=bool)
    out = pd.to_datetime(values.where(~day_first), errors="coerce", format="mixed")
    if day_first.any():
        out = out.astype("object")
        out[day_first] = pd.to_datetime(text[day_first], errors="coerce", format="mixed", dayfirst=True)
        out = pd.to_datetime(out, errors="coerce")
    return out


def parse_date(value: str) -> pd.Timestamp:
    """One value, by the same rule (raises ValueError for text that is no date)."""
    text = value.strip()
    return pd.to_datetime(text, dayfirst=True) if DAY_FIRST.match(text) else pd.Timestamp(text)
