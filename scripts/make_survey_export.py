"""Writes data/samples/survey_export.xlsx: a fictional export of the seed 000 questionnaires as a survey tool
would give it — sheet «Внешние клиенты» (Appendix 1, 240 respondents, 2025Q1–Q2) and sheet «Сотрудники»
(Appendix 2, 72 respondents, 2025Q2). Answers are drawn with a fixed seed from the phrases written below by
the team; the column titles are those of data/taxonomy/survey_seed000*.yaml. Identity columns a tool adds
(«Номер анкеты», «E-mail») are included on purpose: the import must not store them.

    .venv/bin/python scripts/make_survey_export.py [OUT.xlsx]
"""

from __future__ import annotations

import random
import re
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED = 7

# Q2 problems by service (team-written, short and long, a few typos as people write).
PROBLEMS = {
    "Постановка на учёт и зачисление детей в детские сады": [
        "Очередь в детский сад не двигается, номер в очереди не виден",
        "Льготу при зачислении в сад не учли, пришлось писать заявление повторно",
        "Направление в сад дали в другой конец района",
        "Статус заявления долго висел «на рассмотрении»",
    ],
    "Зачисление в общеобразовательную организацию": [
        "Запись в первый класс на Госуслугах зависала, не успели подать",
        "Не было информации о свободных местах в школе",
    ],
    "Предоставление земельного участка в аренду без торгов": [
        "Срок рассмотрения затянули почти на два месяца",
        "Требовали документы, которых нет в регламенте",
        "Отказ без понятного объяснения причин",
    ],
    "Утверждение схемы расположения земельного участка": [
        "Схему возвращали три раза из-за мелких замечаний",
        "Не дозвониться до специалиста земельного отдела",
    ],
    "Выдача разрешения на строительство": [
        "Градплан ждали больше месяца",
        "Архитектор на приёме не смог проконсультировать",
        "Много документов, часть из них уже есть у администрации",
    ],
    "Уведомление о планируемом строительстве ИЖС": [
        "Форма уведомления на сайте сложная, непонятно что заполнять",
        "Ответ пришёл только на бумаге, в электронном виде не получил",
    ],
    "Согласование переустройства и перепланировки помещения в МКД": [
        "Проект перепланировки возвращали из-за оформления",
        "Долгое ожидание в очереди на приём",
    ],
    "Приватизация жилых помещений муниципального жилищного фонда": [
        "Справки из разных мест собирал полтора месяца",
        "Очередь на приём в жилищный отдел на три недели вперёд",
    ],
    "Предоставление субсидии на оплату жилого помещения и коммунальных услуг": [
        "Каждый раз просят новые справки о доходах",
        "Статус заявления на субсидию не менялся месяц",
        "Субсидию пересчитали без объяснений",
    ],
    "Единовременная выплата многодетным семьям": [
        "Выплату задержали, никто не сообщил почему",
        "Непонятно какие документы нужны, на сайте одно, в МФЦ другое",
    ],
}
NO_PROBLEM = ["Проблем не было", "Проблем не было", "нет", "-", "всё хорошо", "Не сталкивался", ""]
CHANNELS = [
    ("при обращении на портал Госуслуги (gosuslugi.ru)", 0.36),
    ("при обращении на мобильное приложение портала Госуслуги", 0.14),
    ("при непосредственном обращении на сайт ведомства", 0.16),
    ("при личном обращении в ведомство", 0.26),
    ("другое", 0.08),
]
STATUS = [
    "гражданин",
    "гражданин",
    "гражданин",
    "индивидуальный предприниматель",
    "представитель юридического лица",
]
AGES = ["18-29 лет", "30-44 лет", "30-44 лет", "45-60 лет", "61 год и старше"]
EDUCATION = ["высшее", "высшее", "среднее специальное", "незаконченное высшее", "среднее общее образование"]

STAFF_PROBLEMS = {
    "3.1": [
        "Заявители приходят без полного пакета документов",
        "Регламент услуги противоречит новой редакции закона",
        "Нет шаблонов типовых ответов",
    ],
    "3.2": [
        "Меняются формы заявлений на меры поддержки без предупреждения",
        "Долго ждём данные из соцзащиты",
    ],
    "3.3": ["Нет единых чек-листов проверок", "Непонятно, кто отвечает за повторную проверку"],
    "3.4": ["Ответы от других отделов приходят после срока", "Обращения пересылают нам не по профилю"],
    "3.5": ["Нет актуальной памятки для консультаций", "Граждане звонят на личные номера"],
    "6.1": ["Компьютер старый, СЭД открывается по пять минут", "Принтер на этаже один и постоянно ломается"],
    "6.2": ["Нет лицензий на офисные программы", "Программа учёта не обновлялась с 2019 года"],
    "6.3": ["Заявку в техподдержку выполняют неделю", "Картриджи меняют только раз в месяц"],
    "6.4": ["В СЭД нельзя найти поручение по номеру", "Контроль поручений ведём вручную в таблице"],
    "6.5": ["Квартальный отчёт собираем вручную из трёх систем", "Отчёты приходится перепечатывать"],
    "6.6": ["Интернет медленный, сайты госорганов не открываются", "Доступ к сайтам ограничен без причины"],
    "6.7": [
        "Нет доступа к данным Росреестра, запрашиваем письмом",
        "Межведомственные запросы идут по две недели",
    ],
}
STAFF_OPEN = {
    "3.1": "3.1. Проблемы: предоставление услуг",
    "3.2": "3.2. Проблемы: предоставление мер поддержки",
    "3.3": "3.3. Проблемы: контрольно-надзорные мероприятия",
    "3.4": "3.4. Проблемы: подготовка ответов на обращения",
    "3.5": "3.5. Проблемы: консультирование",
    "6.1": "6.1. Что не устраивает: технические средства",
    "6.2": "6.2. Что не устраивает: программное обеспечение",
    "6.3": "6.3. Что не устраивает: обслуживание техники",
    "6.4": "6.4. Что не устраивает: документооборот и контроль поручений",
    "6.5": "6.5. Что не устраивает: автоматизация отчётов",
    "6.6": "6.6. Что не устраивает: доступ в Интернет",
    "6.7": "6.7. Что не устраивает: доступ к данным иных органов",
}
GRID_ANSWERS = [
    "Полностью удовлетворен",
    "Скорее удовлетворен",
    "Скорее не удовлетворен",
    "Полностью не удовлетворен",
    "Затрудняюсь ответить",
]


def _mapping(name: str) -> dict:
    with open(ROOT / "data" / "taxonomy" / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _ball(n: int) -> str:
    return f"{n} балл" + ("" if n == 1 else "а" if n in (2, 3, 4) else "ов")


def external(rng: random.Random, n: int = 240) -> pd.DataFrame:
    spec = _mapping("survey_seed000.yaml")
    cols = spec["ratings"]["columns"]
    start = datetime(2025, 1, 9, 9, 0)
    rows = []
    for i in range(n):
        service = rng.choice(sorted(PROBLEMS))
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        problem = rng.random() < 0.6
        answer = rng.choice(PROBLEMS[service]) if problem else rng.choice(NO_PROBLEM)
        if problem and rng.random() < 0.3:
            answer += rng.choice(
                [". Очень неудобно.", ", пришлось ходить несколько раз.", ". Прошу улучшить."]
            )
        scale = [1, 2, 3, 4] if problem else [3, 4, 5, 5]
        online = not channel.startswith(("при личном", "другое"))
        row = {
            "Номер анкеты": 10_000 + i,
            "E-mail (необязательно)": f"resp{i}@example.org" if rng.random() < 0.2 else "",
            spec["created_at"]: start + timedelta(hours=int(i * 17.5 + rng.randint(0, 9))),
            spec["process"]["column"]: service,
            spec["open"][0]["column"]: answer,
            spec["channel"]["column"]: channel
            if rng.random() > 0.1
            else str(1 + [c for c, _ in CHANNELS].index(channel)),
            cols["portal_gosuslugi"]: rng.choice(scale) if online else None,
            cols["portal_mobile"]: rng.choice(scale) if online and rng.random() < 0.5 else None,
            cols["portal_agency_site"]: rng.choice(scale) if online and rng.random() < 0.4 else None,
            cols["ease"]: _ball(rng.choice(scale)),
        }
        for field in (
            "rating_application",
            "rating_status_info",
            "rating_documents",
            "rating_speed",
            "rating_electronic",
        ):
            row[cols[field]] = rng.choice(scale) if rng.random() > 0.05 else None
        row[spec["nps"]["column"]] = rng.choice([1, 3, 5, 6, 7, 8] if problem else [6, 7, 8, 9, 10, 10])
        row["18. Изменилось ли Ваше отношение к органу власти?"] = rng.choice(
            ["нет, не изменилось", "да, в лучшую сторону", "да, в худшую сторону", "затрудняюсь ответить"]
        )
        demo = spec["categorical"]
        row[demo["demo_status"]] = rng.choice(STATUS)
        row[demo["demo_gender"]] = rng.choice(["мужской", "женский"])
        row[demo["demo_age"]] = rng.choice(AGES)
        row[demo["demo_education"]] = rng.choice(EDUCATION)
        rows.append(row)
    return pd.DataFrame(rows)


def staff(rng: random.Random, n: int = 72) -> pd.DataFrame:
    spec = _mapping("survey_seed000_staff.yaml")
    start = datetime(2025, 4, 14, 10, 0)
    rows = []
    for i in range(n):
        unhappy = rng.random() < 0.35
        row = {
            "Номер анкеты": 20_000 + i,
            spec["created_at"]: start + timedelta(hours=i * 3 + rng.randint(0, 2)),
            spec["satisfied"]["column"]: rng.choice(
                ["Скорее не удовлетворен", "Затрудняюсь ответить"]
                if unhappy
                else ["Скорее удовлетворен", "Скорее удовлетворен", "Затрудняюсь ответить"]
            ),
        }
        for key, column in STAFF_OPEN.items():
            roll = rng.random()
            if roll < (0.35 if unhappy else 0.15):
                row[column] = rng.choice(STAFF_PROBLEMS[key])
            elif roll < 0.5 and key.startswith("3"):
                row[column] = "Не занимаюсь этим"
            else:
                row[column] = ""
        weights = [1, 2, 3, 2, 1] if unhappy else [3, 4, 1, 1, 1]
        for column in spec["grids"].values():
            row[column] = rng.choices(GRID_ANSWERS, weights=weights)[0]
        rows.append(row)
    return pd.DataFrame(rows)


def main(out: Path = ROOT / "data" / "samples" / "survey_export.xlsx") -> None:
    rng = random.Random(SEED)
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        external(rng).to_excel(writer, sheet_name="Внешние клиенты", index=False)
        staff(rng).to_excel(writer, sheet_name="Сотрудники", index=False)
        fixed = datetime(2025, 7, 1)
        writer.book.properties.created = writer.book.properties.modified = fixed
    _freeze_zip_times(out)
    print(f"{out}: записано")


def _freeze_zip_times(path: Path) -> None:
    """Rewrites the XLSX zip with fixed entry times so that reruns give identical bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    stamp = rb"\g<1>2025-07-01T00:00:00Z\g<2>"  # openpyxl stamps `modified` with the time of saving
    entries = [
        (n, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", stamp, d) if n == "docProps/core.xml" else d)
        for n, d in entries
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            dst.writestr(
                zipfile.ZipInfo(name, date_time=(2025, 7, 1, 0, 0, 0)),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "samples" / "survey_export.xlsx")
