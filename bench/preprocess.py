"""Preprocessing speed on real appeals (issue #3 acceptance), single process.

Measures on the SPb train split (../shared/external/spb-gorod-appeals, beside the repo):
  1. Preprocessor.features — lemmas, stopwords, negation, no NER (the classifier's path);
  2. bare razdel tokenisation of the same texts;
  3. natasha's own Doc pipeline (segment + tag_morph + lemmatize with MorphVocab) on a subset;
  4. personal-data masking with natasha NER (clean → batch NER → mask_personal_data) on a subset;
and prints docs/s, tokens/s (razdel token count of the texts / seconds), the ratios against the targets
(natasha and ours timed in alternating chunks of the same texts, as load on a shared machine drifts),
the RSS with the Preprocessor loaded, and how often the regex tokens agree with razdel's words.

    .venv/bin/python bench/preprocess.py [--n 20000] [--natasha-n 2000] [--mask-n 5000]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import psutil

# One process, one thread: OpenBLAS threads fighting over 2 shared cores made natasha's slovnet 8× slower.
# Set before numpy is first imported (pandas and natasha are imported inside the functions below).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

SPB = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "spb-gorod-appeals"
_PLACEHOLDER = re.compile(r"<(?:url|email|phone|num)>")


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def load_texts(n: int) -> list[str]:
    import pandas as pd

    parts = sorted(SPB.glob("appeals.part*.csv.gz"))
    frame = pd.concat(pd.read_csv(p, usecols=["split", "text"]) for p in parts)
    texts = frame.loc[frame["split"] == "train", "text"].dropna().astype(str).tolist()
    return texts[:n]


def timed(label: str, fn, texts: list[str], n_tokens: int) -> float:
    gc.collect()
    start = time.perf_counter()
    fn(texts)
    seconds = time.perf_counter() - start
    docs_s = len(texts) / seconds
    rate = n_tokens / seconds
    print(f"{label:<44} {len(texts):>6} docs {seconds:8.2f} s {docs_s:10.0f} docs/s {rate:11.0f} tok/s")
    return docs_s


def razdel_words(texts: list[str]) -> list[list[str]]:
    from razdel import tokenize

    return [[t.text for t in tokenize(text)] for text in texts]


def agreement(texts: list[str]) -> tuple[float, float]:
    """Share of texts whose regex word tokens equal razdel's words exactly, and token-level overlap."""
    from nlp.normalize import model_text
    from nlp.tokenize import feature_tokens, tokens

    same_docs = overlap = total = 0
    for text in texts:
        plain = _PLACEHOLDER.sub(" ", model_text(text))
        ours = [t for t in feature_tokens(plain) if t[0].isalnum()]
        theirs = [t for t in tokens(plain) if t[0].isalnum()]
        same_docs += ours == theirs
        overlap += sum((Counter(ours) & Counter(theirs)).values())
        total += max(len(ours), len(theirs))
    return same_docs / len(texts), overlap / max(total, 1)


def natasha_stages() -> tuple:
    from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, Segmenter

    return Segmenter(), NewsMorphTagger(NewsEmbedding()), MorphVocab()


def natasha_pipeline(texts: list[str], stages: tuple) -> None:
    from natasha import Doc

    segmenter, tagger, vocab = stages
    for text in texts:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(tagger)
        for token in doc.tokens:
            token.lemmatize(vocab)


_RSS_PROBE = """
import sys, psutil
from nlp import Preprocessor
texts = sys.stdin.read().split("\\n\\x00\\n")
p = Preprocessor(ner={ner})
for t in texts:
    {call}
print(psutil.Process().memory_info().rss / 2**20)
"""


def fresh_process_rss(texts: list[str], ner: bool) -> float:
    """RSS of a new interpreter holding only a warmed Preprocessor (no pandas, no natasha reference)."""
    import subprocess

    code = _RSS_PROBE.format(ner=ner, call="p(t)" if ner else "p.features(t)")
    result = subprocess.run([sys.executable, "-c", code], input="\n\x00\n".join(texts), text=True,
                            capture_output=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return float(result.stdout.strip())


def interleaved(texts: list[str], n_tokens: int, stages: tuple, fresh, warm) -> dict[str, float]:
    """docs/s of natasha and of our features on the same texts, alternating in chunks so that the load
    drifting on a shared machine hits both alike. ``fresh`` starts with a cold lemma cache (as natasha's
    first pass); ``warm`` has already featurised the corpus (the classifier's steady state)."""
    runs = {
        "natasha": lambda c: natasha_pipeline(c, stages),
        "cold": lambda c: [fresh.features(t) for t in c],
        "warm": lambda c: [warm.features(t) for t in c],
    }
    labels = {
        "natasha": "natasha Doc (segment+tag_morph+lemmatize)",
        "cold": "Preprocessor.features, same texts, cold",
        "warm": "Preprocessor.features, same texts, warm",
    }
    spent = dict.fromkeys(runs, 0.0)
    for start in range(0, len(texts), 250):
        chunk = texts[start : start + 250]
        for key, run in runs.items():
            began = time.perf_counter()
            run(chunk)
            spent[key] += time.perf_counter() - began
    for key, seconds in spent.items():
        print(f"{labels[key]:<44} {len(texts):>6} docs {seconds:8.2f} s {len(texts) / seconds:10.0f} docs/s "
              f"{n_tokens / seconds:11.0f} tok/s")
    return {key: len(texts) / seconds for key, seconds in spent.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="texts for features and razdel")
    parser.add_argument("--natasha-n", type=int, default=2_000, help="texts for natasha's Doc pipeline")
    parser.add_argument("--mask-n", type=int, default=5_000, help="texts for masking with NER")
    args = parser.parse_args()
    if not SPB.is_dir():
        print(f"bench/preprocess.py: пропуск — нет данных {SPB} (репозиторий должен лежать рядом с shared/)")
        return 0

    from nlp import Preprocessor
    from nlp.lemmatize import uses_dawg_extension
    from nlp.normalize import clean_text
    from nlp.pii import NameTagger, mask_personal_data

    texts = load_texts(args.n)
    n_tokens = sum(len(t) for t in razdel_words(texts))
    print(f"SPb train: {len(texts)} texts, {n_tokens} razdel tokens; "
          f"pymorphy3 dawg2 extension: {uses_dawg_extension()}")
    rss_before = rss_mb()

    preprocessor = Preprocessor(ner=False)
    def featurise(ts: list[str]) -> None:
        for t in ts:
            preprocessor.features(t)

    ours = timed("Preprocessor.features (cold lemma cache)", featurise, texts, n_tokens)
    warm = timed("Preprocessor.features (warm cache)", featurise, texts, n_tokens)
    rss_loaded = rss_mb()
    bare = timed("razdel.tokenize (bare)", razdel_words, texts, n_tokens)

    docs_agree, token_agree = agreement(texts)
    print(f"regex tokens vs razdel words: {docs_agree:.1%} of texts identical, "
          f"{token_agree:.2%} of tokens agree")

    sub = texts[: args.natasha_n]
    sub_tokens = sum(len(t) for t in razdel_words(sub))
    print("natasha MorphVocab needs pymorphy2 (installed with natasha; works while setuptools < 81)")
    rates = dict.fromkeys(("natasha", "cold", "warm"), float("nan"))
    try:
        stages = natasha_stages()  # models loaded and warmed outside the timing
        natasha_pipeline(texts[-20:], stages)
    except Exception as error:  # pymorphy2 imports pkg_resources, gone from setuptools ≥ 81
        print(f"natasha reference unavailable ({type(error).__name__}: {error}); "
              "install it for the bench only: .venv/bin/pip install 'setuptools<81' pymorphy2")
    else:
        rates = interleaved(sub, sub_tokens, stages, Preprocessor(ner=False), preprocessor)

    mask_sub = texts[: args.mask_n]
    mask_tokens = sum(len(t) for t in razdel_words(mask_sub))
    tagger = NameTagger()

    def mask(ts: list[str]) -> None:
        cleaned = [clean_text(t) for t in ts]
        for start in range(0, len(cleaned), 256):
            batch = cleaned[start : start + 256]
            found = dict(zip(batch, tagger.find_batch(batch), strict=True))
            for text in batch:
                mask_personal_data(text, ner=lambda t, found=found: found.get(t, []))

    tagger.find_batch(["Иван Петров пишет"])  # load the NER model outside the timing
    rss_ner = rss_mb()
    masked = timed("masking with NER (regex + natasha NER)", mask, mask_sub, mask_tokens)
    full = timed("Preprocessor(ner=True).pipe → Doc", lambda ts: list(Preprocessor().pipe(ts)), mask_sub,
                 mask_tokens)

    # Same texts, chunks alternating between the two (load on the shared machine drifts within seconds)
    vs_natasha = rates["cold"] / rates["natasha"]
    vs_natasha_warm = rates["warm"] / rates["natasha"]
    vs_razdel = ours / bare
    print()
    verdict = "not measured" if math.isnan(vs_natasha) else "OK" if vs_natasha >= 20 else "FAIL"
    print(f"Preprocessor / natasha Doc pipeline: {vs_natasha:6.1f}×  (target ≥ 20×) {verdict}  "
          f"[{len(sub)} texts, interleaved, our lemma cache cold; warm: {vs_natasha_warm:.1f}×]")
    print(f"Preprocessor / bare razdel:          {vs_razdel:6.2f}×  (target ≥ 0.4×) "
          f"{'OK' if vs_razdel >= 0.4 else 'FAIL'}; warm cache {warm / bare:.2f}×")
    print(f"masking with NER / Preprocessor.features: {masked / ours:.3f}×; full Doc pipe {full:.0f} docs/s")
    alone = fresh_process_rss(texts, ner=False)
    alone_ner = fresh_process_rss(mask_sub, ner=True)
    print(f"RSS in this process: data loaded {rss_before:.0f} MB, + Preprocessor {rss_loaded:.0f} MB, "
          f"+ natasha reference and NER {rss_ner:.0f} MB")
    print(f"RSS of a fresh process with only the Preprocessor: features path {alone:.0f} MB (target ≤ 300) "
          f"{'OK' if alone <= 300 else 'FAIL'}; full Doc with NER {alone_ner:.0f} MB "
          f"{'OK' if alone_ner <= 300 else 'over 300'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
