"""Where `painmap score` runs its chunks: in this process, in a pool of forked processes, or on Dask.

Every runner maps ``(index, chunk)`` to ``(index, rows, part bytes)`` with
``service.scoring.batch.score_part`` and
keeps a bounded number of chunks in flight, so memory stays flat whatever the file size. The parent writes
the parts, except on a LocalCluster: there each worker reads its block from the file and writes its part
itself (``None`` comes back instead of the bytes), so this process, on the same cores, neither ships the
input nor receives the output. Every worker dies with the parent (PR_SET_PDEATHSIG), and parts are
renamed into place whole, so after a kill a rerun sees a consistent set.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from models.registry import LoadedModel

Chunks = Iterator[tuple[int, Any]]  # (index, a DataFrame or a service.tables.csv_blocks.CsvBlock)
Scored = Iterator[tuple[int, int, bytes | None]]
ScorePart = Callable[[Any, Any, str, int, str], tuple[int, bytes]]
_PR_SET_PDEATHSIG = 1

# A LocalCluster for one scoring run does without the monitoring meant for long-lived shared clusters; the
# cores it would take are the ones the workers score on.
_QUIET_CLUSTER = {
    # the statistical profiler samples the task thread's Python stack every 10 ms: on these pure-Python tasks
    # it cost a fifth of a worker's CPU (1 worker, 200k SPb rows: 45.3 → 35.9 CPU-s)
    "distributed.worker.profile.enabled": False,
    # event-loop ticks, system and memory monitors, work stealing: an idle 2-worker cluster took 0.33 CPU-s
    # per 10 s in this process and 0.17 in each worker; with these, 0.06 and 0.02
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,  # tasks are alike and handed out as workers free up
}

# The model of a pool worker process: set once by the pool initializer (inherited through fork, not
# pickled), read by every task that process runs. Per process, never shared.
_worker_model: Any = None
# The bundle a LocalCluster Dask worker loaded, ((registry root, model id), estimator); per process too.
_bundle_model: tuple[tuple[str, str], Any] | None = None


def run_inline(chunks: Chunks, score_part: ScorePart, estimator: Any, text_col: str, kind: str) -> Scored:
    """Chunks scored in this process with one BLAS thread: the small dense products of decoding gain no wall
    time from more, and the extra threads spin (200k SPb rows: 38.7 CPU-s for 31.8 s; one thread: 31.6)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        for index, chunk in chunks:
            yield index, *score_part(estimator, chunk, text_col, index, kind)


def run_pool(
    chunks: Chunks, score_part: ScorePart, estimator: Any, text_col: str, kind: str, workers: int
) -> Scored:
    """Chunks scored by `workers` forked processes that share the parent's loaded model (copy-on-write).

    Results come back in completion order. Each worker dies with the parent (PR_SET_PDEATHSIG), so a killed
    `painmap score` leaves no orphans.
    """
    # Objects that exist before the fork are never touched by the children's collector, so their pages stay
    # shared instead of being copied by reference-count and GC-header writes.
    gc.collect()
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_init_worker,
            initargs=(estimator, score_part, os.getpid()),
        )
    finally:
        gc.unfreeze()
    with pool:
        yield from _bounded(chunks, lambda i, c: pool.submit(_pool_task, c, text_col, i, kind), 2 * workers)


def _init_worker(estimator: Any, score_part: ScorePart, parent: int) -> None:
    global _worker_model
    _worker_model = (estimator, score_part)
    _die_with(parent)
    _one_blas_thread()


def _die_with(parent: int) -> None:
    """This process gets SIGKILL when `parent` (its parent process) dies; exits now if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _pool_task(chunk: Any, text_col: str, index: int, kind: str) -> tuple[int, bytes]:
    estimator, score_part = _worker_model
    return score_part(estimator, chunk, text_col, index, kind)


def _one_blas_thread() -> None:
    """One BLAS/OpenMP thread per worker: the workers already fill the cores."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def run_dask(
    chunks: Chunks,
    score_part: ScorePart,
    model: LoadedModel,
    text_col: str,
    kind: str,
    workers: int,
    scheduler: str | None,
    partial: Path | None = None,
) -> Scored:
    """Chunks scored on a dask.distributed cluster (a LocalCluster of `workers` processes unless `scheduler`).

    On a LocalCluster (it shares this disk) every worker loads (and verifies) the bundle itself, reads a
    block of a plain CSV from the file by its offset and, given `partial`, writes the part there; this
    process only finds the record boundaries. A remote cluster may not see this disk: it gets the model
    scattered once to every worker and the blocks' bytes, and returns the parts' bytes for this process to
    write.
    """
    import dask
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        one_thread = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
        settings = {"distributed.nanny.pre-spawn-environ": one_thread, **_QUIET_CLUSTER}
        with dask.config.set(settings):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
    client = Client(scheduler or cluster)
    try:
        n = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        if cluster is not None:
            bundle = (str(model.path.parent), model.model_id)
            target = (str(partial), os.getpid()) if partial is not None else (None, os.getpid())

            def submit(index: int, chunk: Any) -> Any:
                located = getattr(chunk, "located", None)  # a CsvBlock of a plain file: its offset will do
                args = (score_part, bundle, located() if located else chunk, text_col, index, kind, target)
                return client.submit(_bundle_task, *args, pure=False)
        else:
            model_ref = client.scatter(model.estimator, broadcast=True)

            def submit(index: int, chunk: Any) -> Any:
                return client.submit(score_part, model_ref, chunk, text_col, index, kind, pure=False)

        yield from _bounded(chunks, submit, 2 * n)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _bundle_task(
    score_part: ScorePart,
    bundle: tuple[str, str],
    chunk: Any,
    text_col: str,
    index: int,
    kind: str,
    target: tuple[str | None, int],
) -> tuple[int, bytes | None]:
    """A LocalCluster task: the worker's own copy of the bundle, loaded by its first task; with a
    `target` directory the part is written there and None returned in place of its bytes."""
    global _bundle_model
    partial, parent = target
    if _bundle_model is None or _bundle_model[0] != bundle:
        from models.registry import ModelRegistry

        if os.getppid() == parent:  # the nanny spawned it from `painmap score` (not from a forkserver)
            _die_with(parent)
        _bundle_model = (bundle, ModelRegistry(bundle[0]).load(bundle[1]).estimator)
    rows, data = score_part(_bundle_model[1], chunk, text_col, index, kind)
    if partial is None:
        return rows, data
    from service.scoring.parts import write_part

    write_part(data, rows, Path(partial), index, kind)
    return rows, None


def _bounded(chunks: Chunks, submit: Callable[[int, Any], Any], limit: int) -> Scored:
    """Submit chunks keeping at most `limit` in flight; yield (index, rows, bytes) as they complete."""
    pending: dict[Any, int] = {}

    def finished(futures: list[Any]) -> Scored:
        for future in futures:
            rows, data = future.result()
            yield pending.pop(future), rows, data

    for index, chunk in chunks:
        pending[submit(index, chunk)] = index
        while len(pending) >= limit:
            yield from finished(_first_done(list(pending)))
    while pending:
        yield from finished(_first_done(list(pending)))


def _first_done(futures: list[Any]) -> list[Any]:
    if isinstance(futures[0], Future):
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
    else:  # distributed futures
        from distributed import wait as dask_wait

        done, _ = dask_wait(futures, return_when="FIRST_COMPLETED")
    return list(done)
