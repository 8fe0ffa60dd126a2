"""Renders a quarterly report dict (service.reports.quarterly.quarterly_report) as the seeds' XLSX workbook
and as a
self-contained HTML page with inline SVG charts. Russian labels throughout: analysts read these files."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from models.painmap import PrevalenceThresholds
from nlp.resources import data_dir
from service.store.painmap import SEED_COLUMNS
from service.tables.write import formula_safe_cell

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
TAXONOMY = data_dir() / "taxonomy"
# The seeds' pain-map form (seed 000, Appendix 3), titled as the stored pain map exports it.
PAINMAP_COLUMNS = list(SEED_COLUMNS)
# Prevalence levels of the pain-map form without models.pains suggestions (share of the quarter's items).
PREVALENCE_LEVELS = (
    (PrevalenceThresholds().high, "высокая"), (PrevalenceThresholds().medium, "средняя"), (0.0, "низкая")
)
_SHARE_TITLES = ("Доля", "Распространённость", "95 % ДИ")


@lru_cache(maxsize=1)
def field_labels() -> dict[str, str]:
    """Russian labels of rating and grid fields, taken from the survey mapping files' `labels`."""
    labels: dict[str, str] = {}
    for path in sorted(TAXONOMY.glob("survey_*.yaml")):
        with open(path, encoding="utf-8") as fh:
            labels.update((yaml.safe_load(fh) or {}).get("labels", {}))
    return labels


def label(name: str) -> str:
    return field_labels().get(name, name)


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def _ci(block: dict) -> str:
    if block.get("ci_low") is None:
        return "—"
    return f"{100 * block['ci_low']:.1f}–{100 * block['ci_high']:.1f} %"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def indicator_rows(report: dict) -> list[list[str | int]]:
    """Rows of the «показатели» sheet: indicator, current quarter, previous quarter."""
    rows: list[list[str | int]] = []

    def add(name: str, fn, blocks: tuple[dict, dict]) -> None:
        values = [fn(blocks[0]), fn(blocks[1])]
        if values != ["—", "—"]:  # a parameter nobody rated in either quarter is no indicator
            rows.append([name, *values])

    for prefix, cur, prev in (
        ("", report["current"], report["previous"]),
        ("Внутренние клиенты: ", report["internal"]["current"], report["internal"]["previous"]),
    ):
        if prefix and not (cur["items"] or prev["items"]):
            continue  # no staff answers in either quarter: no empty block
        pair = (cur, prev)
        add(
            prefix + "Данные за период",
            lambda b: f"{b['first_date']} — {b['last_date']}" if b["items"] else "—",
            pair,
        )
        add(prefix + "Всего единиц обратной связи", lambda b: int(b["items"]), pair)
        add(prefix + "Негативная обратная связь, количество", lambda b: int(b["negative"]["count"]), pair)
        add(prefix + "Негативная обратная связь, доля", lambda b: _pct(b["negative"]["share"]), pair)
        add(prefix + "Удовлетворённые клиенты, количество", lambda b: int(b["satisfied"]["count"]), pair)
        add(
            prefix + "Удовлетворённые клиенты, доля (95 % ДИ)",
            lambda b: f"{_pct(b['satisfied']['share'])} ({_ci(b['satisfied'])})",
            pair,
        )
        add(prefix + "Неудовлетворённые клиенты, количество", lambda b: int(b["unsatisfied"]["count"]), pair)
        add(
            prefix + "Неудовлетворённые клиенты, доля (95 % ДИ)",
            lambda b: f"{_pct(b['unsatisfied']['share'])} ({_ci(b['unsatisfied'])})",
            pair,
        )
        add(
            prefix + "Удовлетворённость не известна, количество",
            lambda b: int(b["satisfaction_unknown"]),
            pair,
        )
        if cur["wait_time"]["answered"] or prev["wait_time"]["answered"]:
            add(
                prefix + "Время ожидания ответа, медиана, дней",
                lambda b: _num(b["wait_time"]["median_days"]),
                pair,
            )
            add(
                prefix + "Время ожидания ответа, 90-й перцентиль, дней",
                lambda b: _num(b["wait_time"]["p90_days"]),
                pair,
            )
            add(
                prefix + f"Доля ответов в срок ({report['deadline_days']:g} дн.)",
                lambda b: (
                    f"{_pct(b['wait_time']['within_deadline']['share'])} "
                    f"({_ci(b['wait_time']['within_deadline'])})"
                ),
                pair,
            )
        if cur["csat"]["overall"]["total"] or prev["csat"]["overall"]["total"]:
            add(
                prefix + "CSAT, доля оценок 4–5 (95 % ДИ)",
                lambda b: f"{_pct(b['csat']['overall']['share'])} ({_ci(b['csat']['overall'])})",
                pair,
            )
            params = sorted(set(cur["csat"]["parameters"]) | set(prev["csat"]["parameters"]))
            for p in params:
                add(
                    prefix + f"Средняя оценка: {label(p)}",
                    lambda b, p=p: _num(b["csat"]["parameters"].get(p, {}).get("mean"), 2),
                    pair,
                )
        for p in sorted(set(cur["other_ratings"]) | set(prev["other_ratings"])):
            add(
                prefix + f"Средняя оценка: {label(p)}",
                lambda b, p=p: _num(b["other_ratings"].get(p, {}).get("mean"), 2),
                pair,
            )
        if cur["nps"]["respondents"] or prev["nps"]["respondents"]:
            add(
                prefix + "NPS, пунктов (95 % ДИ)",
                lambda b: (
                    "—"
                    if b["nps"]["nps"] is None
                    else f"{b['nps']['nps']:.1f} ({b['nps']['ci_low']:.1f}…{b['nps']['ci_high']:.1f})"
                ),
                pair,
            )
        for g in sorted(set(cur.get("grids", {})) | set(prev.get("grids", {}))):
            add(
                prefix + f"Удовлетворены: {label(g)}",
                lambda b, g=g: _pct(b.get("grids", {}).get(g, {}).get("share")),
                pair,
            )
    rows.append(["Число выявленных болей", int(report["pains"]["distinct"]), "—"])
    return rows


def _paired(cur: list[dict], prev: list[dict], key: str = "name") -> pd.DataFrame:
    before = {r[key]: r for r in prev}
    return pd.DataFrame(
        [
            {
                "name": r[key],
                "count": r["count"],
                "share": r["share"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "prev_count": before.get(r[key], {}).get("count", 0),
                "prev_share": before.get(r[key], {}).get("share"),
            }
            for r in cur
        ]
    )


def _prevalence_level(share: float | None) -> str:
    share = share or 0.0
    return next(name for threshold, name in PREVALENCE_LEVELS if share >= threshold)


# models.painmap suggestion keys per pain-map column after «№» (the seeds' Russian titles or English names).
_SUGGESTION_KEYS = [
    (PAINMAP_COLUMNS[1], "process", "Процесс"),
    (PAINMAP_COLUMNS[2], "problem", "problems", "label", "Выявленные проблемы"),
    (PAINMAP_COLUMNS[3], "prevalence_level", "prevalence", "Распространенность"),
    (PAINMAP_COLUMNS[4], "priority", "Приоритетность"),
    (PAINMAP_COLUMNS[5], "measures", "Мероприятия", "Необходимые к реализации мероприятия"),
    (PAINMAP_COLUMNS[6], "responsible", "Ответственный"),
    (PAINMAP_COLUMNS[7], "deadline", "Срок реализации"),
]


def _pick(entry: dict, *keys: str) -> str:
    value = next((entry[k] for k in keys if entry.get(k) not in (None, "")), "")
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def painmap_rows(report: dict) -> list[list]:
    """The seeds' «Карта болей» form: from models.pains suggestions when given, else one row per top pain;
    priority follows prevalence (seed 000: the most widespread pains come first)."""
    suggestions = report["pains"].get("suggestions") or []
    rows = []
    if suggestions:
        for i, s in enumerate(suggestions, 1):
            cells = [_pick(s, *keys) for keys in _SUGGESTION_KEYS]
            rows.append([i, *cells])
        return rows
    for i, p in enumerate(report["pains"]["top"], 1):
        level = _prevalence_level(p["prevalence"])
        dominant = p["processes"][0] if p["processes"] else ""  # models.pains lists the largest first
        rows.append([i, dominant, p["label"], level, level, "", "", ""])
    return rows


def report_sheets(report: dict) -> dict[str, pd.DataFrame]:
    cur_q, prev_q = report["quarter"], report["previous_quarter"]
    cur, prev = report["current"], report["previous"]
    indicators = pd.DataFrame(indicator_rows(report), columns=["Показатель", cur_q, prev_q])
    names = {
        "name": None,
        "count": f"Количество, {cur_q}",
        "share": f"Доля, {cur_q}",
        "ci_low": "95 % ДИ, от",
        "ci_high": "95 % ДИ, до",
        "prev_count": f"Количество, {prev_q}",
        "prev_share": f"Доля, {prev_q}",
    }
    channels = _paired(cur["negative_by_channel"], prev["negative_by_channel"]).rename(
        columns={**names, "name": "Канал"}
    )
    topics = _paired(cur["negative_topics"], prev["negative_topics"]).rename(
        columns={**names, "name": "Тема"}
    )
    pains = pd.DataFrame(
        [
            {
                "№": i,
                "Боль": p["label"],
                "Количество": p["size"],
                "Распространённость": p["prevalence"],
                "95 % ДИ, от": p["ci_low"],
                "95 % ДИ, до": p["ci_high"],
                "Процессы": ", ".join(p["processes"][:3]),
            }
            for i, p in enumerate(report["pains"]["top"], 1)
        ],
        columns=["№", "Боль", "Количество", "Распространённость", "95 % ДИ, от", "95 % ДИ, до", "Процессы"],
    )
    painmap = pd.DataFrame(painmap_rows(report), columns=PAINMAP_COLUMNS)
    return {
        "показатели": indicators,
        "каналы": channels,
        "темы": topics,
        "боли": pains,
        "карта болей": painmap,
    }


def write_xlsx(report: dict, path: Path) -> Path:
    """Writes the five sheets; text cells that look like formulas are neutralised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in report_sheets(report).items():
            frame.map(formula_safe_cell).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for col_cells in sheet.columns:
                width = max(len(str(c.value or "")) for c in col_cells)
                sheet.column_dimensions[col_cells[0].column_letter].width = min(max(width + 2, 10), 70)
                if str(col_cells[0].value).startswith(_SHARE_TITLES):  # shares are stored as 0–1 numbers
                    for cell in col_cells[1:]:
                        cell.number_format = "0.0%"
    return path


def svg_bars(rows: list[tuple[str, float, float | None]], legend: tuple[str, str], unit: str = "%") -> str:
    """Horizontal bar chart (this vs previous quarter) as inline SVG; values are shares (0–1) or numbers."""
    if not rows:
        return '<p class="empty">Нет данных за квартал.</p>'
    scale = 100.0 if unit == "%" else 1.0
    top = max(max(c or 0, p or 0) for _, c, p in rows) * scale or 1.0
    label_w, bar_w = 400, 380
    series = [("#1f6fb2", 0)] + ([("#f0a23b", 1)] if any(p is not None for _, _, p in rows) else [])
    row_h = 8 + 13 * len(series)
    height = 30 + row_h * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{label_w + bar_w + 90}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 90} {height}" font-family="sans-serif" '
        f'font-size="12">',
        f'<rect x="{label_w}" y="4" width="12" height="10" fill="#1f6fb2"/>'
        f'<text x="{label_w + 16}" y="13">{html.escape(legend[0])}</text>',
    ]
    if len(series) > 1:
        parts.append(
            f'<rect x="{label_w + 130}" y="4" width="12" height="10" fill="#f0a23b"/>'
            f'<text x="{label_w + 146}" y="13">{html.escape(legend[1])}</text>'
        )
    for i, (name, cur, prev) in enumerate(rows):
        y = 24 + i * row_h
        short = name if len(name) <= 52 else name[:50] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end"><title>{html.escape(name)}</title>'
            f"{html.escape(short)}</text>"
        )
        for colour, j in series:
            value = (cur, prev)[j]
            v = (value or 0) * scale
            w = max(v / top * bar_w, 1 if value else 0)
            yy = y + 2 + j * 13
            text = f"{v:.1f}{' %' if unit == '%' else ''}" if value is not None else "—"
            parts.append(
                f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="12" fill="{colour}"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{yy + 10}" font-size="10">{text}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: dict) -> str:
    """The self-contained report page (no external resources: charts are inline SVG)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    cur, prev = report["current"], report["previous"]
    legend = (report["quarter"], report["previous_quarter"])

    def pair(key: str) -> list[tuple[str, float, float | None]]:
        before = {r["name"]: r["share"] for r in prev[key]}
        return [(r["name"], r["share"], before.get(r["name"])) for r in cur[key]]

    satisfaction = [
        ("Удовлетворены", cur["satisfied"]["share"], prev["satisfied"]["share"]),
        ("Не удовлетворены", cur["unsatisfied"]["share"], prev["unsatisfied"]["share"]),
        (
            "Ответ в срок",
            cur["wait_time"]["within_deadline"]["share"],
            prev["wait_time"]["within_deadline"]["share"],
        ),
    ]
    ratings = [
        (label(p), v["mean"], prev["csat"]["parameters"].get(p, {}).get("mean"))
        for p, v in cur["csat"]["parameters"].items()
    ]
    internal, internal_prev = report["internal"]["current"], report["internal"]["previous"]
    grids = [
        (label(g), v["share"], internal_prev.get("grids", {}).get(g, {}).get("share"))
        for g, v in internal.get("grids", {}).items()
        if v["share"] is not None
    ]
    charts = {
        "channels": svg_bars(pair("negative_by_channel"), legend),
        "topics": svg_bars(pair("negative_topics"), legend),
        "satisfaction": svg_bars([r for r in satisfaction if r[1] is not None or r[2] is not None], legend),
        "ratings": svg_bars(ratings, legend, unit="балл") if ratings else "",
        "pains": svg_bars([(p["label"], p["prevalence"], None) for p in report["pains"]["top"]], legend),
        "internal_grids": svg_bars(grids, legend) if grids else "",
    }
    sheets = report_sheets(report)
    return env.get_template("report.html").render(
        report=report,
        charts=charts,
        indicators=sheets["показатели"].values.tolist(),
        painmap=sheets["карта болей"].values.tolist(),
        painmap_columns=PAINMAP_COLUMNS,
    )


def write_html(report: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
