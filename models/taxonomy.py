"""Taxonomy as data: which labels exist per head and how fine labels roll up to coarse ones.

The YAML files live in data/taxonomy/ (processes, channels, directions, SPb portal hierarchy).
Training checks its label columns against this, so a typo or an unmapped new reason fails loudly
instead of becoming a new class.

>>> tax = load_taxonomy()
>>> tax.process_of("Кровля", "Повреждение кровли")
'Содержание кровель и фасадов'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from nlp.resources import data_dir

DEFAULT_ROOT = data_dir() / "taxonomy"


class UnknownLabelError(ValueError):
    """Labels that the taxonomy does not know; ``unknown`` maps head → sorted bad labels."""

    def __init__(self, unknown: dict[str, list[str]], source: str = "data/taxonomy/*.yaml") -> None:
        self.unknown = unknown
        parts = [f"«{head}»: {', '.join(repr(v) for v in vals[:20])}" + (" …" if len(vals) > 20 else "")
                 for head, vals in unknown.items()]
        super().__init__(
            f"меток нет в таксономии ({source}) — " + "; ".join(parts)
            + ". Исправьте опечатки в данных или добавьте метки в таксономию; свой список меток задаёт "
            "--taxonomy FILE, а голова с другим именем (--head тема=колонка) обучается на найденных метках"
        )


# A head the taxonomy knows is checked against it only when at least this share of its rows carry known
# labels (the rest are then typos or unmapped new labels). Fewer: it is another labelling that shares the
# head's name (another city's «topic»), and the labels found are its taxonomy.
MATCH_SHARE = 0.5


class TaxonomyError(ValueError):
    """A taxonomy file is malformed or inconsistent."""


@dataclass(frozen=True)
class SpbReason:
    id: int
    city_object: str
    category: str
    reason: str
    process: str


@dataclass
class Taxonomy:
    version: str
    heads: dict[str, frozenset[str]] = field(default_factory=dict)
    spb_reasons: list[SpbReason] = field(default_factory=list)

    def labels(self, head: str) -> frozenset[str] | None:
        """Known labels of ``head``, or None when the taxonomy does not cover that head."""
        return self.heads.get(head)

    def process_of(self, category: str, reason: str) -> str:
        """The municipal process of an SPb (category, reason) pair."""
        for r in self.spb_reasons:
            if r.category == category and r.reason == reason:
                return r.process
        raise KeyError(f"(category={category!r}, reason={reason!r}) is not in data/taxonomy/spb.yaml")

    def reason_rollup(self) -> dict[tuple[str, str], str]:
        """(category, reason) → process, for deriving a process head from reason predictions."""
        return {(r.category, r.reason): r.process for r in self.spb_reasons}

    def validate(
        self, y: pd.DataFrame, heads: Iterable[str] | None = None, allow_unknown_heads: bool = True,
        strict: bool = False, source: str = "data/taxonomy/*.yaml",
    ) -> list[str]:
        """The heads checked against the taxonomy; raise UnknownLabelError when one holds labels it lacks.

        A head is checked when the taxonomy covers it and (unless ``strict``) at least `MATCH_SHARE` of its
        rows carry known labels. Heads the taxonomy does not cover are skipped (generic heads on other
        datasets) unless ``allow_unknown_heads`` is False, in which case they are an error too.
        """
        unknown: dict[str, list[str]] = {}
        checked = []
        for head in heads if heads is not None else y.columns:
            known = self.labels(head)
            if known is None:
                if not allow_unknown_heads:
                    raise UnknownLabelError({head: ["<голова не описана в таксономии>"]}, source)
                continue
            values = y[head].dropna().astype(str)
            inside = values.isin(known)
            if not strict and (not len(values) or inside.mean() < MATCH_SHARE):
                continue
            checked.append(head)
            bad = sorted(set(values[~inside]))
            if bad:
                unknown[head] = bad
        if unknown:
            raise UnknownLabelError(unknown, source)
        return checked


def load_label_file(path: str | Path) -> Taxonomy:
    """A team's own taxonomy (`painmap train --taxonomy FILE`): YAML «голова: [метка, …]», optionally with
    `version`; every head it names is checked strictly."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"{path}: не удалось прочитать файл таксономии ({exc})") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: это не YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: ожидается «голова: [метка, …]» (например, «topic: [ЖКХ, Дороги]»)")
    version = str(data.pop("version", path.stem))
    heads = {}
    for head, labels in data.items():
        if not isinstance(labels, list) or not labels:
            raise TaxonomyError(f"{path}: у головы «{head}» должен быть непустой список меток")
        heads[str(head)] = frozenset(str(v) for v in labels)
    return Taxonomy(version=f"{path.name}:{version}", heads=heads)


def _names(items: list[dict], where: str) -> frozenset[str]:
    try:
        return frozenset(str(i["name"]) for i in items)
    except (TypeError, KeyError) as exc:
        raise TaxonomyError(f"{where}: every entry needs a `name` ({exc})") from exc


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or "version" not in data:
        raise TaxonomyError(f"{path}: expected a mapping with a `version` key")
    return data


def load_taxonomy(root: Path | None = None) -> Taxonomy:
    """Read every taxonomy YAML under ``root`` (default data/taxonomy/) into one Taxonomy."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    versions: list[str] = []
    heads: dict[str, frozenset[str]] = {}
    spb: list[SpbReason] = []
    files = {
        "processes.yaml": {"processes": "process"},
        "channels.yaml": {"channels": "channel", "survey_channels": "survey_channel"},
        "directions.yaml": {"directions": "direction", "internal_processes": "internal_process"},
        "internal_objects.yaml": {"internal_objects": "internal_object"},
    }
    for name, sections in files.items():
        path = root / name
        if not path.exists():
            continue
        data = _read(path)
        versions.append(f"{path.stem}:{data['version']}")
        for key, head in sections.items():
            heads[head] = _names(data.get(key) or [], f"{path} [{key}]")
    topics_path = root / "sample_topics.yaml"
    if topics_path.exists():  # the demo data's coarse topics (data/samples/)
        data = _read(topics_path)
        versions.append(f"sample_topics:{data['version']}")
        heads["topic"] = frozenset(str(t) for t in data.get("topics") or [])
    spb_path = root / "spb.yaml"
    if spb_path.exists():
        data = _read(spb_path)
        versions.append(f"spb:{data['version']}")
        processes = heads.get("process", frozenset())
        seen: dict[tuple[str, str], str] = {}
        for i, row in enumerate(data.get("reasons") or []):
            try:
                r = SpbReason(int(row["id"]), row["city_object"], row["category"], row["reason"],
                              row["process"])
            except (TypeError, KeyError) as exc:
                raise TaxonomyError(f"{spb_path}: reasons[{i}] lacks field {exc}") from exc
            if processes and r.process not in processes:
                raise TaxonomyError(f"{spb_path}: reasons[{i}] (id {r.id}) process {r.process!r} "
                                    "is not a name in processes.yaml")
            if seen.setdefault((r.category, r.reason), r.process) != r.process:
                raise TaxonomyError(f"{spb_path}: reasons[{i}] (id {r.id}) maps "
                                    f"({r.category!r}, {r.reason!r}) to {r.process!r}, "
                                    f"another row to {seen[(r.category, r.reason)]!r}")
            spb.append(r)
        heads["city_object"] = frozenset(r.city_object for r in spb)
        heads["category"] = frozenset(r.category for r in spb)
        heads["reason"] = frozenset(r.reason for r in spb)
    return Taxonomy(version="+".join(versions), heads=heads, spb_reasons=spb)


def check_heads(y: pd.DataFrame, label_file: str | Path | None = None, root: Path | None = None
                ) -> dict[str, dict[str, object]]:
    """Check the label columns of ``y`` (see `Taxonomy.validate`) → what a model card records per head: where
    its labels come from («--taxonomy FILE», the project's taxonomy, or the labels found) and how many."""
    if label_file is not None:
        taxonomy, source, strict = load_label_file(label_file), str(label_file), True
    else:
        taxonomy, source, strict = load_taxonomy(root), "data/taxonomy/*.yaml", False
    checked = taxonomy.validate(y, strict=strict, source=source)
    return {
        str(head): {
            "source": f"{source} ({taxonomy.version})" if head in checked else "метки из обучающих данных",
            "labels": int(y[head].nunique()),
        }
        for head in y.columns
    }
