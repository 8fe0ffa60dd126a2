"""Pydantic models of the HTTP API (request and response bodies, with OpenAPI examples)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

MAX_BATCH = 1000  # texts or items per request; the message of a longer batch names this limit
MAX_TEXT = 100_000  # characters per text
MAX_ID = 2**31 - 1  # database integer ids (PostgreSQL INTEGER)
MAX_ATTRIBUTES = 40  # survey attributes per item (seed 000 staff form: 14 grids + audience, object, topic)
MAX_ATTRIBUTE_KEY = 50
MAX_ATTRIBUTE_VALUE = 200
# Dates outside these years are typos or fuzz; beyond them PostgreSQL returns timestamps Python cannot hold
# (year 10000 after the UTC shift, BC years), so every later read of the item would fail.
MIN_YEAR, MAX_YEAR = 1900, 2100

Kind = Literal["appeal", "survey_answer", "review"]
Satisfied = Literal["yes", "no", "unknown"]
Level = Literal["высокая", "средняя", "низкая"]
Status = Literal["suggested", "accepted", "rejected", "done"]


def without_nul(value: Any) -> Any:
    """NUL characters dropped from strings (dict keys and lists too): PostgreSQL text cannot hold them (SQLite
    can), so ingest, labels and filters drop them alike and a stray NUL is never a server error."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


NoNul = BeforeValidator(without_nul)


def _plausible(moment: datetime) -> datetime:
    # The local year first: converting year 1 or 9999 to UTC would overflow. Naive means UTC (as in ingest).
    utc = moment.replace(tzinfo=moment.tzinfo or UTC)
    if not MIN_YEAR <= moment.year <= MAX_YEAR or not MIN_YEAR <= utc.astimezone(UTC).year <= MAX_YEAR:
        raise ValueError(f"дата вне {MIN_YEAR}–{MAX_YEAR} годов")
    return moment


# The range is in the schema too (a pattern on the year), so a client learns it from /openapi.json.
Moment = Annotated[
    datetime,
    AfterValidator(_plausible),
    Field(json_schema_extra={"pattern": r"^(19\d\d|20\d\d|2100)-"}),
]


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC): answers always carry the zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# A moment in an answer: always with its time zone (schemathesis found naive `created_at` on SQLite).
UtcMoment = Annotated[datetime, AfterValidator(_as_utc)]
Finite = Annotated[float, Field(allow_inf_nan=False)]  # NaN/Infinity are not JSON: PostgreSQL rejects them


# One text of a batch: up to MAX_TEXT characters (a 2.4M-character text held a worker for seconds).
LimitedText = Annotated[str, Field(max_length=MAX_TEXT)]


class ApiError(BaseModel):
    """Every 4xx/5xx answer: `detail` is a sentence saying what is wrong and what to do, or (a request that
    does not match the schema) the list of fields at fault."""

    detail: str | list[dict[str, Any]]


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[LimitedText] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"От 1 до {MAX_BATCH} текстов; каждый до {MAX_TEXT} символов.",
        examples=[["Во дворе не убран снег, звоните 8 900 123-45-67", "Не вывозят мусор с площадки"]],
    )


class HeadPrediction(BaseModel):
    label: str | None = Field(examples=["Уборка снега и наледи"])
    probability: float | None = Field(examples=[0.91])
    review: bool = Field(description="Модель не уверена: текст нужно проверить вручную.")


class Classification(BaseModel):
    masked_text: str
    heads: dict[str, HeadPrediction]


class ClassifyResponse(BaseModel):
    model_id: str
    results: list[Classification]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1, max_length=MAX_TEXT, examples=["Во дворе не убран снег, звоните 8 900 123-45-67"]
    )
    external_id: str | None = Field(default=None, min_length=1, max_length=200, examples=["A-2026-000123"])
    source: str = Field(default="api", min_length=1, max_length=100, examples=["api"])
    kind: Kind = "appeal"
    channel: str | None = Field(default=None, max_length=100, examples=["портал"])
    created_at: Moment | None = Field(default=None, examples=["2026-02-03T10:00:00+03:00"])
    answered_at: Moment | None = None
    satisfied: Satisfied = "unknown"
    process: str | None = Field(default=None, max_length=200, examples=["Уборка снега и наледи"])
    ratings: (
        dict[Annotated[str, StringConstraints(min_length=1, max_length=MAX_ATTRIBUTE_KEY)], Finite] | None
    ) = Field(default=None, max_length=MAX_ATTRIBUTES, examples=[{"speed": 4, "politeness": 5}])
    attributes: (
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=MAX_ATTRIBUTE_KEY)],
            Annotated[str, StringConstraints(max_length=MAX_ATTRIBUTE_VALUE)],
        ]
        | None
    ) = Field(
        default=None,
        max_length=MAX_ATTRIBUTES,
        description="Нечисловые ответы опроса (audience, internal_object, grid_* = yes/no/unknown, topic); "
        "без имён, подразделений и должностей.",
        examples=[{"audience": "internal", "internal_object": "Элементы профессиональной деятельности"}],
    )
    nps: int | None = Field(default=None, ge=0, le=10)
    period: str | None = Field(default=None, pattern=r"^\d{4}Q[1-4]$", examples=["2026Q1"])
    labels: (
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=50)],
            Annotated[str, StringConstraints(min_length=1, max_length=200)],
        ]
        | None
    ) = Field(
        default=None,
        max_length=10,
        description="Известные метки (импорт): голова → значение.",
        examples=[{"topic": "ЖКХ"}],
    )


class ItemsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemIn] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"От 1 до {MAX_BATCH} записей."
    )


class IngestResult(BaseModel):
    created: int
    existing: int
    classified: int
    model_id: str | None
    ids: list[int] = Field(description="id записей в порядке запроса (новых и уже бывших).")
    warning: str | None = Field(
        default=None, description="Что пошло не так, не помешав сохранить записи (например, нет модели)."
    )


class PredictionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    head: str
    label: str | None
    probability: float | None
    review: bool
    model_id: str


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    external_id: str | None
    kind: str
    channel: str | None
    text_masked: str
    text_raw: str | None = None
    created_at: UtcMoment | None
    answered_at: UtcMoment | None
    satisfied: str
    process: str | None
    ratings: dict[str, Any] | None
    attributes: dict[str, Any] | None = None
    nps: int | None
    period: str
    predictions: list[PredictionOut]


class ItemsPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ItemOut]


class LabelIn(BaseModel):
    # Which item: its id or its external id (one of them; the schema says so, the route checks it).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [
            {"required": ["item_id"], "properties": {"item_id": {"type": "integer"}}},
            {"required": ["external_id"], "properties": {"external_id": {"type": "string"}}},
        ]},
    )
    item_id: int | None = Field(default=None, ge=1, le=MAX_ID, examples=[1])
    external_id: Annotated[str | None, NoNul] = Field(default=None, max_length=200)
    source: Annotated[str, NoNul] = Field(default="api", max_length=100)
    head: Annotated[str, NoNul] = Field(min_length=1, max_length=50, examples=["process"])
    value: Annotated[str, NoNul] = Field(min_length=1, max_length=200, examples=["Уборка снега и наледи"])


class LabelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    labels: list[LabelIn] = Field(min_length=1, max_length=MAX_BATCH)


class LabelsResult(BaseModel):
    created: int
    ids: list[int]


class LabelOut(BaseModel):
    """A stored label: imported with a file (`import`) or set by an analyst (`correction`)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    item_id: int
    head: str
    value: str
    source: str
    author: str | None
    created_at: UtcMoment


class PainOut(BaseModel):
    id: str
    period: str
    label: str
    size: int
    prevalence: float | None
    ci_low: float | None
    ci_high: float | None
    trend: str | None
    processes: list[Any] | None
    keywords: list[Any] | None
    quotes: list[Any] | None


class ItemPainsOut(BaseModel):
    id: int
    pains: list[str]


class PainRefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str | None = Field(
        default=None,
        pattern=r"^\d{4}Q[1-4]$",
        description="Квартал; по умолчанию последний.",
        examples=["2026Q1"],
    )


class PainMapChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    field: str
    old_value: str | None
    new_value: str | None
    author: str | None
    changed_at: UtcMoment


class PainMapEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: int
    process: str
    problem: str
    prevalence: str | None
    priority: str | None
    measures: str | None
    responsible: str | None
    deadline: str | None
    status: str
    pain_id: str | None
    period: str | None
    history: list[PainMapChangeOut]


class PainMapPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measures: Annotated[str | None, NoNul] = Field(
        default=None, max_length=5000, examples=["Ввести график уборки дворов"]
    )
    responsible: Annotated[str | None, NoNul] = Field(
        default=None, max_length=300, examples=["Управление ЖКХ"]
    )
    deadline: Annotated[str | None, NoNul] = Field(default=None, max_length=100, examples=["до 31.03.2027"])
    status: Status | None = None
    priority: Level | None = None
    problem: Annotated[str | None, NoNul] = Field(default=None, min_length=1, max_length=5000)


class ModelOut(BaseModel):
    id: str
    champion: bool
    created: str | None = None
    card: dict[str, Any]


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_id: Annotated[str, NoNul] = Field(min_length=1, max_length=100)


class RetrainIn(BaseModel):
    """What `painmap retrain` takes, for the labels in the database (the heads are the champion's)."""

    model_config = ConfigDict(extra="forbid")
    since: date | None = Field(default=None, description="Новый квартал: записи с этой даты (включительно).")
    until: date | None = Field(default=None, description="Новый квартал: записи до этой даты (не включая).")
    eval_fraction: float = Field(
        default=0.3, ge=0.05, le=0.9, description="Доля самых новых записей квартала для сравнения моделей."
    )
    max_drop: float = Field(default=0.5, ge=0, le=100, description="Допустимое падение macro-F1, п.п.")
    force: bool = Field(
        default=False, description="Сделать претендента чемпионом независимо от сравнения (только admin)."
    )


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    status: str
    params: dict[str, Any] | None
    result: dict[str, Any] | None
    error: str | None
    created_at: UtcMoment
    started_at: UtcMoment | None
    finished_at: UtcMoment | None
