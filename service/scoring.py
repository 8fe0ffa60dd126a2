"""Batch scoring of a table file: chunked (flat memory), resumable after a kill, optionally on Dask.

Every input chunk is scored into ``OUT.partial/part-NNNNNN.parquet`` (written to a temp name, then renamed, so
a part either exists whole or not at all). ``OUT.partial/state.json`` records what the parts belong to (input
path, size and mtime, model id, text column, chunk size); a rerun with the same key skips the chunks whose
part exists, any other key starts afresh. When every chunk is done the parts are assembled into a temp file
beside OUT and renamed onto it, so OUT never holds a partial result.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from models.registry import LoadedModel
from service.io import ROW_COLUMN, InputError

STATE_VERSION = 1
OUTPUT_FORMATS = (".csv", ".csv.gz", ".xlsx", ".parquet", ".json")
XLSX_MAX_ROWS = 1_048_575
ProgressFn = Callable[[int], None]


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


def score_frame(estimator: Any, df: pd.DataFrame, text_col: str) -> pd.DataFrame:
    """Input columns plus `<head>`, `<head>_proba`, `<head>_review` per head, in input order."""
    heads = list(getattr(estimator, "heads_", []))
    df = df.drop(columns=[ROW_COLUMN], errors="ignore")
    if df.empty:  # a header-only file: keep its columns, add empty prediction columns
        table = pd.DataFrame({f"{h}{s}": [] for h in heads for s in ("", "_proba", "_review")})
    else:
        table = estimator.predict_table(df[text_col].fillna("").astype(str).tolist())
    table.index = df.index
    renamed = df.rename(columns=output_columns_for(list(df.columns), heads))
    return pd.concat([renamed, table], axis=1)


def _iter_chunks(path: Path, chunksize: int, text_col: str) -> Iterator[pd.DataFrame]:
    from service.io import iter_table_chunks

    # one chunk at a time: memory stays flat whatever the file size
    yield from iter_table_chunks(path, chunksize=chunksize, text_col=text_col)


def _part_path(partial: Path, index: int) -> Path:
    return partial / f"part-{index:06d}.parquet"


def _write_part(df: pd.DataFrame, partial: Path, index: int) -> None:
    target = _part_path(partial, index)
    tmp = target.with_suffix(".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, target)


def _state_key(src: Path, model: LoadedModel, text_col: str, chunksize: int) -> dict[str, Any]:
    stat = src.stat()
    return {
        "version": STATE_VERSION,
        "input": str(src.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "model_id": model.model_id,
        "text_col": text_col,
        "chunksize": chunksize,
    }


def _prepare_partial(partial: Path, key: dict[str, Any]) -> set[int]:
    """Reuse the parts of an interrupted run with the same key; otherwise start from an empty directory."""
    state_file = partial / "state.json"
    if partial.is_dir():
        try:
            same = json.loads(state_file.read_text(encoding="utf-8")) == key
        except (OSError, ValueError):
            same = False
        if same:
            return {int(p.stem.split("-")[1]) for p in partial.glob("part-*.parquet")}
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    state_file.write_text(json.dumps(key), encoding="utf-8")
    return set()


def _assemble(partial: Path, n_parts: int, out: Path) -> int:
    """Concatenate the parts into OUT (via a temp file and rename); returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from service.io import write_table

    parts = [_part_path(partial, i) for i in range(n_parts)]
    if missing := [p.name for p in parts if not p.exists()]:
        raise ScoringError(f"{partial}: нет частей {', '.join(missing[:5])}; перезапустите команду")
    suffix = _output_kind(out)
    tmp = out.with_name(f".{out.name}.tmp")
    rows = 0
    if suffix == ".parquet":
        schemas = [pq.read_schema(p) for p in parts]
        schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
        with pq.ParquetWriter(tmp, schema) as writer:
            for part in parts:
                table = pq.read_table(part)
                rows += table.num_rows
                writer.write_table(table.cast(schema) if table.schema != schema else table)
    elif suffix in (".csv", ".csv.gz"):
        from service.io import formula_safe

        # same encoding as service.io.write_table (utf-8-sig: Excel opens it as UTF-8)
        opener = gzip.open if suffix == ".csv.gz" else open
        with opener(tmp, "wt", encoding="utf-8-sig", newline="") as fh:
            for i, part in enumerate(parts):
                frame = formula_safe(pd.read_parquet(part))
                rows += len(frame)
                frame.to_csv(fh, header=i == 0, index=False)
    else:  # xlsx / json: whole-table writers (atomic themselves); xlsx is capped by the format
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        if suffix == ".xlsx" and len(frame) > XLSX_MAX_ROWS:
            raise ScoringError(f"{out}: {len(frame)} строк не помещаются в XLSX; выберите .csv или .parquet")
        write_table(frame, out)
        return len(frame)
    os.replace(tmp, out)
    return rows


def _output_kind(out: Path) -> str | None:
    name = out.name.lower()
    return next((ext for ext in (".csv.gz", *OUTPUT_FORMATS) if name.endswith(ext)), None)


def _dask_map(
    chunks: Iterator[tuple[int, pd.DataFrame]],
    estimator: Any,
    text_col: str,
    workers: int,
    scheduler: str | None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Score chunks on a dask.distributed cluster, keeping a bounded number in flight (results unordered)."""
    from distributed import Client, LocalCluster, wait

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
    client = Client(scheduler or cluster)
    try:
        model_ref = client.scatter(estimator, broadcast=True)
        limit = max(2, 2 * workers)
        pending: dict[Any, int] = {}
        for index, chunk in chunks:
            pending[client.submit(score_frame, model_ref, chunk, text_col, pure=False)] = index
            while len(pending) >= limit:
                done, _ = wait(list(pending), return_when="FIRST_COMPLETED")
                for future in done:
                    yield pending.pop(future), future.result()
        for future in list(pending):
            yield pending.pop(future), future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def score_file(
    src: Path,
    out: Path,
    model: LoadedModel,
    *,
    text_col: str,
    chunksize: int = 20_000,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
) -> ScoreResult:
    """Score SRC into OUT, resuming an interrupted run. Raises service.io.InputError on bad input."""
    src, out = Path(src), Path(out)
    if _output_kind(out) is None:
        raise ScoringError(f"{out}: неизвестный формат вывода; допустимы {', '.join(OUTPUT_FORMATS)}")
    if engine not in ("local", "dask"):
        raise ScoringError(f"неизвестный движок {engine!r}: допустимы local, dask")
    if not src.is_file():
        raise InputError("файл не найден", src)
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    done = _prepare_partial(partial, _state_key(src, model, text_col, chunksize))
    resumed = len(done)
    n_chunks = 0

    def todo() -> Iterator[tuple[int, pd.DataFrame]]:
        nonlocal n_chunks
        for index, chunk in enumerate(_iter_chunks(src, chunksize, text_col)):
            n_chunks = index + 1
            if index in done:
                if progress:
                    progress(len(chunk))
                continue
            yield index, chunk

    if engine == "dask":
        scored = _dask_map(todo(), model.estimator, text_col, workers, scheduler)
    else:
        scored = ((i, score_frame(model.estimator, chunk, text_col)) for i, chunk in todo())
    try:
        for index, frame in scored:
            _write_part(frame, partial, index)
            if progress:
                progress(len(frame))
    except Exception:
        if not any(partial.glob("part-*.parquet")):  # nothing worth resuming: leave no trace beside OUT
            shutil.rmtree(partial, ignore_errors=True)
        raise
    rows = _assemble(partial, n_chunks, out)
    shutil.rmtree(partial, ignore_errors=True)
    return ScoreResult(out, rows, n_chunks, resumed, time.perf_counter() - started)
