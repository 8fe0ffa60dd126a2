"""Batch scoring of a table file: chunked (flat memory), resumable after a kill, on several processes or Dask.

Every input chunk is scored into ``OUT.partial/part-NNNNNN<ext>`` (written to a temp name, then renamed, so a
part either exists whole or not at all). For CSV output a part is the chunk's finished CSV text (the first
one with the header), so assembling OUT is a byte copy; other formats go through Parquet parts.
``OUT.partial/state.json`` records what the parts belong to (input path, size and mtime, model id, text
column, chunk size, part format); a rerun with the same key skips the chunks whose part exists, any other
key starts afresh. When every chunk is done the parts are assembled into a temp file beside OUT and renamed
onto it, so OUT never holds a partial result.

With several workers (pool or Dask), a CSV input is cut into byte blocks of whole records that the workers
parse themselves (service.tables.csv_blocks), so this process only reads bytes and writes parts. A block that
does
not parse cleanly sends the whole run back to the row reader: it names the bad row, or, when the data is
fine and only the cut was misled, scores the file row by row.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from models.model_input import card_meta_cols, compose_text
from models.registry import LoadedModel
from service.scoring.parts import part_path as _part_path
from service.scoring.parts import rows_path as _rows_path
from service.scoring.parts import write_part
from service.tables.csv_blocks import BlockError, CsvBlock
from service.tables.io import ROW_COLUMN, InputError

if TYPE_CHECKING:
    from service.scoring.input import InputLayout

STATE_VERSION = 2  # 2: CSV parts for CSV output
OUTPUT_FORMATS = (".csv", ".csv.gz", ".xlsx", ".parquet", ".json")
XLSX_MAX_ROWS = 1_048_575
ProgressFn = Callable[[int], None]  # rows done since the last call (negative: a restart takes them back)


class ScoringError(RuntimeError):
    """Scoring cannot proceed (bad output path, unsupported format, a chunk that failed)."""


@dataclass(frozen=True)
class ScoreResult:
    out: Path
    rows: int
    chunks: int
    resumed_chunks: int
    seconds: float


def output_columns_for(columns: list[str], heads: list[str]) -> dict[str, str]:
    """Renames for input columns that clash with prediction columns (`topic` → `topic_input`)."""
    produced = {f"{h}{suffix}" for h in heads for suffix in ("", "_proba", "_review")}
    return {c: f"{c}_input" for c in columns if c in produced}


def score_frame(
    estimator: Any, df: pd.DataFrame, text_col: str, meta_cols: Sequence[str] | None = None
) -> pd.DataFrame:
    """Input columns plus `<head>`, `<head>_proba`, `<head>_review` per head, in input order.

    The model reads `text_col`, preceded by `meta_cols` if the model was trained with metadata
    (`models.model_input.compose_text`).
    """
    heads = list(getattr(estimator, "heads_", []))
    df = df.drop(columns=[ROW_COLUMN], errors="ignore")
    if df.empty:  # a header-only file: keep its columns, add empty prediction columns
        table = pd.DataFrame({f"{h}{s}": [] for h in heads for s in ("", "_proba", "_review")})
    else:
        texts = compose_text(df[text_col], [df[c] for c in meta_cols or ()])
        table = estimator.predict_table(texts.tolist())
    table.index = df.index
    renamed = df.rename(columns=output_columns_for(list(df.columns), heads))
    return pd.concat([renamed, table], axis=1)


def score_part(
    estimator: Any,
    chunk: pd.DataFrame | CsvBlock,
    text_col: str,
    index: int,
    kind: str,
    meta_cols: tuple[str, ...] = (),
) -> tuple[int, bytes]:
    """One chunk scored and encoded as the part file `kind` (see `_part_kind`): (rows, bytes).

    Module level and free of closures: pool workers and Dask workers call it with their own copy of the model.
    The runners call it positionally as (estimator, chunk, text_col, index, kind); `score_file` binds
    `meta_cols` with functools.partial (a partial of a module-level function with a tuple pickles).
    """
    if isinstance(chunk, CsvBlock):  # raw records: parsed here, in the worker (service.tables.csv_blocks)
        chunk = chunk.frame()
    frame = score_frame(estimator, chunk, text_col, meta_cols)
    if kind == ".parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return len(frame), buffer.getvalue()
    from service.tables.write import csv_text

    # Same text as service.tables.io.write_table would write (formula-safe, quoted, utf-8-sig: Excel opens it
    # as
    # UTF-8); only the first part carries the BOM and the header, so the parts concatenate into one file.
    text = csv_text(frame, header=index == 0)
    data = text.encode("utf-8-sig" if index == 0 else "utf-8")
    # gzip members concatenate into one valid gzip stream (RFC 1952), so .csv.gz parts are compressed here
    return len(frame), gzip.compress(data, compresslevel=6, mtime=0) if kind == ".csv.gz" else data


def _part_kind(out_kind: str) -> str:
    return out_kind if out_kind in (".csv", ".csv.gz") else ".parquet"


def _state_key(
    src: Path,
    model: LoadedModel,
    text_col: str,
    chunksize: int,
    kind: str,
    meta_cols: Sequence[str],
    blocks: bool,
) -> dict[str, Any]:
    stat = src.stat()
    key = {
        "version": STATE_VERSION,
        "input": str(src.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "model_id": model.model_id,
        "text_col": text_col,
        "chunksize": chunksize,
        "part_kind": kind,
    }
    # only when set: a plain row-by-row run keeps the key (and the resumable parts) of earlier versions
    if meta_cols:
        key["meta_cols"] = list(meta_cols)
    if blocks:
        key["split"] = "bytes"
    return key


def _prepare_partial(partial: Path, key: dict[str, Any]) -> set[int]:
    """Reuse the parts of an interrupted run with the same key; otherwise start from an empty directory."""
    state_file = partial / "state.json"
    if partial.is_dir():
        try:
            same = json.loads(state_file.read_text(encoding="utf-8")) == key
        except (OSError, ValueError):
            same = False
        if same:
            return {int(p.name[5:11]) for p in partial.glob(f"part-*{key['part_kind']}")}
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    state_file.write_text(json.dumps(key), encoding="utf-8")
    return set()


def _assemble(partial: Path, n_parts: int, out: Path, kind: str) -> None:
    """Concatenate the parts into OUT (via a temp file and rename)."""
    parts = [_part_path(partial, i, kind) for i in range(n_parts)]
    if missing := [p.name for p in parts if not p.exists()]:
        raise ScoringError(f"{partial}: нет частей {', '.join(missing[:5])}; перезапустите команду")
    suffix = _output_kind(out)
    tmp = out.with_name(f".{out.name}.tmp")
    if kind in (".csv", ".csv.gz"):
        with tmp.open("wb") as fh:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, fh, 1 << 20)
        os.replace(tmp, out)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    from service.tables.io import write_table

    if suffix == ".parquet":
        schemas = [pq.read_schema(p) for p in parts]
        schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
        with pq.ParquetWriter(tmp, schema) as writer:
            for part in parts:
                table = pq.read_table(part)
                writer.write_table(table.cast(schema) if table.schema != schema else table)
        os.replace(tmp, out)
        return
    # xlsx / json: whole-table writers (atomic themselves); xlsx is capped by the format
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    if suffix == ".xlsx" and len(frame) > XLSX_MAX_ROWS:
        raise ScoringError(f"{out}: {len(frame)} строк не помещаются в XLSX; выберите .csv или .parquet")
    write_table(frame, out)


def _output_kind(out: Path) -> str | None:
    name = out.name.lower()
    return next((ext for ext in (".csv.gz", *OUTPUT_FORMATS) if name.endswith(ext)), None)


def score_file(
    src: Path,
    out: Path,
    model: LoadedModel,
    *,
    text_col: str,
    chunksize: int = 5_000,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
    meta_cols: Sequence[str] | None = None,
) -> ScoreResult:
    """Score SRC into OUT, resuming an interrupted run. Raises service.tables.io.InputError on bad input.

    ``meta_cols``: SRC's columns written before the text, as the model was trained (None: the model's own
    names from its card, `models.model_input.card_meta_cols`; for a model without metadata, none).

    ``engine="local"`` scores in this process (``workers=1``) or in ``workers`` forked processes;
    ``engine="dask"`` on a dask.distributed cluster (LocalCluster of ``workers`` unless ``scheduler``).
    """
    from service.scoring.input import byte_blocks, input_layout, row_chunks

    src, out = Path(src), Path(out)
    out_kind = _output_kind(out)
    if out_kind is None:
        raise ScoringError(f"{out}: неизвестный формат вывода; допустимы {', '.join(OUTPUT_FORMATS)}")
    if engine not in ("local", "dask"):
        raise ScoringError(f"неизвестный движок {engine!r}: допустимы local, dask")
    if not src.is_file():
        raise InputError("файл не найден", src)
    started = time.perf_counter()
    meta = tuple(card_meta_cols(model.card) if meta_cols is None else meta_cols)
    layout = input_layout(src, text_col, meta)  # sniffed and its header read once, for every reader
    out.parent.mkdir(parents=True, exist_ok=True)
    counted = 0

    def counting(n: int) -> None:
        nonlocal counted
        counted += n
        if progress:
            progress(n)

    job = _Job(src, out, model, text_col, chunksize, meta, engine, workers, scheduler, counting, layout)
    # several workers parse their own byte blocks; one process reads rows itself (nothing to offload)
    blocks = byte_blocks(layout, chunksize, text_col, meta) if engine == "dask" or workers > 1 else None
    if blocks is not None:
        try:
            return _run(job, blocks, started)
        except BlockError:
            for _ in row_chunks(layout, chunksize, text_col, meta):  # names the row when the data is at fault
                pass
            # the data is fine: a quote inside an unquoted field misled the byte cut; read row by row,
            # counting the progress again from zero
            if counted:
                counting(-counted)
    return _run(job, None, started)


@dataclass(frozen=True)
class _Job:
    src: Path
    out: Path
    model: LoadedModel
    text_col: str
    chunksize: int
    meta: tuple[str, ...]
    engine: str
    workers: int
    scheduler: str | None
    progress: ProgressFn | None
    layout: InputLayout


def _run(job: _Job, blocks: Iterator[CsvBlock] | None, started: float) -> ScoreResult:
    """One attempt: from `blocks` (parsed by the workers) or, when None, from rows read here."""
    from service.scoring.input import row_chunks
    from service.scoring.workers import run_dask, run_inline, run_pool

    src, out, model, text_col, progress = job.src, job.out, job.model, job.text_col, job.progress
    kind = _part_kind(_output_kind(out) or ".csv")
    partial = out.with_name(out.name + ".partial")
    # the runners call score_part(estimator, chunk, text_col, index, kind): bind the metadata columns
    part_fn = functools.partial(score_part, meta_cols=job.meta) if job.meta else score_part
    key = _state_key(src, model, text_col, job.chunksize, kind, job.meta, blocks is not None)
    done = _prepare_partial(partial, key)
    resumed = len(done)
    n_chunks = 0
    rows = 0
    source: Iterator[Any] = (
        blocks if blocks is not None else row_chunks(job.layout, job.chunksize, text_col, job.meta)
    )

    def todo() -> Iterator[tuple[int, Any]]:
        nonlocal n_chunks, rows
        for index, chunk in enumerate(source):
            n_chunks = index + 1
            if index in done:
                n = len(chunk) if isinstance(chunk, pd.DataFrame) else _done_rows(partial, index)
                rows += n
                if progress:
                    progress(n)
                continue
            yield index, chunk

    if job.engine == "dask":
        scored = run_dask(todo(), part_fn, model, text_col, kind, job.workers, job.scheduler, partial)
    elif job.workers > 1:
        scored = run_pool(todo(), part_fn, model.estimator, text_col, kind, job.workers)
    else:
        scored = run_inline(todo(), part_fn, model.estimator, text_col, kind)
    try:
        for index, n, data in scored:
            if data is not None:  # None: a LocalCluster worker wrote the part itself
                write_part(data, n, partial, index, kind)
            rows += n
            if progress:
                progress(n)
    except Exception:
        if not any(partial.glob("part-*")):  # nothing worth resuming: leave no trace beside OUT
            shutil.rmtree(partial, ignore_errors=True)
        raise
    _assemble(partial, n_chunks, out, kind)
    shutil.rmtree(partial, ignore_errors=True)
    return ScoreResult(out, rows, n_chunks, resumed, time.perf_counter() - started)


def _done_rows(partial: Path, index: int) -> int:
    try:
        return int(_rows_path(partial, index).read_text())
    except (OSError, ValueError):
        return 0  # a part from before row counts were kept: only the progress figure misses it
