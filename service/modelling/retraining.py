"""The one retraining workflow: `painmap retrain` and `POST /v1/retrain` both call `retrain`.

    >>> outcome = retrain(ModelRegistry("var/models"), ["2025Q4.csv"], since="2025-10-01")
    >>> outcome.promoted, outcome.reason, outcome.comparison[0]["delta_pp"]

The challenger learns from the champion's training set of record (the sources its card names) plus the new
labelled quarter, less the quarter's newest `eval_fraction` of rows: on those both models are compared, and
the challenger becomes champion when no head's macro-F1 drops by more than `max_drop` pp (or when forced).
The API's quarter is the labels in the database (imported with files and added by analysts): they are
written first to a CSV snapshot beside the registry (`export_labels`), so the new card names a file that the
next retrain re-reads like any other source, and the CLI and the API run the same code on the same rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from models.registry import ModelRegistry
from service.modelling import training as td


@dataclass
class RetrainOutcome:
    """What a retrain decided: the challenger, its comparison with the champion, promoted or not and why."""

    champion_id: str
    model_id: str
    promoted: bool
    reason: str
    comparison: list[dict[str, Any]]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def retrain(
    registry: ModelRegistry,
    new_files: list[str | Path],
    *,
    data_files: list[str | Path] | None = None,
    since: str | None = None,
    until: str | None = None,
    eval_fraction: float = 0.3,
    max_drop: float = 0.5,
    force: bool = False,
    say: Callable[[str], None] | None = None,
) -> RetrainOutcome:
    """Train a challenger on the champion's data + `new_files`, compare, promote by the rule above.

    `data_files` replaces the champion's own sources (same columns); `say` receives progress lines."""
    say = say or (lambda _line: None)
    champion = registry.load()
    old_specs = td.specs_from_card(champion.card, files=[str(p) for p in data_files] if data_files else None)
    first = old_specs[0]
    new_spec = td.DataSpec(
        files=[str(p) for p in new_files],
        text_col=first.text_col,
        heads=first.heads,
        time_col=first.time_col,
        since=since,
        until=until,
        hierarchy=first.hierarchy,
        meta_cols=first.meta_cols,
        min_examples=first.min_examples,
        taxonomy=first.taxonomy,
        semantic=first.semantic,
    )
    old = pd.concat([td.load(s) for s in old_specs], ignore_index=True)
    fresh_train, holdout = td.newest_slice(td.load(new_spec), eval_fraction)
    merged = pd.concat([old, fresh_train], ignore_index=True)
    say(
        f"Чемпион {champion.model_id}: {len(old)} строк прежних данных + {len(fresh_train)} нового квартала; "
        f"сравнение на {len(holdout)} самых новых строках."
    )
    model_id, _, seconds = td.train_and_save(
        registry, [*old_specs, new_spec], merged, holdout, parent=champion.model_id
    )
    comparison = td.compare(champion, registry.load(model_id), holdout)
    worst = min(row["delta_pp"] for row in comparison)
    passed = worst >= -max_drop
    if passed:
        reason = f"macro-F1 упал не больше чем на {max_drop} п.п. (худшая голова: {worst:+.2f})"
    elif force:
        reason = f"принудительно: macro-F1 хуже на {-worst:.2f} п.п. (порог {max_drop})"
    else:
        reason = (
            f"не продвинут: macro-F1 хуже на {-worst:.2f} п.п. (порог {max_drop}); "
            f"чемпион остаётся {champion.model_id}"
        )
    if passed or force:
        registry.promote(model_id)
    return RetrainOutcome(
        champion_id=champion.model_id,
        model_id=model_id,
        promoted=passed or force,
        reason=reason,
        comparison=comparison,
        rows={"old": len(old), "new": len(fresh_train), "holdout": len(holdout)},
        seconds=round(seconds, 2),
    )


def export_labels(session, registry: ModelRegistry, folder: Path) -> Path:
    """The database's labelled items as a CSV in the champion's own columns (text, time, one column per
    head), ordered by time then item: the new quarter of an API retrain. An item counts when it has a label
    for every head of the champion (the latest label of a head wins); its text is the raw text where the
    server keeps it (`PAINMAP_STORE_RAW`), the masked text otherwise."""
    from sqlalchemy import select

    from service.db.models import Item, Label

    card = registry.load().card
    spec = td.specs_from_card(card)[0]
    if spec.meta_cols:
        raise td.TrainingDataError(
            f"модель обучена со столбцами метаданных ({', '.join(spec.meta_cols)}), которых нет в базе; "
            "переобучите её командой painmap retrain --new ФАЙЛ"
        )
    heads = list(spec.heads)
    labels: dict[int, dict[str, str]] = {}
    query = select(Label.item_id, Label.head, Label.value).where(Label.head.in_(heads)).order_by(Label.id)
    for item_id, head, value in session.execute(query):
        labels.setdefault(item_id, {})[head] = value
    complete = sorted(i for i, known in labels.items() if len(known) == len(heads))
    rows: list[tuple[datetime | None, int, str]] = []
    for start in range(0, len(complete), 500):
        chunk = complete[start : start + 500]
        query = select(Item.id, Item.created_at, Item.text_raw, Item.text_masked).where(Item.id.in_(chunk))
        for item_id, created, raw, masked in session.execute(query):
            rows.append((_utc_naive(created), item_id, raw or masked))
    if not rows:
        raise td.TrainingDataError(
            f"в базе нет записей с метками всех голов модели ({', '.join(heads)}): разметьте записи "
            "(POST /v1/labels или загрузка файла со столбцами меток) и запустите переобучение снова"
        )
    rows.sort(key=lambda r: (r[0] is None, r[0] or datetime.min, r[1]))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"labels-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.csv"
    time_col = spec.time_col or "created_at"
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([spec.text_col, time_col, *(spec.heads[h] for h in heads)])
        for created, item_id, text in rows:
            stamp = created.strftime("%Y-%m-%d %H:%M:%S") if created else ""
            writer.writerow([text, stamp, *(labels[item_id][h] for h in heads)])
    tmp.replace(path)
    return path


def _utc_naive(moment: datetime | None) -> datetime | None:
    """Stored moments as naive UTC wall time (SQLite returns them naive, PostgreSQL aware)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
