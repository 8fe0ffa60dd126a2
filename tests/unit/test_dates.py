"""Russian day-first dates in every reader: uploads, training files and the quarterly report."""

from __future__ import annotations

import pandas as pd
import pytest

from service.store.item_rows import frame_to_items
from service.tables.dates import parse_date, parse_dates


def test_day_first_dates_and_iso_dates_side_by_side():
    values = pd.Series(
        ["03.04.2025 10:15", "2025-04-03 10:00", "3/4/2025", "31.12.2024", "", None, "не дата"]
    )
    parsed = parse_dates(values)
    assert [(d.month, d.day) if pd.notna(d) else None for d in parsed] == [
        (4, 3), (4, 3), (4, 3), (12, 31), None, None, None,
    ]  # fmt: skip


def test_one_value_by_the_same_rule():
    assert parse_date("03.04.2025").month == 4 and parse_date("2025-03-04").month == 3
    with pytest.raises(ValueError):
        parse_date("завтра")


def test_upload_rows_read_russian_dates_day_first():
    frame = pd.DataFrame({"text": ["Яма"], "created_at": ["03.04.2025 10:15"]})
    item = next(iter(frame_to_items(frame, source="t")))
    assert (item["created_at"].month, item["created_at"].day) == (4, 3)
