"""Real servers for the integration suite: `painmap serve` in a subprocess on a free loopback port, against
a temporary SQLite file or a throwaway PostgreSQL cluster, with a model trained on the sample appeals.

PostgreSQL: PAINMAP_TEST_POSTGRES_URL (or a postgresql DATABASE_URL) is used when set — a fresh database is
created in it and dropped afterwards; otherwise Debian's initdb/pg_ctl start a cluster in a temp directory
(as the `postgres` user when we run as root, since PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"


def wait_job(client: httpx.Client, job_id, timeout: float = 120) -> dict:
    """Poll GET /v1/jobs/{id} until the job is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"задача {job_id} не завершилась за {timeout} с")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `painmap serve` and keys of each role."""

    url: str
    database_url: str
    model_dir: Path
    keys: dict[str, str]
    backend: str
    log: Path | None = None  # the server's stdout+stderr (tracebacks of 5xx answers)
    pid: int | None = None  # the server process (fault tests kill it)

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log else 0

    def log_since(self, offset: int) -> str:
        """What the server logged after `offset` (from log_size()), e.g. the traceback of a 500."""
        if self.log is None:
            return ""
        with self.log.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def client(self, role: str | None = None, **kwargs) -> httpx.Client:
        headers = {"X-API-Key": self.keys[role]} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)


# -- PostgreSQL ----------------------------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A URL of an empty PostgreSQL database for this test session."""
    given = os.environ.get("PAINMAP_TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgresql", "postgres:")):
        yield from _database_in(given)
        return
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "нет PostgreSQL: /usr/lib/postgresql/*/bin/initdb не найден (make system-deps ставит пакет)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("запуск от root, а пользователя postgres нет — initdb не запустить")
    root = Path(tempfile.mkdtemp(prefix="painmap-pg-"))
    data = root / "data"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "painmap",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-instructions",
            ]
        ),
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://painmap@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _database_in(admin_url: str) -> Iterator[str]:
    import psycopg

    from service.db.session import normalize_url

    name = f"painmap_test_{uuid.uuid4().hex[:10]}"
    plain = normalize_url(admin_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = plain.rpartition("/")
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- model and server ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with a champion trained on the sample appeals (heads topic, process), or the registry
    named by PAINMAP_TEST_MODEL_DIR (to reuse one across runs)."""
    from models.registry import ModelRegistry
    from service.modelling import training as td

    if os.environ.get("PAINMAP_TEST_MODEL_DIR"):
        return Path(os.environ["PAINMAP_TEST_MODEL_DIR"])
    root = tmp_path_factory.mktemp("models")
    registry = ModelRegistry(root)
    spec = td.DataSpec(
        files=[str(SAMPLES / "appeals.csv")], text_col="text", heads={"topic": "topic", "process": "process"}
    )
    model_id, _, _ = td.train_and_save(registry, spec, td.load(spec))
    registry.promote(model_id)
    return root


def start_server(
    database_url: str, model_dir: Path, backend: str, extra_env: dict | None = None,
    ready_path: str = "/readyz",
) -> Iterator[Server]:
    from service.auth import create_key
    from service.db.session import session_scope, upgrade_db

    upgrade_db(database_url)
    with session_scope(database_url) as session:
        keys = {
            role: create_key(session, role, name=f"test-{role}") for role in ("reader", "analyst", "admin")
        }
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PAINMAP_MODEL_DIR": str(model_dir),
        "PAINMAP_MAX_BODY_BYTES": str(2 * 1024 * 1024),
        **(extra_env or {}),
    }
    with tempfile.TemporaryDirectory(prefix="painmap-serve-") as logdir:
        log_path = Path(logdir) / "server.log"
        log = log_path.open("w+b")
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline, last = time.monotonic() + 60, ""
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(
                        f"painmap serve завершился с кодом {proc.returncode}:\n{log.read().decode()}"
                    )
                try:
                    ready = httpx.get(f"{url}{ready_path}", timeout=2)
                    if ready.status_code == 200:
                        break
                    last = ready.text
                except httpx.TransportError as exc:
                    last = repr(exc)
                if time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"сервер не готов за 60 с ({last}):\n{log.read().decode()}")
                time.sleep(0.2)
            yield Server(url, database_url, model_dir, keys, backend, log_path, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The API on SQLite and on PostgreSQL (each test using it runs on both)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'painmap.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    yield from start_server(url, model_dir, request.param)


@pytest.fixture(scope="session")
def sqlite_server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The API on SQLite only (for the slow fuzzing run)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzzdb') / 'painmap.db'}"
    yield from start_server(url, model_dir, "sqlite")


@pytest.fixture(scope="session")
def raw_server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A server that keeps raw texts (PAINMAP_STORE_RAW=true), on SQLite."""
    url = f"sqlite:///{tmp_path_factory.mktemp('rawdb') / 'painmap.db'}"
    yield from start_server(url, model_dir, "sqlite", extra_env={"PAINMAP_STORE_RAW": "true"})


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def impatient_server(
    request: pytest.FixtureRequest, model_dir: Path, tmp_path_factory: pytest.TempPathFactory
):
    """A 1 s busy (SQLite) or lock (PostgreSQL) timeout: a held write lock turns into 503 quickly."""
    env = {"PAINMAP_DB_BUSY_TIMEOUT_S": "1"}
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('busydb') / 'painmap.db'}"
        yield from start_server(url, model_dir, "sqlite", extra_env=env)
        return
    for url in _database_in(request.getfixturevalue("postgres_url")):  # a database of its own
        yield from start_server(url, model_dir, "postgres", extra_env=env)
