"""The pains' embedder with its on-disk cache (Settings.cache_dir), shared by CLI, API and `make run`."""

from __future__ import annotations

import logging
import sqlite3

from models.embeddings import E5Embedder, EmbeddingCache
from service.config import get_settings

log = logging.getLogger(__name__)


def default_embedder() -> E5Embedder:
    """e5 vectors cached in `<cache_dir>/embeddings.sqlite`; in memory only when that file cannot be used."""
    path = get_settings().cache_dir / "embeddings.sqlite"
    try:
        return E5Embedder(cache=EmbeddingCache(path))
    except (OSError, sqlite3.Error) as exc:
        log.warning("кэш векторов %s недоступен (%s): векторы будут считаться заново", path.name, exc)
        return E5Embedder()
