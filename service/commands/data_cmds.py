"""`painmap load`: import a table of appeals or survey answers into the database as items."""

from __future__ import annotations

from pathlib import Path

import typer


def load(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV/XLSX/Parquet/JSON с записями"),
    source: str = typer.Option(
        None, help="Источник (по умолчанию имя файла); external_id уникален в источнике"
    ),
    kind: str = typer.Option(None, help="appeal | survey_answer | review (по умолчанию по колонкам)"),
    classify: bool = typer.Option(True, help="Классифицировать моделью-чемпионом"),
    text_col: str | None = typer.Option(None, "--text-col", help="Столбец текста (иначе text/текст/…)"),
    id_col: str | None = typer.Option(None, "--id-col", help="Столбец идентификатора записи"),
    date_col: str | None = typer.Option(None, "--date-col", help="Столбец даты поступления"),
    channel_col: str | None = typer.Option(None, "--channel-col", help="Столбец канала"),
) -> None:
    """Загружает записи (идемпотентно: уже известные external_id пропускаются)."""
    from service.config import get_settings
    from service.db.session import session_scope, upgrade_db
    from service.modelling.serving import ModelHolder
    from service.store.item_rows import frame_to_items
    from service.store.items import ingest_file_items
    from service.tables.io import InputError, read_table

    settings = get_settings()
    upgrade_db(settings.database_url)
    try:
        chosen = {"text": text_col, "id": id_col, "date": date_col, "channel": channel_col}
        frame = read_table(path)
        items = list(
            frame_to_items(frame, source=source or path.name, kind=kind, where=str(path), chosen=chosen)
        )
    except (InputError, ValueError) as exc:
        typer.echo(f"ошибка: {exc}", err=True)
        raise typer.Exit(2) from exc
    holder = ModelHolder(settings.model_dir)
    model = holder.load() if classify else None
    if classify and model is None:
        typer.echo(f"предупреждение: записи не классифицированы — {holder.problem}", err=True)
    with session_scope(settings.database_url) as session:
        # One transaction: the file is stored whole or not at all (an interrupted load leaves nothing).
        result = ingest_file_items(session, items, model, store_raw=settings.store_raw)
    typer.echo(f"{path}: новых записей {result['created']}, уже были {result['existing']}")


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the main app."""
    app.command("load")(load)
