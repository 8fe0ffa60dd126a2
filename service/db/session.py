"""Engine, sessions and migrations for one database URL (SQLite by default, PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from service.config import get_settings

DB_DIR = Path(__file__).resolve().parent


def normalize_url(url: str) -> str:
    """Plain `postgresql://` URLs go through psycopg 3 (the driver we install), not psycopg2."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _on_sqlite_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    # WAL lets readers run while a job writes; the busy timeout makes concurrent workers wait, then fail
    # with «database is locked», which the API answers with 503 + Retry-After (service.api.errors).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(get_settings().db_busy_timeout_s * 1000)}")
    cursor.close()
    # SQLAlchemy emits BEGIN itself (`_on_sqlite_begin`): pysqlite's own implicit transactions start late and
    # let «RELEASE SAVEPOINT» commit, so an upload's first batch was kept after a crash (SQLAlchemy's
    # documented recipe for SAVEPOINT on pysqlite).
    dbapi_connection.isolation_level = None


def _on_sqlite_begin(connection) -> None:  # noqa: ANN001 (a SQLAlchemy Connection)
    mode = connection.get_execution_options().get("sqlite_begin", "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer. On SQLite a transaction that reads first and writes
    later fails at once with «database is locked» (no busy wait) when another connection wrote in between —
    under a pains refresh 25 of 1,318 single-item writes got a 503 so; BEGIN IMMEDIATE takes the write lock
    first, waiting up to the busy timeout. A transaction already under way is left as it is."""
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the life of the process."""
    url = normalize_url(url or get_settings().database_url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        timeout = get_settings().db_busy_timeout_s
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    # A statement that waits for a lock (a refresh or an upload holding rows) longer than the busy timeout
    # fails with «lock timeout», answered 503 + Retry-After as on SQLite, rather than hanging the request.
    timeout_ms = int(get_settings().db_busy_timeout_s * 1000)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=get_settings().db_busy_timeout_s,
        connect_args={"options": f"-c lock_timeout={timeout_ms}"},
    )


@lru_cache(maxsize=8)
def _session_factory(url: str | None) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def new_session(url: str | None = None) -> Session:
    return _session_factory(url)()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = new_session(url)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def request_session(request: Request) -> Iterator[Session]:
    """A session per HTTP request (the app's database), for the API's routers and the pages alike;
    committed by the route, rolled back if it raised."""
    session = new_session(request.app.state.settings.database_url)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None):  # noqa: ANN201 (alembic imported lazily)
    from alembic.config import Config

    cfg = Config(str(DB_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(DB_DIR / "migrations"))
    # ConfigParser treats % as interpolation; URLs with encoded passwords contain it.
    url = normalize_url(url or get_settings().database_url)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_db(url: str | None = None, revision: str = "head") -> None:
    """Apply Alembic migrations up to `revision` (idempotent)."""
    from alembic import command

    url = url or get_settings().database_url
    get_engine(url)  # creates the SQLite directory
    command.upgrade(alembic_config(url), revision)
