"""Generate the team-written demo data in data/samples/ (appeals.csv, survey_answers.csv).

Deterministic (seeded): rerunning rewrites byte-identical files. The texts are assembled from hand-written
phrase variants per process, so every appeal says its problem in words a classifier can learn from, while
openers, places, personal data, typos and length vary. All names, phones and addresses are fictional.

    .venv/bin/python scripts/make_samples.py            # writes data/samples/*.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from sample_phrases import (
    APPEAL_PROBLEMS,
    BACKGROUND,
    CLOSINGS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    NON_PAIN_ANSWERS,
    OPENERS,
    PATRONYMICS_F,
    PATRONYMICS_M,
    SEASONS,
    STREETS,
    SURNAMES,
    SURVEY_CHANNELS,
    SURVEY_PREFIXES,
    SURVEY_PROBLEMS,
    SURVEY_SERVICES,
    SURVEY_SUFFIXES,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 20250101
APPEAL_CHANNELS = {
    "Интернет-приёмная": 30, "ЕПГУ": 14, "ПОС": 22, "Почта": 6, "Личный приём": 7,
    "Социальные сети": 10, "Электронная почта": 6, "Телефон": 5,
}
QUARTERS = {1: date(2025, 1, 1), 2: date(2025, 4, 1), 3: date(2025, 7, 1), 4: date(2025, 10, 1)}
Q10_COLUMNS = ("q10_application", "q10_status_info", "q10_documents", "q10_speed", "q10_electronic")


def _person(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(SURNAMES)} {rng.choice(FIRST_NAMES_M)} {rng.choice(PATRONYMICS_M)}"
    surname = rng.choice(SURNAMES)
    surname = surname[:-2] + "ая" if surname.endswith("ий") else surname + "а"
    return f"{surname} {rng.choice(FIRST_NAMES_F)} {rng.choice(PATRONYMICS_F)}"


def _phone(rng: random.Random) -> str:
    d = [rng.randint(0, 9) for _ in range(7)]
    code = rng.choice(["912", "919", "951", "982", "904", "963"])
    return rng.choice([
        f"+7 ({code}) {d[0]}{d[1]}{d[2]}-{d[3]}{d[4]}-{d[5]}{d[6]}",
        f"8-{code}-{d[0]}{d[1]}{d[2]}-{d[3]}{d[4]}-{d[5]}{d[6]}",
        f"8{code}{''.join(map(str, d))}",
        f"+7{code}{''.join(map(str, d))}",
    ])


def _email(rng: random.Random) -> str:
    user = rng.choice(["ivanova.m", "petrov1975", "s.kuznecov", "olga_v", "sovet.doma12", "nik.pavlov"])
    return f"{user}@{rng.choice(['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru'])}"


def _address(rng: random.Random, flat: bool) -> str:
    base = f"{rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
    return f"{base}, кв. {rng.randint(1, 280)}" if flat else base


def _house(rng: random.Random) -> str:
    """A house as appeals name it after «дома …» (no flat: flats come only with personal data)."""
    street, n = rng.choice(STREETS), rng.randint(1, 120)
    return rng.choice([f"{n} по {street}", f"№ {n} по {street}", f"по адресу {street}, д. {n}"])


def _personal_intro(rng: random.Random) -> str:
    name = _person(rng)
    return rng.choice([
        f"Я, {name}, проживаю по адресу {_address(rng, True)}.",
        f"Обращается {name} из дома {_house(rng)}.",
        f"Пишет вам {name}. Мой телефон для связи {_phone(rng)}.",
        f"Меня зовут {name}, адрес: {_address(rng, True)}, тел. {_phone(rng)}.",
    ])


def _typos(text: str, rng: random.Random) -> str:
    """Imitate hurried typing: a dropped or swapped letter, lost capitals or punctuation."""
    kind = rng.choice(["drop", "swap", "lower", "nopunct", "double"])
    words = text.split(" ")
    if kind == "lower":
        return text.lower()
    if kind == "nopunct":
        return text.replace(",", "").replace(".", "").replace("!", "")
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4:
        j = rng.randrange(1, len(w) - 2)
        if kind == "drop":
            w = w[:j] + w[j + 1:]
        elif kind == "swap":
            w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        else:
            w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        street=rng.choice(STREETS), house=rng.randint(1, 120), addr=_house(rng),
        n=rng.randint(2, 4), weeks=rng.randint(2, 4), years=rng.randint(5, 12),
    )


def _appeal_text(process: str, rng: random.Random) -> str:
    core, details = APPEAL_PROBLEMS[process]
    style = rng.random()
    problem = _fill(rng.choice(core), rng)
    if style < 0.25:  # short: just the problem, often in lower case
        text = problem if rng.random() < 0.5 else problem[0].lower() + problem[1:]
    else:
        parts = []
        if rng.random() < 0.7:
            parts.append(rng.choice(OPENERS))
        if rng.random() < 0.3:
            parts.append(_personal_intro(rng))
        parts.append(problem)
        long = style >= 0.9  # a long letter: a second symptom, every detail, background and history
        if long:
            parts.append(_fill(rng.choice([c for c in core if c != problem]), rng))
        extra = rng.sample(details, k=len(details) if long else 1 if style < 0.75 else 2)
        parts.extend(_fill(d, rng) for d in extra)
        if long:
            parts.extend(rng.sample(BACKGROUND, k=2))
        if rng.random() < 0.15 and not any("тел" in p for p in parts):
            parts.append(f"Контактный телефон {_phone(rng)}.")
        elif rng.random() < 0.08:
            parts.append(f"Ответ прошу направить на электронную почту {_email(rng)}.")
        if rng.random() < 0.7:
            parts.append(rng.choice(CLOSINGS))
        text = " ".join(p for p in parts if p)
    if rng.random() < 0.2:
        text = _typos(text, rng)
    return text


def _timestamp(quarter: int, rng: random.Random) -> datetime:
    start = QUARTERS[quarter]
    day = start + timedelta(days=rng.randrange(90))
    return datetime(day.year, day.month, day.day, rng.randint(7, 22), rng.randrange(60))


def _quarter_for(process: str, rng: random.Random) -> int:
    weights = SEASONS.get(process, (1, 1, 1, 1))
    return rng.choices([1, 2, 3, 4], weights=weights)[0]


def make_appeals(rng: random.Random, per_process: int) -> list[dict[str, str]]:
    topics = yaml.safe_load((ROOT / "data/taxonomy/sample_topics.yaml").read_text("utf-8"))["processes"]
    rows = []
    for process in APPEAL_PROBLEMS:
        for _ in range(per_process + rng.randint(0, 3)):
            quarter = _quarter_for(process, rng)
            created = _timestamp(quarter, rng)
            answered = ""
            satisfied = "unknown"
            if rng.random() < 0.82:
                answered_dt = created + timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 8))
                answered = answered_dt.strftime("%Y-%m-%d %H:%M")
                slow = (answered_dt - created).days > 30
                satisfied = rng.choices(["yes", "no", "unknown"], weights=(3, 6 if slow else 3, 2))[0]
            rows.append({
                "text": _appeal_text(process, rng),
                "channel": rng.choices(list(APPEAL_CHANNELS), weights=list(APPEAL_CHANNELS.values()))[0],
                "created_at": created.strftime("%Y-%m-%d %H:%M"), "answered_at": answered,
                "satisfied": satisfied, "topic": topics[process], "process": process,
            })
    rows.sort(key=lambda r: r["created_at"])
    return [{"id": f"A-2025-{i:04d}", **r} for i, r in enumerate(rows, start=1)]


def _survey_pain(process: str, rng: random.Random) -> str:
    first, *more = rng.sample(SURVEY_PROBLEMS[process], k=2 if rng.random() < 0.25 else 1)
    answer = " ".join(_fill(p, rng) for p in (first, *more))
    prefix = rng.choice(SURVEY_PREFIXES)
    if prefix.endswith((", ", "— ")):  # «В целом нормально, но …» continues the sentence in lower case
        answer = answer[0].lower() + answer[1:]
    answer = prefix + answer + rng.choice(SURVEY_SUFFIXES)
    return _typos(answer, rng) if rng.random() < 0.2 else answer


def _ratings(pain: bool, rng: random.Random) -> list[int]:
    centre = 2.6 if pain else 4.4
    return [min(5, max(1, round(rng.gauss(centre, 0.9)))) for _ in Q10_COLUMNS]


def make_survey(rng: random.Random, n: int) -> list[dict[str, str]]:
    rows = []
    services = [(svc, proc) for proc, names in SURVEY_SERVICES.items() for svc in names]
    for _ in range(n):
        service, process = rng.choice(services)
        pain = rng.random() < 0.72
        answer = _survey_pain(process, rng) if pain else rng.choice(NON_PAIN_ANSWERS)
        ratings = _ratings(pain, rng)
        nps = min(10, max(1, round(rng.gauss(3.5 if pain else 8.5, 2))))
        quarter = rng.randint(1, 4)
        row = {
            "service": service, "process": process, "answer": answer,
            "channel": rng.choices(SURVEY_CHANNELS, weights=(40, 15, 15, 25, 5))[0],
            **{col: str(v) for col, v in zip(Q10_COLUMNS, ratings, strict=True)},
            "nps": str(nps), "created_at": _timestamp(quarter, rng).strftime("%Y-%m-%d %H:%M"),
            "quarter": f"2025Q{quarter}",
        }
        rows.append(row)
    rows.sort(key=lambda r: r["created_at"])
    return [{"respondent_id": f"R-{i:04d}", **r} for i, r in enumerate(rows, start=1)]


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data/samples")
    parser.add_argument("--per-process", type=int, default=9, help="minimum appeals per process")
    parser.add_argument("--survey", type=int, default=300, help="number of survey responses")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    appeals = make_appeals(rng, args.per_process)
    survey = make_survey(rng, args.survey)
    write_csv(appeals, args.out / "appeals.csv")
    write_csv(survey, args.out / "survey_answers.csv")
    print(f"appeals: {len(appeals)}, survey answers: {len(survey)} → {args.out}")


if __name__ == "__main__":
    main()
