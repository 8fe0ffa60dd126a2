"""The workbook and Parquet readers of `service.tables.io`: cells as the strings a spreadsheet shows."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import pandas as pd

from service.tables.base import ROW_COLUMN, InputError, resolve_columns, rows_frame

if TYPE_CHECKING:
    from service.tables.base import Source


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if value.time() == time(0) else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def xlsx_rows(source: Source, sheet: str | int | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    fh = source.open_bytes()
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        fh.close()
        raise InputError(f"ZIP-архив, но не книга Excel .xlsx ({exc}); сохраните как .xlsx или .csv",
                         source.name) from exc
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int) and 0 <= sheet < len(names):
            ws = wb.worksheets[sheet]
        elif isinstance(sheet, str) and sheet in names:
            ws = wb[sheet]
        else:
            raise InputError(f"нет листа {sheet!r}; листы: {', '.join(names)}", source.name)
        ws.reset_dimensions()  # some writers store a wrong used range (e.g. A1:A1); read what is there
        for row, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield row, [cell_text(v) for v in values]
    finally:
        wb.close()
        fh.close()


def parquet_chunks(source: Source, chunksize: int | None, wanted: Sequence[str]) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(source.open_bytes())
    except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
        raise InputError(f"повреждённый файл Parquet ({exc})", source.name) from exc
    names = [str(c) for c in pf.schema_arrow.names]
    rename = resolve_columns(source.name, names, wanted)
    start = 2
    batches: Iterable[Any] = pf.iter_batches(batch_size=chunksize or max(pf.metadata.num_rows, 1))
    empty = True
    for batch in batches:
        frame = batch.to_pandas().astype(object)
        frame = frame.where(frame.notna(), "").map(cell_text).rename(columns=rename)
        frame.insert(len(frame.columns), ROW_COLUMN, range(start, start + len(frame)))
        start += len(frame)
        empty = False
        yield frame
    if empty:
        yield rows_frame([r for r in (rename.get(n, n) for n in names)], [], [])
