"""Problem areas named by their lemmas (data/lexicon/pain_concepts.yaml): domain knowledge for pain vectors.

People name one problem with unrelated words («холодно в квартире», «батареи еле тёплые», «недотоп»);
neither TF-IDF nor e5-small puts them together. `PainConcepts.vectors(rows)` gives each lemma row an
indicator vector over the areas it names (√count, unit length; zero when it names none), which
`SemanticVectorizer` joins to its vectors — seed words, as in guided topic modelling, kept as data that
analysts can extend.

    >>> concepts = PainConcepts.load()
    >>> concepts.names_of(["батарея", "еле", "теплый"])
    ['heating']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from models.pain_clusters import NOISE
from nlp.resources import data_dir

CONCEPTS_FILE = data_dir() / "lexicon" / "pain_concepts.yaml"
DESCRIPTIONS_FILE = data_dir() / "lexicon" / "pain_concept_descriptions.yaml"
TITLES_FILE = data_dir() / "lexicon" / "pain_area_titles.yaml"
PLACE_PREFIX = "loc_"  # areas that say where, not what
PLACE_WEIGHT = 0.7  # a place's share of a row's area vector against a problem's 1 (`PainConcepts.vectors`)


def _plain(lemma: str) -> str:
    """«не_работать» → «работать», ё → е: the lexicon lists words, not their negations."""
    return lemma.rsplit("_", 1)[-1].replace("ё", "е")


@dataclass(frozen=True)
class PainConcepts:
    """Areas (`names`) and their lemmas: single lemmas and two-lemma phrases («личный кабинет»)."""

    names: tuple[str, ...]
    single: dict[str, tuple[int, ...]]
    pairs: dict[tuple[str, str], tuple[int, ...]]
    # Sentences per area (none: matched by its words only), for `meant_areas`.
    descriptions: tuple[tuple[str, ...], ...] = ()
    # A problem statement per area (None: none), for a pain no phrase of its own names (models.pain_naming).
    titles: tuple[str | None, ...] = ()
    # Where, for a place area («на дорожных знаках и светофорах»; None: not a place or no phrase).
    wheres: tuple[str | None, ...] = ()

    @classmethod
    def load(cls, path: str | Path | None = None) -> PainConcepts:
        path = Path(path) if path is not None else CONCEPTS_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
                raise ValueError("ожидается «область: [лемма, …]»")
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise ValueError(f"{path}: не удалось прочитать области проблем ({exc})") from exc
        names = tuple(str(k) for k in data)
        single: dict[str, list[int]] = {}
        pairs: dict[tuple[str, str], list[int]] = {}
        lemma = _entry_lemmatizer()
        for index, name in enumerate(names):
            for entry in data[name]:
                # Entries are matched against the pipeline's lemmas, so they are lemmatised the same way:
                # «часы работы», «колл-центр», «лифтовой» written as people write them never matched.
                words = [lemma(_plain(w)) for w in str(entry).lower().split()]
                if len(words) == 1:
                    single.setdefault(words[0], []).append(index)
                elif len(words) == 2:
                    pairs.setdefault((words[0], words[1]), []).append(index)
        sentences = _descriptions(DESCRIPTIONS_FILE) if path == CONCEPTS_FILE else {}
        titles = _descriptions(TITLES_FILE) if path == CONCEPTS_FILE else {}
        return cls(
            names,
            {k: tuple(v) for k, v in single.items()},
            {k: tuple(v) for k, v in pairs.items()},
            tuple(sentences.get(name, ()) for name in names),
            tuple(titles[name][0] if name in titles else None for name in names),
            tuple(titles[name][1] if len(titles.get(name, ())) > 1 else None for name in names),
        )

    def hits(self, lemmas: Sequence[str]) -> list[int]:
        """Indices of the areas each lemma (or two-lemma phrase) of `lemmas` names, with repeats."""
        words = [_plain(w) for w in lemmas]
        hits: list[int] = []
        for i, word in enumerate(words):
            hits.extend(self.single.get(word, ()))
            if i + 1 < len(words):
                hits.extend(self.pairs.get((word, words[i + 1]), ()))
        return hits

    def names_of(self, lemmas: Sequence[str]) -> list[str]:
        return sorted({self.names[i] for i in self.hits(lemmas)})

    def vectors(
        self,
        rows: Sequence[Sequence[str]],
        place_weight: float = PLACE_WEIGHT,
        subject_share: float | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> np.ndarray:
        """(n, areas) float32: 1 for each area the row names (however often), `place_weight` for a place
        (`PLACE_PREFIX`), unit rows; zero rows for texts that name no area.

        Counting hits (√count, as before) let a place outweigh the problem: «не горит свет в парадной на
        1 этаже, лестница 4» named the stairwell three times and lighting once, and 155 of 190 appeals of
        unlit stairwells (SPb, November 2020) sat in the stairwell's catch-all pain. Once per area and where
        below what: SPb Благоустройство + МКД against the portal's reason, five tuning months (March dev and
        four train months), mean NMI 0.581 → 0.589, each month up (place weight 0.5 / 0.7 / 1.0: 0.580 /
        0.589 / 0.587; √count with places at 0.8: 0.588)."""
        out = np.zeros((len(rows), len(self.names)), dtype=np.float32)
        for r, lemmas in enumerate(rows):
            out[r, self.hits(lemmas)] = 1.0
        out[:, [name.startswith(PLACE_PREFIX) for name in self.names]] *= place_weight
        if subject_share is not None and len(rows):
            out[:, subject_areas(out > 0, sample_weight, subject_share)] = 0.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    def meant_areas(
        self, vectors: np.ndarray | None, embedder, temperature: float = 0.005, min_share: float = 0.3
    ) -> np.ndarray:
        """The area each row means (index into `names`), or -1, from the rows' e5 `vectors` (unit rows, as
        the embedder gives them; a period's vectoriser already has them, so nothing is embedded twice — a
        period of 5,000 answers spent 67 of its 83 seconds re-embedding every row here): the softmax over
        areas of the row's best cosine to any of the area's sentences (`temperature`), where the best area
        takes at least `min_share`. Several sentences per area, official and colloquial, catch more of the
        ways people name one problem than one sentence does. Without sentences, vectors or an embedder
        every row is -1."""
        if vectors is None:
            return np.zeros(0, dtype=int)
        out = np.full(len(vectors), -1)
        described = [i for i, d in enumerate(self.descriptions) if d]
        if not described or embedder is None or not len(vectors):
            return out
        owner = np.array([column for column, i in enumerate(described) for _ in self.descriptions[i]])
        sentences = [sentence for i in described for sentence in self.descriptions[i]]
        anchors = np.asarray(embedder.embed(sentences), dtype=np.float64)
        cosines = np.asarray(vectors, dtype=np.float64) @ anchors.T
        columns = range(len(described))
        logits = np.column_stack([cosines[:, owner == column].max(axis=1) for column in columns])
        logits = logits / temperature
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=1, keepdims=True)
        best = weights.argmax(axis=1)
        sure = weights[np.arange(len(vectors)), best] >= min_share
        out[sure] = np.asarray(described)[best[sure]]
        return out


def subject_areas(named: np.ndarray, weight: np.ndarray | None, share: float) -> np.ndarray:
    """Columns of `named` (rows × areas, bool) that more than `share` of the (weighted) rows name."""
    weight = np.ones(len(named)) if weight is None else np.asarray(weight, dtype=np.float64)
    return (weight @ named) > share * weight.sum()


def merge_by_area(
    labels: np.ndarray,
    weight: np.ndarray,
    areas: np.ndarray,
    min_share: float = 0.5,
    subject_share: float | None = None,
) -> np.ndarray:
    """Pains whose rows mostly mean one problem area (`areas`: the area of each row or -1, from
    `PainConcepts.meant_areas`) are one pain: answers that name a problem in other words («Люди часами ждут»,
    «Работает одно окно», «Очередь в МФЦ») meet although their vectors do not (the wordings of one problem
    were further apart than many pairs of different problems). A pain joins when `min_share` of its weight
    means the area; the largest such pain keeps its id. Areas more than `subject_share` of all rows mean
    are the period's subject (`subject_areas`) and join nothing. Planted МФЦ answers: 9 → 10 of 10
    problems found, 5 → 7 within ±2 pp; ЖКХ unchanged (10, 10); the holdout set 7 of 8 and 5 either way."""
    if min_share <= 0 or not len(labels) or labels.max() < 1:
        return labels
    if subject_share is not None and (areas >= 0).any():
        named = np.zeros((len(areas), int(areas.max()) + 1), dtype=bool)
        named[np.flatnonzero(areas >= 0), areas[areas >= 0]] = True
        subject = np.flatnonzero(subject_areas(named, weight, subject_share))
        areas = np.where(np.isin(areas, subject), -1, areas)
    n = int(labels.max()) + 1
    member = labels != NOISE
    size = np.bincount(labels[member], weights=weight[member], minlength=n)
    meant = member & (areas >= 0)
    n_areas = int(areas.max()) + 1 if (areas >= 0).any() else 0
    if not n_areas:
        return labels
    by_area = np.zeros((n, n_areas))
    np.add.at(by_area, (labels[meant], areas[meant]), weight[meant])
    share = np.divide(by_area, size[:, None], out=np.zeros_like(by_area), where=size[:, None] > 0)
    target = np.arange(n)
    first: dict[int, int] = {}
    for p in np.argsort(-size, kind="stable"):  # the largest pain of an area keeps its id
        area = int(share[p].argmax())
        if share[p, area] < min_share:
            continue
        target[p] = first.setdefault(area, int(p))
    if (target == np.arange(n)).all():
        return labels
    merged = np.where(member, target[np.maximum(labels, 0)], NOISE)
    _, dense = np.unique(merged[member], return_inverse=True)
    out = labels.copy()
    out[member] = dense
    return out


def _entry_lemmatizer():
    from nlp.lemmatize import Lemmatizer, Lexicon

    return Lemmatizer(Lexicon.load())


def _descriptions(path: Path) -> dict[str, tuple[str, ...]]:
    """Area → its sentences (or title), one or a list (an absent file: none)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: не удалось прочитать файл областей проблем ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: ожидается «область: предложение» или «область: [предложение, …]»")
    out = {}
    for key, value in data.items():
        sentences = value if isinstance(value, list) else [value]
        kept = tuple(str(v).strip() for v in sentences if v and str(v).strip())
        if kept:
            out[str(key)] = kept
    return out
