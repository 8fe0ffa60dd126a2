"""What analysts read carries no personal data: every label, keyword, quote and pain-map suggestion the pains
produce on the samples and on SPb appeals is run through NER and the regexes again, and nothing is found.

Pain-map exports and the quarterly report print these same strings (labels as the problem, quotes), so
checking them here covers what those files say about the texts.
"""

from __future__ import annotations

from glob import glob

import pandas as pd
import pytest

from models.pain_periods import find_period_pains
from models.pains import PainFinder
from nlp.pii import NameTagger, mask_texts
from tests.conftest import SAMPLES, SHARED

# Kinds that identify a person; a placeholder left by the first masking is not a finding.
CHECKED = {"PERSON", "PHONE", "EMAIL", "ADDRESS", "SNILS", "PASSPORT", "CARD", "BIRTHDATE", "SOCIAL"}


def _strings(run: dict) -> list[str]:
    out: list[str] = []
    for pain in run["pains"]:
        out += [pain["label"], *pain["keywords"], *pain["quotes"]]
    for entry in run.get("suggestions", []):
        out += [str(v) for v in entry.values() if isinstance(v, str)]
    return [s for s in out if s]


def _leaks(frame: pd.DataFrame, text_col: str) -> list[tuple[str, str, str]]:
    run = find_period_pains(frame, text_col=text_col, finder=PainFinder(embedder=False)).to_dict()
    strings = _strings(run)
    assert strings, "the pains produced nothing to check"
    found = mask_texts(strings, ner=NameTagger())
    return [(s, span.kind, span.text) for s, (_, spans) in zip(strings, found, strict=True) for span in spans
            if span.kind in CHECKED]


@pytest.mark.parametrize(("name", "text_col"), [("appeals.csv", "text"), ("survey_answers.csv", "answer")])
def test_sample_pains_show_no_personal_data(name: str, text_col: str) -> None:
    frame = pd.read_csv(SAMPLES / name)
    assert _leaks(frame, text_col) == []


def test_spb_pains_show_no_personal_data() -> None:
    files = sorted(glob(str(SHARED / "spb-gorod-appeals" / "appeals.part*.csv.gz")))
    if not files:
        pytest.skip("SPb appeals not found in ../shared/external (the check on real appeals needs them)")
    frame = pd.concat(pd.read_csv(f, usecols=["id", "text", "split"]) for f in files)
    # Appeals that hold digits or capitalised words inside a sentence: where personal data would be.
    frame = frame[frame.split == "dev"].dropna(subset=["text"])
    frame = frame[frame.text.str.contains(r"\d{3}|кв\.|[а-яё,] [А-ЯЁ][а-яё]+", regex=True)].head(1500)
    assert _leaks(frame, "text") == []
