"""What every table reader shares: the row-number column, the error that names file, row and column, the
column matching rules and the re-openable byte source (`service.tables.io` and `service.tables.formats` build
on it)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import pandas as pd

ROW_COLUMN = "__row__"


class InputError(ValueError):
    """A table that cannot be read; the message says where (file, row, column) and what exists."""

    def __init__(self, problem: str, path: str | os.PathLike[str], row: int | None = None,
                 column: str | None = None, columns: Sequence[str] | None = None) -> None:
        self.path, self.row, self.column = str(path), row, column
        where = [self.path]
        if row is not None:
            where.append(f"строка {row}")
        if column is not None:
            where.append(f"столбец «{column}»")
        message = f"{', '.join(where)}: {problem}"
        if columns is not None:
            message += f". Столбцы в файле: {', '.join(columns) if columns else '(нет)'}"
        super().__init__(message)


class Source:
    """A named, re-openable byte stream (a file on disk or uploaded bytes)."""

    def __init__(self, name: str, open_bytes: Callable[[], IO[bytes]], path: Path | None = None) -> None:
        self.name, self.open_bytes, self.path = name, open_bytes, path

    def open_gzip(self) -> IO[bytes]:
        # gzip.open(path) closes the file it opened; over a stream it would leave the stream open
        return gzip.open(self.path) if self.path else gzip.open(self.open_bytes())  # noqa: SIM115

    def head(self, n: int) -> bytes:
        with self.open_bytes() as fh:
            return fh.read(n)


def column_key(name: str) -> str:
    """How column names are matched when the exact name is absent: ignoring case, ё/е and spaces."""
    return " ".join(name.casefold().replace("ё", "е").split())


def resolve_columns(name: str, columns: list[str], wanted: Sequence[str],
                     duplicated: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Map existing column → the name asked for; exact match first, then ignoring case and spaces."""
    rename: dict[str, str] = {}
    for want in dict.fromkeys(wanted):
        if want in columns:
            found = want
        else:
            matches = [c for c in columns if column_key(c) == column_key(want)]
            if not matches:
                raise InputError("нет такого столбца", name, column=want, columns=columns)
            if len(matches) > 1:
                raise InputError(f"подходят несколько столбцов: {', '.join(matches)}", name, column=want,
                                 columns=columns)
            found = matches[0]
        if found in duplicated:
            raise InputError("столбец с таким названием встречается в заголовке несколько раз", name,
                             column=want, columns=columns)
        if found != want:
            rename[found] = want
    return rename


def rows_frame(columns: list[str], rows: list[list[str]], numbers: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame[ROW_COLUMN] = pd.Series(numbers, dtype="int64")
    return frame
