"""Settings: one pydantic-settings class, read from PAINMAP_* environment variables (and DATABASE_URL)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.resources import data_dir

_SOURCE_ROOT = Path(__file__).resolve().parent.parent
# A checkout keeps its working files (database, models, caches) in the repo's var/; an installed package
# (a wheel, a container image) in the current directory's var/, never inside site-packages.
PROJECT_ROOT = _SOURCE_ROOT if (_SOURCE_ROOT / "pyproject.toml").is_file() else Path.cwd()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAINMAP_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'painmap.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "PAINMAP_DATABASE_URL"),
    )
    model_dir: Path = PROJECT_ROOT / "var" / "models"
    data_dir: Path = Field(default_factory=data_dir)
    # Sentence vectors of pains, by text hash (models.embeddings): a refresh or a re-run embeds nothing twice.
    cache_dir: Path = PROJECT_ROOT / "var" / "cache"
    store_raw: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 20 * 1024 * 1024
    max_batch: int = 1000
    max_text_chars: int = 100_000
    # How long a request waits for SQLite's write lock (a refresh or an upload holding it) before the API
    # answers 503 with Retry-After instead.
    db_busy_timeout_s: float = 10.0
    # The analysts' pages: the key signing session cookies (created on first use, mode 600, shared by the
    # workers), how long a login lasts, and whether cookies need https (set behind a TLS proxy).
    session_secret_file: Path = PROJECT_ROOT / "var" / "session.secret"
    session_hours: float = 8.0
    https_only: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
