"""CLI of the REPORTS area: `painmap report` (quarterly XLSX + HTML) and `painmap survey import`."""

from __future__ import annotations

from pathlib import Path

import typer

survey_app = typer.Typer(
    help="Импорт анкет опросов (приложения 1 и 2 к порядку сбора обратной связи).", no_args_is_help=True
)


def _read_any(path: Path):  # noqa: ANN202 (pandas imported lazily)
    """The table at `path`, read by the one table reader (encoding, delimiter and header sniffed once)."""
    from service.tables.io import read_table

    return read_table(path)


def report(
    quarter: str = typer.Option(..., "--quarter", "-q", help="Квартал вида 2021Q1"),
    spb: Path | None = typer.Option(None, "--spb", help="Папка с данными «Наш Санкт-Петербург»"),
    data: Path | None = typer.Option(None, "--data", help="Файл единиц обратной связи (CSV/XLSX/Parquet)"),
    survey: list[Path] = typer.Option([], "--survey", help="Выгрузка опроса (XLSX/CSV); пара к --mapping"),
    mapping: list[Path] = typer.Option([], "--mapping", help="YAML-сопоставление столбцов для --survey"),
    text_col: str = typer.Option("text", help="Столбец текста в --data"),
    created_col: str = typer.Option("created_at", help="Столбец даты поступления в --data"),
    answered_col: str = typer.Option("answered_at", help="Столбец даты ответа в --data"),
    topic_col: str = typer.Option("topic", help="Столбец темы в --data"),
    channel_col: str = typer.Option("channel", help="Столбец канала в --data"),
    pains_file: Path | None = typer.Option(None, "--pains", help="JSON болей (вывод `painmap pains`)"),
    find_pains: bool = typer.Option(False, "--find-pains", help="Искать боли моделью models.pains"),
    topic_rollup: Path | None = typer.Option(
        None,
        "--topic-rollup",
        help="YAML «процесс → тема» для ответов без темы (напр. data/taxonomy/sample_topics.yaml)",
    ),
    deadline_days: float = typer.Option(30, help="Срок ответа, дней"),
    top: int = typer.Option(10, help="Сколько тем и болей показывать"),
    out: Path = typer.Option(Path("var/reports"), "--out", help="Папка для XLSX и HTML"),
    json_out: bool = typer.Option(False, "--json", help="Также записать отчёт в JSON"),
) -> None:
    """Квартальный анализ обратной связи с прошлым кварталом рядом: XLSX (показатели, каналы, темы,
    боли, карта болей) и HTML с диаграммами. Без --spb/--data/--survey данные берутся из базы."""
    import json

    import pandas as pd

    from service.reports.quarterly import load_topic_rollup, parse_quarter, quarterly_report
    from service.reports.render import write_html, write_xlsx

    try:
        period = parse_quarter(quarter)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--quarter") from exc
    if len(survey) != len(mapping):
        raise typer.BadParameter(
            "каждому --survey нужен свой --mapping (в том же порядке)", param_hint="--mapping"
        )
    renames = {
        text_col: "text",
        created_col: "created_at",
        answered_col: "answered_at",
        topic_col: "topic",
        channel_col: "channel",
    }
    frames = _items_from_files(spb, data, renames, survey, mapping)
    pains = json.loads(pains_file.read_text(encoding="utf-8")) if pains_file else None
    if frames:
        items = pd.concat(frames, ignore_index=True)
    else:
        items, pains = _items_from_database(period, pains)
    rollup = load_topic_rollup(topic_rollup) if topic_rollup else None
    try:
        result = quarterly_report(
            items,
            str(period),
            deadline_days=deadline_days,
            pains=pains,
            top=top,
            detect_pains=find_pains,
            topic_from_process=rollup,
        )
    except ValueError as exc:  # bad dates or a missing date column, named by column and row
        typer.secho(f"Отчёт не построен: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    out.mkdir(parents=True, exist_ok=True)
    xlsx = write_xlsx(result, out / f"report_{period}.xlsx")
    page = write_html(result, out / f"report_{period}.html")
    typer.echo(f"Отчёт за {period}: {xlsx}, {page}")
    if json_out:
        path = out / f"report_{period}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        typer.echo(f"JSON: {path}")
    cur = result["current"]
    typer.echo(
        f"Негативной обратной связи: {cur['negative']['count']} из {cur['items']}; "
        f"удовлетворены: {cur['satisfied']['count']}; неудовлетворены: {cur['unsatisfied']['count']}"
    )


def _items_from_files(spb, data, renames: dict[str, str], survey: list[Path], mapping: list[Path]) -> list:
    """The report's items from --spb, --data (columns renamed to the items schema) and each --survey."""
    from service.reports.quarterly import load_spb_items, normalize_items

    frames = []
    if spb:
        frames.append(load_spb_items(spb))
    if data:
        frame = _read_any(data)
        required = [k for k, v in renames.items() if v in ("text", "created_at")]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise typer.BadParameter(f"{data}: нет столбцов {', '.join(missing)}", param_hint="--data")
        frame = frame.rename(columns={k: v for k, v in renames.items() if k != v})
        frame.index = range(2, len(frame) + 2)  # file lines (header = line 1) for error messages
        try:
            normalize_items(frame)
        except ValueError as exc:
            raise typer.BadParameter(f"{data}: {exc}", param_hint="--data") from exc
        frames.append(frame)
    if survey:
        from service.reports.survey import SurveyError, import_survey

        for path, yaml_path in zip(survey, mapping, strict=True):
            try:
                frames.append(import_survey(path, yaml_path))
            except SurveyError as exc:
                typer.secho(f"Ошибка импорта опроса: {exc}", fg="red", err=True)
                raise typer.Exit(2) from exc
    return frames


def _items_from_database(period, pains):  # noqa: ANN202 (pandas imported lazily)
    """The stored items of the quarter and the one before, and the quarter's stored pains (unless given)."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.config import get_settings
    from service.db.session import session_scope
    from service.reports.queries import items_frame, stored_pain_report

    try:
        with session_scope() as session:
            items = items_frame(session, [str(period), str(period - 1)])
            pains = pains or stored_pain_report(session, str(period))
    except SQLAlchemyError as exc:
        typer.secho(
            f"База {get_settings().database_url} не прочитана ({type(exc).__name__}): выполните "
            "`painmap db upgrade` и загрузите данные, или укажите --spb/--data/--survey.",
            fg="red",
            err=True,
        )
        raise typer.Exit(2) from exc
    if items.empty:
        message = f"В базе нет записей за {period} и {period - 1}: отчёт будет пустым."
        typer.secho(message, fg="yellow", err=True)
    return items, pains


@survey_app.command("import")
def survey_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Выгрузка опроса (XLSX/CSV)"),
    mapping: Path = typer.Option(..., "--mapping", exists=True, dir_okay=False, help="YAML-сопоставление"),
    sheet: str | None = typer.Option(None, help="Лист XLSX (по умолчанию из сопоставления или первый)"),
    out: Path = typer.Option(..., "--out", help="Куда записать единицы обратной связи (.csv/.xlsx/.parquet)"),
) -> None:
    """Превращает ответы анкеты в единицы обратной связи (kind survey_answer) без данных о личности."""
    from service.reports.survey import SurveyError, import_survey

    try:
        items = import_survey(file, mapping, sheet=sheet)
    except SurveyError as exc:
        typer.secho(f"Ошибка импорта опроса: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    from service.tables.io import write_table

    write_table(items, out)
    respondents = items["respondent"].nunique()
    typer.echo(f"Импортировано: {len(items)} ответов от {respondents} респондентов → {out}")


def register(app: typer.Typer) -> None:
    """Attach `report` and `survey import` to the main app."""
    app.command("report")(report)
    app.add_typer(survey_app, name="survey")
