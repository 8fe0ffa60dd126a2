"""Where the chunks of `painmap score` come from: frames read row by row here, or byte blocks of a CSV that
the workers parse themselves (`service.tables.csv_blocks`), so that a parent feeding several workers stays
idle."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from service.tables.csv_blocks import CsvBlock, csv_layout, iter_blocks
from service.tables.io import ROW_COLUMN, InputError, column_key, iter_table_chunks


def check_columns(path: Path, text_col: str, meta_cols: Sequence[str]) -> None:
    """Fail before any work when the text column or any of the model's metadata columns is missing."""
    chunks = iter_table_chunks(path, chunksize=1, text_col=text_col)
    columns = [c for c in next(chunks).columns if c != ROW_COLUMN]
    chunks.close()
    missing = [m for m in meta_cols if not any(column_key(c) == column_key(m) for c in columns)]
    if missing:
        raise InputError(
            f"модель обучена с метаданными перед текстом, а в файле нет столбцов: {', '.join(missing)} "
            "(другие названия столбцов задаёт --meta-col)",
            path,
            columns=columns,
        )


def row_chunks(path: Path, chunksize: int, text_col: str, meta_cols: Sequence[str]) -> Iterator[pd.DataFrame]:
    """Frames of ≤ `chunksize` rows, one at a time: memory stays flat whatever the file size."""
    return iter_table_chunks(path, chunksize=chunksize, text_col=text_col, required=tuple(meta_cols))


def byte_blocks(path: Path, chunksize: int, text_col: str,
                meta_cols: Sequence[str]) -> Iterator[CsvBlock] | None:
    """Blocks of about `chunksize` records, or None when the file must be read row by row."""
    layout = csv_layout(path, text_col, required=meta_cols)
    if layout is None:
        return None
    return iter_blocks(path, layout, layout.block_bytes(chunksize))
