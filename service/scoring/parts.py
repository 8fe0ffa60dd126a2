"""Part files of a resumable scoring run: one part and its row count per chunk, each whole or absent.

Written by `painmap score` itself and by its pool or Dask workers (`service.scoring.workers`).
"""

from __future__ import annotations

import os
from pathlib import Path


def part_path(partial: Path, index: int, kind: str) -> Path:
    return partial / f"part-{index:06d}{kind}"


def write_part(data: bytes, rows: int, partial: Path, index: int, kind: str) -> None:
    """The part and, first, its row count (so a resumed run counts a part it does not read).

    Each file goes to a temp name of this process and is renamed into place, so a part is whole or absent
    even when the parent and a LocalCluster worker (which writes its own parts) race on it."""
    for target, content in (
        (rows_path(partial, index), b"%d" % rows),
        (part_path(partial, index, kind), data),
    ):
        tmp = partial / f".{target.name}.{os.getpid()}.tmp"
        tmp.write_bytes(content)
        os.replace(tmp, target)


def rows_path(partial: Path, index: int) -> Path:
    return partial / f"part-{index:06d}.rows"
