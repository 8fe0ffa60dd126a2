"""What the model commands print: metric tables, the comparison of a retrain, the labels a model could not
learn or never saw, and the progress of training (Rich)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def print_metrics(metrics_by_model: dict[str, dict[str, dict[str, float]]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("модель", "голова", "macro-F1", "accuracy", "покрытие", "точность покрытых", "строк")
    for name, metrics in metrics_by_model.items():
        for head, m in metrics.items():
            table.add_row(
                name,
                head,
                f"{m['macro_f1']:.3f}",
                f"{m['accuracy']:.3f}",
                f"{m['coverage']:.1%}" if "coverage" in m else "—",
                f"{m['precision_covered']:.3f}" if "precision_covered" in m else "—",
                str(m["rows"]),
            )
    Console().print(table)


def print_comparison(rows: list[dict[str, Any]], champion_id: str, challenger_id: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "голова",
        f"чемпион {champion_id}\nmacro-F1 / acc",
        f"претендент {challenger_id}\nmacro-F1 / acc",
        "Δ macro-F1, п.п.",
        title="Сравнение на самых новых данных квартала",
    )
    for row in rows:
        old, new = row["champion"], row["challenger"]
        colour = "green" if row["delta_pp"] >= 0 else "red"
        table.add_row(
            row["head"],
            f"{old['macro_f1']:.3f} / {old['accuracy']:.3f}",
            f"{new['macro_f1']:.3f} / {new['accuracy']:.3f}",
            f"[{colour}]{row['delta_pp']:+.2f}[/{colour}]",
        )
    Console().print(table)


def print_unlearned(unlearned: dict[str, list[str]], min_examples: int) -> None:
    """The labels too rare to learn (`models.rare_labels`), per head: they go to review, never guessed."""
    from models.rare_labels import RARE_LABEL

    for head, labels in unlearned.items():
        shown = ", ".join(f"«{label}»" for label in labels[:15]) + (" …" if len(labels) > 15 else "")
        print(f"Голова {head}: {len(labels)} меток с меньше чем {min_examples} примерами не выучены — такие "
              f"тексты получат «{RARE_LABEL}» и уйдут на проверку: {shown}")


def print_unseen(metrics: dict[str, dict[str, Any]]) -> None:
    """Labels of the evaluated data the model never learned (absent from training or too rare there)."""
    for head, m in metrics.items():
        labels = m.get("unseen_labels") or []
        if labels:
            shown = ", ".join(f"«{label}»" for label in labels[:15]) + (" …" if len(labels) > 15 else "")
            print(f"Голова {head}: {len(labels)} меток ({m['unseen_rows']} строк) модель не знает — их нет в "
                  f"обучении или там слишком мало примеров; эти строки всегда ошибка: {shown}")


@contextmanager
def training_progress() -> Iterator[Any]:
    """A `progress(stage, done, total)` callback drawing one Rich bar per training stage."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # No refresh thread: model fits run in worker processes; the bar is redrawn on each report.
    with Progress(*columns, auto_refresh=False) as bars:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total, refresh=True)

        yield report
