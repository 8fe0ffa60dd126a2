"""CLI of the PAINS area: `painmap pains FILE --text-col COL --out OUT` (issue #5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

OUT_KINDS = (".json", ".xlsx", ".csv")


def _column(columns: list[str], wanted: str | None, option: str) -> str | None:
    """The file's own spelling of a column named on the command line, by the one matching rule of the
    table readers (`service.tables.base.resolve_columns`: exact, then case, spaces and ё ignored; two
    matching columns refused)."""
    if wanted is None:
        return None
    from service.tables.base import InputError, resolve_columns

    try:
        rename = resolve_columns("файл", columns, [wanted])
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc
    return next(iter(rename), wanted)


def _pains_table(report_dict: dict[str, Any]):  # noqa: ANN202 (pandas imported lazily)
    import pandas as pd

    rows = []
    for pain in report_dict["pains"]:
        rows.append(
            {
                "ID": pain["id"],
                "Боль": pain["label"],
                "Ключевые слова": ", ".join(pain["keywords"]),
                "Обращений": pain["size"],
                "Доля": round(pain["prevalence"], 4),
                "ДИ 95 % от": round(pain["ci_low"], 4),
                "ДИ 95 % до": round(pain["ci_high"], 4),
                "Процессы": "; ".join(f"{p['name']} ({p['items']})" for p in pain["processes"]),
                "Динамика": pain["lineage"],
                "Цитаты": "\n".join(f"«{q}»" for q in pain["quotes"]),
            }
        )
    return pd.DataFrame(rows)


def pains(
    file: Path = typer.Argument(..., help="Таблица обращений или ответов (CSV/XLSX/Parquet/JSON)"),
    text_col: str = typer.Option(..., "--text-col", help="Столбец с текстом"),
    id_col: str | None = typer.Option(None, "--id-col", help="Столбец идентификатора (иначе номер строки)"),
    period_col: str | None = typer.Option(
        None, "--period-col", help="Столбец периода: боли ищутся по периодам и сопоставляются между ними"
    ),
    by: list[str] = typer.Option([], "--by", help="Разрез по процессу/теме (столбец), можно несколько"),
    channel_col: str | None = typer.Option(None, "--channel-col", help="Столбец канала поступления"),
    cluster_by: str | None = typer.Option(
        None,
        "--cluster-by",
        help="Искать боли отдельно внутри каждого значения столбца (процесс или тема, предсказанная "
        "классификатором командой `painmap score`): боль не смешивает группы",
    ),
    out: Path = typer.Option(..., "--out", help="Файл результата: .json, .xlsx (форма «Карты болей»), .csv"),
    unit: str = typer.Option(
        "auto",
        "--unit",
        help="fragment — боли ищутся по фразам (ответ может назвать несколько проблем); text — каждый текст "
        "целиком (обращение об одной проблеме с подробностями); auto — text, если типичный текст длиннее "
        "200 знаков",
    ),
    seed: int = typer.Option(0, help="Зерно случайности кластеризации"),
) -> None:
    """Находит повторяющиеся боли, их распространённость (95 % ДИ) и предлагает строки «Карты болей»."""
    import json

    import pandas as pd

    from models.pain_periods import find_period_pains
    from models.painmap import painmap_frame
    from models.pains import PainFinder
    from service.store.embedding_cache import default_embedder
    from service.tables.io import InputError, read_table, write_table

    if unit not in ("auto", "fragment", "text"):
        raise typer.BadParameter("допустимо auto, fragment или text", param_hint="--unit")
    suffix = out.suffix.lower()
    if suffix not in OUT_KINDS:
        raise typer.BadParameter(
            f"{out}: расширение должно быть одним из {', '.join(OUT_KINDS)}", param_hint="--out"
        )
    try:
        table = read_table(file, text_col=text_col)
    except InputError as exc:
        typer.secho(f"Ошибка чтения: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    columns = [str(c) for c in table.columns]
    text = _column(columns, text_col, "--text-col")
    ident = _column(columns, id_col, "--id-col")
    period = _column(columns, period_col, "--period-col")
    cluster = _column(columns, cluster_by, "--cluster-by")
    groups = tuple(_column(columns, b, "--by") for b in by) or tuple(
        c for c in columns if c.lower() in ("process", "topic")
    )
    channel = _column(columns, channel_col, "--channel-col") or next(
        (c for c in columns if c.lower() == "channel"), None
    )
    if ident is None:
        table = table.reset_index(drop=True)  # item ids are then the file's row numbers, 0-based
    if not any(c.lower() == "kind" for c in columns):
        from service.store.item_rows import kind_for_text_column

        # As an upload of this file would store them, so the CLI and the API cluster the same unit.
        table = table.assign(kind=kind_for_text_column(text))

    try:
        run = find_period_pains(
            table,
            text_col=text,
            id_col=ident or None,
            period_col=period,
            cluster_by=cluster,
            group_cols=groups,
            channel_col=channel,
            finder=PainFinder(random_state=seed, unit=unit, embedder=default_embedder()),
            on_period=lambda value, n: typer.echo(
                f"Период {value}: {n} записей…" if value is not None else f"Записей: {n}…"
            ),
        )
    except ValueError as exc:
        typer.secho(f"Ошибка: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    result = run.to_dict()
    if suffix == ".json":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    elif suffix == ".xlsx":
        write_table(painmap_frame(result["suggestions"]), out)
    else:
        write_table(_pains_table(result) if result["pains"] else pd.DataFrame(), out)
    noise = len(result["noise_item_ids"])
    typer.echo(f"Болей: {len(result['pains'])}; в шуме: {noise} из {result['n_items']}; записано: {out}")


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the main app."""
    app.command("pains")(pains)
