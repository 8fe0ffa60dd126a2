"""Pains on the planted sample (data/samples/planted_pains.csv): known pains with known counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.intervals import wilson_bounds
from models.pain_cues import PainCues
from models.pains import PainFinder, find_pains

ROOT = Path(__file__).resolve().parents[2]
PLANTED = ROOT / "data" / "samples" / "planted_pains.csv"


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return pd.read_csv(PLANTED, keep_default_na=False)


@pytest.fixture(scope="module")
def q1_report(planted):
    from nlp import Preprocessor

    part = planted[planted.quarter == "2025Q1"]
    finder = PainFinder(preprocessor=Preprocessor(ner=False))
    return part, finder.find(part, text_col="answer", id_col="id", group_cols=("process",))


@pytest.mark.parametrize(
    "answer", ["Всё хорошо", "-", "затрудняюсь ответить", "Проблем не было", "нет", "Спасибо!"]
)
def test_no_pain_answers_are_not_pains(answer):
    cues = PainCues.load()
    assert not cues.carries_problem(answer, answer.lower().strip("!").split())


@pytest.mark.parametrize(
    "answer, is_pain",
    [
        # Typos, a cue word inside a «none» formula, praise: no pain (the holdout planted set put these
        # into pains: «Жалоб нет» joined the complaints about formal replies).
        ("Все хооршо", False),
        ("Проблем не возикло", False),
        ("нет проблм", False),
        ("Жалоб нет", False),
        ("жалоб нет, спасибо", False),
        ("Обслуживание на высоте", False),
        ("Приняли вовремя, всё объяснили", False),
        ("Затрундяюсь ответить", False),
        ("Претензий ет", False),  # a slip of «нет» (reception set: it became a pain of its own)
        ("Жалоб нте", False),
        # «Что бы вы изменили?» answered with nothing to change (the reception set put five into a pain).
        ("Ничего не нужно менять", False),
        ("Менять ничего не надо", False),
        ("Вс отлично", False),
        ("Пожеланий нет", False),
        ("Ничего не работает", True),
        # A problem after the formula, a negated praise, a wish, a complaint: kept.
        ("всё хорошо но долго", True),
        ("Вежливый персонал, долго ждать", True),
        ("Быстро ответили, но не решили", True),
        ("хотелось бы быстрее", True),
        ("Жалоба на грубость", True),
        ("Кондиционера нет", True),
        # A clause of a long review that only praises is no pain: 63 bank reviews made the pain «Отметить
        # сотрудников» of them.
        ("Хочу выразить огромную благодарность сотрудникам отделения за профессионализм", False),
        ("Кредит одобрили очень быстро, менеджер был внимательный и вежливый", False),
        ("Всё оформили за один день, спасибо менеджеру", False),
        # Praise words with a request, a contrast, a negation or a wish: kept.
        ("Помогите разобраться с начислением процентов", True),
        ("Сотрудники вежливые, но очередь огромная", True),
        ("Менеджер не помог", True),
        ("Хотелось бы, чтобы отвечали быстрее", True),
        # A place that pleases (planted «yards»: 13 such answers made the pain «Район нравится»).
        ("Район нравится", False),
        ("Мне всё нравится", False),
        ("Двор уютный", False),
        ("Хорошо благоустроено", False),
        ("Не нравится, что двор грязный", True),
        ("Хорошо бы сделать парковку", True),
        ("Район нравится, только фонарей мало", True),
        ("Район нравится, но далеко от центра", True),
        # The staff survey's «Не занимаюсь этим» (planted «staff»: a pain of 6).
        ("Не занимаюсь этим", False),
        ("Этим не занимаюсь", False),
        ("Никто не занимается ремонтом", True),
    ],
)
def test_short_answers_with_typos_and_clauses_of_praise(answer, is_pain):
    from nlp import Preprocessor

    lemmas = Preprocessor(ner=False).features(answer)
    assert PainCues.load().carries_problem(answer, lemmas) is is_pain


@pytest.mark.parametrize("answer", ["очень долгая очередь", "Сайт не работает", "Всё хорошо, только очередь"])
def test_problem_answers_are_kept(answer):
    cues = PainCues.load()
    lemmas = ["очередь"] if "очередь" in answer else ["сайт", "не_работать"]
    assert cues.carries_problem(answer, lemmas)


def test_wilson_interval_contains_share_and_narrows_with_n():
    low, high = wilson_bounds(10, 100)
    assert low < 0.1 < high
    low2, high2 = wilson_bounds(100, 1000)
    assert high2 - low2 < high - low
    assert wilson_bounds(0, 50)[0] == pytest.approx(0.0, abs=1e-12) and wilson_bounds(0, 50)[1] > 0


def test_no_pain_answers_go_to_their_own_bucket(q1_report):
    part, report = q1_report
    truth = part.set_index("id").planted
    no_pain = set(report.no_pain_item_ids)
    planted_ids = set(truth[truth != ""].index)
    assert not no_pain & planted_ids
    assert len(no_pain) >= 0.9 * 80  # 80 «всё хорошо»-like answers were planted in 2025Q1


def test_planted_pains_are_recovered_with_prevalence_in_interval(q1_report):
    part, report = q1_report
    truth = part.set_index("id").planted
    n = len(part)
    for key, true_count in truth[truth != ""].value_counts().items():
        # Pains finer than a planted pain are fine (as in the SPb acceptance); mixed ones are not.
        mine = [p for p in report.pains if (truth.loc[p.item_ids] == key).mean() >= 0.8]
        found = set().union(*(set(p.item_ids) for p in mine)) if mine else set()
        hits = int((truth.loc[sorted(found)] == key).sum()) if found else 0
        assert hits >= 0.85 * true_count, (key, hits, true_count)
        low, high = wilson_bounds(len(found), n)
        assert low <= true_count / n <= high, (key, len(found), true_count)
        assert len(mine) <= 3, (key, [p.label for p in mine])  # an analyst still reads one problem, not ten


def test_report_shape_and_quotes(q1_report):
    part, report = q1_report
    data = report.to_dict()
    assert set(data) >= {"pains", "noise_item_ids", "items"}
    ids = set(part.id)
    # Every item once, in input order; its pains start with the primary one; noise and no-pain items: [].
    assert [i["id"] for i in data["items"]] == list(part.id)
    empty = set(data["noise_item_ids"]) | set(data["no_pain_item_ids"])
    members = {p["id"]: set(p["item_ids"]) for p in data["pains"]}
    for item in data["items"]:
        assert (not item["pains"]) == (item["id"] in empty)
        assert item["pains"][:1] == ([report.item_pain[item["id"]]] if item["pains"] else [])
        assert all(item["id"] in members[p] for p in item["pains"])
    for pain in data["pains"]:
        assert set(pain) >= {
            "id",
            "label",
            "keywords",
            "quotes",
            "size",
            "prevalence",
            "ci_low",
            "ci_high",
            "processes",
            "item_ids",
        }
        assert set(pain["item_ids"]) <= ids and len(pain["item_ids"]) == pain["size"]
        assert 1 <= len(pain["quotes"]) <= 5 and len(set(pain["quotes"])) == len(pain["quotes"])
        assert pain["ci_low"] <= pain["prevalence"] <= pain["ci_high"]
        assert pain["label"][:1].isupper()
    quotes = [q for pain in data["pains"] for q in pain["quotes"]]
    assert len(quotes) == len(set(quotes)), "a quote belongs to one pain only"


def test_same_data_other_seed_keeps_most_assignments(planted):
    from models.tracking import PainTracker
    from nlp import Preprocessor

    part = planted[planted.quarter == "2025Q1"]
    pre = Preprocessor(ner=False)
    first = PainFinder(preprocessor=pre, random_state=0).find(part, text_col="answer", id_col="id")
    second = PainFinder(preprocessor=pre, random_state=7).find(part, text_col="answer", id_col="id")
    second = PainTracker().match(first, second)
    both = [i for i, p in first.item_pain.items() if p is not None and second.item_pain.get(i) is not None]
    same = sum(first.item_pain[i] == second.item_pain[i] for i in both)
    assert same / len(both) >= 0.9


def test_missing_text_column_is_named():
    with pytest.raises(ValueError, match="answer"):
        find_pains(pd.DataFrame({"text": ["a"]}), text_col="answer")


@pytest.mark.parametrize(
    "texts",
    [[], ["всё хорошо", "-"], ["очередь долгая"], ["очередь долгая", "сайт не работает", "грубый сотрудник"]],
)
def test_tiny_periods_give_no_pain_smaller_than_min_size(texts):
    from nlp import Preprocessor

    report = PainFinder(preprocessor=Preprocessor(ner=False)).find(pd.DataFrame({"text": texts}))
    assert report.pains == []
    assert len(report.noise_item_ids) + len(report.no_pain_item_ids) == len(texts)


_HASH_RUN = """
import json, sys
import pandas as pd
from models.pains import PainFinder
from models.tracking import PainTracker
from nlp import Preprocessor

planted = pd.read_csv(sys.argv[1], keep_default_na=False)
finder = PainFinder(preprocessor=Preprocessor(ner=False))
previous, out = None, []
for quarter in ("2025Q1", "2025Q2"):
    part = planted[planted.quarter == quarter]
    found = finder.find(part, text_col="answer", id_col="id", group_cols=("process",))
    previous = PainTracker().match(previous, found)
    out.append([[p.id, p.label, p.size, p.item_ids, p.keywords, p.lineage, list(p.signature.items())]
                for p in previous.pains])
print(json.dumps(out, ensure_ascii=False))
"""


def test_same_items_give_same_pains_whatever_the_hash_seed():
    # Regression: set iteration order over strings changes with PYTHONHASHSEED, so two runs on the same
    # items gave different signatures, tracked ids and pain counts.
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _HASH_RUN, str(PLANTED)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    assert outputs[0] and outputs[0] == outputs[1]


def test_item_order_does_not_change_the_pains(q1_report):
    # The service reads a period from the database in no fixed order: the pains must be the same.
    from nlp import Preprocessor

    part, report = q1_report
    shuffled = part.sample(frac=1.0, random_state=5)  # an order that changed the pains before
    finder = PainFinder(preprocessor=Preprocessor(ner=False))
    again = finder.find(shuffled, text_col="answer", id_col="id", group_cols=("process",))

    def key(r):
        return [(p.id, p.label, p.size, sorted(p.item_ids), p.keywords) for p in r.pains]

    assert key(again) == key(report)
    assert sorted(again.noise_item_ids) == sorted(report.noise_item_ids)


def test_cluster_by_column_keeps_pains_inside_one_value(planted):
    from nlp import Preprocessor

    part = planted[planted.quarter == "2025Q1"]
    finder = PainFinder(preprocessor=Preprocessor(ner=False))
    report = finder.find(part, text_col="answer", id_col="id", group_cols=(), cluster_by="process")
    process = part.set_index("id").process
    assert report.pains
    for pain in report.pains:
        assert process.loc[pain.item_ids].nunique() == 1, pain.label
        assert list(pain.breakdown["process"]) == [process.loc[pain.item_ids[0]]]
    with pytest.raises(ValueError, match="нет колонки группировки «процесс»"):
        finder.find(part, text_col="answer", cluster_by="процесс")


def test_cli_cluster_by_keeps_pains_inside_one_process(planted, tmp_path):
    import json

    from typer.testing import CliRunner

    from service.cli import app

    source = tmp_path / "answers.csv"
    planted[planted.quarter == "2025Q1"].to_csv(source, index=False)
    out = tmp_path / "pains.json"
    args = ["pains", str(source), "--text-col", "answer", "--id-col", "id", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--cluster-by", "process"])
    assert result.exit_code == 0, result.output
    process = planted.set_index("id").process
    pains = json.loads(out.read_text(encoding="utf-8"))["pains"]
    assert pains and all(process.loc[p["item_ids"]].nunique() == 1 for p in pains)
    result = CliRunner().invoke(app, [*args, "--cluster-by", "тема"])
    assert result.exit_code != 0 and "тема" in result.output


@pytest.mark.parametrize(
    "fragment, is_pain",
    [
        ("Мой телефон для связи [PHONE]", False),
        ("Пишу от имени жителей нашего дома.", False),
        ("Обращаюсь к вам уже не в первый раз.", False),
        ("Ответ прошу направить на электронную почту", False),
        ("Обращаюсь по поводу освещения во дворе", True),
        ("Телефон горячей линии не отвечает", True),
    ],
)
def test_appeal_framing_is_no_pain(fragment, is_pain):
    from nlp import Preprocessor

    lemmas = Preprocessor(ner=False).features(fragment)
    assert PainCues.load().carries_problem(fragment, lemmas) is is_pain


def test_labels_are_distinct_and_not_bare_nouns(q1_report):
    from models.pain_labels import CentralPhraseLabeller, PainMembers

    _, report = q1_report
    labels = [p.label.lower() for p in report.pains]
    assert len(set(labels)) == len(labels)
    members = PainMembers(
        texts=["Парадная", "Парадная", "Грязно в парадной", "Грязно в парадной, не моют полы"],
        counts=np.array([40.0, 1.0, 5.0, 2.0]),
        similarity=np.array([0.9, 0.9, 0.8, 0.75]),
        vectors=np.eye(4),
        item_texts=["Парадная", "Парадная", "Грязно в парадной", "Грязно в парадной, не моют полы"],
    )
    ranked = CentralPhraseLabeller().candidates(members)
    assert ranked[0] == "Грязно в парадной" and "Парадная" in ranked


def test_whole_text_fallback_reads_the_masked_text():
    """When no fragment carries the problem but the whole text does, the text is kept whole; its cluster
    lemmas (the source of the keywords analysts read) come from the masked text, without the person's name."""
    from nlp import Preprocessor

    text = "Мастер Петров Иван Сергеевич так и не пришёл. Лифт в подъезде стоит вторую неделю."
    preprocessor = Preprocessor(ner=False)
    whole = preprocessor(text).masked_text
    assert "Петров" not in whole

    class WholeTextOnly:  # a problem is seen in the whole text only, so the fallback is what yields
        def cluster_lemmas(self, lemmas):
            return list(lemmas)

        def carries_problem(self, fragment, lemmas):
            return fragment == whole

    found = list(PainFinder()._problem_fragments([text], preprocessor, WholeTextOnly()))
    assert [(index, fragment) for index, fragment, _, _, _ in found] == [(0, whole)]
    content = found[0][2]
    assert "лифт" in content
    assert not {"петров", "иван", "сергеевич"} & set(content)


def test_auto_unit_clusters_long_texts_whole_and_short_answers_by_fragment():
    finder = PainFinder()
    assert finder.unit_for(["очередь, и ещё хамят"] * 5) == "fragment"
    assert finder.unit_for(["Долгая история о кредите. " * 20] * 5) == "text"
    assert PainFinder(unit="fragment").unit_for(["x" * 1000]) == "fragment"


def test_a_slip_joins_the_pain_of_the_word_it_misspells():
    """«очеереди» had a lemma of its own and was a pain (or noise) apart from «очереди»; corrected to the
    period's own word it counts in the queue pain, and no label repeats the slip."""
    texts = (
        ["Очереди", "очереди", "огромные очереди", "Очереди огромные", "очереди!!!"]
        + ["трубку не берут", "Трубку никто не берет", "не дозвониться", "Не дозвониться", "трубку не берут!"]
        + ["очеереди", "ОЧЕРЕДИ"]
    )
    frame = pd.DataFrame({"id": range(len(texts)), "text": texts})
    report = PainFinder(embedder=False).find(frame, id_col="id")
    queue = report.item_pain[0]
    assert queue is not None and report.item_pain[len(texts) - 2] == queue
    assert report.item_pain[len(texts) - 1] == queue
    assert report.item_pain[5] not in (None, queue)
    assert all("очеер" not in pain.label.lower() for pain in report.pains)


def test_a_one_off_complaint_among_survey_answers_is_noise_not_part_of_the_nearest_pain():
    # Planted reception answers: one-off complaints («нет питьевой воды», «неудобные стулья») swelled the
    # parking pain to 11.9 % against a true 8.0 %.
    queue = ["Очередь огромная", "Долго ждала в очереди", "Очередь на два часа", "Большая очередь в приемную",
             "Стояла в очереди полдня", "Очереди, очереди", "Очень долгое ожидание в очереди"] * 4
    parking = ["Негде поставить машину", "Нет парковки у здания", "Парковка всегда занята",
               "Машину оставить негде", "Мало мест на стоянке"] * 5
    one_off = ["Нет питьевой воды", "Негде присесть в коридоре", "Туалет закрыт для посетителей",
               "Нет детского уголка", "На крыльце скользко", "Не работает банкомат в здании"]
    texts = queue + parking + one_off
    items = pd.DataFrame({"id": range(len(texts)), "text": texts})
    from nlp import Preprocessor

    report = PainFinder(preprocessor=Preprocessor(ner=False)).find(items, id_col="id")
    in_pain = {i for pain in report.pains for i in pain.item_ids}
    assert not in_pain & set(range(len(queue) + len(parking), len(texts))), [p.label for p in report.pains]
    assert len(in_pain & set(range(len(queue)))) >= 0.9 * len(queue)
    assert len(in_pain & set(range(len(queue), len(queue) + len(parking)))) >= 0.9 * len(parking)
