"""`painmap serve`, `painmap keys create|revoke`, `painmap db upgrade`."""

from __future__ import annotations

import os

import typer

keys_app = typer.Typer(help="Ключи API (хранятся только их sha256).", no_args_is_help=True)
db_app = typer.Typer(help="База данных: миграции.", no_args_is_help=True)


def serve(
    host: str = typer.Option(None, help="Адрес (по умолчанию PAINMAP_HOST или 127.0.0.1)"),
    port: int = typer.Option(None, help="Порт (по умолчанию PAINMAP_PORT или 8000)"),
    workers: int = typer.Option(1, min=1, max=64, help="Число процессов uvicorn"),
    migrate: bool = typer.Option(True, help="Применить миграции перед стартом"),
) -> None:
    """Запускает API. База — DATABASE_URL (по умолчанию SQLite в var/painmap.db)."""
    import uvicorn

    from service.config import get_settings
    from service.db.session import upgrade_db
    from service.jobs import fail_interrupted_jobs
    from service.memory import limit_malloc_arenas

    settings = get_settings()
    if migrate:
        upgrade_db(settings.database_url)
    fail_interrupted_jobs(settings.database_url)  # here, once, before any worker runs a job
    limit_malloc_arenas()
    if workers > 1:  # the workers end with this supervisor (service.orphans), even after a kill -9
        from service.orphans import SUPERVISOR_ENV

        os.environ[SUPERVISOR_ENV] = str(os.getpid())
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., help="reader | analyst | admin"),
    name: str = typer.Option(None, help="Кому выдан ключ (пишется в историю изменений)"),
) -> None:
    """Создаёт ключ и печатает его один раз: в базе остаётся только хэш."""
    from service.auth import create_key
    from service.config import get_settings
    from service.db.session import session_scope, upgrade_db

    settings = get_settings()
    upgrade_db(settings.database_url)
    try:
        with session_scope(settings.database_url) as session:
            key = create_key(session, role, name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--role") from exc
    typer.echo(key)


@keys_app.command("revoke")
def keys_revoke(prefix: str = typer.Argument(..., help="Первые 10 символов ключа")) -> None:
    """Отзывает ключ по его началу."""
    from service.auth import revoke_key
    from service.config import get_settings
    from service.db.session import session_scope

    with session_scope(get_settings().database_url) as session:
        count = revoke_key(session, prefix)
    if not count:
        typer.echo(f"ключ с началом {prefix!r} не найден", err=True)
        raise typer.Exit(1)
    typer.echo(f"отозвано ключей: {count}")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Option("head", help="Ревизия Alembic")) -> None:
    """Применяет миграции к базе DATABASE_URL."""
    from service.config import get_settings
    from service.db.session import upgrade_db

    url = get_settings().database_url
    upgrade_db(url, revision)
    typer.echo(f"база обновлена до {revision}: {url.split('@')[-1]}")


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the main app."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
    app.add_typer(db_app, name="db")
