"""Training orchestration for the CLI: read labelled files, fit MultiHeadClassifier, save a bundle, compare.

A `DataSpec` says which files and columns a model was trained on and how they were filtered; it is stored
in the card (`training_data.sources`) so that `painmap retrain` can re-read the champion's data.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.rare_labels import MIN_EXAMPLES, RARE_LABEL
from models.registry import LoadedModel, ModelRegistry, file_sha256

TEXT = "__text__"
PLAIN = "__plain_text__"  # the text column alone, kept when metadata precedes it in TEXT
TIME = "__time__"
_HAS_TEXT = "__has_text__"  # the text column itself (not metadata) is non-empty: only while loading


SMALL_TRAINING_ROWS = 10_000  # below this `painmap train` suggests the quality mode (bench/new_city.py)
SEMANTIC_WEIGHT = 1.0  # `--semantic`: e5's weight beside the TF-IDF views (bench/new_city.py; 0.5–2 tried)


class TrainingDataError(ValueError):
    """The labelled data or the command's options do not fit together."""


@dataclass
class DataSpec:
    files: list[str]
    text_col: str
    heads: dict[str, str]  # head name -> label column
    time_col: str | None = None
    split_col: str | None = None
    split_values: list[str] | None = None
    since: str | None = None
    until: str | None = None
    hierarchy: list[str] | None = None  # heads coarse → fine forming one label (e.g. category, reason)
    meta_cols: list[str] | None = None  # metadata written before the text: "<meta1>. <meta2>. <text>"
    min_examples: int = MIN_EXAMPLES  # a label with fewer training rows is not learned (models.rare_labels)
    taxonomy: str | None = None  # YAML of the heads' labels, checked strictly (`--taxonomy`)
    semantic: bool = False  # the quality mode: e5 vectors join the features (models.features.TextFeatures)


def parse_heads(values: list[str]) -> dict[str, str]:
    """`["topic=topic", "process=proc"]` → {"topic": "topic", "process": "proc"}; bare NAME = NAME=NAME."""
    heads: dict[str, str] = {}
    for value in values:
        name, _, column = value.partition("=")
        name, column = name.strip(), (column or name).strip()
        if not name or name in heads:
            raise TrainingDataError(f"--head {value!r}: ожидается NAME=COL с уникальным NAME")
        heads[name] = column
    return heads


def split_list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _parse_date(value: str, option: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except ValueError as exc:
        raise TrainingDataError(f"{option} {value!r}: не дата (ожидается YYYY-MM-DD)") from exc


def load(spec: DataSpec) -> pd.DataFrame:
    """Rows after the split/date filters: `__text__`, one column per head, `__time__` if given.

    `__text__` is the model input (`models.model_input.compose_text`: metadata columns, then the text); a row
    counts as labelled only if the text column itself is not empty. With metadata, `__plain_text__` keeps
    the text alone (what is compared with the training texts for duplicates).
    """
    from models.model_input import compose_text
    from service.tables.dates import parse_dates
    from service.tables.io import read_table

    meta_cols = list(spec.meta_cols or [])
    required = [*meta_cols, *spec.heads.values(), *(c for c in (spec.time_col, spec.split_col) if c)]
    frames = []
    for name in spec.files:
        raw = read_table(Path(name), text_col=spec.text_col, required=tuple(dict.fromkeys(required)))
        plain = raw[spec.text_col].fillna("").astype(str)
        model_input = compose_text(plain, [raw[c] for c in meta_cols])
        frame = pd.DataFrame({TEXT: model_input, _HAS_TEXT: plain.str.strip().ne("")})
        if meta_cols:
            frame[PLAIN] = plain
        for head, column in spec.heads.items():
            frame[head] = raw[column]
        if spec.time_col:
            frame[TIME] = parse_dates(raw[spec.time_col])
        if spec.split_col and spec.split_values:
            frame = frame[raw[spec.split_col].astype(str).isin(spec.split_values)]
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    if (spec.since or spec.until) and not spec.time_col:
        raise TrainingDataError("--since/--until требуют --time-col")
    if spec.since:
        data = data[data[TIME] >= _parse_date(spec.since, "--since")]
    if spec.until:
        data = data[data[TIME] < _parse_date(spec.until, "--until")]
    labels = data[list(spec.heads)]
    # A blank label is no label: a partly labelled file trains on its labelled rows.
    labelled = (labels.notna() & labels.apply(lambda c: c.astype(str).str.strip().ne(""))).all(axis=1)
    labelled &= data[_HAS_TEXT]
    skipped = int((~labelled).sum())
    data = data[labelled].drop(columns=_HAS_TEXT)
    if TIME in data:  # the classifier calibrates on the newest rows: they must come last
        data = data.sort_values(TIME, kind="stable")
    data = data.reset_index(drop=True)
    for head in spec.heads:
        data[head] = data[head].astype(str)
    if data.empty:
        raise TrainingDataError(f"{', '.join(spec.files)}: после фильтров не осталось размеченных строк (с "
                                f"текстом и меткой в {', '.join(spec.heads.values())})")
    data.attrs["skipped_rows"] = skipped  # rows without a text or a label, left out
    return data


def read_texts(files: list[Path], text_col: str) -> list[str]:
    """The text column of each file (what the evaluation compares with for train duplicates)."""
    from service.tables.io import read_table

    return [t for f in files for t in read_table(Path(f), text_col=text_col)[text_col].fillna("").astype(str)]


def _data_card(specs: list[DataSpec], frame: pd.DataFrame) -> dict[str, Any]:
    files = [{"path": str(Path(f).resolve()), "sha256": file_sha256(Path(f))} for s in specs for f in s.files]
    digest = hashlib.sha256("".join(f["sha256"] for f in files).encode()).hexdigest()
    return {"sources": [asdict(s) for s in specs], "files": files, "sha256": digest, "rows": len(frame)}


def head_metrics(
    estimator: Any, frame: pd.DataFrame, heads: list[str], table: pd.DataFrame | None = None
) -> dict[str, dict[str, Any]]:
    """Macro-F1, accuracy and coverage (share not sent to review) per head on labelled rows.

    `table`: the estimator's `predict_table` of `frame` when the caller already has it."""
    from sklearn.metrics import accuracy_score, f1_score

    if table is None:
        table = estimator.predict_table(frame[TEXT].tolist())
    metrics: dict[str, dict[str, Any]] = {}
    classes = getattr(estimator, "classes_", {})
    for head in heads:
        truth, predicted = frame[head].to_numpy(), table[head].astype(str).to_numpy()
        known = {str(c) for c in classes.get(head, ())} - {RARE_LABEL}
        kept = ~table[f"{head}_review"].to_numpy(dtype=bool)
        # «too few examples» is no class of the truth: predicting it is a miss, not a class of its own
        labels = sorted((set(truth) | set(predicted)) - {RARE_LABEL})
        metrics[head] = {
            "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
            "accuracy": float(accuracy_score(truth, predicted)),
            "coverage": float(kept.mean()),
            "precision_covered": float((truth[kept] == predicted[kept]).mean())
            if kept.any()
            else float("nan"),
            "rows": len(frame),
            # labels the model never learned (absent from training or too rare there): always a miss
            "unseen_labels": sorted(set(truth) - known) if known else [],
            "unseen_rows": int((~np.isin(truth, list(known))).sum()) if known else 0,
        }
    return metrics


def holdout_metrics(model: Any) -> dict[str, dict[str, float]]:
    """Macro-F1 (over the classes present, the «мало примеров» pool left out as `head_metrics` does) and
    accuracy per head on the newest rows the classifier held out for calibration (before its refit on all
    rows), from its `holdout_stats_`; {} without a holdout."""
    out = {}
    for head, stats in (getattr(model, "holdout_stats_", None) or {}).items():
        learned = np.asarray(model.classes_[head]) != RARE_LABEL
        confusion = np.asarray(stats["confusion"], dtype=np.float64)
        total, hits = confusion.sum(), np.diag(confusion)
        if not total:
            continue
        present = confusion.sum(axis=1) > 0
        predicted = confusion.sum(axis=0)
        precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
        recall = np.divide(hits, confusion.sum(axis=1), out=np.zeros_like(hits), where=present)
        f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(hits),
                       where=precision + recall > 0)
        present &= learned
        out[head] = {"macro_f1": float(f1[present].mean()) if present.any() else 0.0,
                     "accuracy": float(hits.sum() / total), "rows": int(total)}
    return out


def train_and_save(
    registry: ModelRegistry,
    specs: DataSpec | list[DataSpec],
    frame: pd.DataFrame,
    evaluation: pd.DataFrame | None = None,
    parent: str | None = None,
    progress=None,
) -> tuple[str, dict[str, Any], float]:
    """Fit a MultiHeadClassifier on `frame`, measure it on `evaluation` (if any), save; → (id, metrics, s).

    `progress(stage, done, total)` is told how training advances (`MultiHeadClassifier.fit`)."""
    from models.classify import MultiHeadClassifier
    from models.features import TextFeatures
    from models.model_input import input_card

    specs = specs if isinstance(specs, list) else [specs]
    heads = list(specs[0].heads)
    if TIME in frame:
        frame = frame.sort_values(TIME, kind="stable").reset_index(drop=True)
    hierarchy = specs[0].hierarchy
    meta_cols = specs[0].meta_cols or []
    if any(len(s.meta_cols or []) != len(meta_cols) for s in specs):
        raise TrainingDataError("у источников обучения разное число столбцов метаданных (--meta-col)")
    if unknown := [h for h in hierarchy or () if h not in heads]:
        raise TrainingDataError(f"--hierarchy: {', '.join(unknown)} нет среди голов ({', '.join(heads)})")
    started = time.perf_counter()
    # Without --hierarchy a nested pair of heads (category → reason) is found in the labels.
    model = MultiHeadClassifier(
        hierarchy=tuple(hierarchy) if hierarchy else "auto", n_jobs=-1, min_examples=specs[0].min_examples,
        taxonomy_file=specs[0].taxonomy,
        features=TextFeatures(semantic_weight=SEMANTIC_WEIGHT if specs[0].semantic else 0.0),
    )
    model.fit(frame[TEXT].tolist(), frame[heads], progress=progress)
    seconds = time.perf_counter() - started
    metrics = head_metrics(model, evaluation, heads) if evaluation is not None and len(evaluation) else {}
    card: dict[str, Any] = {
        "training_data": _data_card(specs, frame),
        "input": input_card(specs[0].text_col, meta_cols),
        "training_seconds": round(seconds, 2),
        "metrics": metrics,
        "holdout_metrics": holdout_metrics(model),
        "parent": parent,
    }
    from models.taxonomy import load_taxonomy

    try:
        card["taxonomy_version"] = load_taxonomy().version
    except OSError as exc:  # the taxonomy files are unreadable: the model is still usable, its card says so
        card["taxonomy_version"] = f"недоступна: {exc}"
    return registry.save(model, card), metrics, seconds


def specs_from_card(card: dict[str, Any], files: list[str] | None = None) -> list[DataSpec]:
    """The champion's training sources; `files` replaces them (same columns, no filters)."""
    sources = card.get("training_data", {}).get("sources")
    if not sources:
        raise TrainingDataError(
            f"модель {card.get('id')}: в карточке нет источников обучения; передайте --data"
        )
    specs = [DataSpec(**s) for s in sources]
    if files:
        first = specs[0]
        specs = [
            DataSpec(
                files=files,
                text_col=first.text_col,
                heads=first.heads,
                time_col=first.time_col,
                hierarchy=first.hierarchy,
                meta_cols=first.meta_cols,
            )
        ]
    return specs


def newest_slice(frame: pd.DataFrame, fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off the newest `fraction` of rows (by time if known, else by file order): (rest, newest)."""
    order = np.argsort(frame[TIME].to_numpy(), kind="stable") if TIME in frame else np.arange(len(frame))
    cut = int(round(len(frame) * (1 - fraction)))
    if cut <= 0 or cut >= len(frame):
        raise TrainingDataError(f"новый квартал слишком мал ({len(frame)} строк) для сравнения моделей")
    return frame.iloc[order[:cut]].reset_index(drop=True), frame.iloc[order[cut:]].reset_index(drop=True)


def compare(champion: LoadedModel, challenger: LoadedModel, holdout: pd.DataFrame) -> list[dict[str, Any]]:
    """Per head: both models' macro-F1/accuracy/coverage on the holdout and the macro-F1 change in pp."""
    heads = list(challenger.card.get("heads") or [c for c in holdout.columns if c not in (TEXT, TIME, PLAIN)])
    old = head_metrics(champion.estimator, holdout, heads)
    new = head_metrics(challenger.estimator, holdout, heads)
    return [
        {
            "head": head,
            "champion": old[head],
            "challenger": new[head],
            "delta_pp": 100 * (new[head]["macro_f1"] - old[head]["macro_f1"]),
        }
        for head in heads
    ]


def write_evaluation(
    estimator: Any,
    frame: pd.DataFrame,
    heads: list[str],
    out: Path,
    train_texts: list[str] | None = None,
    table: pd.DataFrame | None = None,
) -> list[Path]:
    """The full evaluation report (models.evaluate) as JSON and Markdown side by side; → paths.

    With `train_texts` the report also gives every figure without the rows whose text occurs in them;
    `table`: the estimator's `predict_table` of `frame` when the caller already has it."""
    from models.evaluate import evaluation_report, write_report

    plain = frame[PLAIN].tolist() if PLAIN in frame else None
    report = evaluation_report(
        estimator, frame[TEXT].tolist(), frame[heads], train_texts=train_texts, table=table,
        duplicate_texts=plain,
    )  # fmt: skip
    json_path, md_path = out.with_suffix(".json"), out.with_suffix(".md")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_report(report, json_path, md_path)
    return [json_path, md_path]
