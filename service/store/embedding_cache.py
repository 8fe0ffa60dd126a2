"""The pains' embedder with its on-disk cache (Settings.cache_dir), shared by CLI, API and `make run`."""

from __future__ import annotations

from models.embeddings import E5Embedder, cached_embedder
from service.config import get_settings


def default_embedder() -> E5Embedder:
    """e5 vectors cached in `<cache_dir>/embeddings.sqlite`; in memory only when that file cannot be used."""
    return cached_embedder(get_settings().cache_dir / "embeddings.sqlite")
