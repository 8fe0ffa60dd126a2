"""The hand-written phrase variants of `sample_phrases.yaml`, under the names scripts/make_samples.py uses.

The phrases are data, kept in YAML so that they can be edited without touching code (see the file's header
for the placeholders).
"""

from __future__ import annotations

from pathlib import Path

import yaml

_DATA = yaml.safe_load((Path(__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))

OPENERS: list[str] = _DATA["openers"]
CLOSINGS: list[str] = _DATA["closings"]
BACKGROUND: list[str] = _DATA["background"]
STREETS: list[str] = _DATA["streets"]
SURNAMES: list[str] = _DATA["surnames"]
FIRST_NAMES_M: list[str] = _DATA["first_names_m"]
FIRST_NAMES_F: list[str] = _DATA["first_names_f"]
PATRONYMICS_M: list[str] = _DATA["patronymics_m"]
PATRONYMICS_F: list[str] = _DATA["patronymics_f"]
SEASONS: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in _DATA["seasons"].items()}
APPEAL_PROBLEMS: dict[str, tuple[list[str], list[str]]] = {
    k: (v["problems"], v["details"]) for k, v in _DATA["appeal_problems"].items()
}
SURVEY_SERVICES: dict[str, list[str]] = _DATA["survey_services"]
SURVEY_CHANNELS: list[str] = _DATA["survey_channels"]
SURVEY_PROBLEMS: dict[str, list[str]] = _DATA["survey_problems"]
SURVEY_PREFIXES: list[str] = _DATA["survey_prefixes"]
SURVEY_SUFFIXES: list[str] = _DATA["survey_suffixes"]
NON_PAIN_ANSWERS: list[str] = _DATA["non_pain_answers"]
