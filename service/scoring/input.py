"""Where the chunks of `painmap score` come from: frames read row by row here, or byte blocks of a CSV that
the workers parse themselves (`service.tables.csv_blocks`), so that a parent feeding several workers stays
idle. The file is sniffed and its header read once (`input_layout`); every reader after that reuses it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from service.tables.csv_blocks import CsvBlock, csv_layout, iter_blocks
from service.tables.io import ROW_COLUMN, InputError, column_key, csv_dialect, iter_table_chunks


@dataclass(frozen=True)
class InputLayout:
    """A file to score as first read: its CSV dialect (encoding, delimiter, gzipped; None for XLSX,
    Parquet, JSON) and its columns."""

    path: Path
    dialect: tuple[str, str, bool] | None
    columns: tuple[str, ...]


def input_layout(path: Path, text_col: str, meta_cols: Sequence[str]) -> InputLayout:
    """Sniff `path` and read its header, failing before any work when the text column or any of the
    model's metadata columns is missing."""
    dialect = csv_dialect(path)
    chunks = iter_table_chunks(path, chunksize=1, text_col=text_col, dialect=dialect)
    columns = tuple(c for c in next(chunks).columns if c != ROW_COLUMN)
    chunks.close()
    missing = [m for m in meta_cols if not any(column_key(c) == column_key(m) for c in columns)]
    if missing:
        raise InputError(
            f"модель обучена с метаданными перед текстом, а в файле нет столбцов: {', '.join(missing)} "
            "(другие названия столбцов задаёт --meta-col)",
            path,
            columns=list(columns),
        )
    return InputLayout(path, dialect, columns)


def row_chunks(
    layout: InputLayout, chunksize: int, text_col: str, meta_cols: Sequence[str]
) -> Iterator[pd.DataFrame]:
    """Frames of ≤ `chunksize` rows, one at a time: memory stays flat whatever the file size."""
    return iter_table_chunks(
        layout.path, chunksize=chunksize, text_col=text_col, required=tuple(meta_cols), dialect=layout.dialect
    )


def byte_blocks(layout: InputLayout, chunksize: int, text_col: str,
                meta_cols: Sequence[str]) -> Iterator[CsvBlock] | None:
    """Blocks of about `chunksize` records, or None when the file must be read row by row."""
    if layout.dialect is None:
        return None
    blocks = csv_layout(
        layout.path, text_col, required=meta_cols, dialect=layout.dialect, columns=layout.columns
    )
    if blocks is None:
        return None
    return iter_blocks(layout.path, blocks, blocks.block_bytes(chunksize))
