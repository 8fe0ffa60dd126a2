"""An uploaded table → items, one implementation for `POST /v1/items/upload` and the upload page: the
format check, the reading, the column choice, the limits, errors that name the file as the user called it.

    >>> items = upload_items(Path("/tmp/x.csv"), "Обращения.csv", source="upload", chosen={"text": "Текст"})
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.store.item_rows import ID_COLUMNS, TEXT_COLUMNS, frame_to_items

UPLOAD_SUFFIXES = (".csv", ".xlsx", ".xls", ".parquet", ".json", ".tsv", ".txt", ".gz")
MAX_UPLOAD_ROWS = 100_000
# Files with more rows are stored by a background job (masking and classifying 5,000 appeals takes a while):
# the API answers 202 with the job, the page follows its progress.
JOB_ROWS = 5_000
KEEP_S = 24 * 3600  # a kept upload nobody stored is removed after a day
DATE_COLUMNS = ("created_at", "date", "дата", "дата поступления", "дата обращения", "дата регистрации")
CHANNEL_COLUMNS = ("channel", "канал", "канал поступления", "источник")


class UploadError(ValueError):
    """A file that cannot be stored; `status` is the HTTP answer it deserves (422; 413 for too many rows)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def check_suffix(name: str) -> str:
    """The file's extension, if it is one we read."""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(
            f"файл {name!r}: формат {suffix or '(без расширения)'} не поддерживается; "
            f"допустимы {', '.join(UPLOAD_SUFFIXES)}"
        )
    return suffix


def upload_items(
    path: Path, name: str, *, source: str, chosen: dict[str, str | None] | None = None
) -> list[dict[str, Any]]:
    """Every item of the file at `path` (called `name` by the user), or UploadError naming row and column."""
    from service.tables.io import InputError, read_table

    try:
        items = list(frame_to_items(read_table(path), source=source, where=f"файл {name}", chosen=chosen))
    except (InputError, ValueError) as exc:
        raise UploadError(str(exc).replace(str(path), name)) from exc
    if not items:
        raise UploadError(f"файл {name!r}: нет ни одной строки с текстом")
    if len(items) > MAX_UPLOAD_ROWS:
        raise UploadError(
            f"файл {name!r}: {len(items)} строк, допускается не больше {MAX_UPLOAD_ROWS}; "
            "большие файлы размечайте командой `painmap score`",
            status=413,
        )
    return items


def preview(path: Path, name: str, rows: int = 5) -> tuple[list[str], list[list[str]], int]:
    """(columns, the first `rows` rows as masked text, number of rows) of the file, for choosing its
    columns: a page shows no personal data, even the uploader's own."""
    from nlp.pii import mask_texts
    from service.tables.io import InputError, read_table

    try:
        frame = read_table(path)
    except InputError as exc:
        raise UploadError(str(exc).replace(str(path), name)) from exc
    columns = [str(c) for c in frame.columns if not str(c).startswith("__")]
    head = frame[columns].head(rows).fillna("").astype(str).values.tolist()
    masked = iter(text for text, _ in mask_texts([cell for row in head for cell in row]))
    return columns, [[next(masked) for _ in row] for row in head], len(frame)


def guess_columns(columns: list[str]) -> dict[str, str | None]:
    """The text, id, date and channel columns as the readers would find them by name (None: not found)."""

    def first(names: tuple[str, ...], contains: str | None = None) -> str | None:
        lower = {c.strip().lower().replace("ё", "е"): c for c in columns}
        found = next((lower[n] for n in names if n in lower), None)
        if found is None and contains:
            found = next((c for key, c in lower.items() if contains in key), None)
        return found

    return {
        "text": first(TEXT_COLUMNS, "текст"),
        "id": first(ID_COLUMNS, "номер"),
        "date": first(DATE_COLUMNS, "дата"),
        "channel": first(CHANNEL_COLUMNS, "канал"),
    }


def upload_dir(cache_dir: Path) -> Path:
    """Where uploads wait for their job or their columns (var/uploads); files older than a day go."""
    import time

    folder = Path(cache_dir).parent / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - KEEP_S
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    return folder
