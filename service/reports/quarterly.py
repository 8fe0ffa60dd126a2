"""The seeds' quarterly analysis of feedback (seed 000 §18, seed 004 §5.3): for a quarter and the one
before it — negative feedback by channel and topic, wait time, satisfied/unsatisfied clients, CSAT, NPS,
pains, and internal clients separately. Works on an *items frame* so that the DB, SPb files and survey
imports feed it alike.

Items frame (one row per text; only `created_at` or `period` is required):
    text, kind (appeal|survey_answer|review), channel, created_at, answered_at, satisfied (yes|no|unknown),
    negative (bool; default: appeals and reviews are negative, a survey answer unless it says «no problem»),
    topic, process, audience (external|internal), internal_object, rating_<param> (1–5, CSAT),
    portal_<resource> and ease (other 1–5 ratings), nps (0–10), grid_<question> (yes|no|unknown, staff grids),
    respondent (anonymous key: a survey respondent's ratings count once), pain (pain label, optional),
    period ("2021Q1", derived from created_at when absent).

>>> report = quarterly_report(items, "2021Q1", deadline_days=30)
>>> report["current"]["negative"]["count"], report["previous_quarter"]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from models.taxonomy import load_taxonomy
from nlp.resources import data_dir
from service.reports.metrics import counts_with_shares, csat, nps, share, wait_time
from service.tables.dates import parse_dates

log = logging.getLogger(__name__)

NEGATIVE_KINDS = {"appeal", "review"}
# Survey answers that state no problem (the seed 000 form's «Проблем не было» and what people write instead).
NO_PROBLEM_ANSWERS = frozenset(
    {
        "",
        "-",
        "—",
        "нет",
        "проблем не было",
        "проблем нет",
        "не было",
        "всё хорошо",
        "все хорошо",
        "не сталкивался",
        "не сталкивалась",
        "затрудняюсь ответить",
        "не занимаюсь этим",
        "всё устраивает",
        "все устраивает",
    }
)
_YES = {"yes", "да", "true", "1", "удовлетворен"}
_NO = {"no", "нет", "false", "0", "не удовлетворен"}


def parse_quarter(quarter: str) -> pd.Period:
    """'2021Q1' (also '2021-Q1', '2021 q1') → Period; ValueError naming the bad value otherwise."""
    text = str(quarter).strip().upper().replace("-", "").replace(" ", "")
    try:
        period = pd.Period(text, freq="Q")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"квартал «{quarter}» не распознан: ожидается вид 2021Q1") from exc
    if str(period) != text:
        raise ValueError(f"квартал «{quarter}» не распознан: ожидается вид 2021Q1")
    return period


def _satisfied(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "unknown"
    text = str(value).strip().lower()
    if text in _YES:
        return "yes"
    if text in _NO:
        return "no"
    return "unknown"


def _dates(values: pd.Series, column: str) -> pd.Series:
    """Datetimes of a column; a value that is present but not a date is an error naming its rows
    (the frame's index labels: the CLI numbers them as lines of the file)."""
    parsed = parse_dates(values)
    bad = parsed.isna() & values.notna() & (values.astype("object").astype(str).str.strip() != "")
    if bad.any():
        rows = ", ".join(f"строка {i} («{values[i]}»)" for i in list(values.index[bad])[:5])
        raise ValueError(f"столбец {column}: не дата в {int(bad.sum())} строках, например: {rows}")
    return parsed


def normalize_items(items: pd.DataFrame) -> pd.DataFrame:
    """A copy of `items` with every optional column present and typed; raises ValueError on a missing date."""
    if "created_at" not in items.columns and "period" not in items.columns:
        raise ValueError(
            "в данных нет ни столбца created_at, ни столбца period: не из чего определить квартал"
        )
    df = items.copy()
    n = len(df)
    for col in ("created_at", "answered_at"):
        df[col] = _dates(df[col], col) if col in df.columns else pd.Series(pd.NaT, index=df.index)
    for col in ("created_at", "answered_at"):
        if getattr(df[col].dt, "tz", None) is not None:
            df[col] = df[col].dt.tz_convert("UTC").dt.tz_localize(None)
    if "period" in df.columns:
        df["period"] = df["period"].astype("object").where(df["period"].notna(), None)
        missing = df["period"].isna()
        df.loc[missing, "period"] = df.loc[missing, "created_at"].dt.to_period("Q").astype(str)
    else:
        df["period"] = df["created_at"].dt.to_period("Q").astype(str)
    defaults = {
        "text": "",
        "kind": "appeal",
        "channel": "не указан",
        "topic": None,
        "process": None,
        "audience": "external",
        "internal_object": None,
        "respondent": None,
        "pain": None,
    }
    for col, default in defaults.items():
        if col not in df.columns:
            df[col] = [default] * n
    df["text"] = df["text"].fillna("").astype(str)
    df["kind"] = df["kind"].fillna("appeal").astype(str)
    df["channel"] = df["channel"].fillna("не указан").astype(str)
    df["audience"] = df["audience"].fillna("external").astype(str)
    df["satisfied"] = [_satisfied(v) for v in df["satisfied"]] if "satisfied" in df.columns else "unknown"
    answer = df["text"].str.strip().str.lower().str.rstrip(".!")
    stated = (df["kind"] == "survey_answer") & ~answer.isin(NO_PROBLEM_ANSWERS)
    default = df["kind"].isin(NEGATIVE_KINDS) | stated
    if "negative" in df.columns:  # rows of a mixed frame (appeals + survey) may leave it empty
        given = df["negative"].astype("object")
        df["negative"] = [bool(d) if pd.isna(g) else bool(g) for g, d in zip(given, default, strict=True)]
    else:
        df["negative"] = default
    df["negative"] = df["negative"].astype(bool)
    return df


def _clients(df: pd.DataFrame) -> pd.DataFrame:
    """One row per client: survey respondents with several answers count once."""
    keyed = df["respondent"].notna()
    return pd.concat([df[~keyed], df[keyed].drop_duplicates("respondent")])


def period_metrics(df: pd.DataFrame, *, deadline_days: float = 30, top: int = 10) -> dict:
    """The seeds' metrics for the items of one period (already filtered)."""
    negative = df[df["negative"]]
    clients = _clients(df)
    answerable = df[df["kind"] != "survey_answer"]
    satisfied = clients["satisfied"]
    known = int(satisfied.isin(["yes", "no"]).sum())
    rating_cols = sorted(c for c in clients.columns if c.startswith("rating_"))
    other_cols = sorted(c for c in clients.columns if c.startswith("portal_") or c == "ease")
    nps_block = nps(clients["nps"]) if "nps" in clients.columns else nps(pd.Series(dtype=float))
    dates = df["created_at"].dropna()
    return {
        "items": int(len(df)),
        # The data's own span: a quarter the source covers only partly (SPb starts 2020-10-18) shows here.
        "first_date": dates.min().date().isoformat() if len(dates) else None,
        "last_date": dates.max().date().isoformat() if len(dates) else None,
        "clients": int(len(clients)),
        "kinds": counts_with_shares(df["kind"]),
        "negative": share(int(len(negative)), int(len(df))),
        "negative_by_channel": counts_with_shares(negative["channel"]),
        "negative_topics": counts_with_shares(negative["topic"], top=top, missing="тема не определена"),
        "negative_processes": counts_with_shares(
            negative["process"], top=top, missing="процесс не определён"
        ),
        "wait_time": wait_time(answerable["created_at"], answerable["answered_at"], deadline_days),
        "satisfied": share(int((satisfied == "yes").sum()), int(len(clients))),
        "unsatisfied": share(int((satisfied == "no").sum()), int(len(clients))),
        "satisfaction_unknown": int((satisfied == "unknown").sum()),
        "satisfied_of_known": share(int((satisfied == "yes").sum()), known),
        "csat": csat(clients[rating_cols]),
        "other_ratings": csat(clients[other_cols])["parameters"],
        "nps": nps_block,
    }


def internal_metrics(df: pd.DataFrame, *, deadline_days: float = 30, top: int = 10) -> dict:
    """Internal clients (staff): the common metrics plus the seed 000 §11 objects and the survey grids."""
    out = period_metrics(df, deadline_days=deadline_days, top=top)
    objects = df.loc[df["negative"], "internal_object"]
    rows = counts_with_shares(objects, missing="объект не определён")
    # Every seed 000 object is listed, zero when nobody named it: silence is a finding too.
    seen = {r["name"] for r in rows}
    known = sorted(load_taxonomy().labels("internal_object") or ())
    out["objects"] = rows + [{"name": name, **share(0, len(objects))} for name in known if name not in seen]
    clients = _clients(df)
    grids = {}
    for col in sorted(c for c in clients.columns if c.startswith("grid_")):
        values = clients[col].map(_satisfied)
        grids[col] = share(int((values == "yes").sum()), int(values.isin(["yes", "no"]).sum()))
    out["grids"] = grids
    return out


def _pain_list(pains: Any) -> tuple[list[dict], list[dict]]:
    """Pains as dicts (issue #5 JSON shape) and the pain-map suggestions, from a report, dict or DataFrame."""
    if pains is None:
        return [], []
    if hasattr(pains, "to_dict") and not isinstance(pains, pd.DataFrame):
        pains = pains.to_dict()
    if isinstance(pains, pd.DataFrame):
        return pains.to_dict("records"), []
    if isinstance(pains, dict):
        return list(pains.get("pains", [])), list(pains.get("suggestions", []))
    return list(pains), []


def _process_names(processes: Any) -> list[str]:
    """Process names from models.pains ({name, items, share} dicts), a list of names or one string."""
    if processes is None or (isinstance(processes, float) and pd.isna(processes)):
        return []
    if isinstance(processes, str):
        return [processes]
    return [str(p.get("name", "")) if isinstance(p, dict) else str(p) for p in processes]


def pains_section(pains: Any, df: pd.DataFrame, *, top: int = 10) -> dict:
    """Distinct pains and the top ones with prevalence (share of the period's items, Wilson 95 % interval).

    `pains` comes from models.pains (a report or its to_dict()) or is a table with label and size;
    without it the items' own `pain` column is counted.
    """
    n = int(len(df))
    rows, suggestions = _pain_list(pains)
    if not rows and df["pain"].notna().any():
        rows = [{"label": r["name"], "size": r["count"]} for r in counts_with_shares(df["pain"].dropna())]
    out = []
    for i, row in enumerate(rows):
        size = int(row.get("size", 0) or 0)
        stats = share(size, n)
        out.append(
            {
                "id": str(row.get("id", i + 1)),
                "label": str(row.get("label", "")),
                "size": size,
                "prevalence": row.get("prevalence", stats["share"]),
                "ci_low": row.get("ci_low", stats["ci_low"]),
                "ci_high": row.get("ci_high", stats["ci_high"]),
                "processes": _process_names(row.get("processes")),
                "lineage": row.get("lineage"),
            }
        )
    out.sort(key=lambda p: -p["size"])
    return {"distinct": len(out), "top": out[:top], "suggestions": suggestions}


def _detect_pains(df: pd.DataFrame) -> Any:
    """models.pains.find_pains on one period's items (their prevalence base)."""
    from models.pains import find_pains

    columns = [c for c in ("text", "process", "topic", "channel") if c in df.columns]
    return find_pains(df[columns].reset_index(drop=True))


def quarterly_report(
    items: pd.DataFrame,
    quarter: str,
    *,
    deadline_days: float = 30,
    pains: Any = None,
    top: int = 10,
    detect_pains: bool = False,
    topic_from_process: Mapping[str, str] | None = None,
) -> dict:
    """The quarterly report as a JSON-safe dict: `current` and `previous` quarter for external clients,
    `internal` (current and previous) for staff, `pains` of the current quarter.

    `topic_from_process` (process → coarse topic, e.g. load_topic_rollup()) fills the topic of items that
    have a process but no topic, such as survey answers whose Q1 names the service.
    """
    period = parse_quarter(quarter)
    previous = period - 1
    df = normalize_items(items)
    if topic_from_process:
        fill = df["topic"].isna() & df["process"].notna()
        df.loc[fill, "topic"] = df.loc[fill, "process"].map(topic_from_process)
    cur = df[df["period"] == str(period)]
    prev = df[df["period"] == str(previous)]
    external = {name: part[part["audience"] != "internal"] for name, part in (("cur", cur), ("prev", prev))}
    internal = {name: part[part["audience"] == "internal"] for name, part in (("cur", cur), ("prev", prev))}
    if pains is None and detect_pains:  # external clients' pains; staff answers are reported apart
        pains = _detect_pains(external["cur"])
    kw = {"deadline_days": deadline_days, "top": top}
    return {
        "quarter": str(period),
        "previous_quarter": str(previous),
        "deadline_days": deadline_days,
        "current": period_metrics(external["cur"], **kw),
        "previous": period_metrics(external["prev"], **kw),
        "internal": {
            "current": internal_metrics(internal["cur"], **kw),
            "previous": internal_metrics(internal["prev"], **kw),
        },
        "pains": pains_section(pains, external["cur"], top=top),
    }


def load_topic_rollup(path: Path | None = None) -> dict[str, str]:
    """process → topic from a roll-up YAML with a `processes:` table (default: sample_topics.yaml)."""
    path = path or data_dir() / "taxonomy" / "sample_topics.yaml"
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data.get("processes"), dict):
        raise ValueError(f"{path}: нет таблицы processes (процесс → тема)")
    return {str(k): str(v) for k, v in data["processes"].items()}


def load_spb_status(path: Path | None = None) -> dict:
    """The SPb status → satisfied mapping (data/taxonomy/spb_status.yaml)."""
    path = path or data_dir() / "taxonomy" / "spb_status.yaml"
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_spb_items(folder: Path, *, status_map: Path | None = None) -> pd.DataFrame:
    """SPb «Наш Санкт-Петербург» appeals as an items frame: answers joined on id, status → satisfied,
    category → topic, (category, reason) → process, the portal as channel."""
    folder = Path(folder)
    appeal_files = sorted(folder.glob("appeals.part*.csv.gz"))
    if not appeal_files:
        raise FileNotFoundError(f"{folder}: нет файлов appeals.part*.csv.gz")
    cols = ["id", "created_at", "split", "category", "reason", "text", "status", "district"]
    appeals = pd.concat([pd.read_csv(f, usecols=cols) for f in appeal_files], ignore_index=True)
    answer_files = sorted(folder.glob("answers.part*.csv.gz"))
    answers = pd.DataFrame({"id": [], "answer_at": []})
    if answer_files:
        answers = pd.concat(
            [pd.read_csv(f, usecols=["id", "answer_at"]) for f in answer_files], ignore_index=True
        )
    df = appeals.merge(answers.drop_duplicates("id"), on="id", how="left")
    mapping = load_spb_status(status_map)
    rollup = load_taxonomy().reason_rollup()  # (category, reason) → municipal process (spb.yaml)
    unknown = sorted(set(df["status"].dropna()) - set(mapping["status"]))
    if unknown:
        log.warning("%s: статусы без сопоставления (считаются unknown): %s", folder, ", ".join(unknown))
    return pd.DataFrame(
        {
            "id": df["id"],
            "text": df["text"].fillna("").astype(str),
            "kind": "appeal",
            "channel": mapping.get("channel", "Портал"),
            "created_at": pd.to_datetime(df["created_at"], format="ISO8601"),
            "answered_at": pd.to_datetime(df["answer_at"], format="ISO8601"),
            "satisfied": df["status"].map(mapping["status"]).fillna("unknown"),
            "topic": df["category"],
            "process": [rollup.get((c, r)) for c, r in zip(df["category"], df["reason"], strict=True)],
            "reason": df["reason"],
            "district": df["district"],
            "split": df["split"],
        }
    )
