"""Write the planted validation sets data/planted/*.csv (one per key of scripts/planted_sets.yaml).

    .venv/bin/python scripts/make_planted_sets.py      # rewrites every file byte-identically (seeded)

Each answer is composed from a hand-written phrasing of its problem(s) with the variation people bring:
framing («Единственное —», «Честно говоря,»), endings («!!!», «, ужас»), case (lower, CAPS), typos (a letter
dropped, doubled or swapped), and answers with two problems. Columns: `id`, `answer`, `planted` (problem keys
joined by «;», empty for answers with no problem and for one-off remarks), `kind` (problem / double / none /
oneoff). A problem's planted count is the number of answers that mention it.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "scripts" / "planted_sets.yaml"
OUT = ROOT / "data" / "planted"
SEED = 20261203

PREFIXES = [
    "", "", "", "", "", "", "Единственное — ", "Честно говоря, ", "Из минусов: ", "Проблема: ",
    "Ну ", "Как всегда, ", "В целом нормально, но ", "Основная проблема — ", "Опять ", "Жалоба: ",
]
SUFFIXES = ["", "", "", "", "", ".", ".", "!", "!!!", ", ужас", ". Надоело", "...", ", сколько можно",
            ". Примите меры", " (", ")"]
JOINERS = [", и ещё ", ". ", "; ", ", а также ", ". Кроме того, ", " + ", ", плюс ", "\n"]
VOWELS = "аеиоуыэюя"


def typo(text: str, rng: random.Random) -> str:
    """One slip of the finger: a letter dropped, doubled, swapped with the next, or a vowel replaced."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(positions) < 5:
        return text
    i = rng.choice(positions[1:-1])
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2 and text[i + 1 : i + 2].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if text[i].lower() in VOWELS:
        return text[:i] + rng.choice(VOWELS) + text[i + 1 :]
    return text[:i] + text[i + 1 :]


def vary(phrase: str, rng: random.Random, framed: bool = True) -> str:
    text = phrase
    if rng.random() < 0.18:
        text = typo(text, rng)
    roll = rng.random()
    if roll < 0.22:
        text = text.lower()
    elif roll < 0.26:
        text = text.upper()
    if framed:
        prefix = rng.choice(PREFIXES)
        if prefix and text[:1].isupper() and not text.isupper():
            text = text[:1].lower() + text[1:]
        suffix = rng.choice(SUFFIXES)
        if suffix in (" (", ")"):
            suffix = ""
        text = prefix + text + suffix
    return text


def build(name: str, spec: dict, rng: random.Random) -> list[dict[str, str]]:
    problems = spec["problems"]
    # Mentions left to place per problem; doubles take two different problems each.
    left = {key: int(p["count"]) for key, p in problems.items()}
    rows: list[tuple[str, list[str], str]] = []
    for _ in range(int(spec["n_double"])):
        weights = [left[k] for k in problems]
        a = rng.choices(list(problems), weights=weights)[0]
        rest = [k for k in problems if k != a and left[k] > 0]
        b = rng.choices(rest, weights=[left[k] for k in rest])[0]
        left[a] -= 1
        left[b] -= 1
        first = vary(rng.choice(problems[a]["phrases"]), rng, framed=False)
        second = vary(rng.choice(problems[b]["phrases"]), rng, framed=False)
        if second[:1].isupper() and not second.isupper():
            second = second[:1].lower() + second[1:]
        joiner = rng.choice(JOINERS)
        if joiner in (". ", ". Кроме того, ", "\n") and joiner != ". Кроме того, ":
            second = second[:1].upper() + second[1:]
        rows.append((first + joiner + second + rng.choice(["", ".", "!"]), sorted([a, b]), "double"))
    for key, n in left.items():
        phrases = problems[key]["phrases"]
        # Every phrasing is used at least once before any repeats, then at random.
        order = rng.sample(phrases, len(phrases))
        for i in range(n):
            phrase = order[i] if i < len(order) else rng.choice(phrases)
            rows.append((vary(phrase, rng), [key], "problem"))
    for _ in range(int(spec["n_none"])):
        rows.append((vary(rng.choice(spec["none"]), rng, framed=False), [], "none"))
    for phrase in rng.sample(spec["oneoff"], min(int(spec["n_oneoff"]), len(spec["oneoff"]))):
        rows.append((vary(phrase, rng), [], "oneoff"))
    rng.shuffle(rows)
    return [
        {"id": f"{name.upper()}-{i + 1:04d}", "answer": text, "planted": ";".join(keys), "kind": kind}
        for i, (text, keys, kind) in enumerate(rows)
    ]


def main() -> None:
    spec = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, part in spec.items():
        rows = build(name, part, random.Random(f"{SEED}-{name}"))
        with (OUT / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["id", "answer", "planted", "kind"], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        counts = {k: int(p["count"]) for k, p in part["problems"].items()}
        print(f"{name}: {len(rows)} answers; planted {counts}")


if __name__ == "__main__":
    main()
