"""Pain labels: a tidy phrase an analyst would write, never a slip, a place name or an outlier's remark."""

from __future__ import annotations

import numpy as np
import pytest

from models.pain_labels import CentralPhraseLabeller, PainMembers, normalise_phrase


@pytest.mark.parametrize(
    "fragment, label",
    [
        (
            "Единственное - долгое ожидание в очереди в МФЦ. Прошу исправить.",
            "Долгое ожидание в очереди в МФЦ",
        ),
        # A leading floor/entrance says where, not what; a bare place stays (nothing else to say).
        ("3 этаж, не работает освещение на этаже", "Не работает освещение на этаже"),
        ("2 этаж", "Этаж"),
        ("5 этаж подтеки на стенах", "Подтеки на стенах"),
        ("Парадная, не работает освещение на этаже", "Не работает освещение на этаже"),
        ("Парадная грязная", "Парадная грязная"),
        ("16 этаж 4 парадная, не работает освещение", "Не работает освещение"),
        # A dangling end goes, stray capitals are lowered; names, places and acronyms keep theirs.
        ("Большая лужа о", "Большая лужа"),
        ("Ненадлежащее состояние парадной, а именно", "Ненадлежащее состояние парадной"),
        ("Крупногабаритный Мусор на газоне", "Крупногабаритный мусор на газоне"),
        ("Очередь в МФЦ на Невском проспекте", "Очередь в МФЦ на Невском проспекте"),
        ("Яма на проспекте Мира", "Яма на проспекте Мира"),
    ],
)
def test_label_is_a_tidy_phrase_not_lemmas(fragment: str, label: str):
    assert normalise_phrase(fragment) == label


def _members(texts: list[str], counts: list[float], similarity: list[float]) -> PainMembers:
    return PainMembers(
        texts=texts,
        counts=np.array(counts),
        similarity=np.array(similarity),
        vectors=np.eye(len(texts)),
        item_texts=list(texts),
    )


def test_a_misspelt_phrase_loses_to_a_correct_one():
    members = _members(["Вечеые лужи во дворе", "Вечные лужи во дворе"], [3.0, 2.0], [0.9, 0.9])
    assert CentralPhraseLabeller().label(members) == "Вечные лужи во дворе"


def test_an_outlier_the_pain_took_in_never_names_it():
    """The fallback preferred any phrase that states a problem: «На крыльце скользко», one answer far from
    the centre, named the pain of five «Ходишь по кругу»."""
    members = _members(["Ходишь по кругу", "на крыльце скользко"], [5.0, 1.0], [0.95, 0.34])
    assert CentralPhraseLabeller().candidates(members) == ["Ходишь по кругу"]
    assert "На крыльце скользко" in CentralPhraseLabeller(max_sim_gap=1.0).candidates(members)


def test_a_place_name_is_no_label():
    members = _members(
        ["Новый Петергоф", "Неудобный переход через поребрик", "Высокий поребрик на переходе"],
        [5.0, 2.0, 2.0],
        [0.9, 0.85, 0.85],
    )
    assert CentralPhraseLabeller().label(members) != "Новый Петергоф"
