"""Writing tables for analysts: formula-safe (no cell runs as a spreadsheet formula) and atomic (a temp file
renamed into place, so a crash never leaves half a file). Re-exported by ``service.tables.io``.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CELL_CHARS = 32_767


def formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells (and column names) a spreadsheet would run as formulas start with «'»."""
    out = df.rename(columns=lambda c: formula_safe_cell(c) if isinstance(c, str) else c)
    for col in out.columns[[pd.api.types.is_string_dtype(dt) for dt in out.dtypes]]:
        out[col] = out[col].map(formula_safe_cell)
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write by extension (.csv/.csv.gz utf-8-sig, .xlsx, .parquet, .json) via a temp file and rename."""
    path = Path(path)
    name = path.name.lower()
    writers: dict[str, Callable[[pd.DataFrame, Path], None]] = {
        ".csv.gz": functools.partial(_write_csv, compression="gzip"), ".csv": _write_csv,
        ".xlsx": _write_xlsx, ".parquet": _write_parquet, ".json": _write_json,
    }
    kind = next((ext for ext in writers if name.endswith(ext)), None)
    if kind is None:
        raise ValueError(f"{path}: формат не поддерживается; допустимы {', '.join(writers)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # same directory, so os.replace is atomic; a fresh name rather than mkstemp keeps the usual permissions
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        writers[kind](df, tmp)
        os.replace(tmp, path)
    except BaseException:  # no partial output left behind, whatever went wrong
        tmp.unlink(missing_ok=True)
        raise
    return path


def formula_safe_cell(value: Any) -> Any:
    """One cell as text a spreadsheet shows as typed: a leading apostrophe before `= + - @ TAB CR`."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# RFC 4180 line ends: with "\r\n" as the terminator the csv module quotes every cell holding a CR or an LF,
# so a lone CR in a text never splits its row (with "\n" a cell «a\rb» went out unquoted and came back as
# two rows, the second starting with whatever followed — «=1+1» included).
CSV_LINE_END = "\r\n"


def csv_text(df: pd.DataFrame, header: bool = True) -> str:
    """The CSV text of a table as every writer here produces it: formula-safe, quoted, RFC 4180."""
    return formula_safe(df).to_csv(index=False, header=header, lineterminator=CSV_LINE_END)


def _write_csv(df: pd.DataFrame, path: Path, compression: str | None = None) -> None:
    formula_safe(df).to_csv(
        path, index=False, encoding="utf-8-sig", compression=compression, lineterminator=CSV_LINE_END
    )


def _xlsx_cell(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > XLSX_MAX_CELL_CHARS:  # Excel's own limit; longer cells corrupt the workbook
            value = value[: XLSX_MAX_CELL_CHARS - 12] + "…[обрезано]"
    return value


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    safe = formula_safe(df)
    for col in safe.columns[[pd.api.types.is_object_dtype(dt) for dt in safe.dtypes]]:
        safe[col] = safe[col].map(_xlsx_cell)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    df.to_parquet(path, index=False)


def _write_json(df: pd.DataFrame, path: Path) -> None:
    df.to_json(path, orient="records", force_ascii=False, date_format="iso", indent=1)
