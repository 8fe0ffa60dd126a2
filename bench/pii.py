"""Personal-data masking against the hand-annotated gold set: precision and recall per type, and speed.

    .venv/bin/python bench/pii.py                 # gold set (data/pii_gold/) + speed on SPb texts
    .venv/bin/python bench/pii.py --misses        # also print every missed and every wrong span
    .venv/bin/python bench/pii.py --speed-only

The gold set (data/pii_gold/README.md): `written.jsonl` (texts in the style of other regions, with HTML
leftovers, lowercase and typos) and `spb.jsonl` (real SPb appeals, read from ../shared by id; skipped when
absent); `holdout.jsonl`, 40 texts in other wordings written after the rules were tuned on the first
two, reported on its own. Each gold value is located in the readable text (`nlp.readable.readable_text`)
in order of appearance. A gold span is *recalled* when every letter and digit of it is inside masked
spans; a masked span is *correct* when at least half of its letters and digits lie inside gold spans.
Precision is overall and per predicted type; recall per gold type.

Speed: the full `Preprocessor.pipe` path (readable text, NER + regex masking, sentences, fragments,
lemmas) on SPb texts in one process limited to one BLAS thread, docs/s; the features-only path beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from glob import glob
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOLD = ROOT / "data" / "pii_gold"
SHARED = ROOT.parent / "shared" / "external" / "spb-gorod-appeals"


def _spb_texts() -> dict[int, str] | None:
    import pandas as pd

    files = sorted(glob(str(SHARED / "appeals.part*.csv.gz")))
    if not files:
        return None
    frame = pd.concat(pd.read_csv(f, usecols=["id", "text"]) for f in files)
    return dict(zip(frame.id, frame.text.fillna("").astype(str), strict=True))


def load_gold() -> list[dict]:
    rows = [json.loads(line) for line in (GOLD / "written.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = _spb_texts()
    if texts is None:
        print("(SPb appeals not found in ../shared/external: the SPb part of the gold set is skipped)")
        return rows
    for line in (GOLD / "spb.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = texts.get(row["id"])
        if text is None or hashlib.sha256(text.encode()).hexdigest()[:16] != row["sha256"]:
            raise SystemExit(f"SPb appeal {row['id']}: text missing or changed since it was annotated")
        # Offsets into the appeal's own text: the repo holds no real person's data, only where it is.
        spans = [{"type": g["type"], "value": text[g["start"] : g["end"]]} for g in row["pii"]]
        rows.append({**row, "id": f"spb{row['id']}", "text": text, "pii": spans})
    return rows


def _locate(readable: str, values: list[str], where: str) -> list[tuple[int, int]]:
    """Offsets of each gold value in order of appearance (non-breaking spaces read as spaces)."""
    plain = readable.replace("\u00a0", " ")
    spans, pos = [], 0
    for value in values:
        value = value.replace("\u00a0", " ")
        start = plain.find(value, pos)
        if start < 0:
            start = plain.find(value)
        if start < 0:
            raise SystemExit(f"{where}: gold value {value!r} not in the readable text {readable!r}")
        spans.append((start, start + len(value)))
        pos = start + len(value)
    return spans


def _alnum(text: str, start: int, end: int) -> set[int]:
    return {i for i in range(start, end) if text[i].isalnum()}


def load_holdout() -> list[dict]:
    path = GOLD / "holdout.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def evaluate(rows: list[dict], show: bool, title: str = "gold set") -> None:
    from nlp.pii import mask_texts
    from nlp.readable import readable_text

    results = mask_texts([r["text"] for r in rows])
    recall_hit, recall_all = Counter(), Counter()
    prec_hit, prec_all = Counter(), Counter()
    for row, (masked, found) in zip(rows, results, strict=True):
        readable = readable_text(row["text"])
        gold = _locate(readable, [g["value"] for g in row["pii"]], row["id"])
        covered = set().union(*(_alnum(readable, s.start, s.end) for s in found)) if found else set()
        gold_chars = set().union(*(_alnum(readable, s, e) for s, e in gold)) if gold else set()
        for g, (s, e) in zip(row["pii"], gold, strict=True):
            recall_all[g["type"]] += 1
            if _alnum(readable, s, e) <= covered:
                recall_hit[g["type"]] += 1
            elif show:
                print(f"  MISS {g['type']:9} {readable[s:e]!r:40} in {row['id']}: {masked[:160]!r}")
        for span in found:
            chars = _alnum(readable, span.start, span.end)
            prec_all[span.kind] += 1
            if chars and len(chars & gold_chars) * 2 >= len(chars):
                prec_hit[span.kind] += 1
            elif show:
                print(f"  WRONG {span.kind:8} {span.text!r:40} in {row['id']}: {masked[:160]!r}")
    print(f"{title}: {len(rows)} texts, {sum(recall_all.values())} spans")
    for kind in sorted(set(recall_all) | set(prec_all)):
        r = recall_hit[kind] / recall_all[kind] if recall_all[kind] else float("nan")
        p = prec_hit[kind] / prec_all[kind] if prec_all[kind] else float("nan")
        print(
            f"  {kind:10} recall {r:6.3f} ({recall_hit[kind]}/{recall_all[kind]})   "
            f"precision {p:6.3f} ({prec_hit[kind]}/{prec_all[kind]})"
        )
    total_p = sum(prec_hit.values()) / max(sum(prec_all.values()), 1)
    total_r = sum(recall_hit.values()) / max(sum(recall_all.values()), 1)
    print(f"  {'overall':10} recall {total_r:6.3f}   precision {total_p:6.3f}")


def speed(n: int) -> None:
    from threadpoolctl import threadpool_limits

    from nlp import Preprocessor

    texts = _spb_texts()
    if texts is None:
        print("(speed: SPb appeals not found)")
        return
    sample = list(texts.values())[:n]
    with threadpool_limits(1):
        full = Preprocessor()
        list(full.pipe(sample[:200]))  # load dictionaries and NER outside the timing
        started = time.perf_counter()
        for _ in full.pipe(sample):
            pass
        full_rate = len(sample) / (time.perf_counter() - started)
        features = Preprocessor(ner=False)
        features.features("прогрев")
        started = time.perf_counter()
        for text in sample:
            features.features(text)
        features_rate = len(sample) / (time.perf_counter() - started)
    print(
        f"speed on {len(sample)} SPb texts, one thread: full Doc path with masking {full_rate:,.0f} docs/s; "
        f"features only {features_rate:,.0f} docs/s (ratio {features_rate / full_rate:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("-n", type=int, default=5000, help="SPb texts for the speed run")
    args = parser.parse_args()
    if not args.speed_only:
        evaluate(load_gold(), args.misses)
        evaluate(load_holdout(), args.misses, "holdout (written after the rules were tuned)")
    speed(args.n)


if __name__ == "__main__":
    main()
