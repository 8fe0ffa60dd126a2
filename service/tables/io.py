"""Reading and writing the tables analysts bring: CSV (utf-8 / BOM / cp1251; `,` `;` tab), CSV.GZ, XLSX,
Parquet (XLSX and Parquet readers in service.tables.formats); formula-safe, atomic export (`write_table`,
`formula_safe`: in service.tables.write, re-exported).

The format is recognised by content, not by extension (a workbook renamed .csv is still read as a workbook).
Every problem raises `InputError` naming the file, row and column, never a bare parser traceback.
Decisions the callers rely on:
- all columns are returned as str, empty cells as "";
- row numbers are those a spreadsheet shows: header = 1, first data row = 2 (CSV: one record = one row);
- rows shorter than the header are padded with ""; extra empty cells are dropped, non-empty ones are an error;
- fully empty rows are skipped; a header-only file gives an empty frame with its columns;
- duplicate column names get `.1`, `.2` suffixes (pandas' convention), blank ones become `unnamed_<n>`;
  asking for a duplicated name as `text_col`/`required` is an error (which one was meant is unknown);
- cells up to `max_cell_chars` (10 million) are read as is; the service applies its own max text length.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import pandas as pd

from service.tables.base import ROW_COLUMN as ROW_COLUMN
from service.tables.base import InputError as InputError
from service.tables.base import Source
from service.tables.base import column_key as column_key
from service.tables.base import resolve_columns as resolve_columns
from service.tables.base import rows_frame as rows_frame
from service.tables.write import formula_safe as formula_safe
from service.tables.write import write_table as write_table

MAX_CELL_CHARS = 10_000_000
# Python's CSV field limit is process-wide and was raised per read, so a file's fate depended on what the
# process had read before (a 2M-character cell: «no text column» in a fresh process, stored on the next
# try). Set once, as high as the csv module allows, for every reader; the cell limit is checked by the
# readers themselves (`max_cell_chars`, with the row and column named).
csv.field_size_limit(2**31 - 1)
DELIMITERS = (",", ";", "\t")
_SAMPLE_BYTES = 256 * 1024
_NO_SPLIT = "\x1f"  # delimiter for single-column files: never splits the text
_MAGIC = {
    b"\x89PNG": "изображение PNG", b"\xff\xd8\xff": "изображение JPEG", b"GIF8": "изображение GIF",
    b"%PDF": "документ PDF",
    b"\xd0\xcf\x11\xe0": "файл старого формата Office (.xls/.doc); сохраните его как .xlsx",
    b"Rar!": "архив RAR", b"7z\xbc\xaf": "архив 7z",
}


# ---------------------------------------------------------------- public API

def read_table(path: str | os.PathLike[str], *, text_col: str | None = None, required: Sequence[str] = (),
               sheet: str | int | None = None, max_cell_chars: int = MAX_CELL_CHARS) -> pd.DataFrame:
    """The whole table as str columns. `text_col` and `required` must exist (matched ignoring case/spaces)."""
    chunks = iter_table_chunks(path, chunksize=None, text_col=text_col, required=required, sheet=sheet,
                               max_cell_chars=max_cell_chars)
    return next(chunks).drop(columns=ROW_COLUMN)


def read_upload(data: bytes, filename: str, *, text_col: str | None = None, required: Sequence[str] = (),
                sheet: str | int | None = None, max_cell_chars: int = MAX_CELL_CHARS) -> pd.DataFrame:
    """`read_table` for an uploaded file's bytes; errors name `filename`."""
    source = Source(filename, lambda: io.BytesIO(data))
    return next(_chunks(source, None, text_col, required, sheet, max_cell_chars)).drop(columns=ROW_COLUMN)


def iter_table_chunks(path: str | os.PathLike[str], *, chunksize: int | None = 50_000,
                      text_col: str | None = None, required: Sequence[str] = (),
                      sheet: str | int | None = None,
                      max_cell_chars: int = MAX_CELL_CHARS,
                      dialect: tuple[str, str, bool] | None = None) -> Iterator[pd.DataFrame]:
    """Stream the table in frames of ≤ `chunksize` rows, each with `__row__` (spreadsheet row number).

    Yields at least one frame (maybe empty, with the columns), so a header-only file still shows its columns.
    `dialect` is a CSV's (encoding, delimiter, gzipped) from `csv_dialect` when the caller has it already:
    the file is then not sniffed again.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("файл не найден" if not path.exists() else "это не файл", path)
    if chunksize is not None and chunksize < 1:
        raise ValueError(f"chunksize must be ≥ 1, got {chunksize}")
    return _chunks(Source(str(path), lambda: path.open("rb"), path), chunksize, text_col, required, sheet,
                   max_cell_chars, dialect)


# ---------------------------------------------------------------- format detection

def _chunks(source: Source, chunksize: int | None, text_col: str | None, required: Sequence[str],
            sheet: str | int | None, max_cell_chars: int,
            dialect: tuple[str, str, bool] | None = None) -> Iterator[pd.DataFrame]:
    head = source.head(8)
    wanted = [c for c in (text_col, *required) if c]
    if not head:
        raise InputError("файл пустой", source.name)
    if head.startswith(b"PK\x03\x04"):
        from service.tables.formats import xlsx_rows

        rows = xlsx_rows(source, sheet)
    elif head.startswith(b"PAR1"):
        from service.tables.formats import parquet_chunks

        return parquet_chunks(source, chunksize, wanted)
    elif head.startswith(b"\x1f\x8b"):
        rows = _csv_rows(source, source.open_gzip, max_cell_chars, dialect)
    elif kind := next((k for magic, k in _MAGIC.items() if head.startswith(magic)), None):
        raise InputError(f"это {kind}, а не таблица CSV/XLSX", source.name)
    else:
        rows = _csv_rows(source, source.open_bytes, max_cell_chars, dialect)
    return _frames(source.name, rows, chunksize, wanted, max_cell_chars)


def csv_dialect(path: Path) -> tuple[str, str, bool] | None:
    """(encoding, delimiter, gzipped) of a CSV / CSV.GZ file as the reader sees it; None for other formats."""
    source = Source(str(path), lambda: path.open("rb"), path)
    head = source.head(8)
    if not head or head.startswith((b"PK\x03\x04", b"PAR1")):
        return None
    gzipped = head.startswith(b"\x1f\x8b")
    return *_sniff(source, source.open_gzip if gzipped else source.open_bytes), gzipped


def _detect_encoding(sample: bytes, name: str) -> str:
    """utf-8 (with or without BOM) first; otherwise the best Cyrillic single-byte guess."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's «Unicode text» export
        return "utf-16"
    if b"\x00" in sample:
        raise InputError("двоичные данные (нулевые байты), а не текстовая таблица", name)
    try:
        # final=False: a multi-byte character cut at the end of the sample is not an error
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1251", "koi8_r", "cp866", "mac_cyrillic"]).best()
    if best is None:
        raise InputError("не удалось определить кодировку: похоже на двоичные данные, а не на таблицу", name)
    return best.encoding


def _detect_delimiter(text: str, truncated: bool) -> str:
    """The candidate whose header is widest and most rows agree with; csv.Sniffer breaks ties."""
    def consistency(delim: str) -> tuple[float, int]:
        try:
            rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
        except csv.Error:
            return 0.0, 0
        if truncated and len(rows) > 1:
            rows = rows[:-1]  # the last record may be cut by the sample boundary
        if not rows or len(rows[0]) < 2:
            return 0.0, 0
        width = len(rows[0])
        return sum(len(r) == width for r in rows) / len(rows), width

    try:
        sniffed = csv.Sniffer().sniff(text[:65_536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    scores = {d: consistency(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (scores[d], d == sniffed))
    return best if scores[best][1] >= 2 else _NO_SPLIT


def _too_long(max_cell_chars: int) -> str:
    return f"ячейка длиннее {max_cell_chars:,} символов".replace(",", " ")


def _sniff(source: Source, open_bytes: Callable[[], IO[bytes]]) -> tuple[str, str]:
    """(encoding, delimiter) judged on the first 256 KiB."""
    try:
        with open_bytes() as fh:
            sample = fh.read(_SAMPLE_BYTES)
            truncated = bool(fh.read(1))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"не удалось распаковать gzip: {exc}", source.name) from exc
    if not sample.strip():
        raise InputError("файл пустой", source.name)
    encoding = _detect_encoding(sample, source.name)
    return encoding, _detect_delimiter(sample.decode(encoding, errors="ignore"), truncated)


def _csv_rows(source: Source, open_bytes: Callable[[], IO[bytes]], max_cell_chars: int,
              dialect: tuple[str, str, bool] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every record; the first one is the header."""
    encoding, delimiter = dialect[:2] if dialect is not None else _sniff(source, open_bytes)
    row = 0
    try:
        with open_bytes() as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as fh:
            for row, cells in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
                yield row, cells
    except UnicodeDecodeError as exc:
        # the decoder runs ahead of the parser, so find the exact cell in a second, tolerant pass
        bad_row, bad_col = _locate_undecodable(open_bytes, encoding, delimiter)
        raise InputError(f"байты не в кодировке {encoding} ({exc.reason}); сохраните файл в UTF-8",
                         source.name, bad_row, bad_col) from exc
    except csv.Error as exc:
        problem = _too_long(max_cell_chars) if "field larger" in str(exc) else f"ошибка разбора CSV: {exc}"
        raise InputError(problem, source.name, row + 1) from exc
    except (OSError, EOFError) as exc:
        raise InputError(f"файл повреждён или обрезан: {exc}", source.name, row + 1) from exc


def _locate_undecodable(open_bytes: Callable[[], IO[bytes]], encoding: str,
                        delimiter: str) -> tuple[int | None, str | None]:
    with open_bytes() as raw, io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape",
                                               newline="") as fh:
        for row, cells in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
            for col, cell in enumerate(cells, start=1):
                if any("\udc80" <= ch <= "\udcff" for ch in cell):
                    return row, f"№{col}"
    return None, None


# ---------------------------------------------------------------- rows → frames

def _header(name: str, cells: list[str]) -> tuple[list[str], set[str]]:
    """Stripped names (blank → `unnamed_<n>`, duplicate → `.1`, `.2` as in pandas) and the duplicated ones."""
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(cells, start=1):
        col = " ".join(cell.replace("\ufeff", "").split()) or f"unnamed_{i}"
        if col in seen:
            seen[col] += 1
            col = f"{col}.{seen[col]}"
        seen.setdefault(col, 0)
        out.append(col)
    while out and out[-1].startswith("unnamed_") and not cells[len(out) - 1].strip():
        out.pop()  # trailing delimiters after the last name
    if not out:
        raise InputError("в строке заголовка нет названий столбцов", name, None)
    return out, {c for c, n in seen.items() if n}


def _frames(name: str, rows: Iterator[tuple[int, list[str]]], chunksize: int | None,
            wanted: Sequence[str], max_cell_chars: int) -> Iterator[pd.DataFrame]:
    header_cells: list[str] | None = None
    for _, cells in rows:
        if any(c.strip() for c in cells):
            header_cells = cells
            break
    if header_cells is None:
        raise InputError("в файле нет ни строки заголовка, ни данных", name)
    raw_columns, duplicated = _header(name, header_cells)
    rename = resolve_columns(name, raw_columns, wanted, duplicated)
    yield from body_frames(name, rows, [rename.get(c, c) for c in raw_columns], chunksize, max_cell_chars)


def body_frames(name: str, rows: Iterator[tuple[int, list[str]]], columns: list[str], chunksize: int | None,
                max_cell_chars: int) -> Iterator[pd.DataFrame]:
    """Frames of the data records after the header: short rows padded, empty ones skipped, too wide or too
    long ones an InputError. Yields at least one frame."""
    width = len(columns)
    batch: list[list[str]] = []
    numbers: list[int] = []
    yielded = False
    for row, cells in rows:
        if len(cells) != width:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            elif any(c.strip() for c in cells[width:]):
                extra = next(i for i in range(width, len(cells)) if cells[i].strip())
                raise InputError(f"{len(cells)} значений, а в заголовке {width} столбцов (лишнее значение "
                                 f"{cells[extra][:40]!r} в позиции {extra + 1}); проверьте разделитель и "
                                 "кавычки", name, row, columns=columns)
            else:
                cells = cells[:width]
        if not "".join(cells).strip():
            continue
        if max(map(len, cells)) > max_cell_chars:
            col = next(i for i, c in enumerate(cells) if len(c) > max_cell_chars)
            raise InputError(_too_long(max_cell_chars), name, row, columns[col], columns)
        batch.append(cells)
        numbers.append(row)
        if chunksize is not None and len(batch) >= chunksize:
            yield rows_frame(columns, batch, numbers)
            yielded, batch, numbers = True, [], []
    if batch or not yielded:
        yield rows_frame(columns, batch, numbers)

