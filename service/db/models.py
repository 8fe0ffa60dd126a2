"""SQLAlchemy 2 models of everything the service stores.

Texts are stored masked; the raw text column is filled only when PAINMAP_STORE_RAW=true. JSON columns hold
small, schema-free payloads (ratings, survey attributes, model cards, job results) so that a new rating
question or card field needs no migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ITEM_KINDS = ("appeal", "survey_answer", "review")
SATISFIED_VALUES = ("yes", "no", "unknown")
PAINMAP_STATUSES = ("suggested", "accepted", "rejected", "done")
LEVELS = ("высокая", "средняя", "низкая")
ROLES = ("reader", "analyst", "admin")
JOB_STATUSES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Item(Base):
    """One appeal, survey answer or review."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_items_source_external_id"),
        Index("ix_items_period_kind", "period", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), default="api")
    external_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="appeal")
    channel: Mapped[str | None] = mapped_column(String(100))
    text_masked: Mapped[str] = mapped_column(Text)
    text_raw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    satisfied: Mapped[str] = mapped_column(String(10), default="unknown")
    process: Mapped[str | None] = mapped_column(String(200), index=True)
    ratings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Non-numeric survey answers (audience, internal_object, grid_* yes/no/unknown, ...): string → string.
    # Never a name, department or position; `respondent` is only a random token tying one form's answers.
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    nps: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(10), index=True)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    predictions: Mapped[list[Prediction]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin"
    )
    labels: Mapped[list[Label]] = relationship(back_populates="item", cascade="all, delete-orphan")


class Prediction(Base):
    """A model's label for one head of one item."""

    __tablename__ = "predictions"
    __table_args__ = (UniqueConstraint("item_id", "head", "model_id", name="uq_predictions_item_head_model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    head: Mapped[str] = mapped_column(String(50))
    label: Mapped[str | None] = mapped_column(String(200), index=True)
    probability: Mapped[float | None] = mapped_column(Float)
    review: Mapped[bool] = mapped_column(Boolean, default=False)
    model_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[Item] = relationship(back_populates="predictions")


class Label(Base):
    """A true label: imported with the data or an analyst's correction (the retraining input)."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    head: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20), default="correction")  # import | correction
    author: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[Item] = relationship(back_populates="labels")


class Pain(Base):
    """A recurring problem; its id is stable across periods (models.tracking assigns it)."""

    __tablename__ = "pains"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    # The analyst's corrections, applied at every refresh (models.pain_corrections): their own name for
    # the pain (shown instead of `label`), the pain it was merged into, and «не боль».
    analyst_label: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[str | None] = mapped_column(String(64))
    not_a_pain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    keywords: Mapped[list[Any] | None] = mapped_column(JSON)
    first_period: Mapped[str | None] = mapped_column(String(10))
    last_period: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    snapshots: Mapped[list[PainSnapshot]] = relationship(back_populates="pain", cascade="all, delete-orphan")
    changes: Mapped[list[PainChange]] = relationship(
        back_populates="pain", cascade="all, delete-orphan", order_by="PainChange.id"
    )

    @property
    def shown_label(self) -> str:
        return self.analyst_label or self.label


class PainExclusion(Base):
    """An item an analyst moved out of a pain: it no longer counts to that pain in any refresh."""

    __tablename__ = "pain_exclusions"

    pain_id: Mapped[str] = mapped_column(ForeignKey("pains.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    author: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PainChange(Base):
    """One analyst correction of a pain (a new name), with who and when."""

    __tablename__ = "pain_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pain_id: Mapped[str] = mapped_column(ForeignKey("pains.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    pain: Mapped[Pain] = relationship(back_populates="changes")


class PainSnapshot(Base):
    """A pain as found in one period: size, prevalence with its interval, quotes, trend."""

    __tablename__ = "pain_snapshots"
    __table_args__ = (UniqueConstraint("pain_id", "period", name="uq_pain_snapshots_pain_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pain_id: Mapped[str] = mapped_column(ForeignKey("pains.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    label: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)
    prevalence: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    trend: Mapped[str | None] = mapped_column(String(20))
    processes: Mapped[list[Any] | None] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the pain as models.pains reported it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    pain: Mapped[Pain] = relationship(back_populates="snapshots")


class ItemPains(Base):
    """An item's pains in one period, its primary pain first (empty: noise or no problem)."""

    __tablename__ = "item_pains"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    pains: Mapped[list[str]] = mapped_column(JSON)


class PainMapEntry(Base):
    """A row of «Карта болей»: the seeds' 8 columns plus workflow status and the pain it came from."""

    __tablename__ = "painmap_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)  # «№»
    process: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    prevalence: Mapped[str | None] = mapped_column(String(20))  # высокая / средняя / низкая
    priority: Mapped[str | None] = mapped_column(String(20))
    measures: Mapped[str | None] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(300))
    deadline: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="suggested", index=True)
    pain_id: Mapped[str | None] = mapped_column(ForeignKey("pains.id", ondelete="SET NULL"), index=True)
    period: Mapped[str | None] = mapped_column(String(10), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    history: Mapped[list[PainMapChange]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="PainMapChange.id"
    )


class PainMapChange(Base):
    """One field change of a pain-map entry: who, when, old and new value."""

    __tablename__ = "painmap_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("painmap_entries.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    entry: Mapped[PainMapEntry] = relationship(back_populates="history")


class ModelRow(Base):
    """A model bundle known to the registry (the bundle itself lives on disk)."""

    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    path: Mapped[str | None] = mapped_column(Text)
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_champion: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key: only its sha256 is stored; `prefix` lets people tell keys apart."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """A background job (pains refresh, retrain): status and result readable from any worker."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
