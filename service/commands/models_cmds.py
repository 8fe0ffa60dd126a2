"""Model commands: train, evaluate, score, retrain, and `models list|promote|rollback`.

Heavy imports stay inside the commands so that `painmap --help` starts fast. Every command takes the registry
root as `--model-dir`; errors are printed in Russian with the file/row/column at fault and exit with code 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from service.modelling import console
from service.modelling import training as td

F = TypeVar("F", bound=Callable[..., Any])

models_app = typer.Typer(help="Реестр моделей: список, продвижение в чемпионы, откат.", no_args_is_help=True)

DataOpt = typer.Option(..., "--data", help="Файл с размеченными текстами (CSV/XLSX/CSV.GZ); можно несколько.")
TextColOpt = typer.Option(..., "--text-col", help="Колонка с текстом.")
HeadOpt = typer.Option(
    ..., "--head", help="Голова классификатора NAME=COL (колонка с метками); можно несколько."
)
ModelDirOpt = typer.Option(..., "--model-dir", help="Каталог реестра моделей.")
TimeColOpt = typer.Option(None, "--time-col", help="Колонка даты (для фильтров --since/--until и retrain).")
SplitColOpt = typer.Option(None, "--split-col", help="Колонка разбиения (например split).")
TrainValuesOpt = typer.Option(
    None, "--train-values", help="Значения --split-col для обучения, через запятую."
)
SinceOpt = typer.Option(None, "--since", help="Брать строки с датой ≥ этой (YYYY-MM-DD).")
UntilOpt = typer.Option(None, "--until", help="Брать строки с датой < этой (YYYY-MM-DD).")
HierarchyOpt = typer.Option(
    None,
    "--hierarchy",
    help="Головы от общей к частной через запятую (category,reason): согласованные ответы. "
    "Без опции вложенная пара голов находится по меткам сама.",
)
MetaColOpt = typer.Option(
    None,
    "--meta-col",
    help="Столбец метаданных, который пишется перед текстом («<объект>. <район>. <текст>»); можно "
    "несколько, порядок важен. Модель запоминает столбцы, score берёт их из файла.",
)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"Ошибка: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Imported only once an error is raised: a command must not pay for scikit-learn just to catch one."""
    from models.classify import LabelError
    from models.model_input import MetaColumnsError
    from models.registry import BundleError
    from models.taxonomy import TaxonomyError, UnknownLabelError
    from service.scoring.batch import ScoringError
    from service.tables.io import InputError

    return (BundleError, InputError, ScoringError, td.TrainingDataError, LabelError, MetaColumnsError,
            UnknownLabelError, TaxonomyError)


def _clear_errors(func: F) -> F:
    """Turn the project's expected errors into a one-line Russian message and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if not isinstance(exc, _expected_errors()):
                raise
            raise _fail(str(exc)) from None

    return wrapper  # type: ignore[return-value]


@_clear_errors
def train(
    data: list[Path] = DataOpt,
    text_col: str = TextColOpt,
    head: list[str] = HeadOpt,
    model_dir: Path = ModelDirOpt,
    time_col: str | None = TimeColOpt,
    split_col: str | None = SplitColOpt,
    train_values: str | None = TrainValuesOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    hierarchy: str | None = HierarchyOpt,
    meta_col: list[str] | None = MetaColOpt,
    eval_values: str | None = typer.Option(
        None, "--eval-values", help="Значения --split-col для оценки (метрики попадут в карточку)."
    ),
    promote: bool = typer.Option(False, "--promote", help="Сделать новую модель чемпионом в любом случае."),
    min_examples: int = typer.Option(
        3, "--min-examples", min=1,  # models.rare_labels.MIN_EXAMPLES (not imported: --help stays fast)
        help="Метка, у которой меньше примеров, не выучивается: её тексты идут на проверку (1 — учить все).",
    ),
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy",
        help="YAML «голова: [метка, …]»: метки голов проверяются по нему строго. Без него проверяются только "
        "головы, чьи метки в основном есть в data/taxonomy; остальные учатся на найденных метках.",
    ),
    semantic: bool = typer.Option(
        False, "--semantic",
        help="Режим качества: к признакам добавляются векторы e5 (смысл, а не только слова), а близкие по "
        "смыслу обучающие тексты голосуют за свои метки. Точнее на малых данных, но разметка — десятки "
        "текстов в секунду вместо тысяч, а бандл больше (768 байт на обучающий текст).",
    ),
) -> None:
    """Обучает классификатор, сохраняет бандл в реестре; первая модель становится чемпионом."""
    from models.registry import ModelRegistry

    spec = td.DataSpec(
        files=[str(p) for p in data],
        text_col=text_col,
        heads=td.parse_heads(head),
        time_col=time_col,
        split_col=split_col,
        split_values=td.split_list(train_values),
        since=since,
        until=until,
        hierarchy=td.split_list(hierarchy),
        meta_cols=list(meta_col) if meta_col else None,
        min_examples=min_examples,
        taxonomy=str(taxonomy) if taxonomy else None,
        semantic=semantic,
    )
    typer.echo(f"Чтение {', '.join(map(str, data))}…")
    frame = td.load(spec)
    if skipped := frame.attrs.get("skipped_rows"):
        typer.echo(f"Строк без текста или без метки: {skipped} — в обучение не идут.")
    evaluation = None
    if eval_values:
        eval_spec = td.DataSpec(**{**spec.__dict__, "split_values": td.split_list(eval_values)})
        evaluation = td.load(eval_spec)
    registry = ModelRegistry(model_dir)
    with console.training_progress() as progress:
        model_id, metrics, seconds = td.train_and_save(registry, spec, frame, evaluation, progress=progress)
    card = registry.load(model_id, lazy=True).card
    became_champion = promote or registry.champion_id() is None
    if became_champion:
        registry.promote(model_id)
    typer.echo(
        f"Модель {model_id} обучена за {seconds:.1f} с на {len(frame)} строках; "
        f"головы: {', '.join(spec.heads)}; реестр: {model_dir}"
        + (f"; метаданные перед текстом: {', '.join(spec.meta_cols)}" if spec.meta_cols else "")
        + ("; назначена чемпионом" if became_champion else "")
    )
    if card.get("holdout_metrics"):
        console.print_metrics({"отложенные": card["holdout_metrics"]})
    if metrics:
        console.print_metrics({"модель": metrics})
        console.print_unseen(metrics)
    console.print_unlearned(card.get("unlearned_labels") or {}, min_examples)
    if not semantic and len(frame) < td.SMALL_TRAINING_ROWS:
        typer.echo(f"Совет: на {len(frame)} строках режим качества (--semantic) обычно точнее на 1–2 п.п.; "
                   "разметка в нём медленнее — десятки текстов в секунду вместо тысяч.")


@_clear_errors
def evaluate(
    data: list[Path] = DataOpt,
    text_col: str = TextColOpt,
    head: list[str] = HeadOpt,
    model_dir: Path = ModelDirOpt,
    model: str | None = typer.Option(None, "--model", help="Id модели (по умолчанию чемпион)."),
    split_col: str | None = SplitColOpt,
    values: str | None = typer.Option(None, "--values", help="Значения --split-col для оценки."),
    time_col: str | None = TimeColOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    out: Path | None = typer.Option(None, "--out", help="Отчёт: report.md или report.json."),
    meta_col: list[str] | None = typer.Option(
        None,
        "--meta-col",
        help="Столбцы метаданных модели в этом файле, если названы иначе (по умолчанию — из карточки).",
    ),
    train_data: list[Path] | None = typer.Option(
        None,
        "--train-data",
        help="Обучающие файлы (столбец --text-col): отчёт --out покажет оценку и без текстов, "
        "дословно встречающихся в обучении.",
    ),
) -> None:
    """Оценивает модель на размеченных данных: macro-F1, accuracy, покрытие (не ушедшие на проверку)."""
    if train_data and not out:
        raise typer.BadParameter("--train-data нужен только вместе с --out (разбивка пишется в отчёт)")
    from models.model_input import resolve_meta_cols
    from models.registry import ModelRegistry

    loaded = ModelRegistry(model_dir).load(model)
    meta_cols = resolve_meta_cols(loaded.card, meta_col)
    spec = td.DataSpec(
        files=[str(p) for p in data],
        text_col=text_col,
        heads=td.parse_heads(head),
        time_col=time_col,
        split_col=split_col,
        split_values=td.split_list(values),
        since=since,
        until=until,
        meta_cols=meta_cols or None,
    )
    known = list(loaded.card.get("heads") or getattr(loaded.estimator, "heads_", []))
    if unknown := [h for h in spec.heads if known and h not in known]:
        raise td.TrainingDataError(
            f"модель {loaded.model_id} не знает голов {', '.join(map(repr, unknown))}: её головы — "
            f"{', '.join(known)}; укажите --head ГОЛОВА=КОЛОНКА с одной из них")
    frame = td.load(spec)
    heads = list(spec.heads)
    table = loaded.estimator.predict_table(frame[td.TEXT].tolist())  # once, for the console and the report
    metrics = td.head_metrics(loaded.estimator, frame, heads, table)
    console.print_metrics({loaded.model_id: metrics})
    console.print_unseen(metrics)
    if out:
        train_texts = td.read_texts(train_data, text_col) if train_data else None
        written = td.write_evaluation(loaded.estimator, frame, heads, out, train_texts, table)
        typer.echo(f"Отчёт записан: {', '.join(map(str, written))}")


@_clear_errors
def score(
    file: Path = typer.Argument(..., help="Входной файл (CSV/XLSX/CSV.GZ/Parquet)."),
    text_col: str = TextColOpt,
    model_dir: Path = ModelDirOpt,
    out: Path = typer.Option(..., "--out", help="Результат: .csv, .xlsx, .parquet или .json."),
    model: str | None = typer.Option(None, "--model", help="Id модели (по умолчанию чемпион)."),
    chunksize: int = typer.Option(
        5_000, "--chunksize", min=1, help="Строк в одной порции (больше — больше памяти на процесс)."
    ),
    engine: str = typer.Option("local", "--engine", help="local или dask."),
    workers: int = typer.Option(
        2, "--workers", min=1, help="Число процессов: local — пул процессов этой машины, dask — воркеры."
    ),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Адрес планировщика Dask (tcp://…)."),
    meta_col: list[str] | None = typer.Option(
        None,
        "--meta-col",
        help="Столбцы файла для метаданных модели, если названы иначе, чем при обучении (в том же порядке; "
        "по умолчанию — названия из карточки модели).",
    ),
) -> None:
    """Размечает файл порциями; после прерывания повторный запуск продолжает с места остановки."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from models.model_input import resolve_meta_cols
    from models.registry import ModelRegistry
    from service.scoring.batch import score_file

    # lazy: Dask workers on this machine load the bundle themselves; the estimator is unpickled here only
    # when this process scores (or forks the scoring processes)
    loaded = ModelRegistry(model_dir).load(model, lazy=True)
    meta_cols = resolve_meta_cols(loaded.card, meta_col)
    for warning in loaded.warnings:
        typer.secho(f"Предупреждение: {warning}", fg=typer.colors.YELLOW, err=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} строк"),
        TimeElapsedColumn(),
    )
    # No refresh thread: the local engine forks workers, and a fork must not copy a held console lock.
    with Progress(*columns, transient=True, auto_refresh=False) as progress:
        task = progress.add_task(f"Разметка {file.name}", total=None)
        result = score_file(
            file,
            out,
            loaded,
            text_col=text_col,
            chunksize=chunksize,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            progress=lambda n: progress.update(task, advance=n, refresh=True),
            meta_cols=meta_cols,
        )
    rate = result.rows / result.seconds if result.seconds else 0.0
    resumed = f", продолжено с {result.resumed_chunks} готовых порций" if result.resumed_chunks else ""
    typer.echo(
        f"Размечено {result.rows} строк моделью {loaded.model_id} за {result.seconds:.1f} с "
        f"({rate:,.0f} строк/с){resumed} → {result.out}"
    )


@_clear_errors
def retrain(
    new: list[Path] = typer.Option(..., "--new", help="Новый размеченный квартал (можно несколько файлов)."),
    model_dir: Path = ModelDirOpt,
    data: list[Path] | None = typer.Option(None, "--data", help="Прежние данные (по умолчанию из карточки)."),
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    eval_fraction: float = typer.Option(
        0.3, "--eval-fraction", min=0.05, max=0.9, help="Доля самых новых строк квартала для сравнения."
    ),
    max_drop: float = typer.Option(0.5, "--max-drop", help="Допустимое падение macro-F1, п.п."),
    force: bool = typer.Option(False, "--force", help="Продвинуть претендента независимо от сравнения."),
) -> None:
    """Дообучает на новом квартале; претендент продвигается, если macro-F1 хуже не более чем на 0,5 п.п.

    Самые новые строки квартала (--eval-fraction, по дате) откладываются: на них сравниваются чемпион и
    претендент, и претендент их не видит при обучении.
    """
    from models.registry import ModelRegistry
    from service.modelling.retraining import retrain as retrain_workflow

    outcome = retrain_workflow(
        ModelRegistry(model_dir),
        list(new),
        data_files=list(data) if data else None,
        since=since,
        until=until,
        eval_fraction=eval_fraction,
        max_drop=max_drop,
        force=force,
        say=typer.echo,
    )
    console.print_comparison(outcome.comparison, outcome.champion_id, outcome.model_id)
    if outcome.promoted:
        seconds = f"обучен за {outcome.seconds:.1f} с"
        typer.echo(f"Претендент {outcome.model_id} ({seconds}) стал чемпионом: {outcome.reason}.")
    else:
        typer.echo(f"Претендент {outcome.model_id} сохранён, {outcome.reason}. --force продвинет его.")


@models_app.command("list")
@_clear_errors
def list_models(model_dir: Path = ModelDirOpt) -> None:
    """Показывает модели реестра (новые сверху), чемпион отмечен звёздочкой."""
    from rich.console import Console
    from rich.table import Table

    from models.registry import ModelRegistry

    rows = ModelRegistry(model_dir).list()
    if not rows:
        typer.echo(f"В реестре {model_dir} нет моделей.")
        return
    table = Table("", "id", "создана", "строк", "головы", "macro-F1", "состояние")
    for row in rows:
        data = row.get("training_data", {})
        f1 = ", ".join(f"{h}={m.get('macro_f1', 0):.3f}" for h, m in row.get("metrics", {}).items())
        table.add_row(
            "*" if row["champion"] else "",
            row["id"],
            str(row.get("created", "")),
            str(data.get("rows", "")),
            ", ".join(row.get("heads", [])),
            f1,
            "ok" if row["ok"] else f"[red]{row['problem']}[/red]",
        )
    Console().print(table)


@models_app.command("promote")
@_clear_errors
def promote_model(
    model_id: str = typer.Argument(..., help="Id модели."), model_dir: Path = ModelDirOpt
) -> None:
    """Делает модель чемпионом (после проверки хешей бандла)."""
    from models.registry import ModelRegistry

    ModelRegistry(model_dir).promote(model_id)
    typer.echo(f"Чемпион: {model_id}")


@models_app.command("rollback")
@_clear_errors
def rollback_model(model_dir: Path = ModelDirOpt) -> None:
    """Возвращает предыдущего чемпиона."""
    from models.registry import ModelRegistry

    typer.echo(f"Чемпион снова: {ModelRegistry(model_dir).rollback()}")


def register(app: typer.Typer) -> None:
    """Attach the model commands to the main app."""
    for command in (train, evaluate, score, retrain):
        app.command()(command)
    app.add_typer(models_app, name="models")
