"""Write data/samples/planted_pains.csv: short survey answers (seed 000, Appendix 1,
Q2 «С какими проблемами Вы столкнулись?») with planted pains of known counts in two
quarters, for the pains tests and notebook.

    .venv/bin/python scripts/make_planted.py      # rewrites the file byte-identically (seeded)

Columns: id, quarter, answer, process, channel, planted (the planted pain key; empty for no-pain answers and
one-off remarks). Counts per quarter are in PLANTED; 2025Q2 drops «phone» and adds «schedule», «status» grows.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "samples" / "planted_pains.csv"
SEED = 20251

# key: (process, {quarter: count}, phrase variants)
PLANTED: dict[str, tuple[str, dict[str, int], list[str]]] = {
    "queue": (
        "Жилищные услуги",
        {"2025Q1": 60, "2025Q2": 40},
        [
            "Долгое ожидание в очереди",
            "очень долго ждал в очереди",
            "Огромная очередь, ждали больше часа",
            "долгое ожидание в очереди в МФЦ",
            "Очередь в МФЦ, ожидание два часа",
            "в очереди простояла полтора часа",
            "долго ждать в очереди на приём",
            "Большая очередь и долгое ожидание",
        ],
    ),
    "documents": (
        "Меры социальной поддержки",
        {"2025Q1": 45, "2025Q2": 45},
        [
            "Требуют слишком много документов",
            "много лишних справок",
            "просят справки, которые уже есть у ведомства",
            "Пришлось собирать кучу справок",
            "слишком много документов и справок",
            "лишние документы требуют",
            "требуют справки повторно",
        ],
    ),
    "status": (
        "Меры социальной поддержки",
        {"2025Q1": 30, "2025Q2": 60},
        [
            "Нет информации о статусе заявления",
            "непонятно, на каком этапе заявление",
            "статус заявления не меняется",
            "не сообщают статус заявления",
            "Никакой информации о ходе рассмотрения заявления",
            "не знаю, что с моим заявлением, статус не обновляется",
        ],
    ),
    "portal": (
        "Информирование и доступ к информации",
        {"2025Q1": 35, "2025Q2": 30},
        [
            "Сайт не работает",
            "сайт постоянно выдаёт ошибку",
            "Ошибка на портале при подаче заявления",
            "портал зависает, не получается подать заявление",
            "сайт не открывается",
            "ошибка сайта при загрузке файлов",
        ],
    ),
    "rude": (
        "Рассмотрение обращений граждан",
        {"2025Q1": 20, "2025Q2": 20},
        [
            "Грубость сотрудников",
            "сотрудник нагрубил",
            "грубый специалист на приёме",
            "хамство сотрудника",
            "Сотрудники разговаривают грубо",
        ],
    ),
    "phone": (
        "Рассмотрение обращений граждан",
        {"2025Q1": 25, "2025Q2": 0},
        [
            "Невозможно дозвониться",
            "не могу дозвониться по телефону",
            "телефон всегда занят, не дозвониться",
            "дозвониться невозможно, никто не берёт трубку",
        ],
    ),
    "schedule": (
        "Градостроительные услуги и разрешения",
        {"2025Q1": 0, "2025Q2": 30},
        [
            "Неудобный график приёма",
            "приём только в рабочее время, неудобный график",
            "график работы неудобный для работающих",
            "Неудобное время приёма граждан",
        ],
    ),
}
NO_PAIN = [
    "Всё хорошо",
    "Проблем не было",
    "-",
    "затрудняюсь ответить",
    "нет",
    "Никаких проблем",
    "всё отлично, спасибо",
    "Нет проблем",
    "всем довольна",
    "Замечаний нет",
]
NO_PAIN_COUNT = {"2025Q1": 80, "2025Q2": 80}
ONE_OFFS = [
    "парковка у здания маленькая",
    "хотелось бы кулер с водой",
    "в зале было душно",
    "не хватило ручки заполнить бланк",
    "плохо видно табличку на двери",
    "лифт в здании старый",
    "Кондиционер шумит",
    "мало стульев в коридоре",
]
CHANNELS = ["Портал Госуслуги", "МФЦ", "Личный приём", "Телефон", "Электронная почта"]
PREFIXES = ["", "", "", "Проблема: ", "В целом нормально, но ", "Единственное — "]
SUFFIXES = ["", "", "", ".", "!", " Прошу исправить.", " Неудобно."]


def _answer(rng: random.Random, phrase: str) -> str:
    prefix = rng.choice(PREFIXES)
    text = prefix + (phrase[0].lower() + phrase[1:] if prefix else phrase)
    return text + rng.choice(SUFFIXES)


def build_rows() -> list[dict[str, str]]:
    rng = random.Random(SEED)
    rows: list[dict[str, str]] = []
    for quarter in ("2025Q1", "2025Q2"):
        batch: list[dict[str, str]] = []
        for key, (process, counts, phrases) in PLANTED.items():
            for _ in range(counts[quarter]):
                batch.append(
                    {"answer": _answer(rng, rng.choice(phrases)), "process": process, "planted": key}
                )
        for _ in range(NO_PAIN_COUNT[quarter]):
            batch.append(
                {
                    "answer": rng.choice(NO_PAIN),
                    "process": rng.choice(list(PLANTED.values()))[0],
                    "planted": "",
                }
            )
        for remark in ONE_OFFS:
            batch.append({"answer": remark, "process": "Жилищные услуги", "planted": ""})
        rng.shuffle(batch)
        for row in batch:
            row.update(quarter=quarter, channel=rng.choice(CHANNELS))
        rows.extend(batch)
    for number, row in enumerate(rows, start=1):
        row["id"] = f"S-{number:04d}"
    return rows


def main() -> None:
    rows = build_rows()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "quarter", "answer", "process", "channel", "planted"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT}: {len(rows)} answers")


if __name__ == "__main__":
    main()
