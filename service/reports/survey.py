"""Survey import: an export of the seed 000 questionnaires (Appendix 1 external, Appendix 2 staff) becomes
report items (kind survey_answer) through a mapping YAML from the export's column titles to item fields.

One item per open answer that states a problem; a respondent without one still gives one item, text
«Проблем не было», so that their ratings count. Only mapped columns are read and open answers are
masked, so no respondent identity is stored; `respondent` is an anonymous key (form + export row) so
ratings count once.

>>> items = import_survey("data/samples/survey_export.xlsx", "data/taxonomy/survey_seed000.yaml")
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

MAX_ERRORS = 20
NO_PROBLEM_TEXT = "Проблем не было"
_LEADING_INT = re.compile(r"^\s*(\d+)(?:[.,]0+)?(?:\s*(?:балл\w*|б\.?))?\s*$", re.IGNORECASE)


class SurveyError(ValueError):
    """A bad export or mapping; the message names the file, column and (Excel) row."""


def load_mapping(mapping: Path | str | dict) -> dict:
    if isinstance(mapping, dict):
        return mapping
    path = Path(mapping)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise SurveyError(f"{path}: сопоставление не прочитано: {exc}") from exc
    if not isinstance(data, dict) or "form" not in data:
        raise SurveyError(f"{path}: в сопоставлении нет поля form")
    return data


def read_export(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """The export as strings-or-numbers, header in row 1 (so Excel row = index + 2)."""
    path = Path(path)
    if not path.exists():
        raise SurveyError(f"{path}: файл не найден")
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        sheets = pd.ExcelFile(path).sheet_names
        if sheet is not None and sheet not in sheets:
            raise SurveyError(f"{path}: нет листа «{sheet}»; есть: {', '.join(sheets)}")
        return pd.read_excel(path, sheet_name=sheet or sheets[0], dtype=object)
    return pd.read_csv(path, dtype=object, encoding="utf-8-sig")


def _columns(mapping: dict) -> list[str]:
    """Every export column the mapping reads."""
    cols = [mapping.get("created_at")]
    for key in ("process", "channel", "nps", "satisfied"):
        if isinstance(mapping.get(key), dict):
            cols.append(mapping[key].get("column"))
    cols += [q["column"] for q in mapping.get("open", [])]
    cols += list(mapping.get("ratings", {}).get("columns", {}).values())
    cols += list(mapping.get("grids", {}).values()) + list(mapping.get("categorical", {}).values())
    return [c for c in cols if c]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _score(value: Any, low: int, high: int) -> int | None:
    """An integer answer on [low, high]; None for a blank; ValueError otherwise."""
    if _blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if not number.is_integer():
            raise ValueError
        score = int(number)
    else:
        match = _LEADING_INT.match(str(value))
        if not match:
            raise ValueError
        score = int(match.group(1))
    if not low <= score <= high:
        raise ValueError
    return score


def _coded(value: Any, values: dict) -> Any:
    """An answer through a code/text table (case-insensitive); unlisted answers are kept as written."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    table = {str(k).strip().lower(): v for k, v in values.items()}
    return table.get(str(value).strip().lower(), str(value).strip())


class _Errors:
    def __init__(self, where: str) -> None:
        self.where, self.items = where, []

    def add(self, column: str, row: int, what: str) -> None:
        self.items.append(f"столбец «{column}», строка {row}: {what}")

    def raise_if_any(self) -> None:
        if self.items:
            more = f" … и ещё {len(self.items) - MAX_ERRORS}" if len(self.items) > MAX_ERRORS else ""
            raise SurveyError(f"{self.where}: " + "; ".join(self.items[:MAX_ERRORS]) + more)


def _respondent_fields(row: pd.Series, excel_row: int, mapping: dict, errors: _Errors) -> dict:
    """Ratings, NPS, channel, process, grids, demographics and satisfaction of one respondent."""
    rec: dict[str, Any] = {}
    low, high = mapping.get("ratings", {}).get("scale", [1, 5])
    for field, col in mapping.get("ratings", {}).get("columns", {}).items():
        try:
            rec[field] = _score(row[col], low, high)
        except ValueError:
            errors.add(col, excel_row, f"оценка «{row[col]}» вне шкалы {low}–{high}")
    if "nps" in mapping:
        col = mapping["nps"]["column"]
        n_low, n_high = mapping["nps"].get("scale", [0, 10])
        try:
            rec["nps"] = _score(row[col], n_low, n_high)
        except ValueError:
            errors.add(col, excel_row, f"оценка NPS «{row[col]}» вне шкалы {n_low}–{n_high}")
    for key in ("process", "channel"):
        if key in mapping:
            rec[key] = _coded(row[mapping[key]["column"]], mapping[key].get("values", {}))
    grid_values = {str(k).strip().lower(): v for k, v in mapping.get("grid_values", {}).items()}
    for field, col in mapping.get("grids", {}).items():
        value = row[col]
        if _blank(value):
            rec[field] = "unknown"
        elif str(value).strip().lower() in grid_values:
            rec[field] = grid_values[str(value).strip().lower()]
        else:
            errors.add(col, excel_row, f"ответ «{value}» не из списка: {', '.join(mapping['grid_values'])}")
    for field, col in mapping.get("categorical", {}).items():
        rec[field] = None if _blank(row[col]) else str(row[col]).strip()
    rec["satisfied"] = _satisfaction(rec, row, mapping.get("satisfied", {}))
    return rec


def _satisfaction(rec: dict, row: pd.Series, rule: dict) -> str:
    if "column" in rule:
        answer = _coded(row[rule["column"]], rule.get("values", {}))
        return answer if answer in {"yes", "no"} else "unknown"
    if "from_ratings" in rule:
        scores = [v for k, v in rec.items() if k.startswith("rating_") and v is not None]
        if not scores:
            return "unknown"
        mean = sum(scores) / len(scores)
        if mean >= rule["from_ratings"].get("yes_at_least", 4):
            return "yes"
        if mean < rule["from_ratings"].get("no_below", 3):
            return "no"
    return "unknown"


def import_survey(
    path: Path | str,
    mapping: Path | str | dict,
    *,
    sheet: str | None = None,
    period: str | None = None,
    mask: bool = True,
) -> pd.DataFrame:
    """Items of a survey export (see the module doc). `period` ('2025Q1') is needed when the mapping has no
    `created_at` column. Raises SurveyError naming the file, column and row of every bad cell."""
    path = Path(path)
    spec = load_mapping(mapping)
    sheet = sheet or spec.get("sheet")
    frame = read_export(path, sheet)
    where = f"{path}" + (f", лист «{sheet}»" if sheet else "")
    missing = [c for c in _columns(spec) if c not in frame.columns]
    if missing:
        source = mapping if not isinstance(mapping, dict) else "сопоставление"
        raise SurveyError(f"{where}: нет столбцов из {source}: " + ", ".join(f"«{c}»" for c in missing))
    if not spec.get("created_at") and not period:
        raise SurveyError(f"{where}: в сопоставлении нет created_at — укажите период (например 2025Q1)")
    errors = _Errors(where)
    no_problem = {str(s).strip().lower() for s in spec.get("no_problem", [])}
    rows: list[dict] = []
    for i, (_, row) in enumerate(frame.iterrows()):
        excel_row = i + 2
        if row.isna().all():
            continue
        base = {
            "kind": "survey_answer",
            "audience": spec.get("audience", "external"),
            "respondent": f"{spec['form']}-{excel_row:05d}",
            "form": spec["form"],
        }
        if spec.get("created_at"):
            created = pd.to_datetime(row[spec["created_at"]], errors="coerce")
            if pd.isna(created):
                errors.add(spec["created_at"], excel_row, f"дата «{row[spec['created_at']]}» не распознана")
            base["created_at"] = created
        else:
            base["period"] = period
        base.update(_respondent_fields(row, excel_row, spec, errors))
        answers = []
        for q in spec.get("open", []):
            value = row[q["column"]]
            if _blank(value) or str(value).strip().lower() in no_problem:
                continue
            text = str(value).strip()
            answers.append(
                {
                    "text": text,
                    "question": q.get("question"),
                    "negative": True,
                    **{k: q[k] for k in ("topic", "internal_object") if k in q},
                }
            )
        # Without a problem the respondent still counts (ratings, NPS); a fixed text keeps the row through
        # ingest, which drops empty texts, and reads as «no problem» to the report and models.pains.
        for answer in answers or [{"text": NO_PROBLEM_TEXT, "question": None, "negative": False}]:
            rows.append({**base, **answer})
    errors.raise_if_any()
    items = pd.DataFrame(rows)
    if mask and len(items):
        from service.store.items import mask_texts  # the one masking path, NER included

        open_answers = items["text"] != NO_PROBLEM_TEXT
        items.loc[open_answers, "text"] = mask_texts(items.loc[open_answers, "text"].tolist())
    return items
