"""Pain-map suggestions in the seeds' form («Карта болей», seed 000 Appendix 3, seed 004 СВОД).

Prevalence levels (configurable, defaults): высокая ≥ 5 % of the period's items, средняя ≥ 1 %, else низкая.
Priority follows the seeds: the most widespread pains get the highest priority (seed 000 p. 20), and a pain
touching several processes is raised one level (seed 004 p. 5.7). A process counts as touched when it holds
at least `process_share` of the pain's items (and at least 2 items).
Мероприятия, Ответственный and Срок реализации stay empty for the analyst.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.pain_report import Pain, PainReport

LEVELS = ("низкая", "средняя", "высокая")
NO_PROCESS = "Процесс не определён"
# The seeds' pain-map form (seed 000, Appendix 3): our field and the form's column title, in order. The one
# definition: the store, the exports and the quarterly report all title their columns from it.
SEED_FORM: tuple[tuple[str, str], ...] = (
    ("number", "№"),
    ("process", "Наименование процесса"),
    ("problem", "Выявленные проблемы / потенциальные потребности клиентов"),
    ("prevalence", "Распространенность проблемы (высокая/средняя/низкая)"),
    ("priority", "Приоритетность решения проблемы (высокая/средняя/низкая)"),
    ("measures", "Необходимые к реализации мероприятия"),
    ("responsible", "Ответственный"),
    ("deadline", "Срок реализации"),
)
# Suggestions add where each came from.
SEEDS_COLUMNS = {
    **dict(SEED_FORM),
    "pain_id": "ID боли",
    "evidence_text": "Основание (доля обращений, цитаты)",
}


@dataclass(frozen=True)
class PrevalenceThresholds:
    """Share of the period's items from which a pain is «высокая» / «средняя» prevalence."""

    high: float = 0.05
    medium: float = 0.01
    process_share: float = 0.10

    def __post_init__(self) -> None:
        if not 0 <= self.medium <= self.high <= 1:
            raise ValueError(
                f"пороги распространенности: нужно 0 ≤ medium ({self.medium}) ≤ high ({self.high}) ≤ 1"
            )

    def level(self, share: float) -> str:
        return LEVELS[2] if share >= self.high else LEVELS[1] if share >= self.medium else LEVELS[0]


def touched_processes(pain: Pain, thresholds: PrevalenceThresholds) -> list[str]:
    return [p["name"] for p in pain.processes if p["items"] >= 2 and p["share"] >= thresholds.process_share]


def suggest_entries(
    report: PainReport, thresholds: PrevalenceThresholds | None = None
) -> list[dict[str, Any]]:
    """One suggested pain-map row per pain, most widespread first (№ follows that order)."""
    thresholds = thresholds or PrevalenceThresholds()
    entries = []
    for pain in sorted(report.pains, key=lambda p: (-p.prevalence, p.id)):
        level = thresholds.level(pain.prevalence)
        processes = touched_processes(pain, thresholds)
        rank = LEVELS.index(level) + (1 if len(processes) > 1 else 0)
        keywords = ", ".join(pain.keywords[:5])
        entries.append(
            {
                "number": len(entries) + 1,
                "process": pain.processes[0]["name"] if pain.processes else NO_PROCESS,
                "problem": f"{pain.label} (ключевые слова: {keywords})" if keywords else pain.label,
                "prevalence": level,
                "priority": LEVELS[min(rank, 2)],
                "measures": "",
                "responsible": "",
                "deadline": "",
                "status": "suggested",
                "pain_id": pain.id,
                "label": pain.label,
                "share": round(pain.prevalence, 4),
                "ci_low": round(pain.ci_low, 4),
                "ci_high": round(pain.ci_high, 4),
                "processes": processes,
                "lineage": pain.lineage,
                "evidence": {
                    "items": pain.size,
                    "fragments": pain.n_fragments,
                    "n_items": report.n_items,
                    "quotes": list(pain.quotes),
                },
            }
        )
    return entries


def _evidence_text(entry: dict[str, Any]) -> str:
    ev = entry["evidence"]
    head = (
        f"{ev['items']} из {ev['n_items']} ({entry['share']:.1%}, 95 % ДИ "
        f"{entry['ci_low']:.1%}–{entry['ci_high']:.1%})"
    )
    return head + "".join(f"\n«{q}»" for q in ev["quotes"][:3])


def painmap_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """The suggestions as a table with the seeds' column titles (for .xlsx / .csv export)."""
    rows = [{**e, "evidence_text": _evidence_text(e)} for e in entries]
    frame = pd.DataFrame(rows, columns=list(SEEDS_COLUMNS))
    return frame.rename(columns=SEEDS_COLUMNS)
