"""Pains of a small quarter of appeals (what a small municipality has): several problems, not one blob."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score

from models.pains import PainFinder

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "appeals.csv"


def test_eighty_appeals_of_many_topics_give_many_pains():
    # 79 sample appeals of 2025Q2 about refuse, roads, roofs, graffiti, kindergartens, …: before the lift
    # rule in the linked-pain joins they came out as 2 pains, one holding 64 appeals under «Ситуация
    # повторяется из года»; with whole texts instead of their problem clauses, 1 pain of 76.
    frame = pd.read_csv(SAMPLES)
    quarter = frame[(frame.created_at >= "2025-04") & (frame.created_at < "2025-07")].assign(kind="appeal")
    report = PainFinder(unit="text").find(quarter, text_col="text", id_col="id")
    sizes = sorted((p.size for p in report.pains), reverse=True)
    assert len(sizes) >= 6
    assert sizes[0] <= 0.3 * len(quarter)
    primary = [report.item_pain.get(i) or "шум" for i in quarter.id]
    assert adjusted_mutual_info_score(quarter.process, primary) >= 0.3


def test_an_appeal_is_clustered_by_its_problem_clauses_not_its_formulas():
    from models.pain_cues import PainCues
    from nlp import Preprocessor

    text = (
        "Здравствуйте! Прошу разобраться в ситуации. Меня зовут Иванова Мария Петровна. "
        "Во дворе дома 5 третью неделю не вывозят мусор, баки переполнены. Прошу принять меры."
    )
    finder = PainFinder(unit="text")
    (found,) = finder._problem_fragments([text], Preprocessor(ner=False), PainCues.load())
    _, unit, lemmas, quote, read = found
    assert "мусор" in unit and "Прошу разобраться" not in unit and "Здравствуйте" not in unit
    assert "мусор" in lemmas and "разобраться" not in lemmas
    assert "Иванова" not in quote  # the quote source stays the whole masked appeal
    assert read == unit  # nothing to correct: the sentence model reads the same clauses
