"""A CSV file cut into blocks of whole records, parsed by the worker that scores the block.

When the pool or Dask workers score, parsing rows and pickling frames in the parent costs it about a fifth
of a worker's CPU, on the same cores. Instead the parent reads raw bytes and cuts them after a newline
outside quotes (quote parity: RFC 4180 doubles quotes inside quoted fields, so the parity of the quote count
says whether a newline is inside a field). Each worker decodes and parses its block with the same row rules
as `service.tables.io` (`body_frames`).

A cut is trusted only because the worker checks it: the parse of a block that starts at a record boundary
runs in strict mode and must end outside quotes. A quote inside an unquoted field (`ab"c`) misleads the
parity count; then, or when a block breaks any row rule (an extra value, a bad byte, a huge cell), the
worker raises `BlockError` and the caller falls back to the row reader, which names the exact row or scores
the file row by row. Only ASCII-compatible encodings qualify (a quote or a newline byte is never part of a
multi-byte character), and only files with `\\n` line ends (a bare `\\r` file would give one huge block).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import pandas as pd

from service.tables.io import (
    MAX_CELL_CHARS,
    ROW_COLUMN,
    InputError,
    body_frames,
    csv_dialect,
    iter_table_chunks,
)

_ASCII_COMPATIBLE = {"utf-8", "utf-8-sig", "ascii", "cp1251", "windows-1251", "koi8_r", "koi8-r", "cp866",
                     "mac_cyrillic"}
_READ = 1 << 22
_MAX_BLOCK_FACTOR = 16  # a block this many times over its target means the quote parity went wrong


class BlockError(ValueError):
    """A block did not parse as whole, valid records: the byte cut or the data needs the row reader."""


@dataclass(frozen=True)
class CsvLayout:
    """What the row reader found in the file: how to decode and split it, and its (resolved) column names."""

    encoding: str
    delimiter: str
    gzipped: bool
    columns: tuple[str, ...]
    sample_bytes: int  # the first 256 KiB (or the whole file) ...
    sample_records: int  # ... and the records that end in it

    def block_bytes(self, rows: int) -> int:
        """Bytes that hold about `rows` records, judged on the sample (deterministic for a file)."""
        return max(1 << 12, self.sample_bytes * rows // max(self.sample_records, 1))


@dataclass(frozen=True)
class CsvBlock:
    """Raw bytes of whole records and what is needed to parse them the way `service.tables.io` would.

    A block of a plain (not gzipped) file also knows where its bytes lie (`span`: path, offset, length), so
    a worker that sees the same disk can be sent the block without its bytes (`located`) and read them."""

    data: bytes | None  # None: read `span` when parsed
    layout: CsvLayout
    first: bool  # the file's first block: it holds the header (and any empty lines before it)
    max_cell_chars: int = MAX_CELL_CHARS
    span: tuple[str, int, int] | None = None

    def located(self) -> CsvBlock:
        """The same block without its bytes when they can be read back from the file (else itself)."""
        return replace(self, data=None) if self.span is not None else self

    def raw(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.span is None:
            raise BlockError("у блока нет ни байтов, ни места в файле")
        path, offset, length = self.span
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
        if len(data) != length:
            raise BlockError(f"{path}: файл стал короче во время оценки")
        return data

    def frame(self) -> pd.DataFrame:
        """The block's records as str columns (without the row-number column). Raises BlockError."""
        layout = self.layout
        encoding = layout.encoding if self.first else layout.encoding.removesuffix("-sig")
        try:
            text = self.raw().decode(encoding)
        except UnicodeDecodeError as exc:
            raise BlockError(f"байты не в кодировке {encoding}") from exc
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter, strict=True)
        rows = enumerate(reader, start=1)
        if self.first:  # skip the header as service.tables.io does: the first record with a non-blank cell
            for _, cells in rows:
                if any(c.strip() for c in cells):
                    break
        try:
            frame = next(body_frames("block", rows, list(layout.columns), None, self.max_cell_chars))
        except (csv.Error, InputError) as exc:
            raise BlockError(str(exc)) from exc
        return frame.drop(columns=ROW_COLUMN)


def csv_layout(path: Path, text_col: str, required: Sequence[str] = (), *,
               dialect: tuple[str, str, bool] | None = None,
               columns: Sequence[str] | None = None) -> CsvLayout | None:
    """How to cut `path` into blocks, or None when it must be read row by row (not a plain or gzipped CSV,
    an encoding that is not ASCII-compatible, no `\\n` line ends). Raises InputError as the row reader does
    for an unreadable header or a missing `text_col` / `required` column. A caller that has sniffed the
    file and read its header already passes `dialect` and `columns`, and neither is done again."""
    if columns is None:
        dialect = dialect or csv_dialect(path)
        chunks = iter_table_chunks(path, chunksize=1, text_col=text_col, required=required, dialect=dialect)
        columns = [c for c in next(chunks).columns if c != ROW_COLUMN]
        chunks.close()
    elif dialect is None:
        dialect = csv_dialect(path)
    if dialect is None or dialect[0].lower() not in _ASCII_COMPATIBLE:
        return None
    encoding, delimiter, gzipped = dialect
    with _open(path, gzipped) as fh:
        sample = fh.read(1 << 18)
        whole = not fh.read(1)
    if b"\n" not in sample[: 1 << 16] and not (whole and len(sample) <= 1 << 16):
        return None
    records, odd = 0, 0
    for line in sample.split(b"\n")[:-1]:  # lines that end outside quotes end a record
        odd ^= line.count(b'"') & 1
        records += not odd
    return CsvLayout(encoding, delimiter, gzipped, tuple(columns), len(sample), records)


def iter_blocks(path: Path, layout: CsvLayout, target: int,
                max_cell_chars: int = MAX_CELL_CHARS) -> Iterator[CsvBlock]:
    """Blocks of about `target` bytes, each ending after a newline outside quotes (the last: end of file)."""
    first, offset = True, 0
    where = None if layout.gzipped else str(Path(path).resolve())
    with _open(path, layout.gzipped) as fh:
        for data in _cut(fh, target):
            span = (where, offset, len(data)) if where is not None else None
            yield CsvBlock(data, layout, first, max_cell_chars, span)
            first, offset = False, offset + len(data)


def _open(path: Path, gzipped: bool) -> IO[bytes]:
    return gzip.open(path) if gzipped else path.open("rb")  # noqa: SIM115


def _cut(fh: IO[bytes], target: int) -> Iterator[bytes]:
    buf = b""
    eof = False
    while True:
        cut = _boundary(buf, target) if len(buf) > target else -1
        if cut > 0:
            yield buf[:cut]
            buf = buf[cut:]
            continue
        if eof:
            if buf:
                yield buf
            return
        if len(buf) > _MAX_BLOCK_FACTOR * target + _READ:
            raise BlockError("не найдена граница записи вне кавычек")
        piece = fh.read(max(_READ, target))
        eof = not piece
        buf += piece


def _boundary(buf: bytes, start: int) -> int:
    """The end of the first line at or after `start` that ends outside quotes, or -1."""
    odd = buf.count(b'"', 0, start) & 1
    pos = start
    while (newline := buf.find(b"\n", pos)) >= 0:
        odd ^= buf.count(b'"', pos, newline) & 1
        if not odd:
            return newline + 1
        pos = newline + 1
    return -1
