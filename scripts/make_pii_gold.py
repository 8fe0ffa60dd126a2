"""Compose the written part of the personal-data gold set: data/pii_gold/written.jsonl.

    .venv/bin/python scripts/make_pii_gold.py

Appeals and survey answers in the style of other regions (official and colloquial, lowercase, typos, HTML
leftovers from portal exports), each with the personal data it holds, in order of appearance, as
{"type", "value"} pairs: the value is what must disappear from the masked text. Everything else in a
text — organisations, positions, streets without a house, stop names, ordinary dates, amounts — must
stay. The texts were written from these templates before the masker was run on them; the script is
seeded, so the file is the same on every run. Real SPb texts are annotated separately (spb.jsonl).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "pii_gold" / "written.jsonl"

# (surname nom, first name nom, patronymic nom, surname gen, first gen, patronymic gen, surname dat)
PEOPLE = [
    ("Иванов", "Иван", "Петрович", "Иванова", "Ивана", "Петровича", "Иванову"),
    ("Сергеева", "Ольга", "Викторовна", "Сергеевой", "Ольги", "Викторовны", "Сергеевой"),
    ("Колесник", "Андрей", "Юрьевич", "Колесника", "Андрея", "Юрьевича", "Колеснику"),
    ("Мамедова", "Айгюн", "Рашидовна", "Мамедовой", "Айгюн", "Рашидовны", "Мамедовой"),
    ("Ткаченко", "Наталья", "Сергеевна", "Ткаченко", "Натальи", "Сергеевны", "Ткаченко"),
    ("Белых", "Дмитрий", "Олегович", "Белых", "Дмитрия", "Олеговича", "Белых"),
    (
        "Римская-Корсакова",
        "Елена",
        "Андреевна",
        "Римской-Корсаковой",
        "Елены",
        "Андреевны",
        "Римской-Корсаковой",
    ),
    ("Шевчук", "Татьяна", "Ивановна", "Шевчук", "Татьяны", "Ивановны", "Шевчук"),
    ("Гусейнов", "Эльдар", "Маратович", "Гусейнова", "Эльдара", "Маратовича", "Гусейнову"),
    ("Воробьёва", "Алёна", "Игоревна", "Воробьёвой", "Алёны", "Игоревны", "Воробьёвой"),
    ("Кузьмин", "Пётр", "Алексеевич", "Кузьмина", "Петра", "Алексеевича", "Кузьмину"),
    ("Лысенко", "Галина", "Николаевна", "Лысенко", "Галины", "Николаевны", "Лысенко"),
]
STREETS = ["Садовая", "Полевая", "Лесная", "Молодёжная", "Победы", "Гагарина", "Советская", "Заречная"]
SETTLEMENTS = ["с. Каменка", "д. Ивановка", "пос. Юбилейный", "ст. Заречная", "р.п. Лесной"]
ORGS = ["МФЦ", "УК «Комфорт»", "ТСЖ «Наш дом»", "Водоканал", "администрацию района", "поликлинику № 3"]
STOPS = ["Ленина", "Кирова", "Пушкинская", "Гагарина", "Площадь Мира"]
ROLES = ["мастер участка", "участковый", "инспектор", "специалист", "главный инженер", "диспетчер"]


def phone(r: random.Random) -> str:
    d = [r.randint(0, 9) for _ in range(7)]
    code = f"9{r.randint(0, 9)}{r.randint(0, 9)}"
    forms = [
        f"+7 ({code}) {d[0]}{d[1]}{d[2]}-{d[3]}{d[4]}-{d[5]}{d[6]}",
        f"8 {code} {d[0]}{d[1]}{d[2]} {d[3]}{d[4]} {d[5]}{d[6]}",
        f"8{code}{''.join(map(str, d))}",
        f"+7{code}{''.join(map(str, d))}",
        f"8-{code}-{d[0]}{d[1]}{d[2]}-{d[3]}{d[4]}-{d[5]}{d[6]}",
        f"8 (3852) {d[0]}{d[1]}-{d[2]}{d[3]}-{d[4]}{d[5]}",
        f"{d[0] or 2}{d[1]}{d[2]}-{d[3]}{d[4]}-{d[5]}{d[6]}",
    ]
    return r.choice(forms)


def email(r: random.Random, person: tuple) -> str:
    translit = {"Иванов": "ivanov", "Сергеева": "o.sergeeva", "Колесник": "kolesnik.a"}
    user = translit.get(person[0], r.choice(["natali", "dimon77", "galina.n", "petr_k", "alena-v"]))
    return f"{user}{r.choice(['', '1985', '_72'])}@{r.choice(['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru'])}"


def snils(r: random.Random) -> str:
    d = "".join(str(r.randint(0, 9)) for _ in range(11))
    return r.choice([f"{d[:3]}-{d[3:6]}-{d[6:9]} {d[9:]}", f"{d[:3]}-{d[3:6]}-{d[6:9]}-{d[9:]}", d])


def passport(r: random.Random) -> str:
    s = f"{r.randint(10, 99)}{r.randint(10, 99)}"
    n = f"{r.randint(100000, 999999)}"
    return r.choice([f"{s[:2]} {s[2:]} {n}", f"{s} {n}", f"{s}№{n}"])


def inn12(r: random.Random) -> str:
    d = [r.randint(0, 9) for _ in range(10)]
    w1 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    d.append(sum(a * b for a, b in zip(w1, d, strict=True)) % 11 % 10)
    w2 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    d.append(sum(a * b for a, b in zip(w2, d, strict=True)) % 11 % 10)
    return "".join(map(str, d))


def card(r: random.Random) -> str:
    d = [4, 2, 7, 6] + [r.randint(0, 9) for _ in range(11)]
    total = 0
    for i, x in enumerate(reversed(d)):  # Luhn check digit
        y = x * 2 if i % 2 == 0 else x
        total += y - 9 if y > 9 else y
    d.append((10 - total % 10) % 10)
    s = "".join(map(str, d))
    return r.choice(
        [" ".join(s[i : i + 4] for i in range(0, 16, 4)), s, "-".join(s[i : i + 4] for i in range(0, 16, 4))]
    )


def date(r: random.Random) -> str:
    day, month, year = r.randint(1, 28), r.randint(1, 12), r.randint(1940, 2005)
    months = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ]
    return r.choice(
        [
            f"{day:02d}.{month:02d}.{year}",
            f"{day} {months[month - 1]} {year} г.",
            f"{day:02d}.{month:02d}.{year}г",
        ]
    )


def social(r: random.Random) -> str:
    return r.choice(
        [
            f"https://vk.com/id{r.randint(10000, 99999999)}",
            "vk.com/olga.sergeeva85",
            f"https://ok.ru/profile/{r.randint(10**8, 10**9)}",
            "t.me/petr_kuzmin",
            "https://t.me/galina_lys",
            "instagram.com/alena.vorobyova",
        ]
    )


class Text:
    """A text under construction: plain parts and personal-data parts (type, value)."""

    def __init__(self) -> None:
        self.parts: list[tuple[str | None, str]] = []

    def add(self, s: str) -> Text:
        self.parts.append((None, s))
        return self

    def pii(self, kind: str, value: str) -> Text:
        self.parts.append((kind, value))
        return self

    def render(self, r: random.Random, html: bool) -> tuple[str, list[dict]]:
        text = "".join(v for _, v in self.parts)
        spans = [{"type": k, "value": v} for k, v in self.parts if k]
        if html:
            text = _htmlise(text, r)
        return text, spans


def _htmlise(text: str, r: random.Random) -> str:
    """Portal-export leftovers: paragraphs, <br>, &nbsp;, inline styles, entities for quotes."""
    text = text.replace("«", "&laquo;").replace("»", "&raquo;") if r.random() < 0.5 else text
    lines = text.split("\n")
    style = r.choice(["", ' style="margin:0;font-family:Arial"', ' class="MsoNormal"'])
    if r.random() < 0.5:
        body = "".join(f"<p{style}>{line}</p>" for line in lines)
    else:
        body = "<br />".join(lines)
        body = f"<div{style}>{body}</div>"
    body = body.replace(", ", ",&nbsp;", 1)
    if r.random() < 0.3:
        body = "<style>p {color: black}</style>" + body
    return body


def lower_name(value: str, r: random.Random) -> str:
    return value.lower() if r.random() < 0.5 else value


def compose(r: random.Random) -> Text:  # noqa: C901, PLR0915 (one template per branch, on purpose)
    p = r.choice(PEOPLE)
    fio = f"{p[0]} {p[1]} {p[2]}"
    t = Text()
    kind = r.randrange(22)
    street, house, flat = r.choice(STREETS), r.randint(1, 120), r.randint(1, 300)
    if kind == 0:
        t.add("Здравствуйте. Меня зовут ").pii("PERSON", f"{p[1]} {p[0]}").add(
            f". Второй месяц в подъезде не горит свет, {r.choice(ORGS)} не реагирует. Мой телефон "
        ).pii("PHONE", phone(r)).add(".")
    elif kind == 1:
        t.add("Я, ").pii("PERSON", fio).add(", проживающий по адресу: ул. ").add(street).add(", ").pii(
            "ADDRESS", f"д. {house}, кв. {flat}"
        ).add(", прошу провести перерасчет за отопление за январь 2025 г.")
    elif kind == 2:
        t.add("пишет ").pii("PERSON", fio.lower()).add(" , тел ").pii("PHONE", phone(r)).add(
            " . почему до сих пор не вывезли мусор с площадки?"
        )
    elif kind == 3:
        t.add("Меня зовут ").pii("PERSON", p[0]).add(
            ", я жительница дома. Мастер обещал прийти и не пришел. Прошу принять меры."
        )
    elif kind == 4:
        t.add("Заявитель: ").pii("PERSON", fio).add(", дата рождения ").pii("BIRTHDATE", date(r)).add(
            ", СНИЛС "
        ).pii("SNILS", snils(r)).add(". Прошу назначить ежемесячную выплату на ребёнка.")
    elif kind == 5:
        t.add("Проживаю: пр-т ").add(street).add(" ").pii("ADDRESS", f"{house}-{flat}").add(
            ". Во дворе яма уже третий год, машины бьют колёса. Звонила в "
        ).add(r.choice(ORGS)).add(" — бесполезно.")
    elif kind == 6:
        t.add("ул. ").add(street).add(" ").pii("ADDRESS", f"{house}к{r.randint(1, 4)} пом. {flat}").add(
            " — течёт крыша, потолок в пятнах, управляющая компания отвечает отписками."
        )
    elif kind == 7:
        t.add(r.choice(SETTLEMENTS)).add(", ул. ").add(street).add(", ").pii("ADDRESS", f"д. {house}").add(
            ". Живу в частном доме, вода из колонки идет ржавая уже месяц. "
        ).pii("PERSON", f"{p[0]} {p[1][0]}.{p[2][0]}.")
    elif kind == 8:
        t.add("Остановка «").add(r.choice(STOPS)).add("» — павильон разбит, лавочки нет. Автобус № ").add(
            str(r.randint(2, 150))
        ).add(" ходит раз в час. Ответ прошу направить на почту ").pii("EMAIL", email(r, p)).add(".")
    elif kind == 9:
        t.add("Прошу вернуть деньги: списали 2 350 руб. с карты ").pii("CARD", card(r)).add(
            " за услугу, которую не оказали. 15.03.2025 обращалась в "
        ).add(r.choice(ORGS)).add(".")
    elif kind == 10:
        t.add("От ").pii("PERSON", f"{p[3]} {p[4]} {p[5]}").add(". Паспорт ").pii(
            "PASSPORT", passport(r)
        ).add(", выдан ОУФМС. Не могу получить справку в ").add(r.choice(ORGS)).add(" вторую неделю.")
    elif kind == 11:
        t.add(f"{r.choice(ROLES).capitalize()} ").pii("PERSON", p[0]).add(
            " грубил и отказался принять заявление. Прошу разобраться. Глава администрации в курсе."
        )
    elif kind == 12:
        t.add("ИНН ").pii("INN", inn12(r)).add(". Налог начислен на дом, который снесён в 2019 году. ").pii(
            "PERSON", f"{p[1]} {p[2]}"
        ).add(", пенсионерка.")
    elif kind == 13:
        t.add("моя страница ").pii("SOCIAL", social(r)).add(
            " там видео как затопило подвал. уже 3 дня стоит вода, вонь на весь подъезд"
        )
    elif kind == 14:
        t.add("Дом ").add(str(house)).add(" по ул. ").add(street).add(
            " — во дворе не убран снег, тротуар не посыпан. Дворника нет с декабря."
        )
    elif kind == 15:
        t.add("Моя мама, ").pii("PERSON", f"{p[1]} {p[2]}").add(", ").pii(
            "BIRTHDATE", f"{r.randint(1935, 1955)} г.р."
        ).add(", не может дозвониться до поликлиники. Запишите ее к терапевту. Мой номер ").pii(
            "PHONE", phone(r)
        ).add(".")
    elif kind == 16:
        t.add("добрый день. ").pii("PERSON", lower_name(f"{p[0]} {p[1]}", r)).add(", кв ").pii(
            "ADDRESS", str(flat)
        ).add(". Лифт стоит вторую неделю, на 9 этаж с коляской не подняться!!!")
    elif kind == 17:
        t.add("Ребенок, ").pii("PERSON", f"{p[1]} {p[0]}").add(", родился ").pii("BIRTHDATE", date(r)).add(
            ", не получает положенное пособие. Документы сдавали в МФЦ 12 февраля."
        )
    elif kind == 18:
        t.add("Специалист отдела опеки ").pii("PERSON", f"{p[0]} {p[1][0]}.").add(
            " не отвечает на звонки, а на "
        ).add(r.choice(ORGS)).add(" ссылаться бесполезно. С уважением, ").pii(
            "PERSON", f"{p[0]} {p[1][0]}. {p[2][0]}."
        )
    elif kind == 19:
        t.add("В парке Победы не работают фонари, у остановки «").add(r.choice(STOPS)).add(
            "» темно. Улица "
        ).add(street).add(" вообще без освещения. Ответ по тел. ").pii("PHONE", phone(r))
    elif kind == 20:
        t.add("Обращаюсь повторно!\n").pii("PERSON", fio).add("\nадрес: ").add(f"ул. {street}, ").pii(
            "ADDRESS", f"д.{house} кв.{flat}"
        ).add("\nВ квартире холодно, батареи еле теплые, +16 в детской.")
    else:
        t.add("Спасибо специалисту ").pii("PERSON", p[6]).add(" из ").add(r.choice(ORGS)).add(
            ", всё объяснила. Но очередь была 2 часа, талон № 45."
        )
    return t


def main() -> None:
    r = random.Random(2026)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(130):
        text, spans = compose(r).render(r, html=r.random() < 0.3)
        rows.append({"id": f"w{i + 1:03d}", "text": text, "pii": spans})
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(rows)} texts, {sum(len(r['pii']) for r in rows)} spans")


if __name__ == "__main__":
    main()
